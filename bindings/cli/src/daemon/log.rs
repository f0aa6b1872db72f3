//! Where the daemons log: syslog (RFC 3164 datagrams, facility mail,
//! to /dev/log or `--syslog-socket`), a file (`--log-file`, reopened on
//! SIGHUP for log rotation), standard error (`--log-stderr`, never in spawn
//! mode, where standard error is Postfix's socket), or a memory buffer
//! (tests). Each message is one line: control characters become `?` and a
//! line is cut at [`MAX_MESSAGE`] bytes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// The syslog socket unless `--syslog-socket` says otherwise.
pub const DEV_LOG: &str = "/dev/log";
/// The syslog tag unless [`set_tag`] says otherwise
/// (`spfkit-policyd[PID]: ...`).
pub const TAG: &str = "spfkit-policyd";

static CURRENT_TAG: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Sets the tag every log line carries (`spfkit-srsd`), once per process,
/// before logging starts; later calls change nothing.
pub fn set_tag(tag: &'static str) {
    let _ = CURRENT_TAG.set(tag);
}

/// The tag log lines carry.
pub fn tag() -> &'static str {
    CURRENT_TAG.get().copied().unwrap_or(TAG)
}
/// The longest message logged, in bytes; longer ones are cut and end in
/// `...`.
pub const MAX_MESSAGE: usize = 4000;
/// RFC 5424 facility `mail` (2), as RFC 3164 numbers it.
const FACILITY_MAIL: u8 = 2;

/// A message's severity (RFC 5424 numbers).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    /// The server cannot go on as asked (start-up failures).
    Error = 3,
    /// Something an administrator should look at: a bad request, a
    /// settings file that did not load.
    Warning = 4,
    /// Decisions and the server's life.
    Info = 6,
}

impl Level {
    /// The word written before a warning or an error, as Postfix's logs
    /// have it (`warning: ...`); none for information.
    fn prefix(self) -> &'static str {
        match self {
            Level::Error => "error: ",
            Level::Warning => "warning: ",
            Level::Info => "",
        }
    }
}

enum Sink {
    Syslog { path: PathBuf, socket: Mutex<Option<UnixDatagram>> },
    File { path: PathBuf, file: Mutex<File> },
    Stderr,
    Memory(Mutex<Vec<String>>),
    Nowhere,
}

/// A log destination, shared by every thread.
pub struct Logger {
    sink: Sink,
    pid: u32,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Logger {
    fn new(sink: Sink) -> Logger {
        Logger { sink, pid: std::process::id() }
    }

    /// Syslog through the datagram socket at `path`, and whether it could
    /// be reached now. When it cannot, the logger still tries again for
    /// each message (a syslog daemon may start later or restart).
    pub fn syslog(path: &Path) -> (Logger, std::io::Result<()>) {
        let socket = connect(path);
        let status = socket.as_ref().map(|_| ()).map_err(|e| std::io::Error::new(e.kind(), e.to_string()));
        (Logger::new(Sink::Syslog { path: path.to_owned(), socket: Mutex::new(socket.ok()) }), status)
    }

    /// Appends to the file at `path`, created if missing (mode 0640 under
    /// the umask).
    pub fn file(path: &Path) -> std::io::Result<Logger> {
        let file = open_log(path)?;
        Ok(Logger::new(Sink::File { path: path.to_owned(), file: Mutex::new(file) }))
    }

    /// Standard error.
    pub fn stderr() -> Logger {
        Logger::new(Sink::Stderr)
    }

    /// Kept in memory, for tests: see [`Logger::lines`].
    pub fn memory() -> Logger {
        Logger::new(Sink::Memory(Mutex::new(Vec::new())))
    }

    /// Dropped.
    pub fn nowhere() -> Logger {
        Logger::new(Sink::Nowhere)
    }

    /// The messages a [`Logger::memory`] kept, each as `level: message`
    /// with its prefix; empty for the others.
    pub fn lines(&self) -> Vec<String> {
        match &self.sink {
            Sink::Memory(lines) => lock(lines).clone(),
            _ => Vec::new(),
        }
    }

    /// Whether messages go to standard error.
    pub fn is_stderr(&self) -> bool {
        matches!(self.sink, Sink::Stderr)
    }

    /// Where messages go, for the start-up line.
    pub fn describe(&self) -> String {
        match &self.sink {
            Sink::Syslog { path, .. } => format!("syslog ({}, facility mail, tag {})", path.display(), tag()),
            Sink::File { path, .. } => format!("the file {}", path.display()),
            Sink::Stderr => "standard error".to_owned(),
            Sink::Memory(_) => "memory".to_owned(),
            Sink::Nowhere => "nowhere".to_owned(),
        }
    }

    /// Reopens a log file (after rotation); the old one is kept when the
    /// path cannot be opened, and the error returned.
    pub fn reopen(&self) -> std::io::Result<()> {
        if let Sink::File { path, file } = &self.sink {
            *lock(file) = open_log(path)?;
        }
        Ok(())
    }

    /// Logs `message` at `level`.
    pub fn log(&self, level: Level, message: &str) {
        let message = one_line(level.prefix(), message);
        match &self.sink {
            Sink::Syslog { path, socket } => {
                let pri = FACILITY_MAIL * 8 + level as u8;
                let datagram = format!("<{pri}>{} {}[{}]: {message}", syslog_time(now()), tag(), self.pid);
                let mut socket = lock(socket);
                // One retry on a fresh socket: the daemon may have restarted.
                for _ in 0..2 {
                    if socket.is_none() {
                        *socket = connect(path).ok();
                    }
                    match socket.as_ref().map(|s| s.send(datagram.as_bytes())) {
                        Some(Ok(_)) => return,
                        // Full: dropped, the socket kept.
                        Some(Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                        Some(Err(_)) => *socket = None,
                        None => return,
                    }
                }
            }
            Sink::File { file, .. } => {
                let line = format!("{} {}[{}]: {message}\n", iso_time(now()), tag(), self.pid);
                // One write per line, so that lines of several threads never mix.
                let _ = lock(file).write_all(line.as_bytes());
            }
            Sink::Stderr => {
                let line = format!("{} {}[{}]: {message}\n", iso_time(now()), tag(), self.pid);
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            Sink::Memory(lines) => lock(lines).push(message),
            Sink::Nowhere => {}
        }
    }

    /// [`Logger::log`] at [`Level::Info`].
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// [`Logger::log`] at [`Level::Warning`].
    pub fn warning(&self, message: &str) {
        self.log(Level::Warning, message);
    }

    /// [`Logger::log`] at [`Level::Error`].
    pub fn error(&self, message: &str) {
        self.log(Level::Error, message);
    }
}

fn connect(path: &Path) -> std::io::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    // A syslog daemon that stops reading must not stop mail: a message
    // that cannot be sent at once is dropped (every decision is logged
    // before its reply, under one lock: a blocking send would queue every
    // connection's replies behind it).
    socket.set_nonblocking(true)?;
    Ok(socket)
}

fn open_log(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().create(true).append(true).mode(0o640).open(path)
}

/// `prefix` and `message` as one line of at most [`MAX_MESSAGE`] bytes.
fn one_line(prefix: &str, message: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + message.len().min(MAX_MESSAGE));
    out.push_str(prefix);
    for c in message.chars() {
        if out.len() + c.len_utf8() > MAX_MESSAGE - 3 {
            out.push_str("...");
            break;
        }
        out.push(if c.is_control() { '?' } else { c });
    }
    out
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Local time: (year, month 1-12, day, hour, minute, second, UTC offset in
/// seconds).
fn local(secs: i64) -> (i32, u32, u32, u32, u32, u32, i64) {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r only writes the tm it is given; an all-zero tm
    // is a valid value of the plain C struct.
    let mut tm: libc::tm = unsafe { core::mem::zeroed() };
    let ok = !unsafe { libc::localtime_r(&t, &mut tm) }.is_null();
    if !ok {
        return (1970, 1, 1, 0, 0, 0, 0);
    }
    let field = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
    (
        tm.tm_year + 1900,
        field(tm.tm_mon + 1),
        field(tm.tm_mday),
        field(tm.tm_hour),
        field(tm.tm_min),
        field(tm.tm_sec),
        tm.tm_gmtoff as i64,
    )
}

/// RFC 3164's TIMESTAMP: `Dec  2 07:33:50` (the day padded with a space).
fn syslog_time(secs: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, mon, day, h, m, s, _) = local(secs);
    let month = MONTHS.get(mon.saturating_sub(1) as usize).copied().unwrap_or("Jan");
    format!("{month} {day:>2} {h:02}:{m:02}:{s:02}")
}

/// ISO 8601 local time with its offset: `2026-12-02T07:33:50+01:00`.
fn iso_time(secs: i64) -> String {
    let (y, mon, day, h, m, s, off) = local(secs);
    let sign = if off < 0 { '-' } else { '+' };
    let off = off.unsigned_abs();
    format!("{y:04}-{mon:02}-{day:02}T{h:02}:{m:02}:{s:02}{sign}{:02}:{:02}", off / 3600, off % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_line_and_bounded() {
        assert_eq!(one_line("warning: ", "a\nb\x07c"), "warning: a?b?c");
        let long = one_line("", &"é".repeat(5000));
        assert!(long.len() <= MAX_MESSAGE && long.ends_with("..."), "{}", long.len());
    }

    #[test]
    fn time_forms() {
        let t = syslog_time(0);
        assert_eq!(t.len(), 15, "{t}");
        assert!(iso_time(0).len() >= 25, "{}", iso_time(0));
    }

    #[test]
    fn syslog_datagrams() {
        let dir = std::env::temp_dir().join(format!("spfkit-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log.sock");
        let _ = std::fs::remove_file(&path);
        let server = UnixDatagram::bind(&path).unwrap();
        let (logger, status) = Logger::syslog(&path);
        assert!(status.is_ok());
        logger.warning("bad request\nfrom x");
        let mut buf = [0u8; 512];
        let n = server.recv(&mut buf).unwrap();
        let got = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(got.starts_with("<20>"), "{got}");
        assert!(got.ends_with(&format!(" {}[{}]: warning: bad request?from x", tag(), std::process::id())), "{got}");
        let (_, status) = Logger::syslog(&dir.join("absent"));
        assert!(status.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
