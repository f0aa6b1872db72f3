//! tests/vectors/vectors.json: spfkit's own language-neutral cases (see
//! tests/vectors/README.md), under both lookup plans.

mod common;

use serde_json::Value;
use spfkit::{CheckOutcome, Evaluation, LookupPlan, Options, Record, Request, ResultSet, Scope, SpfResult, Step};

fn vectors() -> Value {
    serde_json::from_str(&common::repo_file("tests/vectors/vectors.json")).expect("vectors.json")
}

#[test]
fn parse_vectors() {
    let v = vectors();
    let cases = v["parse"].as_array().unwrap();
    for case in cases {
        let text = case["record"].as_str().unwrap();
        match Record::parse(text) {
            Ok(record) => {
                let want = case["printed"].as_str().unwrap_or_else(|| panic!("{text:?} parsed, expected {case}"));
                let printed = record.to_string();
                assert_eq!(printed, want, "{text:?}");
                assert_eq!(Record::parse(&printed).unwrap().to_string(), printed);
            }
            Err(e) => {
                let want = &case["error"];
                assert!(want.is_object(), "{text:?}: unexpected error {e}");
                assert_eq!(e.code(), want["code"], "{text:?}: {e}");
                assert_eq!(serde_json::json!([e.span.start, e.span.end]), want["span"], "{text:?}: {e}");
                assert_eq!(e.term, want["term"], "{text:?}");
                // The span lies inside the record and inside the term.
                assert!(e.span.start < e.span.end && e.span.end <= text.len(), "{text:?}: {e}");
                let term_at = text.find(e.term.as_str()).expect("the term is in the record");
                assert!(term_at <= e.span.start && e.span.end <= term_at + e.term.len(), "{text:?}: {e}");
            }
        }
    }
    println!("vectors: {} parse cases ran, all passed", cases.len());
    common::record_count("rust/vectors/parse", cases.len(), cases.len());
}

fn options(o: &Value, plan: LookupPlan) -> Options {
    let mut options = Options { plan, ..Options::default() };
    if let Some(id) = o.get("identity").and_then(Value::as_str) {
        options.scope = match id {
            "both" => Scope::Both,
            "mailfrom" => Scope::MailFrom,
            "helo" => Scope::Helo,
            other => panic!("identity {other}"),
        };
    }
    if let Some(r) = o.get("receiver").and_then(Value::as_str) {
        options.receiver = r.into();
    }
    options.timestamp = o.get("timestamp").and_then(Value::as_u64);
    if let Some(b) = o.get("always_mail_from").and_then(Value::as_bool) {
        options.always_mail_from = b;
    }
    if let Some(d) = o.get("definitive").and_then(Value::as_array) {
        let set: Vec<SpfResult> = d.iter().map(|r| SpfResult::from_name(r.as_str().unwrap()).unwrap()).collect();
        options.definitive = ResultSet::of(&set);
    }
    if let Some(e) = o.get("default_explanation").and_then(Value::as_str) {
        options.default_explanation = e.into();
    }
    if let Some(l) = o.get("limits") {
        let get = |k: &str, default: u32| l.get(k).and_then(Value::as_u64).map_or(default, |n| n as u32);
        let d = options.limits;
        options.limits.dns_terms = get("dns_terms", d.dns_terms);
        options.limits.mx_names = get("mx_names", d.mx_names);
        options.limits.ptr_names = get("ptr_names", d.ptr_names);
        options.limits.void_lookups = get("void_lookups", d.void_lookups);
    }
    options
}

/// The names whose entries hold `TRUNCATED` (tests/vectors/README.md), and
/// the zone without those entries.
fn truncated_names(zone: &Value) -> (Vec<String>, Value) {
    let mut zone = zone.clone();
    let mut names = Vec::new();
    for (name, entries) in zone.as_object_mut().unwrap() {
        if let Some(list) = entries.as_array_mut() {
            if list.iter().any(|e| e == "TRUNCATED") {
                names.push(name.to_ascii_lowercase());
                list.retain(|e| e != "TRUNCATED");
            }
        }
    }
    (names, zone)
}

/// What a server sends with TC set and no records: the query, with QR and TC.
fn truncated_response(q: &spfkit::Query) -> Vec<u8> {
    let mut m = spfkit::wire::query_message(q, 7).unwrap();
    m[2] |= 0x80 | 0x02;
    m
}

fn run(case: &Value, plan: LookupPlan) -> CheckOutcome {
    let (truncated, zone) = truncated_names(&case["zone"]);
    let zone = common::suite_zone(&zone);
    let request = Request::new(
        case["ip"].as_str().unwrap().parse().unwrap(),
        case["sender"].as_str().unwrap(),
        case["helo"].as_str().unwrap(),
    );
    let mut ev = Evaluation::new(request, options(case.get("options").unwrap_or(&Value::Null), plan));
    loop {
        let queries = match ev.next() {
            Step::Lookup(q) => q.to_vec(),
            Step::Pending => panic!("waiting with every query answered"),
            Step::Done(_) => break,
        };
        for q in &queries {
            let answer = if truncated.contains(&q.name) {
                spfkit::wire::decode_answer(q, &truncated_response(q))
            } else {
                zone.lookup(q)
            };
            ev.answer(q.id, answer).unwrap();
        }
    }
    ev.into_outcome().unwrap()
}

fn result_of(o: Option<&spfkit::Outcome>) -> Value {
    o.map_or(Value::Null, |o| Value::from(o.result.as_str()))
}

fn check_expectations(name: &str, out: &CheckOutcome, authserv_id: &str, expect: &Value) {
    let d = out.outcome();
    let received = out.received_spf();
    let ar = out.authentication_results(authserv_id);
    for (key, want) in expect.as_object().unwrap() {
        let got: Value = match key.as_str() {
            "result" => d.result.as_str().into(),
            "decided_by" => out.decided_by.as_str().into(),
            "helo_result" => result_of(out.helo_outcome.as_ref()),
            "mailfrom_result" => result_of(out.mail_from_outcome.as_ref()),
            "explanation" => d.explanation.clone().into(),
            "mechanism" => d.mechanism.clone().into(),
            "domain" => d.domain.clone().into(),
            "sender" => d.sender.clone().into(),
            "dns_terms" => d.counters.dns_terms.into(),
            "void_lookups" => d.counters.void_lookups.into(),
            "received_spf" => received.clone().into(),
            "received_spf_prefix" => {
                assert!(received.starts_with(want.as_str().unwrap()), "{name}: {received}");
                continue;
            }
            "authentication_results" => ar.clone().into(),
            "no_line_breaks" => (![&received, &ar].iter().any(|h| h.contains(['\r', '\n']))).into(),
            "smtp_reply" => match (out.smtp_reply(), want) {
                (None, _) => Value::Null,
                (Some(r), Value::Object(w)) if !w.contains_key("text") => {
                    serde_json::json!({"code": r.code, "enhanced": r.enhanced})
                }
                (Some(r), _) => serde_json::json!({"code": r.code, "enhanced": r.enhanced, "text": r.text}),
            },
            other => panic!("{name}: unknown expectation {other}"),
        };
        assert_eq!(&got, want, "{name}: {key}\n  outcome: {out:?}");
    }
}

#[test]
fn check_vectors() {
    let v = vectors();
    let cases = v["check"].as_array().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let authserv_id = case["authserv_id"].as_str().unwrap_or("mx.example.net");
        let batched = run(case, LookupPlan::Batched);
        let sequential = run(case, LookupPlan::Sequential);
        check_expectations(name, &batched, authserv_id, &case["expect"]);
        check_expectations(name, &sequential, authserv_id, &case["expect"]);
    }
    println!("vectors: {} check cases ran under both plans, all passed", cases.len());
    common::record_count("rust/vectors/check", cases.len(), cases.len());
}
