//! The evaluation, driven by the caller one step at a time.

use std::ffi::c_char;
use std::net::IpAddr;

use spfkit_core as spf;

use crate::answer::{spfkit_query, spfkit_rdata};
use crate::enums::spfkit_step;
use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{bytes, clear, give, handle, handle_mut, text};
use crate::options::{options_or_default, spfkit_options};
use crate::outcome::spfkit_outcome;
use crate::panic::{boundary, free};
use crate::steps::Stepper;

/// One SPF evaluation of a connection, driven by the caller: call
/// spfkit_evaluation_next(); on SPFKIT_STEP_LOOKUP read each query with
/// spfkit_evaluation_query(), resolve it however you like (now or later,
/// in any order, from an event loop) and give the answer by id with one of
/// spfkit_evaluation_answer_*(); call next again until SPFKIT_STEP_DONE.
/// Nothing here blocks or touches the network.
pub struct spfkit_evaluation {
    /// The evaluation, with the query names lent to C.
    stepper: Stepper<spf::Evaluation>,
}

/// The client address as text, IPv4 or IPv6.
pub(crate) unsafe fn ip_text(ip: *const c_char) -> Result<IpAddr, spfkit_status> {
    unsafe { text(ip) }?.trim().parse().map_err(|_| SPFKIT_ERR_INVALID_IP)
}

/// The client address as `len` bytes in network order, 4 or 16.
pub(crate) unsafe fn ip_bytes(addr: *const u8, len: usize) -> Result<IpAddr, spfkit_status> {
    unsafe { bytes(addr, len) }.and_then(|b| match b.len() {
        4 => Ok(IpAddr::from(<[u8; 4]>::try_from(b).expect("4 bytes"))),
        16 => Ok(IpAddr::from(<[u8; 16]>::try_from(b).expect("16 bytes"))),
        0 if addr.is_null() => Err(SPFKIT_ERR_NULL_PARAMETER),
        _ => Err(SPFKIT_ERR_INVALID_IP),
    })
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
    unsafe { give(out, spfkit_evaluation { stepper: Stepper::new(evaluation) }) }
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
    boundary(|| unsafe { new_evaluation(ip_bytes(addr, addr_len), mail_from, helo, options, out) })
}

/// Frees an evaluation and everything it lent out (query names); NULL is
/// fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_free(evaluation: *mut spfkit_evaluation) {
    // SAFETY: made by spfkit_evaluation_new* (documented).
    unsafe { free(evaluation) }
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
    boundary(|| unsafe { handle_mut(evaluation)?.stepper.next(step_out, query_count_out) })
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
    boundary(|| unsafe { handle(evaluation)?.stepper.query(index, query_out) })
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
    boundary(|| unsafe { handle_mut(evaluation)?.stepper.answer_records(id, records, count) })
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
    boundary(|| unsafe { handle_mut(evaluation)?.stepper.answer_message(id, message, message_len) })
}

/// Answers query `id` with no records: an spfkit_answer_kind value
/// (NXDOMAIN, NODATA, or TEMPERROR for a timeout or a server failure).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_evaluation_answer_empty(
    evaluation: *mut spfkit_evaluation,
    id: u32,
    kind: u32,
) -> spfkit_status {
    boundary(|| unsafe { handle_mut(evaluation) }?.stepper.answer_empty(id, kind))
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
        unsafe { handle_mut(evaluation) }?.stepper.steps.expire();
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
        let outcome = e.stepper.steps.outcome().ok_or(SPFKIT_ERR_NOT_DONE)?;
        unsafe { give(out, spfkit_outcome::new(outcome.clone())) }
    })
}
