//! Options both daemons take, parsed alike: where to listen, the socket's
//! mode, the connection limit, where to log.

use std::path::PathBuf;

use super::listener::Listener;
use super::log::{self, Logger};

/// `--max-connections` by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 500;
/// The most connections `--max-connections` may allow.
pub const MAX_MAX_CONNECTIONS: usize = 100_000;

/// A place to listen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// `tcp:HOST:PORT`.
    Tcp(String),
    /// `unix:PATH`.
    Unix(PathBuf),
}

impl Listen {
    /// Binds it; a unix socket gets `mode`. The second value says whether
    /// a stale socket file was replaced.
    pub fn bind(&self, mode: u32) -> Result<(Listener, bool), String> {
        match self {
            Listen::Tcp(addr) => Listener::tcp(addr).map(|l| (l, false)),
            Listen::Unix(path) => Listener::unix(path, mode),
        }
    }
}

/// Where logs go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogTo {
    /// Syslog through this datagram socket (`/dev/log` by default).
    Syslog(PathBuf),
    /// `--log-file FILE`.
    File(PathBuf),
    /// `--log-stderr`.
    Stderr,
}

impl Default for LogTo {
    fn default() -> LogTo {
        LogTo::Syslog(PathBuf::from(log::DEV_LOG))
    }
}

/// `tcp:HOST:PORT` or `unix:PATH`, for `option`.
pub fn parse_listen(option: &str, v: &str) -> Result<Listen, String> {
    if let Some(addr) = v.strip_prefix("tcp:") {
        return parse_host_port(addr)
            .map(Listen::Tcp)
            .map_err(|_| format!("{option}: {v:?}: tcp:HOST:PORT, e.g. tcp:127.0.0.1:10023"));
    }
    if let Some(path) = v.strip_prefix("unix:") {
        if !path.is_empty() {
            return Ok(Listen::Unix(path.into()));
        }
    }
    Err(format!("{option}: {v:?}: tcp:HOST:PORT or unix:PATH"))
}

/// `HOST:PORT` or `[v6]:PORT`: a port is required.
pub fn parse_host_port(addr: &str) -> Result<String, String> {
    match addr.rsplit_once(':').map(|(host, port)| (host, port.parse::<u16>())) {
        Some((host, Ok(_))) if !host.is_empty() => Ok(addr.to_owned()),
        _ => Err(format!("{addr:?}: HOST:PORT, e.g. 127.0.0.1:10001")),
    }
}

/// `--socket-mode`: an octal mode.
pub fn parse_socket_mode(v: &str) -> Result<u32, String> {
    u32::from_str_radix(v, 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("--socket-mode: {v:?} is not an octal mode such as 0660"))
}

/// `--max-connections`: 1 to [`MAX_MAX_CONNECTIONS`].
pub fn parse_max_connections(v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_MAX_CONNECTIONS).contains(n))
        .ok_or_else(|| format!("--max-connections: {v:?} is not a number from 1 to {MAX_MAX_CONNECTIONS}"))
}

/// The log options (`--log-file FILE`, `--log-stderr`, `--syslog-socket
/// PATH`), one of them at most.
#[derive(Debug, Default)]
pub struct LogOptions {
    /// Where logs go.
    pub to: LogTo,
    given: Option<String>,
}

impl LogOptions {
    /// Takes `flag` if it is a log option: `Ok(true)` when taken (its value
    /// from `value`), `Ok(false)` when it is another option. `inline` is a
    /// value given as `--flag=value`.
    pub fn take(
        &mut self,
        flag: &str,
        inline: Option<&str>,
        value: impl FnOnce() -> Result<String, String>,
    ) -> Result<bool, String> {
        if !matches!(flag, "--log-file" | "--log-stderr" | "--syslog-socket") {
            return Ok(false);
        }
        if let Some(earlier) = &self.given {
            return Err(format!("{flag} and {earlier} exclude each other"));
        }
        self.given = Some(flag.to_owned());
        self.to = match flag {
            "--log-file" => LogTo::File(value()?.into()),
            "--syslog-socket" => LogTo::Syslog(value()?.into()),
            _ if inline.is_none() => LogTo::Stderr,
            _ => return Err(format!("{flag} takes no value")),
        };
        Ok(true)
    }
}

/// The logger for `to`. Syslog that cannot be reached at start falls back
/// to standard error when `stderr_ok` (a person or a journal sees it),
/// else keeps trying syslog; a log file that cannot be opened is an error.
pub fn open_logger(to: &LogTo, program: &str, stderr_ok: bool) -> Result<Logger, String> {
    match to {
        LogTo::Syslog(path) => {
            let (logger, status) = Logger::syslog(path);
            match status {
                Ok(()) => Ok(logger),
                Err(e) if stderr_ok => {
                    eprintln!("{program}: {}: {e}; logging to standard error instead", path.display());
                    Ok(Logger::stderr())
                }
                Err(_) => Ok(logger),
            }
        }
        LogTo::File(path) => Logger::file(path).map_err(|e| format!("--log-file {}: {e}", path.display())),
        LogTo::Stderr => Ok(Logger::stderr()),
    }
}
