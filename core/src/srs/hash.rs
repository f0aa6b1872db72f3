//! The hash field: HMAC-SHA1 over the lower-cased fields, written as the
//! first characters of its base64 (libsrs2's `srs_hash_create_v` and
//! `srs_hash_check`, as in postsrsd 1.10).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// One secret, keyed once: every hash clones it instead of keying again.
#[derive(Clone)]
pub(super) struct Key(Hmac<Sha1>);

impl Key {
    /// `None` only if HMAC refused the key, which it does for no length.
    pub(super) fn new(secret: &[u8]) -> Option<Key> {
        Hmac::<Sha1>::new_from_slice(secret).ok().map(Key)
    }

    /// The digest over the fields, concatenated without separators and
    /// lower-cased in ASCII only (libsrs2 uses isupper/tolower in the C
    /// locale, and postsrsd never sets another).
    fn digest(&self, fields: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.0.clone();
        let mut buf = [0u8; 64];
        for field in fields {
            for chunk in field.chunks(buf.len()) {
                let lower = &mut buf[..chunk.len()];
                lower.copy_from_slice(chunk);
                lower.make_ascii_lowercase();
                mac.update(lower);
            }
        }
        mac.finalize().into_bytes().into()
    }

    /// The first `len` (at most 27) base64 characters of the digest.
    pub(super) fn hash(&self, fields: &[&[u8]], len: usize, url_safe: bool) -> String {
        let mut out = base64(&self.digest(fields), url_safe);
        out.truncate(len);
        out
    }
}

/// Base64 without padding: the 27 characters of a digest are exactly
/// libsrs2's, whose last one takes 2 zero bits from the NUL after it.
pub(super) fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet = if url_safe { URL_SAFE } else { STANDARD };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [group[0], group.get(1).copied().unwrap_or(0), group.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=group.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Whether `given` is the hash of `fields` under any key, as
/// `srs_hash_check` decides: a hash shorter than `hash_min` never is; a
/// longer one than `hash_length` is compared on its first `hash_length`
/// characters, a shorter one on its own length; without regard to case
/// (libsrs2 uses strncasecmp); `-` and `_` stand for `+` and `/`, so both
/// base64 alphabets verify (as postsrsd 2.2.6 accepts them).
pub(super) fn verify(keys: &[Key], given: &[u8], fields: &[&[u8]], hash_length: usize, hash_min: usize) -> Verdict {
    if given.len() < hash_min {
        return Verdict::TooShort;
    }
    let given = &given[..given.len().min(hash_length)];
    let norm = |b: u8| match b {
        b'-' => b'+',
        b'_' => b'/',
        _ => b.to_ascii_lowercase(),
    };
    let matches = |key: &Key| {
        let ours = key.hash(fields, hash_length, false);
        ours.len() >= given.len() && given.iter().zip(ours.bytes()).all(|(&a, b)| norm(a) == norm(b))
    };
    if keys.iter().any(matches) { Verdict::Valid } else { Verdict::Invalid }
}

/// What [`verify`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Valid,
    TooShort,
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_agrees_with_rfc_4648() {
        // RFC 4648 §10's vectors, padding left off.
        for (input, want) in
            [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        {
            assert_eq!(base64(input.as_bytes(), false), want);
        }
        assert_eq!(base64(&[0xfb, 0xff], false), "+/8");
        assert_eq!(base64(&[0xfb, 0xff], true), "-_8");
    }

    #[test]
    fn digest_is_rfc_2202_hmac_sha1() {
        // RFC 2202 test case 2, split over fields: concatenation and
        // lower-casing leave it unchanged.
        let key = Key::new(b"Jefe").unwrap();
        let d = key.digest(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(d[..4], [0xef, 0xfc, 0xdf, 0x6a]);
        assert_eq!(key.hash(&[b"WHAT do ya want for nothing?"], 27, false).len(), 27);
        assert_eq!(key.hash(&[b"WHAT do ya want for nothing?"], 4, false), base64(&d, false)[..4]);
    }
}
