//! DNS messages, for DNS over HTTPS and hosts with their own transport.

use js_sys::Uint8Array;
use spfkit as spf;
use wasm_bindgen::prelude::*;

use crate::errors::{invalid, unknown_name};
use crate::values::{string_arg, text_arg};

/// The RFC 1035 query message for `name` and `type` ("A", "TXT", ...;
/// core's `QueryType` reads the word), with message id `id` (0 for DNS over
/// HTTPS, RFC 8484 §4.1).
#[wasm_bindgen(js_name = queryMessage)]
pub fn query_message(name: JsValue, qtype: JsValue, id: u16) -> Result<Uint8Array, JsValue> {
    let name = text_arg(&name, "name")?;
    let qtype = string_arg(&qtype, "type")?.parse().map_err(unknown_name)?;
    let q = spf::Query { id: spf::QueryId(0), name, qtype };
    let bytes = spf::wire::query_message(&q, id).map_err(|e| invalid(&e.to_string()))?;
    Ok(Uint8Array::from(bytes.as_slice()))
}
