//! The WebAssembly half of the npm package `spfkit` (js/).
//!
//! A thin layer: JS values in, checked, core types out, plain objects back.
//! The public API (async `check`, resolvers, error classes) is the ES
//! module in js/src, which drives the step classes here. Errors leave as JS
//! `Error`s carrying a `code` the JS layer turns into its own classes.
//!
//! Nothing here may panic: on wasm32 a panic is a trap, and a trap inside a
//! method leaves that object unusable. Every input is checked and every
//! size bounded instead.

mod answers;
mod bounds;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use answers::answer_of;
use js_sys::{Array, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use spfkit as spf;
use wasm_bindgen::prelude::*;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// An `Error` with a `code` (and any extra properties) for the JS layer.
pub(crate) fn error(code: &str, message: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let e = js_sys::Error::new(message);
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    for (k, v) in extra {
        let _ = Reflect::set(&e, &(*k).into(), v);
    }
    e.into()
}

fn invalid(message: &str) -> JsValue {
    error("invalid-argument", message, &[])
}

const MAX_LIMIT: u32 = spf::Limits::MAX;
const MAX_TXT: usize = spf::RData::MAX_TXT;
/// Longest ip, sender, HELO or receiver accepted: core's bound.
const MAX_ARGUMENT: usize = spf::Request::MAX_LENGTH;

/// A string argument.
fn string_arg(v: &JsValue, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| invalid(&format!("{what} must be a string")))
}

/// A string argument within core's bound, said as core says it.
fn text_arg(v: &JsValue, what: &str) -> Result<String, JsValue> {
    let s = string_arg(v, what)?;
    if s.len() > MAX_ARGUMENT {
        return Err(invalid(&format!("{what} is longer than {MAX_ARGUMENT} bytes")));
    }
    Ok(s)
}

/// An options object. serde-wasm-bindgen reads only the fields a struct
/// names, so unknown (misspelt) names are refused by the JS layer, which
/// knows them (src/core.js).
fn from_js<T: for<'de> Deserialize<'de>>(v: JsValue, what: &str) -> Result<T, JsValue> {
    // The JS layer checks each option's type first and says which is
    // wrong; serde's own text ("invalid type: ...") is not for users.
    let v = if v.is_undefined() || v.is_null() { js_sys::Object::new().into() } else { v };
    serde_wasm_bindgen::from_value(v).map_err(|_| invalid(&format!("{what} holds a value of the wrong type")))
}

fn to_js<T: Serialize>(v: &T) -> JsValue {
    // JSON-compatible: objects, and null (not undefined) for what is absent.
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    v.serialize(&s).unwrap_or(JsValue::NULL)
}

// ---------------------------------------------------------------------------
// Internationalized domain names
// ---------------------------------------------------------------------------

#[wasm_bindgen]
extern "C" {
    /// The platform's WHATWG URL class (browsers, workers, Node, Deno).
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &str) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter, js_class = "URL")]
    fn hostname(this: &Url) -> String;
}

/// U-labels to A-labels (RFC 8616) by the platform's URL parser, UTS #46
/// as WHATWG URL applies it: core is built without the idna crate, whose
/// tables would be most of the module. A name holding a character URLs
/// forbid in a host (space, '%', '/', …) is refused, where the idna crate
/// would convert it; no host name holds one.
fn url_a_labels(name: &str) -> Option<String> {
    const FORBIDDEN: &[char] = &[' ', '#', '%', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|', '\u{7f}'];
    if name.contains(|c: char| c.is_ascii_control() || FORBIDDEN.contains(&c)) {
        return None;
    }
    // The ".x" keeps a numeric last label from being read as an IPv4
    // address. A root dot made by the mapping ("。") stays, as natively.
    let host = Url::new(&format!("http://{name}.x/")).ok()?.hostname();
    host.strip_suffix(".x").map(str::to_owned)
}

#[wasm_bindgen(start)]
fn start() {
    spf::set_idna(url_a_labels);
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LimitsIn {
    dns_terms: Option<u32>,
    mx_names: Option<u32>,
    ptr_names: Option<u32>,
    void_lookups: Option<u32>,
}

fn limits(l: Option<LimitsIn>) -> Result<spf::Limits, JsValue> {
    let mut out = spf::Limits::default();
    let Some(l) = l else { return Ok(out) };
    for (slot, v, name) in [
        (&mut out.dns_terms, l.dns_terms, "dnsTerms"),
        (&mut out.mx_names, l.mx_names, "mxNames"),
        (&mut out.ptr_names, l.ptr_names, "ptrNames"),
        (&mut out.void_lookups, l.void_lookups, "voidLookups"),
    ] {
        if let Some(v) = v {
            if v > MAX_LIMIT {
                return Err(invalid(&format!("limits.{name} must be a whole number from 0 to {MAX_LIMIT}, not {v}")));
            }
            *slot = v;
        }
    }
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

fn check_options(v: JsValue) -> Result<spf::Options, JsValue> {
    let o: CheckOptionsIn = from_js(v, "options")?;
    let mut out = spf::Options {
        scope: match o.identity.as_deref() {
            None | Some("both") => spf::Scope::Both,
            Some("mailfrom") => spf::Scope::MailFrom,
            Some("helo") => spf::Scope::Helo,
            Some(other) => {
                return Err(invalid(&format!(
                    "identity must be 'both', 'mailfrom' or 'helo', not {}",
                    bounds::shown_str(other)
                )));
            }
        },
        plan: match o.plan.as_deref() {
            None | Some("batched") => spf::LookupPlan::Batched,
            Some("sequential") => spf::LookupPlan::Sequential,
            Some(other) => {
                return Err(invalid(&format!(
                    "plan must be 'batched' or 'sequential', not {}",
                    bounds::shown_str(other)
                )));
            }
        },
        limits: limits(o.limits)?,
        trace: o.trace.unwrap_or(false),
        always_mail_from: o.always_mail_from.unwrap_or(false),
        ..spf::Options::default()
    };
    if let Some(r) = o.receiver {
        if r.len() > MAX_ARGUMENT {
            return Err(invalid(&format!("receiver is longer than {MAX_ARGUMENT} bytes")));
        }
        out.receiver = Arc::from(r);
    }
    if let Some(e) = o.default_explanation {
        if e.len() > MAX_ARGUMENT {
            return Err(invalid(&format!("defaultExplanation is longer than {MAX_ARGUMENT} bytes")));
        }
        out.default_explanation = Arc::from(e);
    }
    if let Some(names) = o.definitive {
        if names.len() > 64 {
            return Err(invalid("definitive holds at most 64 results"));
        }
        let mut results = Vec::with_capacity(names.len());
        for n in &names {
            results.push(
                spf::SpfResult::from_name(n)
                    .ok_or_else(|| invalid(&format!("{} is not an SPF result", bounds::shown_str(n))))?,
            );
        }
        out.definitive = spf::ResultSet::of(&results);
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

// ---------------------------------------------------------------------------
// Queries out, answers in
// ---------------------------------------------------------------------------

#[derive(Serialize)]
struct QueryOut<'a> {
    id: u32,
    name: &'a str,
    #[serde(rename = "type")]
    qtype: &'static str,
}

fn query_type(s: &str) -> Option<spf::QueryType> {
    Some(match s {
        "A" => spf::QueryType::A,
        "AAAA" => spf::QueryType::Aaaa,
        "MX" => spf::QueryType::Mx,
        "TXT" => spf::QueryType::Txt,
        "PTR" => spf::QueryType::Ptr,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// The step classes
// ---------------------------------------------------------------------------

/// What Evaluation and Analysis share: the queries handed out, so an answer
/// can be checked against its question.
#[derive(Default)]
struct Handed {
    queries: HashMap<u32, spf::Query>,
}

impl Handed {
    fn step<T>(&mut self, step: spf::Step<'_, T>) -> JsValue {
        match step {
            spf::Step::Lookup(qs) => {
                let out: Vec<QueryOut<'_>> =
                    qs.iter().map(|q| QueryOut { id: q.id.0, name: &q.name, qtype: q.qtype.as_str() }).collect();
                let v = to_js(&out);
                for q in qs {
                    self.queries.insert(q.id.0, q.clone());
                }
                v
            }
            spf::Step::Pending => Array::new().into(),
            spf::Step::Done(_) => JsValue::NULL,
        }
    }

    fn answer(
        &mut self,
        id: u32,
        answer: &JsValue,
        give: impl FnOnce(spf::QueryId, spf::Answer) -> Result<(), spf::AnswerError>,
    ) -> Result<(), JsValue> {
        let q = self
            .queries
            .get(&id)
            .ok_or_else(|| error("answer", &format!("no query with id {id} was handed out"), &[]))?;
        let a = answer_of(q, answer)?;
        give(spf::QueryId(id), a).map_err(|e| error("answer", &format!("query {id}: {e}"), &[]))
    }
}

/// One SPF evaluation driven by the host (core's step API).
#[wasm_bindgen]
pub struct Evaluation {
    inner: spf::Evaluation,
    handed: Handed,
}

#[wasm_bindgen]
impl Evaluation {
    /// `options`: { identity, plan, receiver, limits, defaultExplanation,
    /// trace, alwaysMailFrom, definitive, timestamp }.
    #[wasm_bindgen(constructor)]
    pub fn new(ip: JsValue, sender: JsValue, helo: JsValue, options: JsValue) -> Result<Evaluation, JsValue> {
        let ip_text = text_arg(&ip, "ip")?;
        let sender = string_arg(&sender, "sender")?;
        let helo = string_arg(&helo, "helo")?;
        let ip: IpAddr = ip_text.trim().parse().map_err(|_| {
            error("invalid-address", &format!("{} is not an IP address", bounds::shown_str(&ip_text)), &[])
        })?;
        let request = spf::Request::new(ip, sender, helo);
        request.check_bounds().map_err(|e| invalid(&e))?;
        let options = check_options(options)?;
        Ok(Evaluation { inner: spf::Evaluation::new(request, options), handed: Handed::default() })
    }

    /// The next queries ([{ id, name, type }]); [] while answers are
    /// outstanding; null when done.
    // Not Iterator::next: each step waits for the host's answers.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> JsValue {
        self.handed.step(self.inner.next())
    }

    /// Answers query `id`.
    pub fn answer(&mut self, id: u32, answer: JsValue) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        self.handed.answer(id, &answer, |id, a| inner.answer(id, a))
    }

    /// The deadline has passed: core's rule, every outstanding and later
    /// query is temperror and the next next() gives null.
    pub fn expire(&mut self) {
        self.inner.expire();
    }

    /// The outcome as a plain object once done, else null. `authservId`
    /// names this host in Authentication-Results (the receiver by default).
    pub fn outcome(&self, authserv_id: JsValue) -> Result<JsValue, JsValue> {
        let Some(o) = self.inner.outcome() else { return Ok(JsValue::NULL) };
        let authserv = match authserv_id.as_string() {
            Some(a) if a.len() <= MAX_ARGUMENT => a,
            Some(_) => return Err(invalid(&format!("authservId is longer than {MAX_ARGUMENT} bytes"))),
            None if authserv_id.is_undefined() || authserv_id.is_null() => o.receiver.clone(),
            None => return Err(invalid("authservId must be a string")),
        };
        Ok(to_js(&outcome_out(o, &authserv)))
    }
}

// ---------------------------------------------------------------------------
// Outcomes as plain objects
// ---------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CountersOut {
    dns_terms: u32,
    void_lookups: u32,
    queries: u32,
    round_trips: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum TraceOut<'a> {
    #[serde(rename = "record")]
    Record { depth: u32, domain: &'a str, record: &'a str },
    #[serde(rename = "term")]
    Term { depth: u32, domain: &'a str, term: &'a str, matched: bool, note: Option<&'a str> },
    #[serde(rename = "error")]
    Error { depth: u32, domain: &'a str, term: Option<&'a str>, message: &'a str },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdentityOut<'a> {
    result: &'static str,
    identity: &'static str,
    domain: &'a str,
    sender: &'a str,
    explanation: Option<&'a str>,
    mechanism: Option<&'a str>,
    reason: Option<&'a str>,
    counters: CountersOut,
    trace: Vec<TraceOut<'a>>,
    received_spf: String,
}

#[derive(Serialize)]
struct SmtpReplyOut {
    code: u16,
    enhanced: &'static str,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutcomeOut<'a> {
    result: &'static str,
    decided_by: &'static str,
    ip: String,
    helo: &'a str,
    mail_from: &'a str,
    receiver: &'a str,
    explanation: Option<&'a str>,
    mechanism: Option<&'a str>,
    reason: Option<&'a str>,
    domain: &'a str,
    helo_outcome: Option<IdentityOut<'a>>,
    mail_from_outcome: Option<IdentityOut<'a>>,
    received_spf: String,
    authentication_results: String,
    smtp_reply: Option<SmtpReplyOut>,
}

fn identity_out<'a>(c: &'a spf::CheckOutcome, o: &'a spf::Outcome) -> IdentityOut<'a> {
    IdentityOut {
        result: o.result.as_str(),
        identity: o.identity.as_str(),
        domain: &o.domain,
        sender: &o.sender,
        explanation: o.explanation.as_deref(),
        mechanism: o.mechanism.as_deref(),
        reason: o.reason.as_deref(),
        counters: CountersOut {
            dns_terms: o.counters.dns_terms,
            void_lookups: o.counters.void_lookups,
            queries: o.counters.queries,
            round_trips: o.counters.round_trips,
        },
        trace: o
            .trace
            .iter()
            .map(|t| match t {
                spf::TraceEvent::Record { depth, domain, record } => TraceOut::Record { depth: *depth, domain, record },
                spf::TraceEvent::Term { depth, domain, term, matched, note } => {
                    TraceOut::Term { depth: *depth, domain, term, matched: *matched, note: note.as_deref() }
                }
                spf::TraceEvent::Error { depth, domain, term, message } => {
                    TraceOut::Error { depth: *depth, domain, term: term.as_deref(), message }
                }
            })
            .collect(),
        received_spf: c.received_spf_for(o),
    }
}

fn outcome_out<'a>(c: &'a spf::CheckOutcome, authserv_id: &str) -> OutcomeOut<'a> {
    let o = c.outcome();
    OutcomeOut {
        result: o.result.as_str(),
        decided_by: c.decided_by.as_str(),
        ip: c.ip.to_string(),
        helo: &c.helo,
        mail_from: &c.mail_from,
        receiver: &c.receiver,
        explanation: o.explanation.as_deref(),
        mechanism: o.mechanism.as_deref(),
        reason: o.reason.as_deref(),
        domain: &o.domain,
        helo_outcome: c.helo_outcome.as_ref().map(|h| identity_out(c, h)),
        mail_from_outcome: c.mail_from_outcome.as_ref().map(|m| identity_out(c, m)),
        received_spf: c.received_spf(),
        authentication_results: c.authentication_results(authserv_id),
        smtp_reply: c.smtp_reply().map(|r| SmtpReplyOut { code: r.code, enhanced: r.enhanced, text: r.text }),
    }
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/// JS string index (UTF-16 code units) of byte `b` of `text`.
fn js_index(text: &str, b: usize) -> usize {
    let mut b = b.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().map(char::len_utf16).sum()
}

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
    if s.len() > MAX_TXT {
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

// ---------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AnalysisOptionsIn {
    limits: Option<LimitsIn>,
    draft: Option<String>,
    ipv6_client: Option<bool>,
    max_nodes: Option<u32>,
}

/// A record-tree analysis driven by the host, like an Evaluation.
#[wasm_bindgen]
pub struct Analysis {
    inner: spf::Analysis,
    handed: Handed,
}

#[wasm_bindgen]
impl Analysis {
    /// `options`: { limits, draft (a record not yet published), ipv6Client,
    /// maxNodes }.
    #[wasm_bindgen(constructor)]
    pub fn new(domain: JsValue, options: JsValue) -> Result<Analysis, JsValue> {
        let domain = text_arg(&domain, "domain")?;
        spf::check_domain(&domain).map_err(invalid)?;
        let o: AnalysisOptionsIn = from_js(options, "options")?;
        let mut options = spf::AnalysisOptions { limits: limits(o.limits)?, ..spf::AnalysisOptions::default() };
        if let Some(d) = o.draft {
            if d.len() > MAX_TXT {
                return Err(invalid("draft is at most 65535 bytes"));
            }
            options.draft = Some(d);
        }
        options.ipv6_client = o.ipv6_client.unwrap_or(false);
        if let Some(n) = o.max_nodes {
            if n == 0 || n as usize > spf::AnalysisOptions::MAX_NODES {
                let max = spf::AnalysisOptions::MAX_NODES;
                return Err(invalid(&format!("maxNodes must be a whole number from 1 to {max}, not {n}")));
            }
            options.max_nodes = n as usize;
        }
        Ok(Analysis { inner: spf::Analysis::new(&domain, options), handed: Handed::default() })
    }

    /// As Evaluation.next.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> JsValue {
        self.handed.step(self.inner.next())
    }

    /// As Evaluation.answer.
    pub fn answer(&mut self, id: u32, answer: JsValue) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        self.handed.answer(id, &answer, |id, a| inner.answer(id, a))
    }

    /// As Evaluation.expire.
    pub fn expire(&mut self) {
        self.inner.expire();
    }

    /// The report as a plain object once done, else null.
    pub fn report(&self) -> JsValue {
        self.inner.report().map_or(JsValue::NULL, |r| to_js(&report_out(r)))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeOut<'a> {
    domain: &'a str,
    parent: Option<usize>,
    via: &'static str,
    term: Option<&'a str>,
    depth: u32,
    source: &'static str,
    record: Option<&'a str>,
    dns_terms: u32,
    void_lookups: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkOut<'a> {
    network: String,
    node: usize,
    term: &'a str,
    qualifier: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpanOut {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientDependentOut<'a> {
    node: usize,
    term: &'a str,
    span: SpanOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WarningOut<'a> {
    code: &'static str,
    node: usize,
    span: Option<SpanOut>,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LimitsOut {
    dns_terms: u32,
    mx_names: u32,
    ptr_names: u32,
    void_lookups: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportOut<'a> {
    domain: &'a str,
    nodes: Vec<NodeOut<'a>>,
    dns_terms: u32,
    void_lookups: u32,
    limits: LimitsOut,
    exceeds_dns_terms: bool,
    exceeds_void_lookups: bool,
    networks: Vec<NetworkOut<'a>>,
    ipv4_addresses: f64,
    /// Exact, as a decimal string: it can exceed what a JS number holds.
    ipv6_addresses: String,
    client_dependent: Vec<ClientDependentOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
}

fn report_out(r: &spf::Report) -> ReportOut<'_> {
    // Spans are bytes of a node's record; JS wants its string indices.
    let span = |node: usize, s: spf::Span| {
        let text = r.nodes.get(node).and_then(|n| n.record.as_deref()).unwrap_or("");
        SpanOut { start: js_index(text, s.start), end: js_index(text, s.end) }
    };
    ReportOut {
        domain: &r.domain,
        nodes: r
            .nodes
            .iter()
            .map(|n| NodeOut {
                domain: &n.domain,
                parent: n.parent,
                via: match n.via {
                    spf::Via::Root => "root",
                    spf::Via::Include => "include",
                    spf::Via::Redirect => "redirect",
                },
                term: n.term.as_deref(),
                depth: n.depth,
                source: match n.source {
                    spf::Source::Dns => "dns",
                    spf::Source::Draft => "draft",
                },
                record: n.record.as_deref(),
                dns_terms: n.dns_terms,
                void_lookups: n.void_lookups,
            })
            .collect(),
        dns_terms: r.dns_terms,
        void_lookups: r.void_lookups,
        limits: LimitsOut {
            dns_terms: r.limits.dns_terms,
            mx_names: r.limits.mx_names,
            ptr_names: r.limits.ptr_names,
            void_lookups: r.limits.void_lookups,
        },
        exceeds_dns_terms: r.exceeds_dns_terms(),
        exceeds_void_lookups: r.exceeds_void_lookups(),
        networks: r
            .networks
            .iter()
            .map(|n| NetworkOut {
                network: format!("{}/{}", n.addr, n.prefix),
                node: n.node,
                term: &n.term,
                qualifier: n.qualifier.as_char().to_string(),
            })
            .collect(),
        ipv4_addresses: r.ipv4_addresses as f64,
        ipv6_addresses: r.ipv6_addresses.to_string(),
        client_dependent: r
            .client_dependent
            .iter()
            .map(|c| ClientDependentOut { node: c.node, term: &c.term, span: span(c.node, c.span) })
            .collect(),
        warnings: r
            .warnings
            .iter()
            .map(|w| WarningOut {
                code: w.code.code(),
                node: w.node,
                span: w.span.map(|s| span(w.node, s)),
                message: &w.message,
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// DNS messages, for DNS over HTTPS
// ---------------------------------------------------------------------------

/// The RFC 1035 query message for `name` and `type` ("A", "TXT", ...), with
/// message id `id` (0 for DNS over HTTPS, RFC 8484 §4.1).
#[wasm_bindgen(js_name = queryMessage)]
pub fn query_message(name: JsValue, qtype: JsValue, id: u16) -> Result<Uint8Array, JsValue> {
    let name = text_arg(&name, "name")?;
    let t = qtype.as_string().and_then(|t| query_type(&t)).ok_or_else(|| invalid("type is A, AAAA, MX, TXT or PTR"))?;
    let q = spf::Query { id: spf::QueryId(0), name, qtype: t };
    let bytes = spf::wire::query_message(&q, id).map_err(|e| invalid(&e.to_string()))?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// The version of the Rust crates inside.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
