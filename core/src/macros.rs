//! Macro strings, RFC 7208 §7.
//!
//! A macro string is kept as the text of the record and checked once at
//! parse time; expansion walks the same text again. That keeps parsed
//! records small and printing a record trivially faithful.

use core::fmt::Write as _;
use core::net::IpAddr;

/// The hard cap on any expansion, so that `%{s}` repeated a thousand times
/// over a megabyte sender cannot grow without bound. A domain name is at
/// most 253 bytes after §7.3 truncation, and no reasonable explanation comes
/// near this.
pub(crate) const MAX_EXPANSION: usize = 8 * 1024;

/// Where a macro string appears decides which letters and characters it may
/// hold (§7.1: `c`, `r`, `t` only in explanation text, which may also hold
/// spaces).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MacroPlace {
    /// A `domain-spec` or an unknown modifier's value.
    Record,
    /// The TXT record an `exp=` points at (`explain-string`).
    Explanation,
}

/// What a syntax check learned about a macro string.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct MacroSummary {
    /// Any `%` escape at all; without one, expansion is the text itself.
    pub has_macros: bool,
    /// Ends with a macro-expand token (domain-end's second form).
    pub ends_with_expand: bool,
    /// Byte offset where the literal tail after the last expand begins.
    pub literal_tail: usize,
    /// Uses `%{p}`, which needs DNS before expansion can run.
    pub uses_p: bool,
    /// Uses `%{s}` or `%{l}` (RFC 8616 §4: no match for a UTF-8 local part).
    pub uses_local_part: bool,
}

/// Why a macro string is not valid, with the byte offset where the bad
/// `%` escape or character starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MacroSyntax {
    /// A `%` not followed by `{`, `%`, `_` or `-`.
    BadPercent(usize),
    /// `%{` without a closing `}` or with a malformed body.
    BadExpand(usize),
    /// A letter that is not one of `slodiphcrtv`.
    UnknownLetter(usize),
    /// `c`, `r` or `t` outside explanation text.
    ExpOnlyLetter(usize),
    /// The digit transformer is zero (§7.2: it MUST be nonzero).
    ZeroDigits(usize),
    /// A character outside `macro-literal`.
    BadCharacter(usize),
}

impl MacroSyntax {
    /// The bytes of `s` at fault: the whole `%{…}` (to its `}` or the end
    /// of `s`), the `%x` pair, or the one (UTF-8) character.
    pub(crate) fn span(self, s: &[u8]) -> (usize, usize) {
        match self {
            MacroSyntax::BadPercent(o) => (o, (o + 2).min(s.len())),
            MacroSyntax::BadExpand(o)
            | MacroSyntax::UnknownLetter(o)
            | MacroSyntax::ExpOnlyLetter(o)
            | MacroSyntax::ZeroDigits(o) => (o, s[o..].iter().position(|&b| b == b'}').map_or(s.len(), |p| o + p + 1)),
            MacroSyntax::BadCharacter(o) => (o, o + char_len(&s[o..])),
        }
    }
}

/// The length of the (possibly malformed) UTF-8 character `s` starts with:
/// its lead byte and the continuation bytes after it, at least 1.
pub(crate) fn char_len(s: &[u8]) -> usize {
    1 + s.iter().skip(1).take(3).take_while(|&&b| b & 0xc0 == 0x80).count()
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'.' | b'-' | b'+' | b',' | b'/' | b'_' | b'=')
}

/// One parsed `%{…}` body.
struct Expand<'a> {
    letter: u8,
    url_escape: bool,
    digits: Option<usize>,
    reverse: bool,
    delimiters: &'a [u8],
}

/// Parses the body after `%{`; returns it and the offset after `}`.
fn parse_expand(s: &[u8], start: usize) -> Option<(Expand<'_>, usize)> {
    let mut i = start;
    let letter = *s.get(i)?;
    i += 1;
    let digits_start = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let digits = if i > digits_start {
        // Saturate: any count beyond the number of labels means "all".
        let mut n: usize = 0;
        for &d in &s[digits_start..i] {
            n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        }
        Some(n)
    } else {
        None
    };
    let reverse = matches!(s.get(i), Some(b'r' | b'R'));
    if reverse {
        i += 1;
    }
    let delim_start = i;
    while s.get(i).is_some_and(|&b| is_delimiter(b)) {
        i += 1;
    }
    if s.get(i) != Some(&b'}') {
        return None;
    }
    Some((
        Expand {
            letter: letter.to_ascii_lowercase(),
            url_escape: letter.is_ascii_uppercase(),
            digits,
            reverse,
            delimiters: &s[delim_start..i],
        },
        i + 1,
    ))
}

/// Checks a macro string (§7.1 ABNF) and summarises it.
pub(crate) fn check(s: &[u8], place: MacroPlace) -> Result<MacroSummary, MacroSyntax> {
    let mut sum = MacroSummary::default();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' {
            match s.get(i + 1) {
                Some(b'%' | b'_' | b'-') => {
                    i += 2;
                    sum.has_macros = true;
                    sum.ends_with_expand = true;
                    sum.literal_tail = i;
                }
                Some(b'{') => {
                    let (e, next) = parse_expand(s, i + 2).ok_or(MacroSyntax::BadExpand(i))?;
                    match e.letter {
                        b's' | b'l' => sum.uses_local_part = true,
                        b'p' => sum.uses_p = true,
                        b'o' | b'd' | b'i' | b'h' | b'v' => {}
                        b'c' | b'r' | b't' => {
                            if place == MacroPlace::Record {
                                return Err(MacroSyntax::ExpOnlyLetter(i));
                            }
                        }
                        _ => return Err(MacroSyntax::UnknownLetter(i)),
                    }
                    if e.digits == Some(0) {
                        return Err(MacroSyntax::ZeroDigits(i));
                    }
                    sum.has_macros = true;
                    sum.ends_with_expand = true;
                    i = next;
                    sum.literal_tail = i;
                }
                _ => return Err(MacroSyntax::BadPercent(i)),
            }
        } else {
            let ok = match place {
                MacroPlace::Record => (0x21..=0x7e).contains(&b),
                MacroPlace::Explanation => (0x20..=0x7e).contains(&b),
            };
            if !ok {
                return Err(MacroSyntax::BadCharacter(i));
            }
            sum.ends_with_expand = false;
            i += 1;
        }
    }
    Ok(sum)
}

/// The values macros expand to, for one check_host() invocation (§7.2).
#[derive(Clone, Debug)]
pub(crate) struct MacroContext<'a> {
    /// `<sender>`'s local part (`l`).
    pub local_part: &'a str,
    /// `<sender>`'s domain (`o`).
    pub sender_domain: &'a str,
    /// `<domain>`, the current one (`d`).
    pub domain: &'a str,
    /// `<ip>` (`i`, `c`, `v`), IPv4-mapped addresses already unmapped.
    pub ip: IpAddr,
    /// The HELO/EHLO domain (`h`).
    pub helo: &'a str,
    /// The validated domain name of `<ip>` (`p`), when the string uses it.
    pub validated: Option<&'a str>,
    /// The receiving host's domain (`r`).
    pub receiver: &'a str,
    /// Seconds since the epoch (`t`).
    pub timestamp: u64,
}

/// Why an expansion could not be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ExpandError {
    /// The result would exceed [`MAX_EXPANSION`].
    TooLong,
    /// `%{s}`/`%{l}` with a non-ASCII local part: RFC 8616 §4 says such a
    /// term matches nothing.
    NonAsciiLocalPart,
}

fn push_checked(out: &mut String, s: &str) -> Result<(), ExpandError> {
    if out.len() + s.len() > MAX_EXPANSION {
        return Err(ExpandError::TooLong);
    }
    out.push_str(s);
    Ok(())
}

fn url_escape_into(out: &mut String, s: &str) -> Result<(), ExpandError> {
    for &b in s.as_bytes() {
        if out.len() + 3 > MAX_EXPANSION {
            return Err(ExpandError::TooLong);
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Ok(())
}

/// The `i` letter's value: dotted quad, or 32 dotted nibbles for IPv6.
fn ip_dotted(ip: IpAddr, out: &mut String) {
    match ip {
        IpAddr::V4(v4) => {
            let _ = write!(out, "{v4}");
        }
        IpAddr::V6(v6) => {
            for (n, byte) in v6.octets().iter().enumerate() {
                if n > 0 {
                    out.push('.');
                }
                let _ = write!(out, "{:x}.{:x}", byte >> 4, byte & 0xf);
            }
        }
    }
}

/// Expands a macro string already accepted by [`check`]. The caller has
/// resolved `%{p}` into `ctx.validated` when the string uses it.
pub(crate) fn expand(s: &str, ctx: &MacroContext<'_>) -> Result<String, ExpandError> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len().min(MAX_EXPANSION) + 32);
    let mut value = String::new();
    let mut i = 0;
    while i < bytes.len() {
        // Copy the literal run up to the next `%` in one go.
        let run_end = bytes[i..].iter().position(|&b| b == b'%').map_or(bytes.len(), |p| i + p);
        if run_end > i {
            push_checked(&mut out, &s[i..run_end])?;
            i = run_end;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'%') => {
                push_checked(&mut out, "%")?;
                i += 2;
            }
            Some(b'_') => {
                push_checked(&mut out, " ")?;
                i += 2;
            }
            Some(b'-') => {
                push_checked(&mut out, "%20")?;
                i += 2;
            }
            _ => {
                // `check` accepted this string, so the body parses.
                let Some((e, next)) = parse_expand(bytes, i + 2) else {
                    return Err(ExpandError::TooLong);
                };
                value.clear();
                match e.letter {
                    b's' | b'l' if !ctx.local_part.is_ascii() => {
                        return Err(ExpandError::NonAsciiLocalPart);
                    }
                    b's' => {
                        value.push_str(ctx.local_part);
                        value.push('@');
                        value.push_str(ctx.sender_domain);
                    }
                    b'l' => value.push_str(ctx.local_part),
                    b'o' => value.push_str(ctx.sender_domain),
                    b'd' => value.push_str(ctx.domain),
                    b'i' => ip_dotted(ctx.ip, &mut value),
                    b'p' => value.push_str(ctx.validated.unwrap_or("unknown")),
                    b'v' => value.push_str(if ctx.ip.is_ipv4() { "in-addr" } else { "ip6" }),
                    b'h' => value.push_str(ctx.helo),
                    b'c' => {
                        let _ = write!(value, "{}", ctx.ip);
                    }
                    b'r' => value.push_str(ctx.receiver),
                    b't' => {
                        let _ = write!(value, "{}", ctx.timestamp);
                    }
                    _ => {}
                }
                transform_into(&mut out, &value, &e)?;
                i = next;
            }
        }
    }
    Ok(out)
}

/// §7.3: split on the delimiters, optionally reverse, keep the rightmost
/// `digits` parts, join with `.`, URL-escape for an upper-case letter.
fn transform_into(out: &mut String, value: &str, e: &Expand<'_>) -> Result<(), ExpandError> {
    let plain = e.digits.is_none() && !e.reverse && (e.delimiters.is_empty() || e.delimiters == b".");
    let joined;
    let result: &str = if plain {
        value
    } else {
        let delims: &[u8] = if e.delimiters.is_empty() { b"." } else { e.delimiters };
        let mut parts: Vec<&str> = value.split(|c: char| c.is_ascii() && delims.contains(&(c as u8))).collect();
        if e.reverse {
            parts.reverse();
        }
        if let Some(n) = e.digits {
            if n < parts.len() {
                parts.drain(..parts.len() - n);
            }
        }
        joined = parts.join(".");
        &joined
    };
    if e.url_escape { url_escape_into(out, result) } else { push_checked(out, result) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    fn ctx() -> MacroContext<'static> {
        MacroContext {
            local_part: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
            helo: "mx.example.org",
            validated: None,
            receiver: "rx.example.net",
            timestamp: 1234,
        }
    }

    fn ex(s: &str) -> String {
        check(s.as_bytes(), MacroPlace::Explanation).unwrap();
        expand(s, &ctx()).unwrap()
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        assert_eq!(ex("%{s}"), "strong-bad@email.example.com");
        assert_eq!(ex("%{o}"), "email.example.com");
        assert_eq!(ex("%{d}"), "email.example.com");
        assert_eq!(ex("%{d4}"), "email.example.com");
        assert_eq!(ex("%{d3}"), "email.example.com");
        assert_eq!(ex("%{d2}"), "example.com");
        assert_eq!(ex("%{d1}"), "com");
        assert_eq!(ex("%{dr}"), "com.example.email");
        assert_eq!(ex("%{d2r}"), "example.email");
        assert_eq!(ex("%{l}"), "strong-bad");
        assert_eq!(ex("%{l-}"), "strong.bad");
        assert_eq!(ex("%{lr}"), "strong-bad");
        assert_eq!(ex("%{lr-}"), "bad.strong");
        assert_eq!(ex("%{l1r-}"), "strong");
        assert_eq!(ex("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
        assert_eq!(ex("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
        assert_eq!(ex("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
        assert_eq!(ex("%%%_%-"), "% %20");
        assert_eq!(ex("%{S}"), "strong-bad%40email.example.com");
        assert_eq!(ex("%{c} %{r} %{t}"), "192.0.2.3 rx.example.net 1234");
    }

    #[test]
    fn ipv6_nibbles() {
        let mut c = ctx();
        c.ip = "2001:db8::cb01".parse().unwrap();
        let s = "%{ir}.%{v}._spf.%{d2}";
        check(s.as_bytes(), MacroPlace::Record).unwrap();
        assert_eq!(
            expand(s, &c).unwrap(),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn syntax_errors() {
        let r = MacroPlace::Record;
        assert_eq!(check(b"%{d}%", r), Err(MacroSyntax::BadPercent(4)));
        assert_eq!(check(b"a%{x}", r), Err(MacroSyntax::UnknownLetter(1)));
        assert_eq!(check(b"%{c}", r), Err(MacroSyntax::ExpOnlyLetter(0)));
        assert_eq!(check(b"%{d0}", r), Err(MacroSyntax::ZeroDigits(0)));
        assert_eq!(check(b"%{d", r), Err(MacroSyntax::BadExpand(0)));
        assert_eq!(check(b"%{d2r-x}", r), Err(MacroSyntax::BadExpand(0)));
        assert_eq!(check(b"a b", r), Err(MacroSyntax::BadCharacter(1)));
        assert!(check(b"a b", MacroPlace::Explanation).is_ok());
    }

    #[test]
    fn expansion_is_bounded() {
        let mut c = ctx();
        let big = "x".repeat(5000);
        c.local_part = &big;
        let s = "%{l}%{l}";
        check(s.as_bytes(), MacroPlace::Record).unwrap();
        assert_eq!(expand(s, &c), Err(ExpandError::TooLong));
    }

    #[test]
    fn utf8_local_part_matches_nothing() {
        let mut c = ctx();
        c.local_part = "jöran";
        assert_eq!(expand("%{l}.x.example", &c), Err(ExpandError::NonAsciiLocalPart));
        assert_eq!(expand("%{d}", &c).unwrap(), "email.example.com");
    }
}
