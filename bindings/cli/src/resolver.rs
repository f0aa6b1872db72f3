//! Real DNS for the command: a stub resolver over UDP (TCP when an answer
//! is truncated) built on spfkit's own wire format, asking the system's
//! name servers (/etc/resolv.conf) or one given with `--nameserver`. A
//! step's queries go out together, so a batched `mx` costs one round trip.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use spfkit::wire::{decode_answer, query_message};
use spfkit::{Answer, Query};

/// What went wrong before any query could be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverError(pub String);

impl std::fmt::Display for ResolverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `ADDR` or `ADDR:PORT` (`[v6]:PORT` for IPv6); port 53 by default.
pub fn parse_nameserver(s: &str) -> Result<SocketAddr, ResolverError> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    let ip = s.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| ResolverError(format!("--nameserver: {s:?} is not an address or address:port")))
}

/// The `nameserver` lines of a resolv.conf text, in order.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next()).flatten()
        })
        // A link-local IPv6 server carries a zone (`fe80::1%eth0`) that
        // std cannot parse; such servers are skipped.
        .filter_map(|w| w.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The system's name servers, from /etc/resolv.conf.
pub fn system_nameservers() -> Result<Vec<SocketAddr>, ResolverError> {
    let text = std::fs::read_to_string("/etc/resolv.conf")
        .map_err(|e| ResolverError(format!("/etc/resolv.conf: {e}; give --nameserver")))?;
    let servers = parse_resolv_conf(&text);
    if servers.is_empty() {
        return Err(ResolverError("/etc/resolv.conf names no usable nameserver; give --nameserver".into()));
    }
    Ok(servers)
}

/// A stub resolver with an overall deadline (RFC 7208 §4.6.4 suggests 20
/// seconds for a whole evaluation).
#[derive(Debug)]
pub struct StubResolver {
    servers: Vec<SocketAddr>,
    deadline: Instant,
    per_try: Duration,
    /// Message ids come from SipHash of a counter under keys the OS's
    /// randomness seeded (std's RandomState): unpredictable off-path, which
    /// a long-running daemon (spfkit policyd) needs more than a command.
    ids: std::collections::hash_map::RandomState,
    counter: u64,
    /// Responses received from any server: none at all means none answered.
    pub responses: u32,
    /// Queries sent.
    pub sent: u32,
    /// The socket of the last round and its server, kept for the next
    /// round to the same server: one socket per resolver (a decision, or a
    /// command) rather than one per round trip saves four system calls a
    /// round (socket, bind, connect, close), most of a policy decision's
    /// own CPU time besides the queries (bench/policyd). Its port is still
    /// the kernel's random pick, a new one for each decision.
    socket: Option<(SocketAddr, UdpSocket)>,
}

impl StubResolver {
    /// Asks `servers` (in turn, on retries) until `timeout` has passed in
    /// all.
    pub fn new(servers: Vec<SocketAddr>, timeout: Duration) -> StubResolver {
        StubResolver {
            servers,
            deadline: Instant::now() + timeout,
            per_try: Duration::from_millis(2000).min(timeout),
            ids: std::collections::hash_map::RandomState::new(),
            counter: 0,
            responses: 0,
            sent: 0,
            socket: None,
        }
    }

    fn id(&mut self) -> u16 {
        use std::hash::{BuildHasher, Hasher};
        self.counter = self.counter.wrapping_add(1);
        let mut h = self.ids.build_hasher();
        h.write_u64(self.counter);
        h.finish() as u16
    }

    /// Answers `queries` together: all are sent, then answers are taken as
    /// they come; unanswered ones are retried on the next server; what is
    /// still unanswered at the deadline is a temporary error.
    pub fn resolve(&mut self, queries: &[Query]) -> Vec<Answer> {
        let mut answers: Vec<Option<Answer>> = vec![None; queries.len()];
        let mut attempt = 0usize;
        while answers.iter().any(Option::is_none) && Instant::now() < self.deadline && !self.servers.is_empty() {
            let server = self.servers[attempt % self.servers.len()];
            attempt += 1;
            if self.round(server, queries, &mut answers).is_err() {
                // Unreachable (ICMP refused) or no socket: the next server.
                std::thread::sleep(
                    Duration::from_millis(50).min(self.deadline.saturating_duration_since(Instant::now())),
                );
            }
            if attempt >= 3 * self.servers.len().max(1) {
                break;
            }
        }
        answers.into_iter().map(|a| a.unwrap_or(Answer::TempError)).collect()
    }

    /// A socket connected to `server`: the last round's when it was for
    /// the same server, else a new one (non-blocking: [`wait_readable`]
    /// waits).
    fn socket_for(&mut self, server: SocketAddr) -> std::io::Result<UdpSocket> {
        if let Some((s, socket)) = self.socket.take() {
            if s == server {
                return Ok(socket);
            }
        }
        let local: SocketAddr = match server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(server)?;
        socket.set_nonblocking(true)?;
        Ok(socket)
    }

    fn round(&mut self, server: SocketAddr, queries: &[Query], answers: &mut [Option<Answer>]) -> std::io::Result<()> {
        let socket = self.socket_for(server)?;
        let result = self.round_on(&socket, server, queries, answers);
        // A socket that failed (ICMP refused, say) is not used again.
        if result.is_ok() {
            self.socket = Some((server, socket));
        }
        result
    }

    fn round_on(
        &mut self,
        socket: &UdpSocket,
        server: SocketAddr,
        queries: &[Query],
        answers: &mut [Option<Answer>],
    ) -> std::io::Result<()> {
        // (id, query index, the question section as sent).
        let mut pending: Vec<(u16, usize, Vec<u8>)> = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            if answers[i].is_some() {
                continue;
            }
            // Random ids may repeat: never two alike in flight.
            let mut id = self.id();
            while pending.iter().any(|&(p, _, _)| p == id) {
                id = self.id();
            }
            match query_message(q, id) {
                Ok(msg) => {
                    send_all(socket, &msg, self.deadline)?;
                    self.sent += 1;
                    pending.push((id, i, msg[12..].to_vec()));
                }
                // A name that cannot be put in a message cannot exist.
                Err(_) => answers[i] = Some(Answer::NxDomain),
            }
        }
        let until = (Instant::now() + self.per_try).min(self.deadline);
        let mut buf = [0u8; 4096];
        while !pending.is_empty() {
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() || !wait_readable(socket, left)? {
                        break;
                    }
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let msg = &buf[..n];
            if n < 12 {
                continue;
            }
            let id = u16::from_be_bytes([msg[0], msg[1]]);
            // The socket lives for several rounds: a late reply to an
            // earlier round's query, or anything else asking another
            // question under this id, is not the answer. (A reply with no
            // question section, a FORMERR say, is still taken: decoded, it
            // is a temporary error at once rather than after a timeout.)
            let no_question = msg[4] == 0 && msg[5] == 0;
            let Some(pos) = pending.iter().position(|(pid, _, question)| {
                *pid == id
                    && (no_question
                        || msg.get(12..12 + question.len()).is_some_and(|q| q.eq_ignore_ascii_case(question)))
            }) else {
                continue;
            };
            let (_, i, _) = pending.swap_remove(pos);
            self.responses += 1;
            let truncated = msg[2] & 0x02 != 0;
            answers[i] = Some(if truncated {
                self.over_tcp(server, &queries[i]).unwrap_or(Answer::TempError)
            } else {
                decode_answer(&queries[i], msg)
            });
        }
        Ok(())
    }

    /// The same question over TCP, for an answer too large for UDP.
    fn over_tcp(&mut self, server: SocketAddr, q: &Query) -> Option<Answer> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let id = self.id();
        let msg = query_message(q, id).ok()?;
        let mut stream = TcpStream::connect_timeout(&server, left).ok()?;
        stream.set_read_timeout(Some(left)).ok()?;
        stream.set_write_timeout(Some(left)).ok()?;
        let len = u16::try_from(msg.len()).ok()?;
        stream.write_all(&len.to_be_bytes()).ok()?;
        stream.write_all(&msg).ok()?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).ok()?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut body).ok()?;
        (body.len() >= 2 && u16::from_be_bytes([body[0], body[1]]) == id).then(|| decode_answer(q, &body))
    }
}

/// Sends one datagram on a non-blocking socket, waiting for room in the
/// socket's buffer until `deadline` if need be.
fn send_all(socket: &UdpSocket, msg: &[u8], deadline: Instant) -> std::io::Result<()> {
    loop {
        match socket.send(msg) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(std::io::ErrorKind::TimedOut.into());
                }
                wait_writable(socket, left)?;
            }
            Err(e) => return Err(e),
        }
    }
}

fn poll_one(socket: &UdpSocket, events: libc::c_short, timeout: Duration) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd { fd: socket.as_raw_fd(), events, revents: 0 };
    // Rounded up: a wait of 0.4 ms is not a busy loop of zero waits.
    let ms =
        i32::try_from(timeout.as_millis() + u128::from(timeout.subsec_nanos() % 1_000_000 != 0)).unwrap_or(i32::MAX);
    loop {
        // SAFETY: poll reads and writes the one pollfd struct it is given.
        let rc = unsafe { libc::poll(&mut fd, 1, ms) };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(rc > 0);
    }
}

/// Whether a datagram (or an error) is there to read within `timeout`.
fn wait_readable(socket: &UdpSocket, timeout: Duration) -> std::io::Result<bool> {
    poll_one(socket, libc::POLLIN, timeout)
}

fn wait_writable(socket: &UdpSocket, timeout: Duration) -> std::io::Result<bool> {
    poll_one(socket, libc::POLLOUT, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name server on 127.0.0.1 that answers each query as `reply` says,
    /// and the source port of each query it got.
    fn fake_server(
        queries: usize,
        reply: impl Fn(&[u8]) -> Vec<Vec<u8>> + Send + 'static,
    ) -> (SocketAddr, std::thread::JoinHandle<Vec<u16>>) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let mut ports = Vec::new();
            let mut buf = [0u8; 512];
            for _ in 0..queries {
                let (n, from) = socket.recv_from(&mut buf).unwrap();
                ports.push(from.port());
                for r in reply(&buf[..n]) {
                    socket.send_to(&r, from).unwrap();
                }
            }
            ports
        });
        (addr, handle)
    }

    /// The answer to `query` (NOERROR, no records: NODATA), with `qname`
    /// in its question section instead of the query's when given.
    fn nodata(query: &[u8], qname: Option<&str>) -> Vec<u8> {
        let mut r = query.to_vec();
        r[2] |= 0x80; // a response
        r[3] = 0;
        if let Some(name) = qname {
            r.truncate(12);
            for label in name.split('.') {
                r.push(label.len() as u8);
                r.extend_from_slice(label.as_bytes());
            }
            r.push(0);
            r.extend_from_slice(&query[query.len() - 4..]);
        }
        r
    }

    fn txt(name: &str) -> Query {
        Query { id: spfkit::QueryId(0), name: name.into(), qtype: spfkit::QueryType::Txt }
    }

    #[test]
    fn one_socket_for_a_resolvers_rounds() {
        let (server, handle) = fake_server(3, |q| vec![nodata(q, None)]);
        let mut stub = StubResolver::new(vec![server], Duration::from_secs(5));
        for name in ["a.example", "b.example", "c.example"] {
            assert_eq!(stub.resolve(&[txt(name)]), [Answer::NoData]);
        }
        let ports = handle.join().unwrap();
        assert_eq!(ports.len(), 3);
        assert!(ports.iter().all(|&p| p == ports[0]), "{ports:?}");
    }

    #[test]
    fn a_reply_to_another_question_under_the_same_id_is_not_the_answer() {
        // First a reply asking another name (a late answer to an earlier
        // round, or a forgery that guessed the id), then the real one.
        let (server, handle) = fake_server(1, |q| vec![nodata(q, Some("other.example")), nodata(q, None)]);
        let mut stub = StubResolver::new(vec![server], Duration::from_secs(5));
        assert_eq!(stub.resolve(&[txt("asked.example")]), [Answer::NoData]);
        assert_eq!(stub.responses, 1);
        handle.join().unwrap();
    }

    #[test]
    fn nameserver_forms() {
        assert_eq!(parse_nameserver("192.0.2.53").unwrap(), "192.0.2.53:53".parse().unwrap());
        assert_eq!(parse_nameserver("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
        assert_eq!(parse_nameserver("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert_eq!(parse_nameserver("[::1]:5353").unwrap(), "[::1]:5353".parse().unwrap());
        assert!(parse_nameserver("ns.example").is_err());
        assert!(parse_nameserver("192.0.2.1:99999").is_err());
    }

    #[test]
    fn resolv_conf() {
        let text = "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver 2001:db8::53\noptions ndots:1\n";
        assert_eq!(parse_resolv_conf(text), ["192.0.2.53:53".parse().unwrap(), "[2001:db8::53]:53".parse().unwrap()]);
    }
}
