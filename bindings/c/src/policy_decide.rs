//! Deciding one recipient: the step API (as spfkit_evaluation_*'s) and the
//! blocking form with a resolver callback (as spfkit_check()'s).

use std::ffi::{c_char, c_void};

use spfkit_core as spf;

use crate::answer::{spfkit_query, spfkit_rdata};
use crate::check::{callback_resolver, spfkit_resolve_fn};
use crate::enums::spfkit_step;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{bytes, clear, give, handle, handle_mut};
use crate::panic::{boundary, free};
use crate::policy::{rules_failed, spfkit_policy_message, take_rules_failure};
use crate::policy_decision::spfkit_policy_decision;
use crate::policy_settings::spfkit_settings_error;
use crate::steps::Stepper;

/// One recipient's decision, driven by the caller exactly as a
/// spfkit_evaluation is: call spfkit_policy_decide_next(); on
/// SPFKIT_STEP_LOOKUP read each query with spfkit_policy_decide_query(),
/// resolve it however you like (now or later, in any order) and answer by
/// id with spfkit_policy_decide_answer_*(); call next again until
/// SPFKIT_STEP_DONE, then take the decision with
/// spfkit_policy_decide_decision(). Nothing here blocks. A message's
/// recipients share its lookups: a recipient decided after another one
/// may ask nothing at all.
pub struct spfkit_policy_decide {
    stepper: Stepper<spf::policy::Decide>,
}

/// Starts the decision (core's `Message::decide`), calling the policy's
/// recipient rules; their failure is the status.
unsafe fn start(
    message: *const spfkit_policy_message,
    recipient: *const c_char,
    recipient_len: usize,
    error_out: *mut *mut spfkit_settings_error,
) -> Result<spf::policy::Decide, spfkit_status> {
    let m = unsafe { handle(message) }?;
    let recipient = unsafe { bytes(recipient.cast(), recipient_len) }?;
    // Nothing stale: a failure is only ever this call's.
    drop(take_rules_failure());
    let decide = m.message.decide(recipient);
    match take_rules_failure() {
        None => Ok(decide),
        Some(failure) => Err(unsafe { rules_failed(failure, error_out) }),
    }
}

/// Starts deciding the recipient `recipient` (the RCPT TO address, with or
/// without angle brackets: `recipient_len` bytes, borrowed for the call,
/// any bytes: a recipient that is not a UTF-8 `local@domain` of at most
/// 320 bytes is decided "not-checked" with rule "bad-recipient") of
/// `message`. The policy's recipient rules, if set, are called now; their
/// failure gives SPFKIT_ERR_CALLBACK or SPFKIT_ERR_SETTINGS (with
/// `*error_out` owning the error, if `error_out` is not NULL) and no
/// decision. On success `*out` owns the decision under way (free with
/// spfkit_policy_decide_free(); it may outlive the message) and
/// `*error_out` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_new(
    message: *const spfkit_policy_message,
    recipient: *const c_char,
    recipient_len: usize,
    out: *mut *mut spfkit_policy_decide,
    error_out: *mut *mut spfkit_settings_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            clear(error_out);
        }
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let decide = unsafe { start(message, recipient, recipient_len, error_out) }?;
        unsafe { give(out, spfkit_policy_decide { stepper: Stepper::new(decide) }) }
    })
}

/// Frees a decision under way and everything it lent out (query names);
/// NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_free(decide: *mut spfkit_policy_decide) {
    // SAFETY: made by spfkit_policy_decide_new (documented).
    unsafe { free(decide) }
}

/// Advances the decision; as spfkit_evaluation_next().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_next(
    decide: *mut spfkit_policy_decide,
    step_out: *mut spfkit_step,
    query_count_out: *mut usize,
) -> spfkit_status {
    boundary(|| unsafe { handle_mut(decide)?.stepper.next(step_out, query_count_out) })
}

/// Writes query `index` (from 0) of the last SPFKIT_STEP_LOOKUP to
/// `*query_out`; as spfkit_evaluation_query(): its name is borrowed from
/// the decision and stays valid until spfkit_policy_decide_free().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_query(
    decide: *const spfkit_policy_decide,
    index: usize,
    query_out: *mut spfkit_query,
) -> spfkit_status {
    boundary(|| unsafe { handle(decide)?.stepper.query(index, query_out) })
}

/// Answers query `id` with `count` records; as
/// spfkit_evaluation_answer_records().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_answer_records(
    decide: *mut spfkit_policy_decide,
    id: u32,
    records: *const spfkit_rdata,
    count: usize,
) -> spfkit_status {
    boundary(|| unsafe { handle_mut(decide)?.stepper.answer_records(id, records, count) })
}

/// Answers query `id` with a raw DNS response message; as
/// spfkit_evaluation_answer_message().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_answer_message(
    decide: *mut spfkit_policy_decide,
    id: u32,
    message: *const u8,
    message_len: usize,
) -> spfkit_status {
    boundary(|| unsafe { handle_mut(decide)?.stepper.answer_message(id, message, message_len) })
}

/// Answers query `id` with no records (an spfkit_answer_kind value); as
/// spfkit_evaluation_answer_empty().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_answer_empty(
    decide: *mut spfkit_policy_decide,
    id: u32,
    kind: u32,
) -> spfkit_status {
    boundary(|| unsafe { handle_mut(decide) }?.stepper.answer_empty(id, kind))
}

/// The caller's deadline has passed; as spfkit_evaluation_expire(): every
/// query unanswered, and every one the decision would still ask, is a
/// temporary DNS error (what that does is the settings' `temperror`), and
/// the next spfkit_policy_decide_next() gives SPFKIT_STEP_DONE. The
/// deadline applies to the message: lookups another recipient's decision
/// is waiting for are that decision's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_expire(decide: *mut spfkit_policy_decide) -> spfkit_status {
    boundary(|| {
        unsafe { handle_mut(decide) }?.stepper.steps.expire();
        Ok(())
    })
}

/// When the decision is done, gives `*out` a new decision the caller owns
/// (free with spfkit_policy_decision_free(); it outlives the decide
/// handle). Before that, SPFKIT_ERR_NOT_DONE and `*out` NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decide_decision(
    decide: *const spfkit_policy_decide,
    out: *mut *mut spfkit_policy_decision,
) -> spfkit_status {
    boundary(|| {
        unsafe { clear(out) };
        let d = unsafe { handle(decide) }?;
        let decision = d.stepper.steps.decision().ok_or(SPFKIT_ERR_NOT_DONE)?;
        unsafe { give(out, spfkit_policy_decision::new(decision.clone())) }
    })
}

/// Decides `recipient` of `message` (arguments and the recipient rules'
/// failures as for spfkit_policy_decide_new()), calling
/// `resolve(user_data, query, answerer)` for each DNS query as
/// spfkit_check() does, and gives `*out` the decision (free with
/// spfkit_policy_decision_free()); on failure `*out` is NULL. Blocks as
/// long as the callback does.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_message_decide(
    message: *const spfkit_policy_message,
    recipient: *const c_char,
    recipient_len: usize,
    resolve: spfkit_resolve_fn,
    user_data: *mut c_void,
    out: *mut *mut spfkit_policy_decision,
    error_out: *mut *mut spfkit_settings_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            clear(error_out);
        }
        let resolver = callback_resolver(resolve, user_data)?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let decide = unsafe { start(message, recipient, recipient_len, error_out) }?;
        unsafe { give(out, spfkit_policy_decision::new(decide.run(&resolver))) }
    })
}

// Decisions under way may move between threads.
const _: () = {
    const fn send<T: Send>() {}
    send::<spfkit_policy_decide>();
};
