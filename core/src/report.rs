//! Headers and SMTP replies from an outcome: RFC 7208 §8–§9.1, RFC 8601,
//! RFC 7372.
//!
//! Everything here quotes what came from outside (HELO, sender,
//! explanation, reasons): no such value can end a header line, start a new
//! field or break out of its quoting.

use core::fmt::{self, Write as _};

use crate::outcome::{CheckOutcome, Identity, Outcome, SpfResult};

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
fn reply_text(s: &str) -> String {
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

impl CheckOutcome {
    /// The `Received-SPF` header field (§9.1) for the deciding identity,
    /// without the trailing CRLF.
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
        let mut h = String::with_capacity(256);
        h.push_str("Received-SPF: ");
        h.push_str(o.result.as_str());
        h.push_str(" (");
        let ip = self.ip;
        let mut text = String::new();
        let _ = match o.result {
            SpfResult::Pass => {
                write!(text, "{}: domain of {} designates {ip} as permitted sender", self.receiver, o.sender)
            }
            SpfResult::Fail => {
                write!(text, "{}: domain of {} does not designate {ip} as permitted sender", self.receiver, o.sender)
            }
            SpfResult::SoftFail => write!(
                text,
                "{}: domain of transitioning {} does not designate {ip} as permitted sender",
                self.receiver, o.sender
            ),
            SpfResult::Neutral => {
                write!(text, "{}: {ip} is neither permitted nor denied by domain of {}", self.receiver, o.sender)
            }
            SpfResult::None => write!(text, "{}: domain of {} does not publish SPF", self.receiver, o.sender),
            SpfResult::TempError => {
                write!(text, "{}: temporary error while checking {}", self.receiver, o.sender)
            }
            SpfResult::PermError => {
                write!(text, "{}: permanent error in the SPF record of {}", self.receiver, o.domain)
            }
        };
        comment(&mut h, &text);
        h.push_str(") client-ip=");
        let _ = write!(h, "{ip}");
        h.push_str("; envelope-from=");
        dot_atom_or_quoted(&mut h, &self.mail_from);
        h.push_str("; helo=");
        dot_atom_or_quoted(&mut h, &self.helo);
        h.push_str("; receiver=");
        dot_atom_or_quoted(&mut h, &self.receiver);
        h.push_str("; identity=");
        h.push_str(o.identity.as_str());
        if let Some(m) = &o.mechanism {
            h.push_str("; mechanism=");
            dot_atom_or_quoted(&mut h, m);
        }
        if matches!(o.result, SpfResult::PermError | SpfResult::TempError) {
            if let Some(p) = &o.reason {
                h.push_str("; problem=");
                quoted(&mut h, p);
            }
        }
        h
    }

    /// The `Authentication-Results` header field (RFC 8601) with one
    /// `spf` resinfo per identity checked, without the trailing CRLF.
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
        let mut h = String::with_capacity(160);
        h.push_str("Authentication-Results: ");
        token_or_quoted(&mut h, authserv_id);
        for o in self.outcomes() {
            h.push_str("; spf=");
            h.push_str(o.result.as_str());
            if matches!(o.result, SpfResult::PermError | SpfResult::TempError) {
                if let Some(r) = &o.reason {
                    h.push_str(" reason=");
                    quoted(&mut h, r);
                }
            }
            match o.identity {
                Identity::Helo => {
                    h.push_str(" smtp.helo=");
                    pvalue(&mut h, &self.helo);
                }
                Identity::MailFrom => {
                    h.push_str(" smtp.mailfrom=");
                    pvalue(&mut h, &o.sender);
                }
            }
        }
        h
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
