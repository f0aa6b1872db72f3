//! # SRS: the Sender Rewriting Scheme, as libsrs2 and postsrsd write it
//!
//! A forwarder that relays mail with the original MAIL FROM fails the
//! sender domain's SPF check at the next hop (RFC 7208 §1.2.3, its
//! Appendix D). SRS rewrites the sender into an address at the forwarder's
//! own domain that carries the original, signed and dated, so that bounces
//! still find their way back:
//!
//! - forward: `alice@example.com` → `SRS0=HHHH=TT=example.com=alice@fwd.example`;
//!   an address that is already SRS0 or SRS1 of another forwarder becomes
//!   SRS1 (the "guarded" scheme), pointing at the first forwarder:
//!   `SRS0=HHHH=TT=example.com=alice@first.example` →
//!   `SRS1=GGGG=first.example==HHHH=TT=example.com=alice@fwd.example`.
//! - reverse, for bounces to such an address: SRS0 → the original, SRS1 →
//!   the first forwarder's SRS0 address.
//!
//! Every byte is as postsrsd 1.10's libsrs2 (srs2.c) computes it, shown by
//! vectors postsrsd itself wrote (tests/srs/): HMAC-SHA1 keyed with the
//! secret over the ASCII-lower-cased fields, the first 4 characters of its
//! base64; the day modulo 1024 as 2 base32 characters; `SRS0`/`SRS1`
//! written upper-case and read in any case. Where spfkit differs, it
//! refuses what libsrs2 would write or read oddly: addresses longer than
//! postsrsd's buffers, empty local parts or domains, NUL, control and
//! non-ASCII octets, timestamps of any length but 2 (CVE-2020-35573). It
//! adds URL-safe base64 as a writing option (postsrsd 2.2.6 writes it) and
//! reads both alphabets.
//!
//! Nothing here reads the clock or a file: the time comes in as Unix
//! seconds and the secrets as octets.
//!
//! ```
//! use spfkit::srs::{ErrorKind, Forwarded, Settings, Srs};
//!
//! let srs = Srs::new(Settings::new("fwd.example", "test-secret-one")).unwrap();
//! let now = 1_767_225_600; // 2026-01-01T00:00:00Z
//!
//! let fwd = srs.forward("alice@example.com", now).unwrap();
//! assert_eq!(fwd.address(), "SRS0=pfQg=7G=example.com=alice@fwd.example");
//! assert!(matches!(fwd, Forwarded::Rewritten { .. }));
//!
//! // A bounce to it, a week later, goes back to Alice.
//! assert_eq!(srs.reverse(fwd.address(), now + 7 * 86400).unwrap(), "alice@example.com");
//! // After the maximum age (21 days) it is refused, and so is a forgery.
//! let late = srs.reverse(fwd.address(), now + 22 * 86400).unwrap_err();
//! assert_eq!(late.kind(), ErrorKind::Expired);
//! let forged = srs.reverse("SRS0=AAAA=7G=example.com=alice@fwd.example", now).unwrap_err();
//! assert_eq!(forged.kind(), ErrorKind::BadHash);
//! // An ordinary address is not SRS: deliver it as it is.
//! assert_eq!(srs.reverse("bob@fwd.example", now).unwrap_err().kind(), ErrorKind::NotSrs);
//! ```

mod error;
mod hash;
mod settings;
mod timestamp;

use core::fmt;

pub use error::{Error, ErrorKind, Warning};
pub use settings::{MAX_AGE_DAYS_LIMIT, MAX_HASH_LENGTH, Settings, SettingsError};

use hash::{Key, Verdict};

/// The longest address taken or written, in octets: postsrsd 1.10 rewrites
/// into 1024-octet buffers with a terminating NUL, and refuses ("Buffer too
/// small.") anything that would not fit; spfkit refuses the same with
/// [`ErrorKind::TooLong`]. RFC 5321 §4.5.3.1.3 allows 256 octets for a
/// path, but libsrs2 rewrites longer ones and a forwarder must reverse what
/// it wrote.
pub const MAX_ADDRESS_LEN: usize = 1023;

/// The longest local part RFC 5321 §4.5.3.1.1 allows.
pub const MAX_LOCAL_PART_LEN: usize = 64;

/// The separators libsrs2 recognises after `SRS0`/`SRS1`.
const SEPARATORS: &[u8] = b"=+-";

/// A configured rewriter: [`Settings`] that passed their checks, with the
/// secrets keyed. Cheap to share; [`Srs::forward`] and [`Srs::reverse`]
/// take `&self`.
#[derive(Clone)]
pub struct Srs {
    settings: Settings,
    keys: Vec<Key>,
}

/// What [`Srs::forward`] did with a sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forwarded {
    /// Rewritten to SRS0 (a plain sender) or SRS1 (an SRS address of
    /// another forwarder).
    Rewritten {
        /// The new sender.
        address: String,
        /// Worth logging; the address is usable.
        warnings: Vec<Warning>,
    },
    /// Left as it was.
    Unchanged {
        /// The sender, as given.
        address: String,
        /// Why.
        reason: Unchanged,
    },
}

impl Forwarded {
    /// The sender to use: the rewritten one, or the original.
    pub fn address(&self) -> &str {
        match self {
            Forwarded::Rewritten { address, .. } | Forwarded::Unchanged { address, .. } => address,
        }
    }

    /// The warnings of a rewrite; none when unchanged.
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Forwarded::Rewritten { warnings, .. } => warnings,
            Forwarded::Unchanged { .. } => &[],
        }
    }
}

/// Why [`Srs::forward`] left a sender alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unchanged {
    /// Its domain is [`Settings::domain`] or one of
    /// [`Settings::local_domains`]: this host's own mail passes SPF as it
    /// is (libsrs2's alias host check; postsrsd's "Domain excluded by
    /// policy").
    LocalDomain,
    /// It is already a valid SRS address made with our secrets, still
    /// within the maximum age (postsrsd's "Already rewritten"): rewriting
    /// it again would only nest it.
    AlreadyRewritten,
}

impl Unchanged {
    /// A stable name: `local-domain`, `already-rewritten`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unchanged::LocalDomain => "local-domain",
            Unchanged::AlreadyRewritten => "already-rewritten",
        }
    }
}

impl fmt::Display for Unchanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const TOO_LONG: Error = Error::new(ErrorKind::TooLong, "the address is longer than 1023 octets");

impl Srs {
    /// Checks the settings and keys the secrets.
    pub fn new(settings: Settings) -> Result<Srs, SettingsError> {
        settings.check()?;
        let keys = settings.secrets.iter().map(|s| Key::new(s)).collect::<Option<Vec<_>>>();
        let keys = keys.ok_or(SettingsError::BadSecret)?;
        Ok(Srs { settings, keys })
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Rewrites a sender (MAIL FROM, without `<>`) for forwarding at `now`
    /// (Unix seconds), as postsrsd 1.10's forward map does: a local domain
    /// is left alone, then an address already valid under our secrets, and
    /// otherwise libsrs2's `srs_forward` (guarded scheme) rewrites it:
    ///
    /// - `SRS1<s>HASH=host=rest@any` (another forwarder's SRS1) →
    ///   `SRS1<sep>NEW=host=rest@domain`, NEW over (host, rest);
    /// - `SRS0<s>rest@prev` (another forwarder's SRS0) →
    ///   `SRS1<sep>NEW=prev=<s>rest@domain`, NEW over (prev, `<s>rest`);
    /// - `user@host` → `SRS0<sep>HASH=TT=host=user@domain`, HASH over (TT,
    ///   host, user).
    ///
    /// The host is what follows the first `@`, as libsrs2 takes it.
    pub fn forward(&self, sender: &str, now: u64) -> Result<Forwarded, Error> {
        let s = &self.settings;
        if sender.len() > MAX_ADDRESS_LEN {
            return Err(TOO_LONG);
        }
        let unchanged = |reason| Ok(Forwarded::Unchanged { address: sender.to_owned(), reason });
        if s.local_domains.iter().any(|d| excluded(sender, d)) {
            return unchanged(Unchanged::LocalDomain);
        }
        if self.reverse(sender, now).is_ok() {
            return unchanged(Unchanged::AlreadyRewritten);
        }
        let Some((user, host)) = sender.split_once('@') else {
            return Err(Error::new(ErrorKind::Malformed, "no '@' in the address"));
        };
        if host.eq_ignore_ascii_case(&s.domain) {
            return unchanged(Unchanged::LocalDomain);
        }
        check_octets(sender)?;
        if user.is_empty() || host.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, "empty local part or domain"));
        }
        // libsrs2 writes these, then cannot read them back: `=` moves the
        // field boundary, `@` ends the local part early.
        if host.contains(['=', '@']) {
            return Err(Error::new(ErrorKind::Malformed, "'=' or '@' in the domain"));
        }
        // libsrs2 takes the NUL ending a bare `SRS0`/`SRS1` for a separator
        // and reads on into the domain.
        if user.eq_ignore_ascii_case("srs0") || user.eq_ignore_ascii_case("srs1") {
            return Err(Error::new(ErrorKind::Malformed, "a local part of only SRS0 or SRS1"));
        }
        let address = self.compile(user.as_bytes(), host.as_bytes(), now)?;
        let local = address.len() - s.domain.len() - 1;
        let mut warnings = Vec::new();
        if local > MAX_LOCAL_PART_LEN {
            if s.refuse_long {
                return Err(Error::new(ErrorKind::TooLong, "the rewritten local part passes 64 octets"));
            }
            warnings.push(Warning::LongLocalPart { octets: local });
        }
        Ok(Forwarded::Rewritten { address, warnings })
    }

    /// libsrs2's `srs_compile_guarded` and `srs_compile_shortcut`.
    fn compile(&self, user: &[u8], host: &[u8], now: u64) -> Result<String, Error> {
        let s = &self.settings;
        let stamp = timestamp::create(now);
        let (tag, fields): (u8, Vec<&[u8]>) = match srs_tag(user) {
            Some(b'1') => {
                // Another forwarder's hash is dropped: only it can check
                // it. Ours covers the fields carried on.
                let (_, rest) = srs_field(&user[5..], "no hash in the SRS1 address", "no host in the SRS1 address")?;
                let (prev, rest) =
                    split_eq(rest).ok_or(Error::new(ErrorKind::Malformed, "no user in the SRS1 address"))?;
                // libsrs2 writes these on, and then cannot reverse them.
                if prev.is_empty() || rest.is_empty() {
                    return Err(Error::new(ErrorKind::Malformed, "empty host or user in the SRS1 address"));
                }
                (b'1', vec![prev, rest])
            }
            // The SRS0 address stays whole after its tag, separator
            // included, so reversing SRS1 rebuilds it: hence `==`.
            Some(_) => (b'1', vec![host, &user[4..]]),
            None => (b'0', vec![&stamp, host, user]),
        };
        let mut out = Vec::with_capacity(user.len() + host.len() + s.domain.len() + 40);
        out.extend_from_slice(&[b'S', b'R', b'S', tag, s.separator as u8]);
        out.extend_from_slice(self.keys[0].hash(&fields, s.hash_length, s.url_safe).as_bytes());
        for field in fields {
            out.push(b'=');
            out.extend_from_slice(field);
        }
        out.push(b'@');
        out.extend_from_slice(s.domain.as_bytes());
        if out.len() > MAX_ADDRESS_LEN {
            return Err(Error::new(ErrorKind::TooLong, "the rewritten address would pass 1023 octets"));
        }
        // Every part is ASCII: the input passed check_octets, the domain
        // Settings::check.
        String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Malformed, "not ASCII"))
    }

    /// Undoes a rewrite, for a bounce to `address` at `now` (Unix seconds),
    /// as libsrs2's `srs_reverse`: `SRS0<s>HASH=TT=host=user@any` →
    /// `user@host` once the timestamp and hash check out;
    /// `SRS1<s>HASH=host=rest@any` → `SRS0rest@host` once the hash checks
    /// out (the previous forwarder checks its own timestamp). The domain
    /// after `@` is not looked at: mail for it came here.
    ///
    /// The timestamp is checked before the hash, as libsrs2 does, so a
    /// forgery with a stale timestamp is [`ErrorKind::Expired`].
    pub fn reverse(&self, address: &str, now: u64) -> Result<String, Error> {
        let s = &self.settings;
        let bytes = address.as_bytes();
        let Some(tag) = srs_tag(bytes) else {
            return Err(Error::new(ErrorKind::NotSrs, "not an SRS address"));
        };
        if bytes.len() > MAX_ADDRESS_LEN {
            return Err(TOO_LONG);
        }
        check_octets(address)?;
        let local = bytes.split(|&b| b == b'@').next().unwrap_or_default();
        let fields = &local[5..];
        let (user, host) = if tag == b'1' {
            let (hash, rest) = srs_field(fields, "no hash in the SRS1 address", "no host in the SRS1 address")?;
            let (host, user) = split_eq(rest).ok_or(Error::new(ErrorKind::Malformed, "no user in the SRS1 address"))?;
            self.verify(hash, &[host, user])?;
            (user, host)
        } else {
            let (hash, rest) = srs_field(fields, "no hash in the SRS0 address", "no timestamp in the SRS0 address")?;
            let (stamp, rest) =
                split_eq(rest).ok_or(Error::new(ErrorKind::Malformed, "no host in the SRS0 address"))?;
            let (host, user) = split_eq(rest).ok_or(Error::new(ErrorKind::Malformed, "no user in the SRS0 address"))?;
            timestamp::check(stamp, now, s.max_age_days).map_err(|e| match e {
                timestamp::Refused::Bad => {
                    Error::new(ErrorKind::BadTimestamp, "the timestamp is not 2 base32 characters")
                }
                timestamp::Refused::Expired => Error::new(ErrorKind::Expired, "the timestamp is out of date"),
            })?;
            self.verify(hash, &[stamp, host, user])?;
            (user, host)
        };
        // Valid, yet only what spfkit refuses to write could make it.
        if user.is_empty() || host.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, "empty local part or domain"));
        }
        let mut out = String::with_capacity(address.len());
        if tag == b'1' {
            out.push_str("SRS0");
        }
        // The fields are slices of `address` cut at ASCII octets.
        out.push_str(core::str::from_utf8(user).unwrap_or_default());
        out.push('@');
        out.push_str(core::str::from_utf8(host).unwrap_or_default());
        Ok(out)
    }

    fn verify(&self, hash: &[u8], fields: &[&[u8]]) -> Result<(), Error> {
        let s = &self.settings;
        match hash::verify(&self.keys, hash, fields, s.hash_length, s.hash_min) {
            Verdict::Valid => Ok(()),
            Verdict::TooShort => Err(Error::new(ErrorKind::BadHash, "the hash is too short")),
            Verdict::Invalid => Err(Error::new(ErrorKind::BadHash, "the hash is invalid")),
        }
    }
}

// Secrets stay out of logs and panics.
impl fmt::Debug for Srs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Srs").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// `b'0'` or `b'1'` when the local part starts with `SRS0`/`SRS1` in any
/// case and a separator (libsrs2's `SRS_IS_SRS_ADDRESS`).
fn srs_tag(local: &[u8]) -> Option<u8> {
    match local {
        [s, r, s2, tag @ (b'0' | b'1'), sep, ..]
            if s.eq_ignore_ascii_case(&b's')
                && r.eq_ignore_ascii_case(&b'r')
                && s2.eq_ignore_ascii_case(&b's')
                && SEPARATORS.contains(sep) =>
        {
            Some(*tag)
        }
        _ => None,
    }
}

/// Splits at the first `=`.
fn split_eq(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = s.iter().position(|&b| b == b'=')?;
    Some((&s[..i], &s[i + 1..]))
}

/// The hash field after the tag: libsrs2 refuses an empty remainder, and
/// one without `=`, with different messages.
fn srs_field<'a>(fields: &'a [u8], empty: &'static str, no_eq: &'static str) -> Result<(&'a [u8], &'a [u8]), Error> {
    if fields.is_empty() {
        return Err(Error::new(ErrorKind::Malformed, empty));
    }
    split_eq(fields).ok_or(Error::new(ErrorKind::Malformed, no_eq))
}

/// NUL, control characters and non-ASCII octets: never in an address
/// spfkit rewrites, so never hashed differently from libsrs2 (which would
/// hash the raw octets, and stop at a NUL).
fn check_octets(address: &str) -> Result<(), Error> {
    if address.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else if address.bytes().any(|b| b == 0) {
        Err(Error::new(ErrorKind::Malformed, "NUL in the address"))
    } else if address.is_ascii() {
        Err(Error::new(ErrorKind::Malformed, "a control character in the address"))
    } else {
        Err(Error::new(ErrorKind::Malformed, "a non-ASCII character in the address"))
    }
}

/// postsrsd's `-X` match: the address ends in the domain, without regard
/// to case, right after `@`, or the domain starts with `.`.
fn excluded(address: &str, domain: &str) -> bool {
    let (a, d) = (address.as_bytes(), domain.as_bytes());
    if d.len() >= a.len() {
        return false;
    }
    let at = a.len() - d.len();
    a[at..].eq_ignore_ascii_case(d) && (d[0] == b'.' || a[at - 1] == b'@')
}

/// A new secret from random octets the host supplies (core reads no
/// device): their standard base64, one line of a secrets file. Give it at
/// least 18 octets; `spfkit srs keygen` gives 24 from /dev/urandom.
/// Debian's postsrsd package makes its secret the same way (18 octets).
pub fn secret_from_bytes(random: &[u8]) -> String {
    let mut s = hash::base64(random, false);
    while s.len() % 4 != 0 {
        s.push('=');
    }
    s
}
