//! A host's answer to a query: records read into core's `AnswerBuilder`,
//! or a DNS message for core to decode.
//!
//! The JS layer (js/src/core.js) hands over a snapshot: strings, fresh
//! arrays, Uint8Array copies and plain { exchange, priority } objects, so
//! nothing read here runs user code. Elements are still read with
//! `Reflect::get`, which catches, and never through an iterator. What is
//! checked here is shapes; how many records and TXT bytes one answer may
//! hold is core's `AnswerBuilder`'s to say.

use std::net::IpAddr;

use js_sys::{Array, Reflect, Uint8Array};
use spfkit as spf;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{shown, wrong_shape};

/// Longest MX or PTR target taken (a name is at most 255 bytes on the wire).
const MAX_TARGET: usize = 1024;

/// What a resolver's value is.
pub(crate) enum Given {
    /// An answer built here.
    Answer(spf::Answer),
    /// A whole DNS response message, for core's `answer_message`.
    Message(Vec<u8>),
}

/// Element `i` of an array; a throwing getter reads as undefined (the JS
/// layer's snapshot has none).
fn element(list: &Array, i: u32) -> JsValue {
    Reflect::get_u32(list, i).unwrap_or(JsValue::UNDEFINED)
}

/// The bytes of a Uint8Array, copied only when no longer than `max` (a
/// longer one can only make the answer a temporary error).
fn bytes(b: &Uint8Array, max: usize) -> Option<Vec<u8>> {
    (b.length() as usize <= max).then(|| b.to_vec())
}

/// What became of a TXT character-string.
enum Part {
    Taken,
    /// Neither a string nor bytes.
    NotText,
    /// More bytes than any answer holds.
    Oversized,
}

/// Adds a TXT character-string (a string as UTF-8, or bytes) to the
/// record `out` is reading.
fn txt_part(out: &mut spf::AnswerBuilder, v: &JsValue) -> Part {
    if let Some(s) = v.as_string() {
        out.txt_part(s.as_bytes());
    } else if let Some(b) = v.dyn_ref::<Uint8Array>() {
        match bytes(b, spf::RData::MAX_TXT) {
            Some(b) => out.txt_part(&b),
            None => return Part::Oversized,
        }
    } else {
        return Part::NotText;
    }
    Part::Taken
}

/// Reads one record into `out`; false when it is more than any DNS
/// answer holds (the answer is then a temporary error).
fn record(q: &spf::Query, v: &JsValue, out: &mut spf::AnswerBuilder) -> Result<bool, JsValue> {
    let bad = |what: &str| wrong_shape(q, &format!("{what}, not {}", shown(v)));
    let r = match q.qtype {
        spf::QueryType::Txt => {
            match txt_part(out, v) {
                Part::Taken => {}
                Part::Oversized => return Ok(false),
                Part::NotText if !Array::is_array(v) => {
                    return Err(bad("a TXT record is a string, a Uint8Array, or an array of its strings"));
                }
                Part::NotText => {
                    // One record's character-strings, joined with nothing
                    // between (§4.5), as Node's dns.resolveTxt gives them.
                    // Each takes at least its length byte in a message.
                    let parts: &Array = v.unchecked_ref();
                    if parts.length() as usize > spf::wire::MAX_MESSAGE {
                        return Ok(false);
                    }
                    for i in 0..parts.length() {
                        match txt_part(out, &element(parts, i)) {
                            Part::Taken if out.is_over() => return Ok(false),
                            Part::Taken => {}
                            Part::Oversized => return Ok(false),
                            Part::NotText => return Err(bad("a TXT string is a string or a Uint8Array")),
                        }
                    }
                }
            }
            out.end_txt();
            return Ok(true);
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
    };
    out.push(r);
    Ok(true)
}

/// A resolver's value: an array of records, "NXDOMAIN", "NODATA",
/// "TEMPERROR", or a whole DNS response message as a Uint8Array. More
/// records, or more TXT bytes, than one DNS message carries is no DNS
/// answer: a temporary error (core's `AnswerBuilder`), as in every binding.
pub(crate) fn read(q: &spf::Query, v: &JsValue) -> Result<Given, JsValue> {
    if let Some(s) = v.as_string() {
        return match s.as_str() {
            "NXDOMAIN" => Ok(Given::Answer(spf::Answer::NxDomain)),
            "NODATA" => Ok(Given::Answer(spf::Answer::NoData)),
            "TEMPERROR" => Ok(Given::Answer(spf::Answer::TempError)),
            _ => Err(wrong_shape(q, "a string answer is NXDOMAIN, NODATA or TEMPERROR (records come in an array)")),
        };
    }
    if let Some(b) = v.dyn_ref::<Uint8Array>() {
        // Longer than any DNS message: not copied to find that out.
        return Ok(match bytes(b, spf::wire::MAX_MESSAGE) {
            Some(m) => Given::Message(m),
            None => Given::Answer(spf::Answer::TempError),
        });
    }
    if Array::is_array(v) {
        let list: &Array = v.unchecked_ref();
        let mut out = spf::AnswerBuilder::new(list.length() as usize);
        for i in 0..list.length() {
            if out.is_over() || !record(q, &element(list, i), &mut out)? {
                return Ok(Given::Answer(spf::Answer::TempError));
            }
        }
        return Ok(Given::Answer(out.finish()));
    }
    Err(wrong_shape(
        q,
        &format!(
            "expected an array of records, NXDOMAIN, NODATA, TEMPERROR or a Uint8Array DNS message, not {}",
            shown(v)
        ),
    ))
}
