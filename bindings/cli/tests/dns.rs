//! `spfkit check` and `spfkit lint` over real DNS: a UDP name server on
//! 127.0.0.1 at a free port, answering from a zone (the example zone, or
//! one written here), refusing some names; and a port nobody answers on.
//! The same commands against a real server (NSD) are in nsd.rs.

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::Message;
use serde_json::Value;
use spfkit::wire::response_message;
use spfkit::{Answer, Query, QueryId, QueryType, RData, Zone};

/// A name server for the test's lifetime.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(zone: Zone, refused: &'static [&'static str]) -> Server {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let addr = socket.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while !flag.load(Ordering::Relaxed) {
            let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
            let Ok(m) = Message::from_vec(&buf[..n]) else { continue };
            let Some(q) = m.queries().first() else { continue };
            let Some(qtype) = QueryType::from_name(&q.query_type().to_string()) else { continue };
            let name = q.name().to_ascii();
            let query = Query { id: QueryId(0), name: name.trim_end_matches('.').to_owned(), qtype };
            let refuse = refused.iter().any(|r| query.name.eq_ignore_ascii_case(r));
            let answer = if refuse { Answer::TempError } else { zone.lookup(&query) };
            let Ok(mut reply) = response_message(&query, m.id(), &answer) else { continue };
            if refuse {
                reply[3] = (reply[3] & 0xf0) | 5; // REFUSED
            }
            let _ = socket.send_to(&reply, from);
        }
    });
    Server { addr, stop, thread: Some(thread) }
}

fn spfkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spfkit")).args(args).output().expect("run spfkit")
}

fn example_zone() -> Zone {
    spfkit_cli::zonefile::load_zone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/zones/example.zone"))
        .unwrap()
}

fn check(ns: &str, ip: &str, sender: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["check", "--nameserver", ns, "--ip", ip, "--sender", sender, "--helo", "mail.example.org"];
    args.extend_from_slice(extra);
    args.push("--json");
    let out = spfkit(&args);
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{out:?}")))
}

#[test]
fn check_and_lint_over_dns() {
    let server = serve(example_zone(), &[]);
    let ns = server.addr.to_string();
    // A pass through the include chain, and a fail with its exp= text.
    let (code, v) = check(&ns, "203.0.113.5", "alice@example.com", &[]);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("pass")), "{v:#}");
    let (_, v) = check(&ns, "192.0.2.99", "alice@example.com", &[]);
    assert_eq!(v["result"], "fail");
    assert_eq!(
        v["explanation"],
        "192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
    );
    // MX hosts: the batched plan asks both hosts' addresses in one round trip.
    let (_, v) = check(&ns, "192.0.2.11", "alice@example.com", &["--identity", "mailfrom"]);
    assert_eq!(v["result"], "pass");
    assert_eq!(v["identities"]["mailfrom"]["counters"]["queries"], 4);
    assert_eq!(v["identities"]["mailfrom"]["counters"]["round_trips"], 3);

    let out = spfkit(&["lint", "example.com", "--nameserver", &ns, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3, "{v:#}");
    assert_eq!(v["dns_terms"], 4);
    // Same report as from the zone file.
    let file = spfkit(&["lint", "example.com", "--zone", "../../examples/zones/example.zone", "--json"]);
    assert_eq!(serde_json::from_slice::<Value>(&file.stdout).unwrap(), v);
}

#[test]
fn void_lookups_and_refused_names() {
    let mut zone = Zone::new();
    let txt = |z: &mut Zone, n: &str, t: &str| z.add(n, RData::Txt(t.as_bytes().to_vec()));
    txt(&mut zone, "void.example", "v=spf1 a:gone1.void.example a:gone2.void.example a:gone3.void.example -all");
    txt(&mut zone, "two.example", "v=spf1 a:gone1.void.example a:gone2.void.example ip4:192.0.2.1 -all");
    txt(&mut zone, "refusing.example", "v=spf1 include:refused.example -all");
    let server = serve(zone, &["refused.example"]);
    let ns = server.addr.to_string();
    let (_, v) = check(&ns, "192.0.2.1", "a@two.example", &["--identity", "mailfrom"]);
    assert_eq!(v["result"], "pass");
    assert_eq!(v["identities"]["mailfrom"]["counters"]["void_lookups"], 2);
    let (_, v) = check(&ns, "192.0.2.1", "a@void.example", &["--identity", "mailfrom"]);
    assert_eq!(v["result"], "permerror", "a third void lookup: {v:#}");
    // REFUSED is a temporary error (RFC 7208 §2.6.6), not a missing record.
    let (code, v) = check(&ns, "192.0.2.1", "a@refusing.example", &["--identity", "mailfrom"]);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("temperror")), "{v:#}");
    assert_eq!(v["smtp_reply"]["code"], 451);

    let out = spfkit(&["lint", "void.example", "--nameserver", &ns]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("warning too-many-void-lookups"));
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Bound, so nothing else takes the port, and never read.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ns = silent.local_addr().unwrap().to_string();
    let start = Instant::now();
    let (code, v) = check(&ns, "192.0.2.1", "a@example.com", &["--timeout", "1"]);
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
    assert_eq!(v["result"], "temperror");
    assert_eq!(code, Some(spfkit_cli::EXIT_DNS));
    let out = spfkit(&["lint", "example.com", "--nameserver", &ns, "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(spfkit_cli::EXIT_DNS));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no name server answered"));
}
