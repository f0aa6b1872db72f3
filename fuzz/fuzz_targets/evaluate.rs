//! A whole check() (or, with flag bit 6, an analysis of the sender's
//! domain) fed with fuzzed answers: records of every type, Name Errors, no
//! data, timeouts, raw wire messages, answers held back and given out of
//! order, duplicate and unknown answers. Nothing may panic, the walk must
//! finish, and the evaluation's counters must respect the limits.
//!
//! Input layout: a flags byte, 16 address bytes, a length-prefixed sender and
//! HELO name, then one script entry per query handed out (see `answer`).
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use spfkit::{Analysis, AnalysisOptions, Answer, AnswerError, Evaluation, LookupPlan, Options, Query, QueryId, Request, Scope, Step};

#[path = "script.rs"]
mod script;

use script::{Script, answer};

fuzz_target!(|data: &[u8]| {
    let mut s = Script(data);
    let flags = s.byte();
    let raw = s.bytes(16);
    let ip: IpAddr = if flags & 1 == 0 {
        std::array::from_fn::<u8, 4, _>(|i| raw.get(i).copied().unwrap_or(0)).into()
    } else {
        std::array::from_fn::<u8, 16, _>(|i| raw.get(i).copied().unwrap_or(0)).into()
    };
    let mail_from = s.name();
    let helo = s.name();
    if flags & 64 != 0 {
        analyse(&mut s, &mail_from, helo);
        return;
    }
    let options = Options {
        plan: if flags & 2 == 0 { LookupPlan::Batched } else { LookupPlan::Sequential },
        scope: [Scope::Both, Scope::MailFrom, Scope::Helo, Scope::Both][usize::from(flags >> 2) & 3],
        always_mail_from: flags & 16 != 0,
        trace: flags & 32 != 0,
        timestamp: Some(1_700_000_000),
        ..Options::default()
    };
    let limits = options.limits;
    let mut ev = Evaluation::new(Request::new(ip, mail_from, helo), options);
    let mut held: Vec<Query> = Vec::new();
    let mut answered: Vec<QueryId> = Vec::new();
    for _ in 0..10_000 {
        let queries = match ev.next() {
            Step::Done(_) => break,
            Step::Lookup(qs) => qs.to_vec(),
            Step::Pending => {
                assert!(!held.is_empty(), "the evaluation waits, yet every query was answered");
                // Give the held-back answers, newest first.
                while let Some(q) = held.pop() {
                    let a = answer(&mut s, &q).unwrap_or(Answer::TempError);
                    ev.answer(q.id, a).expect("a held query is unanswered");
                    answered.push(q.id);
                }
                continue;
            }
        };
        for q in queries {
            match answer(&mut s, &q) {
                Some(a) => {
                    ev.answer(q.id, a).expect("a new query is unanswered");
                    answered.push(q.id);
                }
                None => held.push(q),
            }
        }
        if let Some(&id) = answered.last() {
            assert_eq!(ev.answer(id, Answer::NoData), Err(AnswerError::AlreadyAnswered));
        }
        assert_eq!(ev.answer(QueryId(u32::MAX), Answer::NoData), Err(AnswerError::UnknownId));
    }
    let outcome = ev.into_outcome().expect("the evaluation finishes");
    for o in outcome.outcomes() {
        assert!(o.counters.void_lookups <= limits.void_lookups + 1);
        assert!(o.counters.dns_terms <= limits.dns_terms + 1);
        let _ = outcome.received_spf_for(o);
    }
    // Header lines: folded only with CRLF and a space, each at most 998
    // characters (RFC 5322 §2.1.1), no other control character.
    for h in [outcome.received_spf(), outcome.authentication_results("mx.example")] {
        for (i, line) in h.split("\r\n").enumerate() {
            assert!(line.len() <= 998 && (i == 0 || line.starts_with(' ')), "{h:?}");
            assert!(!line.chars().any(char::is_control), "{h:?}");
        }
    }
    for o in outcome.outcomes() {
        for t in [&o.explanation, &o.reason, &o.mechanism].into_iter().flatten() {
            assert!(!t.chars().any(char::is_control), "{t:?}");
        }
    }
    if let Some(reply) = outcome.smtp_reply() {
        assert!(reply.text.bytes().all(|b| (b' '..=b'~').contains(&b)), "{reply}");
    }
});

/// The analysis of `domain`'s tree (`helo`, when not empty, as a draft),
/// driven the same way.
fn analyse(s: &mut Script<'_>, domain: &str, helo: String) {
    let domain = domain.rsplit_once('@').map_or(domain, |(_, d)| d);
    let draft = (!helo.is_empty()).then_some(helo);
    let mut an = Analysis::new(domain, AnalysisOptions { draft, max_nodes: 32, ..AnalysisOptions::default() });
    let mut held: Vec<Query> = Vec::new();
    for _ in 0..10_000 {
        let queries = match an.next() {
            Step::Done(_) => break,
            Step::Lookup(qs) => qs.to_vec(),
            Step::Pending => {
                assert!(!held.is_empty(), "the analysis waits, yet every query was answered");
                while let Some(q) = held.pop() {
                    let a = answer(s, &q).unwrap_or(Answer::TempError);
                    an.answer(q.id, a).expect("a held query is unanswered");
                }
                continue;
            }
        };
        for q in queries {
            match answer(s, &q) {
                Some(a) => an.answer(q.id, a).expect("a new query is unanswered"),
                None => held.push(q),
            }
        }
    }
    let report = an.into_report().expect("the analysis finishes");
    assert!(report.nodes.len() <= 32);
    for w in &report.warnings {
        // A span points into its node's record (the lossy text of a
        // non-UTF-8 record is never shorter than its bytes).
        if let (Some(span), Some(record)) = (w.span, report.nodes.get(w.node).and_then(|n| n.record.as_ref())) {
            assert!(span.start <= span.end && span.end <= record.len(), "{w:?} in {record:?}");
        }
    }
    // Nothing a report holds carries a control character (lint prints it).
    for n in &report.nodes {
        for t in [&n.record, &n.term].into_iter().flatten() {
            assert!(!t.chars().any(char::is_control), "{t:?}");
        }
    }
    for w in &report.warnings {
        assert!(!w.message.chars().any(char::is_control), "{w:?}");
    }
    let _ = report.to_string();
}
