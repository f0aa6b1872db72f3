//! The step classes, Evaluation and Analysis: core's step API with JS
//! values. Core keeps every query it hands out (`query(id)`), so an answer
//! is checked against its question there, and a DNS message is decoded
//! there (`answer_message`).

use std::net::IpAddr;

use js_sys::Array;
use serde::Serialize;
use spfkit as spf;
use wasm_bindgen::prelude::*;

use crate::answers::{self, Given};
use crate::errors::{self, error, invalid};
use crate::options::{analysis_options, check_options};
use crate::values::{MAX_ARGUMENT, string_arg, text_arg, to_js};
use crate::{outcome, report};

#[derive(Serialize)]
struct QueryOut<'a> {
    id: u32,
    name: &'a str,
    #[serde(rename = "type")]
    qtype: &'static str,
}

/// A step as JS sees it: the queries ([{ id, name, type }]), [] while
/// answers are outstanding, null when done.
pub(crate) fn step_out<T>(step: spf::Step<'_, T>) -> JsValue {
    match step {
        spf::Step::Lookup(qs) => {
            let out: Vec<QueryOut<'_>> =
                qs.iter().map(|q| QueryOut { id: q.id.0, name: &q.name, qtype: q.qtype.as_str() }).collect();
            to_js(&out)
        }
        spf::Step::Pending => Array::new().into(),
        spf::Step::Done(_) => JsValue::NULL,
    }
}

/// Answers query `id` with a resolver's value, read against the query
/// core handed out with that id.
pub(crate) fn answer(m: &mut impl spf::Steps, id: u32, v: &JsValue) -> Result<(), JsValue> {
    let qid = spf::QueryId(id);
    let q = m.query(qid).ok_or_else(|| errors::answer(id, spf::AnswerError::UnknownId))?;
    let given = answers::read(q, v)?;
    match given {
        Given::Answer(a) => m.answer(qid, a),
        Given::Message(bytes) => m.answer_message(qid, &bytes),
    }
    .map_err(|e| errors::answer(id, e))
}

/// One SPF evaluation driven by the host (core's step API).
#[wasm_bindgen]
pub struct Evaluation {
    inner: spf::Evaluation,
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
            error("invalid-address", &format!("{} is not an IP address", errors::shown_str(&ip_text)), &[])
        })?;
        let request = spf::Request::new(ip, sender, helo);
        request.check_bounds().map_err(|e| invalid(&e))?;
        let options = check_options(options)?;
        Ok(Evaluation { inner: spf::Evaluation::new(request, options) })
    }

    /// The next queries ([{ id, name, type }]); [] while answers are
    /// outstanding; null when done.
    // Not Iterator::next: each step waits for the host's answers.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> JsValue {
        step_out(self.inner.next())
    }

    /// Answers query `id`.
    pub fn answer(&mut self, id: u32, answer: JsValue) -> Result<(), JsValue> {
        self::answer(&mut self.inner, id, &answer)
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
        Ok(outcome::outcome(o, &authserv))
    }
}

/// A record-tree analysis driven by the host, like an Evaluation.
#[wasm_bindgen]
pub struct Analysis {
    inner: spf::Analysis,
}

#[wasm_bindgen]
impl Analysis {
    /// `options`: { limits, draft (a record not yet published), ipv6Client,
    /// maxNodes }.
    #[wasm_bindgen(constructor)]
    pub fn new(domain: JsValue, options: JsValue) -> Result<Analysis, JsValue> {
        let domain = text_arg(&domain, "domain")?;
        spf::check_domain(&domain).map_err(invalid)?;
        let options = analysis_options(options)?;
        Ok(Analysis { inner: spf::Analysis::new(&domain, options) })
    }

    /// As Evaluation.next.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> JsValue {
        step_out(self.inner.next())
    }

    /// As Evaluation.answer.
    pub fn answer(&mut self, id: u32, answer: JsValue) -> Result<(), JsValue> {
        self::answer(&mut self.inner, id, &answer)
    }

    /// As Evaluation.expire.
    pub fn expire(&mut self) {
        self.inner.expire();
    }

    /// The report as a plain object once done, else null.
    pub fn report(&self) -> JsValue {
        self.inner.report().map_or(JsValue::NULL, report::report)
    }
}
