//! Connections: where they come from (standard input and output as
//! Postfix's spawn(8) passes them, a TCP or unix listener, systemd's
//! socket), a thread each, the connection limit, and stopping.
//!
//! - A thread per connection: Postfix's smtpd processes each hold one
//!   connection for many messages, and a decision waiting on slow DNS
//!   holds up only its own connection.
//! - At most `--max-connections` at once. At the limit, a new connection
//!   waiting to be accepted closes the connection idle longest (between
//!   requests, never one inside a request or waiting for its decision):
//!   Postfix reconnects a closed policy connection by itself, so a peer
//!   holding idle connections cannot starve new ones. When none is idle,
//!   new ones wait in the kernel's listen queue (Postfix gives up after
//!   `smtpd_policy_service_timeout`, 100 s by default, and applies
//!   `smtpd_policy_service_default_action`).
//! - A connection is closed after [`IDLE_TIMEOUT`] without a request, when
//!   a request takes longer than [`REQUEST_TIMEOUT`] to arrive whole, when
//!   the replies to what one read brought take longer than
//!   [`WRITE_TIMEOUT`] in all to write, or when one request passes
//!   [`MAX_DISCARD`](super::protocol::MAX_DISCARD) bytes.
//! - Stopping (SIGTERM): the listener is closed (and a unix socket file
//!   it made removed), each connection finishes the requests it has
//!   received and closes, and the server waits for them (at most the DNS
//!   timeout and 10 s).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::protocol::Parser;
use super::session::{Context, Session};

/// A connection without a request for this long is closed: twice
/// Postfix's `smtpd_policy_service_max_idle` (300 s), after which Postfix
/// closes its side anyway.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A request must arrive whole within this time of its first byte.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The replies to what one read brought must be written within this time
/// in all (the decisions between them not counted), however slowly the
/// peer reads: a deadline, not a limit per write(2) call. Past it the
/// connection is closed.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// `--max-connections` by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 500;
/// How long stopping waits for connections beyond the DNS timeout.
const STOP_GRACE: Duration = Duration::from_secs(10);

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

/// Waits at most `left` for room on socket `fd`, then sends what fits
/// without waiting.
fn send_within(fd: BorrowedFd<'_>, buf: &[u8], left: Duration) -> io::Result<usize> {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    let ms = i32::try_from(left.as_millis() + 1).unwrap_or(i32::MAX);
    // SAFETY: poll reads and writes the one pollfd struct it is given.
    match unsafe { libc::poll(&mut p, 1, ms) } {
        rc if rc < 0 => return Err(io::Error::last_os_error()),
        0 => return Err(io::ErrorKind::WouldBlock.into()),
        _ => {}
    }
    // SAFETY: send reads at most `buf.len()` bytes from `buf`.
    let n =
        unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Serves one connection until it closes, times out, breaks a bound, is
/// closed for a new connection (`activity`) or the server stops: requests
/// from `reader`, replies to `writer`.
pub fn serve<R: Read + AsFd, W: WriteWithin>(
    ctx: &Context,
    stop: &Shutdown,
    peer: &str,
    activity: &Activity,
    mut reader: R,
    mut writer: W,
) {
    let mut session = Session::new(ctx, peer);
    let mut parser = Parser::new();
    let mut parsed = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut request_started: Option<Instant> = None;
    // Idle since the last reply (or the start), whatever arrives between
    // requests.
    let mut idle_since = Instant::now();
    loop {
        let timeout = match request_started {
            Some(t) => REQUEST_TIMEOUT.saturating_sub(t.elapsed()),
            None => IDLE_TIMEOUT.saturating_sub(idle_since.elapsed()),
        };
        let ready = match wait(reader.as_fd(), stop, Some(timeout)) {
            Ok(r) => r,
            Err(e) => {
                ctx.log.warning(&format!("{peer}: poll: {e}; connection closed"));
                return;
            }
        };
        if !ready.readable {
            if ready.stopping {
                if parser.in_request() {
                    ctx.log.info(&format!("{peer}: stopping: a request not yet received whole was dropped"));
                }
            } else if parser.in_request() {
                ctx.log.warning(&format!(
                    "{peer}: a request not received whole within {} s; connection closed",
                    REQUEST_TIMEOUT.as_secs()
                ));
            } else {
                ctx.log.info(&format!("{peer}: idle for {} s; connection closed", IDLE_TIMEOUT.as_secs()));
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
                if parser.in_request() {
                    ctx.log.warning(&format!("{peer}: closed in the middle of a request"));
                }
                return;
            }
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) => {
                activity.idle(was);
                continue;
            }
            Err(e) => {
                ctx.log.warning(&format!("{peer}: read: {e}; connection closed"));
                return;
            }
        };
        parser.feed(&buf[..n], &mut parsed);
        let completed = !parsed.is_empty();
        let mut replied = false;
        // The time writing the replies to what this read brought may take
        // in all (the decisions between them not counted).
        let mut write_budget = WRITE_TIMEOUT;
        for p in parsed.drain(..) {
            // A bug must not take the server down, nor write to standard
            // error (Postfix's socket in spawn mode): the panic hook logs
            // it, and the connection, whose state is unknown, is closed.
            let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.handle(&p)));
            let Ok(reply) = handled else {
                ctx.log.error(&format!("{peer}: internal error answering a request; connection closed"));
                return;
            };
            let writing = Instant::now();
            let written = write_reply(&mut writer, &reply, writing + write_budget);
            write_budget = write_budget.saturating_sub(writing.elapsed());
            if let Err(e) = written {
                ctx.log.warning(&format!("{peer}: cannot send the reply: {e}; connection closed"));
                return;
            }
            replied = true;
        }
        session.blank_lines(parser.take_blank_lines());
        if let Some(why) = parser.fatal() {
            ctx.log.warning(&format!("{peer}: {why}; connection closed"));
            return;
        }
        // Stopping: what had arrived is answered, nothing more is read.
        if ready.stopping {
            return;
        }
        request_started = match (parser.in_request(), request_started) {
            (false, _) => None,
            (true, Some(t)) if !completed => Some(t),
            (true, _) => Some(Instant::now()),
        };
        // Between requests again: idle from now after a reply, else (blank
        // lines only) since when it was.
        if !parser.in_request() {
            if replied {
                idle_since = Instant::now();
                activity.idle(BUSY);
            } else {
                activity.idle(was);
            }
        }
    }
}

/// A listening socket.
#[derive(Debug)]
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A unix socket, and its file when this process made it (removed
    /// when the listener is dropped, unless replaced meanwhile).
    Unix(UnixListener, Option<SocketFile>),
}

/// A unix socket's file, as made: its path, device and inode.
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    id: (u64, u64),
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, Some(file)) = self {
            // Only the socket this process made: a server started since
            // with the same path keeps its own.
            if std::fs::symlink_metadata(&file.path).is_ok_and(|m| (m.dev(), m.ino()) == file.id) {
                let _ = std::fs::remove_file(&file.path);
            }
        }
    }
}

/// An accepted connection.
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
        }
    }

    fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Tcp(s) => s.as_fd(),
            Stream::Unix(s) => s.as_fd(),
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

impl Listener {
    /// Listens on TCP `addr` (`HOST:PORT`, `[v6]:PORT`; a name is resolved
    /// and its first address that binds is used).
    pub fn tcp(addr: &str) -> Result<Listener, String> {
        let listener = TcpListener::bind(addr).map_err(|e| format!("tcp:{addr}: {e}"))?;
        longer_queue(listener.as_fd());
        Ok(Listener::Tcp(listener))
    }

    /// Listens on a unix socket at `path`, with permissions `mode`. A
    /// socket file left by a server that is gone (nothing accepts on it)
    /// is removed first, and the second value says so; a live one, or
    /// anything that is not a socket, is an error.
    pub fn unix(path: &Path, mode: u32) -> Result<(Listener, bool), String> {
        let shown = path.display();
        let mut stale = false;
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_socket() => match UnixStream::connect(path) {
                Ok(_) => return Err(format!("unix:{shown}: a server is already listening there")),
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    std::fs::remove_file(path).map_err(|e| format!("unix:{shown}: removing a stale socket: {e}"))?;
                    stale = true;
                }
                Err(e) => return Err(format!("unix:{shown}: {e}")),
            },
            Ok(_) => return Err(format!("unix:{shown}: exists and is not a socket (not removed)")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("unix:{shown}: {e}")),
        }
        let listener = UnixListener::bind(path).map_err(|e| format!("unix:{shown}: {e}"))?;
        longer_queue(listener.as_fd());
        let made = std::fs::symlink_metadata(path).map_err(|e| format!("unix:{shown}: {e}"))?;
        let file = SocketFile { path: path.to_owned(), id: (made.dev(), made.ino()) };
        let listener = Listener::Unix(listener, Some(file));
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("unix:{shown}: setting mode {mode:o}: {e}"))?;
        Ok((listener, stale))
    }

    /// The socket systemd passed (socket activation: `LISTEN_PID` is this
    /// process, `LISTEN_FDS=1`, the socket is descriptor 3), TCP or unix
    /// as it is; `None` when systemd passed nothing to this process.
    pub fn systemd() -> Result<Option<Listener>, String> {
        let for_us =
            std::env::var("LISTEN_PID").ok().and_then(|p| p.trim().parse::<u32>().ok()) == Some(std::process::id());
        if !for_us {
            return Ok(None);
        }
        // Descriptor 3 gets one owner: a second call finds it taken.
        static TAKEN: AtomicBool = AtomicBool::new(false);
        if TAKEN.swap(true, Ordering::SeqCst) {
            return Err("the socket from systemd was taken already".to_owned());
        }
        let count = std::env::var("LISTEN_FDS").unwrap_or_default();
        match count.trim() {
            "0" | "" => return Ok(None),
            "1" => {}
            n => return Err(format!("systemd passed {n} sockets (LISTEN_FDS); spfkit policyd takes one")),
        }
        const FD: libc::c_int = 3;
        let int_option = |option: libc::c_int| -> Result<libc::c_int, String> {
            let mut value: libc::c_int = 0;
            let mut len = core::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: getsockopt writes at most `len` bytes into `value`.
            let rc = unsafe { libc::getsockopt(FD, libc::SOL_SOCKET, option, (&raw mut value).cast(), &mut len) };
            if rc != 0 {
                return Err(format!("descriptor 3 from systemd: {}", io::Error::last_os_error()));
            }
            Ok(value)
        };
        if int_option(libc::SO_TYPE)? != libc::SOCK_STREAM || int_option(libc::SO_ACCEPTCONN)? != 1 {
            return Err("descriptor 3 from systemd is not a listening stream socket \
                        (the .socket unit needs ListenStream= and Accept=no)"
                .to_owned());
        }
        // SAFETY: sockaddr_storage is plain data, all zeros valid;
        // getsockname writes at most `len` bytes of it.
        let mut addr: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if unsafe { libc::getsockname(FD, (&raw mut addr).cast(), &mut len) } != 0 {
            return Err(format!("descriptor 3 from systemd: {}", io::Error::last_os_error()));
        }
        // Not passed on to anything this process might run.
        // SAFETY: fcntl on a descriptor just checked to be open.
        unsafe { libc::fcntl(FD, libc::F_SETFD, libc::FD_CLOEXEC) };
        // SAFETY: descriptor 3 is open (checked above), systemd gave it to
        // this process, and nothing else here owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(FD) };
        match libc::c_int::from(addr.ss_family) {
            libc::AF_UNIX => Ok(Some(Listener::Unix(UnixListener::from(fd), None))),
            libc::AF_INET | libc::AF_INET6 => Ok(Some(Listener::Tcp(TcpListener::from(fd)))),
            family => Err(format!("descriptor 3 from systemd has address family {family}, neither TCP nor unix")),
        }
    }

    /// `tcp:ADDR:PORT` or `unix:PATH`, as bound.
    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => match l.local_addr() {
                Ok(a) => format!("tcp:{a}"),
                Err(_) => "tcp".to_owned(),
            },
            Listener::Unix(l, _) => match l.local_addr().ok().and_then(|a| a.as_pathname().map(Path::to_owned)) {
                Some(p) => format!("unix:{}", p.display()),
                None => "unix".to_owned(),
            },
        }
    }

    /// Whether a TCP listener accepts from beyond this host (it has no
    /// access control of its own).
    pub fn is_public(&self) -> bool {
        match self {
            Listener::Tcp(l) => l.local_addr().is_ok_and(|a| !a.ip().is_loopback()),
            Listener::Unix(..) => false,
        }
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Tcp(l) => l.as_fd(),
            Listener::Unix(l, _) => l.as_fd(),
        }
    }

    fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.set_nonblocking(true),
            Listener::Unix(l, _) => l.set_nonblocking(true),
        }
    }

    fn accept(&self, id: u64) -> io::Result<(Stream, String)> {
        match self {
            Listener::Tcp(l) => l.accept().map(|(s, a)| (Stream::Tcp(s), format!("{a} (connection {id})"))),
            Listener::Unix(l, _) => l.accept().map(|(s, _)| (Stream::Unix(s), format!("unix (connection {id})"))),
        }
    }
}

/// The listen queue as long as the system allows (`net.core.somaxconn`,
/// 4096 on current Linux) rather than std's 128: connections past
/// `--max-connections` wait there. (Calling listen(2) again on a listening
/// socket only changes its queue.) A socket from systemd keeps its unit's
/// `Backlog=`.
fn longer_queue(fd: BorrowedFd<'_>) {
    // SAFETY: listen(2) on a socket this process just bound.
    unsafe { libc::listen(fd.as_raw_fd(), libc::SOMAXCONN) };
}

/// Raises the soft limit on open descriptors toward the hard one when
/// `connections` (and some to spare) would not fit: each connection holds
/// one, each decision a socket more while it waits for DNS. The limit
/// reached, when it is still short.
pub fn raise_descriptor_limit(connections: usize) -> Option<u64> {
    let want = (2 * connections + 64) as u64;
    // SAFETY: getrlimit and setrlimit read and write the struct given.
    unsafe {
        let mut lim: libc::rlimit = core::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if (lim.rlim_cur as u64) >= want {
            return None;
        }
        let raised = libc::rlimit { rlim_cur: (want as libc::rlim_t).min(lim.rlim_max), rlim_max: lim.rlim_max };
        let now = if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 { raised.rlim_cur } else { lim.rlim_cur };
        ((now as u64) < want).then_some(now as u64)
    }
}

/// The server: what connections share, the stop signal and the limit.
pub struct Server {
    /// Settings, DNS and log.
    pub ctx: Context,
    /// Given on SIGTERM.
    pub stop: Shutdown,
    /// The most connections served at once.
    pub max_connections: usize,
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

impl Server {
    /// Serves standard input and output (Postfix's spawn(8)) until the
    /// peer closes or the server stops.
    pub fn run_stdio(&self) -> io::Result<()> {
        let input = std::fs::File::from(io::stdin().as_fd().try_clone_to_owned()?);
        let output = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned()?);
        serve(&self.ctx, &self.stop, "spawn", &Activity::new(), &input, &output);
        Ok(())
    }

    /// Accepts connections on `listener` until the server stops, then
    /// closes it and waits for the connections to finish (at most `grace`
    /// and 10 s).
    pub fn run_listener(self: &Arc<Server>, listener: Listener, grace: Duration) {
        if let Err(e) = listener.set_nonblocking() {
            self.ctx.log.warning(&format!("listener: {e}"));
        }
        let active = Arc::new((Mutex::new(0usize), Condvar::new()));
        let registry: Arc<Registry> = Arc::default();
        let ids = AtomicU64::new(0);
        // When the limit was last warned about: at most once a minute (at
        // the limit, each new connection frees a slot and takes it again).
        let mut warned: Option<Instant> = None;
        loop {
            let n = *lock(&active.0);
            if n >= self.max_connections {
                if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    warned = Some(Instant::now());
                    self.ctx.log.warning(&format!(
                        "{n} connections, the limit (--max-connections): each new one closes the connection idle \
                         longest, or waits until one is idle or closes"
                    ));
                }
                self.make_room(&listener, &active, &registry);
                if self.stop.is_set() {
                    break;
                }
                continue;
            }
            match wait(listener.fd(), &self.stop, None) {
                Ok(r) if r.stopping => break,
                Ok(_) => {}
                Err(e) => {
                    self.ctx.log.warning(&format!("listener: poll: {e}"));
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
                    self.ctx.log.warning(&format!("accept: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let handle = match stream.try_clone() {
                Ok(h) => h,
                Err(e) => {
                    self.ctx.log.warning(&format!("{peer}: {e}; connection closed"));
                    continue;
                }
            };
            let activity = Arc::new(Activity::new());
            let registered = Registered { peer: peer.clone(), activity: Arc::clone(&activity), handle };
            lock(&registry).insert(id, registered);
            *lock(&active.0) += 1;
            let slot = Slot { active: Arc::clone(&active), registry: Arc::clone(&registry), id };
            let server = Arc::clone(self);
            let spawned = std::thread::Builder::new().name("spfkit-conn".into()).spawn(move || {
                let _slot = slot;
                server.serve_stream(stream, &peer, &activity);
            });
            if let Err(e) = spawned {
                self.ctx.log.warning(&format!("cannot start a thread for a connection: {e}; it is closed"));
            }
        }
        drop(listener);
        let limit = Instant::now() + grace + STOP_GRACE;
        let (count, freed) = &*active;
        let mut n = lock(count);
        while *n > 0 && Instant::now() < limit {
            n = freed.wait_timeout(n, Duration::from_millis(100)).unwrap_or_else(|e| e.into_inner()).0;
        }
        if *n > 0 {
            self.ctx.log.warning(&format!("stopping with {} connections still busy", *n));
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
                self.ctx.log.warning(&format!("listener: poll: {e}"));
                std::thread::sleep(Duration::from_millis(100));
                return;
            }
        }
        if *lock(count) < self.max_connections {
            return;
        }
        let wait_for = match close_idlest(registry) {
            Some((peer, idle)) => {
                self.ctx.log.info(&format!(
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

    fn serve_stream(&self, stream: Stream, peer: &str, activity: &Activity) {
        match stream {
            Stream::Tcp(s) => {
                let _ = s.set_nonblocking(false);
                let _ = s.set_nodelay(true);
                serve(&self.ctx, &self.stop, peer, activity, &s, &s);
            }
            Stream::Unix(s) => {
                let _ = s.set_nonblocking(false);
                serve(&self.ctx, &self.stop, peer, activity, &s, &s);
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
