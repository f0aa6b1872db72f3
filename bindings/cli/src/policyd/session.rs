//! One policy connection's conversation, without I/O: each request in,
//! the `action=` to answer out, one log line each.
//!
//! - `protocol_state=RCPT`: the recipient is decided. One spfkit
//!   [`Message`] per Postfix `instance` (the same for all recipients of a
//!   message), so SPF is evaluated once per message; the last
//!   [`MAX_INSTANCES`] instances of the connection are remembered, the
//!   oldest dropped.
//! - `protocol_state=DATA`: a header the message's RCPT decision could not
//!   carry (Postfix adds one header per reply) is prepended now.
//! - Any other state: `DUNNO`, logged.
//!
//! Replies ([`action_for`]): an accepted recipient is `DUNNO`, or
//! `PREPEND Name: value` for the decision that carries the headers; never
//! `OK`, which would end the restriction list and skip what follows it. A
//! refusal is `550 5.7.23 text` (the decision's code, enhanced code and
//! text); a deferral is `DEFER_IF_PERMIT 4.7.24 text`, so that a later
//! restriction that rejects still rejects (with its own permanent reply),
//! and the recipient is deferred only if it would otherwise be accepted.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use spfkit::policy::{Action, Connection, Decide, Decision, Message, Policy};
use spfkit::{Answer, Query, Step, Zone};

use super::log::Logger;
use super::protocol::{self, Parsed, Request};
use crate::resolver::StubResolver;

/// Messages (`instance` values) remembered per connection. Postfix's
/// smtpd handles one message at a time, so only the last one is asked
/// about again; a few more cost little.
pub const MAX_INSTANCES: usize = 8;
/// The longest value written into a log line, in bytes; longer ones are
/// cut and end in `...`.
pub const MAX_LOGGED_VALUE: usize = 256;
/// Bad requests logged per connection; later ones are answered all the
/// same, without a line each (one byte, a newline, is a bad request: the
/// log must not grow a hundredfold faster than what a peer sends).
pub const MAX_LOGGED_BAD: u32 = 10;

/// The attributes read; each may be given once.
const KNOWN: [&str; 10] = [
    "request",
    "protocol_state",
    "client_address",
    "helo_name",
    "sender",
    "recipient",
    "instance",
    "sasl_username",
    "queue_id",
    "recipient_count",
];

/// The settings in force: replaced whole on reload. A message keeps the
/// policy it started with.
#[derive(Debug)]
pub struct Current {
    /// The policy (settings and evaluation options).
    pub policy: Policy,
    /// The overall limit for one decision's DNS.
    pub timeout: Duration,
}

/// How a decision gets its DNS answers.
pub trait Dns: Send + Sync {
    /// Runs `decide` to its decision within `timeout`.
    fn decide(&self, decide: Decide, timeout: Duration) -> Decision;
}

/// Answers from a zone in memory (tests, fuzzing).
impl Dns for Zone {
    fn decide(&self, decide: Decide, _timeout: Duration) -> Decision {
        decide.run(self)
    }
}

/// Real DNS: the command's stub resolver, each step's queries sent
/// together, and the decision expired at the deadline (RFC 7208 §4.6.4:
/// what is unanswered then is a temporary error).
#[derive(Clone, Debug)]
pub struct StubDns {
    /// The name servers, asked in turn.
    pub servers: Vec<SocketAddr>,
}

impl Dns for StubDns {
    fn decide(&self, mut decide: Decide, timeout: Duration) -> Decision {
        let deadline = Instant::now() + timeout;
        let mut stub = StubResolver::new(self.servers.clone(), timeout);
        loop {
            let queries = match decide.next() {
                Step::Done(d) => return d.clone(),
                Step::Lookup(q) if Instant::now() < deadline => q.to_vec(),
                // At the deadline, or waiting for answers never asked
                // (which the loop below never leaves): expired, and any
                // later query a temporary error.
                Step::Lookup(_) | Step::Pending => break,
            };
            for (q, a) in queries.iter().zip(stub.resolve(&queries)) {
                let _ = decide.answer(q.id, a);
            }
        }
        decide.expire();
        decide.run(&|_: &Query| Answer::TempError)
    }
}

/// What every connection shares: the settings in force, DNS, the log.
pub struct Context {
    current: RwLock<Arc<Current>>,
    /// How decisions get DNS answers.
    pub dns: Box<dyn Dns>,
    /// The log (shared with the panic hook).
    pub log: Arc<Logger>,
}

impl Context {
    /// A context deciding with `current`.
    pub fn new(current: Current, dns: Box<dyn Dns>, log: Arc<Logger>) -> Context {
        Context { current: RwLock::new(Arc::new(current)), dns, log }
    }

    /// The settings in force now.
    pub fn current(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Puts `current` in force for messages that start from now on.
    pub fn replace(&self, current: Current) {
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(current);
    }
}

struct Instance {
    id: Vec<u8>,
    connection: Connection,
    message: Message,
    /// A header for the DATA request (`Name: value`).
    pending: Option<String>,
}

/// Set once a warning about headers never prepended at DATA was logged:
/// once per process is enough.
static WARNED_NO_DATA: AtomicBool = AtomicBool::new(false);

/// One connection's state.
pub struct Session<'a> {
    ctx: &'a Context,
    peer: String,
    instances: VecDeque<Instance>,
    seen_data: bool,
    bad: u32,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        for i in core::mem::take(&mut self.instances) {
            self.forget(i);
        }
    }
}

impl<'a> Session<'a> {
    /// A session for the connection from `peer` (as logged).
    pub fn new(ctx: &'a Context, peer: impl Into<String>) -> Session<'a> {
        Session { ctx, peer: peer.into(), instances: VecDeque::new(), seen_data: false, bad: 0 }
    }

    /// The reply to `parsed`, whole (`action=...` and the empty line).
    pub fn handle(&mut self, parsed: &Parsed) -> Vec<u8> {
        let action = match parsed {
            Parsed::Bad(why) => self.bad(why),
            Parsed::Request(r) => self.request(r),
        };
        protocol::reply(&action)
    }

    /// A request that cannot be decided: logged, answered `DUNNO` (Postfix
    /// never sends one; whatever did is not to stop mail).
    fn bad(&mut self, why: &str) -> String {
        self.count_bad(&format!("{why}; answered DUNNO"));
        "DUNNO".to_owned()
    }

    /// Blank lines between requests, `count` of them from one read:
    /// skipped and not answered (Postfix never sends one, and a reply
    /// would put the later ones out of step), counted as one bad request
    /// and logged within the same limit.
    pub fn blank_lines(&mut self, count: u64) {
        if count > 0 {
            let s = if count == 1 { "" } else { "s" };
            self.count_bad(&format!("{count} blank line{s} between requests; skipped, not answered"));
        }
    }

    /// One more bad request: logged, up to [`MAX_LOGGED_BAD`] of them.
    fn count_bad(&mut self, what: &str) {
        self.bad = self.bad.saturating_add(1);
        if self.bad <= MAX_LOGGED_BAD {
            self.ctx.log.warning(&format!("bad request from {}: {what}", self.peer));
        } else if self.bad == MAX_LOGGED_BAD + 1 {
            self.ctx.log.warning(&format!("more bad requests from {}: answered DUNNO, not logged", self.peer));
        }
    }

    fn request(&mut self, r: &Request) -> String {
        if r.get("request") != Some(b"smtpd_access_policy".as_slice()) {
            return self.bad(&format!("{} (not smtpd_access_policy)", attribute("request", r.value("request"))));
        }
        if let Some(name) = r.duplicated(&KNOWN) {
            return self.bad(&format!("{name} given more than once"));
        }
        let Some(state) = r.get("protocol_state") else {
            return self.bad("no protocol_state");
        };
        if state.eq_ignore_ascii_case(b"RCPT") {
            self.rcpt(r)
        } else if state.eq_ignore_ascii_case(b"DATA") {
            self.data(r)
        } else {
            let mut line = String::from("not decided:");
            field(&mut line, "state", state);
            field(&mut line, "instance", r.value("instance"));
            field(&mut line, "recipient", r.value("recipient"));
            field(&mut line, "recipient_count", r.value("recipient_count"));
            line.push_str(" (decisions are made at RCPT); answered DUNNO");
            self.ctx.log.info(&line);
            "DUNNO".to_owned()
        }
    }

    fn rcpt(&mut self, r: &Request) -> String {
        let address = r.value("client_address");
        let Some(ip) = parse_ip(address) else {
            return self.bad(&format!("{} is not an IP address", attribute("client_address", address)));
        };
        let connection = Connection {
            ip,
            helo: String::from_utf8_lossy(r.value("helo_name")).into_owned(),
            mail_from: String::from_utf8_lossy(r.value("sender")).into_owned(),
            authenticated: !r.value("sasl_username").is_empty(),
        };
        let id = r.value("instance");
        let message = self.message(id, connection);
        let current = self.ctx.current();
        let started = Instant::now();
        let d = self.ctx.dns.decide(message.decide(r.value("recipient")), current.timeout);
        let elapsed = started.elapsed();
        let (action, later) = action_for(&d);
        if let Some(header) = later {
            if let Some(i) = self.instances.iter_mut().find(|i| i.id == id) {
                i.pending = Some(header);
            }
        }
        self.ctx.log.info(&decision_line(r, &d, &action, elapsed));
        action
    }

    fn data(&mut self, r: &Request) -> String {
        self.seen_data = true;
        let id = r.value("instance");
        let header = match self.instances.iter_mut().find(|i| !id.is_empty() && i.id == id) {
            Some(i) => i.pending.take(),
            None => None,
        };
        let mut line = String::from("data:");
        field(&mut line, "instance", id);
        if !r.value("queue_id").is_empty() {
            field(&mut line, "queue_id", r.value("queue_id"));
        }
        match header {
            Some(h) => {
                let name = h.split(':').next().unwrap_or_default().to_owned();
                field(&mut line, "answer", format!("PREPEND {name}").as_bytes());
                self.ctx.log.info(&line);
                format!("PREPEND {h}")
            }
            None => {
                line.push_str(" nothing to prepend; answered DUNNO");
                self.ctx.log.info(&line);
                "DUNNO".to_owned()
            }
        }
    }

    /// The message of instance `id` arriving on `connection`: the one
    /// remembered, or a new one (remembered unless `id` is empty).
    fn message(&mut self, id: &[u8], connection: Connection) -> Message {
        if let Some(pos) = self.instances.iter().position(|i| i.id == id) {
            if self.instances[pos].connection == connection {
                return self.instances[pos].message.clone();
            }
            // The same instance with another client, HELO or sender: a
            // message of its own.
            if let Some(old) = self.instances.remove(pos) {
                self.forget(old);
            }
        }
        let message = self.ctx.current().policy.message(connection.clone());
        if !id.is_empty() {
            if self.instances.len() >= MAX_INSTANCES {
                if let Some(old) = self.instances.pop_front() {
                    self.forget(old);
                }
            }
            self.instances.push_back(Instance { id: id.to_vec(), connection, message: message.clone(), pending: None });
        }
        message
    }

    fn forget(&self, i: Instance) {
        if i.pending.is_some() && !self.seen_data && !WARNED_NO_DATA.swap(true, Ordering::Relaxed) {
            let mut line = String::from("a header was never prepended:");
            field(&mut line, "instance", &i.id);
            line.push_str(
                " (no DATA request came on this connection; with header = \"both\", list the service in \
                 smtpd_data_restrictions too, or choose one header; logged once)",
            );
            self.ctx.log.warning(&line);
        }
    }
}

/// The client address as Postfix sends it (`192.0.2.1`, `2001:db8::1`;
/// `[...]` and an `IPv6:` prefix tolerated).
fn parse_ip(raw: &[u8]) -> Option<IpAddr> {
    let s = core::str::from_utf8(raw).ok()?.trim();
    let s = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
    let s = s.get(..5).filter(|p| p.eq_ignore_ascii_case("ipv6:")).map_or(s, |_| &s[5..]);
    s.parse().ok()
}

/// The `action=` value for decision `d`, and a header left for the DATA
/// request (Postfix prepends one header per reply).
pub fn action_for(d: &Decision) -> (String, Option<String>) {
    match d.action {
        Action::NotChecked | Action::Accept => ("DUNNO".to_owned(), None),
        Action::AcceptWithHeaders => {
            let mut headers = d.headers.iter().map(|(name, value)| format!("{name}: {}", unfold(value)));
            match headers.next() {
                Some(first) => (format!("PREPEND {first}"), headers.next()),
                None => ("DUNNO".to_owned(), None),
            }
        }
        Action::Reject => match &d.reply {
            Some(r) => (format!("{} {} {}", r.code, r.enhanced, r.text), None),
            None => ("550 5.7.23 SPF validation failed".to_owned(), None),
        },
        Action::Defer => {
            let (enhanced, text) =
                d.reply.as_ref().map_or(("4.7.24", "SPF temporary error"), |r| (r.enhanced, &r.text));
            (format!("DEFER_IF_PERMIT {enhanced} {text}"), None)
        }
    }
}

/// A header value on one line: a fold (CRLF before white space) loses its
/// CRLF, any other control character but tab becomes a space.
fn unfold(value: &str) -> String {
    value.replace("\r\n", "").chars().map(|c| if c.is_control() && c != '\t' { ' ' } else { c }).collect()
}

/// The decision's log line.
fn decision_line(r: &Request, d: &Decision, action: &str, elapsed: Duration) -> String {
    let mut line = String::from("decision:");
    field(&mut line, "client", r.value("client_address"));
    field(&mut line, "helo", r.value("helo_name"));
    let sender = r.value("sender");
    field(&mut line, "sender", if sender.is_empty() { b"<>" } else { sender });
    field(&mut line, "recipient", r.value("recipient"));
    field(&mut line, "instance", r.value("instance"));
    if !r.value("queue_id").is_empty() {
        field(&mut line, "queue_id", r.value("queue_id"));
    }
    field(&mut line, "action", d.action.as_str().as_bytes());
    field(&mut line, "rule", d.rule.as_str().as_bytes());
    if let Some(f) = &d.forwarder {
        field(&mut line, "forwarder", f.as_bytes());
    }
    if let Some(res) = d.helo {
        field(&mut line, "helo_result", res.as_str().as_bytes());
    }
    if let Some(res) = d.mail_from {
        field(&mut line, "mail_from_result", res.as_str().as_bytes());
    }
    if let Some(res) = d.best_guess {
        field(&mut line, "best_guess", res.as_str().as_bytes());
    }
    if d.unacceptable_pass {
        field(&mut line, "unacceptable_pass", b"yes");
    }
    if let Some(res) = d.iprev {
        field(&mut line, "iprev", res.as_str().as_bytes());
    }
    field(&mut line, "key", d.reputation_key.as_deref().unwrap_or("-").as_bytes());
    if let Some(i) = &d.intended {
        field(&mut line, "intended", i.to_string().as_bytes());
    }
    let _ = write!(line, " queries={} round_trips={} ms={}", d.queries, d.round_trips, elapsed.as_millis());
    // The header itself goes into the message; its name is enough here.
    let answer = match action.strip_prefix("PREPEND ") {
        Some(h) => format!("PREPEND {}", h.split(':').next().unwrap_or_default()),
        None => action.to_owned(),
    };
    field(&mut line, "answer", answer.as_bytes());
    line
}

/// Appends ` name=value` to a log line: see [`attribute`].
fn field(line: &mut String, name: &str, value: &[u8]) {
    line.push(' ');
    line.push_str(&attribute(name, value));
}

/// `name=value` for a log line, the value shown by [`show`] and quoted
/// when it is empty or holds a space or a quote (a quote or a backslash
/// inside quotes is escaped with a backslash).
fn attribute(name: &str, value: &[u8]) -> String {
    let shown = show(value);
    let mut line = format!("{name}=");
    if shown.is_empty() || shown.contains([' ', '"']) {
        line.push('"');
        for c in shown.chars() {
            if matches!(c, '"' | '\\') {
                line.push('\\');
            }
            line.push(c);
        }
        line.push('"');
    } else {
        line.push_str(&shown);
    }
    line
}

/// Bytes from a stranger as printable text: UTF-8 kept, control
/// characters and bytes that are not UTF-8 as `\xNN`, at most
/// [`MAX_LOGGED_VALUE`] bytes.
pub fn show(value: &[u8]) -> String {
    let mut out = String::new();
    for chunk in value.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let _ = write!(out, "\\x{:02x}", u32::from(c) & 0xff);
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
        if out.len() > MAX_LOGGED_VALUE {
            break;
        }
    }
    if out.len() > MAX_LOGGED_VALUE {
        let mut cut = MAX_LOGGED_VALUE;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use spfkit::RData;
    use spfkit::policy::{HeaderForm, Settings};

    fn zone() -> Zone {
        let mut z = Zone::new();
        z.add("example.com", RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec()));
        z
    }

    fn context(header: HeaderForm) -> Context {
        let settings = Settings { authserv_id: "mx.example.net".into(), header, ..Settings::default() };
        let current = Current { policy: Policy::new(settings), timeout: Duration::from_secs(5) };
        Context::new(current, Box::new(zone()), Arc::new(Logger::memory()))
    }

    fn ask(s: &mut Session<'_>, lines: &str) -> String {
        let mut parser = protocol::Parser::new();
        let mut out = Vec::new();
        parser.feed(format!("request=smtpd_access_policy\n{lines}\n").as_bytes(), &mut out);
        assert_eq!(out.len(), 1);
        let reply = String::from_utf8(s.handle(&out[0])).unwrap();
        reply.strip_prefix("action=").and_then(|r| r.strip_suffix("\n\n")).unwrap().to_owned()
    }

    const PASS: &str = "protocol_state=RCPT\nclient_address=192.0.2.7\nhelo_name=x\nsender=a@example.com\ninstance=1\n";
    const FAIL: &str =
        "protocol_state=RCPT\nclient_address=198.51.100.1\nhelo_name=x\nsender=a@example.com\ninstance=2\n";

    #[test]
    fn headers_once_per_message_the_second_at_data() {
        let ctx = context(HeaderForm::Both);
        let mut s = Session::new(&ctx, "test");
        let first = ask(&mut s, &format!("{PASS}recipient=b@example.net\n"));
        assert!(first.starts_with("PREPEND Received-SPF: pass "), "{first}");
        assert_eq!(ask(&mut s, &format!("{PASS}recipient=c@example.net\n")), "DUNNO");
        let data = ask(&mut s, "protocol_state=DATA\ninstance=1\nrecipient_count=2\n");
        assert!(data.starts_with("PREPEND Authentication-Results: mx.example.net; spf=pass"), "{data}");
        assert_eq!(ask(&mut s, "protocol_state=DATA\ninstance=1\n"), "DUNNO");
        assert_eq!(ask(&mut s, "protocol_state=END-OF-MESSAGE\ninstance=1\n"), "DUNNO");
        let lines = ctx.log.lines();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with("decision: client=192.0.2.7 helo=x sender=a@example.com recipient=b@example.net"));
        assert!(lines[0].contains(" action=accept-with-headers rule=accept "), "{}", lines[0]);
        assert!(lines[0].contains(" key=example.com:PASS queries="), "{}", lines[0]);
        assert!(lines[0].ends_with(" answer=\"PREPEND Received-SPF\""), "{}", lines[0]);
        assert!(lines[2].ends_with("answer=\"PREPEND Authentication-Results\""), "{}", lines[2]);
        assert!(lines[4].starts_with("not decided: state=END-OF-MESSAGE"), "{}", lines[4]);
    }

    #[test]
    fn one_header_at_rcpt_and_refusals() {
        let ctx = context(HeaderForm::AuthenticationResults);
        let mut s = Session::new(&ctx, "test");
        let first = ask(&mut s, &format!("{PASS}recipient=b@example.net\n"));
        assert!(first.starts_with("PREPEND Authentication-Results: "), "{first}");
        assert_eq!(ask(&mut s, "protocol_state=DATA\ninstance=1\n"), "DUNNO");
        let fail = ask(&mut s, &format!("{FAIL}recipient=b@example.net\n"));
        assert_eq!(fail, "550 5.7.23 198.51.100.1 is not one of example.com's designated mail servers");
        // Authenticated clients are not checked (skip_authenticated).
        let auth = ask(&mut s, &format!("{FAIL}recipient=b@example.net\nsasl_username=alice\n"));
        assert_eq!(auth, "DUNNO");
    }

    #[test]
    fn bad_requests_are_answered_and_logged() {
        let ctx = context(HeaderForm::Both);
        let mut s = Session::new(&ctx, "test");
        for (lines, why) in [
            ("protocol_state=RCPT\nclient_address=nonsense\n", "client_address=nonsense is not an IP address"),
            ("client_address=192.0.2.1\n", "no protocol_state"),
            ("protocol_state=RCPT\nprotocol_state=DATA\n", "protocol_state given more than once"),
        ] {
            assert_eq!(ask(&mut s, lines), "DUNNO");
            let last = ctx.log.lines().pop().unwrap();
            assert_eq!(last, format!("warning: bad request from test: {why}; answered DUNNO"));
        }
        assert_eq!(String::from_utf8(s.handle(&Parsed::Bad("x".into()))).unwrap(), "action=DUNNO\n\n");
        // Past MAX_LOGGED_BAD, one line says the rest go unlogged.
        for _ in 0..100 {
            assert_eq!(s.handle(&Parsed::Bad("y".into())), b"action=DUNNO\n\n");
        }
        let lines = ctx.log.lines();
        assert_eq!(lines.iter().filter(|l| l.starts_with("warning: bad request from test: ")).count(), 10);
        assert_eq!(lines.last().unwrap(), "warning: more bad requests from test: answered DUNNO, not logged");
        let mut parser = protocol::Parser::new();
        let mut out = Vec::new();
        parser.feed(b"request=other\n\n", &mut out);
        assert_eq!(s.handle(&out[0]), b"action=DUNNO\n\n");
    }

    #[test]
    fn blank_lines_count_as_bad_requests() {
        let ctx = context(HeaderForm::Both);
        let mut s = Session::new(&ctx, "test");
        s.blank_lines(0);
        assert!(ctx.log.lines().is_empty());
        s.blank_lines(16 * 1024);
        s.blank_lines(1);
        assert_eq!(
            ctx.log.lines(),
            [
                "warning: bad request from test: 16384 blank lines between requests; skipped, not answered",
                "warning: bad request from test: 1 blank line between requests; skipped, not answered",
            ]
        );
        for _ in 0..100 {
            s.blank_lines(3);
        }
        let lines = ctx.log.lines();
        assert_eq!(lines.len(), usize::try_from(MAX_LOGGED_BAD).unwrap() + 1);
        assert_eq!(lines.last().unwrap(), "warning: more bad requests from test: answered DUNNO, not logged");
    }

    #[test]
    fn instances_are_bounded_and_tied_to_their_connection() {
        let ctx = context(HeaderForm::Both);
        let mut s = Session::new(&ctx, "test");
        for i in 0..3 * MAX_INSTANCES {
            let r = ask(
                &mut s,
                &format!("{}recipient=b@example.net\n", PASS.replace("instance=1", &format!("instance={i}"))),
            );
            assert!(r.starts_with("PREPEND Received-SPF"), "{r}");
        }
        assert_eq!(s.instances.len(), MAX_INSTANCES);
        // The same instance with another sender is another message.
        let other = PASS.replace("instance=1", &format!("instance={}", 3 * MAX_INSTANCES - 1));
        let r = ask(&mut s, &format!("{}recipient=b@example.net\n", other.replace("a@example.com", "z@other.example")));
        assert!(r.starts_with("PREPEND Received-SPF: none"), "{r}");
        drop(s);
        // Headers were left for DATA requests that never came: said once.
        let warned = ctx.log.lines().iter().filter(|l| l.contains("never prepended")).count();
        assert!(warned <= 1);
    }

    /// Byte soup built from the protocol's own pieces and random bytes:
    /// every request gets one well-formed reply, nothing panics.
    #[test]
    fn random_requests_get_one_reply_each() {
        let ctx = context(HeaderForm::Both);
        let mut s = Session::new(&ctx, "test");
        let mut parser = protocol::Parser::new();
        let pieces: [&[u8]; 22] = [
            b"request=smtpd_access_policy\n",
            b"protocol_state=RCPT\n",
            b"protocol_state=DATA\n",
            b"protocol_state=END-OF-MESSAGE\n",
            b"client_address=192.0.2.7\n",
            b"client_address=::ffff:198.51.100.1\n",
            b"client_address=[IPv6:2001:db8::1]\n",
            b"sender=a@example.com\n",
            b"sender=<>\n",
            b"sender=a@\xff.example\n",
            b"recipient=b@example.net\n",
            b"recipient=<c@example.net>\n",
            b"recipient=\n",
            b"instance=1\n",
            b"instance=2\n",
            b"helo_name=mail.example.com\n",
            b"sasl_username=u\n",
            b"\n",
            b"\r\n",
            b"=x\n",
            b"junk",
            b"\x00\xff=\xfe",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut out, mut replies) = (Vec::new(), 0);
        for _ in 0..50_000 {
            let n = next();
            if n % 5 == 0 {
                parser.feed(&[(n >> 8) as u8], &mut out);
            } else {
                parser.feed(pieces[(n >> 8) as usize % pieces.len()], &mut out);
            }
            for p in out.drain(..) {
                let reply = s.handle(&p);
                assert!(reply.starts_with(b"action=") && reply.ends_with(b"\n\n"), "{reply:?}");
                assert_eq!(reply.iter().filter(|&&b| b == b'\n').count(), 2, "{reply:?}");
                replies += 1;
            }
        }
        assert!(replies > 1000, "{replies}");
        assert!(s.instances.len() <= MAX_INSTANCES);
    }

    #[test]
    fn values_are_shown_safely() {
        assert_eq!(show(b"a\x00b\xffc\xc3\xa9"), "a\\x00b\\xffc\u{e9}");
        assert_eq!(show(&[b'x'; 1000]).len(), MAX_LOGGED_VALUE + 3);
        let mut line = String::new();
        field(&mut line, "a", b"");
        field(&mut line, "b", b"x y\"z");
        assert_eq!(line, " a=\"\" b=\"x y\\\"z\"");
        assert_eq!(parse_ip(b"[IPv6:2001:db8::1]"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip(b" 192.0.2.1 "), "192.0.2.1".parse().ok());
        assert_eq!(parse_ip(b"unknown"), None);
        assert_eq!(unfold("a\r\n b\x01"), "a b ");
    }
}
