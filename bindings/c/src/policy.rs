//! Receiver policy from C (core's `spfkit::policy`, docs/policy-settings.md):
//! a policy made from checked settings and evaluation options, the
//! caller's optional per-recipient callback, and the messages whose
//! recipients it decides (policy_decide.rs, policy_decision.rs).

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::net::IpAddr;

use spf::policy::{Overrides, Policy, SettingsError, Value, overrides_from_value, settings_from_value};
use spfkit_core as spf;

use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::evaluation::{ip_bytes, ip_text};
use crate::ffi::{CText, clear, give, handle, handle_mut, text};
use crate::options::{options_or_default, spfkit_options};
use crate::panic::{boundary, free};
use crate::policy_settings::{refuse, spfkit_policy_overrides, spfkit_policy_settings, spfkit_settings_error};

/// A receiver's policy: checked settings, the evaluation options every
/// check of it uses, and optionally the caller's per-recipient rules.
/// Made by spfkit_policy_new(); free with spfkit_policy_free() (messages
/// made from it keep what they need). Const functions on it may run on
/// several threads at once: one policy serves every connection.
pub struct spfkit_policy {
    /// The policy without recipient rules, to set them again from.
    base: Policy,
    /// The policy messages are made from.
    policy: Policy,
}

/// One message (an SMTP transaction) under a policy: its recipients'
/// decisions share one SPF evaluation of HELO and MAIL FROM (and iprev),
/// made by whichever recipient first needs it; only the first accepted
/// recipient's decision carries the header fields. Made by
/// spfkit_policy_message_new(); free with spfkit_policy_message_free()
/// (decisions under way keep what they need). Decisions of one message may
/// be started and driven on several threads at once.
pub struct spfkit_policy_message {
    pub(crate) message: spf::policy::Message,
}

/// The caller's per-recipient rules (a database, LDAP): fill `overrides`
/// for `recipient` with spfkit_policy_overrides_set_*(), the keys of an
/// `[address."..."]` table, applied over the settings' own (the most
/// specific wins, key by key); set nothing to leave the settings alone.
/// `recipient` is the RCPT TO address as decided (angle brackets removed,
/// case kept), NUL-terminated UTF-8 of `recipient_len` bytes, borrowed for
/// the call; it is called only for a recipient that is `local@domain`, once
/// per decision, on the thread starting the decision
/// (spfkit_policy_decide_new(), spfkit_policy_message_decide()), before
/// that returns. Return 0 for success. Anything else is a failure: the
/// decision is not made and the call starting it fails with
/// SPFKIT_ERR_CALLBACK; overrides that are refused make it fail with
/// SPFKIT_ERR_SETTINGS and a spfkit_settings_error. Either way no decision
/// is made without the caller's rules: answer that recipient with a
/// temporary failure (451 4.3.0). Since any thread may start decisions,
/// the callback may run on several threads at once. It must return
/// normally: no longjmp() and no C++ exception out of it.
pub type spfkit_recipient_rules_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        recipient: *const c_char,
        recipient_len: usize,
        overrides: *mut spfkit_policy_overrides,
    ) -> c_int,
>;

/// Why the caller's recipient rules gave no overrides.
pub(crate) enum RulesFailure {
    /// The callback returned non-zero.
    Callback,
    /// Its overrides were refused.
    Refused(SettingsError),
}

thread_local! {
    /// The failure of the recipient rules called by the decision being
    /// started on this thread: core asks them inside `Message::decide`,
    /// which has no way to fail, so the call that started the decision
    /// looks here right after (`take_rules_failure`).
    static RULES_FAILURE: RefCell<Option<RulesFailure>> = const { RefCell::new(None) };
}

/// Takes the failure the recipient rules left on this thread, if any.
pub(crate) fn take_rules_failure() -> Option<RulesFailure> {
    RULES_FAILURE.with(|slot| slot.borrow_mut().take())
}

/// A failure of the recipient rules as the status of the call that
/// started the decision (a refusal's error given through `error_out`).
pub(crate) unsafe fn rules_failed(failure: RulesFailure, error_out: *mut *mut spfkit_settings_error) -> spfkit_status {
    match failure {
        RulesFailure::Callback => SPFKIT_ERR_CALLBACK,
        RulesFailure::Refused(error) => unsafe { refuse(error, error_out) }.err().unwrap_or(SPFKIT_ERR_SETTINGS),
    }
}

/// The caller's callback and its user data.
struct CRules {
    rules: unsafe extern "C" fn(*mut c_void, *const c_char, usize, *mut spfkit_policy_overrides) -> c_int,
    user_data: *mut c_void,
}

// SAFETY: the header makes the caller promise that the callback, with its
// user data, may be called from any thread, several at once.
unsafe impl Send for CRules {}
// SAFETY: as above.
unsafe impl Sync for CRules {}

impl CRules {
    /// The overrides for `recipient`; on a failure none, and the failure
    /// left for the caller of `Message::decide` on this thread.
    fn call(&self, recipient: &str) -> Option<Overrides> {
        let name = CText::new(recipient.as_bytes());
        let mut overrides = spfkit_policy_overrides { tree: Value::table() };
        // SAFETY: the caller's callback, with pointers valid for the call.
        let status = unsafe { (self.rules)(self.user_data, name.ptr(), name.len(), &mut overrides) };
        let result = match status {
            0 => overrides_from_value(&overrides.tree, "(recipient rules)", true).map_err(RulesFailure::Refused),
            _ => Err(RulesFailure::Callback),
        };
        match result {
            Ok(o) => Some(o),
            Err(failure) => {
                RULES_FAILURE.with(|slot| *slot.borrow_mut() = Some(failure));
                None
            }
        }
    }
}

/// Makes a policy from `settings` (checked here: every key known, every
/// value valid) and `options` (NULL for the defaults; copied: the limits,
/// the lookup plan, the record cache, the default explanation and the
/// timestamp count, while the scope, the receiver (the settings'
/// `authserv_id`) and the trace are the policy's own). Both may be freed
/// afterwards. On success `*out` owns the policy (free with
/// spfkit_policy_free()) and `*error_out` (if `error_out` is not NULL) is
/// NULL. Settings that are refused give SPFKIT_ERR_SETTINGS, `*out` NULL
/// and `*error_out` owning the error, which names the key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_new(
    settings: *const spfkit_policy_settings,
    options: *const spfkit_options,
    out: *mut *mut spfkit_policy,
    error_out: *mut *mut spfkit_settings_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            clear(error_out);
        }
        let s = unsafe { handle(settings) }?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match settings_from_value(&s.tree, &s.file) {
            Ok(checked) => {
                let policy = Policy::with_options(checked, options_or_default(options));
                unsafe { give(out, spfkit_policy { base: policy.clone(), policy }) }
            }
            Err(error) => unsafe { refuse(error, error_out) },
        }
    })
}

/// Frees a policy; NULL is fine. Messages made from it are unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_free(policy: *mut spfkit_policy) {
    // SAFETY: made by spfkit_policy_new (documented).
    unsafe { free(policy) }
}

/// Calls `rules(user_data, ...)` for each recipient of the messages made
/// from now on (see spfkit_recipient_rules_fn); NULL `rules` removes them.
/// Messages made earlier keep what they had. `user_data` is passed through
/// untouched and must stay valid as long as such messages (and their
/// decisions under way) live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_set_recipient_rules(
    policy: *mut spfkit_policy,
    rules: spfkit_recipient_rules_fn,
    user_data: *mut c_void,
) -> spfkit_status {
    boundary(|| {
        let p = unsafe { handle_mut(policy) }?;
        p.policy = match rules {
            Some(rules) => {
                let c = CRules { rules, user_data };
                p.base.clone().with_recipient_rules(move |recipient| c.call(recipient))
            }
            None => p.base.clone(),
        };
        Ok(())
    })
}

unsafe fn new_message(
    policy: *const spfkit_policy,
    ip: Result<IpAddr, spfkit_status>,
    mail_from: *const c_char,
    helo: *const c_char,
    authenticated: bool,
    out: *mut *mut spfkit_policy_message,
) -> Status {
    unsafe { clear(out) };
    let p = unsafe { handle(policy) }?;
    let (mail_from, helo) = unsafe { (text(mail_from)?, text(helo)?) };
    let ip = ip?;
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    let connection =
        spf::policy::Connection { ip, helo: helo.to_owned(), mail_from: mail_from.to_owned(), authenticated };
    unsafe { give(out, spfkit_policy_message { message: p.policy.message(connection) }) }
}

/// Starts a message arriving from `ip` (IPv4 or IPv6 text; IPv4-mapped
/// IPv6 is checked as IPv4) with MAIL FROM `mail_from` (the reverse-path
/// with or without angle brackets; "" or "<>" for the null one), HELO/EHLO
/// name `helo`, and whether the client authenticated (SMTP AUTH). The
/// strings are copied, of any length: a MAIL FROM or HELO over 4096 bytes
/// refuses every recipient (rule "bad-connection", 550 5.7.24). On success
/// `*out` owns the message (free with spfkit_policy_message_free()); on
/// failure it is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_message_new(
    policy: *const spfkit_policy,
    ip: *const c_char,
    mail_from: *const c_char,
    helo: *const c_char,
    authenticated: bool,
    out: *mut *mut spfkit_policy_message,
) -> spfkit_status {
    boundary(|| unsafe { new_message(policy, ip_text(ip), mail_from, helo, authenticated, out) })
}

/// As spfkit_policy_message_new(), with the address as `addr_len` bytes
/// in network order: 4 for IPv4, 16 for IPv6 (a struct in_addr /
/// in6_addr).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_message_new_ip(
    policy: *const spfkit_policy,
    addr: *const u8,
    addr_len: usize,
    mail_from: *const c_char,
    helo: *const c_char,
    authenticated: bool,
    out: *mut *mut spfkit_policy_message,
) -> spfkit_status {
    boundary(|| unsafe { new_message(policy, ip_bytes(addr, addr_len), mail_from, helo, authenticated, out) })
}

/// Frees a message; NULL is fine. Decisions started from it are
/// unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_message_free(message: *mut spfkit_policy_message) {
    // SAFETY: made by spfkit_policy_message_new* (documented).
    unsafe { free(message) }
}

// What the header promises about threads, checked.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_policy>();
    sync::<spfkit_policy>();
    send::<spfkit_policy_message>();
    sync::<spfkit_policy_message>();
    send::<spfkit_policy_settings>();
    sync::<spfkit_policy_settings>();
    send::<spfkit_settings_error>();
    sync::<spfkit_settings_error>();
};
