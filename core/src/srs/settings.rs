//! What a forwarder configures, checked once when an [`Srs`](super::Srs)
//! is built so that rewriting itself has no configuration errors.

use core::fmt;

/// The most hash characters a setting may ask for. libsrs2 base64-encodes
/// the 20 octets of an HMAC-SHA1 digest one character at a time and reads
/// past the digest beyond the 27th character (20 octets are 160 bits; 27
/// characters of 6 bits take the last 2 bits from the NUL after it, which
/// standard base64 pads with zeros alike).
pub const MAX_HASH_LENGTH: usize = 27;

/// The largest age accepted: the timestamp counts days modulo 1024, so an
/// age of 1024 days or more cannot be told from a fresh one.
pub const MAX_AGE_DAYS_LIMIT: u32 = 1023;

/// SRS settings, the same knobs as postsrsd 1.10's command line (`-s`,
/// `-d`, `-a`, `-n`, `-N`, `-X`) and libsrs2's `srs_set_*` functions, plus
/// spfkit's own (`url_safe`, `refuse_long`).
///
/// Build one with [`Settings::new`], change fields, then check it with
/// [`Srs::new`](super::Srs::new).
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// The HMAC-SHA1 keys, each as the octets of one line of postsrsd's
    /// secrets file: the first signs new addresses, every one verifies
    /// (so a new secret goes first and the old one stays for the maximum
    /// age).
    pub secrets: Vec<Vec<u8>>,
    /// The forwarder's own domain: rewritten addresses end in `@domain`,
    /// and senders in it are left alone (libsrs2's alias host, postsrsd's
    /// `-d`).
    pub domain: String,
    /// The first separator, after `SRS0`/`SRS1`: `=` (default), `+` or `-`
    /// (libsrs2's `srs_set_separator`, postsrsd's `-a`). The inner
    /// separators are always `=`.
    pub separator: char,
    /// Hash characters written, 1 to [`MAX_HASH_LENGTH`]; 4 by default
    /// (libsrs2's `hashlength`, postsrsd's `-n`). A longer hash in an
    /// address being reversed is compared on this many characters.
    pub hash_length: usize,
    /// The fewest hash characters accepted when reversing, 1 to
    /// `hash_length`; 4 by default (libsrs2's `hashmin`, postsrsd's `-N`).
    /// A hash shorter than `hash_length` but not than this is compared on
    /// its own length, as libsrs2 does.
    pub hash_min: usize,
    /// Days an address stays valid after the day it was made; 21 by
    /// default (libsrs2's `maxage`), at most [`MAX_AGE_DAYS_LIMIT`].
    pub max_age_days: u32,
    /// Write hashes in URL-safe base64 (`-`, `_`) instead of standard
    /// base64 (`+`, `/`), as postsrsd 2.2.6 does. Off by default because
    /// postsrsd 1.10 and libsrs2 refuse such hashes; both alphabets are
    /// always accepted when reversing.
    pub url_safe: bool,
    /// Domains whose senders are not rewritten, besides `domain`, matched
    /// as postsrsd's `-X` list: `example.org` matches `user@example.org`
    /// only, `.example.org` matches any address ending in `.example.org`
    /// (its subdomains), without regard to case.
    pub local_domains: Vec<String>,
    /// Refuse ([`ErrorKind::TooLong`](super::ErrorKind::TooLong)) a rewrite
    /// whose local part would pass 64 octets (RFC 5321 §4.5.3.1.1) instead
    /// of writing it with a warning as libsrs2 does. Off by default.
    pub refuse_long: bool,
}

impl Settings {
    /// Settings with one secret and libsrs2's defaults: separator `=`,
    /// hash length 4, minimum 4, maximum age 21 days, standard base64, no
    /// other local domains, long addresses written with a warning.
    pub fn new(domain: impl Into<String>, secret: impl AsRef<[u8]>) -> Settings {
        Settings {
            secrets: vec![secret.as_ref().to_vec()],
            domain: domain.into(),
            separator: '=',
            hash_length: 4,
            hash_min: 4,
            max_age_days: 21,
            url_safe: false,
            local_domains: Vec::new(),
            refuse_long: false,
        }
    }

    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.secrets.is_empty() {
            return Err(SettingsError::NoSecret);
        }
        for secret in &self.secrets {
            // libsrs2 keys HMAC with strlen(secret): a NUL would silently
            // cut the key short there.
            if secret.is_empty() || secret.contains(&0) {
                return Err(SettingsError::BadSecret);
            }
        }
        if !is_domain_text(&self.domain) {
            return Err(SettingsError::BadDomain);
        }
        if !matches!(self.separator, '=' | '+' | '-') {
            return Err(SettingsError::BadSeparator);
        }
        if !(1..=MAX_HASH_LENGTH).contains(&self.hash_length) {
            return Err(SettingsError::BadHashLength);
        }
        // A minimum of 0 would accept an empty hash: libsrs2 compares
        // zero characters and calls that a match.
        if !(1..=self.hash_length).contains(&self.hash_min) {
            return Err(SettingsError::BadHashMin);
        }
        if self.max_age_days > MAX_AGE_DAYS_LIMIT {
            return Err(SettingsError::BadMaxAge);
        }
        let local = |d: &String| is_domain_text(d.strip_prefix('.').unwrap_or(d));
        if !self.local_domains.iter().all(local) {
            return Err(SettingsError::BadLocalDomain);
        }
        Ok(())
    }
}

/// Text that can follow an `@`: printable ASCII, no `@`, no space.
fn is_domain_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
}

// Secrets stay out of logs and panics.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .field("domain", &self.domain)
            .field("separator", &self.separator)
            .field("hash_length", &self.hash_length)
            .field("hash_min", &self.hash_min)
            .field("max_age_days", &self.max_age_days)
            .field("url_safe", &self.url_safe)
            .field("local_domains", &self.local_domains)
            .field("refuse_long", &self.refuse_long)
            .finish()
    }
}

/// Why [`Srs::new`](super::Srs::new) refused some [`Settings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SettingsError {
    /// No secret at all (libsrs2's "No secrets in SRS configuration.").
    NoSecret,
    /// An empty secret, or one holding a NUL octet.
    BadSecret,
    /// The domain is empty, or holds `@`, a space or a non-ASCII octet.
    BadDomain,
    /// The separator is not `=`, `+` or `-` (libsrs2's "Invalid separator
    /// suggested.").
    BadSeparator,
    /// The hash length is not 1 to [`MAX_HASH_LENGTH`].
    BadHashLength,
    /// The minimum hash length is not 1 to the hash length.
    BadHashMin,
    /// The maximum age passes [`MAX_AGE_DAYS_LIMIT`].
    BadMaxAge,
    /// A local domain is empty, or holds `@`, a space or a non-ASCII octet.
    BadLocalDomain,
}

impl SettingsError {
    /// A stable name for programs: `no-secret`, `bad-secret`, `bad-domain`,
    /// `bad-separator`, `bad-hash-length`, `bad-hash-min`, `bad-max-age`,
    /// `bad-local-domain`.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingsError::NoSecret => "no-secret",
            SettingsError::BadSecret => "bad-secret",
            SettingsError::BadDomain => "bad-domain",
            SettingsError::BadSeparator => "bad-separator",
            SettingsError::BadHashLength => "bad-hash-length",
            SettingsError::BadHashMin => "bad-hash-min",
            SettingsError::BadMaxAge => "bad-max-age",
            SettingsError::BadLocalDomain => "bad-local-domain",
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SettingsError::NoSecret => "no secret given",
            SettingsError::BadSecret => "a secret is empty or holds a NUL octet",
            SettingsError::BadDomain => "the domain is empty or holds '@', a space or a non-ASCII octet",
            SettingsError::BadSeparator => "the separator must be '=', '+' or '-'",
            SettingsError::BadHashLength => "the hash length must be 1 to 27",
            SettingsError::BadHashMin => "the minimum hash length must be 1 to the hash length",
            SettingsError::BadMaxAge => "the maximum age must be 0 to 1023 days",
            SettingsError::BadLocalDomain => "a local domain is empty or holds '@', a space or a non-ASCII octet",
        })
    }
}

impl std::error::Error for SettingsError {}
