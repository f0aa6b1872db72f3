//! SPF records: the grammar of RFC 7208 §4.6 and §12, parsed with byte spans.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::macros::{self, MacroPlace, MacroSummary};

/// A byte range in a record's text, `start..end`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The bytes of `text` this span covers, when it lies on character
    /// boundaries.
    pub fn of<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.start..self.end)
    }
}

/// A directive's qualifier (§4.6.2), and the result it produces on a match.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Qualifier {
    /// `+`, the default.
    Pass,
    /// `-`
    Fail,
    /// `~`
    SoftFail,
    /// `?`
    Neutral,
}

impl Qualifier {
    /// The qualifier's character.
    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// A `domain-spec` (§7.1): a macro string ending in a domain. Checked when
/// the record is parsed; expanded when the evaluation reaches it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DomainSpec {
    text: Box<str>,
    has_macros: bool,
    uses_p: bool,
    uses_local_part: bool,
}

impl DomainSpec {
    /// Parses a stand-alone domain-spec, e.g. an `include:` target.
    ///
    /// ```
    /// let spec = spfkit::DomainSpec::parse("%{ir}.%{v}._spf.%{d2}").unwrap();
    /// assert!(spec.has_macros());
    /// assert!(spfkit::DomainSpec::parse("example").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<DomainSpec, ParseError> {
        domain_spec(text, 0).map_err(|(kind, span)| ParseError { kind, span, term: text.to_owned() })
    }

    /// The text as written in the record.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when expansion can change the text (it holds a `%{…}`).
    pub fn has_macros(&self) -> bool {
        self.has_macros
    }

    pub(crate) fn uses_p(&self) -> bool {
        self.uses_p
    }

    pub(crate) fn uses_local_part(&self) -> bool {
        self.uses_local_part
    }
}

impl fmt::Display for DomainSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Dual CIDR prefix lengths of `a` and `mx` (§5.6). `None` is the default:
/// /32 for IPv4, /128 for IPv6.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DualCidr {
    /// `ip4-cidr-length`
    pub v4: Option<u8>,
    /// `ip6-cidr-length`
    pub v6: Option<u8>,
}

impl DualCidr {
    /// The prefix length that applies to IPv4 addresses.
    pub fn v4_len(&self) -> u8 {
        self.v4.unwrap_or(32)
    }
    /// The prefix length that applies to IPv6 addresses.
    pub fn v6_len(&self) -> u8 {
        self.v6.unwrap_or(128)
    }
}

impl fmt::Display for DualCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v4) = self.v4 {
            write!(f, "/{v4}")?;
        }
        if let Some(v6) = self.v6 {
            write!(f, "//{v6}")?;
        }
        Ok(())
    }
}

/// A mechanism (§5).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Mechanism {
    /// `all` (§5.1)
    All,
    /// `include:<domain-spec>` (§5.2)
    Include(DomainSpec),
    /// `a[:<domain-spec>][<dual-cidr>]` (§5.3)
    A {
        /// The target; `None` means `<domain>`.
        domain: Option<DomainSpec>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `mx[:<domain-spec>][<dual-cidr>]` (§5.4)
    Mx {
        /// The target; `None` means `<domain>`.
        domain: Option<DomainSpec>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `ptr[:<domain-spec>]` (§5.5), discouraged.
    Ptr(Option<DomainSpec>),
    /// `ip4:<network>[/<len>]` (§5.6)
    Ip4 {
        /// The address as written.
        addr: Ipv4Addr,
        /// `None` when no length was written (/32).
        prefix: Option<u8>,
    },
    /// `ip6:<network>[/<len>]` (§5.6)
    Ip6 {
        /// The address as written.
        addr: Ipv6Addr,
        /// `None` when no length was written (/128).
        prefix: Option<u8>,
    },
    /// `exists:<domain-spec>` (§5.7)
    Exists(DomainSpec),
}

impl Mechanism {
    /// The mechanism's name as the RFC spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include(_) => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr(_) => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it queries DNS, and so counts toward the limit of
    /// 10 (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mechanism::All => f.write_str("all"),
            Mechanism::Include(d) => write!(f, "include:{d}"),
            Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => {
                f.write_str(self.name())?;
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                write!(f, "{cidr}")
            }
            Mechanism::Ptr(d) => match d {
                Some(d) => write!(f, "ptr:{d}"),
                None => f.write_str("ptr"),
            },
            Mechanism::Ip4 { addr, prefix } => {
                write!(f, "ip4:{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Mechanism::Ip6 { addr, prefix } => {
                write!(f, "ip6:{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Mechanism::Exists(d) => write!(f, "exists:{d}"),
        }
    }
}

/// A directive: an optional qualifier and a mechanism (§4.6.1).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Directive {
    /// The qualifier as written; `None` means the implicit `+`.
    pub qualifier: Option<Qualifier>,
    /// The mechanism.
    pub mechanism: Mechanism,
}

impl Directive {
    /// The qualifier that applies, explicit or not.
    pub fn effective_qualifier(&self) -> Qualifier {
        self.qualifier.unwrap_or(Qualifier::Pass)
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}", q.as_char())?;
        }
        write!(f, "{}", self.mechanism)
    }
}

/// A modifier (§6).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Modifier {
    /// `redirect=<domain-spec>` (§6.1)
    Redirect(DomainSpec),
    /// `exp=<domain-spec>` (§6.2)
    Explanation(DomainSpec),
    /// `name=<macro-string>`, ignored by evaluation (§6).
    Unknown {
        /// The modifier's name as written.
        name: Box<str>,
        /// Its value, a syntactically valid macro string.
        value: Box<str>,
    },
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Modifier::Redirect(d) => write!(f, "redirect={d}"),
            Modifier::Explanation(d) => write!(f, "exp={d}"),
            Modifier::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

/// One term of a record with where it stands in the record's text.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Term {
    /// A directive.
    Directive(Directive, Span),
    /// A modifier.
    Modifier(Modifier, Span),
}

impl Term {
    /// The term's bytes in the record.
    pub fn span(&self) -> Span {
        match self {
            Term::Directive(_, s) | Term::Modifier(_, s) => *s,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Directive(d, _) => d.fmt(f),
            Term::Modifier(m, _) => m.fmt(f),
        }
    }
}

/// A parsed SPF record (§4.6, §12).
///
/// ```
/// use spfkit::Record;
/// let r = Record::parse("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all").unwrap();
/// assert_eq!(r.terms().len(), 3);
/// assert_eq!(r.to_string(), "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all");
///
/// let err = Record::parse("v=spf1 ip4:192.0.2.300 -all").unwrap_err();
/// assert_eq!(err.term, "ip4:192.0.2.300");
/// assert_eq!((err.span.start, err.span.end), (7, 22));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Record {
    terms: Vec<Term>,
    redirect: Option<usize>,
    explanation: Option<usize>,
}

/// What is wrong with a record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text does not begin with `v=spf1` followed by a space or its end.
    NotSpf,
    /// A byte that is not printable ASCII (§4.5: records are ASCII).
    InvalidCharacter,
    /// A term that is neither a known mechanism nor a `name=value` modifier.
    UnknownMechanism,
    /// A qualifier before a modifier.
    QualifiedModifier,
    /// A mechanism that requires `:<domain-spec>` lacks it.
    MissingArgument,
    /// Text after a mechanism that takes none (`all:x`, `ptr/24`).
    UnexpectedArgument,
    /// A domain-spec that does not end in a valid domain (§7.1 domain-end).
    InvalidDomainSpec,
    /// A malformed macro.
    InvalidMacro,
    /// A malformed IPv4 network.
    InvalidIp4,
    /// A malformed IPv6 network.
    InvalidIp6,
    /// A prefix length that is malformed or too long.
    InvalidCidr,
    /// `redirect=` or `exp=` appears twice (§6).
    DuplicateModifier,
}

impl ParseErrorKind {
    /// A stable short code for tools and bindings.
    pub fn code(self) -> &'static str {
        match self {
            ParseErrorKind::NotSpf => "not-spf",
            ParseErrorKind::InvalidCharacter => "invalid-character",
            ParseErrorKind::UnknownMechanism => "unknown-mechanism",
            ParseErrorKind::QualifiedModifier => "qualified-modifier",
            ParseErrorKind::MissingArgument => "missing-argument",
            ParseErrorKind::UnexpectedArgument => "unexpected-argument",
            ParseErrorKind::InvalidDomainSpec => "invalid-domain-spec",
            ParseErrorKind::InvalidMacro => "invalid-macro",
            ParseErrorKind::InvalidIp4 => "invalid-ip4",
            ParseErrorKind::InvalidIp6 => "invalid-ip6",
            ParseErrorKind::InvalidCidr => "invalid-cidr",
            ParseErrorKind::DuplicateModifier => "duplicate-modifier",
        }
    }

    fn message(self) -> &'static str {
        match self {
            ParseErrorKind::NotSpf => "not an SPF record: it must begin with \"v=spf1\"",
            ParseErrorKind::InvalidCharacter => "character outside printable ASCII",
            ParseErrorKind::UnknownMechanism => "unknown mechanism",
            ParseErrorKind::QualifiedModifier => "a modifier cannot take a qualifier",
            ParseErrorKind::MissingArgument => "mechanism requires \":<domain-spec>\"",
            ParseErrorKind::UnexpectedArgument => "unexpected text after the mechanism",
            ParseErrorKind::InvalidDomainSpec => "domain-spec does not end in a valid domain",
            ParseErrorKind::InvalidMacro => "invalid macro",
            ParseErrorKind::InvalidIp4 => "invalid IPv4 network",
            ParseErrorKind::InvalidIp6 => "invalid IPv6 network",
            ParseErrorKind::InvalidCidr => "invalid CIDR prefix length",
            ParseErrorKind::DuplicateModifier => "modifier appears more than once",
        }
    }
}

/// A syntax error: what, in which term, and where (byte offsets into the
/// record text).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The offending term's bytes in the record, or the narrower part of it
    /// that is wrong when that is known (a bad macro, a bad prefix length).
    pub span: Span,
    /// The offending term as written (lossily decoded if it is not UTF-8).
    pub term: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in term {:?} (bytes {}..{})", self.kind.message(), self.term, self.span.start, self.span.end)
    }
}

impl std::error::Error for ParseError {}

/// True when a TXT record's text is an SPF record by §4.5: `v=spf1`
/// (any case) followed by a space or nothing.
pub fn is_spf_record(text: &[u8]) -> bool {
    text.len() >= 6 && text[..6].eq_ignore_ascii_case(b"v=spf1") && (text.len() == 6 || text[6] == b' ')
}

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
        // space that separates terms); then the text is a str throughout.
        // A branch-free fold, so the compiler vectorises it; the slow
        // search for the bad byte runs only for a bad record.
        let bad_bytes = text.iter().fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(0x20) > 0x5e));
        let bad = if bad_bytes == 0 { None } else { text.iter().position(|&b| !(0x20..=0x7e).contains(&b)) };
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
        let mut record = Record {
            terms: Vec::with_capacity(text.iter().fold(0, |n, &b| n + usize::from(b == b' '))),
            redirect: None,
            explanation: None,
        };
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

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for t in &self.terms {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

impl core::str::FromStr for Record {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Record, ParseError> {
        Record::parse(s)
    }
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
        while i < b.len() && b[i] != b' ' {
            i += 1;
        }
        // Splitting at spaces (ASCII) keeps char boundaries.
        (i > start).then(|| (start, &text[start..i]))
    })
}

/// IPv4 in dotted-quad form, no leading zeros (as `Ipv4Addr::from_str`
/// accepts), without the general parser's overhead: records hold dozens.
fn parse_ip4(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            v = v * 10 + u32::from(d - b'0');
            i += 1;
            if i - start > 3 {
                return None;
            }
        }
        if i == start || (b[start] == b'0' && i - start > 1) || v > 255 {
            return None;
        }
        *octet = v as u8;
    }
    (i == b.len()).then(|| Ipv4Addr::from(octets))
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// Parses one term, `t` starting at byte `at` of the record.
fn parse_term(t: &str, at: usize) -> Result<Term, Fail> {
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
    let mechanism = match lower {
        "all" => {
            if !rest.is_empty() {
                return Err((ParseErrorKind::UnexpectedArgument, whole));
            }
            Mechanism::All
        }
        "include" | "exists" => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let spec = domain_spec(arg, rest_at + 1)?;
            if lower == "include" { Mechanism::Include(spec) } else { Mechanism::Exists(spec) }
        }
        "a" | "mx" => {
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
            if lower == "a" { Mechanism::A { domain, cidr } } else { Mechanism::Mx { domain, cidr } }
        }
        "ptr" => {
            if rest.is_empty() {
                Mechanism::Ptr(None)
            } else if let Some(arg) = rest.strip_prefix(':') {
                Mechanism::Ptr(Some(domain_spec(arg, rest_at + 1)?))
            } else {
                return Err((ParseErrorKind::UnexpectedArgument, whole));
            }
        }
        "ip4" => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let (addr, len) = split_network(arg, rest_at + 1);
            let addr = parse_ip4(addr).ok_or((ParseErrorKind::InvalidIp4, whole))?;
            let prefix = match len {
                None => None,
                Some((l, span)) => Some(cidr_len(l, 32).ok_or((ParseErrorKind::InvalidCidr, span))?),
            };
            Mechanism::Ip4 { addr, prefix }
        }
        "ip6" => {
            let Some(arg) = rest.strip_prefix(':') else {
                return Err((ParseErrorKind::MissingArgument, whole));
            };
            let (addr, len) = split_network(arg, rest_at + 1);
            let addr: Ipv6Addr = addr.parse().map_err(|_| (ParseErrorKind::InvalidIp6, whole))?;
            let prefix = match len {
                None => None,
                Some((l, span)) => Some(cidr_len(l, 128).ok_or((ParseErrorKind::InvalidCidr, span))?),
            };
            Mechanism::Ip6 { addr, prefix }
        }
        _ => return Err((ParseErrorKind::UnknownMechanism, whole)),
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
fn cidr_len(s: &str, max: u8) -> Option<u8> {
    let b = s.as_bytes();
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

/// A mechanism name in its canonical lower case, matched without case;
/// "" for anything else. Compares bytes: no buffer, no UTF-8 check.
fn mechanism_name(name: &[u8]) -> &'static str {
    const NAMES: [&str; 8] = ["a", "mx", "all", "ptr", "ip4", "ip6", "exists", "include"];
    NAMES.into_iter().find(|n| n.len() == name.len() && n.as_bytes().eq_ignore_ascii_case(name)).unwrap_or("")
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
fn domain_spec(s: &str, at: usize) -> Result<DomainSpec, Fail> {
    let whole = sp(at, at + s.len());
    if s.is_empty() {
        return Err((ParseErrorKind::MissingArgument, whole));
    }
    let sum: MacroSummary = if !s.as_bytes().contains(&b'%') && s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
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
