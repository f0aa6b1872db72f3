//! Criterion benchmarks: parsing a typical record, and a full evaluation
//! of a provider-style include chain (three levels, ~30 ip4/ip6 terms, an
//! `mx`) answered from an in-memory zone, fresh and with a warm
//! [`RecordCache`].
//!
//! `cargo bench -p spfkit`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use spfkit::{LookupPlan, Options, RData, Record, RecordCache, Request, Scope, Zone, check};

const TYPICAL: &str = "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8::/32 a mx \
                       include:_spf.provider.example.net include:spf.mailer.example.org ~all";

/// example.com → _spf.provider.example.net → _netblocks{1,2,3}.provider…,
/// ~30 address terms in all, and an `mx` at the top.
fn chain_zone() -> Zone {
    let mut z = Zone::new();
    let txt = |z: &mut Zone, name: &str, text: String| z.add(name, RData::Txt(text.into_bytes()));
    txt(&mut z, "example.com", "v=spf1 mx include:_spf.provider.example.net -all".into());
    z.add("example.com", RData::Mx { preference: 10, exchange: "mx1.example.com".into() });
    z.add("example.com", RData::Mx { preference: 20, exchange: "mx2.example.com".into() });
    z.add("mx1.example.com", RData::A([192, 0, 2, 10].into()));
    z.add("mx2.example.com", RData::A([192, 0, 2, 11].into()));
    txt(
        &mut z,
        "_spf.provider.example.net",
        "v=spf1 include:_netblocks1.provider.example.net include:_netblocks2.provider.example.net \
         include:_netblocks3.provider.example.net ~all"
            .into(),
    );
    for block in 1..=3u8 {
        let mut text = String::from("v=spf1");
        for i in 0..8u8 {
            text.push_str(&format!(" ip4:{}.{}.{}.0/24", 198 + block % 2, 18 + block, i * 16));
        }
        for i in 0..2u8 {
            text.push_str(&format!(" ip6:2001:db8:{block:x}{i:x}::/48"));
        }
        text.push_str(" ~all");
        txt(&mut z, &format!("_netblocks{block}.provider.example.net"), text);
    }
    z
}

fn parse(c: &mut Criterion) {
    c.bench_function("parse typical record", |b| b.iter(|| Record::parse(black_box(TYPICAL)).unwrap()));
}

fn evaluate(c: &mut Criterion) {
    let zone = chain_zone();
    // Matches in the last netblock, so every term is evaluated.
    let request = Request::new([199, 21, 112, 5].into(), "alice@example.com", "mail.example.org");
    let options = Options { scope: Scope::MailFrom, ..Options::default() };
    let out = check(request.clone(), options.clone(), &zone);
    assert_eq!(out.result(), spfkit::SpfResult::Pass, "{out:?}");

    let mut g = c.benchmark_group("include chain");
    for (name, plan) in [("batched", LookupPlan::Batched), ("sequential", LookupPlan::Sequential)] {
        let options = Options { plan, ..options.clone() };
        g.bench_function(name, |b| b.iter(|| check(black_box(request.clone()), options.clone(), &zone)));
    }
    let cached = Options { cache: Some(Arc::new(RecordCache::new(64))), ..options };
    g.bench_function("batched, warm record cache", |b| {
        b.iter(|| check(black_box(request.clone()), cached.clone(), &zone))
    });
    g.finish();
}

criterion_group!(benches, parse, evaluate);
criterion_main!(benches);
