//! The blocking convenience: spfkit_check() with a resolver callback.

use std::ffi::{c_char, c_void};

use spfkit_core as spf;

use crate::answer::{empty_answer, records_answer, spfkit_query, spfkit_rdata};
use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::evaluation::ip_text;
use crate::ffi::{CText, bytes, clear, give, handle_mut, text};
use crate::options::{options_or_default, spfkit_options};
use crate::outcome::spfkit_outcome;
use crate::panic::boundary;

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
/// called spfkit_check() (or spfkit_policy_message_decide()), once per
/// query, in the evaluation's order. It must return normally: no longjmp()
/// and no C++ exception out of it.
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
        let answer = spf::wire::decode_answer(&a.query, unsafe { bytes(message, message_len) }?);
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

/// The blocking resolver that asks `resolve(user_data, query, answerer)`
/// (SPFKIT_ERR_NULL_PARAMETER for a NULL callback); no answer is a
/// temporary error.
pub(crate) fn callback_resolver(
    resolve: spfkit_resolve_fn,
    user_data: *mut c_void,
) -> Result<impl Fn(&spf::Query) -> spf::Answer, spfkit_status> {
    let resolve = resolve.ok_or(SPFKIT_ERR_NULL_PARAMETER)?;
    Ok(move |q: &spf::Query| {
        let name = CText::new(q.name.as_bytes());
        let query = spfkit_query::lend(q, &name);
        let mut answerer = spfkit_answerer { query: q.clone(), answer: None };
        // SAFETY: the caller's callback, with pointers valid for the call.
        unsafe { resolve(user_data, &query, &mut answerer) };
        answerer.answer.unwrap_or(spf::Answer::TempError)
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
        let resolver = callback_resolver(resolve, user_data)?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let request = spf::Request::new(ip, mail_from, helo);
        request.check_bounds().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
        let outcome = spf::check(request, options_or_default(options), &resolver);
        unsafe { give(out, spfkit_outcome::new(outcome)) }
    })
}
