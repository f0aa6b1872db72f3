//! How to evaluate: spfkit_options and its setters.

use std::ffi::c_char;
use std::sync::Arc;

use spfkit_core as spf;

use crate::enums::{spfkit_plan, spfkit_result, spfkit_scope};
use crate::error::spfkit_status::{self, *};
use crate::ffi::{handle, handle_mut, put, text};
use crate::panic::{boundary, free, new_handle};

/// How to evaluate: scope, plan, limits, receiver, explanation, trace,
/// cache. Made by spfkit_options_new() with RFC 7208's defaults; an
/// evaluation copies what it needs, so options may be freed or changed
/// after spfkit_evaluation_new() and reused for any number of evaluations.
pub struct spfkit_options {
    pub(crate) options: spf::Options,
}

/// The processing limits of RFC 7208 §4.6.4.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_limits {
    /// DNS-querying terms per check_host(); the RFC's 10.
    pub dns_terms: u32,
    /// MX names per mx term (more is permerror); the RFC's 10.
    pub mx_names: u32,
    /// PTR names considered per ptr term or %{p}; the RFC's 10.
    pub ptr_names: u32,
    /// Void lookups per check_host() (more is permerror); the RFC's 2.
    pub void_lookups: u32,
}

impl spfkit_limits {
    /// The fields in the order of core's [`spf::Limits::FIELDS`].
    fn values(&self) -> [u32; 4] {
        [self.dns_terms, self.mx_names, self.ptr_names, self.void_lookups]
    }

    fn of(limits: &spf::Limits) -> spfkit_limits {
        let [dns_terms, mx_names, ptr_names, void_lookups] = limits.values();
        spfkit_limits { dns_terms, mx_names, ptr_names, void_lookups }
    }
}

/// New options with RFC 7208's defaults (scope both, batched plan, limits
/// 10/10/10/2, receiver "unknown", no trace, no cache). Free with
/// spfkit_options_free(). Returns NULL only if spfkit failed internally.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_options_new() -> *mut spfkit_options {
    new_handle(|| spfkit_options { options: spf::Options::default() })
}

/// Frees options; NULL is fine. Evaluations made from them are unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_free(options: *mut spfkit_options) {
    // SAFETY: made by spfkit_options_new (documented).
    unsafe { free(options) }
}

/// Sets which identities are checked: an spfkit_scope value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_scope(options: *mut spfkit_options, scope: u32) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        o.options.scope = spfkit_scope::from_number(scope).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)?.value();
        Ok(())
    })
}

/// Sets the lookup plan: an spfkit_plan value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_plan(options: *mut spfkit_options, plan: u32) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        o.options.plan = spfkit_plan::from_number(plan).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)?.value();
        Ok(())
    })
}

/// The most any limit may be raised to with spfkit_options_set_limits().
/// RFC 7208's are 10 and 2; a tree that needs more costs every receiver, and
/// with the limits unbounded hostile DNS could make one evaluation's work
/// grow without bound.
pub const SPFKIT_MAX_LIMIT: u32 = 1000;
// cbindgen writes the literal into spfkit.h; the value is core's.
const _: () = assert!(SPFKIT_MAX_LIMIT == spf::Limits::MAX);

/// Sets the processing limits; `limits` is copied. Raising them beyond the
/// RFC's is allowed up to SPFKIT_MAX_LIMIT each (more gives
/// SPFKIT_ERR_INVALID_ARGUMENT and changes nothing).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_limits(
    options: *mut spfkit_options,
    limits: *const spfkit_limits,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        let limits = spf::Limits::from_values(unsafe { handle(limits) }?.values());
        // Core's check, the one every binding applies; C has no place for
        // the field it names, only the status.
        limits.check().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
        o.options.limits = limits;
        Ok(())
    })
}

/// Writes the current limits (the RFC's unless changed) to `*limits_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_limits(
    options: *const spfkit_options,
    limits_out: *mut spfkit_limits,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle(options) }?;
        unsafe { put(limits_out, spfkit_limits::of(&o.options.limits)) }
    })
}

/// Sets this host's domain name: the `r` macro and Received-SPF's
/// `receiver=`. `receiver` is copied; at most 4096 bytes
/// (SPFKIT_ERR_INVALID_ARGUMENT beyond).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_receiver(
    options: *mut spfkit_options,
    receiver: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        let receiver = unsafe { text(receiver) }?;
        if receiver.len() > spf::Request::MAX_LENGTH {
            return Err(SPFKIT_ERR_INVALID_ARGUMENT);
        }
        o.options.receiver = Arc::from(receiver);
        Ok(())
    })
}

/// Sets the explanation given for `fail` when the record's exp= gives none:
/// a macro string (RFC 7208 §7), expanded like exp= text. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_default_explanation(
    options: *mut spfkit_options,
    explanation: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        o.options.default_explanation = Arc::from(unsafe { text(explanation) }?);
        Ok(())
    })
}

/// Records every term evaluated, for spfkit_outcome_trace_event().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_trace(options: *mut spfkit_options, trace: bool) -> spfkit_status {
    boundary(|| {
        unsafe { handle_mut(options) }?.options.trace = trace;
        Ok(())
    })
}

/// Checks MAIL FROM even when HELO's result was definitive (DMARC needs
/// the MAIL FROM result). Only with SPFKIT_SCOPE_BOTH.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_always_mail_from(
    options: *mut spfkit_options,
    always: bool,
) -> spfkit_status {
    boundary(|| {
        unsafe { handle_mut(options) }?.options.always_mail_from = always;
        Ok(())
    })
}

// spfkit_options_set_definitive reads bit i of the mask as
// SpfResult::ALL[i], while the header tells C to write
// `1u << SPFKIT_RESULT_x`: the build fails if the two orders disagree.
const _: () = {
    let mut i = 0;
    while i < spf::SpfResult::ALL.len() {
        assert!(
            spfkit_result::of(spf::SpfResult::ALL[i]) as usize == i,
            "spfkit_result's numbers must follow the order of SpfResult::ALL"
        );
        i += 1;
    }
};

/// Sets the HELO results that end the check before MAIL FROM: a bit mask of
/// `1u << SPFKIT_RESULT_x` (pass and fail by default).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_definitive(options: *mut spfkit_options, mask: u32) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        if mask >> spf::SpfResult::ALL.len() != 0 {
            return Err(SPFKIT_ERR_INVALID_ARGUMENT);
        }
        let chosen: Vec<_> =
            spf::SpfResult::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, r)| *r).collect();
        o.options.definitive = spf::ResultSet::of(&chosen);
        Ok(())
    })
}

/// Sets the time for the `t` macro, in seconds since the epoch (the system
/// clock otherwise); for reproducible explanations.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_timestamp(options: *mut spfkit_options, seconds: u64) -> spfkit_status {
    boundary(|| {
        unsafe { handle_mut(options) }?.options.timestamp = Some(seconds);
        Ok(())
    })
}

/// The options for a new evaluation: a copy of `options`', or the defaults
/// for NULL.
pub(crate) fn options_or_default(options: *const spfkit_options) -> spf::Options {
    // SAFETY: NULL or a live handle (documented).
    unsafe { options.as_ref() }.map(|o| o.options.clone()).unwrap_or_default()
}
