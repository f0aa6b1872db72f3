//! The two maps, forward and reverse, and what each outcome answers,
//! whatever the protocol:
//!
//! | lookup | outcome | answer |
//! |---|---|---|
//! | forward | rewritten (SRS0, SRS1) | found: the new sender |
//! | forward | local or excluded domain, already ours | not found: Postfix keeps the sender |
//! | forward | malformed, too long | not found (logged) |
//! | reverse | the original (or previous hop) | found |
//! | reverse | not SRS | not found: an ordinary local address |
//! | reverse | bad hash, expired, bad timestamp, malformed, too long | not found (the mail bounces as an unknown user), or with `--reverse-bad perm` socketmap's `PERM` (Postfix answers it `451 4.3.5`) |
//! | either | internal trouble (a clock before 1970, a bug) | temporary error: Postfix defers and retries |

use spfkit::srs::{ErrorKind, Forwarded, Srs};

/// Which map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Map {
    /// Senders to SRS (`sender_canonical_maps`).
    Forward,
    /// SRS addresses back to the original (`recipient_canonical_maps`).
    Reverse,
}

impl Map {
    /// The socketmap name (postsrsd 2.x's): `forward`, `reverse`.
    pub fn name(self) -> &'static str {
        match self {
            Map::Forward => "forward",
            Map::Reverse => "reverse",
        }
    }

    /// The map of a socketmap name.
    pub fn from_name(name: &[u8]) -> Option<Map> {
        match name {
            b"forward" => Some(Map::Forward),
            b"reverse" => Some(Map::Reverse),
            _ => None,
        }
    }
}

/// What a bad SRS address on reverse answers (`--reverse-bad`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReverseBad {
    /// Not found (the default): Postfix goes on with the address as it is,
    /// and it bounces as an unknown user.
    NotFound,
    /// socketmap's `PERM` (tcp_table has none: not found there). Postfix
    /// 3.7's smtpd takes it for a configuration error of its own: it
    /// answers `451 4.3.5 Server configuration error` (a temporary refusal:
    /// the sender tries again) and warns the postmaster
    /// (tests/srsd/test_postfix_srs.py).
    Perm,
}

/// A lookup's answer, before a protocol writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Found: the value.
    Found(String),
    /// Not found, and why.
    NotFound(String),
    /// A permanent error, and why.
    Perm(String),
    /// A temporary error, and why.
    Temp(String),
}

/// The configured maps.
#[derive(Clone)]
pub struct Maps {
    /// The rewriter.
    pub srs: Srs,
    /// What a bad SRS address on reverse answers.
    pub reverse_bad: ReverseBad,
}

impl Maps {
    /// Looks `key` up in `map` at `now` (Unix seconds): the answer, and
    /// warnings worth logging.
    pub fn lookup(&self, map: Map, key: &str, now: u64) -> (Answer, Vec<String>) {
        match map {
            Map::Forward => match self.srs.forward(key, now) {
                Ok(Forwarded::Rewritten { address, warnings }) => {
                    (Answer::Found(address), warnings.iter().map(ToString::to_string).collect())
                }
                Ok(Forwarded::Unchanged { reason, .. }) => (Answer::NotFound(reason.to_string()), Vec::new()),
                Err(e) => (Answer::NotFound(e.to_string()), Vec::new()),
            },
            Map::Reverse => match self.srs.reverse(key, now) {
                Ok(address) => (Answer::Found(address), Vec::new()),
                Err(e) if e.kind() == ErrorKind::NotSrs => (Answer::NotFound(e.to_string()), Vec::new()),
                Err(e) => match self.reverse_bad {
                    ReverseBad::NotFound => (Answer::NotFound(e.to_string()), Vec::new()),
                    ReverseBad::Perm => (Answer::Perm(e.to_string()), Vec::new()),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spfkit::srs::Settings;

    #[test]
    fn every_outcome() {
        let mut settings = Settings::new("fwd.example", "s3cret");
        settings.local_domains = vec!["local.example".into()];
        let mut maps = Maps { srs: Srs::new(settings).unwrap(), reverse_bad: ReverseBad::NotFound };
        let now = 1_767_225_600;
        let (fwd, _) = maps.lookup(Map::Forward, "alice@example.com", now);
        let Answer::Found(srs) = fwd else { panic!("{fwd:?}") };
        assert_eq!(maps.lookup(Map::Reverse, &srs, now).0, Answer::Found("alice@example.com".into()));
        let nf = |a: Answer| matches!(a, Answer::NotFound(_));
        assert!(nf(maps.lookup(Map::Forward, "bob@local.example", now).0));
        assert!(nf(maps.lookup(Map::Forward, "bob@fwd.example", now).0));
        assert!(nf(maps.lookup(Map::Forward, &srs, now).0), "already ours");
        assert!(nf(maps.lookup(Map::Forward, "no-at-sign", now).0));
        assert!(nf(maps.lookup(Map::Reverse, "bob@fwd.example", now).0));
        let forged = "SRS0=AAAA=7G=example.com=alice@fwd.example";
        for bad in [forged, "SRS0=bad", &srs] {
            let later = if bad == srs { now + 30 * 86400 } else { now };
            assert!(nf(maps.lookup(Map::Reverse, bad, later).0), "{bad}");
        }
        maps.reverse_bad = ReverseBad::Perm;
        assert!(matches!(maps.lookup(Map::Reverse, forged, now).0, Answer::Perm(m) if m.starts_with("bad-hash")));
        assert!(nf(maps.lookup(Map::Reverse, "bob@fwd.example", now).0), "not SRS stays not found");
    }
}
