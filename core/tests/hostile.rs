//! Hostile senders, records and hosts against what an outcome returns:
//! no CR, LF or NUL anywhere, header lines within RFC 5322's 998
//! characters, CNAME loops and deadlines giving results.

use spfkit::{
    Answer, CheckOutcome, Evaluation, Options, Query, QueryType, RData, Request, Scope, SpfResult, Step, TraceEvent,
    Zone, check,
};

fn zone(records: &[(&str, &str)]) -> Zone {
    let mut z = Zone::new();
    for (name, txt) in records {
        z.add(name, RData::Txt(txt.as_bytes().to_vec()));
    }
    z
}

fn mail_from(ip: &str, sender: &str) -> (Request, Options) {
    (
        Request::new(ip.parse().unwrap(), sender, "h.example.org"),
        Options { scope: Scope::MailFrom, trace: true, ..Options::default() },
    )
}

/// Every text an outcome carries, the headers and the SMTP reply.
fn texts(c: &CheckOutcome) -> Vec<String> {
    let mut all = vec![c.helo.clone(), c.mail_from.clone(), c.receiver.clone()];
    for o in c.outcomes() {
        all.extend([o.domain.clone(), o.sender.clone()]);
        all.extend([&o.explanation, &o.mechanism, &o.reason].into_iter().flatten().cloned());
        for t in &o.trace {
            match t {
                TraceEvent::Record { domain, record, .. } => all.extend([domain.clone(), record.clone()]),
                TraceEvent::Term { domain, term, .. } => all.extend([domain.clone(), term.clone()]),
                TraceEvent::Error { domain, term, message, .. } => {
                    all.extend([domain.clone(), message.clone()]);
                    all.extend(term.clone());
                }
            }
        }
    }
    all.push(c.smtp_reply().map(|r| r.to_string()).unwrap_or_default());
    // Headers may fold with CRLF and a space; nothing else may break a line.
    for h in [c.received_spf(), c.authentication_results("mx.example")] {
        all.push(h.replace("\r\n ", " "));
    }
    all
}

fn assert_no_line_breaks(c: &CheckOutcome) {
    for t in texts(c) {
        assert!(!t.contains(['\r', '\n', '\0']), "{t:?}");
    }
}

#[test]
fn explanations_carry_no_line_breaks() {
    // %{s} from a sender with CR LF.
    let z = zone(&[
        ("example.com", "v=spf1 -all exp=why.example.com"),
        ("why.example.com", "Go away %{s} now"),
        ("raw.example.com", "v=spf1 -all exp=rawwhy.example.com"),
        ("rawwhy.example.com", "Go away\r\nX-Injected: yes\0"),
    ]);
    let (request, options) = mail_from("192.0.2.1", "bad\r\nX-Evil: 1@example.com");
    let out = check(request, options, &z);
    assert_eq!(out.result(), SpfResult::Fail);
    let explanation = out.outcome().explanation.clone().unwrap();
    assert_eq!(explanation, "Go away bad??X-Evil: 1@example.com now");
    assert_no_line_breaks(&out);
    // An exp= text holding CR LF and NUL itself is no macro-string (§7.1):
    // the default explanation.
    let (request, options) = mail_from("192.0.2.1", "a@raw.example.com");
    let out = check(request, options, &z);
    assert_eq!(
        out.outcome().explanation.as_deref(),
        Some("192.0.2.1 is not one of raw.example.com's designated mail servers")
    );
    assert_no_line_breaks(&out);
    // An internationalized sender: the explanation stays printable ASCII (§6.2).
    let (request, options) = mail_from("192.0.2.1", "josé@example.com");
    let out = check(request, options, &z);
    let explanation = out.outcome().explanation.clone().unwrap();
    assert!(explanation.bytes().all(|b| b == b' ' || b.is_ascii_graphic()), "{explanation}");
}

#[test]
fn the_hosts_own_texts_come_back_without_line_breaks() {
    let z = zone(&[("example.com", "v=spf1 a:%{l}.example.com -all")]);
    let request = Request::new("192.0.2.1".parse().unwrap(), "a\r\nb@example.com\0", "evil\r\nhelo");
    let options = Options {
        trace: true,
        receiver: "rx\nexample".into(),
        default_explanation: "no\r\n%{s}".into(),
        ..Options::default()
    };
    let out = check(request, options, &z);
    assert_no_line_breaks(&out);
    let (request, options) = mail_from("192.0.2.1", "a\r\nb@example.com");
    assert_no_line_breaks(&check(request, options, &z));
}

#[test]
fn default_explanation_names_an_ipv6_client_briefly() {
    let z = zone(&[("example.com", "v=spf1 -all")]);
    let (request, options) = mail_from("2001:db8::1", "a@example.com");
    let out = check(request, options, &z);
    assert_eq!(
        out.outcome().explanation.as_deref(),
        Some("2001:db8::1 is not one of example.com's designated mail servers")
    );
}

#[test]
fn header_lines_stay_within_998_characters() {
    let record = format!("v=spf1 {}", "z".repeat(63000));
    let z = zone(&[("example.com", &record)]);
    let sender = format!("{}@example.com", "s".repeat(4000));
    let (request, options) = mail_from("192.0.2.1", &sender);
    let out = check(request, options, &z);
    assert_eq!(out.result(), SpfResult::PermError);
    for h in [out.received_spf(), out.authentication_results("mx.example")] {
        for line in h.split("\r\n") {
            assert!(line.len() <= 998, "a line of {} characters", line.len());
        }
        assert!(h.contains("[truncated]\""), "{h}");
    }
}

#[test]
fn cname_loops_are_temperror() {
    let mut z = zone(&[]);
    z.add_cname("loop.example.com", "loop2.example.com");
    z.add_cname("loop2.example.com", "loop.example.com");
    z.add_cname("self.example.com", "self.example.com");
    for domain in ["loop.example.com", "self.example.com"] {
        let (request, options) = mail_from("192.0.2.1", &format!("a@{domain}"));
        assert_eq!(check(request, options, &z).result(), SpfResult::TempError, "{domain}");
    }
}

#[test]
fn after_expire_nothing_more_is_asked() {
    // An include chain: each step would ask one more TXT lookup.
    let z = zone(&[
        ("example.com", "v=spf1 include:a.example.com -all"),
        ("a.example.com", "v=spf1 include:b.example.com"),
    ]);
    let (request, options) = mail_from("192.0.2.1", "a@example.com");
    let mut ev = Evaluation::new(request, options);
    let first: Vec<Query> = match ev.next() {
        Step::Lookup(q) => q.to_vec(),
        other => panic!("{other:?}"),
    };
    ev.answer(first[0].id, z.lookup(&first[0])).unwrap();
    // The include's lookup is handed out, then the deadline passes.
    let second: Vec<Query> = match ev.next() {
        Step::Lookup(q) => q.to_vec(),
        other => panic!("{other:?}"),
    };
    assert_eq!(second[0].qtype, QueryType::Txt);
    ev.expire();
    assert_eq!(ev.unanswered(), []);
    let Step::Done(out) = ev.next() else { panic!("asked again after the deadline") };
    assert_eq!(out.result(), SpfResult::TempError);
    assert!(ev.answer(second[0].id, Answer::NxDomain).is_err());
}

#[test]
fn the_trace_says_why_a_name_could_not_be_formed() {
    let z = zone(&[("example.com", "v=spf1 a:%{l}.example.com exists:%{l}.x.example.com -all")]);
    let (request, options) = mail_from("192.0.2.1", "two..dots@example.com");
    let out = check(request, options, &z);
    assert_eq!(out.result(), SpfResult::Fail);
    let notes: Vec<&str> = out
        .outcome()
        .trace
        .iter()
        .filter_map(|t| match t {
            TraceEvent::Term { note: Some(n), matched: false, .. } => Some(n.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 2, "{:?}", out.outcome().trace);
    assert!(notes[0].starts_with("%{l}.example.com expands to \"two..dots.example.com\": "), "{}", notes[0]);
    // Only terms whose name could not be formed carry a note.
    let (request, options) = mail_from("192.0.2.1", "fine@example.com");
    let out = check(request, options, &z);
    assert!(out.outcome().trace.iter().all(|t| !matches!(t, TraceEvent::Term { note: Some(_), .. })));
}

#[test]
fn a_deadline_is_temperror_even_where_a_dns_error_only_skips_a_name() {
    // A ptr term skips names whose lookups fail (§5.5); the deadline must
    // not turn that into "no match" and a fail (§4.6.4).
    let z = zone(&[("example.com", "v=spf1 ptr -all")]);
    let (request, options) = mail_from("192.0.2.1", "a@example.com");
    let mut ev = Evaluation::new(request, Options { scope: Scope::Both, ..options });
    loop {
        let queries: Vec<Query> = match ev.next() {
            Step::Lookup(q) => q.to_vec(),
            other => panic!("{other:?}"),
        };
        if queries.iter().any(|q| q.qtype == QueryType::Ptr) {
            break;
        }
        for q in &queries {
            ev.answer(q.id, z.lookup(q)).unwrap();
        }
    }
    ev.expire();
    let Step::Done(out) = ev.next() else { panic!("asked again after the deadline") };
    assert_eq!(out.result(), SpfResult::TempError, "{out:?}");
    assert!(out.outcome().reason.as_deref().unwrap().contains("time limit"), "{out:?}");
    assert!(out.smtp_reply().is_some_and(|r| r.code == 451));
}

/// `v=spf1 mx -all` with two MX hosts of equal preference, in `order`; the
/// good host's address answered, the other's still out at the deadline.
fn mx_at_the_deadline(order: [&str; 2]) -> SpfResult {
    let mut z = zone(&[("example.com", "v=spf1 mx -all")]);
    for host in order {
        z.add("example.com", RData::Mx { preference: 10, exchange: host.into() });
    }
    z.add("good.example.com", RData::A("192.0.2.1".parse().unwrap()));
    let (request, options) = mail_from("192.0.2.1", "a@example.com");
    let mut ev = Evaluation::new(request, options);
    loop {
        let queries: Vec<Query> = match ev.next() {
            Step::Lookup(q) => q.to_vec(),
            Step::Done(out) => return out.result(),
            Step::Pending => break,
        };
        for q in &queries {
            if q.name != "slow.example.com" {
                ev.answer(q.id, z.lookup(q)).unwrap();
            }
        }
        if queries.iter().any(|q| q.name == "slow.example.com") {
            break;
        }
    }
    ev.expire();
    let Step::Done(out) = ev.next() else { panic!("asked again after the deadline") };
    out.result()
}

#[test]
fn a_match_in_hand_at_the_deadline_does_not_depend_on_order() {
    assert_eq!(mx_at_the_deadline(["good.example.com", "slow.example.com"]), SpfResult::Pass);
    assert_eq!(mx_at_the_deadline(["slow.example.com", "good.example.com"]), SpfResult::Pass);
}

#[test]
fn ptr_names_and_p_do_not_depend_on_order() {
    // Two validated names: %{p} is the first in ASCII order, whatever the
    // answer's order; a name given twice (case, root dot) counts once.
    let explanation = |names: &[&str]| {
        let mut z = zone(&[("example.com", "v=spf1 -all exp=why.example.com"), ("why.example.com", "%{p}")]);
        for n in names {
            z.add("1.2.0.192.in-addr.arpa", RData::Ptr((*n).into()));
        }
        z.add("b.example.com", RData::A("192.0.2.1".parse().unwrap()));
        z.add("a.example.com", RData::A("192.0.2.1".parse().unwrap()));
        let (request, options) = mail_from("192.0.2.1", "x@example.com");
        check(request, options, &z).outcome().explanation.clone().unwrap()
    };
    assert_eq!(explanation(&["b.example.com", "a.example.com"]), "a.example.com");
    assert_eq!(explanation(&["a.example.com", "b.example.com"]), "a.example.com");
    assert_eq!(explanation(&["B.example.com.", "b.example.com", "a.example.com"]), "a.example.com");
}
