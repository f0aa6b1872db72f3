//! Whose `Authentication-Results` header field is this? RFC 8601 §2.2,
//! §2.5, §5.
//!
//! A border MTA MUST remove the `Authentication-Results` fields that claim
//! its own authserv-id before it adds its own (RFC 8601 §5): anyone can
//! write one, and agents downstream trust the fields with that id.
//! [`carries_authserv_id`] tells which fields to remove; [`authserv_id`]
//! reads the id itself.
//!
//! Only the start of the field is read (RFC 8601 §2.2):
//!
//! ```text
//! authres-header-field = "Authentication-Results:" authres-payload
//! authres-payload      = [CFWS] authserv-id [ CFWS authres-version ]
//!                        ( no-result / 1*resinfo ) [CFWS] CRLF
//! authserv-id          = value   ; RFC 2045: token / quoted-string
//! ```
//!
//! with RFC 5322's folding white space and comments (§3.2.2) and quoted
//! strings (§3.2.4).

use std::net::{IpAddr, Ipv4Addr};

use crate::outcome::{CheckOutcome, Identity};

/// The most of a field that is read, in bytes: an authserv-id that does
/// not end within them is not read.
const MAX_FIELD: usize = 64 * 1024;

/// The field's name (RFC 8601 §2.2), matched case-insensitively as the
/// ABNF literal it is (RFC 5234 §2.3).
const NAME: &str = "Authentication-Results";

/// The authserv-id of an `Authentication-Results` header field (RFC 8601
/// §2.2, §2.5), unquoted and unescaped; `None` when there is none to read.
///
/// `field` is either the whole field, `Authentication-Results:` and its
/// value (the name in any case; white space before the colon, which only
/// RFC 5322's obsolete syntax allows, §4.5, is accepted too), or the
/// value alone, with or without its trailing CRLF. The value is unfolded
/// (RFC 5322 §2.2.3: a line break — CRLF, or a bare LF or CR as hosts
/// often hand them — followed by a space or a tab is white space; one
/// followed by anything else ends the field), comments are skipped (§3.2.2:
/// nested, with quoted-pairs), and the id is read: an RFC 2045 token, or an
/// RFC 5322 quoted-string whose quoted-pairs are unescaped (§3.2.4).
/// Characters beyond ASCII are taken in both, as RFC 6532 lets header
/// fields carry UTF-8.
///
/// The id must end where a value can: at white space, a comment, the `;`
/// before the results, or the end of the field. What follows it (the
/// version, the results) is not read, so a field malformed only after its
/// id still has that id: a reader that looked no further would take it as
/// that host's, so a host removing forgeries should count it.
///
/// `None` for an empty value, no id before the `;`, an unterminated comment
/// or quoted-string, an id followed directly by anything else (`"id"x`,
/// `user@host`; also other fields: `Received-SPF: pass`), and an id that
/// does not end within the first 64 KiB of `field`: no more is read, so the
/// work is bounded whatever the input, and nested comments are counted, not
/// recursed into.
///
/// ```
/// use spfkit::authserv_id;
///
/// let field = "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com";
/// assert_eq!(authserv_id(field).as_deref(), Some("mx.example.net"));
/// // The value alone; folded, with a comment, a version and no result.
/// assert_eq!(authserv_id("(ours)\r\n \"mx example\" 1; none").as_deref(), Some("mx example"));
/// // Nothing before the `;`; an unterminated comment.
/// assert_eq!(authserv_id("Authentication-Results: ; spf=pass"), None);
/// assert_eq!(authserv_id("Authentication-Results: (mx.example.net; spf=pass"), None);
/// ```
pub fn authserv_id(field: &str) -> Option<String> {
    let mut end = field.len().min(MAX_FIELD);
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    let cut = end < field.len();
    let s = &field[..end];
    let mut c = Cursor { s, pos: value_start(s) };
    c.skip_cfws()?;
    let id = match c.peek()? {
        ('"', _) => c.quoted_string()?,
        (ch, _) if is_token_char(ch) => c.token(),
        _ => return None,
    };
    match c.peek() {
        Some((' ' | '\t' | '(' | ';', _)) => Some(id),
        // The end of the field, unless it is only where reading stopped.
        None if !(cut && c.pos == s.len()) => Some(id),
        _ => None,
    }
}

/// Whether `field` (as [`authserv_id`] takes it) carries the authserv-id
/// `ours`: a border MTA removes such fields from a message before it adds
/// its own (RFC 8601 §5), unless they came from a host it trusts.
///
/// The ids are compared ignoring ASCII case: an authserv-id SHOULD be a
/// domain name (RFC 8601 §2.5), and domain names are compared so (RFC 4343);
/// a forger writing ours in another case still claims it, and agents
/// downstream that compare ids so would still trust the field. Characters
/// beyond ASCII are compared as they are.
///
/// Only the field's own authserv-id counts: a field that mentions `ours`
/// later, in a comment or a property value, is not ours. A field whose id
/// cannot be read is not ours either.
///
/// `ours` is taken as [`CheckOutcome::authentication_results`] writes it,
/// so every field that method writes for `ours` carries `ours`, and so does
/// a forged field with the same id. For a domain name (at most 253
/// characters) that is `ours` itself. Otherwise: control characters (CR and
/// LF among them) are written as `?`, so `"id\r\nX"` and `"id??X"` are the
/// same id here; and an id whose written form, quotes and escapes
/// included, passes 512 bytes is written cut short to about 500, ending in
/// `[truncated]`, so two such ids that begin alike are the same id here
/// too (and match a field carrying the cut form). An empty `ours` is the
/// empty quoted-string `""`.
///
/// ```
/// use spfkit::carries_authserv_id;
///
/// // Drop the fields that claim our id, then add ours.
/// let ours = "mx.example.net";
/// let headers = [
///     ("Authentication-Results", "MX.example.net; spf=pass smtp.mailfrom=forged.example"),
///     ("Authentication-Results", "relay.example (mx.example.net); spf=pass smtp.mailfrom=example.org"),
///     ("Subject", "mx.example.net"),
/// ];
/// let kept: Vec<_> = headers
///     .iter()
///     .filter(|(name, value)| !(name.eq_ignore_ascii_case("Authentication-Results") && carries_authserv_id(value, ours)))
///     .collect();
/// assert_eq!(kept.len(), 2);
/// assert_eq!(kept[0].1, "relay.example (mx.example.net); spf=pass smtp.mailfrom=example.org");
/// ```
pub fn carries_authserv_id(field: &str, ours: &str) -> bool {
    match authserv_id(field) {
        Some(theirs) => theirs.eq_ignore_ascii_case(&written(ours)),
        None => false,
    }
}

/// `id` as [`CheckOutcome::authentication_results`] writes it, read back:
/// one writer, so the two never disagree.
fn written(id: &str) -> String {
    let empty = CheckOutcome {
        ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        helo: String::new(),
        mail_from: String::new(),
        receiver: String::new(),
        helo_outcome: None,
        mail_from_outcome: None,
        decided_by: Identity::MailFrom,
    };
    // The tests check that every id written reads back; should one not,
    // compare with the id as given.
    authserv_id(&empty.authentication_results(id)).unwrap_or_else(|| id.to_owned())
}

/// Where the value starts: after `Authentication-Results:` when `s` starts
/// with it (any case, white space allowed before the colon: RFC 5322
/// §4.5's obsolete syntax), else at the start.
fn value_start(s: &str) -> usize {
    let Some(head) = s.as_bytes().get(..NAME.len()) else { return 0 };
    if !head.eq_ignore_ascii_case(NAME.as_bytes()) {
        return 0;
    }
    let rest = &s[NAME.len()..];
    let after_wsp = rest.trim_start_matches([' ', '\t']);
    match after_wsp.strip_prefix(':') {
        Some(value) => s.len() - value.len(),
        None => 0,
    }
}

/// RFC 2045 §5.1: `token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or
/// tspecials>`; with characters beyond ASCII as RFC 6532 allows.
fn is_token_char(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c) } else { !c.is_control() }
}

/// A reader of an unfolded field value.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    /// The next character of the unfolded value and where the one after it
    /// starts; `None` at the end of the field: the end of the text, or a
    /// line break followed by anything but a space or a tab.
    fn peek(&self) -> Option<(char, usize)> {
        let rest = &self.s[self.pos..];
        let line_break = match rest.as_bytes() {
            [b'\r', b'\n', ..] => 2,
            [b'\r' | b'\n', ..] => 1,
            _ => 0,
        };
        let c = rest[line_break..].chars().next()?;
        if line_break > 0 && c != ' ' && c != '\t' {
            return None;
        }
        Some((c, self.pos + line_break + c.len_utf8()))
    }

    /// The next character, consumed.
    fn bump(&mut self) -> Option<char> {
        let (c, next) = self.peek()?;
        self.pos = next;
        Some(c)
    }

    /// Skips `[CFWS]` (RFC 5322 §3.2.2); `None` for an unterminated comment.
    fn skip_cfws(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some((' ' | '\t', next)) => self.pos = next,
                Some(('(', _)) => self.skip_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// Skips one comment, nested ones within it and quoted-pairs; depth is
    /// counted, not recursed into.
    fn skip_comment(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.bump()? {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                '\\' => {
                    self.bump()?;
                }
                _ => {}
            }
        }
    }

    /// A quoted-string from its opening quote (RFC 5322 §3.2.4), its
    /// quoted-pairs unescaped; `None` when it does not end.
    fn quoted_string(&mut self) -> Option<String> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => out.push(self.bump()?),
                c => out.push(c),
            }
        }
    }

    /// A token from its first character.
    fn token(&mut self) -> String {
        let mut out = String::new();
        while let Some((c, next)) = self.peek() {
            if !is_token_char(c) {
                break;
            }
            out.push(c);
            self.pos = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Answer, Options, Query, RData, Request, check};

    fn id(field: &str) -> Option<String> {
        authserv_id(field)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn plain_and_value_only() {
        assert_eq!(
            id("Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com"),
            some("mx.example.net")
        );
        assert_eq!(id("Authentication-Results:mx.example.net;spf=pass"), some("mx.example.net"));
        assert_eq!(id("Authentication-Results: mx.example.net; spf=pass\r\n"), some("mx.example.net"));
        assert_eq!(id("mx.example.net; spf=pass smtp.mailfrom=example.com"), some("mx.example.net"));
        assert_eq!(id(" mx.example.net;spf=pass"), some("mx.example.net"));
        // Without results (not RFC 8601's grammar, but the id reads).
        assert_eq!(id("Authentication-Results: mx.example.net"), some("mx.example.net"));
        assert_eq!(id("mx.example.net spf=pass"), some("mx.example.net"));
        // A token's characters: all but tspecials, space and controls.
        assert_eq!(id("a!#$%&'*+-.^_`{|}~9; none"), some("a!#$%&'*+-.^_`{|}~9"));
        // The name alone, without its colon, is an id like another.
        assert_eq!(id("Authentication-Results; none"), some("Authentication-Results"));
        assert_eq!(id("Authentication-Results ; none"), some("Authentication-Results"));
    }

    #[test]
    fn header_name_in_any_case() {
        assert_eq!(id("aUTHENTICATION-rESULTS: mx.example.net; none"), some("mx.example.net"));
        assert_eq!(id("authentication-results:mx.example.net; none"), some("mx.example.net"));
        // RFC 5322 §4.5's obsolete white space before the colon.
        assert_eq!(id("Authentication-Results \t : mx.example.net; none"), some("mx.example.net"));
        // Other fields are not read as values.
        assert_eq!(id("Received-SPF: pass (mx.example.net: ...)"), None);
        assert_eq!(id("X-Authentication-Results: mx.example.net; none"), None);
        assert_eq!(id("Authentication-Results-X: mx.example.net; none"), None);
        assert_eq!(id(" Authentication-Results: mx.example.net; none"), None);
    }

    #[test]
    fn quoted() {
        assert_eq!(id("Authentication-Results: \"mx example\"; spf=pass"), some("mx example"));
        assert_eq!(id("\"mx.example.net\";spf=pass"), some("mx.example.net"));
        assert_eq!(id(r#""mx \"q\" \\ \(x"; none"#), some(r#"mx "q" \ (x"#));
        assert_eq!(id(r#""a;b(c)"(d); none"#), some("a;b(c)"));
        assert_eq!(id("\"\"; none"), some(""));
        // A quoted-string must end where a value ends.
        assert_eq!(id("\"mx\"x; none"), None);
        assert_eq!(id("\"mx\"\"x\"; none"), None);
        assert_eq!(id("mx\"x\"; none"), None);
        assert_eq!(id("mx@example.net; none"), None);
        assert_eq!(id("mx/1; none"), None);
    }

    #[test]
    fn comments_before_and_after() {
        let f = r"Authentication-Results: (a (nested \( (deeper)) c) mx.example.net (after (x) \)) ; spf=pass";
        assert_eq!(id(f), some("mx.example.net"));
        assert_eq!(id(r#"(a "quote in a comment) "mx"; none"#), some("mx"));
        assert_eq!(id("(a)(b) (c)mx(d)(e); none"), some("mx"));
        assert_eq!(id(r"(\\)mx; none"), some("mx"));
        assert_eq!(id("(é ü 名前) mx; none"), some("mx"));
    }

    #[test]
    fn folded() {
        assert_eq!(id("Authentication-Results:\r\n mx.example.net\r\n\t; spf=pass\r\n"), some("mx.example.net"));
        assert_eq!(id("Authentication-Results: (c\r\n\tc)\r\n \"mx\r\n example\"; none"), some("mx example"));
        // Bare LF or CR folds, as hosts hand them.
        assert_eq!(id("Authentication-Results:\n\tmx.example.net;\n spf=pass"), some("mx.example.net"));
        assert_eq!(id("Authentication-Results:\r mx.example.net; none"), some("mx.example.net"));
        // obs-FWS: several folds in a row.
        assert_eq!(id("Authentication-Results:\r\n \r\n \t(c)\r\n mx; none"), some("mx"));
        // A fold inside a comment and within an escape.
        assert_eq!(id("(\\\r\n )\r\n mx; none"), some("mx"));
        // A token ends at a fold.
        assert_eq!(id("mx\r\n .example; none"), some("mx"));
        // A line break that is not a fold ends the field.
        assert_eq!(id("Authentication-Results:\r\nmx.example.net; none"), None);
        assert_eq!(id("Authentication-Results: (c\r\nX: y) mx; none"), None);
        assert_eq!(id("\"mx\r\nX\"; none"), None);
        assert_eq!(id("mx.example.net\r\nX-Other: y"), some("mx.example.net"));
        assert_eq!(id("mx.example.net\r\n"), some("mx.example.net"));
    }

    #[test]
    fn version_and_no_result() {
        assert_eq!(id("Authentication-Results: mx.example.net 1; spf=pass"), some("mx.example.net"));
        assert_eq!(id("mx.example.net (c) 1 (d) ; spf=pass"), some("mx.example.net"));
        assert_eq!(id("\"mx\" 1;none"), some("mx"));
        assert_eq!(id("Authentication-Results: mx.example.net; none"), some("mx.example.net"));
        assert_eq!(id("Authentication-Results: mx.example.net 1 ; none\r\n"), some("mx.example.net"));
    }

    #[test]
    fn unreadable() {
        for f in [
            "",
            " ",
            "\r\n",
            "Authentication-Results:",
            "Authentication-Results: ",
            "Authentication-Results: \r\n ",
            "Authentication-Results: ; spf=pass",
            "Authentication-Results: (c) ; none",
            "; none",
            "(only a comment)",
            // Unterminated comments.
            "Authentication-Results: (mx.example.net; spf=pass",
            "((a) mx.example.net; none",
            r"(a\) mx.example.net; none",
            "(a\\",
            // Unterminated quoted-strings.
            "Authentication-Results: \"mx.example.net; spf=pass",
            r#""mx.example.net\"; none"#,
            "\"mx\\",
            // Not a value.
            ") mx; none",
            "=mx; none",
            "@mx; none",
            "\u{1}mx; none",
            "\u{80}mx; none",
        ] {
            assert_eq!(id(f), None, "{f:?}");
            assert!(!carries_authserv_id(f, "mx.example.net"), "{f:?}");
            assert!(!carries_authserv_id(f, ""), "{f:?}");
        }
    }

    #[test]
    fn ours_and_forged() {
        let ours = "mx.example.net";
        for f in [
            "Authentication-Results: mx.example.net; spf=pass",
            "Authentication-Results: MX.Example.NET; spf=pass",
            "authentication-results: \"mx.example.net\" 1; none",
            "(mx.example.net) mx.example.net (evil.example); spf=pass",
            "mx.example.net",
        ] {
            assert!(carries_authserv_id(f, ours), "{f:?}");
            assert!(carries_authserv_id(f, "MX.EXAMPLE.NET"), "{f:?}");
        }
        for f in [
            // Our id mentioned, not claimed.
            "Authentication-Results: evil.example (mx.example.net); spf=pass",
            "Authentication-Results: evil.example; spf=pass smtp.mailfrom=mx.example.net",
            "Authentication-Results: evil.example; spf=pass reason=\"mx.example.net\"",
            "Authentication-Results: evil.example; spf=pass (mx.example.net) policy.authserv=mx.example.net",
            "Authentication-Results: evil.example mx.example.net; spf=pass",
            // Close, but another id.
            "Authentication-Results: mx.example.net.evil.example; spf=pass",
            "Authentication-Results: evil.mx.example.net; spf=pass",
            "Authentication-Results: \"mx.example.net \"; spf=pass",
            "Authentication-Results: mx.example.ne; spf=pass",
            // Another field carrying our id as a value.
            "X-Authentication-Results: mx.example.net; spf=pass",
            "Received-SPF: pass (mx.example.net: domain of a@example.com designates 192.0.2.1 as permitted sender)",
        ] {
            assert!(!carries_authserv_id(f, ours), "{f:?}");
        }
    }

    #[test]
    fn non_ascii() {
        assert_eq!(id("Authentication-Results: \"bücher.example\"; none"), some("bücher.example"));
        assert_eq!(id("bücher.example; none"), some("bücher.example"));
        assert_eq!(id("(名前) \"名前\"; none"), some("名前"));
        assert!(carries_authserv_id("BüCHER.example; none", "bücher.example"));
        // Only ASCII letters are folded to one case.
        assert!(!carries_authserv_id("BÜCHER.example; none", "bücher.example"));
        assert!(carries_authserv_id("\"bücher.example\"; none", "bücher.example"));
        // Controls: none in a token; as they are in a quoted-string.
        assert_eq!(id("mx\u{7f}; none"), None);
        assert_eq!(id("\"mx\u{7}\"; none"), some("mx\u{7}"));
        assert_eq!(id("mx\u{0}; none"), None);
    }

    #[test]
    fn huge() {
        // Deep nesting is counted, not recursed into.
        let deep = format!("{}{} mx; none", "(".repeat(30_000), ")".repeat(30_000));
        assert_eq!(id(&deep), some("mx"));
        let too_deep = format!("{}{} mx; none", "(".repeat(1 << 20), ")".repeat(1 << 20));
        assert_eq!(id(&too_deep), None);
        assert_eq!(id(&"(".repeat(1 << 20)), None);
        assert_eq!(id(&"\\".repeat(1 << 20)), None);
        // Ids that end within 64 KiB are read; longer ones are not.
        let token = "a".repeat(MAX_FIELD - 10);
        assert_eq!(id(&format!("{token}; none")), Some(token.clone()));
        assert_eq!(id(&format!("{token}; {}", "x".repeat(1 << 20))), Some(token.clone()));
        assert_eq!(id(&"a".repeat(MAX_FIELD)), some(&"a".repeat(MAX_FIELD)));
        assert_eq!(id(&"a".repeat(MAX_FIELD + 1)), None);
        assert_eq!(id(&format!("{}; none", "a".repeat(MAX_FIELD))), None);
        assert_eq!(id(&format!("\"{}\"; none", "a".repeat(MAX_FIELD))), None);
        assert_eq!(id(&format!("\"{}\"", "a".repeat(MAX_FIELD - 2))), some(&"a".repeat(MAX_FIELD - 2)));
        // A long comment before the id, past the limit.
        assert_eq!(id(&format!("({}) mx; none", "c".repeat(MAX_FIELD))), None);
        // The limit falls inside a character.
        for pad in 0..4 {
            let f = format!("{}{}", "x".repeat(pad), "é名".repeat(MAX_FIELD));
            assert_eq!(id(&f), None);
            let f = format!("\"{}{}", "x".repeat(pad), "é名".repeat(MAX_FIELD));
            assert_eq!(id(&f), None);
        }
        // Long runs of folds.
        assert_eq!(id(&format!("{}mx; none", "\r\n ".repeat(1 << 16))), None);
        assert_eq!(id(&format!("{}mx; none", "\r\n ".repeat(1 << 10))), some("mx"));
    }

    /// Deterministic strings from the characters that matter here.
    fn strings(n: usize, max_len: usize) -> Vec<String> {
        let alphabet: Vec<char> = "aZ0.- \t\r\n\"\\();=@:\0\u{7f}é名\u{1F600}[]".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..n)
            .map(|_| {
                let len = (next() % (max_len as u64 + 1)) as usize;
                (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
            })
            .collect()
    }

    #[test]
    fn hostile_text_never_panics() {
        for s in strings(5000, 40) {
            let _ = id(&s);
            let _ = id(&format!("Authentication-Results:{s}"));
            let _ = carries_authserv_id(&s, &s);
        }
    }

    fn outcome_for(sender: &str, helo: &str) -> CheckOutcome {
        let resolver = |q: &Query| match q.name.as_str() {
            "example.com" => Answer::Records(vec![RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec())]),
            _ => Answer::NxDomain,
        };
        check(Request::new("192.0.2.7".parse().unwrap(), sender, helo), Options::default(), &resolver)
    }

    #[test]
    fn round_trip() {
        let out = outcome_for("bob@example.com", "h.example");
        let long = "i".repeat(2000);
        for (ours, read) in [
            ("mx.example.net", "mx.example.net"),
            ("MX.Example.Net", "MX.Example.Net"),
            ("mx example;net", "mx example;net"),
            ("id\r\nX: y", "id??X: y"),
            ("a\"b\\c(d)", "a\"b\\c(d)"),
            ("bücher.example", "bücher.example"),
            ("", ""),
        ] {
            let field = out.authentication_results(ours);
            assert_eq!(authserv_id(&field).as_deref(), Some(read), "{field:?}");
            assert!(carries_authserv_id(&field, ours), "{field:?}");
            assert!(carries_authserv_id(&field, &ours.to_ascii_uppercase()), "{field:?}");
            assert!(!carries_authserv_id(&field, "other.example"), "{field:?}");
            // The value alone, and with its CRLF.
            let value = field.strip_prefix("Authentication-Results:").unwrap();
            assert!(carries_authserv_id(value, ours), "{value:?}");
            assert!(carries_authserv_id(&format!("{field}\r\n"), ours), "{field:?}");
        }
        // Controls are written as `?`: the same id here.
        let field = out.authentication_results("id\r\nX: y");
        assert!(carries_authserv_id(&field, "id??X: y"));
        assert!(carries_authserv_id(&field, "id\t\0X: y"));
        assert!(!carries_authserv_id(&field, "id  X: y"));

        // A long id is written cut short; the field carries it.
        let field = out.authentication_results(&long);
        let cut = format!("{}[truncated]", "i".repeat(499));
        assert_eq!(authserv_id(&field), Some(cut.clone()), "{field:?}");
        assert!(carries_authserv_id(&field, &long));
        assert!(carries_authserv_id(&field, &long.to_ascii_uppercase()));
        // So does any id written the same: one that begins alike, or the cut form.
        assert!(carries_authserv_id(&field, &format!("{}j", "i".repeat(1999))));
        assert!(carries_authserv_id(&field, &cut));
        // Not a shorter one, nor a long one that differs early.
        assert!(!carries_authserv_id(&field, &"i".repeat(499)));
        assert!(!carries_authserv_id(&field, &format!("j{}", "i".repeat(1999))));
        // A forged field with the cut id, folded, counts too.
        assert!(carries_authserv_id(&format!("Authentication-Results:\r\n \"{cut}\"; none"), &long));

        // Every id, whatever its characters, reads back from the field
        // written for it, folded or not (a long sender and a long id make a
        // field of more than 998 characters, folded before the id).
        let long_sender = outcome_for(&format!("{}@example.com", "b".repeat(3000)), "h.example");
        let mut folded = 0;
        for ours in strings(2000, 600) {
            for out in [&out, &long_sender] {
                let field = out.authentication_results(&ours);
                folded += usize::from(field.starts_with("Authentication-Results:\r\n "));
                assert!(authserv_id(&field).is_some(), "{field:?}");
                assert!(carries_authserv_id(&field, &ours), "{field:?}");
            }
        }
        assert!(folded > 100, "{folded}");
        assert!(long_sender.authentication_results(&long).starts_with("Authentication-Results:\r\n \"iii"));
    }
}
