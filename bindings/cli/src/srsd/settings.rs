//! `spfkit srsd`'s options, and the settings they make: the rewriter, the
//! listeners, merged with a postsrsd settings file when one is given (the
//! command line wins).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use spfkit::srs::{Settings, Srs};

use super::maps::{Map, Maps, ReverseBad};
use super::postsrsd_conf::{self, Migrated};
use super::service::Endpoint;
use crate::daemon::options::{
    DEFAULT_MAX_CONNECTIONS, Listen, LogOptions, LogTo, parse_host_port, parse_listen, parse_max_connections,
    parse_socket_mode,
};
use crate::split_flag;

/// A postsrsd settings file to migrate from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Postsrsd {
    /// 1.x's `/etc/default/postsrsd` (`--postsrsd-default`).
    Default(PathBuf),
    /// 2.x's `postsrsd.conf` (`--postsrsd-conf`).
    Conf(PathBuf),
}

/// The arguments of `spfkit srsd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrsdArgs {
    /// `--secret-file`.
    pub secret_file: Option<PathBuf>,
    /// `--domain`.
    pub domain: Option<String>,
    /// `--local-domain`, each.
    pub local_domains: Vec<String>,
    /// `--separator`.
    pub separator: Option<char>,
    /// `--hash-length`.
    pub hash_length: Option<usize>,
    /// `--hash-min`.
    pub hash_min: Option<usize>,
    /// `--max-age` (days).
    pub max_age_days: Option<u32>,
    /// `--url-safe`.
    pub url_safe: bool,
    /// `--refuse-long`.
    pub refuse_long: bool,
    /// `--reverse-bad`.
    pub reverse_bad: ReverseBad,
    /// `--socketmap`.
    pub socketmap: Option<Listen>,
    /// `--tcp-forward HOST:PORT`.
    pub tcp_forward: Option<String>,
    /// `--tcp-reverse HOST:PORT`.
    pub tcp_reverse: Option<String>,
    /// `--socket-mode` (given or not).
    pub socket_mode: Option<u32>,
    /// `--postsrsd-default` or `--postsrsd-conf`.
    pub postsrsd: Option<Postsrsd>,
    /// `--max-connections`.
    pub max_connections: Option<usize>,
    /// Where logs go.
    pub log: LogTo,
    /// `--check-config`.
    pub check_config: bool,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments after `srsd`.
///
/// ```
/// use spfkit_cli::srsd::settings::parse_args;
/// let a = parse_args(["--secret-file", "/etc/postsrsd.secret", "--domain", "fwd.example",
///                     "--socketmap", "unix:/var/spool/postfix/srs"].map(String::from)).unwrap();
/// assert_eq!(a.domain.as_deref(), Some("fwd.example"));
/// assert!(parse_args(["--tcp-forward", "nowhere"].map(String::from)).is_err());
/// ```
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<SrsdArgs, String> {
    let mut args = args.into_iter();
    let mut out = SrsdArgs {
        secret_file: None,
        domain: None,
        local_domains: Vec::new(),
        separator: None,
        hash_length: None,
        hash_min: None,
        max_age_days: None,
        url_safe: false,
        refuse_long: false,
        reverse_bad: ReverseBad::NotFound,
        socketmap: None,
        tcp_forward: None,
        tcp_reverse: None,
        socket_mode: None,
        postsrsd: None,
        max_connections: None,
        log: LogTo::default(),
        check_config: false,
        help: false,
    };
    let mut log = LogOptions::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        let once = |given: bool| if given { Err(format!("{flag} is given once")) } else { Ok(()) };
        let number = |v: String| v.parse::<usize>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--secret-file" => {
                once(out.secret_file.is_some())?;
                out.secret_file = Some(value()?.into());
            }
            "--domain" => {
                once(out.domain.is_some())?;
                out.domain = Some(value()?);
            }
            "--local-domain" => out.local_domains.push(value()?),
            "--separator" => {
                let v = value()?;
                out.separator = match v.as_str() {
                    "=" | "+" | "-" => v.chars().next(),
                    _ => return Err(format!("--separator: {v:?}: one of = + -")),
                };
            }
            "--hash-length" => out.hash_length = Some(number(value()?)?),
            "--hash-min" => out.hash_min = Some(number(value()?)?),
            "--max-age" => {
                out.max_age_days = Some(u32::try_from(number(value()?)?).map_err(|_| "--max-age: too large")?);
            }
            "--url-safe" if inline.is_none() => out.url_safe = true,
            "--refuse-long" if inline.is_none() => out.refuse_long = true,
            "--reverse-bad" => {
                out.reverse_bad = match value()?.as_str() {
                    "notfound" => ReverseBad::NotFound,
                    "perm" => ReverseBad::Perm,
                    v => return Err(format!("--reverse-bad: {v:?}: notfound or perm")),
                }
            }
            "--socketmap" => {
                once(out.socketmap.is_some())?;
                out.socketmap = Some(parse_listen("--socketmap", &value()?)?);
            }
            "--tcp-forward" | "--tcp-reverse" => {
                let hp = parse_host_port(&value()?).map_err(|e| format!("{flag}: {e}"))?;
                let slot = if flag == "--tcp-forward" { &mut out.tcp_forward } else { &mut out.tcp_reverse };
                once(slot.is_some())?;
                *slot = Some(hp);
            }
            "--socket-mode" => out.socket_mode = Some(parse_socket_mode(&value()?)?),
            "--postsrsd-default" | "--postsrsd-conf" => {
                if out.postsrsd.is_some() {
                    return Err("give one of --postsrsd-default and --postsrsd-conf, once".into());
                }
                let path = PathBuf::from(value()?);
                out.postsrsd =
                    Some(if flag == "--postsrsd-conf" { Postsrsd::Conf(path) } else { Postsrsd::Default(path) });
            }
            "--max-connections" => out.max_connections = Some(parse_max_connections(&value()?)?),
            f if log.take(f, inline.as_deref(), &mut value)? => out.log = log.to.clone(),
            "--check-config" if inline.is_none() => out.check_config = true,
            "-h" | "--help" => out.help = true,
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    if out.tcp_forward.is_some() != out.tcp_reverse.is_some() {
        return Err("--tcp-forward and --tcp-reverse go together (tcp_table serves one map per port)".into());
    }
    Ok(out)
}

/// Everything the server runs with.
pub struct Loaded {
    /// The maps.
    pub maps: Maps,
    /// Where to listen, and what each serves.
    pub listen: Vec<(Listen, Endpoint)>,
    /// The postsrsd file that `listen` came from, when the command line
    /// named no listener: sockets from systemd take their place.
    pub listen_from: Option<PathBuf>,
    /// A unix socket's mode.
    pub socket_mode: u32,
    /// The connection limit.
    pub max_connections: usize,
    /// Worth logging.
    pub warnings: Vec<String>,
    /// Where the secrets came from.
    pub secret_file: PathBuf,
}

/// A text file of at most 16 MiB.
fn read_text(path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take((16 << 20) + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > 16 << 20 {
        return Err(format!("{}: larger than 16 MiB", path.display()));
    }
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))
}

/// Reads the postsrsd file (if any) and the secrets, and checks the
/// settings: what the server runs with, or one line saying what is wrong.
pub fn load(args: &SrsdArgs) -> Result<Loaded, String> {
    let m = match &args.postsrsd {
        None => Migrated::default(),
        Some(Postsrsd::Default(p)) => postsrsd_conf::read_default(&read_text(p)?, &p.display().to_string())?,
        Some(Postsrsd::Conf(p)) => postsrsd_conf::read_conf(&read_text(p)?, &p.display().to_string())?,
    };
    let mut warnings = m.warnings.clone();
    let secret_file = args
        .secret_file
        .clone()
        .or(m.secret_file.clone())
        .ok_or("--secret-file is required (or a postsrsd file naming it)")?;
    let (secrets, warning) =
        crate::srs::load_secrets(&secret_file).map_err(|e| format!("{}: {e}", secret_file.display()))?;
    warnings.extend(warning);
    let domain = args.domain.clone().or(m.domain.clone()).ok_or(
        "--domain is required (postsrsd 1.x asks postconf for mydomain when SRS_DOMAIN is empty: give it here)",
    )?;
    let mut settings = Settings::new(domain, b"x");
    settings.secrets = secrets;
    let mut local = if m.always_rewrite { Vec::new() } else { m.local_domains.clone() };
    if let Some(file) = &m.domains_file {
        if !m.always_rewrite {
            let text = read_text(file)?;
            local
                .extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from));
        }
    }
    local.extend(args.local_domains.iter().cloned());
    settings.local_domains = local;
    if let Some(s) = args.separator.or(m.separator) {
        settings.separator = s;
    }
    if let Some(n) = args.hash_length.or(m.hash_length) {
        settings.hash_length = n;
    }
    if let Some(n) = args.hash_min.or(m.hash_min) {
        settings.hash_min = n;
    }
    if let Some(d) = args.max_age_days {
        settings.max_age_days = d;
    }
    settings.url_safe = args.url_safe;
    settings.refuse_long = args.refuse_long;
    let srs = Srs::new(settings).map_err(|e| format!("srs settings: {e}"))?;
    // Listeners from the command line, else the postsrsd file's.
    let mut listen = Vec::new();
    let given = args.socketmap.is_some() || args.tcp_forward.is_some();
    let listen_from = match &args.postsrsd {
        Some(Postsrsd::Default(p) | Postsrsd::Conf(p)) if !given => Some(p.clone()),
        _ => None,
    };
    let (socketmap, fwd, rev) = if given {
        (args.socketmap.clone(), args.tcp_forward.clone(), args.tcp_reverse.clone())
    } else {
        (m.socketmap.clone(), m.tcp_forward.clone(), m.tcp_reverse.clone())
    };
    if let Some(s) = socketmap {
        listen.push((s, Endpoint::Socketmap));
    }
    if let (Some(f), Some(r)) = (fwd, rev) {
        listen.push((Listen::Tcp(f), Endpoint::TcpTable(Map::Forward)));
        listen.push((Listen::Tcp(r), Endpoint::TcpTable(Map::Reverse)));
    }
    if args.socket_mode.is_some() && !listen.iter().any(|(l, _)| matches!(l, Listen::Unix(_))) {
        return Err("--socket-mode goes with a unix socket (--socketmap unix:PATH)".into());
    }
    Ok(Loaded {
        maps: Maps { srs, reverse_bad: args.reverse_bad },
        listen,
        listen_from,
        socket_mode: args.socket_mode.unwrap_or(0o666),
        max_connections: args.max_connections.or(m.max_connections).unwrap_or(DEFAULT_MAX_CONNECTIONS),
        warnings,
        secret_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<SrsdArgs, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        let a = parse(&["--tcp-forward", "127.0.0.1:10001", "--tcp-reverse=127.0.0.1:10002", "--reverse-bad", "perm"])
            .unwrap();
        assert_eq!(a.tcp_reverse.as_deref(), Some("127.0.0.1:10002"));
        assert_eq!(a.reverse_bad, ReverseBad::Perm);
        for bad in [
            &["--tcp-forward", "127.0.0.1:1"][..],
            &["--socketmap", "udp:x"],
            &["--separator", "/"],
            &["--reverse-bad", "x"],
            &["--postsrsd-conf", "a", "--postsrsd-default", "b"],
            &["--log-file", "x", "--log-stderr"],
            &["--domain", "a", "--domain", "b"],
            &["--bogus"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
