//! The driver the load clients (policyd-load, srsd-load) share, included
//! by each with `mod load;` as cpu.rs is: N connections, a thread each,
//! each sending its share of the requests one at a time (request i on
//! connection i mod N); the CPU times read around the timed part; one line
//! per request written to `--out`; one JSON object printed. A client
//! brings only its protocol, as a [`Client`].
//!
//! The timed part is fenced by four barriers, the driver's thread being
//! the last party of each:
//! - ready: every connection open and warmed up (a server that starts a
//!   process per connection has started it: the clock measures serving,
//!   not starting); the CPU times are read.
//! - start: the clock starts.
//! - done: every reply in; the CPU times are read again.
//! - release: only then are the connections closed, so that a process per
//!   connection is still there to be counted.

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cpu::{machine_ticks, process_ns, tree_ns};

/// Prints `msg` after the binary's name and exits with status 2.
pub fn die(msg: &str) -> ! {
    // The name of the bin that includes this module, so each client
    // speaks as itself.
    eprintln!("{}: {msg}", env!("CARGO_BIN_NAME"));
    std::process::exit(2)
}

/// What one client protocol does on a connection.
pub trait Client: Send + Sync + 'static {
    /// One connection's state, made in its own thread.
    type Conn;
    /// A reply as read.
    type Reply: Send + 'static;
    /// Connection `c`, open (see [`connect`]), before the warm-up.
    fn open(&self, c: usize) -> Self::Conn;
    /// Connection `c`'s one request before the clock starts (not one of
    /// the timed ones).
    fn warm_up(&self, conn: &mut Self::Conn, c: usize) -> Result<Self::Reply, String>;
    /// Sends request `i` and reads its reply.
    fn exchange(&self, conn: &mut Self::Conn, i: usize) -> Result<Self::Reply, String>;
    /// The reply as written in the replies file: one line, no tab.
    fn render(reply: &Self::Reply) -> String;
    /// Whether the reply is what the protocol allows.
    fn well_formed(reply: &Self::Reply) -> bool;
}

/// The options both clients take: `--connect HOST:PORT`, `--out FILE`,
/// `--connections N`, `--cpu NAME=PID`.
pub struct Options {
    pub connect: Option<String>,
    pub out: Option<String>,
    pub connections: usize,
    pub cpu: Vec<(String, u32)>,
}

impl Default for Options {
    fn default() -> Options {
        Options { connect: None, out: None, connections: 1, cpu: Vec::new() }
    }
}

impl Options {
    /// Reads the command line: the shared options here, the client's own
    /// by `own`, given the flag and what takes its value (false for a
    /// flag it does not know either).
    pub fn parse(mut own: impl FnMut(&str, &mut dyn FnMut() -> String) -> bool) -> Options {
        let mut opts = Options::default();
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let mut val = || args.next().unwrap_or_else(|| die(&format!("{a} takes a value")));
            if !opts.take(&a, &mut val) && !own(&a, &mut val) {
                die(&format!("unknown argument {a}"));
            }
        }
        opts
    }

    /// Takes `flag` if it is one of the shared options, its value from
    /// `val`; false if it is not (the client's own, or unknown).
    fn take(&mut self, flag: &str, val: impl FnOnce() -> String) -> bool {
        match flag {
            "--connect" => self.connect = Some(val()),
            "--out" => self.out = Some(val()),
            "--connections" => self.connections = val().parse().unwrap_or_else(|_| die("--connections: a number")),
            "--cpu" => {
                let v = val();
                let (name, pid) = v.split_once('=').unwrap_or_else(|| die("--cpu NAME=PID"));
                self.cpu.push((name.into(), pid.parse().unwrap_or_else(|_| die("--cpu NAME=PID"))));
            }
            _ => return false,
        }
        true
    }
}

/// Connects to `addr`, retrying for about five seconds (the server may
/// still be starting), with Nagle off: one small request at a time must
/// not wait for an acknowledgement.
pub fn connect(addr: &str) -> TcpStream {
    let mut stream = None;
    for _ in 0..200 {
        match TcpStream::connect(addr) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(25)),
        }
    }
    let stream = stream.unwrap_or_else(|| die(&format!("cannot connect to {addr}")));
    let _ = stream.set_nodelay(true);
    stream
}

/// One request's index, latency in microseconds (0 if not sent) and
/// outcome.
type Timed<R> = (usize, u64, Result<R, String>);

/// Runs `requests` requests of `client` over `connections` connections,
/// writes the replies file `out` (`index TAB latency_us TAB reply`, an
/// error as `ERROR what`) and prints the result as one JSON object.
pub fn run<C: Client>(client: C, requests: usize, connections: usize, cpu: &[(String, u32)], out: &str) {
    let client = Arc::new(client);
    let [ready, start, done, release] = std::array::from_fn(|_| Arc::new(Barrier::new(connections + 1)));
    let mut handles = Vec::new();
    for c in 0..connections {
        let (client, ready, start, done, release) =
            (client.clone(), ready.clone(), start.clone(), done.clone(), release.clone());
        handles.push(std::thread::spawn(move || {
            let mut conn = client.open(c);
            let warm_ok = client.warm_up(&mut conn, c).is_ok_and(|r| C::well_formed(&r));
            // Every connection warm; then the CPU times are read; then all start.
            ready.wait();
            start.wait();
            let mut results: Vec<Timed<C::Reply>> = Vec::new();
            let mut i = c;
            let mut broken = false;
            while i < requests {
                if broken {
                    results.push((i, 0, Err("connection lost earlier".into())));
                } else {
                    let t = Instant::now();
                    let r = client.exchange(&mut conn, i);
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
            drop(conn);
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

    let mut all: Vec<Timed<C::Reply>> = Vec::with_capacity(requests);
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
    let malformed = all.iter().filter(|r| matches!(&r.2, Ok(reply) if !C::well_formed(reply))).count();

    let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap_or_else(|e| die(&format!("{out}: {e}"))));
    for (i, us, r) in &all {
        let reply = match r {
            Ok(reply) => C::render(reply),
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
