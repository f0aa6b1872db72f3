//! The C ABI of spfkit: `libspfkit.so` / `libspfkit.a` and
//! `include/spfkit.h` (generated from this file by cbindgen).
//!
//! A thin layer over the `spfkit` crate: C values in, checked, the core's
//! types out. Every exported function runs inside [`boundary`], so a panic
//! becomes `SPFKIT_ERR_PANIC` instead of unwinding into C, and every pointer
//! from C is checked for NULL and every string for UTF-8 before use.
//! The conventions the header's preamble states (ownership, `_free`,
//! threads) are implemented here; each function's doc comment, copied into
//! the header, says who owns what.

#![allow(non_camel_case_types)]
// Every exported function has the same safety contract, stated once in the
// header's preamble (cbindgen.toml): pointers are NULL or valid for what the
// doc comment says, handles come from this library and are not yet freed.
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_void};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Arc;

use spfkit_core as spf;

// ---------------------------------------------------------------------------
// Status codes and the panic boundary
// ---------------------------------------------------------------------------

/// What a function did. SPFKIT_OK is 0; errors have their own range (7001
/// and up) so they are not mistaken for errno values.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_status {
    /// Success.
    SPFKIT_OK = 0,
    /// A required pointer argument was NULL.
    SPFKIT_ERR_NULL_PARAMETER = 7001,
    /// A string argument is not valid UTF-8.
    SPFKIT_ERR_INVALID_UTF8 = 7002,
    /// The client address is not an IPv4 or IPv6 address.
    SPFKIT_ERR_INVALID_IP = 7003,
    /// An argument is out of its range (an unknown enum value, a bad length).
    SPFKIT_ERR_INVALID_ARGUMENT = 7004,
    /// No query with this id was handed out by this evaluation.
    SPFKIT_ERR_UNKNOWN_ID = 7005,
    /// This query was answered already.
    SPFKIT_ERR_ALREADY_ANSWERED = 7006,
    /// The evaluation has not finished: keep answering and calling next.
    SPFKIT_ERR_NOT_DONE = 7007,
    /// The record has a syntax error (see spfkit_parse_error).
    SPFKIT_ERR_SYNTAX = 7008,
    /// The identity asked for was not checked in this evaluation.
    SPFKIT_ERR_NOT_CHECKED = 7009,
    /// An index past the end of a list.
    SPFKIT_ERR_OUT_OF_RANGE = 7010,
    /// The caller's buffer is too small; the length needed was written.
    SPFKIT_ERR_BUFFER_TOO_SMALL = 7011,
    /// Memory for a returned string could not be allocated.
    SPFKIT_ERR_OUT_OF_MEMORY = 7012,
    /// A bug inside spfkit was caught at the boundary. The handles involved
    /// may be in any state; free them.
    SPFKIT_ERR_PANIC = 7099,
}

use spfkit_status::*;

// What the header promises about threads, checked: every handle may move
// between threads, and the ones C may share read-only across threads
// (options, record cache, outcome, record) are Sync.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_options>();
    send::<spfkit_evaluation>();
    send::<spfkit_outcome>();
    send::<spfkit_record>();
    send::<spfkit_parse_error>();
    send::<spfkit_record_cache>();
    sync::<spfkit_options>();
    sync::<spfkit_record_cache>();
    sync::<spfkit_outcome>();
    sync::<spfkit_record>();
};

type Status = Result<(), spfkit_status>;

/// Runs `f`, turning a panic into SPFKIT_ERR_PANIC: nothing unwinds into C.
fn boundary(f: impl FnOnce() -> Status) -> spfkit_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SPFKIT_OK,
        Ok(Err(status)) => status,
        Err(_) => SPFKIT_ERR_PANIC,
    }
}

/// A static, NUL-terminated English description of a status code. Any
/// number is accepted; unknown ones get "unknown status". Never NULL; do not
/// free.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_status_message(status: u32) -> *const c_char {
    let text: &'static CStr = match status {
        0 => c"success",
        7001 => c"a required pointer argument was NULL",
        7002 => c"a string argument is not valid UTF-8",
        7003 => c"not an IPv4 or IPv6 address",
        7004 => c"an argument is out of range",
        7005 => c"no query with this id was handed out",
        7006 => c"this query was answered already",
        7007 => c"the evaluation has not finished",
        7008 => c"the record has a syntax error",
        7009 => c"this identity was not checked",
        7010 => c"index out of range",
        7011 => c"the buffer is too small",
        7012 => c"out of memory",
        7099 => c"internal error in spfkit (a bug): the handles involved should be freed",
        _ => c"unknown status",
    };
    text.as_ptr()
}

/// The library's version, "MAJOR.MINOR.PATCH", static; compare with
/// SPFKIT_VERSION_STRING to catch a header/library mismatch. Do not free.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

// ---------------------------------------------------------------------------
// Checking what C hands us
// ---------------------------------------------------------------------------

/// A NUL-terminated UTF-8 string, borrowed for the call.
unsafe fn text<'a>(p: *const c_char) -> Result<&'a str, spfkit_status> {
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: the caller promises a NUL-terminated string (documented).
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| SPFKIT_ERR_INVALID_UTF8)
}

/// `len` bytes at `p`, borrowed for the call; `p` may be NULL when `len` is 0.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], spfkit_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    if len > isize::MAX as usize {
        return Err(SPFKIT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: the caller promises `len` readable bytes at `p` (documented).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `count` values at `p`, borrowed for the call.
unsafe fn array<'a, T>(p: *const T, count: usize) -> Result<&'a [T], spfkit_status> {
    if count == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    if count > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(SPFKIT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: the caller promises `count` values at `p` (documented).
    Ok(unsafe { std::slice::from_raw_parts(p, count) })
}

/// A handle the caller passes in, borrowed.
unsafe fn handle<'a, T>(p: *const T) -> Result<&'a T, spfkit_status> {
    // SAFETY: a non-NULL handle was made by this library and not freed (documented).
    unsafe { p.as_ref() }.ok_or(SPFKIT_ERR_NULL_PARAMETER)
}

/// A handle the caller passes in, borrowed mutably.
unsafe fn handle_mut<'a, T>(p: *mut T) -> Result<&'a mut T, spfkit_status> {
    // SAFETY: as for `handle`; one thread at a time (documented).
    unsafe { p.as_mut() }.ok_or(SPFKIT_ERR_NULL_PARAMETER)
}

/// Writes `value` through a required out-pointer.
unsafe fn put<T>(out: *mut T, value: T) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: non-NULL and, as documented, writable.
    unsafe { out.write(value) };
    Ok(())
}

/// Writes `value` through an optional out-pointer.
unsafe fn put_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: as for `put`.
        unsafe { out.write(value) };
    }
}

/// Boxes `value` for C, writing the handle through `out`.
unsafe fn give<T>(out: *mut *mut T, value: T) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: as for `put`.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
    Ok(())
}

/// Sets a handle out-parameter to NULL first, so a failed call leaves no
/// stale pointer behind.
unsafe fn clear<T>(out: *mut *mut T) {
    // SAFETY: as for `put_opt`.
    unsafe { put_opt(out, ptr::null_mut()) };
}

/// Frees a handle made by [`give`]; NULL is fine.
unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: made by Box::into_raw in `give`, freed once (documented).
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Copies `s` into a malloc'd, NUL-terminated string the caller owns (freed
/// with spfkit_string_free); `len_out`, if not NULL, gets the exact length.
unsafe fn give_string(s: &[u8], out: *mut *mut c_char, len_out: *mut usize) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: malloc of len+1 bytes; checked for NULL below.
    let p = unsafe { libc::malloc(s.len() + 1) }.cast::<u8>();
    if p.is_null() {
        // SAFETY: out is non-NULL.
        unsafe { out.write(ptr::null_mut()) };
        return Err(SPFKIT_ERR_OUT_OF_MEMORY);
    }
    // SAFETY: p has s.len()+1 writable bytes; the regions do not overlap.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        p.add(s.len()).write(0);
        out.write(p.cast());
        put_opt(len_out, s.len());
    }
    Ok(())
}

/// Like [`give_string`] for an optional value: NULL (and length 0) for none.
unsafe fn give_opt_string(s: Option<&str>, out: *mut *mut c_char, len_out: *mut usize) -> Status {
    match s {
        Some(s) => unsafe { give_string(s.as_bytes(), out, len_out) },
        None => unsafe {
            put(out, ptr::null_mut())?;
            put_opt(len_out, 0);
            Ok(())
        },
    }
}

/// Frees a string this library returned through a `char **`. NULL is fine.
/// Do not pass anything else (not a static string such as
/// spfkit_version()'s, not memory of your own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: malloc'd by give_string (documented).
        unsafe { libc::free(s.cast()) };
    }
}

/// Bytes with a NUL after them, so C can read them as a string and still
/// learn their exact length.
struct CText(Box<[u8]>);

impl CText {
    fn new(s: &[u8]) -> CText {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s);
        v.push(0);
        CText(v.into_boxed_slice())
    }
    fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
    fn len(&self) -> usize {
        self.0.len() - 1
    }
}

// ---------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------

/// What spfkit_evaluation_next() says to do.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_step {
    /// New queries to resolve: read them with spfkit_evaluation_query().
    SPFKIT_STEP_LOOKUP = 1,
    /// Nothing new: answer queries already handed out, then call next again.
    SPFKIT_STEP_PENDING = 2,
    /// Finished: read the outcome with spfkit_evaluation_outcome().
    SPFKIT_STEP_DONE = 3,
}

/// An SPF result (RFC 7208 §2.6).
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_result {
    SPFKIT_RESULT_NONE = 0,
    SPFKIT_RESULT_NEUTRAL = 1,
    SPFKIT_RESULT_PASS = 2,
    SPFKIT_RESULT_FAIL = 3,
    SPFKIT_RESULT_SOFTFAIL = 4,
    SPFKIT_RESULT_TEMPERROR = 5,
    SPFKIT_RESULT_PERMERROR = 6,
}

fn result_of(r: spf::SpfResult) -> spfkit_result {
    use spfkit_result::*;
    match r {
        spf::SpfResult::None => SPFKIT_RESULT_NONE,
        spf::SpfResult::Neutral => SPFKIT_RESULT_NEUTRAL,
        spf::SpfResult::Pass => SPFKIT_RESULT_PASS,
        spf::SpfResult::Fail => SPFKIT_RESULT_FAIL,
        spf::SpfResult::SoftFail => SPFKIT_RESULT_SOFTFAIL,
        spf::SpfResult::TempError => SPFKIT_RESULT_TEMPERROR,
        spf::SpfResult::PermError => SPFKIT_RESULT_PERMERROR,
    }
}

/// A result's name as headers write it ("pass", "permerror", ...), static;
/// NULL for a number that is no spfkit_result.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_result_name(result: u32) -> *const c_char {
    let name: &'static CStr = match result {
        0 => c"none",
        1 => c"neutral",
        2 => c"pass",
        3 => c"fail",
        4 => c"softfail",
        5 => c"temperror",
        6 => c"permerror",
        _ => return ptr::null(),
    };
    name.as_ptr()
}

/// An identity SPF checks (RFC 7208 §2.3, §2.4). As an argument,
/// SPFKIT_IDENTITY_DECIDING means whichever identity decided the outcome.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_identity {
    SPFKIT_IDENTITY_DECIDING = 0,
    SPFKIT_IDENTITY_HELO = 1,
    SPFKIT_IDENTITY_MAIL_FROM = 2,
}

/// Which identities an evaluation checks.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_scope {
    /// RFC 7208's check(): HELO first when it is a multi-label domain, then
    /// MAIL FROM unless HELO's result was definitive (pass or fail by
    /// default). The default.
    SPFKIT_SCOPE_BOTH = 0,
    /// One check_host() of the MAIL FROM identity (postmaster@HELO for the
    /// null reverse-path).
    SPFKIT_SCOPE_MAIL_FROM = 1,
    /// One check_host() of the HELO identity.
    SPFKIT_SCOPE_HELO = 2,
}

/// How an evaluation asks for address lookups.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_plan {
    /// All the lookups a step may need at once (an mx term's hosts, a ptr
    /// term's names): one round trip instead of up to ten. The default.
    /// Results, limits and the trace are those of the sequential plan.
    SPFKIT_PLAN_BATCHED = 0,
    /// Exactly what a term-by-term evaluation asks, one at a time.
    SPFKIT_PLAN_SEQUENTIAL = 1,
}

/// A DNS record type SPF asks for; the values are the RFC 1035 type codes,
/// so they pass straight to res_nquery() or c-ares.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_qtype {
    SPFKIT_QTYPE_A = 1,
    SPFKIT_QTYPE_PTR = 12,
    SPFKIT_QTYPE_MX = 15,
    SPFKIT_QTYPE_TXT = 16,
    SPFKIT_QTYPE_AAAA = 28,
}

fn qtype_of(t: spf::QueryType) -> spfkit_qtype {
    use spfkit_qtype::*;
    match t {
        spf::QueryType::A => SPFKIT_QTYPE_A,
        spf::QueryType::Aaaa => SPFKIT_QTYPE_AAAA,
        spf::QueryType::Mx => SPFKIT_QTYPE_MX,
        spf::QueryType::Txt => SPFKIT_QTYPE_TXT,
        spf::QueryType::Ptr => SPFKIT_QTYPE_PTR,
    }
}

fn qtype_from(code: u16) -> Result<spf::QueryType, spfkit_status> {
    Ok(match code {
        1 => spf::QueryType::A,
        12 => spf::QueryType::Ptr,
        15 => spf::QueryType::Mx,
        16 => spf::QueryType::Txt,
        28 => spf::QueryType::Aaaa,
        _ => return Err(SPFKIT_ERR_INVALID_ARGUMENT),
    })
}

/// An answer without records.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_answer_kind {
    /// RCODE 3, the name does not exist (a void lookup).
    SPFKIT_ANSWER_NXDOMAIN = 1,
    /// RCODE 0 without records of the type asked (a void lookup).
    SPFKIT_ANSWER_NODATA = 2,
    /// Timeout, SERVFAIL, REFUSED, anything that leaves the answer unknown:
    /// a temperror (RFC 7208 §2.6.6).
    SPFKIT_ANSWER_TEMPERROR = 3,
}

/// What a trace event records.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_trace_kind {
    /// A record was selected for a domain; `text` is the record.
    SPFKIT_TRACE_RECORD = 1,
    /// A term was evaluated; `text` is the term, `matched` whether it matched.
    SPFKIT_TRACE_TERM = 2,
    /// Evaluation stopped with an error; `text` is the term (or NULL),
    /// `message` what went wrong.
    SPFKIT_TRACE_ERROR = 3,
}

// ---------------------------------------------------------------------------
// Options and the record cache
// ---------------------------------------------------------------------------

/// How to evaluate: scope, plan, limits, receiver, explanation, trace,
/// cache. Made by spfkit_options_new() with RFC 7208's defaults; an
/// evaluation copies what it needs, so options may be freed or changed
/// after spfkit_evaluation_new() and reused for any number of evaluations.
pub struct spfkit_options {
    options: spf::Options,
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

/// New options with RFC 7208's defaults (scope both, batched plan, limits
/// 10/10/10/2, receiver "unknown", no trace, no cache). Free with
/// spfkit_options_free(). Returns NULL only if spfkit failed internally.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_options_new() -> *mut spfkit_options {
    catch_unwind(|| Box::into_raw(Box::new(spfkit_options { options: spf::Options::default() })))
        .unwrap_or(ptr::null_mut())
}

/// Frees options; NULL is fine. Evaluations made from them are unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_free(options: *mut spfkit_options) {
    // SAFETY: made by spfkit_options_new (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(options) }));
}

/// Sets which identities are checked: an spfkit_scope value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_scope(options: *mut spfkit_options, scope: u32) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        o.options.scope = match scope {
            0 => spf::Scope::Both,
            1 => spf::Scope::MailFrom,
            2 => spf::Scope::Helo,
            _ => return Err(SPFKIT_ERR_INVALID_ARGUMENT),
        };
        Ok(())
    })
}

/// Sets the lookup plan: an spfkit_plan value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_plan(options: *mut spfkit_options, plan: u32) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        o.options.plan = match plan {
            0 => spf::LookupPlan::Batched,
            1 => spf::LookupPlan::Sequential,
            _ => return Err(SPFKIT_ERR_INVALID_ARGUMENT),
        };
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
        let l = unsafe { handle(limits) }?;
        if [l.dns_terms, l.mx_names, l.ptr_names, l.void_lookups].iter().any(|&v| v > SPFKIT_MAX_LIMIT) {
            return Err(SPFKIT_ERR_INVALID_ARGUMENT);
        }
        o.options.limits = spf::Limits {
            dns_terms: l.dns_terms,
            mx_names: l.mx_names,
            ptr_names: l.ptr_names,
            void_lookups: l.void_lookups,
        };
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
        let l = unsafe { handle(options) }?.options.limits;
        unsafe {
            put(
                limits_out,
                spfkit_limits {
                    dns_terms: l.dns_terms,
                    mx_names: l.mx_names,
                    ptr_names: l.ptr_names,
                    void_lookups: l.void_lookups,
                },
            )
        }
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

/// Parsed records shared between evaluations, keyed by the exact record
/// bytes, so a hit can never change a result. Thread-safe: one cache may
/// serve evaluations on many threads at once.
pub struct spfkit_record_cache {
    cache: Arc<spf::RecordCache>,
}

/// A cache holding at most `capacity` parsed records (it starts over when
/// full). Free with spfkit_record_cache_free(); options that use it keep
/// it alive as long as they need it. NULL only on an internal failure.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_record_cache_new(capacity: usize) -> *mut spfkit_record_cache {
    catch_unwind(|| Box::into_raw(Box::new(spfkit_record_cache { cache: Arc::new(spf::RecordCache::new(capacity)) })))
        .unwrap_or(ptr::null_mut())
}

/// Releases the caller's reference to a cache; NULL is fine. Options and
/// evaluations that use it keep their own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_cache_free(cache: *mut spfkit_record_cache) {
    // SAFETY: made by spfkit_record_cache_new (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(cache) }));
}

/// Makes evaluations from these options use `cache` (NULL: no cache).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_cache(
    options: *mut spfkit_options,
    cache: *const spfkit_record_cache,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        // SAFETY: NULL or a live cache (documented).
        o.options.cache = unsafe { cache.as_ref() }.map(|c| Arc::clone(&c.cache));
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Queries and answers
// ---------------------------------------------------------------------------

/// A DNS query the evaluation needs answered.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_query {
    /// Give this id back with the answer.
    pub id: u32,
    /// The record type: an spfkit_qtype value (its RFC 1035 code).
    pub qtype: u16,
    /// The name, ASCII (A-labels), without a trailing dot, NUL-terminated.
    /// Borrowed: see the function that gave the query for how long it lives.
    pub name: *const c_char,
    /// The name's length in bytes.
    pub name_len: usize,
}

/// One resource record of an answer, as the caller parsed it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_rdata {
    /// The record's type: an spfkit_qtype value. Records of another type
    /// than the query's are ignored, as in a DNS answer.
    pub qtype: u16,
    /// MX only: the preference.
    pub preference: u16,
    /// TXT: the record's character-strings joined with nothing between
    /// (RFC 7208 §4.5), any bytes. A: 4 bytes, AAAA: 16 bytes, network
    /// order. MX: the exchange, PTR: the target, as UTF-8 text (a trailing
    /// dot is fine). Borrowed for the call.
    pub data: *const u8,
    /// The length of `data` in bytes.
    pub len: usize,
}

unsafe fn rdata(r: &spfkit_rdata) -> Result<spf::RData, spfkit_status> {
    let data = unsafe { bytes(r.data, r.len) }?;
    let name = || -> Result<String, spfkit_status> {
        // A trailing dot is fine: the core drops it before asking for the name.
        Ok(std::str::from_utf8(data).map_err(|_| SPFKIT_ERR_INVALID_UTF8)?.to_owned())
    };
    Ok(match qtype_from(r.qtype)? {
        spf::QueryType::Txt => spf::RData::Txt(data.to_vec()),
        spf::QueryType::A => {
            let a: [u8; 4] = data.try_into().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
            spf::RData::A(Ipv4Addr::from(a))
        }
        spf::QueryType::Aaaa => {
            let a: [u8; 16] = data.try_into().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
            spf::RData::Aaaa(Ipv6Addr::from(a))
        }
        spf::QueryType::Mx => spf::RData::Mx { preference: r.preference, exchange: name()? },
        spf::QueryType::Ptr => spf::RData::Ptr(name()?),
    })
}

unsafe fn records_answer(records: *const spfkit_rdata, count: usize) -> Result<spf::Answer, spfkit_status> {
    let list = unsafe { array(records, count) }?;
    // More records, or more TXT bytes, than one DNS message carries is no
    // DNS answer: a temporary error, as in every binding.
    if count > spf::Answer::MAX_RECORDS
        || list.iter().filter(|r| r.qtype == 16).map(|r| r.len).fold(0usize, usize::saturating_add)
            > spf::RData::MAX_TXT
    {
        return Ok(spf::Answer::TempError);
    }
    // SAFETY: each record's data is borrowed for the call (documented).
    Ok(spf::Answer::Records(list.iter().map(|r| unsafe { rdata(r) }).collect::<Result<_, _>>()?))
}

fn empty_answer(kind: u32) -> Result<spf::Answer, spfkit_status> {
    Ok(match kind {
        1 => spf::Answer::NxDomain,
        2 => spf::Answer::NoData,
        3 => spf::Answer::TempError,
        _ => return Err(SPFKIT_ERR_INVALID_ARGUMENT),
    })
}

unsafe fn message_answer(query: &spf::Query, message: *const u8, len: usize) -> Result<spf::Answer, spfkit_status> {
    Ok(spf::wire::decode_answer(query, unsafe { bytes(message, len) }?))
}

/// Writes the RFC 1035 query message for `query` (recursion desired, the
/// given message id) into `buf`, and its length to `*len_out`. When `buf`
/// is NULL or `buf_len` too small, writes the length needed and returns
/// SPFKIT_ERR_BUFFER_TOO_SMALL. 512 bytes always suffice. For hosts that
/// send queries themselves (over UDP, TCP, DNS over HTTPS).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_query_message(
    query: *const spfkit_query,
    message_id: u16,
    buf: *mut u8,
    buf_len: usize,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let q = unsafe { handle(query) }?;
        if q.name.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let name =
            std::str::from_utf8(unsafe { bytes(q.name.cast(), q.name_len) }?).map_err(|_| SPFKIT_ERR_INVALID_UTF8)?;
        if name.is_empty() {
            return Err(SPFKIT_ERR_INVALID_ARGUMENT);
        }
        let query = spf::Query { id: spf::QueryId(q.id), name: name.to_owned(), qtype: qtype_from(q.qtype)? };
        let message = spf::wire::query_message(&query, message_id).map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
        unsafe { put(len_out, message.len()) }?;
        if buf.is_null() || buf_len < message.len() {
            return Err(SPFKIT_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: buf has buf_len >= message.len() writable bytes (documented).
        unsafe { ptr::copy_nonoverlapping(message.as_ptr(), buf, message.len()) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// The evaluation (step API)
// ---------------------------------------------------------------------------

/// One SPF evaluation of a connection, driven by the caller: call
/// spfkit_evaluation_next(); on SPFKIT_STEP_LOOKUP read each query with
/// spfkit_evaluation_query(), resolve it however you like (now or later,
/// in any order, from an event loop) and give the answer by id with one of
/// spfkit_evaluation_answer_*(); call next again until SPFKIT_STEP_DONE.
/// Nothing here blocks or touches the network.
pub struct spfkit_evaluation {
    evaluation: spf::Evaluation,
    /// Every query handed out, by id, with its name NUL-terminated for C:
    /// a raw answer message is decoded against its question, and the names
    /// lent to C live as long as the evaluation. As many as the evaluation
    /// asks, which its processing limits bound.
    handed_out: HashMap<u32, (spf::Query, CText)>,
    /// The ids of the last Lookup step's queries, in order.
    batch: Vec<u32>,
}

/// The client address as text, IPv4 or IPv6.
unsafe fn ip_text(ip: *const c_char) -> Result<IpAddr, spfkit_status> {
    unsafe { text(ip) }?.trim().parse().map_err(|_| SPFKIT_ERR_INVALID_IP)
}

fn options_or_default(options: *const spfkit_options) -> spf::Options {
    // SAFETY: NULL or a live handle (documented).
    unsafe { options.as_ref() }.map(|o| o.options.clone()).unwrap_or_default()
}

unsafe fn new_evaluation(
    ip: Result<IpAddr, spfkit_status>,
    mail_from: *const c_char,
    helo: *const c_char,
    options: *const spfkit_options,
    out: *mut *mut spfkit_evaluation,
) -> Status {
    unsafe { clear(out) };
    let (mail_from, helo) = unsafe { (text(mail_from)?, text(helo)?) };
    let ip = ip?;
    let request = spf::Request::new(ip, mail_from, helo);
    request.check_bounds().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
    let evaluation = spf::Evaluation::new(request, options_or_default(options));
    unsafe { give(out, spfkit_evaluation { evaluation, handed_out: HashMap::new(), batch: Vec::new() }) }
}

/// Starts an evaluation of the connection from `ip` (IPv4 or IPv6 text;
/// IPv4-mapped IPv6 is checked as IPv4), with MAIL FROM `mail_from` (the
/// reverse-path with or without angle brackets; "" or "<>" for the null
/// one) and HELO/EHLO name `helo`, each at most 4096 bytes
/// (SPFKIT_ERR_INVALID_ARGUMENT beyond). `options` may be NULL for the
/// defaults; it is copied. The strings are copied. On success `*out` owns a new
/// evaluation (free with spfkit_evaluation_free()); on failure it is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_new(
    ip: *const c_char,
    mail_from: *const c_char,
    helo: *const c_char,
    options: *const spfkit_options,
    out: *mut *mut spfkit_evaluation,
) -> spfkit_status {
    boundary(|| unsafe { new_evaluation(ip_text(ip), mail_from, helo, options, out) })
}

/// As spfkit_evaluation_new(), with the address as `addr_len` bytes in
/// network order: 4 for IPv4, 16 for IPv6 (a struct in_addr / in6_addr).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_new_ip(
    addr: *const u8,
    addr_len: usize,
    mail_from: *const c_char,
    helo: *const c_char,
    options: *const spfkit_options,
    out: *mut *mut spfkit_evaluation,
) -> spfkit_status {
    boundary(|| {
        let ip = unsafe { bytes(addr, addr_len) }.and_then(|b| match b.len() {
            4 => Ok(IpAddr::from(<[u8; 4]>::try_from(b).expect("4 bytes"))),
            16 => Ok(IpAddr::from(<[u8; 16]>::try_from(b).expect("16 bytes"))),
            0 if addr.is_null() => Err(SPFKIT_ERR_NULL_PARAMETER),
            _ => Err(SPFKIT_ERR_INVALID_IP),
        });
        unsafe { new_evaluation(ip, mail_from, helo, options, out) }
    })
}

/// Frees an evaluation and everything it lent out (query names); NULL is
/// fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_free(evaluation: *mut spfkit_evaluation) {
    // SAFETY: made by spfkit_evaluation_new* (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(evaluation) }));
}

/// Advances the evaluation. Writes what to do to `*step_out` and, when
/// `query_count_out` is not NULL, how many new queries to read with
/// spfkit_evaluation_query() (0 unless the step is SPFKIT_STEP_LOOKUP).
/// Index numbers for spfkit_evaluation_query() then refer to this step's
/// queries; queries handed out earlier stay valid for answering.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_next(
    evaluation: *mut spfkit_evaluation,
    step_out: *mut spfkit_step,
    query_count_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle_mut(evaluation) }?;
        if step_out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        e.batch.clear();
        let step = match e.evaluation.next() {
            spf::Step::Lookup(queries) => {
                for q in queries {
                    e.handed_out.insert(q.id.0, (q.clone(), CText::new(q.name.as_bytes())));
                    e.batch.push(q.id.0);
                }
                spfkit_step::SPFKIT_STEP_LOOKUP
            }
            spf::Step::Pending => spfkit_step::SPFKIT_STEP_PENDING,
            spf::Step::Done(_) => spfkit_step::SPFKIT_STEP_DONE,
        };
        unsafe {
            put(step_out, step)?;
            put_opt(query_count_out, e.batch.len());
        }
        Ok(())
    })
}

/// Writes query `index` (from 0) of the last SPFKIT_STEP_LOOKUP to
/// `*query_out`. Its `name` is borrowed from the evaluation and stays valid
/// until spfkit_evaluation_free(), so an event loop may keep the query
/// until its reply arrives; so does its id. Index numbers refer to the last
/// step only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_query(
    evaluation: *const spfkit_evaluation,
    index: usize,
    query_out: *mut spfkit_query,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(evaluation) }?;
        let id = e.batch.get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        let (q, name) = &e.handed_out[id];
        unsafe {
            put(
                query_out,
                spfkit_query { id: q.id.0, qtype: qtype_of(q.qtype) as u16, name: name.ptr(), name_len: name.len() },
            )
        }
    })
}

fn give_answer(e: &mut spfkit_evaluation, id: u32, answer: spf::Answer) -> Status {
    e.evaluation.answer(spf::QueryId(id), answer).map_err(|err| match err {
        spf::AnswerError::UnknownId => SPFKIT_ERR_UNKNOWN_ID,
        spf::AnswerError::AlreadyAnswered => SPFKIT_ERR_ALREADY_ANSWERED,
    })
}

/// Answers query `id` with `count` records (RCODE 0). `records` and the
/// bytes they point to are borrowed for the call. Zero records is NODATA;
/// more than one DNS message can carry (5,956 records, or 65,535 bytes of
/// TXT data in all) is no DNS answer and counts as TEMPERROR.
/// Fails with SPFKIT_ERR_UNKNOWN_ID or SPFKIT_ERR_ALREADY_ANSWERED without
/// changing the evaluation, and with SPFKIT_ERR_INVALID_ARGUMENT (bad type or
/// address length) or SPFKIT_ERR_INVALID_UTF8 (a name) leaving the query
/// unanswered.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_answer_records(
    evaluation: *mut spfkit_evaluation,
    id: u32,
    records: *const spfkit_rdata,
    count: usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle_mut(evaluation) }?;
        let answer = unsafe { records_answer(records, count) }?;
        give_answer(e, id, answer)
    })
}

/// Answers query `id` with the raw DNS response message a resolver returned
/// (res_nquery(), c-ares, libunbound, DNS over HTTPS), borrowed for the
/// call. NXDOMAIN, SERVFAIL/REFUSED, truncated, malformed messages and
/// answers to another question are all handled (as void lookups or
/// temperror); CNAME chains inside the message are followed. Fails with
/// SPFKIT_ERR_UNKNOWN_ID or SPFKIT_ERR_ALREADY_ANSWERED without changing the
/// evaluation.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_answer_message(
    evaluation: *mut spfkit_evaluation,
    id: u32,
    message: *const u8,
    message_len: usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle_mut(evaluation) }?;
        let (query, _) = e.handed_out.get(&id).ok_or(SPFKIT_ERR_UNKNOWN_ID)?;
        let answer = unsafe { message_answer(query, message, message_len) }?;
        give_answer(e, id, answer)
    })
}

/// Answers query `id` with no records: an spfkit_answer_kind value
/// (NXDOMAIN, NODATA, or TEMPERROR for a timeout or a server failure).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_answer_empty(
    evaluation: *mut spfkit_evaluation,
    id: u32,
    kind: u32,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle_mut(evaluation) }?;
        give_answer(e, id, empty_answer(kind)?)
    })
}

/// The caller's deadline has passed (RFC 7208 §4.6.4 asks for an overall
/// limit on a check): every query still unanswered is a temporary DNS
/// error, and so is every query the evaluation would still ask, which is
/// never handed out. The next spfkit_evaluation_next() gives
/// SPFKIT_STEP_DONE; answers given after this fail with
/// SPFKIT_ERR_ALREADY_ANSWERED. Names of queries handed out stay valid as
/// before, for an event loop that still has them in flight.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_expire(evaluation: *mut spfkit_evaluation) -> spfkit_status {
    boundary(|| {
        unsafe { handle_mut(evaluation) }?.evaluation.expire();
        Ok(())
    })
}

/// When the evaluation is done, gives `*out` a new outcome the caller owns
/// (free with spfkit_outcome_free(); it outlives the evaluation). Before
/// that, SPFKIT_ERR_NOT_DONE and `*out` NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_outcome(
    evaluation: *const spfkit_evaluation,
    out: *mut *mut spfkit_outcome,
) -> spfkit_status {
    boundary(|| {
        unsafe { clear(out) };
        let e = unsafe { handle(evaluation) }?;
        let outcome = e.evaluation.outcome().ok_or(SPFKIT_ERR_NOT_DONE)?;
        unsafe { give(out, spfkit_outcome::new(outcome.clone())) }
    })
}

// ---------------------------------------------------------------------------
// The blocking convenience
// ---------------------------------------------------------------------------

/// Where a resolver callback puts its answer to one query. Lent to the
/// callback for the duration of the call only; never made or freed by the
/// caller.
pub struct spfkit_answerer {
    query: spf::Query,
    answer: Option<spf::Answer>,
}

/// A blocking resolver: resolve `query` (borrowed for the call) and answer
/// through `answerer` with one of spfkit_answerer_*() before returning. No
/// answer counts as SPFKIT_ANSWER_TEMPERROR. Called on the thread that
/// called spfkit_check(), once per query, in the evaluation's order. It must
/// return normally: no longjmp() and no C++ exception out of it.
pub type spfkit_resolve_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, query: *const spfkit_query, answerer: *mut spfkit_answerer)>;

fn set_answer(a: &mut spfkit_answerer, answer: spf::Answer) -> Status {
    if a.answer.is_some() {
        return Err(SPFKIT_ERR_ALREADY_ANSWERED);
    }
    a.answer = Some(answer);
    Ok(())
}

/// Answers with records; as spfkit_evaluation_answer_records().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_answerer_records(
    answerer: *mut spfkit_answerer,
    records: *const spfkit_rdata,
    count: usize,
) -> spfkit_status {
    boundary(|| {
        let a = unsafe { handle_mut(answerer) }?;
        let answer = unsafe { records_answer(records, count) }?;
        set_answer(a, answer)
    })
}

/// Answers with a raw DNS response message; as
/// spfkit_evaluation_answer_message().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_answerer_message(
    answerer: *mut spfkit_answerer,
    message: *const u8,
    message_len: usize,
) -> spfkit_status {
    boundary(|| {
        let a = unsafe { handle_mut(answerer) }?;
        let answer = unsafe { message_answer(&a.query, message, message_len) }?;
        set_answer(a, answer)
    })
}

/// Answers with no records; as spfkit_evaluation_answer_empty().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_answerer_empty(answerer: *mut spfkit_answerer, kind: u32) -> spfkit_status {
    boundary(|| {
        let a = unsafe { handle_mut(answerer) }?;
        set_answer(a, empty_answer(kind)?)
    })
}

/// Evaluates a connection (arguments as for spfkit_evaluation_new()),
/// calling `resolve(user_data, query, answerer)` for each DNS query, and
/// gives `*out` the outcome (free with spfkit_outcome_free()); on failure
/// `*out` is NULL. Blocks as long as the callback does; `user_data` is
/// passed through untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_check(
    ip: *const c_char,
    mail_from: *const c_char,
    helo: *const c_char,
    options: *const spfkit_options,
    resolve: spfkit_resolve_fn,
    user_data: *mut c_void,
    out: *mut *mut spfkit_outcome,
) -> spfkit_status {
    boundary(|| {
        unsafe { clear(out) };
        // Checked in spfkit_evaluation_new()'s order, so bad input gives the same status.
        let (mail_from, helo) = unsafe { (text(mail_from)?, text(helo)?) };
        let ip = unsafe { ip_text(ip) }?;
        let resolve = resolve.ok_or(SPFKIT_ERR_NULL_PARAMETER)?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let resolver = |q: &spf::Query| {
            let name = CText::new(q.name.as_bytes());
            let query =
                spfkit_query { id: q.id.0, qtype: qtype_of(q.qtype) as u16, name: name.ptr(), name_len: name.len() };
            let mut answerer = spfkit_answerer { query: q.clone(), answer: None };
            // SAFETY: the caller's callback, with pointers valid for the call.
            unsafe { resolve(user_data, &query, &mut answerer) };
            answerer.answer.unwrap_or(spf::Answer::TempError)
        };
        let request = spf::Request::new(ip, mail_from, helo);
        request.check_bounds().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
        let outcome = spf::check(request, options_or_default(options), &resolver);
        unsafe { give(out, spfkit_outcome::new(outcome)) }
    })
}

// ---------------------------------------------------------------------------
// The outcome
// ---------------------------------------------------------------------------

/// What an evaluation found: for each identity checked, its result,
/// explanation, reason, counters and trace; the headers and SMTP reply.
/// Owned by the caller; free with spfkit_outcome_free().
pub struct spfkit_outcome {
    outcome: spf::CheckOutcome,
    /// Each identity's trace with NUL-terminated strings: [HELO, MAIL FROM].
    traces: [Vec<TraceStrings>; 2],
}

struct TraceStrings {
    kind: spfkit_trace_kind,
    depth: u32,
    domain: CText,
    text: Option<CText>,
    message: Option<CText>,
    matched: bool,
}

impl spfkit_outcome {
    fn new(outcome: spf::CheckOutcome) -> spfkit_outcome {
        let trace = |o: Option<&spf::Outcome>| -> Vec<TraceStrings> {
            let Some(o) = o else { return Vec::new() };
            o.trace
                .iter()
                .map(|event| match event {
                    spf::TraceEvent::Record { depth, domain, record } => TraceStrings {
                        kind: spfkit_trace_kind::SPFKIT_TRACE_RECORD,
                        depth: *depth,
                        domain: CText::new(domain.as_bytes()),
                        text: Some(CText::new(record.as_bytes())),
                        message: None,
                        matched: false,
                    },
                    spf::TraceEvent::Term { depth, domain, term, matched, note } => TraceStrings {
                        kind: spfkit_trace_kind::SPFKIT_TRACE_TERM,
                        depth: *depth,
                        domain: CText::new(domain.as_bytes()),
                        text: Some(CText::new(term.as_bytes())),
                        message: note.as_deref().map(|n| CText::new(n.as_bytes())),
                        matched: *matched,
                    },
                    spf::TraceEvent::Error { depth, domain, term, message } => TraceStrings {
                        kind: spfkit_trace_kind::SPFKIT_TRACE_ERROR,
                        depth: *depth,
                        domain: CText::new(domain.as_bytes()),
                        text: term.as_deref().map(|t| CText::new(t.as_bytes())),
                        message: Some(CText::new(message.as_bytes())),
                        matched: false,
                    },
                })
                .collect()
        };
        let traces = [trace(outcome.helo_outcome.as_ref()), trace(outcome.mail_from_outcome.as_ref())];
        spfkit_outcome { outcome, traces }
    }

    /// The identity asked for: 0 the deciding one, 1 HELO, 2 MAIL FROM.
    fn pick(&self, identity: u32) -> Result<(&spf::Outcome, usize), spfkit_status> {
        let o = &self.outcome;
        let which = match identity {
            0 => match o.decided_by {
                spf::Identity::Helo => 1,
                spf::Identity::MailFrom => 2,
            },
            1 | 2 => identity,
            _ => return Err(SPFKIT_ERR_INVALID_ARGUMENT),
        };
        let chosen = if which == 1 { o.helo_outcome.as_ref() } else { o.mail_from_outcome.as_ref() };
        Ok((chosen.ok_or(SPFKIT_ERR_NOT_CHECKED)?, which as usize - 1))
    }
}

/// Frees an outcome; NULL is fine. Strings lent by it (trace events) die
/// with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_free(outcome: *mut spfkit_outcome) {
    // SAFETY: made by this library (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(outcome) }));
}

/// The identity whose result decides: SPFKIT_IDENTITY_HELO when HELO's
/// result was definitive, else SPFKIT_IDENTITY_MAIL_FROM.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_decided_by(
    outcome: *const spfkit_outcome,
    identity_out: *mut spfkit_identity,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle(outcome) }?;
        let id = match o.outcome.decided_by {
            spf::Identity::Helo => spfkit_identity::SPFKIT_IDENTITY_HELO,
            spf::Identity::MailFrom => spfkit_identity::SPFKIT_IDENTITY_MAIL_FROM,
        };
        unsafe { put(identity_out, id) }
    })
}

/// The result for `identity` (an spfkit_identity value;
/// SPFKIT_IDENTITY_DECIDING for the one that decides). An identity that was
/// not checked gives SPFKIT_ERR_NOT_CHECKED; the same holds for every
/// spfkit_outcome_* function taking an identity.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_result(
    outcome: *const spfkit_outcome,
    identity: u32,
    result_out: *mut spfkit_result,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { put(result_out, result_of(o.result)) }
    })
}

/// The domain checked for `identity` (the MAIL FROM domain or the HELO
/// name), as a new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_domain(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { give_string(o.domain.as_bytes(), out, len_out) }
    })
}

/// The `<sender>` checked for `identity` (the MAIL FROM address, or
/// postmaster@HELO for HELO and the null reverse-path), as a new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_sender(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { give_string(o.sender.as_bytes(), out, len_out) }
    })
}

/// The explanation of a `fail` (from exp=, or the default explanation), as
/// a new string; `*out` NULL for other results.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_explanation(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { give_opt_string(o.explanation.as_deref(), out, len_out) }
    })
}

/// The directive that matched ("-all", "include:_spf.example.net"), as a
/// new string; `*out` NULL when none did.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_mechanism(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { give_opt_string(o.mechanism.as_deref(), out, len_out) }
    })
}

/// Why the result is none, temperror or permerror ("no SPF record", "more
/// than 2 void lookups", ...), as a new string; `*out` NULL otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_reason(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        unsafe { give_opt_string(o.reason.as_deref(), out, len_out) }
    })
}

/// What an identity's check cost in DNS.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_counters {
    /// DNS-querying terms evaluated (limit 10, RFC 7208 §4.6.4).
    pub dns_terms: u32,
    /// Void lookups (limit 2).
    pub void_lookups: u32,
    /// Queries handed out.
    pub queries: u32,
    /// Steps that handed out queries: round trips for a host that answers
    /// each step's queries concurrently.
    pub round_trips: u32,
}

/// Writes `identity`'s counters to `*counters_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_counters(
    outcome: *const spfkit_outcome,
    identity: u32,
    counters_out: *mut spfkit_counters,
) -> spfkit_status {
    boundary(|| {
        let (o, _) = unsafe { handle(outcome) }?.pick(identity)?;
        let c = o.counters;
        unsafe {
            put(
                counters_out,
                spfkit_counters {
                    dns_terms: c.dns_terms,
                    void_lookups: c.void_lookups,
                    queries: c.queries,
                    round_trips: c.round_trips,
                },
            )
        }
    })
}

/// The Received-SPF header field (RFC 7208 §9.1) for `identity`, one line
/// without CRLF, starting "Received-SPF: ", as a new string. Values that
/// came from outside are quoted; control characters never appear.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_received_spf(
    outcome: *const spfkit_outcome,
    identity: u32,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let h = unsafe { handle(outcome) }?;
        let (o, _) = h.pick(identity)?;
        unsafe { give_string(h.outcome.received_spf_for(o).as_bytes(), out, len_out) }
    })
}

/// The Authentication-Results header field (RFC 8601) with one spf
/// resinfo per identity checked, for the authentication service
/// `authserv_id` (this host's name), as a new string without CRLF.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_authentication_results(
    outcome: *const spfkit_outcome,
    authserv_id: *const c_char,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let h = unsafe { handle(outcome) }?;
        let id = unsafe { text(authserv_id) }?;
        unsafe { give_string(h.outcome.authentication_results(id).as_bytes(), out, len_out) }
    })
}

/// The SMTP reply the deciding result calls for (RFC 7372): 550 5.7.23 for
/// fail (with the explanation), 550 5.7.24 for permerror, 451 4.7.24 for
/// temperror. Writes the code to `*code_out`, the enhanced status code
/// ("5.7.23", static, do not free) to `*enhanced_out`, and the reply text
/// (a new string, safe to send: printable ASCII) to `*text_out`. For
/// results that call for no rejection (pass, none, neutral, softfail) the
/// code is 0 and both strings NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_smtp_reply(
    outcome: *const spfkit_outcome,
    code_out: *mut u16,
    enhanced_out: *mut *const c_char,
    text_out: *mut *mut c_char,
) -> spfkit_status {
    boundary(|| {
        let h = unsafe { handle(outcome) }?;
        if code_out.is_null() || enhanced_out.is_null() || text_out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        // Defined outputs whatever happens below.
        unsafe {
            put(code_out, 0)?;
            put(enhanced_out, ptr::null())?;
            put(text_out, ptr::null_mut())?;
        }
        match h.outcome.smtp_reply() {
            Some(reply) => unsafe {
                let enhanced: &'static CStr = match reply.enhanced {
                    "5.7.23" => c"5.7.23",
                    "5.7.24" => c"5.7.24",
                    "4.7.24" => c"4.7.24",
                    _ => c"",
                };
                give_string(reply.text.as_bytes(), text_out, ptr::null_mut())?;
                put(code_out, reply.code)?;
                put(enhanced_out, enhanced.as_ptr())
            },
            None => Ok(()),
        }
    })
}

/// One step of an identity's evaluation, recorded when the options asked
/// for a trace. The strings are borrowed from the outcome and live until
/// spfkit_outcome_free(); each is NUL-terminated and its length given.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_trace_event {
    /// What happened.
    pub kind: spfkit_trace_kind,
    /// Include/redirect nesting; 0 is the domain checked.
    pub depth: u32,
    /// The domain whose record this is.
    pub domain: *const c_char,
    pub domain_len: usize,
    /// The record (RECORD), the term (TERM, ERROR), or NULL (ERROR outside
    /// a term).
    pub text: *const c_char,
    pub text_len: usize,
    /// ERROR: what went wrong. TERM: why it looked nothing up, when its
    /// name could not be formed (an expansion that is no valid domain);
    /// NULL otherwise.
    pub message: *const c_char,
    pub message_len: usize,
    /// TERM: whether it matched (for redirect=: whether it was followed).
    pub matched: bool,
}

/// The number of trace events recorded for `identity` (0 without
/// spfkit_options_set_trace()).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_trace_count(
    outcome: *const spfkit_outcome,
    identity: u32,
    count_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let h = unsafe { handle(outcome) }?;
        let (_, i) = h.pick(identity)?;
        unsafe { put(count_out, h.traces[i].len()) }
    })
}

/// Writes trace event `index` (from 0) of `identity` to `*event_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_trace_event(
    outcome: *const spfkit_outcome,
    identity: u32,
    index: usize,
    event_out: *mut spfkit_trace_event,
) -> spfkit_status {
    boundary(|| {
        let h = unsafe { handle(outcome) }?;
        let (_, i) = h.pick(identity)?;
        let t = h.traces[i].get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        let (text, text_len) = t.text.as_ref().map_or((ptr::null(), 0), |s| (s.ptr(), s.len()));
        let (message, message_len) = t.message.as_ref().map_or((ptr::null(), 0), |s| (s.ptr(), s.len()));
        unsafe {
            put(
                event_out,
                spfkit_trace_event {
                    kind: t.kind,
                    depth: t.depth,
                    domain: t.domain.ptr(),
                    domain_len: t.domain.len(),
                    text,
                    text_len,
                    message,
                    message_len,
                    matched: t.matched,
                },
            )
        }
    })
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/// A parsed SPF record. Owned by the caller; free with spfkit_record_free().
pub struct spfkit_record {
    record: spf::Record,
}

/// A syntax error in a record: a stable code, a message and the byte span
/// of the offending text. Owned by the caller; free with
/// spfkit_parse_error_free().
pub struct spfkit_parse_error {
    error: spf::ParseError,
    code: CText,
}

/// Byte offsets [start, end) into the text that was parsed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_span {
    pub start: usize,
    pub end: usize,
}

/// Parses `len` bytes at `text` (a TXT record's strings joined; any bytes,
/// borrowed for the call) as an SPF record (RFC 7208 §12). On success
/// `*record_out` owns the record and `*error_out` (if `error_out` is not
/// NULL) is NULL. On a syntax error returns SPFKIT_ERR_SYNTAX, `*record_out`
/// is NULL and `*error_out` owns the error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_parse(
    text: *const u8,
    len: usize,
    record_out: *mut *mut spfkit_record,
    error_out: *mut *mut spfkit_parse_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(record_out);
            clear(error_out);
        }
        if record_out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match spf::Record::parse_bytes(unsafe { bytes(text, len) }?) {
            Ok(record) => unsafe { give(record_out, spfkit_record { record }) },
            Err(error) => {
                if !error_out.is_null() {
                    let code = CText::new(error.kind.code().as_bytes());
                    unsafe { give(error_out, spfkit_parse_error { error, code }) }?;
                }
                Err(SPFKIT_ERR_SYNTAX)
            }
        }
    })
}

/// Frees a record; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_free(record: *mut spfkit_record) {
    // SAFETY: made by spfkit_record_parse (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(record) }));
}

/// The record printed back ("v=spf1 ..."), equivalent to what was parsed,
/// as a new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_to_string(
    record: *const spfkit_record,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        unsafe { give_string(r.record.to_string().as_bytes(), out, len_out) }
    })
}

/// The number of terms (mechanisms and modifiers) after "v=spf1".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_term_count(
    record: *const spfkit_record,
    count_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        unsafe { put(count_out, r.record.terms().len()) }
    })
}

/// Term `index` (from 0): its text as a new string in `*out`, and, if
/// `span_out` is not NULL, where it stood in the parsed text.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_term(
    record: *const spfkit_record,
    index: usize,
    out: *mut *mut c_char,
    len_out: *mut usize,
    span_out: *mut spfkit_span,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        let term = r.record.terms().get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        unsafe {
            give_string(term.to_string().as_bytes(), out, len_out)?;
            let span = term.span();
            put_opt(span_out, spfkit_span { start: span.start, end: span.end });
        }
        Ok(())
    })
}

/// Frees a parse error; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_free(error: *mut spfkit_parse_error) {
    // SAFETY: made by spfkit_record_parse (documented).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(error) }));
}

/// The error's stable code ("invalid-ip4", "unknown-mechanism", ...),
/// borrowed from the error: valid until spfkit_parse_error_free(); do not
/// free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_code(
    error: *const spfkit_parse_error,
    code_out: *mut *const c_char,
) -> spfkit_status {
    boundary(|| {
        let p = unsafe { handle(error) }?.code.ptr();
        unsafe { put(code_out, p) }
    })
}

/// The error as a sentence, with the offending term and its byte span, as a
/// new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_message(
    error: *const spfkit_parse_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.to_string().as_bytes(), out, len_out) }
    })
}

/// The offending term as written, as a new string (free with
/// spfkit_string_free()); the same `term` every spfkit host gives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_term(
    error: *const spfkit_parse_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.term.as_bytes(), out, len_out) }
    })
}

/// The bytes at fault in the parsed text: the offending term, or the
/// narrower part of it that is wrong (a bad macro, a bad prefix length).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_span(
    error: *const spfkit_parse_error,
    span_out: *mut spfkit_span,
) -> spfkit_status {
    boundary(|| {
        let s = unsafe { handle(error) }?.error.span;
        unsafe { put(span_out, spfkit_span { start: s.start, end: s.end }) }
    })
}
