//! SRS from C (core's `spfkit::srs`, docs/srs.md): a rewriter made from
//! checked settings, forward and reverse with the kind of a refusal as an
//! enumeration and core's sentence, and new secrets.
//!
//! Refusals are plain structs the caller owns, not handles: reverse runs
//! for every recipient of every bounce, and most recipients are ordinary
//! addresses (`not-srs`), so an error that needs freeing would be a leak
//! waiting in every caller.

use std::ffi::c_char;
use std::io::Read as _;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use spf::srs::{Error, ErrorKind, Forwarded, Srs, Unchanged, Warning};
use spfkit_core as spf;

use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{bytes, clear, give, give_string, handle, put_opt};
use crate::panic::{boundary, free};
use crate::srs_settings::{row, spfkit_srs_settings, spfkit_srs_settings_error, static_text};

/// A rewriter: settings that passed core's checks, with the secrets
/// keyed. Made by spfkit_srs_new(); free with spfkit_srs_free(). Functions
/// taking it const may run on several threads at once: one rewriter
/// serves every connection.
pub struct spfkit_srs {
    srs: Srs,
}

/// Pass as `now` to spfkit_srs_forward() and spfkit_srs_reverse() to use
/// the system clock; otherwise `now` is the time in seconds since the
/// epoch (a time_t, to reproduce a rewrite or test one).
pub const SPFKIT_SRS_NOW: i64 = -1;

/// Why an address was refused: what to decide on.
/// spfkit_srs_error_kind_name() gives its stable name, the one every
/// spfkit host and `spfkit srs` use.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_srs_error_kind {
    /// "not-srs": reverse was given an ordinary address (its local part
    /// does not start with SRS0 or SRS1 and a separator): deliver it as it
    /// is.
    SPFKIT_SRS_ERROR_NOT_SRS = 1,
    /// "bad-hash": the hash is too short or matches no secret: forged,
    /// damaged, or made with a secret no longer configured.
    SPFKIT_SRS_ERROR_BAD_HASH = 2,
    /// "expired": the timestamp is older than the maximum age, or in the
    /// future.
    SPFKIT_SRS_ERROR_EXPIRED = 3,
    /// "bad-timestamp": the timestamp is not exactly 2 base32 characters.
    SPFKIT_SRS_ERROR_BAD_TIMESTAMP = 4,
    /// "malformed": not an address that can be rewritten: no '@', an empty
    /// local part or domain, a missing SRS field, NUL, a control character
    /// or a non-ASCII octet.
    SPFKIT_SRS_ERROR_MALFORMED = 5,
    /// "too-long": over 1023 octets, given or rewritten; or, with
    /// spfkit_srs_settings_set_refuse_long(), a rewritten local part over
    /// 64 octets.
    SPFKIT_SRS_ERROR_TOO_LONG = 6,
}

c_enum!(spfkit_srs_error_kind => ErrorKind {
    SPFKIT_SRS_ERROR_NOT_SRS = ErrorKind::NotSrs,
    SPFKIT_SRS_ERROR_BAD_HASH = ErrorKind::BadHash,
    SPFKIT_SRS_ERROR_EXPIRED = ErrorKind::Expired,
    SPFKIT_SRS_ERROR_BAD_TIMESTAMP = ErrorKind::BadTimestamp,
    SPFKIT_SRS_ERROR_MALFORMED = ErrorKind::Malformed,
    SPFKIT_SRS_ERROR_TOO_LONG = ErrorKind::TooLong,
});

impl spfkit_srs_error_kind {
    /// The variant for core's `kind`. Core's enum is `#[non_exhaustive]`,
    /// so this cannot be an exhaustive match: a kind core adds without a
    /// variant here reads as malformed, still a refusal, with core's
    /// sentence in the message (the tests check every variant above
    /// against core, and the vectors reach each).
    fn of(kind: ErrorKind) -> spfkit_srs_error_kind {
        Self::ALL.iter().copied().find(|c| c.value() == kind).unwrap_or(Self::SPFKIT_SRS_ERROR_MALFORMED)
    }
}

/// Why spfkit_srs_forward() left a sender as it was.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_srs_unchanged {
    /// "local-domain": its domain is the forwarder's own or a local domain;
    /// its mail passes SPF as it is.
    SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN = 1,
    /// "already-rewritten": it is already a valid SRS address made with
    /// these secrets; rewriting it again would only nest it.
    SPFKIT_SRS_UNCHANGED_ALREADY_REWRITTEN = 2,
}

c_enum!(spfkit_srs_unchanged => Unchanged {
    SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN = Unchanged::LocalDomain,
    SPFKIT_SRS_UNCHANGED_ALREADY_REWRITTEN = Unchanged::AlreadyRewritten,
});

/// Something worth logging about a sender that was rewritten anyway; the
/// values are bits of spfkit_srs_forwarded's `warnings`.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_srs_warning {
    /// "long-local-part": the rewritten local part passes RFC 5321's 64
    /// octets (`local_part_octets` says how many). libsrs2 and postsrsd
    /// write it all the same and most servers take it; some refuse it.
    SPFKIT_SRS_WARNING_LONG_LOCAL_PART = 1,
}

c_enum!(spfkit_srs_warning => Warning {
    SPFKIT_SRS_WARNING_LONG_LOCAL_PART = Warning::LongLocalPart { octets: 0 },
});

/// What spfkit_srs_forward() did besides giving the address to use.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_srs_forwarded {
    /// 0 when the sender was rewritten (to SRS0, or SRS1 for another
    /// forwarder's SRS address); otherwise an spfkit_srs_unchanged value
    /// saying why the address given back is the sender itself.
    pub unchanged: u32,
    /// spfkit_srs_warning values ORed together; 0 for none (always when
    /// unchanged).
    pub warnings: u32,
    /// With SPFKIT_SRS_WARNING_LONG_LOCAL_PART, the rewritten local part's
    /// octets; 0 otherwise.
    pub local_part_octets: usize,
}

impl spfkit_srs_forwarded {
    const REWRITTEN: spfkit_srs_forwarded = spfkit_srs_forwarded { unchanged: 0, warnings: 0, local_part_octets: 0 };
}

/// Why spfkit_srs_forward() or spfkit_srs_reverse() refused an address
/// (they return SPFKIT_ERR_SRS): a caller-owned struct, nothing to free.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_srs_error {
    /// What to decide on: an spfkit_srs_error_kind value; 0 when the call
    /// did not return SPFKIT_ERR_SRS.
    pub kind: u32,
    /// Core's sentence for people, without the kind ("the hash is
    /// invalid", "no '@' in the address"), NUL-terminated ASCII; empty
    /// when the call did not return SPFKIT_ERR_SRS. Log it after
    /// spfkit_srs_error_kind_name(kind) and ": ", as `spfkit srs` prints
    /// it.
    pub message: [c_char; 128],
}

impl spfkit_srs_error {
    const NONE: spfkit_srs_error = spfkit_srs_error { kind: 0, message: [0; 128] };

    fn of(error: &Error) -> spfkit_srs_error {
        let mut out = Self::NONE;
        let text = error.message().as_bytes();
        // Core's sentences are short ASCII; one over the buffer is cut
        // rather than lost (a test below checks the longest fit whole).
        let room = out.message.len() - 1;
        for (to, from) in out.message.iter_mut().zip(text.iter().take(room)) {
            *to = *from as c_char;
        }
        out.kind = spfkit_srs_error_kind::of(error.kind()) as u32;
        out
    }
}

const KINDS: usize = spfkit_srs_error_kind::ALL.len();
static KIND_NAMES: OnceLock<[[u8; 16]; KINDS]> = OnceLock::new();
static UNCHANGED_NAMES: OnceLock<[[u8; 24]; spfkit_srs_unchanged::ALL.len()]> = OnceLock::new();
static WARNING_NAMES: OnceLock<[[u8; 24]; spfkit_srs_warning::ALL.len()]> = OnceLock::new();

/// An error kind's stable name, core's ("not-srs", "bad-hash", "expired",
/// "bad-timestamp", "malformed", "too-long"), static; NULL for a number
/// that is no spfkit_srs_error_kind.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_error_kind_name(kind: u32) -> *const c_char {
    let all = spfkit_srs_error_kind::ALL;
    static_text(&KIND_NAMES, row(all, spfkit_srs_error_kind::from_number, kind), |i| all[i].value().as_str().to_owned())
}

/// Why a sender was left unchanged, core's name ("local-domain",
/// "already-rewritten"), static; NULL for a number that is no
/// spfkit_srs_unchanged (0 among them: rewritten).
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_unchanged_name(reason: u32) -> *const c_char {
    let all = spfkit_srs_unchanged::ALL;
    static_text(&UNCHANGED_NAMES, row(all, spfkit_srs_unchanged::from_number, reason), |i| {
        all[i].value().as_str().to_owned()
    })
}

/// A warning's stable name, core's ("long-local-part"), static; NULL for
/// a number that is no single spfkit_srs_warning.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_warning_name(warning: u32) -> *const c_char {
    let all = spfkit_srs_warning::ALL;
    static_text(&WARNING_NAMES, row(all, spfkit_srs_warning::from_number, warning), |i| {
        all[i].value().as_str().to_owned()
    })
}

/// Makes a rewriter from `settings` (checked here by core; copied, so the
/// settings may be freed afterwards). On success `*out` owns it (free with
/// spfkit_srs_free()). Settings core refuses give SPFKIT_ERR_SRS_SETTINGS,
/// `*out` NULL and, if `error_out` is not NULL, the reason in `*error_out`
/// (written only then).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_new(
    settings: *const spfkit_srs_settings,
    out: *mut *mut spfkit_srs,
    error_out: *mut spfkit_srs_settings_error,
) -> spfkit_status {
    boundary(|| {
        unsafe { clear(out) };
        let s = unsafe { handle(settings) }?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match Srs::new(s.settings.clone()) {
            Ok(srs) => unsafe { give(out, spfkit_srs { srs }) },
            Err(e) => {
                unsafe { put_opt(error_out, spfkit_srs_settings_error::of(e)) };
                Err(SPFKIT_ERR_SRS_SETTINGS)
            }
        }
    })
}

/// Frees a rewriter; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_free(srs: *mut spfkit_srs) {
    // SAFETY: made by spfkit_srs_new (documented).
    unsafe { free(srs) }
}

/// Unix seconds: the clock for SPFKIT_SRS_NOW, else `now` itself. Core
/// never reads the clock; the host does.
fn seconds(now: i64) -> Result<u64, spfkit_status> {
    if now == SPFKIT_SRS_NOW {
        // A clock before 1970 is a broken clock: its addresses expire at once.
        return Ok(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    }
    u64::try_from(now).map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)
}

/// `len` octets at `p`, non-NULL, as UTF-8.
unsafe fn address_text<'a>(p: *const c_char, len: usize) -> Result<&'a str, spfkit_status> {
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    std::str::from_utf8(unsafe { bytes(p.cast(), len) }?).map_err(|_| SPFKIT_ERR_INVALID_UTF8)
}

/// Gives a refusal to C and fails with SPFKIT_ERR_SRS.
unsafe fn refuse(error: &Error, error_out: *mut spfkit_srs_error) -> Status {
    unsafe { put_opt(error_out, spfkit_srs_error::of(error)) };
    Err(SPFKIT_ERR_SRS)
}

/// Rewrites a sender (MAIL FROM without angle brackets) for forwarding, as
/// postsrsd's forward map does: `sender_len` octets at `sender` (borrowed
/// for the call; NUL-terminated or not, so an embedded NUL is seen and
/// refused), at `now` (seconds since the epoch, or SPFKIT_SRS_NOW).
///
/// On success `*out` is the sender to use as a new string (free with
/// spfkit_string_free()), `*len_out` its length if `len_out` is not NULL,
/// and `*forwarded_out`, if not NULL, whether it was rewritten (a plain
/// sender to SRS0, another forwarder's SRS0 or SRS1 address to SRS1) or
/// left alone and why (a local domain, or already ours), with any
/// warnings. A sender that cannot be rewritten gives SPFKIT_ERR_SRS and
/// the kind and sentence in `*error_out` (if not NULL): forward it
/// unchanged or refuse it, as the MTA decides. A sender that is not UTF-8
/// gives SPFKIT_ERR_INVALID_UTF8 (no address spfkit rewrites is: they are
/// ASCII); a `now` below 0 other than SPFKIT_SRS_NOW,
/// SPFKIT_ERR_INVALID_ARGUMENT. On any failure `*out` is NULL, and
/// `*forwarded_out` and `*error_out` are zeroed unless said otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_forward(
    srs: *const spfkit_srs,
    sender: *const c_char,
    sender_len: usize,
    now: i64,
    out: *mut *mut c_char,
    len_out: *mut usize,
    forwarded_out: *mut spfkit_srs_forwarded,
    error_out: *mut spfkit_srs_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            put_opt(len_out, 0);
            put_opt(forwarded_out, spfkit_srs_forwarded::REWRITTEN);
            put_opt(error_out, spfkit_srs_error::NONE);
        }
        let r = unsafe { handle(srs) }?;
        let sender = unsafe { address_text(sender, sender_len) }?;
        let now = seconds(now)?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let forwarded = match r.srs.forward(sender, now) {
            Ok(f) => f,
            Err(e) => return unsafe { refuse(&e, error_out) },
        };
        let mut info = spfkit_srs_forwarded::REWRITTEN;
        if let Forwarded::Unchanged { reason, .. } = &forwarded {
            // Core's Unchanged is #[non_exhaustive]: a reason without a
            // variant here reads as local, the address being the sender's.
            let all = spfkit_srs_unchanged::ALL;
            let c = all.iter().find(|c| c.value() == *reason).unwrap_or(&all[0]);
            info.unchanged = *c as u32;
        }
        for w in forwarded.warnings() {
            // By name: core's Warning carries a count, the C bit does not.
            if let Some(c) = spfkit_srs_warning::ALL.iter().find(|c| c.value().as_str() == w.as_str()) {
                info.warnings |= *c as u32;
            }
            if let Warning::LongLocalPart { octets } = w {
                info.local_part_octets = *octets;
            }
        }
        unsafe {
            give_string(forwarded.address().as_bytes(), out, len_out)?;
            put_opt(forwarded_out, info);
        }
        Ok(())
    })
}

/// Undoes a rewrite, for a bounce to `address_len` octets at `address`
/// (borrowed for the call; NUL-terminated or not) at `now` (seconds since
/// the epoch, or SPFKIT_SRS_NOW), as postsrsd's reverse map does: SRS0 →
/// the original sender, SRS1 → the previous forwarder's SRS0 address,
/// once the hash (and for SRS0 the timestamp) checks out; the domain after
/// '@' is not looked at.
///
/// On success `*out` is where the bounce goes, as a new string (free with
/// spfkit_string_free()), and `*len_out` its length if `len_out` is not
/// NULL. An address that does not reverse gives SPFKIT_ERR_SRS with the
/// kind and sentence in `*error_out` (if not NULL):
/// SPFKIT_SRS_ERROR_NOT_SRS is an ordinary address, to be delivered as it
/// is; any other kind is a bounce to refuse. An address that is not UTF-8
/// gives SPFKIT_ERR_INVALID_UTF8 (no SRS address spfkit wrote is: they are
/// ASCII); a `now` below 0 other than SPFKIT_SRS_NOW,
/// SPFKIT_ERR_INVALID_ARGUMENT. On any failure `*out` is NULL, and
/// `*error_out` is zeroed unless said otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_reverse(
    srs: *const spfkit_srs,
    address: *const c_char,
    address_len: usize,
    now: i64,
    out: *mut *mut c_char,
    len_out: *mut usize,
    error_out: *mut spfkit_srs_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            put_opt(len_out, 0);
            put_opt(error_out, spfkit_srs_error::NONE);
        }
        let r = unsafe { handle(srs) }?;
        let address = unsafe { address_text(address, address_len) }?;
        let now = seconds(now)?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match r.srs.reverse(address, now) {
            Ok(original) => unsafe { give_string(original.as_bytes(), out, len_out) },
            Err(e) => unsafe { refuse(&e, error_out) },
        }
    })
}

/// The octets of a new secret: as many as `spfkit srs keygen` reads (and
/// more than the 18 of Debian's postsrsd package).
const KEYGEN_OCTETS: usize = 24;

/// A new secret, as `spfkit srs keygen` makes it: 24 random octets from
/// /dev/urandom, in standard base64 (32 characters), a new string (free
/// with spfkit_string_free()) to write as a line of the secrets file or
/// pass to spfkit_srs_settings_add_secret(). If /dev/urandom cannot be
/// read (a chroot without /dev) it gives SPFKIT_ERR_RANDOM: take random
/// octets from elsewhere to spfkit_srs_secret_from_bytes().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_keygen(out: *mut *mut c_char, len_out: *mut usize) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            put_opt(len_out, 0);
        }
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        // The device, as the command reads it: Rust's std has no public
        // random source, and /dev/urandom is on every Unix.
        let mut random = [0u8; KEYGEN_OCTETS];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut random))
            .map_err(|_| SPFKIT_ERR_RANDOM)?;
        unsafe { give_string(spf::srs::secret_from_bytes(&random).as_bytes(), out, len_out) }
    })
}

/// A secret from `random_len` random octets at `random` (borrowed for the
/// call; NULL is fine when `random_len` is 0) that the caller drew from its
/// own source (getrandom(), arc4random_buf(), an HSM): their standard
/// base64, as a new string (free with spfkit_string_free()). Give at least
/// 18 octets; spfkit_srs_keygen() uses 24.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_secret_from_bytes(
    random: *const u8,
    random_len: usize,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            put_opt(len_out, 0);
        }
        let random = unsafe { bytes(random, random_len) }?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        unsafe { give_string(spf::srs::secret_from_bytes(random).as_bytes(), out, len_out) }
    })
}

// What the header promises about threads, checked.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_srs>();
    sync::<spfkit_srs>();
};

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use spf::srs::Settings;

    use super::*;

    fn text(p: *const c_char) -> &'static str {
        assert!(!p.is_null());
        // SAFETY: a static NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn names_are_cores() {
        for k in spfkit_srs_error_kind::ALL {
            assert_eq!(text(spfkit_srs_error_kind_name(*k as u32)), k.value().as_str());
            assert_eq!(spfkit_srs_error_kind::of(k.value()), *k);
        }
        for u in spfkit_srs_unchanged::ALL {
            assert_eq!(text(spfkit_srs_unchanged_name(*u as u32)), u.value().as_str());
        }
        for w in spfkit_srs_warning::ALL {
            assert_eq!(text(spfkit_srs_warning_name(*w as u32)), w.value().as_str());
        }
        for n in [0, 7, u32::MAX] {
            assert!(spfkit_srs_error_kind_name(n).is_null());
        }
        assert!(spfkit_srs_unchanged_name(0).is_null() && spfkit_srs_unchanged_name(3).is_null());
        assert!(spfkit_srs_warning_name(0).is_null() && spfkit_srs_warning_name(2).is_null());
    }

    #[test]
    fn errors_keep_cores_sentence() {
        let srs = Srs::new(Settings::new("fwd.example", "s")).unwrap();
        let now = 1_767_268_800;
        let long = "a".repeat(2000);
        let long_srs = format!("SRS0=AAAA=7G=example.com={long}@x");
        let fwd = |a: &str| srs.forward(a, now).map(|f| f.address().to_owned());
        // A refusal of each kind, and the longest of core's sentences.
        let refusals = [
            srs.reverse("SRS0=AAAA=7G=a=b@x", now),
            srs.reverse("SRS0=A=7G=a=b@x", now),
            srs.reverse("SRS0=AAAA=5G=a=b@x", now),
            srs.reverse("SRS0=AAAA=777=a=b@x", now),
            srs.reverse("SRS0=AAAA=7G=a", now),
            srs.reverse("SRS1=AAAA=a", now),
            srs.reverse("x@y", now),
            srs.reverse(&long_srs, now),
            fwd("noat"),
            fwd("a\u{0}b@c"),
            fwd(&format!("{}@example.com", &long[..990])),
            fwd("SRS1=AAAA==b@c"),
        ];
        let mut kinds = Vec::new();
        for e in refusals.iter().map(|r| r.as_ref().unwrap_err()) {
            let c = spfkit_srs_error::of(e);
            assert_eq!(spfkit_srs_error_kind::from_number(c.kind).map(|k| k.value()), Some(e.kind()));
            // SAFETY: NUL-terminated by construction.
            assert_eq!(unsafe { CStr::from_ptr(c.message.as_ptr()) }.to_str().unwrap(), e.message());
            kinds.push(c.kind);
        }
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), spfkit_srs_error_kind::ALL.len());
    }

    #[test]
    fn now_is_the_clock_or_a_time() {
        assert_eq!(seconds(0), Ok(0));
        assert_eq!(seconds(1_767_268_800), Ok(1_767_268_800));
        assert_eq!(seconds(-2), Err(SPFKIT_ERR_INVALID_ARGUMENT));
        assert_eq!(seconds(i64::MIN), Err(SPFKIT_ERR_INVALID_ARGUMENT));
        // After this code was written (2025-01-01).
        assert!(seconds(SPFKIT_SRS_NOW).unwrap() > 1_735_689_600);
    }
}
