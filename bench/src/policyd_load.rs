//! The load client of bench/policyd (README.md there): N connections to a
//! Postfix policy server, each sending its share of a corpus one request
//! at a time (Postfix's smtpd waits for each reply), a thread each.
//!
//! usage: policyd-load --connect HOST:PORT --corpus FILE --warmup FILE
//!                     --connections N --out FILE [--tag T]
//!                     [--cpu NAME=PID]...
//!
//! - Corpus lines: `client_address TAB helo_name TAB sender TAB recipient
//!   [TAB ...]`. Request i goes to connection i mod N. Every request has
//!   its own `instance` (`T.i`), so no decision is reused.
//! - Before the clock starts every connection sends one request from the
//!   warm-up file (line c for connection c) and waits for its reply: a
//!   server that starts a process per connection has started it, and the
//!   clock measures serving, not starting.
//! - `--cpu NAME=PID`: the CPU time of PID and all its descendants alive
//!   at the time (each thread's /proc/PID/task/TID/schedstat), read just
//!   before the clock starts and after the last reply has come (every
//!   connection still open, so a process per connection is still there),
//!   for each NAME; and the whole machine's busy, idle and stolen time
//!   (/proc/stat) over the same span, to show what else ran.
//! - Writes one line per request to `--out` (`index TAB latency_us TAB
//!   reply`, the reply's lines joined by `\x1f`) and prints one JSON
//!   object: requests, wall seconds, rps, latency percentiles, malformed
//!   replies, CPU seconds per NAME, this client's own CPU seconds.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;

mod cpu;
use cpu::{machine_ticks, process_ns, tree_ns};

struct Row {
    ip: String,
    helo: String,
    sender: String,
    recipient: String,
}

fn read_rows(path: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() < 4 {
                die(&format!("{path}: a line without four fields: {l:?}"));
            }
            Row { ip: f[0].into(), helo: f[1].into(), sender: f[2].into(), recipient: f[3].into() }
        })
        .collect()
}

fn die(msg: &str) -> ! {
    eprintln!("policyd-load: {msg}");
    std::process::exit(2)
}

/// The request as Postfix 3.7's smtpd sends it at RCPT TO (its attribute
/// list, unused ones empty).
fn request(r: &Row, instance: &str) -> Vec<u8> {
    format!(
        "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address={ip}\n\
         client_name=unknown\nclient_port=40000\nreverse_client_name=unknown\nserver_address=127.0.0.1\n\
         server_port=25\nhelo_name={helo}\nsender={sender}\nrecipient={rcpt}\nrecipient_count=0\nqueue_id=\n\
         instance={instance}\nsize=0\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\n\
         ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\nencryption_protocol=\n\
         encryption_cipher=\nencryption_keysize=0\npolicy_context=\ncompatibility_level=3.6\n\
         mail_version=3.7.11\n\n",
        ip = r.ip,
        helo = r.helo,
        sender = r.sender,
        rcpt = r.recipient,
        instance = instance,
    )
    .into_bytes()
}

/// Sends one request and reads its reply: the reply's lines (without the
/// empty line that ends it), or an error.
fn exchange(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, req: &[u8]) -> Result<Vec<String>, String> {
    stream.write_all(req).map_err(|e| format!("write: {e}"))?;
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed".into());
        }
        let line = line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            return Ok(lines);
        }
        lines.push(line.to_string());
    }
}

/// Well-formed: exactly one line, `action=` and something.
fn well_formed(lines: &[String]) -> bool {
    lines.len() == 1 && lines[0].len() > "action=".len() && lines[0].starts_with("action=")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut connect, mut corpus, mut warmup, mut out, mut tag) = (None, None, None, None, String::from("bench"));
    let mut connections = 1usize;
    let mut cpu: Vec<(String, u32)> = Vec::new();
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| die(&format!("{a} takes a value")));
        match a.as_str() {
            "--connect" => connect = Some(val()),
            "--corpus" => corpus = Some(val()),
            "--warmup" => warmup = Some(val()),
            "--out" => out = Some(val()),
            "--tag" => tag = val(),
            "--connections" => connections = val().parse().unwrap_or_else(|_| die("--connections: a number")),
            "--cpu" => {
                let v = val();
                let (name, pid) = v.split_once('=').unwrap_or_else(|| die("--cpu NAME=PID"));
                cpu.push((name.into(), pid.parse().unwrap_or_else(|_| die("--cpu NAME=PID"))));
            }
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let connect = connect.unwrap_or_else(|| die("--connect HOST:PORT"));
    let rows = Arc::new(read_rows(&corpus.unwrap_or_else(|| die("--corpus FILE"))));
    let warm = Arc::new(read_rows(&warmup.unwrap_or_else(|| die("--warmup FILE"))));
    let out = out.unwrap_or_else(|| die("--out FILE"));
    if connections == 0 || connections > warm.len() {
        die("--connections: 1 to the warm-up file's lines");
    }

    // Requests built before the clock starts.
    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(rows.iter().enumerate().map(|(i, r)| request(r, &format!("{tag}.{i}"))).collect());
    let ready = Arc::new(Barrier::new(connections + 1));
    let start = Arc::new(Barrier::new(connections + 1));
    let done = Arc::new(Barrier::new(connections + 1));
    let release = Arc::new(Barrier::new(connections + 1));
    let mut handles = Vec::new();
    for c in 0..connections {
        let (requests, warm, ready, start, done, release, connect, tag) = (
            requests.clone(),
            warm.clone(),
            ready.clone(),
            start.clone(),
            done.clone(),
            release.clone(),
            connect.clone(),
            tag.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let mut stream = None;
            for _ in 0..200 {
                match TcpStream::connect(&connect) {
                    Ok(s) => {
                        stream = Some(s);
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(25)),
                }
            }
            let mut stream = stream.unwrap_or_else(|| die(&format!("cannot connect to {connect}")));
            let _ = stream.set_nodelay(true);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let warm_req = request(&warm[c], &format!("{tag}.warm{c}"));
            let warm_ok = exchange(&mut stream, &mut reader, &warm_req).map(|l| well_formed(&l)).unwrap_or(false);
            // Every connection warm; then the CPU times are read; then all start.
            ready.wait();
            start.wait();
            let mut results: Vec<(usize, u64, Result<Vec<String>, String>)> = Vec::new();
            let mut i = c;
            let mut broken = false;
            while i < requests.len() {
                if broken {
                    results.push((i, 0, Err("connection lost earlier".into())));
                } else {
                    let t = Instant::now();
                    let r = exchange(&mut stream, &mut reader, &requests[i]);
                    let us = t.elapsed().as_micros() as u64;
                    broken = r.is_err();
                    results.push((i, us, r));
                }
                i += connections;
            }
            let finished = Instant::now();
            done.wait();
            // Connections stay open until the CPU times are read.
            release.wait();
            drop(reader);
            drop(stream);
            (warm_ok, finished, results)
        }));
    }
    ready.wait();
    let cpu0: Vec<u64> = cpu.iter().map(|&(_, pid)| tree_ns(pid)).collect();
    let self0 = process_ns(std::process::id());
    let machine0 = machine_ticks();
    let t0 = Instant::now();
    start.wait();
    done.wait();
    let cpu1: Vec<u64> = cpu.iter().map(|&(_, pid)| tree_ns(pid)).collect();
    let self1 = process_ns(std::process::id());
    let machine1 = machine_ticks();
    release.wait();

    let mut all: Vec<(usize, u64, Result<Vec<String>, String>)> = Vec::with_capacity(requests.len());
    let mut warm_failed = 0;
    let mut last = t0;
    for h in handles {
        let (warm_ok, finished, results) = h.join().expect("thread");
        warm_failed += usize::from(!warm_ok);
        last = last.max(finished);
        all.extend(results);
    }
    all.sort_by_key(|r| r.0);
    // Wall time: from the start to the last reply (not the barrier's wake-up).
    let wall = last.duration_since(t0).as_secs_f64().max(1e-9);
    let mut lat: Vec<u64> = all.iter().filter(|r| r.2.is_ok()).map(|r| r.1).collect();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        let k = ((p / 100.0) * lat.len() as f64).ceil() as usize;
        lat[k.clamp(1, lat.len()) - 1] as f64 / 1000.0
    };
    let errors = all.iter().filter(|r| r.2.is_err()).count();
    let malformed = all.iter().filter(|r| matches!(&r.2, Ok(l) if !well_formed(l))).count();

    let mut f = std::io::BufWriter::new(std::fs::File::create(&out).unwrap_or_else(|e| die(&format!("{out}: {e}"))));
    for (i, us, r) in &all {
        let reply = match r {
            Ok(lines) => lines.join("\x1f"),
            Err(e) => format!("ERROR {e}"),
        };
        writeln!(f, "{i}\t{us}\t{reply}").expect("write");
    }
    f.flush().expect("write");

    let cpu_json: serde_json::Map<String, serde_json::Value> = cpu
        .iter()
        .zip(cpu0.iter().zip(&cpu1))
        .map(|((name, _), (a, b))| (name.clone(), json!(b.saturating_sub(*a) as f64 / 1e9)))
        .collect();
    let result = json!({
        "requests": all.len(),
        "connections": connections,
        "answered": all.len() - errors,
        "errors": errors,
        "malformed": malformed,
        "warmup_failed": warm_failed,
        "wall_s": wall,
        "rps": (all.len() - errors) as f64 / wall,
        "p50_ms": pct(50.0),
        "p90_ms": pct(90.0),
        "p99_ms": pct(99.0),
        "max_ms": lat.last().map_or(f64::NAN, |&m| m as f64 / 1000.0),
        "cpu_s": cpu_json,
        "client_cpu_s": self1.saturating_sub(self0) as f64 / 1e9,
        // USER_HZ is 100 on Linux whatever the kernel's HZ.
        "machine_busy_s": machine1.0.saturating_sub(machine0.0) as f64 / 100.0,
        "machine_idle_s": machine1.1.saturating_sub(machine0.1) as f64 / 100.0,
        "machine_steal_s": machine1.2.saturating_sub(machine0.2) as f64 / 100.0,
    });
    println!("{result}");
}
