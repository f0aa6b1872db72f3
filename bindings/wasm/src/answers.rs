//! A host's answer to a query, as core's `Answer`.
//!
//! The JS layer (js/src/core.js) hands over a snapshot: strings, fresh
//! arrays, Uint8Array copies and plain { exchange, priority } objects, so
//! nothing read here runs user code. Elements are still read with
//! `Reflect::get`, which catches, and never through an iterator.

use std::net::IpAddr;

use js_sys::{Array, Reflect, Uint8Array};
use spfkit as spf;
use wasm_bindgen::{JsCast, JsValue};

use crate::error;

const MAX_RECORDS: u32 = spf::Answer::MAX_RECORDS as u32;
const MAX_TXT: usize = spf::RData::MAX_TXT;
/// A DNS message is at most 65535 bytes (its TCP length prefix).
pub(crate) const MAX_MESSAGE: u32 = 65_535;
/// Longest MX or PTR target taken (a name is at most 255 bytes on the wire).
const MAX_TARGET: usize = 1024;

fn wrong_shape(q: &spf::Query, what: &str) -> JsValue {
    error("resolver", &format!("the resolver's answer to {} {}: {what}", q.qtype.as_str(), q.name), &[])
}

/// The value given, for a message: primitives shown (strings cut), others
/// by their type.
fn shown(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return crate::bounds::shown_str(&s);
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

/// Element `i` of an array; a throwing getter reads as undefined (the JS
/// layer's snapshot has none).
fn element(list: &Array, i: u32) -> JsValue {
    Reflect::get_u32(list, i).unwrap_or(JsValue::UNDEFINED)
}

/// Appends a TXT character-string (a string as UTF-8, or bytes); false for
/// anything else. Stops copying once past MAX_TXT: the caller's length
/// check refuses the record then.
fn push_text(out: &mut Vec<u8>, v: &JsValue) -> bool {
    if let Some(s) = v.as_string() {
        out.extend_from_slice(s.as_bytes());
        return true;
    }
    if let Some(b) = v.dyn_ref::<Uint8Array>() {
        let n = b.length() as usize;
        if out.len() + n <= MAX_TXT {
            let start = out.len();
            out.resize(start + n, 0);
            b.copy_to(&mut out[start..]);
        } else {
            out.resize(MAX_TXT + 1, 0);
        }
        return true;
    }
    false
}

/// One record; `Ok(None)` for TXT data longer than any DNS record holds
/// (no DNS answer: the caller makes it a temporary error).
fn record(q: &spf::Query, v: &JsValue) -> Result<Option<spf::RData>, JsValue> {
    let bad = |what: &str| wrong_shape(q, &format!("{what}, not {}", shown(v)));
    Ok(Some(match q.qtype {
        spf::QueryType::Txt => {
            let mut joined = Vec::new();
            if !push_text(&mut joined, v) {
                if !Array::is_array(v) {
                    return Err(bad("a TXT record is a string, a Uint8Array, or an array of its strings"));
                }
                let parts: &Array = v.unchecked_ref();
                if parts.length() as usize > MAX_TXT {
                    return Ok(None);
                }
                // One record's character-strings, joined with nothing
                // between (§4.5), as Node's dns.resolveTxt gives them.
                for i in 0..parts.length() {
                    if !push_text(&mut joined, &element(parts, i)) {
                        return Err(bad("a TXT string is a string or a Uint8Array"));
                    }
                    if joined.len() > MAX_TXT {
                        return Ok(None);
                    }
                }
            }
            if joined.len() > MAX_TXT {
                return Ok(None);
            }
            spf::RData::Txt(joined)
        }
        spf::QueryType::A | spf::QueryType::Aaaa => {
            let s = v.as_string().ok_or_else(|| bad("an address is a string"))?;
            let ip: IpAddr = s.parse().map_err(|_| bad("an address is a string such as \"192.0.2.1\""))?;
            spf::RData::address(q.qtype, ip).ok_or_else(|| bad("the address family does not match the query type"))?
        }
        spf::QueryType::Mx => {
            // { exchange, priority } as Node's dns.resolveMx gives, or
            // { exchange, preference }.
            if !v.is_object() || Array::is_array(v) {
                return Err(bad("an MX record is an object { exchange, priority }"));
            }
            let exchange = Reflect::get(v, &"exchange".into()).ok().and_then(|e| e.as_string());
            let pref = ["priority", "preference"]
                .iter()
                .find_map(|k| Reflect::get(v, &(*k).into()).ok().and_then(|p| p.as_f64()));
            match (exchange, pref) {
                (Some(exchange), Some(p))
                    if (0.0..=65535.0).contains(&p) && p.fract() == 0.0 && exchange.len() <= MAX_TARGET =>
                {
                    spf::RData::Mx { preference: p as u16, exchange }
                }
                _ => return Err(bad("an MX record is an object { exchange: string, priority: 0..65535 }")),
            }
        }
        spf::QueryType::Ptr => {
            let name =
                v.as_string().filter(|n| n.len() <= MAX_TARGET).ok_or_else(|| bad("a PTR record is a string"))?;
            spf::RData::Ptr(name)
        }
    }))
}

/// A resolver's value as an answer: an array of records, "NXDOMAIN",
/// "NODATA", "TEMPERROR", or a whole DNS response message as a Uint8Array.
/// More records, or more TXT bytes, than one DNS message carries is no DNS
/// answer: a temporary error, as in every binding.
pub(crate) fn answer_of(q: &spf::Query, v: &JsValue) -> Result<spf::Answer, JsValue> {
    if let Some(s) = v.as_string() {
        return match s.as_str() {
            "NXDOMAIN" => Ok(spf::Answer::NxDomain),
            "NODATA" => Ok(spf::Answer::NoData),
            "TEMPERROR" => Ok(spf::Answer::TempError),
            _ => Err(wrong_shape(q, "a string answer is NXDOMAIN, NODATA or TEMPERROR (records come in an array)")),
        };
    }
    if let Some(b) = v.dyn_ref::<Uint8Array>() {
        if b.length() > MAX_MESSAGE {
            return Ok(spf::Answer::TempError);
        }
        return Ok(spf::wire::decode_answer(q, &b.to_vec()));
    }
    if Array::is_array(v) {
        let list: &Array = v.unchecked_ref();
        if list.length() > MAX_RECORDS {
            return Ok(spf::Answer::TempError);
        }
        let mut records = Vec::with_capacity(list.length() as usize);
        let mut txt = 0usize;
        for i in 0..list.length() {
            let Some(r) = record(q, &element(list, i))? else { return Ok(spf::Answer::TempError) };
            if let spf::RData::Txt(t) = &r {
                txt += t.len();
                if txt > MAX_TXT {
                    return Ok(spf::Answer::TempError);
                }
            }
            records.push(r);
        }
        return Ok(spf::Answer::Records(records));
    }
    Err(wrong_shape(
        q,
        &format!(
            "expected an array of records, NXDOMAIN, NODATA, TEMPERROR or a Uint8Array DNS message, not {}",
            shown(v)
        ),
    ))
}
