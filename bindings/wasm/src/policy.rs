//! Receiver policy (core's `spfkit::policy`, docs/policy-settings.md):
//! the classes `Policy`, `PolicyMessage` and `PolicyDecide` for
//! js/src/policy.js.
//!
//! Settings come as a tree js/src/policy.js snapshotted from the caller's
//! object (strings, numbers, booleans, fresh arrays, a `Map` per table, and
//! `{ other: kind }` for a value no setting takes), bounded in depth,
//! entries and size there; here it becomes core's `policy::Value`, and
//! core reads it, so every key, bound and error text is core's. Without
//! TOML: the module is built without core's default features.

use std::net::IpAddr;

use js_sys::{Array, Map, Reflect, Uint8Array};
use serde::Serialize;
use spfkit::policy::{self as core_policy, Connection, Decision, SettingsError, Value};
use spfkit::{self as spf, SmtpReply};
use wasm_bindgen::prelude::*;

use crate::errors::{self, error};
use crate::options::check_options;
use crate::steps::{answer, step_out};
use crate::values::{string_arg, to_js};

/// Nesting read from a snapshot (js/src/policy.js stops sooner); past it,
/// a value is no setting.
const MAX_DEPTH: u32 = 32;

/// A settings error for the JS layer: code `policy-settings`, with core's
/// file, line, key and message (`reason`).
fn settings_error(e: &SettingsError) -> JsValue {
    let line = e.line.map_or(JsValue::NULL, JsValue::from);
    error(
        "policy-settings",
        &e.to_string(),
        &[
            ("file", e.file.as_str().into()),
            ("line", line),
            ("key", e.key.as_str().into()),
            ("reason", e.message.as_str().into()),
        ],
    )
}

/// What a `{ other: kind }` of the snapshot stands for, in core's words
/// ("must be a string, not a function").
fn other(v: &JsValue) -> &'static str {
    if v.is_null() {
        return "null";
    }
    if v.is_undefined() {
        return "undefined";
    }
    let kind = Reflect::get(v, &"other".into()).ok().and_then(|k| k.as_string());
    match kind.as_deref() {
        Some("null") => "null",
        Some("undefined") => "undefined",
        Some("function") => "a function",
        Some("symbol") => "a symbol",
        Some("bigint") => "a bigint",
        Some("object") => "an object that is neither a plain object nor an array",
        Some("unreadable") => "a value that could not be read (a getter or a proxy's trap threw)",
        Some("deep") => "a value nested too deep",
        _ => "a value of another type",
    }
}

/// A number as a setting: whole numbers a double holds exactly.
fn number(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_991.0;
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= EXACT {
        Value::Integer(n as i64)
    } else {
        Value::Other("a number that is not whole")
    }
}

/// The snapshot as core's settings tree.
fn tree(v: &JsValue, depth: u32) -> Value {
    if let Some(s) = v.as_string() {
        return Value::String(s);
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return number(n);
    }
    if depth < MAX_DEPTH {
        if Array::is_array(v) {
            let items = Array::from(v);
            return Value::Array(items.iter().map(|item| tree(&item, depth + 1)).collect());
        }
        if let Some(table) = v.dyn_ref::<Map>() {
            // Array.from(map): its [key, value] pairs, in order.
            let pairs = Array::from(table);
            let mut entries = Vec::with_capacity(pairs.length() as usize);
            for pair in pairs.iter() {
                let pair = Array::from(&pair);
                let key = pair.get(0).as_string().unwrap_or_default();
                entries.push((key, 0, tree(&pair.get(1), depth + 1)));
            }
            return Value::Table(entries);
        }
    }
    Value::Other(other(v))
}

/// A recipient: a string (as UTF-8) or bytes, as the JS layer cut it.
fn recipient_bytes(v: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(s.into_bytes());
    }
    match v.dyn_ref::<Uint8Array>() {
        Some(b) => Ok(b.to_vec()),
        None => Err(errors::invalid("a recipient must be a string or a Uint8Array")),
    }
}

/// A receiver's policy: settings read by core, and the evaluation options.
#[wasm_bindgen(js_name = Policy)]
pub struct WasmPolicy {
    inner: core_policy::Policy,
}

#[wasm_bindgen(js_class = Policy)]
impl WasmPolicy {
    /// `settings`: the snapshot tree; `file` names it in errors;
    /// `options`: { plan, limits, defaultExplanation, timestamp }.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, file: JsValue, options: JsValue) -> Result<WasmPolicy, JsValue> {
        let file = string_arg(&file, "file")?;
        let settings = core_policy::settings_from_value(&tree(&settings, 0), &file).map_err(|e| settings_error(&e))?;
        let options = check_options(options)?;
        Ok(WasmPolicy { inner: core_policy::Policy::with_options(settings, options) })
    }

    /// A message on a connection: HELO and MAIL FROM as given (core
    /// decides one too long for SMTP as `bad-connection`).
    pub fn message(
        &self,
        ip: JsValue,
        helo: JsValue,
        mail_from: JsValue,
        authenticated: bool,
    ) -> Result<PolicyMessage, JsValue> {
        let ip_text = string_arg(&ip, "ip")?;
        let ip: IpAddr = ip_text.trim().parse().map_err(|_| {
            error("invalid-address", &format!("{} is not an IP address", errors::shown_str(&ip_text)), &[])
        })?;
        let connection = Connection {
            ip,
            helo: string_arg(&helo, "helo")?,
            mail_from: string_arg(&mail_from, "mailFrom")?,
            authenticated,
        };
        Ok(PolicyMessage { inner: self.inner.message(connection) })
    }
}

/// One message: its recipients share one SPF evaluation.
#[wasm_bindgen]
pub struct PolicyMessage {
    inner: core_policy::Message,
}

#[wasm_bindgen]
impl PolicyMessage {
    /// The recipient as core decides it (angle brackets removed), or null
    /// when it is no `local@domain` (core's `Message::recipient_address`).
    pub fn recipient(&self, recipient: JsValue) -> Result<Option<String>, JsValue> {
        Ok(core_policy::Message::recipient_address(recipient_bytes(&recipient)?))
    }

    /// The step machine deciding `recipient`, with `overrides` (a snapshot
    /// tree, or null) over the settings'; `file` names them in errors.
    pub fn decide(&self, recipient: JsValue, overrides: JsValue, file: JsValue) -> Result<PolicyDecide, JsValue> {
        let raw = recipient_bytes(&recipient)?;
        let host = if overrides.is_null() || overrides.is_undefined() {
            None
        } else {
            let file = string_arg(&file, "file")?;
            let o =
                core_policy::overrides_from_value(&tree(&overrides, 0), &file, true).map_err(|e| settings_error(&e))?;
            Some(o)
        };
        Ok(PolicyDecide { inner: self.inner.decide_with(raw, host) })
    }
}

/// One recipient's decision driven by the host, as an Evaluation is.
#[wasm_bindgen]
pub struct PolicyDecide {
    inner: core_policy::Decide,
}

#[wasm_bindgen]
impl PolicyDecide {
    /// As Evaluation.next.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> JsValue {
        step_out(self.inner.next())
    }

    /// As Evaluation.answer.
    pub fn answer(&mut self, id: u32, value: JsValue) -> Result<(), JsValue> {
        answer(&mut self.inner, id, &value)
    }

    /// As Evaluation.expire.
    pub fn expire(&mut self) {
        self.inner.expire();
    }

    /// The decision as a plain object once done, else null.
    pub fn decision(&self) -> JsValue {
        self.inner.decision().map_or(JsValue::NULL, |d| to_js(&decision_out(d)))
    }
}

#[derive(Serialize)]
struct ReplyOut<'a> {
    code: u16,
    enhanced: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultsOut {
    helo: Option<&'static str>,
    mail_from: Option<&'static str>,
    best_guess: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionOut<'a> {
    recipient: &'a str,
    action: &'static str,
    refuses: bool,
    reply: Option<ReplyOut<'a>>,
    intended: Option<ReplyOut<'a>>,
    rule: &'static str,
    forwarder: Option<&'a str>,
    headers: Vec<(&'a str, &'a str)>,
    reputation_key: Option<&'a str>,
    results: ResultsOut,
    unacceptable_pass: bool,
    iprev: Option<&'static str>,
    queries: u32,
    round_trips: u32,
}

fn reply_out(r: &SmtpReply) -> ReplyOut<'_> {
    ReplyOut { code: r.code, enhanced: r.enhanced, text: &r.text }
}

fn decision_out(d: &Decision) -> DecisionOut<'_> {
    let name = |r: Option<spf::SpfResult>| r.map(spf::SpfResult::as_str);
    DecisionOut {
        recipient: &d.recipient,
        action: d.action.as_str(),
        refuses: d.refuses(),
        reply: d.reply.as_ref().map(reply_out),
        intended: d.intended.as_ref().map(reply_out),
        rule: d.rule.as_str(),
        forwarder: d.forwarder.as_deref(),
        headers: d.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect(),
        reputation_key: d.reputation_key.as_deref(),
        results: ResultsOut { helo: name(d.helo), mail_from: name(d.mail_from), best_guess: name(d.best_guess) },
        unacceptable_pass: d.unacceptable_pass,
        iprev: d.iprev.map(spf::IprevResult::as_str),
        queries: d.queries,
        round_trips: d.round_trips,
    }
}
