//! The parser: RFC 7208 §4.6's grammar read with byte spans, the common
//! forms (ip4/ip6 networks, mechanism names) on fast paths.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::macros::{self, MacroPlace};

type Fail = (ParseErrorKind, Span);

fn sp(start: usize, end: usize) -> Span {
    Span { start, end }
}

impl Record {
    /// Parses a record's text.
    pub fn parse(text: &str) -> Result<Record, ParseError> {
        Record::parse_bytes(text.as_bytes())
    }

    /// Parses a record's bytes as they come from DNS (TXT strings joined).
    /// Anything but printable ASCII is an error (§4.5, §12).
    pub fn parse_bytes(text: &[u8]) -> Result<Record, ParseError> {
        if !is_spf_record(text) {
            let end = text.iter().position(|&b| b == b' ').unwrap_or(text.len());
            return Err(ParseError {
                kind: ParseErrorKind::NotSpf,
                span: sp(0, end),
                term: String::from_utf8_lossy(&text[..end]).into_owned(),
            });
        }
        // One pass decides whether every byte is printable ASCII (or the
        // space that separates terms) and counts the spaces; then the text
        // is a str throughout. The slow search for the bad byte runs only
        // for a bad record.
        let (printable, spaces) = scan(text);
        let bad = if printable { None } else { text.iter().position(|&b| !(0x20..=0x7e).contains(&b)) };
        let str_text = match bad {
            None => core::str::from_utf8(text).unwrap_or_default(),
            Some(bad) => {
                let start = text[..bad].iter().rposition(|&b| b == b' ').map_or(0, |p| p + 1);
                let end = text[bad..].iter().position(|&b| b == b' ').map_or(text.len(), |p| bad + p);
                return Err(ParseError {
                    kind: ParseErrorKind::InvalidCharacter,
                    span: sp(bad, bad + crate::macros::char_len(&text[bad..])),
                    term: String::from_utf8_lossy(&text[start..end]).into_owned(),
                });
            }
        };
        let mut record = Record { terms: Vec::with_capacity(spaces), redirect: None, explanation: None };
        for (at, raw) in terms_of(str_text) {
            let fail = |(kind, span): Fail| ParseError { kind, span, term: raw.to_owned() };
            let term = parse_term(raw, at).map_err(fail)?;
            let slot = match &term {
                Term::Modifier(Modifier::Redirect(_), _) => Some(&mut record.redirect),
                Term::Modifier(Modifier::Explanation(_), _) => Some(&mut record.explanation),
                _ => None,
            };
            if let Some(slot) = slot {
                if slot.is_some() {
                    return Err(fail((ParseErrorKind::DuplicateModifier, term.span())));
                }
                *slot = Some(record.terms.len());
            }
            record.terms.push(term);
        }
        Ok(record)
    }

    /// The terms in record order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The directives in record order.
    pub fn directives(&self) -> impl Iterator<Item = (&Directive, Span)> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d, s) => Some((d, *s)),
            Term::Modifier(..) => None,
        })
    }

    /// The `redirect=` target, if any.
    pub fn redirect(&self) -> Option<&DomainSpec> {
        match self.terms.get(self.redirect?)? {
            Term::Modifier(Modifier::Redirect(d), _) => Some(d),
            _ => None,
        }
    }

    /// The `exp=` target, if any.
    pub fn explanation(&self) -> Option<&DomainSpec> {
        match self.terms.get(self.explanation?)? {
            Term::Modifier(Modifier::Explanation(d), _) => Some(d),
            _ => None,
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES << 7;

/// Whether every byte is printable ASCII (0x20 to 0x7e), and how many are
/// spaces: eight bytes at a time (the compiler does not vectorise the
/// byte-wise form, and records are read on every evaluation).
#[inline(always)]
fn scan(b: &[u8]) -> (bool, usize) {
    let mut bad = 0u64;
    let mut spaces = 0;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        // A byte below 0x20, or above 0x7e (0x7f and up), sets its high bit.
        bad |= (x.wrapping_sub(ONES * 0x20) & !x) | (x.wrapping_add(ONES) | x);
        // Zero bytes of x ^ "        " are spaces; each sets its high bit.
        let y = x ^ (ONES * u64::from(b' '));
        spaces += (!(((y & !HIGH) + !HIGH) | y) & HIGH).count_ones() as usize;
    }
    let rest = chunks.remainder();
    let printable = bad & HIGH == 0 && rest.iter().all(|b| (0x20..=0x7e).contains(b));
    (printable, spaces + rest.iter().filter(|&&b| b == b' ').count())
}

/// The terms after `v=spf1`, each with its byte offset.
fn terms_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = text.as_bytes();
    let mut i = 6;
    core::iter::from_fn(move || {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        let start = i;
        i = space_or_end(b, i);
        // Splitting at spaces (ASCII) keeps char boundaries.
        (i > start).then(|| (start, &text[start..i]))
    })
}

/// The first space at or after `i`, or the end: eight bytes at a time, as
/// records are mostly long runs of short terms.
fn space_or_end(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        // Zero bytes of x are the spaces; the classic has-zero-byte test
        // marks the first one exactly (later marks may be false positives).
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b' '));
        let found = x.wrapping_sub(ONES) & !x & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b' ' {
        i += 1;
    }
    i
}

/// IPv4 in dotted-quad form, no leading zeros (as `Ipv4Addr::from_str`
/// accepts), without the general parser's overhead: records hold dozens.
#[cfg(test)]
fn parse_ip4(s: &str) -> Option<Ipv4Addr> {
    match ip4_network(s.as_bytes()) {
        Some((addr, None)) => Some(addr),
        _ => None,
    }
}

/// `ip4-network [ "/" rest ]` in one pass: the address, and the bytes
/// after the first `/` (checked by the caller as a prefix length). `None`
/// when the text before the first `/` is not an address.
fn ip4_network(b: &[u8]) -> Option<(Ipv4Addr, Option<&[u8]>)> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        // 1 to 3 digits, no leading zero, at most 255.
        let digits = b.get(i..).unwrap_or_default();
        let len = digits.iter().take(4).take_while(|d| d.is_ascii_digit()).count();
        let v = match (len, digits) {
            (1, [d, ..]) => u32::from(d - b'0'),
            (2, [d1 @ b'1'..=b'9', d2, ..]) => u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0'),
            (3, [d1 @ b'1'..=b'9', d2, d3, ..]) => {
                u32::from(d1 - b'0') * 100 + u32::from(d2 - b'0') * 10 + u32::from(d3 - b'0')
            }
            _ => return None,
        };
        *octet = u8::try_from(v).ok()?;
        i += len;
    }
    let addr = Ipv4Addr::from(octets);
    match b.get(i) {
        None => Some((addr, None)),
        Some(b'/') => Some((addr, Some(&b[i + 1..]))),
        Some(_) => None,
    }
}

/// IPv6 as `Ipv6Addr::from_str` accepts it. The common forms (hex groups
/// and one `::`) are read here; anything else (an embedded IPv4 address,
/// or text that is not an address) is left to the standard parser, so the
/// accepted set is the standard one.
fn parse_ip6(s: &str) -> Option<Ipv6Addr> {
    fast_ip6(s.as_bytes()).or_else(|| s.parse().ok())
}

fn hex_digit(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

/// Only ever `Some` for text the standard parser reads the same way.
fn fast_ip6(b: &[u8]) -> Option<Ipv6Addr> {
    let mut groups = [0u16; 8];
    let mut n = 0;
    // Where `::` stands, as a count of groups before it.
    let mut gap: Option<usize> = None;
    let mut i = 0;
    if b.starts_with(b"::") {
        gap = Some(0);
        i = 2;
    }
    while i < b.len() {
        let start = i;
        let mut v: u16 = 0;
        while i < b.len() && i - start < 4 {
            let Some(d) = hex_digit(b[i]) else { break };
            v = (v << 4) | d;
            i += 1;
        }
        if i == start || n == 8 {
            return None;
        }
        groups[n] = v;
        n += 1;
        if i == b.len() {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if b.get(i) == Some(&b':') {
            if gap.is_some() {
                return None;
            }
            gap = Some(n);
            i += 1;
        } else if i == b.len() {
            return None;
        }
    }
    let out = match gap {
        None if n == 8 => groups,
        // `::` stands for at least one group.
        Some(at) if n <= 7 => {
            let mut out = [0u16; 8];
            out[..at].copy_from_slice(&groups[..at]);
            out[8 - (n - at)..].copy_from_slice(&groups[at..n]);
            out
        }
        _ => return None,
    };
    Some(Ipv6Addr::from(out))
}

/// `ALPHA / DIGIT / "-" / "_" / "."`: the characters of a mechanism's or
/// modifier's name, looked up rather than compared.
const NAME_CHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
        c += 1;
    }
    t
};

fn is_name_char(b: u8) -> bool {
    NAME_CHARS[usize::from(b)]
}

/// Parses one term, `t` starting at byte `at` of the record.
// parse_term, parse_term_at and scan are inlined into parse_bytes, as the
// compiler chose while they shared a module with their callers: measured
// (callgrind, the benchmark workload) ~500 instructions an evaluation.
#[inline(always)]
fn parse_term(t: &str, at: usize) -> Result<Term, Fail> {
    // An argument that is missing (`mx:`, `redirect=`) has no bytes of its
    // own to point at: the error spans the term.
    parse_term_at(t, at).map_err(|(kind, span)| match kind {
        ParseErrorKind::MissingArgument => (kind, sp(at, at + t.len())),
        _ => (kind, span),
    })
}

#[inline(always)]
fn parse_term_at(t: &str, at: usize) -> Result<Term, Fail> {
    let whole = sp(at, at + t.len());
    let b = t.as_bytes();
    let (qualifier, q_len) = match b[0] {
        b'+' => (Some(Qualifier::Pass), 1),
        b'-' => (Some(Qualifier::Fail), 1),
        b'~' => (Some(Qualifier::SoftFail), 1),
        b'?' => (Some(Qualifier::Neutral), 1),
        _ => (None, 0),
    };
    let name_end = q_len + b[q_len..].iter().position(|&c| !is_name_char(c)).unwrap_or(b.len() - q_len);
    let name = &t[q_len..name_end];
    let rest = &t[name_end..];
    let rest_at = at + name_end;

    if let Some(value) = rest.strip_prefix('=') {
        if qualifier.is_some() {
            return Err((ParseErrorKind::QualifiedModifier, whole));
        }
        // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
        if !name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
            return Err((ParseErrorKind::UnknownMechanism, whole));
        }
        let value_at = rest_at + 1;
        let modifier = if name.eq_ignore_ascii_case("redirect") {
            Modifier::Redirect(domain_spec(value, value_at)?)
        } else if name.eq_ignore_ascii_case("exp") {
            Modifier::Explanation(domain_spec(value, value_at)?)
        } else {
            macros::check(value.as_bytes(), MacroPlace::Record).map_err(|e| {
                let (start, end) = e.span(value.as_bytes());
                (ParseErrorKind::InvalidMacro, sp(value_at + start, value_at + end))
            })?;
            Modifier::Unknown { name: name.into(), value: value.into() }
        };
        return Ok(Term::Modifier(modifier, whole));
    }

    let lower = mechanism_name(name.as_bytes());
    let Some(lower) = lower else { return Err((ParseErrorKind::UnknownMechanism, whole)) };
    let mechanism = match lower {
        Kind::All => {
            if !rest.is_empty() {
                return Err((ParseErrorKind::UnexpectedArgument, whole));
            }
            Mechanism::All
        }
        Kind::Include | Kind::Exists => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let spec = domain_spec(arg, rest_at + 1)?;
            if lower == Kind::Include { Mechanism::Include(spec) } else { Mechanism::Exists(spec) }
        }
        Kind::A | Kind::Mx => {
            let (domain, cidr) = if let Some(arg) = rest.strip_prefix(':') {
                // The dual-cidr is the first `/` from which only digits and
                // slashes follow; a `/` before that belongs to the
                // domain-spec (`a:foo:bar/baz.example.com` is legal).
                let split = arg
                    .bytes()
                    .enumerate()
                    .find(|&(i, c)| c == b'/' && arg.as_bytes()[i..].iter().all(|&c| c == b'/' || c.is_ascii_digit()))
                    .map_or(arg.len(), |(i, _)| i);
                let spec = domain_spec(&arg[..split], rest_at + 1)?;
                (Some(spec), dual_cidr(&arg[split..], rest_at + 1 + split)?)
            } else if rest.is_empty() || rest.starts_with('/') {
                (None, dual_cidr(rest, rest_at)?)
            } else {
                return Err((ParseErrorKind::UnknownMechanism, whole));
            };
            if lower == Kind::A { Mechanism::A { domain, cidr } } else { Mechanism::Mx { domain, cidr } }
        }
        Kind::Ptr => {
            if rest.is_empty() {
                Mechanism::Ptr(None)
            } else if let Some(arg) = rest.strip_prefix(':') {
                Mechanism::Ptr(Some(domain_spec(arg, rest_at + 1)?))
            } else {
                return Err((ParseErrorKind::UnexpectedArgument, whole));
            }
        }
        Kind::Ip4 => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let (addr, len) = ip4_network(arg.as_bytes()).ok_or((ParseErrorKind::InvalidIp4, whole))?;
            let prefix = match len {
                None => None,
                Some(l) => {
                    let slash = rest_at + arg.len() - l.len();
                    let span = sp(slash, rest_at + 1 + arg.len());
                    Some(cidr_len(l, 32).ok_or((ParseErrorKind::InvalidCidr, span))?)
                }
            };
            Mechanism::Ip4 { addr, prefix }
        }
        Kind::Ip6 => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let (addr, len) = split_network(arg, rest_at + 1);
            let addr = parse_ip6(addr).ok_or((ParseErrorKind::InvalidIp6, whole))?;
            let prefix = match len {
                None => None,
                Some((l, span)) => Some(cidr_len(l, 128).ok_or((ParseErrorKind::InvalidCidr, span))?),
            };
            Mechanism::Ip6 { addr, prefix }
        }
    };
    Ok(Term::Directive(Directive { qualifier, mechanism }, whole))
}

/// `ip4-network [ ip4-cidr-length ]` (or ip6) at byte `at`: the address,
/// and the prefix length's digits with the span of `/digits`.
fn split_network(arg: &str, at: usize) -> (&str, Option<(&str, Span)>) {
    match arg.as_bytes().iter().position(|&c| c == b'/') {
        Some(p) => (&arg[..p], Some((&arg[p + 1..], sp(at + p, at + arg.len())))),
        None => (arg, None),
    }
}

/// `"0" / %x31-39 0*nDIGIT`, at most `max`.
fn cidr_len(s: impl AsRef<[u8]>, max: u8) -> Option<u8> {
    let b = s.as_ref();
    if b.is_empty() || b.len() > 3 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut n: u16 = 0;
    for &d in b {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u16::from(d - b'0');
    }
    (n <= u16::from(max)).then_some(n as u8)
}

/// Which mechanism a name is, matched without case. The name is packed into a word and compared as
/// one: no loop over the names, no string comparison.
fn mechanism_name(name: &[u8]) -> Option<Kind> {
    const fn pack(s: &[u8]) -> u64 {
        let mut w = 0u64;
        let mut i = 0;
        while i < s.len() {
            w |= (s[i] as u64) << (8 * i);
            i += 1;
        }
        w
    }
    if name.is_empty() || name.len() > 7 {
        return None;
    }
    let mut w = [0u8; 8];
    w[..name.len()].copy_from_slice(name);
    // Lower case for letters; other bytes of a name (digits, "-", "_",
    // ".") keep bit 5 set already, so no name can alias another.
    match u64::from_le_bytes(w) | (0x2020_2020_2020_2020 & !(u64::MAX << (8 * name.len()))) {
        w if w == pack(b"a") => Some(Kind::A),
        w if w == pack(b"mx") => Some(Kind::Mx),
        w if w == pack(b"all") => Some(Kind::All),
        w if w == pack(b"ptr") => Some(Kind::Ptr),
        w if w == pack(b"ip4") => Some(Kind::Ip4),
        w if w == pack(b"ip6") => Some(Kind::Ip6),
        w if w == pack(b"exists") => Some(Kind::Exists),
        w if w == pack(b"include") => Some(Kind::Include),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

/// `[ ip4-cidr-length ] [ "/" ip6-cidr-length ]`
fn dual_cidr(s: &str, at: usize) -> Result<DualCidr, Fail> {
    let bad = (ParseErrorKind::InvalidCidr, sp(at, at + s.len()));
    let mut cidr = DualCidr::default();
    let mut rest = s;
    if let Some(r) = rest.strip_prefix('/') {
        if !r.starts_with('/') {
            let end = r.find('/').unwrap_or(r.len());
            cidr.v4 = Some(cidr_len(&r[..end], 32).ok_or(bad)?);
            rest = &r[end..];
        }
    }
    if let Some(r) = rest.strip_prefix("//") {
        cidr.v6 = Some(cidr_len(r, 128).ok_or(bad)?);
        rest = "";
    }
    if rest.is_empty() { Ok(cidr) } else { Err(bad) }
}

/// `domain-spec = macro-string domain-end` (§7.1).
pub(super) fn domain_spec(s: &str, at: usize) -> Result<DomainSpec, Fail> {
    let whole = sp(at, at + s.len());
    if s.is_empty() {
        return Err((ParseErrorKind::MissingArgument, whole));
    }
    // One pass: any `%`, any byte outside macro-literal's printable range.
    let (pct, odd) =
        s.bytes().fold((false, false), |(pct, odd), b| (pct | (b == b'%'), odd | !(0x21..=0x7e).contains(&b)));
    let sum: MacroSummary = if !pct && !odd {
        // The common case: a plain name, all macro-literal.
        MacroSummary::default()
    } else {
        macros::check(s.as_bytes(), MacroPlace::Record).map_err(|e| {
            let kind = match e {
                macros::MacroSyntax::BadCharacter(_) => ParseErrorKind::InvalidCharacter,
                _ => ParseErrorKind::InvalidMacro,
            };
            let (start, end) = e.span(s.as_bytes());
            (kind, sp(at + start, at + end))
        })?
    };
    if !sum.ends_with_expand && !valid_domain_end(&s[sum.literal_tail..]) {
        return Err((ParseErrorKind::InvalidDomainSpec, whole));
    }
    Ok(DomainSpec {
        text: s.into(),
        has_macros: sum.has_macros,
        uses_p: sum.uses_p,
        uses_local_part: sum.uses_local_part,
    })
}

/// `domain-end = ( "." toplabel [ "." ] )`, checked on the literal tail.
fn valid_domain_end(tail: &str) -> bool {
    let t = tail.strip_suffix('.').unwrap_or(tail);
    let Some(dot) = t.rfind('.') else { return false };
    let label = &t[dot + 1..];
    let b = label.as_bytes();
    // toplabel = ( *alphanum ALPHA *alphanum ) /
    //            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    !b.is_empty()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && (b.iter().any(u8::is_ascii_alphabetic) || b.contains(&b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParseError {
        Record::parse(text).unwrap_err()
    }

    #[test]
    fn round_trip() {
        for text in [
            "v=spf1",
            "v=spf1 -all",
            "v=spf1 a mx/24 a:%{d}.example.com/24//64 ~mx:mx.example.org//48 ?ptr ptr:example.com",
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:192.0.2.1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
            "v=spf1 include:_spf.example.com redirect=_spf.example.net exp=explain._spf.%{d} moo=cow%%%_ x.y-z_w=",
        ] {
            let r = Record::parse(text).unwrap();
            assert_eq!(r.to_string(), text);
            assert_eq!(Record::parse(&r.to_string()).unwrap(), r);
        }
        // Case and spacing normalise but stay equivalent.
        let r = Record::parse("V=SPF1  A:Example.COM  -ALL ").unwrap();
        assert_eq!(r.to_string(), "v=spf1 a:Example.COM -all");
    }

    #[test]
    fn directive_text_is_display() {
        let r = Record::parse(
            "v=spf1 a mx/24 a:%{d}.example.com/24//64 ~mx:mx.example.org//48 ?ptr ptr:example.com ip4:0.0.0.0/0 \
             -ip4:255.255.255.255 ip4:10.100.7.99/32 ip6:2001:db8::/32 ip6:::ffff:1.2.3.4 exists:%{ir}.x.example \
             include:_spf.example.com +all",
        )
        .unwrap();
        for (d, _) in r.directives() {
            assert_eq!(d.text(), d.to_string());
        }
    }

    #[test]
    fn long_terms_are_cut_in_the_message_only() {
        let record = format!("v=spf1 {}", "z".repeat(63000));
        let e = err(&record);
        assert_eq!(e.term.len(), 63000);
        let message = e.to_string();
        assert!(message.len() < 250, "{message}");
        assert!(message.contains("zzz[truncated]\" (bytes 7..63007)"), "{message}");
    }

    #[test]
    fn spans() {
        let e = err("v=spf1 a/33 -all");
        assert_eq!(e.kind, ParseErrorKind::InvalidCidr);
        assert_eq!((e.span.start, e.span.end), (8, 11));
        assert_eq!(e.term, "a/33");

        let e = err("v=spf1 -all moo");
        assert_eq!(e.kind, ParseErrorKind::UnknownMechanism);
        assert_eq!((e.span.start, e.span.end), (12, 15));

        let e = err("v=spf1 exists:%{d}%x");
        assert_eq!(e.kind, ParseErrorKind::InvalidMacro);
        assert_eq!((e.span.start, e.span.end), (18, 20));

        // The span covers the whole bad macro, not the rest of the term.
        let e = err("v=spf1 include:%{z}.example -all");
        assert_eq!(e.kind, ParseErrorKind::InvalidMacro);
        assert_eq!((e.span.start, e.span.end), (15, 19));
        assert_eq!(e.term, "include:%{z}.example");

        let e = err("v=spf1 ip6:2001:db8::/129");
        assert_eq!(e.kind, ParseErrorKind::InvalidCidr);
        assert_eq!((e.span.start, e.span.end), (21, 25));

        let e = err("v=spf1 redirect=a.example redirect=b.example");
        assert_eq!(e.kind, ParseErrorKind::DuplicateModifier);
        assert_eq!((e.span.start, e.span.end), (26, 44));

        // A missing argument spans its term, not the empty place after ':'.
        for (record, start, end) in
            [("v=spf1 mx: -all", 7, 10), ("v=spf1 redirect=", 7, 16), ("v=spf1 ip4 -all", 7, 10)]
        {
            let e = err(record);
            assert_eq!(e.kind, ParseErrorKind::MissingArgument, "{record}");
            assert_eq!((e.span.start, e.span.end), (start, end), "{record}");
        }

        let e = Record::parse_bytes(b"v=spf1 a:\xc3\xa9.example -all").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::InvalidCharacter);
        // The whole character, never half of it.
        assert_eq!((e.span.start, e.span.end), (9, 11));
    }

    #[test]
    fn ip4_parser_agrees_with_std() {
        for t in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            "1.2.3.4 ",
            "a.b.c.d",
            "1.2.3.0004",
            "1000.2.3.4",
            "10.0.0.00",
            "192.0.2.1/",
        ] {
            assert_eq!(parse_ip4(t), t.parse().ok(), "{t:?}");
        }
    }

    #[test]
    fn ip6_parser_agrees_with_std() {
        for t in [
            "::",
            "::1",
            "1::",
            "2001:db8::",
            "2001:db8::/32",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":1::",
            "1:",
            ":::",
            "12345::",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "fe80::1%eth0",
            "2001:DB8:0:0:8:800:200C:417A",
            "0000:0000::",
            "g::",
            "",
        ] {
            assert_eq!(parse_ip6(t), t.parse().ok(), "{t:?}");
            if let Some(a) = fast_ip6(t.as_bytes()) {
                assert_eq!(Some(a), t.parse().ok(), "{t:?}");
            }
        }
        // Random strings over the address alphabet: the fast path never
        // accepts what the standard parser rejects or reads otherwise.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"0123456789abcdefABCDEF::::...x";
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let t: String =
                (0..len).map(|k| alphabet[((x >> (k * 2 % 60)) as usize + k * 7) % alphabet.len()] as char).collect();
            if let Some(a) = fast_ip6(t.as_bytes()) {
                assert_eq!(Some(a), t.parse().ok(), "{t:?}");
            }
            assert_eq!(parse_ip6(&t), t.parse().ok(), "{t:?}");
        }
    }

    #[test]
    fn byte_scan() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for len in 0..40 {
            for _ in 0..2000 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Mostly printable, sometimes the edges and beyond.
                        match x % 16 {
                            0 => (x >> 8) as u8,
                            1 => [0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff, 0x00][(x >> 8) as usize % 7],
                            2 | 3 => b' ',
                            _ => 0x21 + (x >> 8) as u8 % 0x5e,
                        }
                    })
                    .collect();
                let naive =
                    (bytes.iter().all(|b| (0x20..=0x7e).contains(b)), bytes.iter().filter(|&&b| b == b' ').count());
                assert_eq!(scan(&bytes), naive, "{bytes:?}");
            }
        }
    }

    #[test]
    fn term_scanning() {
        let text = "v=spf1 a mx:x.example.com      ip4:192.0.2.0/24   -all ";
        let terms: Vec<_> = terms_of(text).collect();
        assert_eq!(terms, vec![(7, "a"), (9, "mx:x.example.com"), (31, "ip4:192.0.2.0/24"), (50, "-all")]);
        for i in 0..text.len() {
            let naive = text[i..].find(' ').map_or(text.len(), |p| i + p);
            assert_eq!(space_or_end(text.as_bytes(), i), naive, "{i}");
        }
    }

    #[test]
    fn grammar_edges() {
        for bad in [
            "v=spf1 a:museum",
            "v=spf1 a:museum.",
            "v=spf1 a:foo.example.123",
            "v=spf1 a:foo.example.com-",
            "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 ip4",
            "v=spf1 ip4:::ffff:1.2.3.4",
            "v=spf1 ip6:::1/129",
            "v=spf1 a//129",
            "v=spf1 include:",
            "v=spf1 include:foo.example.com/24",
            "v=spf1 all:x",
            "v=spf1 ptr/24",
            "v=spf1 +redirect=example.com",
            "v=spf1 exp=a.example exp=b.example",
            "v=spf1 1x=y",
            "v=spf1 exists:%{c}.example.com",
            "v=spf1 ipv4:1.2.3.4",
            "v=spf1 a:foo.example.com\t-all",
        ] {
            assert!(Record::parse(bad).is_err(), "{bad} should not parse");
        }
        for good in [
            "v=spf1 a:foo:bar/baz.example.com",
            "v=spf1 a:foo.example.com.",
            "v=spf1 a:foo.example.com/0//0",
            "v=spf1 a:a-1.example.1-2",
            "v=spf1 exists:%{i}",
            "v=spf1 default=- -all",
            "v=spf1 ",
        ] {
            assert!(Record::parse(good).is_ok(), "{good} should parse");
        }
        assert_eq!(err("v=spf1mx").kind, ParseErrorKind::NotSpf);
        assert!(!is_spf_record(b"v=spf10"));
    }
}
