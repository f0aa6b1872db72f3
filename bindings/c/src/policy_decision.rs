//! A recipient's decision for C: the action and the rule (as enumerations
//! and as their stable names), the SMTP reply, the header fields, the
//! reputation key, the results it rests on.

use std::ffi::{CStr, c_char};
use std::ptr;

use spf::policy::{Action, Decision, Rule};
use spfkit_core as spf;

use crate::enums::{spfkit_identity, spfkit_result};
use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{CText, give_opt_string, give_string, handle, put, put_opt};
use crate::panic::{boundary, free};

/// What the MTA does with a recipient.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_policy_action {
    /// SPF was not checked (a skipped network, an authenticated client, a
    /// recipient that is not an address): accept, add nothing.
    SPFKIT_POLICY_ACTION_NOT_CHECKED = 1,
    /// Accept; the header fields went with an earlier recipient's decision
    /// of the message (or none are configured).
    SPFKIT_POLICY_ACTION_ACCEPT = 2,
    /// Accept and add the decision's header fields to the message.
    SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS = 3,
    /// Refuse the recipient with the decision's 5xx reply.
    SPFKIT_POLICY_ACTION_REJECT = 4,
    /// Refuse the recipient for now with the decision's 4xx reply.
    SPFKIT_POLICY_ACTION_DEFER = 5,
}

// Each action's name (core's `Action::as_str`, which the tests compare).
c_enum!(spfkit_policy_action => &'static CStr {
    SPFKIT_POLICY_ACTION_NOT_CHECKED = c"not-checked",
    SPFKIT_POLICY_ACTION_ACCEPT = c"accept",
    SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS = c"accept-with-headers",
    SPFKIT_POLICY_ACTION_REJECT = c"reject",
    SPFKIT_POLICY_ACTION_DEFER = c"defer",
});

c_enum!(spfkit_policy_action <= Action {
    SPFKIT_POLICY_ACTION_NOT_CHECKED = Action::NotChecked,
    SPFKIT_POLICY_ACTION_ACCEPT = Action::Accept,
    SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS = Action::AcceptWithHeaders,
    SPFKIT_POLICY_ACTION_REJECT = Action::Reject,
    SPFKIT_POLICY_ACTION_DEFER = Action::Defer,
});

/// The rule that decided (docs/policy-settings.md names each);
/// spfkit_policy_rule_name() gives its stable name, the one logs and the
/// `policy.rule` property use.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_policy_rule {
    /// "bad-recipient": the recipient is not `local@domain`; not checked.
    SPFKIT_POLICY_RULE_BAD_RECIPIENT = 1,
    /// "skip-network": the client is in `skip_networks`; not checked.
    SPFKIT_POLICY_RULE_SKIP_NETWORK = 2,
    /// "authenticated": the client authenticated; not checked.
    SPFKIT_POLICY_RULE_AUTHENTICATED = 3,
    /// "bad-connection": HELO or MAIL FROM longer than SMTP carries.
    SPFKIT_POLICY_RULE_BAD_CONNECTION = 4,
    /// "helo-reject": HELO's result is in `helo.reject`.
    SPFKIT_POLICY_RULE_HELO_REJECT = 5,
    /// "helo-must-pass": HELO's domain must pass and did not.
    SPFKIT_POLICY_RULE_HELO_MUST_PASS = 6,
    /// "helo-temperror": HELO's temperror defers.
    SPFKIT_POLICY_RULE_HELO_TEMPERROR = 7,
    /// "mail-from-reject": MAIL FROM's result is in `mail_from.reject`.
    SPFKIT_POLICY_RULE_MAIL_FROM_REJECT = 8,
    /// "mail-from-must-pass": MAIL FROM's domain must pass and did not.
    SPFKIT_POLICY_RULE_MAIL_FROM_MUST_PASS = 9,
    /// "mail-from-temperror": MAIL FROM's temperror defers.
    SPFKIT_POLICY_RULE_MAIL_FROM_TEMPERROR = 10,
    /// "best-guess": the best guess's result is in `best_guess_policy.reject`.
    SPFKIT_POLICY_RULE_BEST_GUESS = 11,
    /// "unacceptable-pass": a pass local policy finds unacceptable.
    SPFKIT_POLICY_RULE_UNACCEPTABLE_PASS = 12,
    /// "trusted-relay": the client is a trusted relay.
    SPFKIT_POLICY_RULE_TRUSTED_RELAY = 13,
    /// "forwarder-network": the client is a trusted forwarder's address.
    SPFKIT_POLICY_RULE_FORWARDER_NETWORK = 14,
    /// "forwarder-domain": the client passes SPF for a forwarder's domain.
    SPFKIT_POLICY_RULE_FORWARDER_DOMAIN = 15,
    /// "forwarder-address": the client passes SPF for the user's
    /// forwarding address.
    SPFKIT_POLICY_RULE_FORWARDER_ADDRESS = 16,
    /// "never-reject": the recipient never rejects on SPF.
    SPFKIT_POLICY_RULE_NEVER_REJECT = 17,
    /// "iprev": iprev is required and did not pass.
    SPFKIT_POLICY_RULE_IPREV = 18,
    /// "multiple": more than one required check failed.
    SPFKIT_POLICY_RULE_MULTIPLE = 19,
    /// "prospective": the message would fail SPF when forwarded (551).
    SPFKIT_POLICY_RULE_PROSPECTIVE = 20,
    /// "accept": nothing refused the recipient.
    SPFKIT_POLICY_RULE_ACCEPT = 21,
}

// Each rule's name (core's `Rule::as_str`, which the tests compare).
c_enum!(spfkit_policy_rule => &'static CStr {
    SPFKIT_POLICY_RULE_BAD_RECIPIENT = c"bad-recipient",
    SPFKIT_POLICY_RULE_SKIP_NETWORK = c"skip-network",
    SPFKIT_POLICY_RULE_AUTHENTICATED = c"authenticated",
    SPFKIT_POLICY_RULE_BAD_CONNECTION = c"bad-connection",
    SPFKIT_POLICY_RULE_HELO_REJECT = c"helo-reject",
    SPFKIT_POLICY_RULE_HELO_MUST_PASS = c"helo-must-pass",
    SPFKIT_POLICY_RULE_HELO_TEMPERROR = c"helo-temperror",
    SPFKIT_POLICY_RULE_MAIL_FROM_REJECT = c"mail-from-reject",
    SPFKIT_POLICY_RULE_MAIL_FROM_MUST_PASS = c"mail-from-must-pass",
    SPFKIT_POLICY_RULE_MAIL_FROM_TEMPERROR = c"mail-from-temperror",
    SPFKIT_POLICY_RULE_BEST_GUESS = c"best-guess",
    SPFKIT_POLICY_RULE_UNACCEPTABLE_PASS = c"unacceptable-pass",
    SPFKIT_POLICY_RULE_TRUSTED_RELAY = c"trusted-relay",
    SPFKIT_POLICY_RULE_FORWARDER_NETWORK = c"forwarder-network",
    SPFKIT_POLICY_RULE_FORWARDER_DOMAIN = c"forwarder-domain",
    SPFKIT_POLICY_RULE_FORWARDER_ADDRESS = c"forwarder-address",
    SPFKIT_POLICY_RULE_NEVER_REJECT = c"never-reject",
    SPFKIT_POLICY_RULE_IPREV = c"iprev",
    SPFKIT_POLICY_RULE_MULTIPLE = c"multiple",
    SPFKIT_POLICY_RULE_PROSPECTIVE = c"prospective",
    SPFKIT_POLICY_RULE_ACCEPT = c"accept",
});

c_enum!(spfkit_policy_rule <= Rule {
    SPFKIT_POLICY_RULE_BAD_RECIPIENT = Rule::BadRecipient,
    SPFKIT_POLICY_RULE_SKIP_NETWORK = Rule::SkipNetwork,
    SPFKIT_POLICY_RULE_AUTHENTICATED = Rule::Authenticated,
    SPFKIT_POLICY_RULE_BAD_CONNECTION = Rule::BadConnection,
    SPFKIT_POLICY_RULE_HELO_REJECT = Rule::HeloReject,
    SPFKIT_POLICY_RULE_HELO_MUST_PASS = Rule::HeloMustPass,
    SPFKIT_POLICY_RULE_HELO_TEMPERROR = Rule::HeloTempError,
    SPFKIT_POLICY_RULE_MAIL_FROM_REJECT = Rule::MailFromReject,
    SPFKIT_POLICY_RULE_MAIL_FROM_MUST_PASS = Rule::MailFromMustPass,
    SPFKIT_POLICY_RULE_MAIL_FROM_TEMPERROR = Rule::MailFromTempError,
    SPFKIT_POLICY_RULE_BEST_GUESS = Rule::BestGuess,
    SPFKIT_POLICY_RULE_UNACCEPTABLE_PASS = Rule::UnacceptablePass,
    SPFKIT_POLICY_RULE_TRUSTED_RELAY = Rule::TrustedRelay,
    SPFKIT_POLICY_RULE_FORWARDER_NETWORK = Rule::ForwarderNetwork,
    SPFKIT_POLICY_RULE_FORWARDER_DOMAIN = Rule::ForwarderDomain,
    SPFKIT_POLICY_RULE_FORWARDER_ADDRESS = Rule::ForwarderAddress,
    SPFKIT_POLICY_RULE_NEVER_REJECT = Rule::NeverReject,
    SPFKIT_POLICY_RULE_IPREV = Rule::Iprev,
    SPFKIT_POLICY_RULE_MULTIPLE = Rule::Multiple,
    SPFKIT_POLICY_RULE_PROSPECTIVE = Rule::Prospective,
    SPFKIT_POLICY_RULE_ACCEPT = Rule::Accept,
});

/// An iprev result (RFC 8601 §2.7.3, §3): whether the client's address
/// has a reverse name whose forward lookup gives the address back.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_iprev_result {
    SPFKIT_IPREV_PASS = 1,
    SPFKIT_IPREV_FAIL = 2,
    SPFKIT_IPREV_TEMPERROR = 3,
    SPFKIT_IPREV_PERMERROR = 4,
}

// Each result's name (core's `IprevResult::as_str`, which the tests compare).
c_enum!(spfkit_iprev_result => &'static CStr {
    SPFKIT_IPREV_PASS = c"pass",
    SPFKIT_IPREV_FAIL = c"fail",
    SPFKIT_IPREV_TEMPERROR = c"temperror",
    SPFKIT_IPREV_PERMERROR = c"permerror",
});

c_enum!(spfkit_iprev_result <= spf::IprevResult {
    SPFKIT_IPREV_PASS = spf::IprevResult::Pass,
    SPFKIT_IPREV_FAIL = spf::IprevResult::Fail,
    SPFKIT_IPREV_TEMPERROR = spf::IprevResult::TempError,
    SPFKIT_IPREV_PERMERROR = spf::IprevResult::PermError,
});

/// An action's stable name ("not-checked", "accept",
/// "accept-with-headers", "reject", "defer"), static; NULL for a number
/// that is no spfkit_policy_action.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_policy_action_name(action: u32) -> *const c_char {
    spfkit_policy_action::from_number(action).map_or(ptr::null(), |v| v.value().as_ptr())
}

/// A rule's stable name ("mail-from-reject", "forwarder-domain", ...),
/// static; NULL for a number that is no spfkit_policy_rule.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_policy_rule_name(rule: u32) -> *const c_char {
    spfkit_policy_rule::from_number(rule).map_or(ptr::null(), |v| v.value().as_ptr())
}

/// An iprev result's name as Authentication-Results writes it ("pass",
/// "fail", "temperror", "permerror"), static; NULL for a number that is
/// no spfkit_iprev_result.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_iprev_result_name(result: u32) -> *const c_char {
    spfkit_iprev_result::from_number(result).map_or(ptr::null(), |v| v.value().as_ptr())
}

/// A recipient's decision. Owned by the caller; free with
/// spfkit_policy_decision_free(). Strings it lends (header fields,
/// enhanced status codes) live until then.
pub struct spfkit_policy_decision {
    decision: Decision,
    /// The header fields, NUL-terminated: (name, value).
    headers: Vec<(CText, CText)>,
    /// The enhanced status codes of the reply and of the intended reply.
    enhanced: [Option<CText>; 2],
}

impl spfkit_policy_decision {
    pub(crate) fn new(decision: Decision) -> spfkit_policy_decision {
        let headers =
            decision.headers.iter().map(|(n, v)| (CText::new(n.as_bytes()), CText::new(v.as_bytes()))).collect();
        let code = |r: &Option<spf::SmtpReply>| r.as_ref().map(|r| CText::new(r.enhanced.as_bytes()));
        let enhanced = [code(&decision.reply), code(&decision.intended)];
        spfkit_policy_decision { decision, headers, enhanced }
    }
}

/// Frees a decision; NULL is fine. Strings lent by it die with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_free(decision: *mut spfkit_policy_decision) {
    // SAFETY: made by this library (documented).
    unsafe { free(decision) }
}

/// What to do with the recipient.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_action(
    decision: *const spfkit_policy_decision,
    action_out: *mut spfkit_policy_action,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(action_out, spfkit_policy_action::of(d.decision.action)) }
    })
}

/// The rule that decided.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_rule(
    decision: *const spfkit_policy_decision,
    rule_out: *mut spfkit_policy_rule,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(rule_out, spfkit_policy_rule::of(d.decision.rule)) }
    })
}

/// Writes `which` (0: the reply, 1: the intended one) as
/// spfkit_policy_decision_reply() says.
unsafe fn give_reply(
    d: &spfkit_policy_decision,
    which: usize,
    code_out: *mut u16,
    enhanced_out: *mut *const c_char,
    text_out: *mut *mut c_char,
) -> Status {
    if code_out.is_null() || enhanced_out.is_null() || text_out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // Defined outputs whatever happens below.
    unsafe {
        put(code_out, 0)?;
        put(enhanced_out, ptr::null())?;
        put(text_out, ptr::null_mut())?;
    }
    let reply = if which == 0 { &d.decision.reply } else { &d.decision.intended };
    if let (Some(reply), Some(enhanced)) = (reply, &d.enhanced[which]) {
        unsafe {
            give_string(reply.text.as_bytes(), text_out, ptr::null_mut())?;
            put(code_out, reply.code)?;
            put(enhanced_out, enhanced.ptr())?;
        }
    }
    Ok(())
}

/// The SMTP reply to send for SPFKIT_POLICY_ACTION_REJECT and _DEFER
/// (RFC 7372 and RFC 3463 codes: 550 5.7.23, 451 4.7.24, 550 5.7.25, 551
/// 5.7.1, ...). Writes the code to `*code_out`, the enhanced status code
/// ("5.7.23"; borrowed from the decision, valid until
/// spfkit_policy_decision_free(), do not free) to `*enhanced_out`, and the
/// text (a new string, printable ASCII, safe to send) to `*text_out`. For a
/// decision that sends none (every acceptance) the code is 0 and both
/// strings NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_reply(
    decision: *const spfkit_policy_decision,
    code_out: *mut u16,
    enhanced_out: *mut *const c_char,
    text_out: *mut *mut c_char,
) -> spfkit_status {
    boundary(|| unsafe { give_reply(handle(decision)?, 0, code_out, enhanced_out, text_out) })
}

/// In log-only mode (`log_only = true`), the reply the decision would have
/// sent, as spfkit_policy_decision_reply() writes one; code 0 and NULL
/// strings otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_intended(
    decision: *const spfkit_policy_decision,
    code_out: *mut u16,
    enhanced_out: *mut *const c_char,
    text_out: *mut *mut c_char,
) -> spfkit_status {
    boundary(|| unsafe { give_reply(handle(decision)?, 1, code_out, enhanced_out, text_out) })
}

/// The recipient decided, as a new string: as given, angle brackets
/// removed; "" for one that is not `local@domain` (rule "bad-recipient").
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_recipient(
    decision: *const spfkit_policy_decision,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { give_string(d.decision.recipient.as_bytes(), out, len_out) }
    })
}

/// The name of the trusted forwarder that decided, as a new string;
/// `*out` NULL when none did.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_forwarder(
    decision: *const spfkit_policy_decision,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { give_opt_string(d.decision.forwarder.as_deref(), out, len_out) }
    })
}

/// The reputation key, `domain:RESULT` ("example.com:FAIL"), as a new
/// string: the message's MAIL FROM domain and result (HELO's when MAIL FROM
/// was not evaluated); `*out` NULL when nothing was checked.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_reputation_key(
    decision: *const spfkit_policy_decision,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { give_opt_string(d.decision.reputation_key.as_deref(), out, len_out) }
    })
}

/// The SPF result of `identity` (SPFKIT_IDENTITY_HELO or
/// SPFKIT_IDENTITY_MAIL_FROM; SPFKIT_IDENTITY_DECIDING is
/// SPFKIT_ERR_INVALID_ARGUMENT here) this decision rests on;
/// SPFKIT_ERR_NOT_CHECKED when it was not evaluated for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_spf_result(
    decision: *const spfkit_policy_decision,
    identity: u32,
    result_out: *mut spfkit_result,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        let result = match spfkit_identity::core_from_number(identity).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)? {
            spf::Identity::Helo => d.decision.helo,
            spf::Identity::MailFrom => d.decision.mail_from,
        };
        unsafe { put(result_out, spfkit_result::of(result.ok_or(SPFKIT_ERR_NOT_CHECKED)?)) }
    })
}

/// The best guess's result (`best_guess`, evaluated for a MAIL FROM
/// domain without SPF; never an SPF result); SPFKIT_ERR_NOT_CHECKED when
/// it was not evaluated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_best_guess(
    decision: *const spfkit_policy_decision,
    result_out: *mut spfkit_result,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(result_out, spfkit_result::of(d.decision.best_guess.ok_or(SPFKIT_ERR_NOT_CHECKED)?)) }
    })
}

/// Whether a pass was found unacceptable (RFC 8601 §2.7.2's `policy`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_unacceptable_pass(
    decision: *const spfkit_policy_decision,
    unacceptable_out: *mut bool,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(unacceptable_out, d.decision.unacceptable_pass) }
    })
}

/// iprev's result; SPFKIT_ERR_NOT_CHECKED when iprev was not checked.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_iprev(
    decision: *const spfkit_policy_decision,
    iprev_out: *mut spfkit_iprev_result,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(iprev_out, spfkit_iprev_result::of(d.decision.iprev.ok_or(SPFKIT_ERR_NOT_CHECKED)?)) }
    })
}

/// The DNS queries this decision asked in `*queries_out` and, if
/// `round_trips_out` is not NULL, the steps with queries it took. Lookups
/// an earlier recipient of the message made are not asked again, so a
/// later recipient's counts may be 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_queries(
    decision: *const spfkit_policy_decision,
    queries_out: *mut u32,
    round_trips_out: *mut u32,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe {
            put(queries_out, d.decision.queries)?;
            put_opt(round_trips_out, d.decision.round_trips);
        }
        Ok(())
    })
}

/// A header field to add to the message: name and value borrowed from the
/// decision (valid until spfkit_policy_decision_free()), each
/// NUL-terminated, with its length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_header_field {
    /// "Received-SPF" or "Authentication-Results".
    pub name: *const c_char,
    pub name_len: usize,
    /// The value, without the name and ": ". No control character
    /// appears in it except the CRLF of a fold: a value that would make a
    /// line over 998 characters is folded with CRLF and a space (RFC 5322
    /// §2.2.3); write it as it is.
    pub value: *const c_char,
    pub value_len: usize,
}

/// The number of header fields to add: 0 unless the action is
/// SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS (the message's first accepted
/// recipient).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_header_count(
    decision: *const spfkit_policy_decision,
    count_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        unsafe { put(count_out, d.headers.len()) }
    })
}

/// Writes header field `index` (from 0; Received-SPF comes before
/// Authentication-Results) to `*field_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_decision_header(
    decision: *const spfkit_policy_decision,
    index: usize,
    field_out: *mut spfkit_header_field,
) -> spfkit_status {
    boundary(|| {
        let d = unsafe { handle(decision) }?;
        let (name, value) = d.headers.get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        let field =
            spfkit_header_field { name: name.ptr(), name_len: name.len(), value: value.ptr(), value_len: value.len() };
        unsafe { put(field_out, field) }
    })
}

// A decision may move between threads and be read on several at once.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_policy_decision>();
    sync::<spfkit_policy_decision>();
};

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn name(p: *const c_char) -> &'static str {
        assert!(!p.is_null());
        // SAFETY: a static NUL-terminated name.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn every_rule_and_action_has_cores_name() {
        assert_eq!(spfkit_policy_rule::ALL.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(name(spfkit_policy_rule_name(spfkit_policy_rule::of(*r) as u32)), r.as_str());
        }
        for a in [Action::NotChecked, Action::Accept, Action::AcceptWithHeaders, Action::Reject, Action::Defer] {
            assert_eq!(name(spfkit_policy_action_name(spfkit_policy_action::of(a) as u32)), a.as_str());
        }
        assert_eq!(spfkit_policy_action::ALL.len(), 5);
        for r in
            [spf::IprevResult::Pass, spf::IprevResult::Fail, spf::IprevResult::TempError, spf::IprevResult::PermError]
        {
            assert_eq!(name(spfkit_iprev_result_name(spfkit_iprev_result::of(r) as u32)), r.as_str());
        }
        assert_eq!(spfkit_iprev_result::ALL.len(), 4);
        for n in [0, 22, u32::MAX] {
            assert!(spfkit_policy_rule_name(n).is_null());
        }
        assert!(spfkit_policy_action_name(0).is_null() && spfkit_policy_action_name(6).is_null());
        assert!(spfkit_iprev_result_name(0).is_null() && spfkit_iprev_result_name(5).is_null());
    }
}
