//! SRS settings for C (core's `spfkit::srs::Settings`): a handle filled
//! field by field, as libsrs2's `srs_new()` and `srs_set_*()`, checked by
//! core when a rewriter is made from it (srs.rs), and why core refused it.

use std::ffi::c_char;
use std::ptr;
use std::sync::OnceLock;

use spf::srs::{Settings, SettingsError};
use spfkit_core as spf;

use crate::error::spfkit_status::{self, *};
use crate::ffi::{bytes, handle_mut, text};
use crate::panic::{boundary, free, new_handle};

/// SRS settings being put together: secrets, the forwarder's domain and
/// the options of core's `spfkit::srs::Settings` (docs/srs.md). Made by
/// spfkit_srs_settings_new() with libsrs2's defaults; the setters store
/// what they are given, and spfkit_srs_new() checks it all and copies it,
/// so settings may be freed or changed afterwards.
pub struct spfkit_srs_settings {
    pub(crate) settings: Settings,
}

/// Why spfkit_srs_new() refused settings; spfkit_srs_settings_error_name()
/// and spfkit_srs_settings_error_message() say it in words.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_srs_settings_error {
    /// "no-secret": no secret was added.
    SPFKIT_SRS_SETTINGS_NO_SECRET = 1,
    /// "bad-secret": a secret is empty or holds a NUL octet.
    SPFKIT_SRS_SETTINGS_BAD_SECRET = 2,
    /// "bad-domain": the domain is unset or empty, or holds '@', a space or
    /// a non-ASCII octet.
    SPFKIT_SRS_SETTINGS_BAD_DOMAIN = 3,
    /// "bad-separator": the separator is not '=', '+' or '-'.
    SPFKIT_SRS_SETTINGS_BAD_SEPARATOR = 4,
    /// "bad-hash-length": the hash length is not 1 to 27.
    SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH = 5,
    /// "bad-hash-min": the minimum hash length is not 1 to the hash length.
    SPFKIT_SRS_SETTINGS_BAD_HASH_MIN = 6,
    /// "bad-max-age": the maximum age passes 1023 days.
    SPFKIT_SRS_SETTINGS_BAD_MAX_AGE = 7,
    /// "bad-local-domain": a local domain is empty, or holds '@', a space or
    /// a non-ASCII octet.
    SPFKIT_SRS_SETTINGS_BAD_LOCAL_DOMAIN = 8,
}

c_enum!(spfkit_srs_settings_error => SettingsError {
    SPFKIT_SRS_SETTINGS_NO_SECRET = SettingsError::NoSecret,
    SPFKIT_SRS_SETTINGS_BAD_SECRET = SettingsError::BadSecret,
    SPFKIT_SRS_SETTINGS_BAD_DOMAIN = SettingsError::BadDomain,
    SPFKIT_SRS_SETTINGS_BAD_SEPARATOR = SettingsError::BadSeparator,
    SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH = SettingsError::BadHashLength,
    SPFKIT_SRS_SETTINGS_BAD_HASH_MIN = SettingsError::BadHashMin,
    SPFKIT_SRS_SETTINGS_BAD_MAX_AGE = SettingsError::BadMaxAge,
    SPFKIT_SRS_SETTINGS_BAD_LOCAL_DOMAIN = SettingsError::BadLocalDomain,
});

impl spfkit_srs_settings_error {
    /// The variant for core's `error`. Core's enum is `#[non_exhaustive]`,
    /// so this cannot be an exhaustive match: a refusal core adds without a
    /// variant here reads as a bad secret, still a refusal (the tests check
    /// every variant above against core).
    pub(crate) fn of(error: SettingsError) -> spfkit_srs_settings_error {
        Self::ALL.iter().copied().find(|c| c.value() == error).unwrap_or(Self::SPFKIT_SRS_SETTINGS_BAD_SECRET)
    }
}

/// Core's names and sentences as static NUL-terminated strings for C: a
/// table of `N` rows of `W` octets, filled on first use by `text(i)` for
/// row `i` (cut at `W - 1` octets; the tests check nothing is). Inline in
/// a static, so C gets pointers that live forever and nothing is left on
/// the heap at exit (valgrind counts such blocks).
pub(crate) fn static_text<const N: usize, const W: usize>(
    table: &'static OnceLock<[[u8; W]; N]>,
    row: usize,
    text: impl Fn(usize) -> String,
) -> *const c_char {
    let rows = table.get_or_init(|| {
        let mut rows = [[0; W]; N];
        for (i, row) in rows.iter_mut().enumerate() {
            let s = text(i);
            let n = s.len().min(W - 1);
            row[..n].copy_from_slice(&s.as_bytes()[..n]);
        }
        rows
    });
    rows.get(row).map_or(ptr::null(), |r| r.as_ptr().cast())
}

const ALL: &[spfkit_srs_settings_error] = spfkit_srs_settings_error::ALL;
const SETTINGS_ERRORS: usize = ALL.len();
static SETTINGS_ERROR_NAMES: OnceLock<[[u8; 24]; SETTINGS_ERRORS]> = OnceLock::new();
static SETTINGS_ERROR_MESSAGES: OnceLock<[[u8; 96]; SETTINGS_ERRORS]> = OnceLock::new();

/// The row of the variant numbered `n` in `all` (a C enum's `ALL`), or
/// past its end: where [`static_text`] keeps its text.
pub(crate) fn row<C: Copy + PartialEq>(all: &[C], from_number: fn(u32) -> Option<C>, n: u32) -> usize {
    from_number(n).and_then(|c| all.iter().position(|x| *x == c)).unwrap_or(all.len())
}

/// A settings error's stable name, core's ("no-secret", "bad-domain",
/// "bad-separator", ...), static; NULL for a number that is no
/// spfkit_srs_settings_error.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_settings_error_name(error: u32) -> *const c_char {
    static_text(&SETTINGS_ERROR_NAMES, row(ALL, spfkit_srs_settings_error::from_number, error), |i| {
        ALL[i].value().as_str().to_owned()
    })
}

/// A settings error as a sentence, core's ("the hash length must be 1 to
/// 27", ...), static; NULL for a number that is no
/// spfkit_srs_settings_error.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_settings_error_message(error: u32) -> *const c_char {
    static_text(&SETTINGS_ERROR_MESSAGES, row(ALL, spfkit_srs_settings_error::from_number, error), |i| {
        ALL[i].value().to_string()
    })
}

/// New settings with libsrs2's defaults: no secret and no domain yet (set
/// both), separator '=', hash length 4, minimum 4, maximum age 21 days,
/// standard base64, no local domains, long local parts written with a
/// warning. Free with spfkit_srs_settings_free(). Returns NULL only if
/// spfkit failed internally.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_srs_settings_new() -> *mut spfkit_srs_settings {
    new_handle(|| {
        let mut settings = Settings::new("", "");
        settings.secrets.clear();
        spfkit_srs_settings { settings }
    })
}

/// Frees settings; NULL is fine. Rewriters made from them are unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_free(settings: *mut spfkit_srs_settings) {
    // SAFETY: made by spfkit_srs_settings_new (documented).
    unsafe { free(settings) }
}

/// Runs `set` on the settings behind `settings`.
unsafe fn with(settings: *mut spfkit_srs_settings, set: impl FnOnce(&mut Settings)) -> spfkit_status {
    boundary(|| {
        set(&mut unsafe { handle_mut(settings) }?.settings);
        Ok(())
    })
}

/// Adds a secret: `secret_len` octets at `secret` (borrowed for the call,
/// copied; NUL-terminated or not), as one line of postsrsd's secrets file
/// without its line end. The first secret added signs new addresses; every
/// one verifies, so when changing secrets add the new one first and keep
/// the old one for the maximum age. An empty secret or one holding a NUL
/// is refused by spfkit_srs_new() (SPFKIT_SRS_SETTINGS_BAD_SECRET), since
/// libsrs2 would cut it at the NUL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_add_secret(
    settings: *mut spfkit_srs_settings,
    secret: *const c_char,
    secret_len: usize,
) -> spfkit_status {
    boundary(|| {
        let s = unsafe { handle_mut(settings) }?;
        if secret.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        s.settings.secrets.push(unsafe { bytes(secret.cast(), secret_len) }?.to_vec());
        Ok(())
    })
}

/// Sets the forwarder's own domain (copied): rewritten addresses end in
/// "@domain", and senders in it are left alone (postsrsd's -d).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_domain(
    settings: *mut spfkit_srs_settings,
    domain: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let domain = unsafe { text(domain) }?.to_owned();
        unsafe { handle_mut(settings) }?.settings.domain = domain;
        Ok(())
    })
}

/// Adds a domain whose senders are not rewritten (copied), as postsrsd's
/// -X list: "example.org" matches user@example.org only, ".example.org"
/// any address ending in ".example.org", without regard to case.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_add_local_domain(
    settings: *mut spfkit_srs_settings,
    domain: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let domain = unsafe { text(domain) }?.to_owned();
        unsafe { handle_mut(settings) }?.settings.local_domains.push(domain);
        Ok(())
    })
}

/// Sets the separator after SRS0/SRS1: '=' (the default), '+' or '-'
/// (postsrsd's -a); the inner separators are always '='.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_separator(
    settings: *mut spfkit_srs_settings,
    separator: c_char,
) -> spfkit_status {
    // An octet as the character of the same number: anything but the
    // three is refused by spfkit_srs_new(), as core decides.
    unsafe { with(settings, |s| s.separator = char::from(separator as u8)) }
}

/// Sets the hash characters written, 1 to 27; 4 by default (postsrsd's
/// -n). A longer hash in an address being reversed is compared on this
/// many characters.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_hash_length(
    settings: *mut spfkit_srs_settings,
    length: usize,
) -> spfkit_status {
    unsafe { with(settings, |s| s.hash_length = length) }
}

/// Sets the fewest hash characters accepted when reversing, 1 to the hash
/// length; 4 by default (postsrsd's -N).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_hash_min(
    settings: *mut spfkit_srs_settings,
    min: usize,
) -> spfkit_status {
    unsafe { with(settings, |s| s.hash_min = min) }
}

/// Sets the days an address stays valid after the day it was made, at
/// most 1023; 21 by default.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_max_age_days(
    settings: *mut spfkit_srs_settings,
    days: u32,
) -> spfkit_status {
    unsafe { with(settings, |s| s.max_age_days = days) }
}

/// Whether hashes are written in URL-safe base64 ('-', '_') as postsrsd
/// 2.2.6 does, instead of standard base64 ('+', '/'); false by default,
/// since postsrsd 1.10 and libsrs2 refuse URL-safe hashes. Both are always
/// read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_url_safe(
    settings: *mut spfkit_srs_settings,
    url_safe: bool,
) -> spfkit_status {
    unsafe { with(settings, |s| s.url_safe = url_safe) }
}

/// Whether a rewrite whose local part would pass 64 octets (RFC 5321) is
/// refused (SPFKIT_SRS_ERROR_TOO_LONG) instead of written with
/// SPFKIT_SRS_WARNING_LONG_LOCAL_PART as libsrs2 does; false by default.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_srs_settings_set_refuse_long(
    settings: *mut spfkit_srs_settings,
    refuse: bool,
) -> spfkit_status {
    unsafe { with(settings, |s| s.refuse_long = refuse) }
}

const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_srs_settings>();
    sync::<spfkit_srs_settings>();
};

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn text(p: *const c_char) -> &'static str {
        assert!(!p.is_null());
        // SAFETY: a static NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn settings_errors_have_cores_names_and_sentences() {
        for e in spfkit_srs_settings_error::ALL {
            assert_eq!(text(spfkit_srs_settings_error_name(*e as u32)), e.value().as_str());
            assert_eq!(text(spfkit_srs_settings_error_message(*e as u32)), e.value().to_string());
            assert_eq!(spfkit_srs_settings_error::of(e.value()), *e);
        }
        for n in [0, 9, u32::MAX] {
            assert!(spfkit_srs_settings_error_name(n).is_null());
            assert!(spfkit_srs_settings_error_message(n).is_null());
        }
    }
}
