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
use std::time::Duration;

mod cpu;
mod load;
use load::die;

/// tcp_table(5)'s reply limit.
const MAX_LINE: usize = 4096;
/// socketmap_table(5)'s reply limit.
const MAX_NETSTRING: usize = 100_000;

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    TcpTable,
    Socketmap,
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

/// The map protocol, for the shared driver (load.rs).
struct Maps {
    connect: String,
    protocol: Protocol,
    map: String,
    /// Requests built before the clock starts.
    requests: Vec<Vec<u8>>,
}

/// A connection and a buffered reader of it.
struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Maps {
    fn exchange(&self, conn: &mut Conn, req: &[u8]) -> Result<(Vec<u8>, bool), String> {
        conn.stream.write_all(req).map_err(|e| e.to_string())?;
        read_reply(self.protocol, &mut conn.reader)
    }
}

impl load::Client for Maps {
    type Conn = Conn;
    /// The reply's text and whether it is well-formed.
    type Reply = (Vec<u8>, bool);

    fn open(&self, _c: usize) -> Conn {
        let stream = load::connect(&self.connect);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Conn { stream, reader }
    }

    fn warm_up(&self, conn: &mut Conn, c: usize) -> Result<(Vec<u8>, bool), String> {
        // A key not in the file.
        self.exchange(conn, &request(self.protocol, &self.map, &format!("warm{c}@warm.example")))
    }

    fn exchange(&self, conn: &mut Conn, i: usize) -> Result<(Vec<u8>, bool), String> {
        self.exchange(conn, &self.requests[i])
    }

    fn render(reply: &(Vec<u8>, bool)) -> String {
        String::from_utf8_lossy(&reply.0).replace(['\t', '\n'], "\x1f")
    }

    fn well_formed(reply: &(Vec<u8>, bool)) -> bool {
        reply.1
    }
}

fn main() {
    let (mut keys, mut map) = (None, None);
    let mut protocol = None;
    let opts = load::Options::parse(|flag, val| {
        match flag {
            "--keys" => keys = Some(val()),
            "--map" => map = Some(val()),
            "--protocol" => {
                protocol = Some(match val().as_str() {
                    "tcp_table" => Protocol::TcpTable,
                    "socketmap" => Protocol::Socketmap,
                    _ => die("--protocol tcp_table|socketmap"),
                })
            }
            _ => return false,
        }
        true
    });
    let connect = opts.connect.unwrap_or_else(|| die("--connect HOST:PORT"));
    let protocol = protocol.unwrap_or_else(|| die("--protocol tcp_table|socketmap"));
    let map = map.unwrap_or_else(|| die("--map forward|reverse"));
    let keys_path = keys.unwrap_or_else(|| die("--keys FILE"));
    let text = std::fs::read_to_string(&keys_path).unwrap_or_else(|e| die(&format!("{keys_path}: {e}")));
    let out = opts.out.unwrap_or_else(|| die("--out FILE"));
    if opts.connections == 0 {
        die("--connections: at least 1");
    }

    let requests: Vec<Vec<u8>> = text.lines().filter(|l| !l.is_empty()).map(|k| request(protocol, &map, k)).collect();
    let n = requests.len();
    load::run(Maps { connect, protocol, map, requests }, n, opts.connections, &opts.cpu, &out);
}
