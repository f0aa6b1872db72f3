//! Serving connections: a thread each, the connection limit (the
//! connection idle longest gives way), time limits, bounded replies, and
//! stopping. What is said on a connection is a [`Conversation`]; what the
//! connections share is a [`Service`].
//!
//! - A thread per connection: a Postfix process holds one connection for
//!   many requests, and a slow answer holds up only its own connection.
//! - At most `max_connections` at once, across all of a server's
//!   listeners. At the limit, a new connection waiting to be accepted
//!   closes the connection idle longest (between requests, never one
//!   inside a request or waiting for its answer): Postfix reconnects a
//!   closed connection by itself, so a peer holding idle connections
//!   cannot starve new ones. When none is idle, new ones wait in the
//!   kernel's listen queue.
//! - A connection is closed after [`Limits::idle`] without a request, when
//!   a request takes longer than [`Limits::request`] to arrive whole, when
//!   the replies to what one read brought take longer than
//!   [`Limits::write`] in all to write, or when the conversation says it
//!   cannot go on ([`Conversation::fatal`]).
//! - Stopping (SIGTERM): the listeners are closed (and a unix socket file
//!   made removed), each connection finishes the requests it has received
//!   and closes, and the server waits for them (at most a grace period).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::listener::{Listener, Stream};
use super::log::Logger;

/// How long stopping waits for connections beyond the grace a caller
/// gives (its own longest answer).
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A connection's time limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Closed after this long without a request.
    pub idle: Duration,
    /// A request must arrive whole within this time of its first byte.
    pub request: Duration,
    /// The replies to what one read brought must be written within this
    /// time in all (the answers between them not counted), however slowly
    /// the peer reads: a deadline, not a limit per write(2) call.
    pub write: Duration,
}

/// What is said on one connection: requests parsed from the bytes as they
/// arrive, each answered in turn, all of it bounded.
pub trait Conversation {
    /// A parsed request (or a refused one, to be answered all the same).
    type Request;
    /// Parses `data`, the next bytes read, appending whole requests to
    /// `out`; keeps what begins a request not yet whole.
    fn feed(&mut self, data: &[u8], out: &mut Vec<Self::Request>);
    /// Whether part of a request has arrived.
    fn in_request(&self) -> bool;
    /// The reply to `request`, whole, as written to the peer.
    fn answer(&mut self, request: &Self::Request) -> Vec<u8>;
    /// Called after the requests of one read were answered.
    fn after_read(&mut self) {}
    /// Why the connection cannot go on (a bound broken beyond recovery,
    /// input that cannot be resynchronised): it is closed.
    fn fatal(&self) -> Option<String>;
}

/// What a server's connections share: the log, and a conversation for
/// each new connection.
pub trait Service: Send + Sync + 'static {
    /// What a listener serves, given to each conversation it starts (a
    /// protocol, a map).
    type Endpoint: Send + Sync + 'static;
    /// One connection's conversation.
    type Conversation<'a>: Conversation
    where
        Self: 'a;
    /// The log.
    fn log(&self) -> &Logger;
    /// A conversation for a new connection from `peer` (as logged) to
    /// `endpoint`.
    fn open<'a>(&'a self, endpoint: &Self::Endpoint, peer: &str) -> Self::Conversation<'a>;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The stop signal every thread waits on beside its socket: a socket pair
/// whose reading end becomes readable, for all of them at once, when one
/// byte is written and never read.
#[derive(Debug)]
pub struct Shutdown {
    set: AtomicBool,
    tx: UnixStream,
    rx: UnixStream,
}

impl Shutdown {
    /// A signal not yet given.
    pub fn new() -> io::Result<Shutdown> {
        let (tx, rx) = UnixStream::pair()?;
        tx.set_nonblocking(true)?;
        Ok(Shutdown { set: AtomicBool::new(false), tx, rx })
    }

    /// Gives the signal (once; later calls do nothing).
    pub fn trigger(&self) {
        if !self.set.swap(true, Ordering::SeqCst) {
            let _ = (&self.tx).write(&[1]);
        }
    }

    /// Whether it was given.
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }
}

/// What a wait saw: data (or an end, or an error) on the socket, the stop
/// signal, both, or neither before the timeout.
struct Ready {
    readable: bool,
    stopping: bool,
}

fn wait(fd: BorrowedFd<'_>, stop: &Shutdown, timeout: Option<Duration>) -> io::Result<Ready> {
    let mut fds = [
        libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: stop.rx.as_raw_fd(), events: libc::POLLIN, revents: 0 },
    ];
    let ms = match timeout {
        None => -1,
        // Rounded up: a wait of 0.4 ms is not a busy loop of zero waits.
        Some(t) => i32::try_from(t.as_millis() + u128::from(t.subsec_nanos() % 1_000_000 != 0)).unwrap_or(i32::MAX),
    };
    loop {
        // SAFETY: poll reads and writes the two pollfd structs it is given.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(Ready { readable: fds[0].revents != 0, stopping: fds[1].revents != 0 });
    }
}

/// Milliseconds since the first call, plus one (never `BUSY`).
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX - 1).saturating_add(1)
}

const BUSY: u64 = 0;
const CLOSING: u64 = u64::MAX;

/// A connection's state as the accept loop sees it: idle (between
/// requests) since a time, busy (a request under way, or its decision, or
/// its reply), or being closed for a new connection. Only an idle
/// connection is closed, and the swap from idle to busy or to closing is
/// atomic: a connection whose request has started is never the one closed.
#[derive(Debug)]
pub struct Activity {
    /// `BUSY`, `CLOSING`, or `now_ms()` when it became idle.
    state: AtomicU64,
}

impl Activity {
    /// A connection idle from now (accepted, no request yet).
    pub fn new() -> Activity {
        Activity { state: AtomicU64::new(now_ms()) }
    }

    /// Marks a request as under way: what the state was, or `None` when
    /// the connection is being closed for a new one.
    fn begin(&self) -> Option<u64> {
        let mut state = self.state.load(Ordering::SeqCst);
        loop {
            match state {
                CLOSING => return None,
                BUSY => return Some(BUSY),
                idle => match self.state.compare_exchange(idle, BUSY, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => return Some(idle),
                    Err(now) => state = now,
                },
            }
        }
    }

    /// Between requests again: idle since `since` (from [`Activity::begin`])
    /// or, when that was busy, from now. Only the connection's own thread
    /// calls it, while busy (which nothing else changes).
    fn idle(&self, since: u64) {
        self.state.store(if since == BUSY { now_ms() } else { since }, Ordering::SeqCst);
    }

    /// Takes an idle connection for closing, if it is still idle since
    /// `since`.
    fn close_if_idle(&self, since: u64) -> bool {
        since != BUSY
            && since != CLOSING
            && self.state.compare_exchange(since, CLOSING, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }
}

impl Default for Activity {
    fn default() -> Activity {
        Activity::new()
    }
}

/// Writes `reply` within `deadline` in all, however slowly the peer reads
/// (a send timeout would not do: it bounds each wait for buffer space, and
/// a peer that frees a little now and then keeps one write(2) going).
fn write_reply<W: WriteWithin>(writer: &mut W, reply: &[u8], deadline: Instant) -> io::Result<()> {
    let mut rest = reply;
    while !rest.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the peer does not read its replies"));
        }
        match writer.write_within(rest, left) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) => {}
            Err(e) => return Err(e),
        }
    }
    writer.flush()
}

/// A writer whose writes can be limited in time.
pub trait WriteWithin: Write {
    /// Writes some of `buf`, waiting at most `left` for room (`WouldBlock`
    /// when there is none by then). A file or pipe just writes: spawn
    /// mode's peer is Postfix's own process.
    fn write_within(&mut self, buf: &[u8], left: Duration) -> io::Result<usize>;
}

impl WriteWithin for &std::fs::File {
    fn write_within(&mut self, buf: &[u8], _: Duration) -> io::Result<usize> {
        self.write(buf)
    }
}

impl WriteWithin for &TcpStream {
    fn write_within(&mut self, buf: &[u8], left: Duration) -> io::Result<usize> {
        send_within(self.as_fd(), buf, left)
    }
}

impl WriteWithin for &UnixStream {
    fn write_within(&mut self, buf: &[u8], left: Duration) -> io::Result<usize> {
        send_within(self.as_fd(), buf, left)
    }
}

/// Sends what fits on socket `fd` without waiting; only when nothing fits
/// waits at most `left` for room, then tries once more. A reply almost
/// always fits at once: trying first saves a poll(2) per reply.
fn send_within(fd: BorrowedFd<'_>, buf: &[u8], left: Duration) -> io::Result<usize> {
    match send_now(fd, buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        done => return done,
    }
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    let ms = i32::try_from(left.as_millis() + 1).unwrap_or(i32::MAX);
    // SAFETY: poll reads and writes the one pollfd struct it is given.
    match unsafe { libc::poll(&mut p, 1, ms) } {
        rc if rc < 0 => return Err(io::Error::last_os_error()),
        0 => return Err(io::ErrorKind::WouldBlock.into()),
        _ => {}
    }
    send_now(fd, buf)
}

fn send_now(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: send reads at most `buf.len()` bytes from `buf`.
    let n =
        unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Serves one connection until it closes, times out, breaks a bound, is
/// closed for a new connection (`activity`) or the server stops: requests
/// from `reader`, replies to `writer`.
#[allow(clippy::too_many_arguments)]
pub fn serve<C: Conversation, R: Read + AsFd, W: WriteWithin>(
    log: &Logger,
    stop: &Shutdown,
    limits: &Limits,
    peer: &str,
    activity: &Activity,
    mut conversation: C,
    mut reader: R,
    mut writer: W,
) {
    let mut parsed = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut request_started: Option<Instant> = None;
    // Idle since the last reply (or the start), whatever arrives between
    // requests.
    let mut idle_since = Instant::now();
    loop {
        let timeout = match request_started {
            Some(t) => limits.request.saturating_sub(t.elapsed()),
            None => limits.idle.saturating_sub(idle_since.elapsed()),
        };
        let ready = match wait(reader.as_fd(), stop, Some(timeout)) {
            Ok(r) => r,
            Err(e) => {
                log.warning(&format!("{peer}: poll: {e}; connection closed"));
                return;
            }
        };
        if !ready.readable {
            if ready.stopping {
                if conversation.in_request() {
                    log.info(&format!("{peer}: stopping: a request not yet received whole was dropped"));
                }
            } else if conversation.in_request() {
                log.warning(&format!(
                    "{peer}: a request not received whole within {} s; connection closed",
                    limits.request.as_secs()
                ));
            } else {
                log.info(&format!("{peer}: idle for {} s; connection closed", limits.idle.as_secs()));
            }
            return;
        }
        // Busy from here: a request may be starting. A connection already
        // taken for closing (its socket shut down) just ends.
        let Some(was) = activity.begin() else {
            return;
        };
        let n = match reader.read(&mut buf) {
            Ok(0) => {
                if conversation.in_request() {
                    log.warning(&format!("{peer}: closed in the middle of a request"));
                }
                return;
            }
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) => {
                activity.idle(was);
                continue;
            }
            Err(e) => {
                log.warning(&format!("{peer}: read: {e}; connection closed"));
                return;
            }
        };
        conversation.feed(&buf[..n], &mut parsed);
        let completed = !parsed.is_empty();
        let mut replied = false;
        // The time writing the replies to what this read brought may take
        // in all (the decisions between them not counted).
        let mut write_budget = limits.write;
        for p in parsed.drain(..) {
            // A bug must not take the server down, nor write to standard
            // error (Postfix's socket in spawn mode): the panic hook logs
            // it, and the connection, whose state is unknown, is closed.
            let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conversation.answer(&p)));
            let Ok(reply) = handled else {
                log.error(&format!("{peer}: internal error answering a request; connection closed"));
                return;
            };
            let writing = Instant::now();
            let written = write_reply(&mut writer, &reply, writing + write_budget);
            write_budget = write_budget.saturating_sub(writing.elapsed());
            if let Err(e) = written {
                log.warning(&format!("{peer}: cannot send the reply: {e}; connection closed"));
                return;
            }
            replied = true;
        }
        conversation.after_read();
        if let Some(why) = conversation.fatal() {
            log.warning(&format!("{peer}: {why}; connection closed"));
            return;
        }
        // Stopping: what had arrived is answered, nothing more is read.
        if ready.stopping {
            return;
        }
        request_started = match (conversation.in_request(), request_started) {
            (false, _) => None,
            (true, Some(t)) if !completed => Some(t),
            (true, _) => Some(Instant::now()),
        };
        // Between requests again: idle from now after a reply, else (blank
        // lines only) since when it was.
        if !conversation.in_request() {
            if replied {
                idle_since = Instant::now();
                activity.idle(BUSY);
            } else {
                activity.idle(was);
            }
        }
    }
}

/// Whether `fd` has something to read now (data, an end, an error).
fn readable_now(fd: BorrowedFd<'_>) -> bool {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: poll reads and writes the one pollfd struct it is given.
    unsafe { libc::poll(&mut p, 1, 0) > 0 }
}

/// A connection as the accept loop knows it: to close it when it has been
/// idle longest and a new one waits at the limit.
struct Registered {
    peer: String,
    activity: Arc<Activity>,
    /// The same socket (a duplicated descriptor), to shut it down with.
    handle: Stream,
}

/// The connections being served, by id.
type Registry = Mutex<HashMap<u64, Registered>>;

/// Closes the connection idle longest (one with nothing to read: a
/// request may be arriving on the others), if any: its peer and how long
/// it was idle.
fn close_idlest(registry: &Registry) -> Option<(String, Duration)> {
    let conns = lock(registry);
    let mut idle: Vec<(u64, &Registered)> = conns
        .values()
        .filter_map(|c| {
            let since = c.activity.state.load(Ordering::SeqCst);
            (since != BUSY && since != CLOSING).then_some((since, c))
        })
        .collect();
    idle.sort_unstable_by_key(|(since, _)| *since);
    for (since, c) in idle {
        if readable_now(c.handle.fd()) || !c.activity.close_if_idle(since) {
            continue;
        }
        // Its thread wakes to the end of its input and ends.
        c.handle.shutdown();
        return Some((c.peer.clone(), Duration::from_millis(now_ms().saturating_sub(since))));
    }
    None
}

/// The server: what connections share, the stop signal and the limit.
pub struct Server<S: Service> {
    /// What connections share.
    pub service: S,
    /// Given on SIGTERM.
    pub stop: Shutdown,
    /// The most connections served at once, over all listeners.
    pub max_connections: usize,
    /// Each connection's time limits.
    pub limits: Limits,
    active: Arc<(Mutex<usize>, Condvar)>,
    registry: Arc<Registry>,
    ids: AtomicU64,
}

/// Counts a connection, and keeps it registered, while it lives.
struct Slot {
    active: Arc<(Mutex<usize>, Condvar)>,
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.registry).remove(&self.id);
        let (count, freed) = &*self.active;
        *lock(count) -= 1;
        freed.notify_all();
    }
}

impl<S: Service> Server<S> {
    /// A server not yet listening.
    pub fn new(service: S, stop: Shutdown, max_connections: usize, limits: Limits) -> Server<S> {
        Server {
            service,
            stop,
            max_connections,
            limits,
            active: Arc::new((Mutex::new(0), Condvar::new())),
            registry: Arc::default(),
            ids: AtomicU64::new(0),
        }
    }

    /// Serves `reader` and `writer` (standard input and output, as
    /// Postfix's spawn(8) passes them) until the peer closes or the server
    /// stops.
    pub fn run_files(&self, endpoint: &S::Endpoint, peer: &str, reader: &std::fs::File, writer: &std::fs::File) {
        let conversation = self.service.open(endpoint, peer);
        serve(self.service.log(), &self.stop, &self.limits, peer, &Activity::new(), conversation, reader, writer);
    }

    /// Accepts connections on `listener` for `endpoint` until the server
    /// stops, then closes it and waits for the connections (of all
    /// listeners) to finish (at most `grace` and 10 s). Several listeners
    /// may run at once, each on its own thread, under one limit.
    pub fn run_listener(self: &Arc<Self>, listener: Listener, endpoint: S::Endpoint, grace: Duration) {
        let endpoint = Arc::new(endpoint);
        if let Err(e) = listener.set_nonblocking() {
            self.service.log().warning(&format!("listener: {e}"));
        }
        let (active, registry, ids) = (&self.active, &self.registry, &self.ids);
        // When the limit was last warned about: at most once a minute (at
        // the limit, each new connection frees a slot and takes it again).
        let mut warned: Option<Instant> = None;
        loop {
            let n = *lock(&active.0);
            if n >= self.max_connections {
                if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    warned = Some(Instant::now());
                    self.service.log().warning(&format!(
                        "{n} connections, the limit (--max-connections): each new one closes the connection idle \
                         longest, or waits until one is idle or closes"
                    ));
                }
                self.make_room(&listener, active, registry);
                if self.stop.is_set() {
                    break;
                }
                continue;
            }
            match wait(listener.fd(), &self.stop, None) {
                Ok(r) if r.stopping => break,
                Ok(_) => {}
                Err(e) => {
                    self.service.log().warning(&format!("listener: poll: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            }
            let id = ids.fetch_add(1, Ordering::Relaxed) + 1;
            let (stream, peer) = match listener.accept(id) {
                Ok(s) => s,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    // Out of descriptors, most likely: wait for some to close.
                    self.service.log().warning(&format!("accept: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let handle = match stream.try_clone() {
                Ok(h) => h,
                Err(e) => {
                    self.service.log().warning(&format!("{peer}: {e}; connection closed"));
                    continue;
                }
            };
            let activity = Arc::new(Activity::new());
            let registered = Registered { peer: peer.clone(), activity: Arc::clone(&activity), handle };
            lock(registry).insert(id, registered);
            *lock(&active.0) += 1;
            let slot = Slot { active: Arc::clone(active), registry: Arc::clone(registry), id };
            let server = Arc::clone(self);
            let endpoint = Arc::clone(&endpoint);
            let spawned = std::thread::Builder::new().name("spfkit-conn".into()).spawn(move || {
                let _slot = slot;
                server.serve_stream(stream, &endpoint, &peer, &activity);
            });
            if let Err(e) = spawned {
                self.service.log().warning(&format!("cannot start a thread for a connection: {e}; it is closed"));
            }
        }
        drop(listener);
        let limit = Instant::now() + grace + STOP_GRACE;
        let (count, freed) = &**active;
        let mut n = lock(count);
        while *n > 0 && Instant::now() < limit {
            n = freed.wait_timeout(n, Duration::from_millis(100)).unwrap_or_else(|e| e.into_inner()).0;
        }
        if *n > 0 {
            self.service.log().warning(&format!("stopping with {} connections still busy", *n));
        }
    }

    /// At the limit: when a connection waits to be accepted, closes the
    /// connection idle longest and waits (briefly) for its slot; when none
    /// is idle, waits a little for one to close or become idle. Returns to
    /// check again either way.
    fn make_room(&self, listener: &Listener, active: &(Mutex<usize>, Condvar), registry: &Registry) {
        let (count, freed) = active;
        match wait(listener.fd(), &self.stop, Some(Duration::from_millis(200))) {
            Ok(r) if r.stopping || !r.readable => return,
            Ok(_) => {}
            Err(e) => {
                self.service.log().warning(&format!("listener: poll: {e}"));
                std::thread::sleep(Duration::from_millis(100));
                return;
            }
        }
        if *lock(count) < self.max_connections {
            return;
        }
        let wait_for = match close_idlest(registry) {
            Some((peer, idle)) => {
                self.service.log().info(&format!(
                    "{peer}: idle for {} s at the connection limit (--max-connections {}); closed for a new \
                     connection",
                    idle.as_secs(),
                    self.max_connections
                ));
                Duration::from_secs(1)
            }
            None => Duration::from_millis(200),
        };
        let until = Instant::now() + wait_for;
        let mut n = lock(count);
        while *n >= self.max_connections && !self.stop.is_set() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            n = freed.wait_timeout(n, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    fn serve_stream(&self, stream: Stream, endpoint: &S::Endpoint, peer: &str, activity: &Activity) {
        let log = self.service.log();
        let conversation = self.service.open(endpoint, peer);
        match stream {
            Stream::Tcp(s) => {
                let _ = s.set_nonblocking(false);
                let _ = s.set_nodelay(true);
                serve(log, &self.stop, &self.limits, peer, activity, conversation, &s, &s);
            }
            Stream::Unix(s) => {
                let _ = s.set_nonblocking(false);
                serve(log, &self.stop, &self.limits, peer, activity, conversation, &s, &s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that reads steadily but slowly: each write(2) makes some
    /// progress well within the time limit, yet the reply as a whole must
    /// still end at its deadline (a limit per write(2) call would let
    /// this one run for many seconds).
    #[test]
    fn a_reply_has_one_deadline_however_slowly_the_peer_reads() {
        let (server, mut peer) = UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                match peer.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        let reply = vec![b'x'; 8 << 20];
        let start = Instant::now();
        let result = write_reply(&mut &server, &reply, start + Duration::from_millis(500));
        let took = start.elapsed();
        assert_eq!(result.map_err(|e| e.kind()), Err(io::ErrorKind::TimedOut));
        assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(3), "{took:?}");
        drop(server);
        reader.join().unwrap();
        // A peer that reads: written whole.
        let (server, mut peer) = UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            peer.read_to_end(&mut all).unwrap();
            all.len()
        });
        write_reply(&mut &server, &reply, Instant::now() + Duration::from_secs(20)).unwrap();
        drop(server);
        assert_eq!(reader.join().unwrap(), reply.len());
    }

    /// Only an idle connection is taken for closing, and only once.
    #[test]
    fn activity() {
        let a = Activity::new();
        let since = a.state.load(Ordering::SeqCst);
        assert_eq!(a.begin(), Some(since));
        assert!(!a.close_if_idle(since), "busy: never closed");
        a.idle(since);
        assert!(a.close_if_idle(since));
        assert!(!a.close_if_idle(since));
        assert_eq!(a.begin(), None, "taken for closing: the connection ends");
    }
}
