//! Headers and SMTP replies from an outcome: RFC 7208 §8–§9.1, RFC 8601,
//! RFC 7372.
//!
//! Everything here quotes what came from outside (HELO, sender,
//! explanation, reasons): no such value can end a header line, start a new
//! field or break out of its quoting.

use core::fmt::{self, Write as _};

use crate::outcome::{CheckOutcome, Identity, Outcome, SpfResult, TRUNCATED, clip};

/// An SMTP reply for a result that calls for one (§8, RFC 7372).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SmtpReply {
    /// The basic reply code: 550 or 451.
    pub code: u16,
    /// The enhanced status code (RFC 3463, RFC 7372): `5.7.23`, `5.7.24`,
    /// `4.7.24`.
    pub enhanced: &'static str,
    /// The reply text: printable ASCII, one line, at most 400 bytes.
    pub text: String,
}

impl fmt::Display for SmtpReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.code, self.enhanced, self.text)
    }
}

const MAX_REPLY_TEXT: usize = 400;

/// One line of printable ASCII for an SMTP reply.
pub(crate) fn reply_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_REPLY_TEXT));
    for c in s.chars() {
        if out.len() >= MAX_REPLY_TEXT {
            break;
        }
        out.push(if c.is_ascii_graphic() || c == ' ' { c } else { '?' });
    }
    out
}

/// Replaces what no header may carry: controls, CR and LF among them.
fn no_controls(c: char) -> char {
    if c.is_control() { '?' } else { c }
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// `dot-atom` when the value is one, else a `quoted-string` (RFC 5322).
fn dot_atom_or_quoted(out: &mut String, v: &str) {
    let dot_atom = !v.is_empty()
        && !v.starts_with('.')
        && !v.ends_with('.')
        && !v.contains("..")
        && v.chars().all(|c| is_atext(c) || c == '.');
    if dot_atom {
        out.push_str(v);
    } else {
        quoted(out, v);
    }
}

fn quoted(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars().map(no_controls) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Text inside a `( comment )`.
fn comment(out: &mut String, v: &str) {
    for c in v.chars().map(no_controls) {
        if matches!(c, '(' | ')' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// An RFC 2045 token (authserv-id, method values), else quoted.
fn token_or_quoted(out: &mut String, v: &str) {
    let token = !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c));
    if token {
        out.push_str(v);
    } else {
        quoted(out, v);
    }
}

/// A property value: `local@domain` as is when safe, else quoted.
fn pvalue(out: &mut String, v: &str) {
    let safe = !v.is_empty() && v.chars().all(|c| is_atext(c) || c == '.' || c == '@') && v.matches('@').count() <= 1;
    if safe {
        out.push_str(v);
    } else {
        quoted(out, v);
    }
}

/// RFC 5322 §2.1.1: a line holds at most 998 characters.
const MAX_LINE: usize = 998;
/// Where a folded header breaks its lines when it can (RFC 5322 §2.1.1's
/// SHOULD).
const FOLD_AT: usize = 78;
/// The most one value takes in a header, quotes and escapes included, so
/// that every piece fits on a line of its own with its key.
const MAX_VALUE: usize = 512;
/// The most a `Received-SPF` comment takes, parentheses included.
const MAX_COMMENT: usize = 900;

/// Writes `v` with `write` (one of the value forms above); a result over
/// [`MAX_VALUE`] is written again as a quoted string cut short with
/// [`TRUNCATED`] before its closing quote.
fn capped(out: &mut String, v: &str, write: fn(&mut String, &str)) {
    let start = out.len();
    write(out, v);
    if out.len() - start <= MAX_VALUE {
        return;
    }
    out.truncate(start);
    let mut q = String::with_capacity(MAX_VALUE * 2);
    quoted(&mut q, v);
    q.pop(); // the closing quote
    cut_escaped(&mut q, MAX_VALUE - 1);
    out.push_str(&q);
    out.push('"');
}

/// Cuts escaped text to at most `max` bytes ending in [`TRUNCATED`]: never
/// inside a character, never after half of an escape (an odd run of
/// backslashes at the cut).
fn cut_escaped(s: &mut String, max: usize) {
    let mut end = max - TRUNCATED.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    if s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1 {
        s.pop();
    }
    s.push_str(TRUNCATED);
}

/// A header field from its pieces, each of which may be preceded by folding
/// white space. Joined by single spaces on one line when that line fits in
/// [`MAX_LINE`], as almost every header does; else folded (CRLF and a
/// space) before a piece that would take a line past [`FOLD_AT`]. Pieces
/// are bounded by [`MAX_VALUE`], so every line fits.
fn fold(pieces: &[String]) -> String {
    let total = pieces.iter().map(String::len).sum::<usize>() + pieces.len().saturating_sub(1);
    let mut h = String::with_capacity(total + pieces.len() * 3);
    let mut line = 0;
    for (i, p) in pieces.iter().enumerate() {
        if i > 0 {
            if total > MAX_LINE && line + 1 + p.len() > FOLD_AT {
                h.push_str("\r\n");
                line = 0;
            }
            h.push(' ');
            line += 1;
        }
        h.push_str(p);
        line += p.len();
    }
    h
}

impl CheckOutcome {
    /// The `Received-SPF` header field (§9.1) for the deciding identity,
    /// without the trailing CRLF.
    ///
    /// One line, unless that line would pass RFC 5322's 998 characters:
    /// then it is folded (CRLF and a space) between its parts. A value over
    /// 512 characters (a hostile sender, a long `problem=`) is quoted and
    /// cut short, ending in `[truncated]`.
    ///
    /// ```
    /// # use spfkit::*;
    /// let resolver = |q: &Query| match q.name.as_str() {
    ///     "example.com" => Answer::Records(vec![RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec())]),
    ///     _ => Answer::NxDomain,
    /// };
    /// let opts = Options { receiver: "mx.example.net".into(), ..Options::default() };
    /// let out = check(Request::new("192.0.2.7".parse().unwrap(), "bob@example.com", "h.example"), opts, &resolver);
    /// assert_eq!(
    ///     out.received_spf(),
    ///     "Received-SPF: pass (mx.example.net: domain of bob@example.com designates 192.0.2.7 as \
    ///      permitted sender) client-ip=192.0.2.7; envelope-from=\"bob@example.com\"; helo=h.example; \
    ///      receiver=mx.example.net; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\""
    /// );
    /// ```
    pub fn received_spf(&self) -> String {
        self.received_spf_for(self.outcome())
    }

    /// The `Received-SPF` header field for one identity's outcome.
    pub fn received_spf_for(&self, o: &Outcome) -> String {
        self.received_spf_with(o, false, &[])
    }

    /// [`received_spf_for`](CheckOutcome::received_spf_for) naming no
    /// receiver when `hide_receiver` (§9.1 makes `receiver` optional), with
    /// `extra` key-value pairs (keys are the caller's tokens) last.
    pub(crate) fn received_spf_with(&self, o: &Outcome, hide_receiver: bool, extra: &[(&str, &str)]) -> String {
        // Values in the comment are clipped, so the comment fits a line.
        const IN_COMMENT: usize = 256;
        let ip = self.ip;
        let receiver = clip(&self.receiver, IN_COMMENT);
        let sender = clip(&o.sender, IN_COMMENT);
        let domain = clip(&o.domain, IN_COMMENT);
        let mut text = String::new();
        let prefix = if hide_receiver { String::new() } else { format!("{receiver}: ") };
        let _ = match o.result {
            SpfResult::Pass => {
                write!(text, "{prefix}domain of {sender} designates {ip} as permitted sender")
            }
            SpfResult::Fail => {
                write!(text, "{prefix}domain of {sender} does not designate {ip} as permitted sender")
            }
            SpfResult::SoftFail => {
                write!(text, "{prefix}domain of transitioning {sender} does not designate {ip} as permitted sender")
            }
            SpfResult::Neutral => {
                write!(text, "{prefix}{ip} is neither permitted nor denied by domain of {sender}")
            }
            SpfResult::None => write!(text, "{prefix}domain of {sender} does not publish SPF"),
            SpfResult::TempError => write!(text, "{prefix}temporary error while checking {sender}"),
            SpfResult::PermError => write!(text, "{prefix}permanent error in the SPF record of {domain}"),
        };
        let mut comment_piece = String::with_capacity(text.len() + 8);
        comment_piece.push('(');
        comment(&mut comment_piece, &text);
        // Escapes can double the clipped values: cut the escaped text too,
        // never inside a character or an escape, so the comment fits a line.
        if comment_piece.len() > MAX_COMMENT {
            cut_escaped(&mut comment_piece, MAX_COMMENT - 1);
        }
        comment_piece.push(')');
        let mut pairs: Vec<String> = Vec::with_capacity(7);
        let mut pair = |key: &str, write: &dyn Fn(&mut String)| {
            let mut p = String::with_capacity(32);
            p.push_str(key);
            p.push('=');
            write(&mut p);
            pairs.push(p);
        };
        pair("client-ip", &|p| {
            let _ = write!(p, "{ip}");
        });
        pair("envelope-from", &|p| capped(p, &self.mail_from, dot_atom_or_quoted));
        pair("helo", &|p| capped(p, &self.helo, dot_atom_or_quoted));
        if !hide_receiver {
            pair("receiver", &|p| capped(p, &self.receiver, dot_atom_or_quoted));
        }
        pair("identity", &|p| p.push_str(o.identity.as_str()));
        if let Some(m) = &o.mechanism {
            pair("mechanism", &|p| capped(p, m, dot_atom_or_quoted));
        }
        if matches!(o.result, SpfResult::PermError | SpfResult::TempError) {
            if let Some(problem) = &o.reason {
                pair("problem", &|p| capped(p, problem, quoted));
            }
        }
        for (key, value) in extra {
            pair(key, &|p| capped(p, value, dot_atom_or_quoted));
        }
        // key=value pairs, each but the last followed by its ";" (§9.1).
        let last = pairs.len() - 1;
        for p in &mut pairs[..last] {
            p.push(';');
        }
        let mut pieces = vec!["Received-SPF:".to_owned(), o.result.as_str().to_owned(), comment_piece];
        pieces.extend(pairs);
        fold(&pieces)
    }

    /// The `Authentication-Results` header field (RFC 8601) with one
    /// `spf` resinfo per identity checked, without the trailing CRLF;
    /// folded and bounded as [`received_spf`](CheckOutcome::received_spf).
    ///
    /// ```
    /// # use spfkit::*;
    /// let resolver = |q: &Query| match q.name.as_str() {
    ///     "example.com" => Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec())]),
    ///     _ => Answer::NxDomain,
    /// };
    /// let out = check(Request::new("192.0.2.7".parse().unwrap(), "bob@example.com", "h.example"),
    ///                 Options::default(), &resolver);
    /// assert_eq!(
    ///     out.authentication_results("mx.example.net"),
    ///     "Authentication-Results: mx.example.net; spf=none smtp.helo=h.example; \
    ///      spf=fail smtp.mailfrom=bob@example.com"
    /// );
    /// ```
    pub fn authentication_results(&self, authserv_id: &str) -> String {
        self.authentication_results_with(authserv_id, None, &[], None)
    }

    /// [`authentication_results`](CheckOutcome::authentication_results)
    /// with the MAIL FROM resinfo's result written as `mail_from_result`
    /// when given (RFC 8601's `policy`), `properties` (`ptype.property`,
    /// value) after it (RFC 8601 §2.4 `policy.` properties), and one more
    /// resinfo (`iprev`, already escaped) last.
    pub(crate) fn authentication_results_with(
        &self,
        authserv_id: &str,
        mail_from_result: Option<&str>,
        properties: &[(&str, &str)],
        tail: Option<&str>,
    ) -> String {
        let mut id = String::new();
        capped(&mut id, authserv_id, token_or_quoted);
        let mut pieces = vec!["Authentication-Results:".to_owned(), id];
        for o in self.outcomes() {
            if let Some(last) = pieces.last_mut() {
                last.push(';');
            }
            let result = match (o.identity, mail_from_result) {
                (Identity::MailFrom, Some(r)) => r,
                _ => o.result.as_str(),
            };
            pieces.push(format!("spf={result}"));
            if matches!(o.result, SpfResult::PermError | SpfResult::TempError) {
                if let Some(r) = &o.reason {
                    let mut p = "reason=".to_owned();
                    capped(&mut p, r, quoted);
                    pieces.push(p);
                }
            }
            let mut p = String::with_capacity(64);
            match o.identity {
                Identity::Helo => {
                    p.push_str("smtp.helo=");
                    capped(&mut p, &self.helo, pvalue);
                }
                Identity::MailFrom => {
                    p.push_str("smtp.mailfrom=");
                    capped(&mut p, &o.sender, pvalue);
                }
            }
            pieces.push(p);
            if o.identity == Identity::MailFrom {
                for (key, value) in properties {
                    let mut p = format!("{key}=");
                    capped(&mut p, value, pvalue);
                    pieces.push(p);
                }
            }
        }
        if let Some(tail) = tail {
            if let Some(last) = pieces.last_mut() {
                last.push(';');
            }
            pieces.extend(tail.split(' ').map(str::to_owned));
        }
        fold(&pieces)
    }

    /// The SMTP reply the deciding result calls for (§8, RFC 7372): `550
    /// 5.7.23` for fail with the explanation, `550 5.7.24` for permerror,
    /// `451 4.7.24` for temperror; `None` for results that call for no
    /// rejection (pass, none, neutral, softfail: §8.6 says not to reject on
    /// softfail alone).
    pub fn smtp_reply(&self) -> Option<SmtpReply> {
        let o = self.outcome();
        let (code, enhanced, text) = match o.result {
            SpfResult::Fail => {
                (550, "5.7.23", o.explanation.clone().unwrap_or_else(|| "SPF validation failed".to_owned()))
            }
            SpfResult::PermError => {
                (550, "5.7.24", format!("SPF validation error: {}", o.reason.as_deref().unwrap_or("permanent error")))
            }
            SpfResult::TempError => {
                (451, "4.7.24", format!("SPF temporary error: {}", o.reason.as_deref().unwrap_or("DNS error")))
            }
            _ => return None,
        };
        Some(SmtpReply { code, enhanced, text: reply_text(&text) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counters, Identity, Outcome};

    fn outcome(result: SpfResult, sender: &str) -> Outcome {
        Outcome {
            result,
            identity: Identity::MailFrom,
            domain: "example.com".into(),
            sender: sender.into(),
            explanation: Some("see\r\nX-Evil: 1 (ha)".into()),
            mechanism: Some("-all".into()),
            reason: Some("bad \"record\"\r\nX-Injected: yes".into()),
            counters: Counters::default(),
            trace: Vec::new(),
        }
    }

    fn check_outcome(result: SpfResult, helo: &str, mail_from: &str) -> CheckOutcome {
        CheckOutcome {
            ip: "192.0.2.1".parse().unwrap(),
            helo: helo.into(),
            mail_from: mail_from.into(),
            receiver: "rx\n.example".into(),
            helo_outcome: None,
            mail_from_outcome: Some(outcome(result, mail_from)),
            decided_by: Identity::MailFrom,
        }
    }

    #[test]
    fn no_injection() {
        for result in SpfResult::ALL {
            let c = check_outcome(result, "evil\r\nX-Spam: no", "a\"b\\c)(@x\r\n.example");
            for h in [
                c.received_spf(),
                c.authentication_results("id\r\nX: y"),
                c.smtp_reply().map(|r| r.to_string()).unwrap_or_default(),
            ] {
                assert!(!h.contains('\r') && !h.contains('\n'), "{h}");
                assert!(!h.chars().any(char::is_control), "{h}");
            }
            let h = c.received_spf();
            // The comment closes exactly once, at its end.
            let close = h.find(") client-ip=").unwrap();
            assert!(!h[..close].contains(')') || h[..close].contains("\\)"));
            assert!(h.contains("envelope-from=\"a\\\"b\\\\c)(@x??.example\""), "{h}");
        }
    }

    /// Each line of a header: at most 998 characters, and every line but
    /// the first starts with folding white space.
    fn assert_lines_bounded(h: &str) {
        for (i, line) in h.split("\r\n").enumerate() {
            assert!(line.len() <= MAX_LINE, "line of {} characters", line.len());
            assert!(i == 0 || line.starts_with(' '), "{line:?}");
            assert!(!line.contains(['\r', '\n']));
        }
    }

    #[test]
    fn long_values_are_folded_and_truncated() {
        let long_sender = format!("{}@example.com", "a".repeat(1 << 20));
        let problem = format!("syntax error in term \"{}\" (bytes 7..63007)", "z".repeat(63000));
        let mut c = check_outcome(SpfResult::PermError, &"h".repeat(5000), &long_sender);
        c.receiver = "r".repeat(3000);
        c.mail_from_outcome.as_mut().unwrap().reason = Some(problem);
        c.mail_from_outcome.as_mut().unwrap().mechanism = Some("\"".repeat(2000));
        let received = c.received_spf();
        let results = c.authentication_results(&"i".repeat(2000));
        for h in [&received, &results] {
            assert_lines_bounded(h);
            assert!(h.contains("[truncated]\""), "{h}");
            assert!(h.len() < 6000, "{} bytes", h.len());
        }
        assert!(received.contains("\r\n problem=\"syntax error in term \\\"zzz"), "{received}");
        // An escape is never cut in half: each truncated value is a whole quoted-string.
        assert!(received.contains("mechanism=\"\\\"\\\""), "{received}");
        assert!(!received.contains("\\[truncated]"), "{received}");
        // Unfolded, the header reads as before, only shorter.
        let unfolded = received.replace("\r\n ", " ");
        assert!(unfolded.starts_with("Received-SPF: permerror (rrr"), "{unfolded}");
        assert!(unfolded.contains("[truncated]: permanent error in the SPF record of example.com)"), "{unfolded}");
        // A receiver and sender full of characters a comment escapes.
        let mut c = check_outcome(SpfResult::SoftFail, "h.example", &format!("{}@x", "(".repeat(300)));
        c.receiver = ")".repeat(300);
        c.ip = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap();
        let h = c.received_spf();
        assert_lines_bounded(&h);
        assert!(h.contains("[truncated])"), "{h}");
        // A header that fits on one line stays on one line.
        let c = check_outcome(SpfResult::PermError, "h.example", "a@example.com");
        assert!(!c.received_spf().contains('\n') && !c.authentication_results("mx").contains('\n'));
    }

    #[test]
    fn replies() {
        let c = check_outcome(SpfResult::Fail, "h.example", "a@example.com");
        assert_eq!(c.smtp_reply().unwrap().to_string(), "550 5.7.23 see??X-Evil: 1 (ha)");
        let c = check_outcome(SpfResult::TempError, "h.example", "a@example.com");
        let r = c.smtp_reply().unwrap();
        assert_eq!((r.code, r.enhanced), (451, "4.7.24"));
        let c = check_outcome(SpfResult::PermError, "h.example", "a@example.com");
        assert_eq!(c.smtp_reply().unwrap().enhanced, "5.7.24");
        assert!(check_outcome(SpfResult::SoftFail, "h", "a@b.c").smtp_reply().is_none());
        let mut c = check_outcome(SpfResult::Fail, "h.example", "a@example.com");
        c.mail_from_outcome.as_mut().unwrap().explanation = Some("é".repeat(1000));
        let r = c.smtp_reply().unwrap();
        assert!(r.text.len() <= 400 && r.text.is_ascii());
    }
}
