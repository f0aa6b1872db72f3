//! The connection being checked: [`Request`] (RFC 7208 §4.1's `<ip>`,
//! `<sender>` and the HELO name), and the bounds every binding applies.

use core::net::IpAddr;

/// The connection being checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
    /// `<ip>`: the SMTP client's address.
    pub ip: IpAddr,
    /// The MAIL FROM reverse-path without angle brackets; empty for `<>`.
    pub mail_from: String,
    /// The HELO/EHLO name.
    pub helo: String,
}

impl Request {
    /// A request for `ip`, MAIL FROM `mail_from` and HELO `helo`. The
    /// reverse-path may come as SMTP writes it, in angle brackets; `""` and
    /// `<>` are the null reverse-path.
    ///
    /// ```
    /// # use spfkit::Request;
    /// let ip = "192.0.2.1".parse().unwrap();
    /// assert_eq!(Request::new(ip, "<alice@example.com>", "h").mail_from, "alice@example.com");
    /// assert_eq!(Request::new(ip, "<>", "h").mail_from, "");
    /// ```
    pub fn new(ip: IpAddr, mail_from: impl Into<String>, helo: impl Into<String>) -> Request {
        let mut mail_from = mail_from.into();
        if mail_from.len() >= 2 && mail_from.starts_with('<') && mail_from.ends_with('>') {
            mail_from.pop();
            mail_from.remove(0);
        }
        Request { ip, mail_from, helo: helo.into() }
    }

    /// Bytes of a MAIL FROM or HELO (and of a receiver name) a binding
    /// accepts: far more than SMTP carries (a path is at most 256 bytes,
    /// RFC 5321 §4.5.3.1.3), little enough that no header or log line
    /// made from them grows without bound.
    pub const MAX_LENGTH: usize = 4096;

    /// The bounds every binding applies to a request before checking it:
    /// `Err` names the field over [`Request::MAX_LENGTH`].
    ///
    /// ```
    /// # use spfkit::Request;
    /// let ip = "192.0.2.1".parse().unwrap();
    /// assert!(Request::new(ip, "a@example.com", "h").check_bounds().is_ok());
    /// let long = "a".repeat(5000);
    /// assert_eq!(
    ///     Request::new(ip, long.as_str(), "h").check_bounds().unwrap_err(),
    ///     "sender is longer than 4096 bytes"
    /// );
    /// ```
    pub fn check_bounds(&self) -> Result<(), String> {
        check_length("sender", &self.mail_from)?;
        check_length("helo", &self.helo)
    }
}

/// `Err` when `value` is over [`Request::MAX_LENGTH`] bytes, naming `field`.
pub(crate) fn check_length(field: &str, value: &str) -> Result<(), String> {
    if value.len() > Request::MAX_LENGTH {
        return Err(format!("{field} is longer than {} bytes", Request::MAX_LENGTH));
    }
    Ok(())
}
