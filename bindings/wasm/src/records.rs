//! Records: a domain as check_host() looks it up, and a record's text
//! parsed into terms with JS string indices, or its syntax error.

use serde::Serialize;
use spfkit as spf;
use wasm_bindgen::prelude::*;

use crate::errors::{error, invalid};
use crate::values::{js_index, text_arg, to_js};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TermOut {
    text: String,
    kind: &'static str,
    /// The mechanism's or modifier's name, lower case.
    name: String,
    qualifier: Option<String>,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut {
    text: String,
    terms: Vec<TermOut>,
}

/// A domain as check_host() looks it up (RFC 7208 §4.3, RFC 8616): its
/// A-label form without the root dot; a domain check_host() would give
/// `none` for throws an Error with code "invalid-argument" saying why.
#[wasm_bindgen(js_name = checkDomain)]
pub fn check_domain(domain: JsValue) -> Result<String, JsValue> {
    let d = text_arg(&domain, "domain")?;
    spf::check_domain(&d).map(|a| a.into_owned()).map_err(invalid)
}

/// Parses a record's text: { text, terms: [{ text, kind, name, qualifier,
/// start, end }] } with JS string indices; a syntax error throws an Error
/// with `syntax: true`, the kind's `code` (as core's `code()`), `term`,
/// `start`, `end`.
#[wasm_bindgen(js_name = parseRecord)]
pub fn parse_record(text: JsValue) -> Result<JsValue, JsValue> {
    let s = text.as_string().ok_or_else(|| invalid("a record must be a string"))?;
    if s.len() > spf::RData::MAX_TXT {
        return Err(invalid("a record is at most 65535 bytes"));
    }
    match spf::Record::parse(&s) {
        Ok(r) => {
            let terms = r
                .terms()
                .iter()
                .map(|t| {
                    let span = t.span();
                    let (kind, name, qualifier) = match t {
                        spf::Term::Directive(d, _) => {
                            ("directive", d.mechanism.name().to_owned(), d.qualifier.map(|q| q.as_char().to_string()))
                        }
                        spf::Term::Modifier(m, _) => (
                            "modifier",
                            match m {
                                spf::Modifier::Redirect(_) => "redirect".to_owned(),
                                spf::Modifier::Explanation(_) => "exp".to_owned(),
                                spf::Modifier::Unknown { name, .. } => name.to_ascii_lowercase(),
                            },
                            None,
                        ),
                    };
                    TermOut {
                        text: t.to_string(),
                        kind,
                        name,
                        qualifier,
                        start: js_index(&s, span.start),
                        end: js_index(&s, span.end),
                    }
                })
                .collect();
            Ok(to_js(&RecordOut { text: r.to_string(), terms }))
        }
        Err(e) => {
            let (start, end) = (js_index(&s, e.span.start) as u32, js_index(&s, e.span.end) as u32);
            // Core's message ends with the byte span; JS has string indices.
            let text = e.to_string();
            let what = text.rsplit_once(" (bytes ").map_or(text.as_str(), |(w, _)| w);
            Err(error(
                e.kind.code(),
                &format!("{what} (characters {start}..{end})"),
                &[
                    ("syntax", true.into()),
                    ("term", e.term.as_str().into()),
                    ("start", start.into()),
                    ("end", end.into()),
                ],
            ))
        }
    }
}
