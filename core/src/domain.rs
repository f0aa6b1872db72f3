//! Domain names as SPF sees them (§4.3, §7.3, RFC 8616).

use std::borrow::Cow;

/// The longest domain name, in presentation form without the root dot.
pub(crate) const MAX_NAME: usize = 253;

/// Checks a domain as check_host() checks its `<domain>` (§4.3) and gives
/// its A-label form (RFC 8616: U-labels are looked up as A-labels), without
/// a trailing dot. `Err` says why check_host() would return `none` for it;
/// a host can use it to refuse a bad domain before starting an evaluation
/// or an analysis.
///
/// Without the `idna` feature (on by default), and without a conversion
/// set by [`set_idna`], every non-ASCII domain is `Err`.
///
/// ```
/// # #[cfg(feature = "idna")]
/// assert_eq!(spfkit::check_domain("Bücher.example.").unwrap(), "xn--bcher-kva.example");
/// assert!(spfkit::check_domain("bad..example").is_err());
/// assert!(spfkit::check_domain("localhost").is_err()); // not multi-label
/// ```
pub fn check_domain(raw: &str) -> Result<Cow<'_, str>, &'static str> {
    let name = raw.strip_suffix('.').unwrap_or(raw);
    if name.starts_with('[') {
        return Err("the domain is an address literal");
    }
    let ascii = if name.is_ascii() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(to_a_labels(name).ok_or("the domain is not a valid internationalized name")?)
    };
    if ascii.is_empty() {
        return Err("the domain is empty");
    }
    if !valid_name(&ascii) {
        return Err("the domain is malformed (empty label, label over 63 bytes, or name over 253 bytes)");
    }
    if !ascii.contains('.') {
        return Err("the domain is not a multi-label domain name");
    }
    Ok(ascii)
}

/// A host's own conversion of U-labels to A-labels (see [`set_idna`]).
static IDNA: std::sync::OnceLock<fn(&str) -> Option<String>> = std::sync::OnceLock::new();

/// Sets how domains with U-labels become A-labels (RFC 8616 §4) for the
/// whole process, in place of the `idna` feature's UTS #46 processing:
/// for a build without that feature (the WebAssembly module uses the
/// platform's URL parser instead of carrying Unicode tables). The function
/// gets a domain without its root dot and gives its A-label form, or `None`
/// for a name that is not valid; core still checks the result. Only the
/// first call counts; it returns whether it was the first.
///
/// ```
/// fn ascii_only(_: &str) -> Option<String> { None }
/// spfkit::set_idna(ascii_only);
/// assert!(spfkit::check_domain("bücher.example").is_err());
/// assert!(spfkit::check_domain("example.com").is_ok());
/// ```
pub fn set_idna(to_a_labels: fn(&str) -> Option<String>) -> bool {
    IDNA.set(to_a_labels).is_ok()
}

/// RFC 8616 §4: U-labels are looked up as A-labels: the host's conversion
/// if it set one, else UTS #46 by the idna crate (feature `idna`), else
/// none, and the name is not valid.
fn to_a_labels(name: &str) -> Option<String> {
    if let Some(convert) = IDNA.get() {
        return convert(name);
    }
    #[cfg(feature = "idna")]
    return idna::domain_to_ascii(name).ok();
    #[cfg(not(feature = "idna"))]
    None
}

/// Labels of 1 to 63 bytes, at most 253 bytes in all, ASCII without
/// controls. DNS labels may hold spaces and punctuation (§7.4's
/// `%_` and `%-` put them there), so those stay.
pub(crate) fn valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME
        && name.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && name.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

/// Turns an expanded domain-spec into a query name (§7.3): drops labels from
/// the left until it fits in 253 bytes, drops a trailing dot, and checks it.
/// `None` means the name cannot be queried, so the term matches nothing.
pub(crate) fn query_name(mut expanded: &str) -> Option<&str> {
    expanded = expanded.strip_suffix('.').unwrap_or(expanded);
    while expanded.len() > MAX_NAME {
        let dot = expanded.find('.')?;
        expanded = &expanded[dot + 1..];
    }
    valid_name(expanded).then_some(expanded)
}

/// Splits `<sender>` into local part and domain (§4.3): the last `@`
/// separates them; an empty or absent local part becomes `postmaster`.
pub(crate) fn split_sender(sender: &str) -> (&str, &str) {
    match sender.rsplit_once('@') {
        Some(("", d)) => ("postmaster", d),
        Some((l, d)) => (l, d),
        None => ("postmaster", sender),
    }
}

/// Whether `name` is `domain` or a subdomain of it, ignoring case and a
/// trailing dot.
pub(crate) fn is_within(name: &str, domain: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).as_bytes();
    let domain = domain.strip_suffix('.').unwrap_or(domain).as_bytes();
    if name.len() == domain.len() {
        return name.eq_ignore_ascii_case(domain);
    }
    name.len() > domain.len()
        && name[name.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && name[name.len() - domain.len() - 1] == b'.'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(check_domain("example.com.").unwrap(), "example.com");
        #[cfg(feature = "idna")]
        assert_eq!(check_domain("bücher.example").unwrap(), "xn--bcher-kva.example");
        #[cfg(not(feature = "idna"))]
        assert!(check_domain("bücher.example").is_err());
        assert!(check_domain("[192.0.2.1]").is_err());
        assert!(check_domain("localhost").is_err());
        assert!(check_domain("a..example.com").is_err());
        assert!(check_domain(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(check_domain(&format!("{}.com", "a".repeat(63))).is_ok());
        assert!(check_domain("").is_err());
        assert!(check_domain(".").is_err());
        assert!(check_domain("xn--.example").is_ok() || check_domain("xn--.example").is_err());
    }

    #[test]
    fn truncation() {
        let long = format!("{}.example.com", ["abcdefghi"; 30].join("."));
        let q = query_name(&long).unwrap();
        assert!(q.len() <= 253);
        assert!(q.ends_with(".example.com"));
        assert!(long.ends_with(q));
        assert!(query_name("a..b").is_none());
        assert!(query_name("a\nb.example.com").is_none());
        assert!(query_name("bücher.example.com").is_none());
    }

    #[test]
    fn senders() {
        assert_eq!(split_sender("a@b.example"), ("a", "b.example"));
        assert_eq!(split_sender("@b.example"), ("postmaster", "b.example"));
        assert_eq!(split_sender("b.example"), ("postmaster", "b.example"));
        assert_eq!(split_sender("\"a@b\"@c.example"), ("\"a@b\"", "c.example"));
        assert!(is_within("mail.Example.com.", "example.com"));
        assert!(!is_within("badexample.com", "example.com"));
    }
}
