//! What can go wrong rewriting one address, as kinds a caller matches on.

use core::fmt;

/// The kind of an [`Error`]: what a caller decides on. The names from
/// [`ErrorKind::as_str`] are stable; the bindings and the `spfkit srs`
/// command use them too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reverse: the local part does not start with `SRS0` or `SRS1` (any
    /// case) and one of `=+-`: an ordinary address, to be delivered as it
    /// is (libsrs2's "Not an SRS address.").
    NotSrs,
    /// The hash is too short, or matches none of the secrets: forged,
    /// damaged, or made with a secret no longer configured (libsrs2's
    /// "Hash too short in SRS address.", "Hash invalid in SRS address.").
    BadHash,
    /// The timestamp is older than the maximum age, or in the future
    /// (libsrs2's "Time stamp out of date.").
    Expired,
    /// The timestamp is not exactly 2 base32 characters (libsrs2's "Bad
    /// base32 character in timestamp.", and its "Time stamp out of date."
    /// for a wrong length).
    BadTimestamp,
    /// Not an address that can be rewritten: no `@`, an empty local part
    /// or domain, a missing SRS field, NUL, a control character or a
    /// non-ASCII octet (libsrs2's "No at sign in sender address", "No …
    /// in SRS0/SRS1 address.").
    Malformed,
    /// Longer than [`MAX_ADDRESS_LEN`](super::MAX_ADDRESS_LEN), as input
    /// or rewritten (libsrs2's "Buffer too small." with postsrsd's 1024
    /// octet buffers); or, with
    /// [`Settings::refuse_long`](super::Settings::refuse_long), a rewritten
    /// local part longer than 64 octets.
    TooLong,
}

impl ErrorKind {
    /// A stable name: `not-srs`, `bad-hash`, `expired`, `bad-timestamp`,
    /// `malformed`, `too-long`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotSrs => "not-srs",
            ErrorKind::BadHash => "bad-hash",
            ErrorKind::Expired => "expired",
            ErrorKind::BadTimestamp => "bad-timestamp",
            ErrorKind::Malformed => "malformed",
            ErrorKind::TooLong => "too-long",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an address was not rewritten: a kind and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    message: &'static str,
}

impl Error {
    pub(super) const fn new(kind: ErrorKind, message: &'static str) -> Error {
        Error { kind, message }
    }

    /// What to decide on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The sentence for people, without the kind.
    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// Something worth telling about an address that was rewritten anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Warning {
    /// The rewritten local part has this many octets, more than the 64 of
    /// RFC 5321 §4.5.3.1.1. libsrs2 and postsrsd write it all the same and
    /// most servers take it; some refuse it (postsrsd issue #108).
    /// [`Settings::refuse_long`](super::Settings::refuse_long) makes it an
    /// error instead.
    LongLocalPart {
        /// Octets in the rewritten local part.
        octets: usize,
    },
}

impl Warning {
    /// A stable name: `long-local-part`.
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::LongLocalPart { .. } => "long-local-part",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::LongLocalPart { octets } => {
                write!(f, "{}: the rewritten local part has {octets} octets, more than RFC 5321's 64", self.as_str())
            }
        }
    }
}
