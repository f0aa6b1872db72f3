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

    fn round(&mut self, server: SocketAddr, queries: &[Query], answers: &mut [Option<Answer>]) -> std::io::Result<()> {
        let local: SocketAddr = match server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(server)?;
        let mut pending: Vec<(u16, usize)> = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            if answers[i].is_some() {
                continue;
            }
            // Random ids may repeat: never two alike in flight.
            let mut id = self.id();
            while pending.iter().any(|&(p, _)| p == id) {
                id = self.id();
            }
            match query_message(q, id) {
                Ok(msg) => {
                    socket.send(&msg)?;
                    self.sent += 1;
                    pending.push((id, i));
                }
                // A name that cannot be put in a message cannot exist.
                Err(_) => answers[i] = Some(Answer::NxDomain),
            }
        }
        let until = (Instant::now() + self.per_try).min(self.deadline);
        let mut buf = [0u8; 4096];
        while !pending.is_empty() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left))?;
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break,
                Err(e) => return Err(e),
            };
            let msg = &buf[..n];
            if n < 12 {
                continue;
            }
            let id = u16::from_be_bytes([msg[0], msg[1]]);
            let Some(pos) = pending.iter().position(|&(pid, _)| pid == id) else { continue };
            let (_, i) = pending.swap_remove(pos);
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

#[cfg(test)]
mod tests {
    use super::*;

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
