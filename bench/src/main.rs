//! spfkit on the peers' workload (../shared/bench/README.md): every query of
//! workload.json as a MAIL FROM check_host() through the step API, DNS
//! answered from the workload's in-memory zone.
//!
//! usage: spfkit-bench [--workload FILE] [--seconds S] [--passes N]
//!                     [--plan batched|sequential] [--cache] [--name NAME]
//!
//! Prints one JSON object in the peers' format, plus `round_trips_per_pass`.
//! `--cache` shares one warm `RecordCache` across evaluations; the untimed
//! first pass warms it.

use std::collections::HashMap;
use std::hint::black_box;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use spfkit::{Answer, Evaluation, LookupPlan, Options, Query, QueryType, RData, RecordCache, Request, Scope, Step};

/// The zone, keyed by lower-case name without the trailing dot, each name
/// with its answer per query type built once (as a host's cache would hold
/// them): absent types answer NODATA, absent names NXDOMAIN, as the README
/// says.
struct Zone(HashMap<String, [Answer; 5]>);

const TYPES: [QueryType; 5] = [QueryType::Txt, QueryType::A, QueryType::Aaaa, QueryType::Mx, QueryType::Ptr];

impl Zone {
    fn new(records: HashMap<String, Vec<RData>>) -> Zone {
        Zone(
            records
                .into_iter()
                .map(|(name, rs)| {
                    let answers = TYPES.map(|t| {
                        let found: Vec<RData> = rs.iter().filter(|r| r.qtype() == t).cloned().collect();
                        if found.is_empty() { Answer::NoData } else { Answer::Records(found) }
                    });
                    (name, answers)
                })
                .collect(),
        )
    }

    fn answer(&self, q: &Query) -> Answer {
        let name = q.name.strip_suffix('.').unwrap_or(&q.name);
        let node = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.0.get(&name.to_ascii_lowercase())
        } else {
            self.0.get(name)
        };
        let Some(answers) = node else { return Answer::NxDomain };
        answers[TYPES.iter().position(|&t| t == q.qtype).unwrap_or(0)].clone()
    }
}

struct Job {
    id: String,
    request: Request,
    expect: String,
}

fn load(path: &str) -> (Zone, Vec<Job>, String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let w: Value = serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut zone = HashMap::new();
    for (name, entries) in w["zone"].as_object().unwrap_or_else(|| fail("no zone")) {
        let mut records = Vec::new();
        for e in entries.as_array().unwrap_or_else(|| fail("zone entry list")) {
            let data = &e["data"];
            let s = || data.as_str().unwrap_or_else(|| fail(&format!("{name}: bad data {data}")));
            records.push(match e["type"].as_str().unwrap_or_default() {
                "TXT" => match data {
                    Value::Array(parts) => {
                        RData::txt_from_strings(parts.iter().map(|p| p.as_str().unwrap_or_default()))
                    }
                    _ => RData::Txt(s().as_bytes().to_vec()),
                },
                "A" => RData::A(s().parse().unwrap_or_else(|_| fail("bad A"))),
                "AAAA" => RData::Aaaa(s().parse().unwrap_or_else(|_| fail("bad AAAA"))),
                "PTR" => RData::Ptr(s().to_owned()),
                "MX" => RData::Mx {
                    preference: data[0].as_u64().unwrap_or(0) as u16,
                    exchange: data[1].as_str().unwrap_or_default().to_owned(),
                },
                other => fail(&format!("{name}: unknown type {other}")),
            });
        }
        zone.insert(name.trim_end_matches('.').to_ascii_lowercase(), records);
    }
    let jobs = w["queries"]
        .as_array()
        .unwrap_or_else(|| fail("no queries"))
        .iter()
        .map(|q| {
            let f = |k: &str| q[k].as_str().unwrap_or_default().to_owned();
            let ip: IpAddr = f("ip").parse().unwrap_or_else(|_| fail(&format!("bad ip {}", f("ip"))));
            Job { id: f("id"), request: Request::new(ip, f("sender"), f("helo")), expect: f("expect") }
        })
        .collect();
    (Zone::new(zone), jobs, w["receiver"].as_str().unwrap_or("unknown").to_owned())
}

fn fail(msg: &str) -> ! {
    eprintln!("spfkit-bench: {msg}");
    std::process::exit(2)
}

/// One evaluation through the step API: (outcome, lookups, round trips).
fn evaluate(zone: &Zone, request: Request, options: Options) -> (spfkit::CheckOutcome, u32, u32) {
    let mut ev = Evaluation::new(request, options);
    let (mut lookups, mut trips) = (0, 0);
    loop {
        match ev.next() {
            Step::Lookup(_) => {
                trips += 1;
                ev.answer_each(|q| {
                    lookups += 1;
                    zone.answer(q)
                });
            }
            Step::Done(_) => break,
            Step::Pending => fail("evaluation waits with every query answered"),
        }
    }
    (ev.into_outcome().unwrap_or_else(|| fail("no outcome")), lookups, trips)
}

fn main() {
    let mut workload = String::from("../shared/bench/workload.json");
    let mut seconds = 3.0f64;
    let mut passes: Option<u64> = None;
    let mut plan = LookupPlan::Batched;
    let mut cache = false;
    let mut name: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| fail(&format!("{a} needs a value")));
        match a.as_str() {
            "--workload" => workload = val(),
            "--seconds" => seconds = val().parse().unwrap_or_else(|_| fail("bad --seconds")),
            "--passes" => passes = Some(val().parse().unwrap_or_else(|_| fail("bad --passes"))),
            "--plan" => {
                plan = match val().as_str() {
                    "batched" => LookupPlan::Batched,
                    "sequential" => LookupPlan::Sequential,
                    other => fail(&format!("unknown plan {other}")),
                }
            }
            "--cache" => cache = true,
            "--name" => name = Some(val()),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let (zone, jobs, receiver) = load(&workload);
    let options = Options {
        plan,
        scope: Scope::MailFrom,
        receiver: receiver.into(),
        // A fixed clock: `%{t}` would otherwise read the system time.
        timestamp: Some(0),
        cache: cache.then(|| Arc::new(RecordCache::new(1024))),
        ..Options::default()
    };

    let mut results = Vec::with_capacity(jobs.len());
    let (mut lookups, mut trips, mut agree) = (0u64, 0u64, 0usize);
    for job in &jobs {
        let (outcome, l, t) = evaluate(&zone, job.request.clone(), options.clone());
        lookups += u64::from(l);
        trips += u64::from(t);
        let o = outcome.outcome();
        agree += usize::from(o.result.as_str() == job.expect);
        results.push(json!({"id": job.id, "result": o.result.as_str(), "explanation": o.explanation, "dns": l}));
    }

    let start = Instant::now();
    let mut done = 0u64;
    loop {
        match passes {
            Some(n) if done >= n => break,
            None if start.elapsed().as_secs_f64() >= seconds && done >= 3 => break,
            _ => {}
        }
        for job in &jobs {
            black_box(evaluate(&zone, black_box(job.request.clone()), options.clone()));
        }
        done += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let evals = done as f64 * jobs.len() as f64;
    let default_name = match (plan, cache) {
        (LookupPlan::Batched, false) => "spfkit",
        (LookupPlan::Batched, true) => "spfkit-cached",
        (LookupPlan::Sequential, false) => "spfkit-seq",
        (LookupPlan::Sequential, true) => "spfkit-seq-cached",
    };
    let peer = name.unwrap_or_else(|| default_name.to_owned());
    println!(
        "{}",
        json!({
            "peer": peer,
            "version": env!("CARGO_PKG_VERSION"),
            "language": "rust",
            "queries": jobs.len(),
            "passes": done,
            "seconds": elapsed,
            "evals_per_sec": if elapsed > 0.0 { evals / elapsed } else { 0.0 },
            "dns_lookups_per_pass": lookups,
            "round_trips_per_pass": trips,
            "agree": agree,
            "results": results,
        })
    );
    eprintln!("{peer}: {lookups} DNS lookups and {trips} round trips per pass, {agree}/{} agree", jobs.len());
}
