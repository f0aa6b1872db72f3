//! Outcomes as plain objects: a check's outcome with its identities'
//! outcomes, counters, trace, headers and SMTP reply, camelCase as the
//! JS API names them (src/index.d.ts).

use serde::Serialize;
use spfkit as spf;
use wasm_bindgen::JsValue;

use crate::values::to_js;

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

/// A check's outcome as a plain object; `authserv_id` names this host in
/// Authentication-Results.
pub(crate) fn outcome(c: &spf::CheckOutcome, authserv_id: &str) -> JsValue {
    to_js(&outcome_out(c, authserv_id))
}
