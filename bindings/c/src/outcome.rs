//! The outcome: results, explanations, counters, trace, headers and the
//! SMTP reply.

use std::ffi::{CStr, c_char};
use std::ptr;

use spfkit_core as spf;

use crate::enums::{spfkit_identity, spfkit_result, spfkit_trace_kind};
use crate::error::spfkit_status::{self, *};
use crate::ffi::{CText, give_opt_string, give_string, handle, put, text};
use crate::panic::{boundary, free};

/// What an evaluation found: for each identity checked, its result,
/// explanation, reason, counters and trace; the headers and SMTP reply.
/// Owned by the caller; free with spfkit_outcome_free().
pub struct spfkit_outcome {
    pub(crate) outcome: spf::CheckOutcome,
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
    pub(crate) fn new(outcome: spf::CheckOutcome) -> spfkit_outcome {
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

    /// The identity asked for, an spfkit_identity number, and its index in
    /// `traces`.
    fn pick(&self, identity: u32) -> Result<(&spf::Outcome, usize), spfkit_status> {
        let o = &self.outcome;
        let which = if identity == spfkit_identity::SPFKIT_IDENTITY_DECIDING as u32 {
            o.decided_by
        } else {
            spfkit_identity::core_from_number(identity).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)?
        };
        let (chosen, index) = match which {
            spf::Identity::Helo => (o.helo_outcome.as_ref(), 0),
            spf::Identity::MailFrom => (o.mail_from_outcome.as_ref(), 1),
        };
        Ok((chosen.ok_or(SPFKIT_ERR_NOT_CHECKED)?, index))
    }
}

/// Frees an outcome; NULL is fine. Strings lent by it (trace events) die
/// with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_outcome_free(outcome: *mut spfkit_outcome) {
    // SAFETY: made by this library (documented).
    unsafe { free(outcome) }
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
        unsafe { put(identity_out, spfkit_identity::of(o.outcome.decided_by)) }
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
        unsafe { put(result_out, spfkit_result::of(o.result)) }
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
