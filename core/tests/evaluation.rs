//! The step API and drivers: lookup plans, counters, out-of-order and
//! hostile answers, the async driver on a hand-made executor.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use spfkit::{
    Answer, AnswerError, AsyncResolver, Evaluation, LookupPlan, Options, Query, QueryId, QueryType, RData, Request,
    Resolver, Scope, SpfResult, Step, Zone, check, check_async,
};

fn zone() -> Zone {
    let mut z = Zone::new();
    z.add("example.com", RData::Txt(b"v=spf1 mx ptr:example.com -all".to_vec()));
    for i in 0..6u8 {
        z.add("example.com", RData::Mx { preference: u16::from(i), exchange: format!("m{i}.example.com") });
    }
    // m0 and m1 do not exist (void if asked), m2 matches, m3..m5 never
    // need asking.
    for i in 2..6u8 {
        z.add(&format!("m{i}.example.com"), RData::A([192, 0, 2, 10 + i].into()));
    }
    z
}

fn mail_from(ip: &str) -> (Request, Options) {
    let request = Request::new(ip.parse().unwrap(), "alice@example.com", "h.example.org");
    (request, Options { scope: Scope::MailFrom, trace: true, ..Options::default() })
}

/// Drives an evaluation, recording the size of each batch of queries.
fn drive(zone: &Zone, request: Request, options: Options) -> (spfkit::CheckOutcome, Vec<Vec<Query>>) {
    let mut ev = Evaluation::new(request, options);
    let mut batches = Vec::new();
    loop {
        let queries = match ev.next() {
            Step::Lookup(q) => q.to_vec(),
            Step::Pending => panic!("waiting with every query answered"),
            Step::Done(_) => break,
        };
        for q in &queries {
            ev.answer(q.id, zone.lookup(q)).unwrap();
        }
        batches.push(queries);
    }
    (ev.into_outcome().unwrap(), batches)
}

#[test]
fn sequential_asks_exactly_what_term_by_term_evaluation_asks() {
    let (request, options) = mail_from("192.0.2.12");
    let (out, batches) = drive(&zone(), request, Options { plan: LookupPlan::Sequential, ..options });
    let asked: Vec<(String, QueryType)> = batches.iter().flatten().map(|q| (q.name.clone(), q.qtype)).collect();
    // TXT, MX, then A of m0, m1 (void), m2 (match): it stops there.
    assert_eq!(
        asked,
        [
            ("example.com".into(), QueryType::Txt),
            ("example.com".into(), QueryType::Mx),
            ("m0.example.com".into(), QueryType::A),
            ("m1.example.com".into(), QueryType::A),
            ("m2.example.com".into(), QueryType::A),
        ]
    );
    assert!(batches.iter().all(|b| b.len() == 1), "one query per step");
    let o = out.outcome();
    assert_eq!(o.result, SpfResult::Pass);
    assert_eq!(o.mechanism.as_deref(), Some("mx"));
    assert_eq!((o.counters.queries, o.counters.round_trips), (5, 5));
    // §4.6.4 limits *terms* whose lookup is void; the `mx` term's own MX
    // lookup found records, so hosts without addresses do not count.
    assert_eq!(o.counters.void_lookups, 0);
    assert_eq!(o.counters.dns_terms, 1);
}

#[test]
fn batched_asks_all_mx_hosts_at_once_with_the_same_result() {
    let (request, options) = mail_from("192.0.2.12");
    let (seq, _) = drive(&zone(), request.clone(), Options { plan: LookupPlan::Sequential, ..options.clone() });
    let (out, batches) = drive(&zone(), request, options);
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    // TXT, MX, then the A lookups of all six hosts together.
    assert_eq!(sizes, [1, 1, 6]);
    let (o, s) = (out.outcome(), seq.outcome());
    assert_eq!((o.result, &o.mechanism, &o.trace), (s.result, &s.mechanism, &s.trace));
    assert_eq!((o.counters.queries, o.counters.round_trips), (8, 3));
    // Hosts after the match were asked but never count: the same void
    // lookups as the sequential plan.
    assert_eq!(o.counters.void_lookups, s.counters.void_lookups);
    assert_eq!(o.counters.dns_terms, s.counters.dns_terms);
}

#[test]
fn batched_answers_past_the_match_never_reach_a_limit() {
    // Five void hosts after the matching one: sequential never asks them;
    // batched asks them, and they must not push the void count past 2.
    let mut z = Zone::new();
    z.add("example.com", RData::Txt(b"v=spf1 mx -all".to_vec()));
    z.add("example.com", RData::Mx { preference: 0, exchange: "good.example.com".into() });
    for i in 1..=5u16 {
        z.add("example.com", RData::Mx { preference: i, exchange: format!("void{i}.example.com") });
    }
    z.add("good.example.com", RData::A([192, 0, 2, 1].into()));
    for plan in [LookupPlan::Batched, LookupPlan::Sequential] {
        let (request, options) = mail_from("192.0.2.1");
        let (out, _) = drive(&z, request, Options { plan, ..options });
        assert_eq!(out.result(), SpfResult::Pass, "{plan:?}");
        assert_eq!(out.outcome().counters.void_lookups, 0, "{plan:?}");
    }
}

#[test]
fn ptr_validation_is_batched_too() {
    let mut z = Zone::new();
    z.add("example.com", RData::Txt(b"v=spf1 ptr -all".to_vec()));
    for i in 0..4 {
        z.add("1.2.0.192.in-addr.arpa", RData::Ptr(format!("p{i}.example.com")));
    }
    z.add("p3.example.com", RData::A([192, 0, 2, 1].into()));
    let (request, options) = mail_from("192.0.2.1");
    let (seq, seq_batches) = drive(&z, request.clone(), Options { plan: LookupPlan::Sequential, ..options.clone() });
    let (bat, bat_batches) = drive(&z, request, options);
    assert_eq!(seq.result(), SpfResult::Pass);
    assert_eq!(bat.result(), SpfResult::Pass);
    assert_eq!(seq.outcome().trace, bat.outcome().trace);
    assert!(bat_batches.len() < seq_batches.len(), "{} vs {}", bat_batches.len(), seq_batches.len());
    assert_eq!(bat_batches.last().unwrap().len(), 4, "all four names validated in one step");
    // PTR validation failures are not void lookups (§4.6.4 counts the
    // `ptr` mechanism's own lookup only).
    assert_eq!(seq.outcome().counters.void_lookups, bat.outcome().counters.void_lookups);
}

#[test]
fn answers_in_any_order_and_hostile_answers() {
    let (request, options) = mail_from("192.0.2.12");
    let z = zone();
    let mut ev = Evaluation::new(request, options);
    let mut pending: Vec<Query> = Vec::new();
    loop {
        match ev.next() {
            Step::Lookup(q) => pending.extend_from_slice(q),
            Step::Pending => {}
            Step::Done(_) => break,
        }
        // Answer one query per step, newest first: the evaluation waits
        // (Pending) for the rest.
        let q = pending.pop().expect("something to answer");
        assert_eq!(ev.answer(QueryId(999_999), Answer::NoData), Err(AnswerError::UnknownId));
        ev.answer(q.id, z.lookup(&q)).unwrap();
        assert_eq!(ev.answer(q.id, Answer::NoData), Err(AnswerError::AlreadyAnswered));
    }
    let out = ev.into_outcome().unwrap();
    assert_eq!(out.result(), SpfResult::Pass);
}

#[test]
fn unanswered_lists_what_is_outstanding() {
    let (request, options) = mail_from("192.0.2.12");
    let mut ev = Evaluation::new(request, options);
    let Step::Lookup(q) = ev.next() else { panic!("first step asks") };
    let first = q[0].clone();
    assert_eq!(ev.unanswered(), vec![first.id]);
    assert!(matches!(ev.next(), Step::Pending));
    assert!(ev.outcome().is_none());
    ev.answer(first.id, Answer::TempError).unwrap();
    assert!(ev.unanswered().is_empty());
    let Step::Done(out) = ev.next() else { panic!("a TXT timeout ends it") };
    assert_eq!(out.result(), SpfResult::TempError);
}

#[test]
fn blocking_driver_counts_what_it_asks() {
    let z = zone();
    let asked = Cell::new(0u32);
    let resolver = |q: &Query| {
        asked.set(asked.get() + 1);
        z.lookup(q)
    };
    let (request, options) = mail_from("192.0.2.12");
    let out = check(request, options, &resolver);
    assert_eq!(out.result(), SpfResult::Pass);
    assert_eq!(out.outcome().counters.queries, asked.get());
}

/// A resolver whose answers arrive only after being polled a few times,
/// as over a network; it records the largest number in flight at once.
struct SlowResolver {
    zone: Zone,
    in_flight: Cell<usize>,
    max_in_flight: Cell<usize>,
    log: RefCell<Vec<String>>,
}

struct SlowLookup<'a> {
    resolver: &'a SlowResolver,
    query: Query,
    polls: u8,
}

impl Future for SlowLookup<'_> {
    type Output = Answer;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        let r = self.resolver;
        if self.polls == 0 {
            r.in_flight.set(r.in_flight.get() + 1);
            r.max_in_flight.set(r.max_in_flight.get().max(r.in_flight.get()));
        }
        self.polls += 1;
        if self.polls < 3 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        r.in_flight.set(r.in_flight.get() - 1);
        r.log.borrow_mut().push(self.query.name.clone());
        Poll::Ready(r.zone.lookup(&self.query))
    }
}

impl AsyncResolver for SlowResolver {
    fn lookup(&self, query: &Query) -> impl Future<Output = Answer> {
        SlowLookup { resolver: self, query: query.clone(), polls: 0 }
    }
}

/// The smallest executor: poll until ready. spfkit depends on none.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("the future never finished");
}

#[test]
fn async_driver_awaits_a_steps_queries_together() {
    let resolver = SlowResolver {
        zone: zone(),
        in_flight: Cell::new(0),
        max_in_flight: Cell::new(0),
        log: RefCell::new(Vec::new()),
    };
    let (request, options) = mail_from("192.0.2.12");
    let out = block_on(check_async(request.clone(), options.clone(), &resolver));
    assert_eq!(out.result(), SpfResult::Pass);
    // All six MX hosts were in flight together.
    assert_eq!(resolver.max_in_flight.get(), 6);
    assert_eq!(resolver.log.borrow().len() as u32, out.outcome().counters.queries);
    // Same outcome as the blocking driver.
    let blocking = check(request, options, &resolver.zone);
    assert_eq!(out, blocking);
}

#[test]
fn options_reach_the_outcome() {
    let z = zone();
    let request = Request::new("192.0.2.99".parse().unwrap(), "alice@example.com", "h.example.org");
    let options = Options { receiver: "mx.example.net".into(), ..Options::default() };
    let out = check(request, options, &z);
    assert_eq!(out.receiver, "mx.example.net");
    // HELO h.example.org has no record (none); MAIL FROM decides: fail.
    assert_eq!(out.helo_outcome.as_ref().map(|o| o.result), Some(SpfResult::None));
    assert_eq!(out.result(), SpfResult::Fail);
    assert!(out.outcome().trace.is_empty(), "no trace unless asked");
    assert!(out.received_spf().contains("receiver=mx.example.net"));
}

#[test]
fn resolver_trait_objects_work() {
    let z = zone();
    let dynamic: &dyn Resolver = &z;
    let (request, options) = mail_from("192.0.2.12");
    assert_eq!(check(request, options, dynamic).result(), SpfResult::Pass);
}

#[test]
fn queries_are_kept_by_id_and_answered_with_messages() {
    let z = zone();
    let (request, options) = mail_from("192.0.2.12");
    let mut ev = Evaluation::new(request, options);
    let first = match ev.next() {
        Step::Lookup(q) => q.to_vec(),
        other => panic!("{other:?}"),
    };
    // The host keeps only the id; the evaluation gives the query back.
    let id = first[0].id;
    assert_eq!(ev.query(id), Some(&first[0]));
    assert_eq!(ev.query(QueryId(999)), None);
    let message = spfkit::wire::response_message(&first[0], 1, &z.lookup(&first[0])).unwrap();
    ev.answer_message(id, &message).unwrap();
    assert_eq!(ev.answer_message(id, &message), Err(AnswerError::AlreadyAnswered));
    assert_eq!(ev.answer_message(QueryId(999), &message), Err(AnswerError::UnknownId));
    // Later steps' queries are kept too, and a message answers each.
    loop {
        let queries = match ev.next() {
            Step::Lookup(q) => q.to_vec(),
            Step::Pending => panic!("waiting with every query answered"),
            Step::Done(_) => break,
        };
        for q in queries {
            assert_eq!(ev.query(q.id), Some(&q));
            let m = spfkit::wire::response_message(&q, 2, &z.lookup(&q)).unwrap();
            ev.answer_message(q.id, &m).unwrap();
        }
    }
    assert_eq!(ev.outcome().unwrap().result(), SpfResult::Pass);
}
