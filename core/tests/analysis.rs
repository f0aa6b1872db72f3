//! Record-tree analysis: the tree, counts that agree with the evaluator,
//! networks, and every warning.

use spfkit::{
    AnalysisOptions, LookupPlan, Options, Qualifier, RData, Report, Request, Scope, Source, Via, WarningCode, Zone,
    analyze, check,
};

fn txt(z: &mut Zone, name: &str, text: &str) {
    z.add(name, RData::Txt(text.as_bytes().to_vec()));
}

fn a(z: &mut Zone, name: &str, ip: &str) {
    match ip.parse().unwrap() {
        std::net::IpAddr::V4(v4) => z.add(name, RData::A(v4)),
        std::net::IpAddr::V6(v6) => z.add(name, RData::Aaaa(v6)),
    }
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.warnings.iter().map(|w| w.code.code()).collect()
}

/// A provider-style tree: includes two levels deep, a redirect, a and mx.
fn provider() -> Zone {
    let mut z = Zone::new();
    txt(&mut z, "example.com", "v=spf1 mx a:www.example.com include:_spf.esp.example -all");
    z.add("example.com", RData::Mx { preference: 10, exchange: "mx1.example.com".into() });
    z.add("example.com", RData::Mx { preference: 20, exchange: "mx2.example.com".into() });
    a(&mut z, "mx1.example.com", "192.0.2.10");
    a(&mut z, "mx2.example.com", "192.0.2.11");
    a(&mut z, "mx2.example.com", "2001:db8::11");
    a(&mut z, "www.example.com", "192.0.2.80");
    txt(&mut z, "_spf.esp.example", "v=spf1 ip4:198.51.100.0/24 include:_v6.esp.example redirect=_more.esp.example");
    txt(&mut z, "_v6.esp.example", "v=spf1 ip6:2001:db8:100::/120 -all");
    txt(&mut z, "_more.esp.example", "v=spf1 ip4:203.0.113.0/28 -all");
    z
}

#[test]
fn tree_counts_and_networks() {
    let r = analyze("example.com", AnalysisOptions::default(), &provider());
    let tree: Vec<(&str, u32, Via, Option<usize>)> =
        r.nodes.iter().map(|n| (n.domain.as_str(), n.depth, n.via, n.parent)).collect();
    assert_eq!(
        tree,
        [
            ("example.com", 0, Via::Root, None),
            ("_spf.esp.example", 1, Via::Include, Some(0)),
            ("_v6.esp.example", 2, Via::Include, Some(1)),
            ("_more.esp.example", 2, Via::Redirect, Some(1)),
        ]
    );
    assert_eq!(r.nodes[1].term.as_deref(), Some("include:_spf.esp.example"));
    assert!(r.nodes.iter().all(|n| n.source == Source::Dns && n.record.is_some()));
    // mx, a, include at the top; include and redirect below.
    assert_eq!(r.nodes.iter().map(|n| n.dns_terms).collect::<Vec<_>>(), [3, 2, 0, 0]);
    assert_eq!((r.dns_terms, r.void_lookups), (5, 0));
    assert!(!r.exceeds_dns_terms() && !r.exceeds_void_lookups());
    // 3 MX/A IPv4 hosts + /24 + /28; one IPv6 host + /120.
    assert_eq!(r.ipv4_addresses, 3 + 256 + 16);
    assert_eq!(r.ipv6_addresses, 1 + 256);
    assert!(r.networks.iter().any(|n| n.term == "mx" && n.addr == "2001:db8::11".parse::<std::net::IpAddr>().unwrap()));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(r.client_dependent.is_empty());
    let text = r.to_string();
    assert!(text.contains("DNS-querying terms: 5 of 10"), "{text}");
    assert!(text.contains("no warnings"), "{text}");
}

/// The analysis counts exactly as the evaluator does: for records without
/// client-dependent terms, an evaluation that matches nothing reaches the
/// same DNS-term and void-lookup counts.
#[test]
fn counts_agree_with_the_evaluator() {
    let mut voids = provider();
    txt(
        &mut voids,
        "v.example",
        "v=spf1 a:gone1.v.example mx:gone2.v.example include:_spf.esp.example exists:x.v.example -all",
    );
    a(&mut voids, "x.v.example", "127.0.0.2");
    let mut ten = Zone::new();
    let terms: Vec<String> = (0..9).map(|i| format!("a:h{i}.ten.example")).collect();
    txt(&mut ten, "ten.example", &format!("v=spf1 {} redirect=r.ten.example", terms.join(" ")));
    txt(&mut ten, "r.ten.example", "v=spf1 -all");
    for i in 0..9 {
        a(&mut ten, &format!("h{i}.ten.example"), "192.0.2.1");
    }
    txt(&mut ten, "after.example", "v=spf1 a:h0.ten.example -all include:x.example mx");
    for (zone, domain) in
        [(&provider(), "example.com"), (&voids, "v.example"), (&ten, "ten.example"), (&ten, "after.example")]
    {
        let report = analyze(domain, AnalysisOptions::default(), zone);
        assert!(!report.exceeds_dns_terms() && !report.exceeds_void_lookups(), "{domain}: {report}");
        for plan in [LookupPlan::Batched, LookupPlan::Sequential] {
            let request = Request::new("198.18.0.1".parse().unwrap(), format!("x@{domain}"), "h.example.org");
            let out = check(request, Options { plan, scope: Scope::MailFrom, ..Options::default() }, zone);
            let o = out.outcome();
            assert_eq!(
                (o.counters.dns_terms, o.counters.void_lookups),
                (report.dns_terms, report.void_lookups),
                "{domain} {plan:?}: evaluation {o:?}\nanalysis {report}"
            );
        }
    }
    let v = analyze("v.example", AnalysisOptions::default(), &voids);
    // a, mx, include (and its include and redirect), exists.
    assert_eq!((v.dns_terms, v.void_lookups), (6, 2));
    let t = analyze("ten.example", AnalysisOptions::default(), &ten);
    assert_eq!(t.dns_terms, 10);
}

#[test]
fn limits_exceeded_and_where() {
    let mut z = Zone::new();
    let terms: Vec<String> = (0..11).map(|i| format!("a:h{i}.example.com")).collect();
    txt(&mut z, "example.com", &format!("v=spf1 {} -all", terms.join(" ")));
    for i in 0..11 {
        a(&mut z, &format!("h{i}.example.com"), "192.0.2.1");
    }
    txt(&mut z, "void.example", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all");
    let r = analyze("example.com", AnalysisOptions::default(), &z);
    assert_eq!(r.dns_terms, 11);
    assert!(r.exceeds_dns_terms());
    let w = r.warnings.iter().find(|w| w.code == WarningCode::TooManyDnsTerms).expect("warned");
    let record = r.nodes[0].record.as_deref().unwrap();
    let span = w.span.unwrap();
    assert_eq!(&record[span.start..span.end], "a:h10.example.com", "the eleventh term");

    let r = analyze("void.example", AnalysisOptions::default(), &z);
    assert_eq!(r.void_lookups, 3);
    assert!(r.exceeds_void_lookups());
    let w = r.warnings.iter().find(|w| w.code == WarningCode::TooManyVoidLookups).unwrap();
    let record = r.nodes[0].record.as_deref().unwrap();
    assert_eq!(&record[w.span.unwrap().start..w.span.unwrap().end], "a:n3.void.example");
}

#[test]
fn every_warning() {
    let mut z = Zone::new();
    txt(&mut z, "syntax.example", "v=spf1 ip4:192.0.2.300 -all");
    txt(&mut z, "two.example", "v=spf1 -all");
    txt(&mut z, "two.example", "v=spf1 +all");
    txt(&mut z, "noinc.example", "v=spf1 include:nothing.example -all");
    z.add_timeout("slow.example");
    txt(&mut z, "ptr.example", "v=spf1 ptr -all");
    txt(&mut z, "plus.example", "v=spf1 +all");
    txt(&mut z, "neutral.example", "v=spf1 ?all");
    txt(&mut z, "noall.example", "v=spf1 ip4:192.0.2.1");
    txt(&mut z, "both.example", "v=spf1 -all redirect=plus.example");
    txt(&mut z, "moo.example", "v=spf1 moo=cow -all");
    txt(&mut z, "after.example", "v=spf1 -all include:x.example a");
    txt(&mut z, "loop.example", "v=spf1 include:loop2.example -all");
    txt(&mut z, "loop2.example", "v=spf1 include:loop.example -all");
    txt(&mut z, "dup.example", "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.0/24 ip4:192.0.2.128/25 -all");
    let long: Vec<String> = (0..30).map(|i| format!("ip4:198.51.100.{i}")).collect();
    txt(&mut z, "long.example", &format!("v=spf1 {} -all", long.join(" ")));
    txt(&mut z, "mx.example", "v=spf1 mx -all");
    for i in 0..11u16 {
        z.add("mx.example", RData::Mx { preference: i, exchange: format!("m{i}.mx.example") });
    }
    let cases: &[(&str, WarningCode)] = &[
        ("syntax.example", WarningCode::SyntaxError),
        ("two.example", WarningCode::SeveralRecords),
        ("noinc.example", WarningCode::NoRecord),
        ("nothing-here.example", WarningCode::NoRecord),
        ("slow.example", WarningCode::DnsError),
        ("ptr.example", WarningCode::Ptr),
        ("plus.example", WarningCode::PlusAll),
        ("neutral.example", WarningCode::NeutralAll),
        ("noall.example", WarningCode::NoAll),
        ("both.example", WarningCode::RedirectIgnored),
        ("moo.example", WarningCode::UnknownModifier),
        ("after.example", WarningCode::AfterAll),
        ("loop.example", WarningCode::IncludeLoop),
        ("dup.example", WarningCode::DuplicateNetwork),
        ("dup.example", WarningCode::OverlappingNetwork),
        ("long.example", WarningCode::RecordTooLong),
        ("mx.example", WarningCode::TooManyMxNames),
        ("nodots", WarningCode::InvalidDomain),
    ];
    for &(domain, code) in cases {
        let r = analyze(domain, AnalysisOptions::default(), &z);
        assert!(r.warnings.iter().any(|w| w.code == code), "{domain}: want {code}, got {:?}\n{r}", codes(&r));
        let text = r.to_string();
        assert!(text.contains(&format!("warning {code}")), "{text}");
    }
    // Spans point at the term.
    let r = analyze("moo.example", AnalysisOptions::default(), &z);
    let w = &r.warnings[0];
    assert_eq!(&r.nodes[0].record.as_deref().unwrap()[w.span.unwrap().start..w.span.unwrap().end], "moo=cow");
    let r = analyze("syntax.example", AnalysisOptions::default(), &z);
    assert_eq!((r.warnings[0].span.unwrap().start, r.warnings[0].span.unwrap().end), (7, 22));
    // Terms after `all` cost nothing, as in evaluation.
    let r = analyze("after.example", AnalysisOptions::default(), &z);
    assert_eq!((r.dns_terms, r.nodes.len()), (0, 1));
    assert_eq!(codes(&r), ["after-all", "after-all"]);
    // The loop is reported once, at the record that closes it.
    let r = analyze("loop.example", AnalysisOptions::default(), &z);
    assert_eq!(r.nodes.len(), 2);
    assert_eq!(codes(&r), ["include-loop"]);
    // Overlaps do not double-count addresses.
    let r = analyze("dup.example", AnalysisOptions::default(), &z);
    assert_eq!(r.ipv4_addresses, 256);
}

#[test]
fn draft_records_and_client_dependent_terms() {
    let z = provider();
    let draft = "v=spf1 include:_spf.esp.example exists:%{i}._spf.example.com a:%{d}.example.com ip4:192.0.2.0/25 ~all";
    let options = AnalysisOptions { draft: Some(draft.into()), ..AnalysisOptions::default() };
    let r = analyze("example.com", options, &z);
    assert_eq!(r.nodes[0].source, Source::Draft);
    assert_eq!(r.nodes[0].record.as_deref(), Some(draft));
    assert_eq!(r.nodes[1].domain, "_spf.esp.example", "the rest of the tree still comes from DNS");
    let dependent: Vec<&str> = r.client_dependent.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(dependent, ["exists:%{i}._spf.example.com", "a:%{d}.example.com"]);
    // Their lookups are counted as terms but cannot be resolved ahead.
    assert_eq!(r.dns_terms, 5);
    let draft_net = r.networks.iter().find(|n| n.node == 0).expect("the draft's ip4");
    assert_eq!(
        (draft_net.addr.to_string(), draft_net.prefix, draft_net.qualifier),
        ("192.0.2.0".into(), 25, Qualifier::Pass)
    );

    let long = format!("v=spf1 {} -all", (0..20).map(|i| format!("ip4:198.51.100.{i}")).collect::<Vec<_>>().join(" "));
    let options = AnalysisOptions { draft: Some(long), ..AnalysisOptions::default() };
    let r = analyze("example.com", options, &z);
    assert!(codes(&r).contains(&"txt-string-too-long"), "{r}");
}

#[test]
fn step_api_batches_address_lookups() {
    let z = provider();
    let mut an = spfkit::Analysis::new("example.com", AnalysisOptions::default());
    let mut sizes = Vec::new();
    loop {
        match an.next() {
            spfkit::Step::Lookup(q) => sizes.push(q.len()),
            spfkit::Step::Pending => panic!("waiting with every query answered"),
            spfkit::Step::Done(_) => break,
        }
        an.answer_each(|q| z.lookup(q));
    }
    // TXT, MX, then A+AAAA of both MX hosts in one step, then A+AAAA of www.
    assert_eq!(&sizes[..4], [1, 1, 4, 2]);
    let r = an.into_report().unwrap();
    assert_eq!(r, analyze("example.com", AnalysisOptions::default(), &z));
}

#[test]
fn mx_names_are_queried_as_an_evaluation_queries_them() {
    // A trailing dot is dropped and the null MX (RFC 7505) is not asked for,
    // exactly as check() does.
    let mut z = Zone::new();
    txt(&mut z, "example.com", "v=spf1 mx -all");
    z.add("example.com", RData::Mx { preference: 10, exchange: "mx.example.com.".into() });
    z.add("example.com", RData::Mx { preference: 0, exchange: ".".into() });
    a(&mut z, "mx.example.com", "192.0.2.10");
    let mut an = spfkit::Analysis::new("example.com", AnalysisOptions::default());
    let mut asked = Vec::new();
    while let spfkit::Step::Lookup(q) = an.next() {
        asked.extend(q.iter().map(|q| (q.name.clone(), q.qtype.as_str())));
        an.answer_each(|q| z.lookup(q));
    }
    assert_eq!(
        asked,
        [
            ("example.com".to_owned(), "TXT"),
            ("example.com".to_owned(), "MX"),
            ("mx.example.com".to_owned(), "A"),
            ("mx.example.com".to_owned(), "AAAA"),
        ]
    );
    let r = an.into_report().unwrap();
    assert_eq!(r.networks.iter().map(|n| format!("{}/{}", n.addr, n.prefix)).collect::<Vec<_>>(), ["192.0.2.10/32"]);
}

#[test]
fn the_tree_is_bounded() {
    // A chain of 200 includes stops at max_nodes with a warning.
    let mut z = Zone::new();
    for i in 0..200 {
        txt(&mut z, &format!("n{i}.example"), &format!("v=spf1 include:n{}.example -all", i + 1));
    }
    let r = analyze("n0.example", AnalysisOptions { max_nodes: 50, ..AnalysisOptions::default() }, &z);
    assert_eq!(r.nodes.len(), 50);
    assert!(codes(&r).contains(&"tree-too-large"));
    assert!(r.exceeds_dns_terms());
}

#[test]
fn the_networks_are_bounded() {
    // One `a` whose answer holds more addresses than the report lists.
    let mut z = Zone::new();
    txt(&mut z, "many.example", "v=spf1 a -all");
    for i in 0..(spfkit::MAX_NETWORKS as u32 + 10) {
        z.add("many.example", RData::A(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
    }
    let r = analyze("many.example", AnalysisOptions::default(), &z);
    assert_eq!(r.networks.len(), spfkit::MAX_NETWORKS);
    assert!(codes(&r).contains(&"tree-too-large"));
}

#[test]
fn repeated_networks_are_one_warning_and_totals_are_readable() {
    let mut z = Zone::new();
    let record = format!(
        "v=spf1 {} ip4:192.0.2.0/24 ip4:192.0.2.7 ip6:2001:db8::/32 ip6:2001:db8::/48 -all",
        "ip4:198.51.100.1 ".repeat(50)
    );
    txt(&mut z, "example.com", &record);
    let r = spfkit::analyze("example.com", AnalysisOptions::default(), &z);
    let repeats: Vec<_> = r.warnings.iter().filter(|w| w.code.code() == "duplicate-network").collect();
    assert_eq!(repeats.len(), 1, "{:?}", r.warnings);
    assert!(repeats[0].message.ends_with(", 49 times"), "{}", repeats[0].message);
    let inside: Vec<_> = r.warnings.iter().filter(|w| w.code.code() == "overlapping-network").collect();
    assert_eq!(inside.len(), 2, "{inside:?}");
    let text = r.to_string();
    assert!(text.contains("authorised: 257 IPv4 and 2^96 IPv6 addresses in 54 networks"), "{text}");
    assert!(text.lines().count() < 12, "{text}");
}

#[test]
fn reports_carry_no_control_characters() {
    let mut z = Zone::new();
    let record = "v=spf1 \r\nX: y\u{1b}]0;pwn\u{7} a:\u{85}.example -all";
    txt(&mut z, "example.com", record);
    let r = spfkit::analyze("example.com", AnalysisOptions::default(), &z);
    let shown = r.nodes[0].record.clone().unwrap();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    // Byte spans into the record stay true: same length.
    assert_eq!(shown.len(), record.len());
    let text = r.to_string();
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
    for w in &r.warnings {
        assert!(!w.message.chars().any(char::is_control), "{w:?}");
    }
}
