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

mod cpu;
mod load;
use load::die;

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

/// The policy protocol, for the shared driver (load.rs).
struct Policy {
    connect: String,
    tag: String,
    /// Requests built before the clock starts.
    requests: Vec<Vec<u8>>,
    warm: Vec<Row>,
}

/// A connection and a buffered reader of it.
struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl load::Client for Policy {
    type Conn = Conn;
    /// The reply's lines.
    type Reply = Vec<String>;

    fn open(&self, _c: usize) -> Conn {
        let stream = load::connect(&self.connect);
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Conn { stream, reader }
    }

    fn warm_up(&self, conn: &mut Conn, c: usize) -> Result<Vec<String>, String> {
        let req = request(&self.warm[c], &format!("{}.warm{c}", self.tag));
        exchange(&mut conn.stream, &mut conn.reader, &req)
    }

    fn exchange(&self, conn: &mut Conn, i: usize) -> Result<Vec<String>, String> {
        exchange(&mut conn.stream, &mut conn.reader, &self.requests[i])
    }

    fn render(lines: &Vec<String>) -> String {
        lines.join("\x1f")
    }

    fn well_formed(lines: &Vec<String>) -> bool {
        well_formed(lines)
    }
}

fn main() {
    let (mut corpus, mut warmup, mut tag) = (None, None, String::from("bench"));
    let opts = load::Options::parse(|flag, val| {
        match flag {
            "--corpus" => corpus = Some(val()),
            "--warmup" => warmup = Some(val()),
            "--tag" => tag = val(),
            _ => return false,
        }
        true
    });
    let connect = opts.connect.unwrap_or_else(|| die("--connect HOST:PORT"));
    let rows = read_rows(&corpus.unwrap_or_else(|| die("--corpus FILE")));
    let warm = read_rows(&warmup.unwrap_or_else(|| die("--warmup FILE")));
    let out = opts.out.unwrap_or_else(|| die("--out FILE"));
    if opts.connections == 0 || opts.connections > warm.len() {
        die("--connections: 1 to the warm-up file's lines");
    }

    let requests: Vec<Vec<u8>> = rows.iter().enumerate().map(|(i, r)| request(r, &format!("{tag}.{i}"))).collect();
    let n = requests.len();
    load::run(Policy { connect, tag, requests, warm }, n, opts.connections, &opts.cpu, &out);
}
