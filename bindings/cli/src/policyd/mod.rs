//! `spfkit policyd`: a Postfix SMTP access policy server (Postfix's
//! SMTPD_POLICY_README protocol) deciding each recipient with spfkit's
//! receiver policy (docs/policy-settings.md).
//!
//! - [`protocol`]: requests and replies, without I/O, bounded.
//! - [`session`]: one connection's conversation: a message per Postfix
//!   `instance`, a decision per recipient, the `action=` for it.
//! - [`server`]: standard input and output (Postfix's spawn), TCP, unix
//!   sockets, systemd socket activation; a thread per connection.
//! - [`log`] ([`crate::daemon::log`]): syslog, a file or standard error.
//! - [`crate::daemon::signals`]: SIGHUP reloads the settings, SIGTERM stops.
//! - `spf_engine_conf`: settings from postfix-policyd-spf-python's
//!   policyd-spf.conf (`--policyd-spf-conf`).

pub mod protocol;
pub mod server;
pub mod session;
mod spf_engine_conf;

pub use crate::daemon::log;
pub use crate::daemon::options::{Listen, LogTo, MAX_MAX_CONNECTIONS};
use crate::daemon::options::{LogOptions, open_logger, parse_listen, parse_max_connections, parse_socket_mode};
use crate::daemon::signals;

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use spfkit::Options;
use spfkit::policy::{Policy, Settings};

use self::log::Logger;
use self::server::{DEFAULT_MAX_CONNECTIONS, LIMITS, Listener, Server, Shutdown};
use self::session::{Context, Current, StubDns};
use crate::resolver::{parse_nameserver, system_nameservers};
use crate::{DEFAULT_TIMEOUT, EXIT_USAGE, parse_timeout, split_flag};

/// Exit status when the settings file cannot be read or is invalid (at
/// start, and for `--check-config`).
pub const EXIT_SETTINGS: i32 = 3;
/// Exit status when the server cannot start (a socket that cannot be
/// bound, no name server, no log file).
pub const EXIT_START: i32 = 1;
/// Records parsed once and shared by all decisions (keyed by their bytes,
/// so a hit is what parsing would give).
const RECORD_CACHE: usize = 4096;

/// `spfkit policyd --help`.
pub const USAGE: &str = "\
usage: spfkit policyd [--config FILE | --policyd-spf-conf FILE]
                      [--listen tcp:HOST:PORT | --listen unix:PATH [--socket-mode MODE]]
                      [--nameserver ADDR[:PORT]]... [--timeout SECONDS]
                      [--max-connections N]
                      [--log-file FILE | --log-stderr | --syslog-socket PATH]
                      [--check-config]

A Postfix policy server (SMTPD_POLICY_README) deciding each recipient by
spfkit's receiver policy: SPF once per message, a decision per recipient.

Settings: --config FILE (TOML, docs/policy-settings.md), or
--policyd-spf-conf FILE (postfix-policyd-spf-python's policyd-spf.conf,
mapped as docs/receiver-policy.md says); neither: the defaults.
--check-config reads them, prints what is wrong and exits (0 when valid).

Connections: standard input and output when no --listen is given and
systemd passed no socket (Postfix's spawn service, as master.cf runs
postfix-policyd-spf-python); --listen tcp:HOST:PORT; --listen unix:PATH
(a stale socket file is replaced; the socket gets --socket-mode, default
0666); or the socket systemd passes (LISTEN_FDS=1, TCP or unix).
--max-connections N (default 500): at it, a new connection closes the
connection idle longest (Postfix reconnects), or waits while none is idle.

DNS: the name servers of /etc/resolv.conf, or each --nameserver; each
decision within --timeout SECONDS (default 20, RFC 7208 section 4.6.4).

Replies: DUNNO, or PREPEND with the header (Received-SPF at RCPT;
Authentication-Results at DATA when both are configured: list the service
in smtpd_data_restrictions too); a refusal `550 5.7.23 text`; a deferral
`DEFER_IF_PERMIT 4.7.24 text`. Never OK.

Logs: syslog (/dev/log, or --syslog-socket PATH; facility mail), or
--log-file FILE, or --log-stderr (not when serving standard input and
output: Postfix reads standard error as part of the reply). One line per
decision. SIGHUP reloads the settings (a broken file keeps the old ones)
and reopens the log file; SIGTERM finishes the requests in flight and
exits 0.

Exit status: 0 after SIGTERM or when Postfix closes standard input; 1 when
the server cannot start; 2 for bad arguments; 3 for invalid settings.
";

/// Where the settings come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsSource {
    /// No file: the defaults.
    Defaults,
    /// `--config FILE`: spfkit's TOML.
    Toml(PathBuf),
    /// `--policyd-spf-conf FILE`: postfix-policyd-spf-python's file.
    PolicydSpf(PathBuf),
}

/// The arguments of `spfkit policyd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicydArgs {
    /// The settings.
    pub settings: SettingsSource,
    /// The listener; `None`: systemd's socket, else standard input and
    /// output.
    pub listen: Option<Listen>,
    /// A unix socket's permissions.
    pub socket_mode: u32,
    /// The name servers; the system's when empty.
    pub nameservers: Vec<SocketAddr>,
    /// `--timeout`; else the settings file's (policyd-spf.conf's
    /// `Lookup_Time`), else 20 s.
    pub timeout: Option<Duration>,
    /// `--max-connections`.
    pub max_connections: usize,
    /// Where logs go.
    pub log: LogTo,
    /// `--check-config`: validate and exit.
    pub check_config: bool,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments after `policyd`.
///
/// ```
/// use spfkit_cli::policyd::{parse_args, Listen, SettingsSource};
/// let a = parse_args(["--config", "/etc/spfkit.toml", "--listen", "tcp:127.0.0.1:10023"].map(String::from)).unwrap();
/// assert_eq!(a.settings, SettingsSource::Toml("/etc/spfkit.toml".into()));
/// assert_eq!(a.listen, Some(Listen::Tcp("127.0.0.1:10023".into())));
/// assert!(parse_args(["--listen", "udp:x"].map(String::from)).is_err());
/// ```
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<PolicydArgs, String> {
    let mut args = args.into_iter();
    let mut out = PolicydArgs {
        settings: SettingsSource::Defaults,
        listen: None,
        socket_mode: 0o666,
        nameservers: Vec::new(),
        timeout: None,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        log: LogTo::default(),
        check_config: false,
        help: false,
    };
    let mut mode_given = false;
    let mut log = LogOptions::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        let settings = |s: SettingsSource, out: &mut PolicydArgs| {
            if out.settings != SettingsSource::Defaults {
                return Err("give one of --config and --policyd-spf-conf, once".to_owned());
            }
            out.settings = s;
            Ok(())
        };
        match flag.as_str() {
            "--config" => settings(SettingsSource::Toml(value()?.into()), &mut out)?,
            "--policyd-spf-conf" => settings(SettingsSource::PolicydSpf(value()?.into()), &mut out)?,
            "--listen" => {
                if out.listen.is_some() {
                    return Err("--listen is given once".into());
                }
                out.listen = Some(parse_listen("--listen", &value()?)?);
            }
            "--socket-mode" => {
                out.socket_mode = parse_socket_mode(&value()?)?;
                mode_given = true;
            }
            "--nameserver" => out.nameservers.push(parse_nameserver(&value()?).map_err(|e| e.0)?),
            "--timeout" => out.timeout = Some(parse_timeout(&value()?)?),
            "--max-connections" => out.max_connections = parse_max_connections(&value()?)?,
            f if log.take(f, inline.as_deref(), &mut value)? => out.log = log.to.clone(),
            "--check-config" if inline.is_none() => out.check_config = true,
            "-h" | "--help" => out.help = true,
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    if mode_given && !matches!(out.listen, Some(Listen::Unix(_))) {
        return Err("--socket-mode goes with --listen unix:PATH".into());
    }
    Ok(out)
}

/// The settings a file gave, with what the server needs beside them.
#[derive(Debug)]
pub struct Loaded {
    /// The settings.
    pub settings: Settings,
    /// Keys of a policyd-spf.conf with no exact equivalent: logged.
    pub warnings: Vec<String>,
    /// policyd-spf.conf's `Lookup_Time`.
    pub timeout: Option<Duration>,
}

/// Reads the settings from `source`. The error is one line naming the
/// file (and the line and key when known).
pub fn load_settings(source: &SettingsSource) -> Result<Loaded, String> {
    match source {
        SettingsSource::Defaults => Ok(Loaded { settings: Settings::default(), warnings: Vec::new(), timeout: None }),
        SettingsSource::Toml(path) => {
            let text = read_text(path)?;
            let settings =
                spfkit::policy::settings_from_toml(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
            Ok(Loaded { settings, warnings: Vec::new(), timeout: None })
        }
        SettingsSource::PolicydSpf(path) => {
            let text = read_text(path)?;
            let c = spf_engine_conf::settings_from_policyd_spf_conf(&text, &path.display().to_string())
                .map_err(|e| e.to_string())?;
            let mut warnings = c.warnings;
            if c.log_only {
                warnings.push(format!("{}: TestOnly = 0: log-only mode, nothing is rejected", path.display()));
            }
            Ok(Loaded { settings: c.settings, warnings, timeout: c.timeout })
        }
    }
}

/// A settings file's text: at most 16 MiB of UTF-8.
fn read_text(path: &Path) -> Result<String, String> {
    let max = spfkit::policy::MAX_FILE;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!("{}: larger than {max} bytes", path.display()));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("{}: not UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to()))
}

/// The policy and DNS limit from loaded settings.
fn current(loaded: Loaded, args: &PolicydArgs, cache: &Arc<spfkit::RecordCache>) -> Current {
    let options = Options { cache: Some(Arc::clone(cache)), ..Options::default() };
    Current {
        policy: Policy::with_options(loaded.settings, options),
        timeout: args.timeout.or(loaded.timeout).unwrap_or(DEFAULT_TIMEOUT),
    }
}

fn source_name(source: &SettingsSource) -> String {
    match source {
        SettingsSource::Defaults => "the defaults (no --config)".to_owned(),
        SettingsSource::Toml(p) => p.display().to_string(),
        SettingsSource::PolicydSpf(p) => format!("{} (policyd-spf.conf)", p.display()),
    }
}

/// Runs `spfkit policyd`.
pub fn main(args: PolicydArgs) -> ExitCode {
    if args.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.check_config {
        return check_config(&args);
    }
    // Signals first, before anything else (reading the settings can take
    // a while): a SIGHUP or SIGTERM during startup waits, pending, for the
    // signal thread instead of killing the process. And before any thread
    // starts, so that every thread has them blocked.
    let blocked = signals::block();
    // systemd's socket next: descriptor 3 is taken before anything else
    // is opened.
    let inherited = match (Listener::systemd("spfkit policyd"), &args.listen) {
        // A socket systemd passed and --listen too: one would be served
        // and the other's connections would queue unanswered.
        (Ok(Some(_)), Some(_)) => {
            Err("--listen and a socket from systemd (LISTEN_FDS) together: use one of them".to_owned())
        }
        (r, None) => r,
        (_, Some(_)) => Ok(None),
    };
    let spawn = args.listen.is_none() && matches!(inherited, Ok(None));
    // In spawn mode standard error is Postfix's socket: nothing may be
    // written there, unless a person runs the command at a terminal.
    let stderr_ok = !spawn || std::io::stderr().is_terminal();
    let say = |msg: &str| {
        if stderr_ok {
            eprintln!("spfkit policyd: {msg}");
        }
    };
    if spawn && args.log == LogTo::Stderr {
        let msg = "--log-stderr cannot be used without --listen: standard error is Postfix's socket then";
        // Syslog is the only place Postfix's administrator may see it.
        Logger::syslog(Path::new(log::DEV_LOG)).0.error(msg);
        say(msg);
        return ExitCode::from(EXIT_USAGE as u8);
    }
    let logger = match open_logger(&args.log, "spfkit policyd", !spawn) {
        Ok(l) => l,
        Err(e) => {
            say(&e);
            return ExitCode::from(EXIT_START as u8);
        }
    };
    // Failures from here on go to the log, and to standard error when
    // that is no socket.
    let fail = |logger: &Logger, code: i32, msg: &str| {
        logger.error(msg);
        if !logger.is_stderr() {
            say(msg);
        }
        ExitCode::from(code as u8)
    };
    let listener = match (&args.listen, inherited) {
        (_, Err(e)) => return fail(&logger, EXIT_START, &e),
        (None, Ok(l)) => l,
        (Some(_), Ok(_)) => None,
    };
    let loaded = match load_settings(&args.settings) {
        Ok(l) => l,
        Err(e) => return fail(&logger, EXIT_SETTINGS, &format!("settings: {e}")),
    };
    let nameservers = if args.nameservers.is_empty() {
        match system_nameservers() {
            Ok(s) => s,
            Err(e) => return fail(&logger, EXIT_START, &e.0),
        }
    } else {
        args.nameservers.clone()
    };
    let blocked = match blocked {
        Ok(b) => b,
        Err(e) => return fail(&logger, EXIT_START, &format!("blocking signals: {e}")),
    };
    let stop = match Shutdown::new() {
        Ok(s) => s,
        Err(e) => return fail(&logger, EXIT_START, &format!("socket pair: {e}")),
    };
    let (listener, stale) = match (&args.listen, listener) {
        (Some(listen), _) => match listen.bind(args.socket_mode) {
            Ok((l, stale)) => (Some(l), stale),
            Err(e) => return fail(&logger, EXIT_START, &e),
        },
        (None, l) => (l, false),
    };

    let warnings = loaded.warnings.clone();
    let cache = Arc::new(spfkit::RecordCache::new(RECORD_CACHE));
    let current = current(loaded, &args, &cache);
    let log_only = current.policy.settings().rules.log_only;
    let timeout = current.timeout;
    let where_ = match &listener {
        Some(l) => l.describe(),
        None => "standard input and output (spawn)".to_owned(),
    };
    if !spawn {
        eprintln!("spfkit policyd: listening on {where_}; logging to {}", logger.describe());
    }
    logger.info(&format!(
        "spfkit {} policyd starting: settings from {}{}; {where_}; DNS {} within {} s; at most {} connections; \
         logging to {}",
        env!("CARGO_PKG_VERSION"),
        source_name(&args.settings),
        if log_only { " (log-only: nothing is rejected or deferred)" } else { "" },
        nameservers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        timeout.as_secs_f64(),
        args.max_connections,
        logger.describe(),
    ));
    for w in &warnings {
        logger.warning(w);
    }
    if stale {
        logger.info(&format!("{where_}: a stale socket file was replaced"));
    }
    if listener.as_ref().is_some_and(Listener::is_public) {
        logger.warning(&format!(
            "{where_} accepts connections from other hosts, with no access control: anyone who can reach it can \
             query it (prefer 127.0.0.1 or a unix socket)"
        ));
    }

    if let Some(limit) = server::raise_descriptor_limit(args.max_connections) {
        logger.warning(&format!(
            "open descriptors are limited to {limit}: fewer than --max-connections {} may need (raise the limit, \
             e.g. LimitNOFILE= in a systemd unit)",
            args.max_connections
        ));
    }
    // A panic (a bug) is logged where the logs go, never on standard error.
    let logger = Arc::new(logger);
    let hook_log = Arc::clone(&logger);
    std::panic::set_hook(Box::new(move |info| hook_log.error(&format!("internal error (please report): {info}"))));
    let ctx = Context::new(current, Box::new(StubDns { servers: nameservers }), logger);
    let server = Arc::new(Server::new(ctx, stop, args.max_connections, LIMITS));
    let settings_source = args.settings.clone();
    let reload_args = args.clone();
    let spawned = signals::spawn_handler(
        blocked,
        Arc::clone(&server),
        "reloading the settings failed unexpectedly; the old settings stay",
        move |server| reload(server, &settings_source, &reload_args, &cache),
    );
    if let Err(e) = spawned {
        return fail(&server.service.log, EXIT_START, &format!("cannot start the signal thread: {e}"));
    }
    match listener {
        Some(l) => server.run_listener(l, (), timeout),
        None => {
            if let Err(e) = server::run_stdio(&server) {
                return fail(&server.service.log, EXIT_START, &format!("standard input and output: {e}"));
            }
        }
    }
    server.service.log.info("stopped");
    ExitCode::SUCCESS
}

/// SIGHUP: the settings file again; a broken one keeps the settings in
/// force. The log file is reopened too.
fn reload(server: &Server<Context>, source: &SettingsSource, args: &PolicydArgs, cache: &Arc<spfkit::RecordCache>) {
    let log = &server.service.log;
    if let Err(e) = log.reopen() {
        log.warning(&format!("reopening the log file: {e}; still writing to the old one"));
    }
    if *source == SettingsSource::Defaults {
        log.info("SIGHUP: no settings file to reload (no --config)");
        return;
    }
    match load_settings(source) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                log.warning(w);
            }
            let next = current(loaded, args, cache);
            let log_only = next.policy.settings().rules.log_only;
            server.service.replace(next);
            log.info(&format!(
                "settings reloaded from {}{}; messages from now on use them",
                source_name(source),
                if log_only { " (log-only)" } else { "" }
            ));
        }
        Err(e) => log.warning(&format!("settings not reloaded, the old ones stay in force: {e}")),
    }
}

/// `--check-config`: the settings read as the server would, warnings and
/// errors on standard error, `FILE: ok` on standard output.
fn check_config(args: &PolicydArgs) -> ExitCode {
    match load_settings(&args.settings) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("spfkit policyd: warning: {w}");
            }
            let log_only = if loaded.settings.rules.log_only { " (log-only: nothing is rejected)" } else { "" };
            println!("{}: ok{log_only}", source_name(&args.settings));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spfkit policyd: {e}");
            ExitCode::from(EXIT_SETTINGS as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<PolicydArgs, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        let a = parse(&["--policyd-spf-conf=/etc/p.conf", "--listen", "unix:/run/s.sock", "--socket-mode", "0660"])
            .unwrap();
        assert_eq!(a.settings, SettingsSource::PolicydSpf("/etc/p.conf".into()));
        assert_eq!(a.listen, Some(Listen::Unix("/run/s.sock".into())));
        assert_eq!(a.socket_mode, 0o660);
        let a = parse(&["--nameserver", "127.0.0.1:53", "--nameserver", "::1", "--timeout", "2.5"]).unwrap();
        assert_eq!(a.nameservers.len(), 2);
        assert_eq!(a.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(a.log, LogTo::Syslog("/dev/log".into()));
        assert_eq!(parse(&["--listen", "tcp:[::1]:10023"]).unwrap().listen, Some(Listen::Tcp("[::1]:10023".into())));
        for bad in [
            &["--config", "a", "--policyd-spf-conf", "b"][..],
            &["--listen", "tcp:127.0.0.1"],
            &["--listen", "tcp::25"],
            &["--listen", "unix:"],
            &["--listen", "unix:/a", "--listen", "unix:/b"],
            &["--socket-mode", "0660"],
            &["--listen", "unix:/a", "--socket-mode", "999"],
            &["--max-connections", "0"],
            &["--log-file", "x", "--log-stderr"],
            &["--log-stderr=yes"],
            &["--timeout", "0"],
            &["--bogus"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
