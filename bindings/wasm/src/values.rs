//! JS values in and out: string arguments within core's bounds, options
//! objects read by serde, plain objects back, string indices.

use serde::{Deserialize, Serialize};
use spfkit as spf;
use wasm_bindgen::JsValue;

use crate::errors::invalid;

/// Longest ip, sender, HELO, receiver or explanation accepted: core's bound.
pub(crate) const MAX_ARGUMENT: usize = spf::Request::MAX_LENGTH;

/// A string argument.
pub(crate) fn string_arg(v: &JsValue, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| invalid(&format!("{what} must be a string")))
}

/// A string argument within core's bound, said as core says it.
pub(crate) fn text_arg(v: &JsValue, what: &str) -> Result<String, JsValue> {
    let s = string_arg(v, what)?;
    bounded(s, what)
}

/// A string within core's bound.
pub(crate) fn bounded(s: String, what: &str) -> Result<String, JsValue> {
    if s.len() > MAX_ARGUMENT {
        return Err(invalid(&format!("{what} is longer than {MAX_ARGUMENT} bytes")));
    }
    Ok(s)
}

/// An options object. serde-wasm-bindgen reads only the fields a struct
/// names, so unknown (misspelt) names are refused by the JS layer, which
/// knows them (src/core.js).
pub(crate) fn from_js<T: for<'de> Deserialize<'de>>(v: JsValue, what: &str) -> Result<T, JsValue> {
    // The JS layer checks each option's type first and says which is
    // wrong; serde's own text ("invalid type: ...") is not for users.
    let v = if v.is_undefined() || v.is_null() { js_sys::Object::new().into() } else { v };
    serde_wasm_bindgen::from_value(v).map_err(|_| invalid(&format!("{what} holds a value of the wrong type")))
}

/// A plain object (or array) for the JS layer.
pub(crate) fn to_js<T: Serialize>(v: &T) -> JsValue {
    // JSON-compatible: objects, and null (not undefined) for what is absent.
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    v.serialize(&s).unwrap_or(JsValue::NULL)
}

/// JS string index (UTF-16 code units) of byte `b` of `text`.
pub(crate) fn js_index(text: &str, b: usize) -> usize {
    let mut b = b.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().map(char::len_utf16).sum()
}
