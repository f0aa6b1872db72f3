//! `spfkit srsd`: a Postfix map server rewriting envelope addresses with
//! SRS ([`spfkit::srs`]), in place of postsrsd: socketmap (postsrsd 2.x's
//! `forward` and `reverse` maps) and tcp_table (postsrsd 1.x's two ports).
//!
//! - [`socketmap`], [`tcp_table`]: the protocols, without I/O, bounded.
//! - [`maps`]: forward and reverse, and the answer for each outcome.
//! - [`service`]: what connections share, and each connection's
//!   conversation.
//! - [`settings`]: the options; [`postsrsd_conf`]: postsrsd's own files,
//!   for migration.
//!
//! Connections, limits, logging and signals are [`crate::daemon`]'s, as
//! for `spfkit policyd`.

pub mod maps;
pub mod postsrsd_conf;
pub mod service;
pub mod settings;
pub mod socketmap;
pub mod tcp_table;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use self::service::{Context, Endpoint};
use self::settings::{SrsdArgs, load};
use crate::EXIT_USAGE;
use crate::daemon::connections::{Limits, Server, Shutdown};
use crate::daemon::listener::{Listener, raise_descriptor_limit};
use crate::daemon::options::open_logger;
use crate::daemon::{log, signals};

pub use self::settings::parse_args;

/// Exit status when the settings or the secrets cannot be read or are
/// invalid (at start, and for `--check-config`).
pub const EXIT_SETTINGS: i32 = 3;
/// Exit status when the server cannot start.
pub const EXIT_START: i32 = 1;

/// srsd's time limits. Postfix's socketmap client closes a connection
/// idle for 10 s and its tcp_table client never does; either gives a
/// request and its reply 100 s.
pub const LIMITS: Limits =
    Limits { idle: Duration::from_secs(600), request: Duration::from_secs(100), write: Duration::from_secs(100) };

/// `spfkit srsd --help`.
pub const USAGE: &str = "\
usage: spfkit srsd --secret-file FILE --domain DOMAIN [--local-domain DOMAIN]...
                   [--socketmap unix:PATH|tcp:HOST:PORT [--socket-mode MODE]]
                   [--tcp-forward HOST:PORT --tcp-reverse HOST:PORT]
                   [--postsrsd-default FILE | --postsrsd-conf FILE]
                   [--separator =|+|-] [--hash-length N] [--hash-min N] [--max-age DAYS]
                   [--url-safe] [--refuse-long] [--reverse-bad notfound|perm]
                   [--max-connections N]
                   [--log-file FILE | --log-stderr | --syslog-socket PATH]
                   [--check-config]

A Postfix map server rewriting envelope senders with SRS (as postsrsd
does, byte for byte) and bounces to SRS addresses back to the original.

Maps: --socketmap serves both, named forward and reverse
(socketmap:unix:PATH:forward in main.cf); --tcp-forward and --tcp-reverse
serve one each (tcp:HOST:PORT, postsrsd 1.x's ports). Or the sockets
systemd passes (LISTEN_FDS; FileDescriptorName= forward or reverse for
tcp_table, anything else socketmap).

Answers: forward: the SRS address, or not found when the sender needs no
rewrite (a local domain, already ours, malformed). reverse: the original,
or not found for an address that is not SRS; a forged, expired or broken
SRS address is not found too (the mail bounces as an unknown user) unless
--reverse-bad perm: socketmap's PERM (Postfix 3.7 answers it 451 4.3.5, a
configuration error to it; tcp_table has no PERM: not found). A
temporary error only for internal trouble.

Settings: --secret-file (one secret a line, the first signs; postsrsd's
file), --domain (the SRS domain), --local-domain (not rewritten; repeat;
.example.org for its subdomains). --postsrsd-default FILE reads postsrsd
1.x's /etc/default/postsrsd, --postsrsd-conf FILE postsrsd 2.x's
postsrsd.conf; options given here win.

Logs: syslog (/dev/log or --syslog-socket; facility mail), --log-file or
--log-stderr; a line per lookup. SIGHUP reloads the secrets and settings
(broken ones keep the old) and reopens the log file; SIGTERM finishes the
requests in flight and exits 0.

Exit status: 0 after SIGTERM; 1 when the server cannot start; 2 for bad
arguments; 3 for invalid settings or secrets.
";

/// Runs `spfkit srsd`.
pub fn main(args: SrsdArgs) -> ExitCode {
    if args.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.check_config {
        return check_config(&args);
    }
    log::set_tag("spfkit-srsd");
    // As policyd: signals blocked before anything else and before any
    // thread starts; systemd's descriptors taken before anything opens.
    let blocked = signals::block();
    let inherited = Listener::systemd_named("spfkit srsd", 3);
    let say = |msg: &str| eprintln!("spfkit srsd: {msg}");
    let logger = match open_logger(&args.log, "spfkit srsd", true) {
        Ok(l) => l,
        Err(e) => {
            say(&e);
            return ExitCode::from(EXIT_START as u8);
        }
    };
    let fail = |logger: &log::Logger, code: i32, msg: &str| {
        logger.error(msg);
        if !logger.is_stderr() {
            say(msg);
        }
        ExitCode::from(code as u8)
    };
    let inherited = match inherited {
        Ok(i) => i,
        Err(e) => return fail(&logger, EXIT_START, &e),
    };
    let mut loaded = match load(&args) {
        Ok(l) => l,
        Err(e) => return fail(&logger, EXIT_SETTINGS, &e),
    };
    let blocked = match blocked {
        Ok(b) => b,
        Err(e) => return fail(&logger, EXIT_START, &format!("blocking signals: {e}")),
    };
    let mut listeners: Vec<(Listener, Endpoint)> = Vec::new();
    // A postsrsd file always names listeners (postsrsd.conf's socketmap,
    // 1.x's ports by default): under socket activation systemd's sockets
    // replace them, as the ones given on the command line do not.
    let mut from_file = None;
    if !inherited.is_empty() {
        if let Some(file) = &loaded.listen_from {
            from_file = Some(file.display().to_string());
            loaded.listen.clear();
        }
    }
    match (inherited.is_empty(), loaded.listen.is_empty()) {
        (false, false) => {
            return fail(
                &logger,
                EXIT_USAGE,
                "sockets from systemd (LISTEN_FDS) and --socketmap/--tcp-forward together: use one of them",
            );
        }
        (true, true) => {
            let msg = "nothing to listen on: give --socketmap, or --tcp-forward and --tcp-reverse";
            return fail(&logger, EXIT_USAGE, msg);
        }
        (false, true) => {
            for (l, name) in inherited {
                let endpoint = match name.as_str() {
                    "forward" => Endpoint::TcpTable(maps::Map::Forward),
                    "reverse" => Endpoint::TcpTable(maps::Map::Reverse),
                    _ => Endpoint::Socketmap,
                };
                listeners.push((l, endpoint));
            }
        }
        (true, false) => {
            for (listen, endpoint) in &loaded.listen {
                match listen.bind(loaded.socket_mode) {
                    Ok((l, stale)) => {
                        if stale {
                            logger.info(&format!("{}: a stale socket file was replaced", l.describe()));
                        }
                        listeners.push((l, *endpoint));
                    }
                    Err(e) => return fail(&logger, EXIT_START, &e),
                }
            }
        }
    }
    let stop = match Shutdown::new() {
        Ok(s) => s,
        Err(e) => return fail(&logger, EXIT_START, &format!("socket pair: {e}")),
    };
    let where_ = listeners.iter().map(|(l, e)| format!("{} {}", l.describe(), e.describe())).collect::<Vec<_>>();
    let s = loaded.maps.srs.settings();
    logger.info(&format!(
        "spfkit {} srsd starting: domain {}, {} local domain(s), {} secret(s) from {}; {}; at most {} connections; \
         logging to {}",
        env!("CARGO_PKG_VERSION"),
        s.domain,
        s.local_domains.len(),
        s.secrets.len(),
        loaded.secret_file.display(),
        where_.join(", "),
        loaded.max_connections,
        logger.describe(),
    ));
    eprintln!("spfkit srsd: listening on {}; logging to {}", where_.join(", "), logger.describe());
    for w in &loaded.warnings {
        logger.warning(w);
    }
    if let Some(file) = from_file {
        logger.info(&format!("{file}: its listeners are not used: systemd passed the sockets"));
    }
    for (l, _) in &listeners {
        if l.is_public() {
            logger.warning(&format!(
                "{} accepts connections from other hosts, with no access control: anyone who can reach it can \
                 rewrite through it (prefer 127.0.0.1 or a unix socket)",
                l.describe()
            ));
        }
    }
    if let Some(limit) = raise_descriptor_limit(loaded.max_connections) {
        logger.warning(&format!("open descriptors are limited to {limit}: fewer than the connection limit needs"));
    }
    let logger = Arc::new(logger);
    let hook_log = Arc::clone(&logger);
    std::panic::set_hook(Box::new(move |info| hook_log.error(&format!("internal error (please report): {info}"))));
    let server = Arc::new(Server::new(Context::new(loaded.maps, logger), stop, loaded.max_connections, LIMITS));
    let reload_args = args.clone();
    let spawned = signals::spawn_handler(
        blocked,
        Arc::clone(&server),
        "reloading failed unexpectedly; the old settings stay",
        move |server| reload(server, &reload_args),
    );
    if let Err(e) = spawned {
        return fail(&server.service.log, EXIT_START, &format!("cannot start the signal thread: {e}"));
    }
    let grace = Duration::from_secs(1);
    let mut threads = Vec::new();
    let mut listeners = listeners.into_iter();
    let first = listeners.next();
    for (l, endpoint) in listeners {
        let listening = Arc::clone(&server);
        let t = std::thread::Builder::new()
            .name("spfkit-listen".into())
            .spawn(move || listening.run_listener(l, endpoint, grace));
        match t {
            Ok(t) => threads.push(t),
            Err(e) => return fail(&server.service.log, EXIT_START, &format!("cannot start a listener thread: {e}")),
        }
    }
    if let Some((l, endpoint)) = first {
        server.run_listener(l, endpoint, grace);
    }
    for t in threads {
        let _ = t.join();
    }
    server.service.log.info("stopped");
    ExitCode::SUCCESS
}

/// SIGHUP: the secrets and settings again; broken ones keep those in
/// force. The log file is reopened too. Listeners stay as they are.
fn reload(server: &Server<Context>, args: &SrsdArgs) {
    let log = &server.service.log;
    if let Err(e) = log.reopen() {
        log.warning(&format!("reopening the log file: {e}; still writing to the old one"));
    }
    match load(args) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                log.warning(w);
            }
            let n = loaded.maps.srs.settings().secrets.len();
            server.service.replace(loaded.maps);
            log.info(&format!(
                "settings reloaded: {n} secret(s) from {}; lookups from now on use them",
                loaded.secret_file.display()
            ));
        }
        Err(e) => log.warning(&format!("settings not reloaded, the old ones stay in force: {e}")),
    }
}

/// `--check-config`: the settings and secrets read as the server would.
fn check_config(args: &SrsdArgs) -> ExitCode {
    match load(args) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("spfkit srsd: warning: {w}");
            }
            let s = loaded.maps.srs.settings();
            println!(
                "ok: domain {}, {} secret(s) from {}, {} local domain(s), {} listener(s)",
                s.domain,
                s.secrets.len(),
                loaded.secret_file.display(),
                s.local_domains.len(),
                loaded.listen.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spfkit srsd: {e}");
            ExitCode::from(EXIT_SETTINGS as u8)
        }
    }
}
