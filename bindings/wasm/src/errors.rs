//! Errors for the JS layer, and how a value given is shown in a message.
//!
//! Every error leaves as a JS `Error` carrying a `code` ("invalid-argument",
//! "invalid-address", "resolver", "answer", or a record syntax error's
//! kind) that js/src/core.js turns into its own classes.

use js_sys::{Array, Reflect};
use spfkit as spf;
use wasm_bindgen::JsValue;

/// An `Error` with a `code` (and any extra properties) for the JS layer.
pub(crate) fn error(code: &str, message: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let e = js_sys::Error::new(message);
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    for (k, v) in extra {
        let _ = Reflect::set(&e, &(*k).into(), v);
    }
    e.into()
}

/// An InvalidArgumentError.
pub(crate) fn invalid(message: &str) -> JsValue {
    error("invalid-argument", message, &[])
}

/// A word none of a vocabulary's (identity, plan, type, result): core's
/// text, so every binding says the same.
pub(crate) fn unknown_name(e: spf::UnknownName) -> JsValue {
    invalid(&e.to_string())
}

/// A limit over core's bound: core's text, with the field as the JS
/// option spells it ("limits.dnsTerms is at most 1000, not 5000").
pub(crate) fn limit(e: spf::LimitError) -> JsValue {
    invalid(&e.to_string().replacen(e.field, &camel_case(e.field), 1))
}

/// `dns_terms` → `dnsTerms`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// An AnswerError (core's text) for query `id`.
pub(crate) fn answer(id: u32, e: spf::AnswerError) -> JsValue {
    error("answer", &format!("query {id}: {e}"), &[])
}

/// A resolver's answer of the wrong shape, for query `q`.
pub(crate) fn wrong_shape(q: &spf::Query, what: &str) -> JsValue {
    error("resolver", &format!("the resolver's answer to {} {}: {what}", q.qtype.as_str(), q.name), &[])
}

/// A string for a message: quoted, cut after 40 characters.
pub(crate) fn shown_str(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// The value given, for a message: primitives shown (strings cut), others
/// by their type.
pub(crate) fn shown(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return shown_str(&s);
    }
    if let Some(n) = v.as_f64() {
        return n.to_string();
    }
    if let Some(b) = v.as_bool() {
        return b.to_string();
    }
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "an array".into();
    }
    match v.js_typeof().as_string().as_deref() {
        Some("object") => "an object".into(),
        Some("function") => "a function".into(),
        Some(t) => t.into(),
        None => "?".into(),
    }
}
