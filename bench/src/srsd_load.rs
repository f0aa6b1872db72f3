//! The load client of bench/srsd (README.md there): N connections to an
//! SRS map server, tcp_table (postsrsd 1.x, one port per map) or socketmap
//! (one socket, the map named in each request), each sending its share of
//! the keys one request at a time (Postfix's cleanup waits for each reply),
//! a thread each.
//!
//! usage: srsd-load --connect HOST:PORT --protocol tcp_table|socketmap
//!                  --map forward|reverse --keys FILE --connections N
//!                  --out FILE [--cpu NAME=PID]...
//!
//! - Keys: one a line; key i goes to connection i mod N. tcp_table sends
//!   `get KEY` with `%XX` for `%`, whitespace and non-printing octets;
//!   socketmap the netstring `MAP KEY`.
//! - Before the clock starts every connection sends one request (a key
//!   not in the file) and waits for its reply: a server forking a process
//!   per connection (postsrsd 1.x) has forked it.
//! - A reply is well-formed when it is one tcp_table line of at most 4096
//!   bytes, `200 `/`500 `/`400 ` and text with nothing left to encode, or
//!   one netstring of at most 100000 bytes whose length is its data's,
//!   `OK `/`NOTFOUND `/`TEMP `/`TIMEOUT `/`PERM ` and text.
//! - `--cpu NAME=PID`: CPU time of PID and its descendants (bench/src/cpu.rs).
//! - Writes one line per request to `--out` (`index TAB latency_us TAB
//!   reply`; the reply without its newline or netstring frame, a tab or
//!   newline in it as `\x1f`) and prints one JSON object.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;

mod cpu;
use cpu::{machine_ticks, process_ns, tree_ns};

/// tcp_table(5)'s reply limit.
const MAX_LINE: usize = 4096;
/// socketmap_table(5)'s reply limit.
const MAX_NETSTRING: usize = 100_000;

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    TcpTable,
    Socketmap,
}

fn die(msg: &str) -> ! {
    eprintln!("srsd-load: {msg}");
    std::process::exit(2)
}

/// The request bytes for `key`.
fn request(protocol: Protocol, map: &str, key: &str) -> Vec<u8> {
    match protocol {
        Protocol::TcpTable => {
            let mut out = b"get ".to_vec();
            for &b in key.as_bytes() {
                if b == b'%' || !b.is_ascii_graphic() {
                    out.extend_from_slice(format!("%{b:02X}").as_bytes());
                } else {
                    out.push(b);
                }
            }
            out.push(b'\n');
            out
        }
        Protocol::Socketmap => {
            let data = format!("{map} {key}");
            format!("{}:{data},", data.len()).into_bytes()
        }
    }
}

/// Reads one reply: its text (a tcp_table line without its newline, a
/// netstring's data) and whether it is well-formed.
fn read_reply(protocol: Protocol, reader: &mut BufReader<TcpStream>) -> Result<(Vec<u8>, bool), String> {
    match protocol {
        Protocol::TcpTable => {
            let mut line = Vec::with_capacity(128);
            // Bounded: a server that never ends its line cannot make this grow.
            let n =
                reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            let ended = line.last() == Some(&b'\n');
            let ok = ended && line.len() <= MAX_LINE;
            if ended {
                line.pop();
            }
            let ok = ok
                && [&b"200 "[..], b"500 ", b"400 "].iter().any(|c| line.starts_with(c))
                && line[4..].iter().all(u8::is_ascii_graphic);
            Ok((line, ok))
        }
        Protocol::Socketmap => {
            let mut digits = Vec::new();
            reader.by_ref().take(8).read_until(b':', &mut digits).map_err(|e| e.to_string())?;
            if digits.pop() != Some(b':') || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(format!("not a netstring: {:?}", String::from_utf8_lossy(&digits)));
            }
            let len: usize = std::str::from_utf8(&digits).ok().and_then(|d| d.parse().ok()).unwrap_or(usize::MAX);
            if len > MAX_NETSTRING {
                return Err(format!("a netstring of {len} bytes"));
            }
            let mut data = vec![0; len + 1];
            reader.read_exact(&mut data).map_err(|e| e.to_string())?;
            let comma = data.pop() == Some(b',');
            let ok = comma
                && (digits.len() == 1 || digits[0] != b'0')
                && [&b"OK "[..], b"NOTFOUND ", b"TEMP ", b"TIMEOUT ", b"PERM "].iter().any(|s| data.starts_with(s));
            Ok((data, ok))
        }
    }
}

type Outcome = Result<(Vec<u8>, bool), String>;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut connect, mut keys, mut out, mut map) = (None, None, None, None);
    let mut protocol = None;
    let mut connections = 1usize;
    let mut cpu: Vec<(String, u32)> = Vec::new();
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| die(&format!("{a} takes a value")));
        match a.as_str() {
            "--connect" => connect = Some(val()),
            "--keys" => keys = Some(val()),
            "--out" => out = Some(val()),
            "--map" => map = Some(val()),
            "--protocol" => {
                protocol = Some(match val().as_str() {
                    "tcp_table" => Protocol::TcpTable,
                    "socketmap" => Protocol::Socketmap,
                    _ => die("--protocol tcp_table|socketmap"),
                })
            }
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
    let protocol = protocol.unwrap_or_else(|| die("--protocol tcp_table|socketmap"));
    let map = map.unwrap_or_else(|| die("--map forward|reverse"));
    let keys_path = keys.unwrap_or_else(|| die("--keys FILE"));
    let text = std::fs::read_to_string(&keys_path).unwrap_or_else(|e| die(&format!("{keys_path}: {e}")));
    let out = out.unwrap_or_else(|| die("--out FILE"));
    if connections == 0 {
        die("--connections: at least 1");
    }

    // Requests built before the clock starts.
    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(text.lines().filter(|l| !l.is_empty()).map(|k| request(protocol, &map, k)).collect());
    let [ready, start, done, release] = std::array::from_fn(|_| Arc::new(Barrier::new(connections + 1)));
    let mut handles = Vec::new();
    for c in 0..connections {
        let (requests, ready, start, done, release, connect, map) = (
            requests.clone(),
            ready.clone(),
            start.clone(),
            done.clone(),
            release.clone(),
            connect.clone(),
            map.clone(),
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
            let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let warm = request(protocol, &map, &format!("warm{c}@warm.example"));
            let warm_ok = stream.write_all(&warm).is_ok() && read_reply(protocol, &mut reader).is_ok_and(|r| r.1);
            ready.wait();
            start.wait();
            let mut results: Vec<(usize, u64, Outcome)> = Vec::new();
            let mut i = c;
            let mut broken = false;
            while i < requests.len() {
                if broken {
                    results.push((i, 0, Err("connection lost earlier".into())));
                } else {
                    let t = Instant::now();
                    let r = stream.write_all(&requests[i]).map_err(|e| e.to_string());
                    let r = r.and_then(|()| read_reply(protocol, &mut reader));
                    let us = t.elapsed().as_micros() as u64;
                    broken = r.is_err();
                    results.push((i, us, r));
                }
                i += connections;
            }
            let finished = Instant::now();
            done.wait();
            // Connections stay open until the CPU times are read: a
            // process per connection is still there to be counted.
            release.wait();
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

    let mut all: Vec<(usize, u64, Outcome)> = Vec::with_capacity(requests.len());
    let mut warm_failed = 0;
    let mut last = t0;
    for h in handles {
        let (warm_ok, finished, results) = h.join().expect("thread");
        warm_failed += usize::from(!warm_ok);
        last = last.max(finished);
        all.extend(results);
    }
    all.sort_by_key(|r| r.0);
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
    let malformed = all.iter().filter(|r| matches!(&r.2, Ok((_, false)))).count();

    let mut f = std::io::BufWriter::new(std::fs::File::create(&out).unwrap_or_else(|e| die(&format!("{out}: {e}"))));
    for (i, us, r) in &all {
        let reply = match r {
            Ok((text, _)) => String::from_utf8_lossy(text).replace(['\t', '\n'], "\x1f"),
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
