//! postsrsd's own settings, read for migration: 1.x's
//! `/etc/default/postsrsd` (shell assignments, as Debian ships it) and
//! 2.x's `postsrsd.conf` (libconfuse). What spfkit has no use for
//! (`RUN_AS`, `CHROOT`, `unprivileged-user`, ...) is reported as a warning;
//! what it cannot do (`original-envelope = database`, the milter) is an
//! error. Options on the command line win over these.

use std::path::PathBuf;

use crate::daemon::options::{Listen, parse_host_port};

/// What a postsrsd settings file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    /// The SRS domain.
    pub domain: Option<String>,
    /// Domains not rewritten (1.x `SRS_EXCLUDE_DOMAINS`, 2.x `domains`).
    pub local_domains: Vec<String>,
    /// 2.x `domains-file`: read by the caller, one domain a line.
    pub domains_file: Option<PathBuf>,
    /// The first separator.
    pub separator: Option<char>,
    /// Hash characters written.
    pub hash_length: Option<usize>,
    /// Fewest hash characters accepted.
    pub hash_min: Option<usize>,
    /// The secrets file.
    pub secret_file: Option<PathBuf>,
    /// 2.x `socketmap`.
    pub socketmap: Option<Listen>,
    /// 1.x's forward port, as `HOST:PORT`.
    pub tcp_forward: Option<String>,
    /// 1.x's reverse port, as `HOST:PORT`.
    pub tcp_reverse: Option<String>,
    /// 2.x `connection-limit`.
    pub max_connections: Option<usize>,
    /// 2.x `always-rewrite = on`: no domain is local.
    pub always_rewrite: bool,
    /// Settings ignored, worth telling.
    pub warnings: Vec<String>,
}

/// Reads postsrsd 1.x's `/etc/default/postsrsd`: `NAME=value` lines,
/// values bare or in single or double quotes, `#` comments. postsrsd 1.x
/// listens on `SRS_LISTEN_ADDR` (default 127.0.0.1) ports
/// `SRS_FORWARD_PORT` (10001) and `SRS_REVERSE_PORT` (10002).
pub fn read_default(text: &str, file: &str) -> Result<Migrated, String> {
    let mut m = Migrated::default();
    let (mut addr, mut fwd, mut rev) = ("127.0.0.1".to_owned(), "10001".to_owned(), "10002".to_owned());
    for (n, raw) in text.lines().enumerate() {
        let at = |msg: &str| format!("{file}:{}: {msg}", n + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(at("not NAME=value"));
        };
        let value = unquote(value.trim()).ok_or_else(|| at("unbalanced quotes"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|_| at(&format!("{name}: {v:?} is not a number")));
        match name.trim() {
            "SRS_DOMAIN" if !value.is_empty() => m.domain = Some(value),
            "SRS_DOMAIN" => {}
            "SRS_EXCLUDE_DOMAINS" => {
                m.local_domains = value.split([',', ' ']).filter(|d| !d.is_empty()).map(str::to_owned).collect();
            }
            "SRS_SEPARATOR" => m.separator = Some(separator(&value).map_err(|e| at(&e))?),
            "SRS_SECRET" if !value.is_empty() => m.secret_file = Some(value.into()),
            "SRS_HASHLENGTH" => m.hash_length = Some(number(&value)?),
            "SRS_HASHMIN" => m.hash_min = Some(number(&value)?),
            "SRS_FORWARD_PORT" => fwd = value,
            "SRS_REVERSE_PORT" => rev = value,
            "SRS_LISTEN_ADDR" if !value.is_empty() => addr = value,
            "RUN_AS" | "CHROOT" | "SRS_PIDFILE" => m.warnings.push(format!(
                "{file}: {} is not used: spfkit srsd runs as its service manager starts it (systemd User=)",
                name.trim()
            )),
            _ => m.warnings.push(format!("{file}:{}: {} is not a postsrsd 1.x setting; ignored", n + 1, name.trim())),
        }
    }
    let host = if addr.contains(':') && !addr.starts_with('[') { format!("[{addr}]") } else { addr };
    m.tcp_forward = Some(parse_host_port(&format!("{host}:{fwd}")).map_err(|e| format!("{file}: {e}"))?);
    m.tcp_reverse = Some(parse_host_port(&format!("{host}:{rev}")).map_err(|e| format!("{file}: {e}"))?);
    Ok(m)
}

/// A shell word's value: bare, or wholly in single or double quotes.
fn unquote(v: &str) -> Option<String> {
    for q in ['"', '\''] {
        if let Some(rest) = v.strip_prefix(q) {
            return rest.strip_suffix(q).map(str::to_owned);
        }
    }
    // A bare word ends at a comment.
    Some(v.split(" #").next().unwrap_or(v).trim().to_owned())
}

fn separator(v: &str) -> Result<char, String> {
    match v {
        "=" | "+" | "-" => Ok(v.chars().next().unwrap_or('=')),
        _ => Err(format!("separator {v:?}: one of = + -")),
    }
}

/// A libconfuse value: a string or a list of strings.
#[derive(Debug)]
enum Value {
    One(String),
    List(Vec<String>),
}

/// Reads postsrsd 2.x's `postsrsd.conf`.
pub fn read_conf(text: &str, file: &str) -> Result<Migrated, String> {
    let mut m = Migrated::default();
    let mut srs_domain = None;
    let mut domains = Vec::new();
    for (n, name, value) in tokens(text, file)? {
        let at = |msg: &str| format!("{file}:{n}: {msg}");
        let one = || match &value {
            Value::One(s) => Ok(s.clone()),
            Value::List(_) => Err(at(&format!("{name}: a list where one value goes"))),
        };
        let number = || one().and_then(|v| v.parse::<usize>().map_err(|_| at(&format!("{name}: not a number"))));
        let boolean = || {
            one().and_then(|v| match v.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" => Ok(true),
                "off" | "false" | "no" => Ok(false),
                _ => Err(at(&format!("{name}: on or off"))),
            })
        };
        match name.as_str() {
            "srs-domain" => srs_domain = Some(one()?),
            "domains" => {
                domains = match &value {
                    Value::List(l) => l.clone(),
                    Value::One(s) => vec![s.clone()],
                }
            }
            "domains-file" => m.domains_file = Some(one()?.into()),
            "separator" => m.separator = Some(separator(&one()?).map_err(|e| at(&e))?),
            "hash-length" => m.hash_length = Some(number()?),
            "hash-minimum" => m.hash_min = Some(number()?),
            "secrets-file" => m.secret_file = Some(one()?.into()),
            "always-rewrite" => m.always_rewrite = boolean()?,
            "connection-limit" => m.max_connections = Some(number()?),
            "socketmap" => {
                let v = one()?;
                let listen = if let Some(hp) = v.strip_prefix("inet:") {
                    Listen::Tcp(parse_host_port(hp).map_err(|e| at(&e))?)
                } else if let Some(p) = v.strip_prefix("unix:").filter(|p| !p.is_empty()) {
                    Listen::Unix(p.into())
                } else if v.is_empty() {
                    continue;
                } else {
                    return Err(at(&format!("socketmap {v:?}: unix:PATH or inet:HOST:PORT")));
                };
                m.socketmap = Some(listen);
            }
            "original-envelope" if one()?.eq_ignore_ascii_case("database") => {
                return Err(at("original-envelope = database: spfkit srsd writes only embedded (SRS0) addresses"));
            }
            "original-envelope" => {}
            "milter" if !one()?.is_empty() => {
                return Err(at("milter: spfkit srsd serves socketmap and tcp_table, not a milter"));
            }
            "keep-alive"
            | "unprivileged-user"
            | "chroot-dir"
            | "seccomp"
            | "daemonize"
            | "syslog"
            | "debug"
            | "pid-file"
            | "domains-file-watch"
            | "envelope-database"
            | "milter"
            | "milter-rewrite-local"
            | "milter-recipient-limit" => m.warnings.push(format!("{file}:{n}: {name} is not used by spfkit srsd")),
            _ => return Err(at(&format!("{name} is not a postsrsd.conf option"))),
        }
    }
    // postsrsd 2.x: the SRS domain defaults to the first local domain.
    m.domain = srs_domain.or_else(|| domains.first().cloned());
    m.local_domains = domains;
    Ok(m)
}

/// `name = value` settings of a libconfuse file: line number, name, value.
/// Comments `#`, `//` and `/* */`; strings bare, `"..."` (with `\`
/// escapes) or `'...'`; lists `{ a, b }`.
fn tokens(text: &str, file: &str) -> Result<Vec<(usize, String, Value)>, String> {
    let mut words: Vec<(usize, String, bool)> = Vec::new(); // (line, text, quoted)
    let b = text.as_bytes();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'#' => i = text[i..].find('\n').map_or(b.len(), |e| i + e),
            b'/' if b.get(i + 1) == Some(&b'/') => i = text[i..].find('\n').map_or(b.len(), |e| i + e),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").ok_or(format!("{file}:{line}: unterminated comment"))?;
                line += text[i..i + 2 + end].matches('\n').count();
                i += end + 4;
            }
            b'=' | b'{' | b'}' | b',' => {
                words.push((line, (c as char).to_string(), false));
                i += 1;
            }
            b'"' | b'\'' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let Some(&d) = b.get(j) else { return Err(format!("{file}:{line}: unterminated string")) };
                    if d == c {
                        break;
                    }
                    if d == b'\\' && c == b'"' && j + 1 < b.len() {
                        j += 1;
                    }
                    if b[j] == b'\n' {
                        line += 1;
                    }
                    let ch = text[j..].chars().next().unwrap_or('?');
                    s.push(ch);
                    j += ch.len_utf8();
                }
                words.push((line, s, true));
                i = j + 1;
            }
            _ => {
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && !b"={},#\"'".contains(&b[i]) {
                    i += 1;
                }
                words.push((line, text[start..i].to_owned(), false));
            }
        }
    }
    let mut out = Vec::new();
    let mut w = words.into_iter().peekable();
    while let Some((n, name, quoted)) = w.next() {
        let bad = |msg: &str| format!("{file}:{n}: {msg}");
        if quoted || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            return Err(bad(&format!("{name:?} where an option name goes")));
        }
        match w.next() {
            Some((_, eq, false)) if eq == "=" => {}
            _ => return Err(bad(&format!("{name}: '=' expected"))),
        }
        match w.next() {
            Some((_, open, false)) if open == "{" => {
                let mut list = Vec::new();
                loop {
                    match w.next() {
                        Some((_, close, false)) if close == "}" => break,
                        Some((_, comma, false)) if comma == "," => {}
                        Some((_, v, q)) if q || !matches!(v.as_str(), "=" | "{") => list.push(v),
                        _ => return Err(bad(&format!("{name}: an unterminated list"))),
                    }
                }
                out.push((n, name, Value::List(list)));
            }
            Some((_, v, q)) if q || !matches!(v.as_str(), "=" | "{" | "}" | ",") => out.push((n, name, Value::One(v))),
            _ => return Err(bad(&format!("{name}: a value expected"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_default_file() {
        let text = "# comment\nSRS_DOMAIN=example.org\nSRS_EXCLUDE_DOMAINS=.example.com,example.net\nSRS_SEPARATOR==\n\
                    SRS_SECRET=/etc/postsrsd.secret\nSRS_HASHLENGTH=4\nSRS_HASHMIN=4\nSRS_FORWARD_PORT=10001\n\
                    SRS_REVERSE_PORT=10002\nRUN_AS=postsrsd\nSRS_LISTEN_ADDR=127.0.0.1\nCHROOT=/var/lib/postsrsd\n";
        let m = read_default(text, "d").unwrap();
        assert_eq!(m.domain.as_deref(), Some("example.org"));
        assert_eq!(m.local_domains, [".example.com", "example.net"]);
        assert_eq!(m.separator, Some('='));
        assert_eq!(m.tcp_forward.as_deref(), Some("127.0.0.1:10001"));
        assert_eq!(m.tcp_reverse.as_deref(), Some("127.0.0.1:10002"));
        assert_eq!(m.warnings.len(), 2);
        assert!(read_default("SRS_HASHLENGTH=four\n", "d").is_err());
        assert!(read_default("SRS_DOMAIN=\"x\n", "d").is_err());
    }

    #[test]
    fn postsrsd_2_conf() {
        let text = "# c\ndomains = { \"example.org\", example.net }\n/* block\n comment */\n\
                    socketmap = unix:/var/spool/postfix/srs\nsecrets-file = \"/etc/postsrsd.secret\"\n\
                    separator = \"+\" // trailing\nhash-length = 6\nkeep-alive = 30\nconnection-limit = 50\n";
        let m = read_conf(text, "c").unwrap();
        assert_eq!(m.domain.as_deref(), Some("example.org"));
        assert_eq!(m.local_domains, ["example.org", "example.net"]);
        assert_eq!(m.socketmap, Some(Listen::Unix("/var/spool/postfix/srs".into())));
        assert_eq!(m.separator, Some('+'));
        assert_eq!((m.hash_length, m.max_connections), (Some(6), Some(50)));
        assert_eq!(m.warnings.len(), 1);
        let m = read_conf("srs-domain = srs.example\nsocketmap = inet:127.0.0.1:10003\n", "c").unwrap();
        assert_eq!(m.domain.as_deref(), Some("srs.example"));
        assert_eq!(m.socketmap, Some(Listen::Tcp("127.0.0.1:10003".into())));
        for bad in ["bogus = 1", "domains = {", "x", "original-envelope = database", "hash-length = { 1 }", "a = \"b"] {
            assert!(read_conf(bad, "c").is_err(), "{bad}");
        }
    }
}
