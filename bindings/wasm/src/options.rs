//! Options objects as core's `Options` and `AnalysisOptions`. The JS layer
//! has checked each option's type (src/core.js); names and bounds are
//! core's: `Scope`, `LookupPlan`, `SpfResult` and `Identity` read their
//! own words, `Limits::check` bounds the limits, and their errors are
//! core's text.

use std::sync::Arc;

use serde::Deserialize;
use spfkit as spf;
use wasm_bindgen::prelude::*;

use crate::errors::{self, invalid, unknown_name};
use crate::values::{bounded, from_js, string_arg};

/// Results `definitive` may hold (one of each is seven).
const MAX_DEFINITIVE: usize = 64;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LimitsIn {
    dns_terms: Option<u32>,
    mx_names: Option<u32>,
    ptr_names: Option<u32>,
    void_lookups: Option<u32>,
}

/// Core's defaults with the limits given, checked by `Limits::check`.
fn limits(l: Option<LimitsIn>) -> Result<spf::Limits, JsValue> {
    let d = spf::Limits::default();
    let Some(l) = l else { return Ok(d) };
    let out = spf::Limits {
        dns_terms: l.dns_terms.unwrap_or(d.dns_terms),
        mx_names: l.mx_names.unwrap_or(d.mx_names),
        ptr_names: l.ptr_names.unwrap_or(d.ptr_names),
        void_lookups: l.void_lookups.unwrap_or(d.void_lookups),
    };
    out.check().map_err(errors::limit)?;
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CheckOptionsIn {
    identity: Option<String>,
    plan: Option<String>,
    receiver: Option<String>,
    limits: Option<LimitsIn>,
    default_explanation: Option<String>,
    trace: Option<bool>,
    always_mail_from: Option<bool>,
    definitive: Option<Vec<String>>,
    timestamp: Option<f64>,
}

/// An Evaluation's options: { identity, plan, receiver, limits,
/// defaultExplanation, trace, alwaysMailFrom, definitive, timestamp }.
pub(crate) fn check_options(v: JsValue) -> Result<spf::Options, JsValue> {
    let o: CheckOptionsIn = from_js(v, "options")?;
    let mut out = spf::Options {
        limits: limits(o.limits)?,
        trace: o.trace.unwrap_or(false),
        always_mail_from: o.always_mail_from.unwrap_or(false),
        ..spf::Options::default()
    };
    if let Some(s) = o.identity {
        out.scope = s.parse().map_err(unknown_name)?;
    }
    if let Some(p) = o.plan {
        out.plan = p.parse().map_err(unknown_name)?;
    }
    if let Some(r) = o.receiver {
        out.receiver = Arc::from(bounded(r, "receiver")?);
    }
    if let Some(e) = o.default_explanation {
        out.default_explanation = Arc::from(bounded(e, "defaultExplanation")?);
    }
    if let Some(names) = o.definitive {
        if names.len() > MAX_DEFINITIVE {
            return Err(invalid(&format!("definitive holds at most {MAX_DEFINITIVE} results")));
        }
        let results = names.iter().map(|n| n.parse::<spf::SpfResult>()).collect::<Result<Vec<_>, _>>();
        out.definitive = spf::ResultSet::of(&results.map_err(unknown_name)?);
    }
    if let Some(t) = o.timestamp {
        // A whole number of seconds a u64 holds exactly as an f64.
        if !((0.0..=9_007_199_254_740_991.0).contains(&t) && t.fract() == 0.0) {
            return Err(invalid("timestamp must be whole seconds since the epoch"));
        }
        out.timestamp = Some(t as u64);
    }
    Ok(out)
}

/// The identity of one check_host(), "helo" or "mailfrom" (core's
/// `Identity`); another word throws core's text. For checkHost().
#[wasm_bindgen(js_name = checkIdentity)]
pub fn check_identity(name: JsValue) -> Result<String, JsValue> {
    let name = string_arg(&name, "identity")?;
    let identity: spf::Identity = name.parse().map_err(unknown_name)?;
    Ok(identity.as_str().to_owned())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AnalysisOptionsIn {
    limits: Option<LimitsIn>,
    draft: Option<String>,
    ipv6_client: Option<bool>,
    max_nodes: Option<u32>,
}

/// An Analysis's options: { limits, draft, ipv6Client, maxNodes }.
pub(crate) fn analysis_options(v: JsValue) -> Result<spf::AnalysisOptions, JsValue> {
    let o: AnalysisOptionsIn = from_js(v, "options")?;
    let mut out = spf::AnalysisOptions { limits: limits(o.limits)?, ..spf::AnalysisOptions::default() };
    if let Some(d) = o.draft {
        if d.len() > spf::RData::MAX_TXT {
            return Err(invalid("draft is at most 65535 bytes"));
        }
        out.draft = Some(d);
    }
    out.ipv6_client = o.ipv6_client.unwrap_or(false);
    if let Some(n) = o.max_nodes {
        let max = spf::AnalysisOptions::MAX_NODES;
        if n == 0 || n as usize > max {
            return Err(invalid(&format!("maxNodes must be a whole number from 1 to {max}, not {n}")));
        }
        out.max_nodes = n as usize;
    }
    Ok(out)
}
