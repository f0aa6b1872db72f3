//! `spfkit policyd --policyd-spf-conf FILE`: the settings of a
//! postfix-policyd-spf-python `policyd-spf.conf` (spf-engine 3.0.4, Debian
//! 12's package) as spfkit's, so an administrator can swap the programs
//! and keep the file.
//!
//! # The format, as spf-engine reads it
//!
//! One `Key = value` per line; `#` starts a comment anywhere on a line
//! (a value cannot hold `#`); blank lines are skipped; spaces around the
//! key and the value are not part of them; lines end in LF, CRLF or CR.
//! Keys are case-sensitive, values too (`HELO_reject = fail` is not
//! `Fail`). Where spf-engine logs a line and goes on (no `=`, more than
//! one `=`, an unknown key) or silently reads a value as something else
//! (a misspelt `Fail`, `True` in the wrong case, `Mock = False`), this
//! reader stops with an error naming the file, the line and the key, so a
//! file is never half read. A key set twice is an error too (spf-engine
//! keeps the last). Lists are comma-separated without spaces, as
//! spf-engine requires (`" x"` matched nothing there).
//!
//! # What each key becomes
//!
//! Keys left out take spf-engine's defaults, not spfkit's: without
//! `Header_Type` the header is `Received-SPF` alone, and without
//! `Authserv_Id` (or with `HOSTNAME`) the authserv-id is the host name, as
//! spf-engine's `socket.gethostname()` (read from
//! `/proc/sys/kernel/hostname`).
//!
//! | key | becomes |
//! |---|---|
//! | `HELO_reject` | `helo.reject`: `Fail` `["fail"]`, `Softfail` `["fail", "softfail"]`, `SPF_Not_Pass` `["fail", "softfail", "neutral"]`; `False` `[]` (and no permerror or temperror refusal either, as there); `Null` `[]` (a bounce's MAIL FROM is `postmaster@<HELO>`, whose fail `mail_from.reject` refuses; an error with `Mail_From_reject = False` or `No_Check`); `No_Check` `helo.check = false` |
//! | `Mail_From_reject` | `mail_from.reject` likewise (`Fail`, `Softfail`, `SPF_Not_Pass`, `False`, `No_Check`) |
//! | `PermError_reject = True` | `"permerror"` added to the `reject` of each identity not `False`/`Null`/`No_Check` |
//! | `TempError_Defer = True` | `temperror = "defer"` for the same |
//! | `No_Mail = True` | `only_minus_all = true` for both |
//! | `Reject_Not_Pass_Domains` | `helo.must_pass` (not with `Null`) and `mail_from.must_pass`, with a warning: must-pass also refuses none and permerror |
//! | `skip_addresses` | `skip_networks` (empty: none) |
//! | `Whitelist` | `trusted_relays`: never refused on SPF, as before, but checked and reported |
//! | `Domain_Whitelist` | one `[[forwarder]]` with `domain` each |
//! | `Header_Type` | `header`: `SPF` `"received-spf"` (also when absent), `AR` `"authentication-results"`, `None` `"none"` |
//! | `Authserv_Id` | `authserv_id` (`HOSTNAME`: the host name) |
//! | `TestOnly` | `0`: `log_only = true` (and [`Converted::log_only`]); `1`: nothing |
//! | `Lookup_Time` | [`Converted::timeout`] (1 to 3600 seconds) |
//! | `Void_Limit` | `2` only (spfkit's limit, RFC 7208 §4.6.4), else an error |
//! | `Hide_Receiver` | nothing: spfkit never writes the recipient into a header |
//! | `debugLevel`, `QueueID`, `Reason_Message`, `SPF_Enhanced_Status_Codes = No`, `Whitelist_Lookup_Time`, `defaultSeedOnly` (not `0`), the milter's `Socket`, `PidFile`, `UserID`, `UMask`, `InternalHosts`, `IntHosts`, `MacroList` | a warning each: ignored, nothing in spfkit changes what they changed in a decision |
//! | `HELO_pass_restriction`, `Mail_From_pass_restriction`, `Prospective`, `Per_User`, `HELO_Whitelist`, `Domain_Whitelist_PTR`, `Mock`, `defaultSeedOnly = 0` | an error unless empty (spf-engine's "off"): going on without them would change decisions |
//!
//! A warning also says when bounces (the null sender) are refused on more
//! results than before: spf-engine checks a bounce by HELO alone, under
//! `HELO_reject`; spfkit also checks its MAIL FROM, `postmaster@<HELO>`
//! (RFC 7208 §2.4), under `Mail_From_reject`'s rules.
//!
//! The caller reads the file, and refuses one that is not UTF-8
//! (`std::fs::read_to_string` does, with `ErrorKind::InvalidData`), as
//! spf-engine, which reads it as UTF-8, refuses it too. Past that nothing
//! in the text makes this reader panic: a file over 16 MiB is an error,
//! NUL bytes and other controls are errors like any bad value, and every
//! message quotes at most 64 characters of what it read, escaped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use spfkit::policy::{MAX_FILE, Settings, SettingsError, Value, settings_from_value};

/// A `policyd-spf.conf` as spfkit's settings.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The settings (the global rules; this format has no per-recipient
    /// ones).
    pub settings: Settings,
    /// What was read but has no effect in spfkit, or an effect that
    /// differs from spf-engine's, one line each:
    /// `policyd-spf.conf:3: debugLevel: ignored: ...`.
    pub warnings: Vec<String>,
    /// `Lookup_Time`: the DNS time limit of each check, when set.
    pub timeout: Option<Duration>,
    /// `TestOnly = 0`: decide and report, never reject or defer (also set
    /// in `settings.rules.log_only`).
    pub log_only: bool,
}

/// Settings from the text of a `policyd-spf.conf`; `file` names it in
/// errors and warnings (`policyd-spf.conf:7: HELO_reject: "fail" is not
/// ...`). See the module's documentation for each key.
pub fn settings_from_policyd_spf_conf(text: &str, file: &str) -> Result<Converted, SettingsError> {
    convert(text, file, host_name().as_deref())
}

/// The host name, as Python's `socket.gethostname()` has it (the kernel's
/// node name), when it can be an authserv-id.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    usable_authserv_id(name).then(|| name.to_owned())
}

fn usable_authserv_id(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.bytes().all(|b| b.is_ascii_graphic())
}

/// How spf-engine converts a key's value (its `nameConversion`): Python's
/// `int()` for these, the text for the others.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
}

/// Every key spf-engine 3.0.4's reader knows (policydspfsupp.py), and
/// `QueueID`, which its manual documents but its reader does not know.
const KEYS: &[(&str, Kind)] = &[
    ("debugLevel", Kind::Integer),
    ("HELO_reject", Kind::Text),
    ("Mail_From_reject", Kind::Text),
    ("PermError_reject", Kind::Text),
    ("TempError_Defer", Kind::Text),
    ("Mail_From_pass_restriction", Kind::Text),
    ("HELO_pass_restriction", Kind::Text),
    ("Prospective", Kind::Text),
    ("Whitelist", Kind::Text),
    ("skip_addresses", Kind::Text),
    ("HELO_Whitelist", Kind::Text),
    ("Domain_Whitelist", Kind::Text),
    ("Domain_Whitelist_PTR", Kind::Text),
    ("No_Mail", Kind::Text),
    ("Reject_Not_Pass_Domains", Kind::Text),
    ("Per_User", Kind::Text),
    ("TestOnly", Kind::Integer),
    ("defaultSeedOnly", Kind::Integer),
    ("SPF_Enhanced_Status_Codes", Kind::Text),
    ("Header_Type", Kind::Text),
    ("Hide_Receiver", Kind::Text),
    ("Authserv_Id", Kind::Text),
    ("Lookup_Time", Kind::Integer),
    ("Whitelist_Lookup_Time", Kind::Integer),
    ("Void_Limit", Kind::Integer),
    ("Reason_Message", Kind::Text),
    // Python's bool() of the text: true unless empty.
    ("Mock", Kind::Text),
    ("QueueID", Kind::Text),
    // The milter front end's (pyspf-milter); the policy server ignores them.
    ("Socket", Kind::Text),
    ("PidFile", Kind::Text),
    ("UserID", Kind::Text),
    ("UMask", Kind::Integer),
    ("InternalHosts", Kind::Text),
    ("IntHosts", Kind::Text),
    ("MacroList", Kind::Text),
];

const MILTER_KEYS: &[&str] = &["Socket", "PidFile", "UserID", "UMask", "InternalHosts", "IntHosts", "MacroList"];

/// At most this many characters of what was read go into a message.
const SHOWN: usize = 64;

/// `s` quoted and escaped (no control character reaches a log line), cut
/// at [`SHOWN`] characters.
fn shown(s: &str) -> String {
    let cut: String = s.chars().take(SHOWN).collect();
    let more = if s.chars().nth(SHOWN).is_some() { "..." } else { "" };
    format!("{cut:?}{more}")
}

/// A key as written, for an error about it: bare when it is a plain word.
fn key_shown(s: &str) -> String {
    if !s.is_empty() && s.len() <= SHOWN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        s.to_owned()
    } else {
        shown(s)
    }
}

/// Lines as Python's text-mode `readline` splits them: at LF, CRLF or CR.
struct Lines<'t>(&'t str);

impl<'t> Iterator for Lines<'t> {
    type Item = &'t str;
    fn next(&mut self) -> Option<&'t str> {
        if self.0.is_empty() {
            return None;
        }
        let (line, rest) = match self.0.find(['\n', '\r']) {
            None => (self.0, ""),
            Some(i) => {
                let end = if self.0[i..].starts_with("\r\n") { i + 2 } else { i + 1 };
                (&self.0[..i], &self.0[end..])
            }
        };
        self.0 = rest;
        Some(line)
    }
}

/// A key's value and line.
#[derive(Clone, Copy)]
struct Entry<'t> {
    line: u32,
    value: &'t str,
}

/// The file's keys, each read once.
struct Conf<'t> {
    file: &'t str,
    entries: HashMap<&'static str, Entry<'t>>,
}

impl<'t> Conf<'t> {
    fn error(&self, line: Option<u32>, key: &str, message: impl Into<String>) -> SettingsError {
        SettingsError { file: self.file.to_owned(), line, key: key.to_owned(), message: message.into() }
    }

    fn read(text: &'t str, file: &'t str) -> Result<Conf<'t>, SettingsError> {
        let mut conf = Conf { file, entries: HashMap::new() };
        if text.len() > MAX_FILE {
            return Err(conf.error(None, "(file)", format!("larger than {MAX_FILE} bytes")));
        }
        if text.starts_with('\u{feff}') {
            return Err(conf.error(
                Some(1),
                "(file)",
                "starts with a byte-order mark (U+FEFF), which spf-engine reads as part of the first key, \
                 ignoring that line: save the file without it",
            ));
        }
        for (n, raw) in Lines(text).enumerate() {
            // At most 16 MiB of text: fewer lines than u32 counts.
            let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
            let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if content.is_empty() {
                continue;
            }
            let mut parts = content.splitn(3, '=');
            let name = parts.next().unwrap_or_default().trim();
            let value = match (parts.next(), parts.next()) {
                (Some(value), None) => value.trim(),
                (None, _) => {
                    return Err(conf.error(
                        Some(line),
                        &key_shown(content),
                        "not a \"Key = value\" line (spf-engine ignores it)",
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(conf.error(
                        Some(line),
                        &key_shown(name),
                        "more than one \"=\" on the line: spf-engine ignores such a line (a value cannot hold \"=\")",
                    ));
                }
            };
            let Some(&(key, kind)) = KEYS.iter().find(|(k, _)| *k == name) else {
                let message = match KEYS.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                    Some((k, _)) => {
                        format!("unknown key: keys are case-sensitive, this is not {k} (spf-engine ignores it)")
                    }
                    None => "unknown key (spf-engine ignores it)".to_owned(),
                };
                return Err(conf.error(Some(line), &key_shown(name), message));
            };
            if kind == Kind::Integer && value.parse::<i64>().is_err() {
                return Err(conf.error(
                    Some(line),
                    key,
                    format!("{} is not an integer (spf-engine does not start with it)", shown(value)),
                ));
            }
            if let Some(first) = conf.entries.insert(key, Entry { line, value }) {
                return Err(conf.error(
                    Some(line),
                    key,
                    format!("set twice, first on line {} (spf-engine keeps the last)", first.line),
                ));
            }
        }
        Ok(conf)
    }

    fn get(&self, key: &str) -> Option<Entry<'t>> {
        self.entries.get(key).copied()
    }

    /// An integer key's value (checked by [`Conf::read`]).
    fn int(&self, key: &str) -> Option<(Entry<'t>, i64)> {
        self.get(key).map(|e| (e, e.value.parse().unwrap_or_default()))
    }

    /// `True` or `False`, which spf-engine compares case-sensitively with
    /// `"True"`; absent is `False`.
    fn true_false(&self, key: &str) -> Result<bool, SettingsError> {
        match self.get(key) {
            None => Ok(false),
            Some(Entry { value: "True", .. }) => Ok(true),
            Some(Entry { value: "False", .. }) => Ok(false),
            Some(e) => Err(self.error(
                Some(e.line),
                key,
                format!(
                    "{} is not True or False (case matters: spf-engine reads anything but True as False)",
                    shown(e.value)
                ),
            )),
        }
    }

    /// A comma-separated list; empty for an empty value (spf-engine's
    /// "none").
    fn list(&self, key: &str, e: Entry<'t>) -> Result<Vec<&'t str>, SettingsError> {
        if e.value.is_empty() {
            return Ok(Vec::new());
        }
        e.value
            .split(',')
            .map(|item| {
                if item.is_empty() {
                    Err(self.error(Some(e.line), key, "an empty entry (a stray comma)"))
                } else if item.contains(char::is_whitespace) {
                    Err(self.error(
                        Some(e.line),
                        key,
                        format!(
                            "{} holds a space: entries are separated by commas alone (spf-engine matches nothing \
                             with such an entry)",
                            shown(item)
                        ),
                    ))
                } else {
                    Ok(item)
                }
            })
            .collect()
    }

    /// A list of networks, each checked as spf-engine's Python
    /// `ipaddress` would take it.
    fn networks(&self, key: &str, e: Entry<'t>) -> Result<Value, SettingsError> {
        let items = self.list(key, e)?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            network(item).map_err(|why| self.error(Some(e.line), key, why))?;
            out.push(Value::String(item.to_owned()));
        }
        Ok(Value::Array(out))
    }

    /// A key with no equivalent: an error unless its value is empty
    /// (spf-engine's "off").
    fn unsupported(&self, key: &str, why: &str) -> Result<(), SettingsError> {
        match self.get(key) {
            Some(e) if !e.value.is_empty() => Err(self.error(Some(e.line), key, why)),
            _ => Ok(()),
        }
    }
}

/// Checks a network as spf-engine's `ipaddress.IPv4Network(...)` /
/// `IPv6Network(...)` (strict) does: an address, or an address and a
/// prefix length with no host bits set.
fn network(item: &str) -> Result<(), String> {
    if item.contains("//") {
        return Err(format!(
            "{}: write one \"/\" (spf-engine 3 refuses \"//\" too, and stops reading the list there)",
            shown(item)
        ));
    }
    let (addr, prefix) = item.split_once('/').map_or((item, None), |(a, p)| (a, Some(p)));
    let ip: IpAddr = addr.parse().map_err(|_| format!("{} is not an IP address or network", shown(item)))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match prefix {
        None => max,
        Some(p) if p.contains(['.', ':']) => {
            return Err(format!("{}: write a prefix length (/24), not a netmask", shown(item)));
        }
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|&n| n <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("{}: the prefix length is not 0 to {max}", shown(item)))?,
    };
    let host_bits = match ip {
        IpAddr::V4(a) => u32::from(a).checked_shl(u32::from(len)).unwrap_or(0) != 0,
        IpAddr::V6(a) => u128::from(a).checked_shl(u32::from(len)).unwrap_or(0) != 0,
    };
    if host_bits {
        return Err(format!(
            "{}: bits set past the prefix length (spf-engine refuses such a network at every message, and stops \
             reading the list there)",
            shown(item)
        ));
    }
    Ok(())
}

/// What a result set holds, as bits: the results that refuse, and
/// whether temperror defers.
const FAIL: u8 = 1;
const SOFTFAIL: u8 = 2;
const NEUTRAL: u8 = 4;
const PERMERROR: u8 = 8;
const TEMPERROR: u8 = 16;

const NAMES: [(u8, &str); 5] =
    [(FAIL, "fail"), (SOFTFAIL, "softfail"), (NEUTRAL, "neutral"), (PERMERROR, "permerror"), (TEMPERROR, "temperror")];

/// The `reject` list of `bits` (temperror has its own setting).
fn reject_list(bits: u8) -> Value {
    Value::Array(
        NAMES
            .iter()
            .filter(|(b, _)| bits & b != 0 && *b != TEMPERROR)
            .map(|(_, n)| Value::String((*n).to_owned()))
            .collect(),
    )
}

fn names(bits: u8) -> String {
    NAMES.iter().filter(|(b, _)| bits & b != 0).map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
}

/// `HELO_reject` and `Mail_From_reject`'s values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reject {
    Fail,
    Softfail,
    SpfNotPass,
    Null,
    False,
    NoCheck,
}

impl Reject {
    fn word(self) -> &'static str {
        match self {
            Reject::Fail => "Fail",
            Reject::Softfail => "Softfail",
            Reject::SpfNotPass => "SPF_Not_Pass",
            Reject::Null => "Null",
            Reject::False => "False",
            Reject::NoCheck => "No_Check",
        }
    }

    /// What refuses under this policy, `PermError_reject` and
    /// `TempError_Defer` counted: spf-engine's `_get_resultcodes`.
    fn bits(self, flags: u8) -> u8 {
        match self {
            Reject::Fail | Reject::Null => FAIL | flags,
            Reject::Softfail => FAIL | SOFTFAIL | flags,
            Reject::SpfNotPass => FAIL | SOFTFAIL | NEUTRAL | flags,
            Reject::False | Reject::NoCheck => 0,
        }
    }
}

/// The settings tree being built, and which spf-engine key (and line)
/// each path came from, so core's errors name the key of the file.
struct Tree<'a> {
    file: &'a str,
    value: Value,
    origins: Vec<(String, &'static str, Option<u32>)>,
}

impl Tree<'_> {
    fn set(&mut self, path: &str, value: Value, key: &'static str, line: Option<u32>) -> Result<(), SettingsError> {
        self.value.set_path(path, value).map_err(|why| SettingsError {
            file: self.file.to_owned(),
            line,
            key: key.to_owned(),
            message: format!("cannot set {path}: {why}"),
        })?;
        self.origin(path, key, line);
        Ok(())
    }

    fn origin(&mut self, path: &str, key: &'static str, line: Option<u32>) {
        self.origins.push((path.to_owned(), key, line));
    }

    fn settings(&self) -> Result<Settings, SettingsError> {
        settings_from_value(&self.value, self.file).map_err(|e| {
            let under = |path: &str| {
                e.key.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            };
            match self.origins.iter().filter(|(p, _, _)| under(p)).max_by_key(|(p, _, _)| p.len()) {
                Some((_, key, line)) => SettingsError {
                    file: e.file.clone(),
                    line: *line,
                    key: (*key).to_owned(),
                    message: format!("{} (as spfkit's {})", e.message, e.key),
                },
                None => e,
            }
        })
    }
}

/// [`settings_from_policyd_spf_conf`] with the host name given (`None`:
/// unknown).
fn convert(text: &str, file: &str, host: Option<&str>) -> Result<Converted, SettingsError> {
    let conf = Conf::read(text, file)?;
    let mut tree = Tree { file, value: Value::table(), origins: Vec::new() };
    // (line, text): sorted by line at the end.
    let mut warnings: Vec<(u32, String)> = Vec::new();
    let mut warn = |e: Option<Entry<'_>>, key: &str, text: &str| {
        let line = e.map_or(0, |e| e.line);
        let at = if line > 0 { format!("{file}:{line}") } else { file.to_owned() };
        warnings.push((line, format!("{at}: {key}: {text}")));
    };

    // What refuses, per identity.
    let helo = reject_policy(&conf, "HELO_reject", true)?;
    let mail_from = reject_policy(&conf, "Mail_From_reject", false)?;
    let flags = if conf.true_false("PermError_reject")? { PERMERROR } else { 0 }
        | if conf.true_false("TempError_Defer")? { TEMPERROR } else { 0 };
    let no_mail = conf.true_false("No_Mail")?;
    if helo.0 == Reject::Null && matches!(mail_from.0, Reject::False | Reject::NoCheck) {
        return Err(conf.error(
            helo.1.map(|e| e.line),
            "HELO_reject",
            format!(
                "Null with Mail_From_reject = {}: Null refuses a bounce (the null sender) whose HELO fails, which \
                 spfkit does through the bounce's MAIL FROM, postmaster@<HELO>, and Mail_From_reject = {} refuses \
                 nothing there; use HELO_reject = Fail or False",
                mail_from.0.word(),
                mail_from.0.word()
            ),
        ));
    }
    let must_pass = match conf.get("Reject_Not_Pass_Domains") {
        Some(e) => {
            let domains = conf.list("Reject_Not_Pass_Domains", e)?;
            if !domains.is_empty() {
                warn(
                    Some(e),
                    "Reject_Not_Pass_Domains",
                    "mapped to helo.must_pass and mail_from.must_pass, which refuse every result but pass from \
                     these domains and their subdomains: none and permerror too, which spf-engine accepted (unless \
                     PermError_reject), and whatever No_Mail says",
                );
            }
            Some((e, Value::Array(domains.into_iter().map(|d| Value::String(d.to_owned())).collect())))
        }
        None => None,
    };
    for (prefix, (policy, entry)) in [("helo", helo), ("mail_from", mail_from)] {
        let line = entry.map(|e| e.line);
        let key = if prefix == "helo" { "HELO_reject" } else { "Mail_From_reject" };
        if policy == Reject::NoCheck {
            tree.set(&format!("{prefix}.check"), Value::Bool(false), key, line)?;
            continue;
        }
        // False and Null (HELO alone) refuse nothing on this identity,
        // permerror and temperror included.
        let bits = if policy == Reject::Null { 0 } else { policy.bits(flags) };
        tree.set(&format!("{prefix}.reject"), reject_list(bits), key, line)?;
        let temperror = if bits & TEMPERROR != 0 { "defer" } else { "accept" };
        tree.set(&format!("{prefix}.temperror"), Value::String(temperror.to_owned()), key, line)?;
        if no_mail {
            let line = conf.get("No_Mail").map(|e| e.line);
            tree.set(&format!("{prefix}.only_minus_all"), Value::Bool(true), "No_Mail", line)?;
        }
        // spf-engine applies the domains' rule over False too, not over
        // Null's HELO (a bounce's MAIL FROM is postmaster@<HELO>).
        if let Some((e, domains)) = &must_pass {
            if policy != Reject::Null {
                tree.set(&format!("{prefix}.must_pass"), domains.clone(), "Reject_Not_Pass_Domains", Some(e.line))?;
            }
        }
    }
    // A bounce: spf-engine checks HELO alone, under HELO_reject (not at
    // all under No_Check); spfkit checks MAIL FROM (postmaster@<HELO>,
    // the same evaluation) under mail_from's rules too.
    let bounce_before = match helo.0 {
        Reject::NoCheck | Reject::False => 0,
        policy => policy.bits(flags),
    };
    let bounce_now = if mail_from.0 == Reject::NoCheck { 0 } else { mail_from.0.bits(flags) };
    let more = bounce_now & !bounce_before;
    if more != 0 {
        let key = match (helo.1, mail_from.1) {
            (Some(_), Some(_)) => "HELO_reject, Mail_From_reject",
            (Some(_), None) => "HELO_reject",
            _ => "Mail_From_reject",
        };
        warn(
            helo.1.or(mail_from.1),
            key,
            &format!(
                "a bounce (the null sender) whose HELO name gives {} is now refused: spf-engine checked bounces by \
                 HELO_reject alone; spfkit also checks their MAIL FROM, postmaster@<HELO> (RFC 7208 section 2.4), \
                 under Mail_From_reject's rules",
                names(more)
            ),
        );
    }

    // Who is not checked, or never refused.
    if let Some(e) = conf.get("skip_addresses") {
        tree.set("skip_networks", conf.networks("skip_addresses", e)?, "skip_addresses", Some(e.line))?;
    }
    if let Some(e) = conf.get("Whitelist") {
        tree.set("trusted_relays", conf.networks("Whitelist", e)?, "Whitelist", Some(e.line))?;
    }
    if let Some(e) = conf.get("Domain_Whitelist") {
        let line = Some(e.line);
        tree.origin("forwarder", "Domain_Whitelist", line);
        for (i, domain) in conf.list("Domain_Whitelist", e)?.into_iter().enumerate() {
            let lower = domain.to_ascii_lowercase();
            let lower = lower.strip_suffix('.').unwrap_or(&lower);
            let name = if lower.len() <= 64 && lower.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
                lower.to_owned()
            } else {
                format!("Domain_Whitelist-{}", i + 1)
            };
            tree.set(&format!("forwarder[{i}].name"), Value::String(name), "Domain_Whitelist", line)?;
            let domain = Value::String(domain.to_owned());
            tree.set(&format!("forwarder[{i}].domain"), domain, "Domain_Whitelist", line)?;
        }
    }

    // Headers.
    let header = match conf.get("Header_Type") {
        None | Some(Entry { value: "SPF", .. }) => "received-spf",
        Some(Entry { value: "AR", .. }) => "authentication-results",
        Some(Entry { value: "None", .. }) => "none",
        Some(e) => {
            return Err(conf.error(
                Some(e.line),
                "Header_Type",
                format!(
                    "{} is not SPF, AR or None (case matters: spf-engine reads a value holding \"AR\" as AR, any \
                     other as SPF)",
                    shown(e.value)
                ),
            ));
        }
    };
    let line = conf.get("Header_Type").map(|e| e.line);
    tree.set("header", Value::String(header.to_owned()), "Header_Type", line)?;
    match conf.get("Authserv_Id") {
        Some(e) if e.value != "HOSTNAME" => {
            tree.set("authserv_id", Value::String(e.value.to_owned()), "Authserv_Id", Some(e.line))?;
        }
        e => match host.filter(|h| usable_authserv_id(h)) {
            Some(h) => tree.set("authserv_id", Value::String(h.to_owned()), "Authserv_Id", e.map(|e| e.line))?,
            None => warn(
                e,
                "Authserv_Id",
                "spf-engine uses the host name (HOSTNAME, its default), which could not be read here: \
                 authserv_id stays \"unknown\"; write Authserv_Id = <this host's name>",
            ),
        },
    }

    // Test mode.
    let mut log_only = false;
    if let Some((e, n)) = conf.int("TestOnly") {
        match n {
            0 => {
                log_only = true;
                tree.set("log_only", Value::Bool(true), "TestOnly", Some(e.line))?;
            }
            1 => {}
            _ => {
                return Err(conf.error(
                    Some(e.line),
                    "TestOnly",
                    "must be 0 (test only: never reject or defer) or 1 (normal operation)",
                ));
            }
        }
    }
    if let Some((e, n)) = conf.int("defaultSeedOnly") {
        if n == 0 {
            return Err(conf.error(
                Some(e.line),
                "defaultSeedOnly",
                "0 asks for test mode under TestOnly's old name, which spf-engine 3.0.4 reads but never uses \
                 (TestOnly, default 1, decides): this file ran in normal operation; write TestOnly = 0 for test \
                 mode, or remove the line",
            ));
        }
        warn(
            Some(e),
            "defaultSeedOnly",
            "ignored: TestOnly's old name, which spf-engine 3.0.4 reads but never uses (TestOnly decides)",
        );
    }

    // DNS.
    let mut timeout = None;
    if let Some((e, n)) = conf.int("Lookup_Time") {
        if !(1..=3600).contains(&n) {
            return Err(conf.error(
                Some(e.line),
                "Lookup_Time",
                "must be 1 to 3600 seconds (spf-engine reads 0 or less as no overall limit; spfkit always has one)",
            ));
        }
        timeout = Some(Duration::from_secs(n.unsigned_abs()));
    }
    if let Some((e, n)) = conf.int("Void_Limit") {
        if n != 2 {
            return Err(conf.error(
                Some(e.line),
                "Void_Limit",
                "spfkit keeps RFC 7208's limit of 2 void lookups (section 4.6.4): remove the line",
            ));
        }
    }
    if let Some(e) = conf.get("Whitelist_Lookup_Time") {
        warn(
            Some(e),
            "Whitelist_Lookup_Time",
            "ignored: Domain_Whitelist checks share each decision's DNS time limit (Lookup_Time or --timeout)",
        );
    }

    // Replies and logs.
    match conf.get("SPF_Enhanced_Status_Codes") {
        None | Some(Entry { value: "Yes", .. }) => {}
        Some(e @ Entry { value: "No", .. }) => warn(
            Some(e),
            "SPF_Enhanced_Status_Codes",
            "ignored: spfkit always sends RFC 7372's enhanced status codes (5.7.23, 5.7.24, 4.7.24)",
        ),
        Some(e) => {
            return Err(conf.error(
                Some(e.line),
                "SPF_Enhanced_Status_Codes",
                format!("{} is not Yes or No (case matters)", shown(e.value)),
            ));
        }
    }
    if let Some(e) = conf.get("Reason_Message") {
        warn(
            Some(e),
            "Reason_Message",
            "ignored: spfkit's reply texts are fixed per rule, with the record's own exp= explanation for fail \
             (docs/policy-settings.md, \"Replies\")",
        );
    }
    if let Some(e) = conf.get("debugLevel") {
        warn(Some(e), "debugLevel", "ignored: logging is spfkit's own (one line per decision, docs/postfix.md)");
    }
    if let Some(e) = conf.get("QueueID") {
        warn(
            Some(e),
            "QueueID",
            "ignored: logging is spfkit's own (spf-engine 3.0.4's reader does not know this key either)",
        );
    }
    for &key in MILTER_KEYS {
        if let Some(e) = conf.get(key) {
            warn(Some(e), key, "ignored: a setting of spf-engine's milter, which its policy server ignores too");
        }
    }
    // Hide_Receiver: spf-engine hides the recipient's domain (or
    // address); spfkit never writes the recipient into a header.

    // No equivalent: going on without them would change decisions.
    for key in ["HELO_pass_restriction", "Mail_From_pass_restriction"] {
        conf.unsupported(
            key,
            "no equivalent: spf-engine answers this restriction class on a pass, spfkit never does; see \
             docs/receiver-policy.md, \"From postfix-policyd-spf-python\", or remove the line",
        )?;
    }
    conf.unsupported(
        "Prospective",
        "no equivalent: spf-engine checks every message as if sent from this address (for an outbound relay), \
         spfkit checks the real client; keep postfix-policyd-spf-python for that service",
    )?;
    conf.unsupported(
        "Per_User",
        "per-recipient settings are [address.\"user@domain\"] tables of a TOML settings file (--config): \
         convert that file by hand (docs/postfix.md)",
    )?;
    conf.unsupported(
        "HELO_Whitelist",
        "no equivalent (it trusts a client whose HELO name is listed and resolves to its address): list those \
         hosts' addresses in Whitelist, or their domains in Domain_Whitelist if they publish SPF",
    )?;
    conf.unsupported(
        "Domain_Whitelist_PTR",
        "no equivalent (it trusts an unverified PTR name, which the client's owner controls): list those \
         forwarders' addresses in Whitelist, or their domains in Domain_Whitelist if they publish SPF",
    )?;
    conf.unsupported(
        "Mock",
        "an instance with Mock set (to any value but an empty one, \"False\" too) answers DUNNO to every request \
         and checks nothing: remove its check_policy_service line instead of converting it",
    )?;

    let settings = tree.settings()?;
    warnings.sort_by_key(|(line, _)| if *line == 0 { u32::MAX } else { *line });
    Ok(Converted { settings, warnings: warnings.into_iter().map(|(_, w)| w).collect(), timeout, log_only })
}

/// `HELO_reject` or `Mail_From_reject`: spf-engine's default `Fail` when
/// absent.
fn reject_policy<'t>(conf: &Conf<'t>, key: &str, helo: bool) -> Result<(Reject, Option<Entry<'t>>), SettingsError> {
    let Some(e) = conf.get(key) else {
        return Ok((Reject::Fail, None));
    };
    let policy = match e.value {
        "Fail" => Reject::Fail,
        "Softfail" => Reject::Softfail,
        "SPF_Not_Pass" => Reject::SpfNotPass,
        "Null" if helo => Reject::Null,
        "False" => Reject::False,
        "No_Check" => Reject::NoCheck,
        other => {
            let words = if helo {
                "Fail, Softfail, SPF_Not_Pass, Null, False or No_Check"
            } else {
                "Fail, Softfail, SPF_Not_Pass, False or No_Check"
            };
            let message = if !helo && other == "Null" {
                "Null is a value of HELO_reject alone: spf-engine reads it here as refusing nothing".to_owned()
            } else {
                format!(
                    "{} is not {words} (case matters: spf-engine reads any other value as refusing nothing)",
                    shown(other)
                )
            };
            return Err(conf.error(Some(e.line), key, message));
        }
    };
    Ok((policy, Some(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use spfkit::policy::{Cidr, ForwarderKind, HeaderForm, IdentityRules, Rules, TempErrorAction};
    use spfkit::{ResultSet, SpfResult};

    /// Debian 12's /etc/postfix-policyd-spf-python/policyd-spf.conf
    /// (postfix-policyd-spf-python 3.0.4-2), as shipped.
    const STOCK: &str = include_str!("../../../../tests/policyd/policyd-spf.conf");
    /// The package's policyd-spf.conf.commented, decompressed.
    const COMMENTED: &str = include_str!("../../../../tests/policyd/policyd-spf.conf.commented");
    const HOST: &str = "mx.test.example";
    const FILE: &str = "policyd-spf.conf";

    use SpfResult::{Fail, Neutral, PermError, SoftFail};

    fn load(text: &str) -> Converted {
        convert(text, FILE, Some(HOST)).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn fails(text: &str) -> SettingsError {
        match convert(text, FILE, Some(HOST)) {
            Ok(c) => panic!("{text:?} loaded: {:?}", c.settings),
            Err(e) => e,
        }
    }

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn rules(check: bool, reject: &[SpfResult], temperror: TempErrorAction) -> IdentityRules {
        IdentityRules { check, reject: ResultSet::of(reject), temperror, only_minus_all: false, must_pass: Vec::new() }
    }

    const ACCEPT: TempErrorAction = TempErrorAction::Accept;
    const DEFER: TempErrorAction = TempErrorAction::Defer;

    /// Every field compared (a field added to Settings breaks this until
    /// it is compared too).
    fn assert_same(got: &Settings, want: &Settings) {
        let Settings {
            rules,
            domains,
            addresses,
            recipient_delimiter,
            skip_networks,
            trusted_relays,
            skip_authenticated,
            header,
            authserv_id,
            hide_receiver,
            best_guess,
        } = got;
        assert_eq!(rules, &want.rules);
        assert_eq!(domains, &want.domains);
        assert_eq!(addresses, &want.addresses);
        assert_eq!(recipient_delimiter, &want.recipient_delimiter);
        assert_eq!(skip_networks, &want.skip_networks);
        assert_eq!(trusted_relays, &want.trusted_relays);
        assert_eq!(skip_authenticated, &want.skip_authenticated);
        assert_eq!(header, &want.header);
        assert_eq!(authserv_id, &want.authserv_id);
        assert_eq!(hide_receiver, &want.hide_receiver);
        assert_eq!(best_guess.is_some(), want.best_guess.is_some());
    }

    /// What Debian's stock file means, written out by hand.
    fn stock_settings(authserv_id: &str) -> Settings {
        Settings {
            rules: Rules {
                helo: rules(true, &[Fail], ACCEPT),
                mail_from: rules(true, &[Fail], ACCEPT),
                forwarders: Vec::new(),
                never_reject_without_forwarders: false,
                log_only: false,
                ..Rules::default()
            },
            domains: HashMap::new(),
            addresses: HashMap::new(),
            recipient_delimiter: "+".to_owned(),
            // 127.0.0.0/8,::ffff:127.0.0.0/104,::1: the IPv4-mapped network
            // is IPv4's, as clients are matched.
            skip_networks: vec![cidr("127.0.0.0/8"), cidr("127.0.0.0/8"), cidr("::1/128")],
            trusted_relays: Vec::new(),
            // spfkit's default: spf-engine has no such key (docs/postfix.md).
            skip_authenticated: true,
            // spf-engine's default, Received-SPF alone.
            header: HeaderForm::ReceivedSpf,
            authserv_id: authserv_id.to_owned(),
            hide_receiver: false,
            best_guess: None,
        }
    }

    #[test]
    fn debians_stock_file_loads_as_shipped() {
        let c = load(STOCK);
        assert_same(&c.settings, &stock_settings(HOST));
        assert_eq!(
            c.warnings,
            [
                "policyd-spf.conf:3: debugLevel: ignored: logging is spfkit's own (one line per decision, docs/postfix.md)"
            ]
        );
        assert_eq!(c.timeout, None);
        assert!(!c.log_only);
        // Through the public function, with this machine's host name.
        let c = settings_from_policyd_spf_conf(STOCK, FILE).unwrap();
        let host = host_name();
        assert_same(&c.settings, &stock_settings(host.as_deref().unwrap_or("unknown")));
        assert_eq!(c.warnings.len(), if host.is_some() { 1 } else { 2 }, "{:?}", c.warnings);
        // Without a host name: a warning, and spfkit's "unknown".
        let c = convert(STOCK, FILE, None).unwrap();
        assert_same(&c.settings, &stock_settings("unknown"));
        assert!(
            c.warnings[1].starts_with("policyd-spf.conf: Authserv_Id: spf-engine uses the host name"),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn the_commented_example_loads_too() {
        let c = load(COMMENTED);
        let mut want = stock_settings("HEADER");
        // Its live lines: Hide_Receiver = Yes (nothing to do) and
        // Authserv_Id = HEADER (taken as written, as spf-engine does).
        want.authserv_id = "HEADER".to_owned();
        assert_same(&c.settings, &want);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].starts_with("policyd-spf.conf:3: debugLevel: "));
    }

    #[test]
    fn helo_reject_values() {
        let cases: [(&str, IdentityRules); 6] = [
            ("Fail", rules(true, &[Fail], ACCEPT)),
            ("Softfail", rules(true, &[Fail, SoftFail], ACCEPT)),
            ("SPF_Not_Pass", rules(true, &[Fail, SoftFail, Neutral], ACCEPT)),
            ("Null", rules(true, &[], ACCEPT)),
            ("False", rules(true, &[], ACCEPT)),
            ("No_Check", IdentityRules { check: false, ..IdentityRules::default() }),
        ];
        for (word, want) in cases {
            let c = load(&format!("HELO_reject = {word}\n"));
            assert_eq!(c.settings.rules.helo, want, "{word}");
            assert_eq!(c.settings.rules.mail_from, rules(true, &[Fail], ACCEPT), "{word}");
        }
    }

    #[test]
    fn mail_from_reject_values() {
        let cases: [(&str, IdentityRules); 5] = [
            ("Fail", rules(true, &[Fail], ACCEPT)),
            ("Softfail", rules(true, &[Fail, SoftFail], ACCEPT)),
            ("SPF_Not_Pass", rules(true, &[Fail, SoftFail, Neutral], ACCEPT)),
            ("False", rules(true, &[], ACCEPT)),
            ("No_Check", IdentityRules { check: false, ..IdentityRules::default() }),
        ];
        for (word, want) in cases {
            let c = load(&format!("Mail_From_reject = {word}\n"));
            assert_eq!(c.settings.rules.mail_from, want, "{word}");
            assert_eq!(c.settings.rules.helo, rules(true, &[Fail], ACCEPT), "{word}");
        }
    }

    #[test]
    fn permerror_and_temperror_flags() {
        let c = load("PermError_reject = True\nTempError_Defer = True\nHELO_reject = SPF_Not_Pass\n");
        assert_eq!(c.settings.rules.helo, rules(true, &[Fail, SoftFail, Neutral, PermError], DEFER));
        assert_eq!(c.settings.rules.mail_from, rules(true, &[Fail, PermError], DEFER));
        // False (and Null's HELO) refuse nothing, flags or not.
        let c =
            load("PermError_reject = True\nTempError_Defer = True\nHELO_reject = False\nMail_From_reject = False\n");
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.settings.rules.helo, rules(true, &[], ACCEPT));
        assert_eq!(c.settings.rules.mail_from, rules(true, &[], ACCEPT));
        let c = load("PermError_reject = True\nTempError_Defer = True\nHELO_reject = Null\n");
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.settings.rules.helo, rules(true, &[], ACCEPT));
        assert_eq!(c.settings.rules.mail_from, rules(true, &[Fail, PermError], DEFER));
        let c = load("PermError_reject = False\nTempError_Defer = False\n");
        assert_same(
            &c.settings,
            &Settings { skip_networks: Settings::default().skip_networks, ..stock_settings(HOST) },
        );
    }

    #[test]
    fn no_mail_and_domains_that_must_pass() {
        let c = load("No_Mail = True\nReject_Not_Pass_Domains = aol.com,Hotmail.COM.\n");
        for r in [&c.settings.rules.helo, &c.settings.rules.mail_from] {
            assert!(r.only_minus_all);
            assert_eq!(r.must_pass, ["aol.com", "hotmail.com"]);
        }
        assert_eq!(c.warnings.len(), 1);
        assert!(
            c.warnings[0].starts_with("policyd-spf.conf:2: Reject_Not_Pass_Domains: mapped to"),
            "{:?}",
            c.warnings
        );
        let c = load("No_Mail = False\nReject_Not_Pass_Domains =\n");
        assert!(!c.settings.rules.helo.only_minus_all && c.settings.rules.helo.must_pass.is_empty());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        // Null's HELO is never refused for a sender; False's is, for these
        // domains (spf-engine applies them over False).
        let c = load("HELO_reject = Null\nReject_Not_Pass_Domains = aol.com\n");
        assert!(c.settings.rules.helo.must_pass.is_empty());
        assert_eq!(c.settings.rules.mail_from.must_pass, ["aol.com"]);
        let c = load("HELO_reject = False\nMail_From_reject = False\nReject_Not_Pass_Domains = aol.com\n");
        assert_eq!(c.settings.rules.helo.must_pass, ["aol.com"]);
        assert_eq!(c.settings.rules.mail_from.must_pass, ["aol.com"]);
    }

    #[test]
    fn networks_and_forwarders() {
        let c = load("skip_addresses =\nWhitelist = 192.0.2.0/24,2001:db8::/32,198.51.100.7,::ffff:203.0.113.0/120\n");
        assert!(c.settings.skip_networks.is_empty());
        assert_eq!(
            c.settings.trusted_relays,
            [cidr("192.0.2.0/24"), cidr("2001:db8::/32"), cidr("198.51.100.7/32"), cidr("203.0.113.0/24")]
        );
        let c = load("skip_addresses = 10.0.0.0/08,::1\n");
        assert_eq!(c.settings.skip_networks, [cidr("10.0.0.0/8"), cidr("::1/128")]);
        let long = format!("{}.example", "a".repeat(60));
        let c = load(&format!("Domain_Whitelist = pobox.com,Trusted-Forwarder.ORG.,{long}\n"));
        let f = &c.settings.rules.forwarders;
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].name.as_str(), &f[0].kind), ("pobox.com", &ForwarderKind::Domain("pobox.com".into())));
        assert_eq!(f[1].name, "trusted-forwarder.org");
        assert_eq!(f[1].kind, ForwarderKind::Domain("trusted-forwarder.org".into()));
        assert_eq!((f[2].name.as_str(), &f[2].kind), ("Domain_Whitelist-3", &ForwarderKind::Domain(long)));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn headers_and_authserv_id() {
        for (word, want) in
            [("SPF", HeaderForm::ReceivedSpf), ("AR", HeaderForm::AuthenticationResults), ("None", HeaderForm::None)]
        {
            assert_eq!(load(&format!("Header_Type = {word}\n")).settings.header, want, "{word}");
        }
        assert_eq!(load("Authserv_Id = mx.example.net\n").settings.authserv_id, "mx.example.net");
        assert_eq!(load("Authserv_Id = HOSTNAME\n").settings.authserv_id, HOST);
        let c = convert("Authserv_Id = HOSTNAME\nHeader_Type = AR\n", FILE, None).unwrap();
        assert_eq!(c.settings.authserv_id, "unknown");
        assert!(c.warnings[0].starts_with("policyd-spf.conf:1: Authserv_Id: spf-engine uses the host name"));
        // A host name that cannot be an authserv-id is not used.
        let c = convert("", FILE, Some("bad host")).unwrap();
        assert_eq!(c.settings.authserv_id, "unknown");
        assert_eq!(c.warnings.len(), 1);
        for hide in ["Yes", "No", "anything"] {
            let c = load(&format!("Hide_Receiver = {hide}\n"));
            assert!(!c.settings.hide_receiver && c.warnings.is_empty(), "{hide}");
        }
    }

    #[test]
    fn test_mode_and_timeouts() {
        let c = load("TestOnly = 0\n");
        assert!(c.log_only && c.settings.rules.log_only);
        let c = load("TestOnly = 1\n");
        assert!(!c.log_only && !c.settings.rules.log_only);
        let c = load("defaultSeedOnly = 1\nTestOnly = 0\n");
        assert!(c.log_only);
        assert!(c.warnings[0].starts_with("policyd-spf.conf:1: defaultSeedOnly: ignored"), "{:?}", c.warnings);
        assert_eq!(load("Lookup_Time = 5\n").timeout, Some(Duration::from_secs(5)));
        assert_eq!(load("Lookup_Time = +3600\n").timeout, Some(Duration::from_secs(3600)));
        let c = load("Void_Limit = 2\n");
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn keys_without_effect_warn() {
        let text = "debugLevel = 5\nQueueID = True\nReason_Message = Message {rejectdefer} due to: {spf}.\n\
                    SPF_Enhanced_Status_Codes = No\nWhitelist_Lookup_Time = 10\nSocket = local:/run/x.sock\n\
                    PidFile = /run/x.pid\nUserID = pyspf-milter\nUMask = 7\nInternalHosts = 127.0.0.1\n\
                    IntHosts = False\nMacroList = daemon_name|ORIGINATING\n";
        let c = load(text);
        let keys: Vec<&str> = c.warnings.iter().map(|w| w.split(": ").nth(1).unwrap()).collect();
        assert_eq!(
            keys,
            [
                "debugLevel",
                "QueueID",
                "Reason_Message",
                "SPF_Enhanced_Status_Codes",
                "Whitelist_Lookup_Time",
                "Socket",
                "PidFile",
                "UserID",
                "UMask",
                "InternalHosts",
                "IntHosts",
                "MacroList"
            ]
        );
        for (i, w) in c.warnings.iter().enumerate() {
            assert!(w.starts_with(&format!("policyd-spf.conf:{}: ", i + 1)), "{w}");
        }
        assert_same(
            &c.settings,
            &Settings { skip_networks: Settings::default().skip_networks, ..stock_settings(HOST) },
        );
        assert!(load("SPF_Enhanced_Status_Codes = Yes\n").warnings.is_empty());
        // Keys with no equivalent are fine when empty: spf-engine's "off".
        let off = "HELO_pass_restriction =\nMail_From_pass_restriction =\nProspective =\nPer_User =\n\
                   HELO_Whitelist =\nDomain_Whitelist_PTR =\nMock =\nDomain_Whitelist =\nWhitelist =\n";
        let c = load(off);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert!(c.settings.rules.forwarders.is_empty() && c.settings.trusted_relays.is_empty());
    }

    #[test]
    fn bounces_refused_on_more_results_are_told() {
        for (text, line, results) in [
            ("HELO_reject = False\n", "1", "fail"),
            ("HELO_reject = No_Check\nPermError_reject = True\n", "1", "fail, permerror"),
            ("Mail_From_reject = Softfail\n", "1", "softfail"),
            ("HELO_reject = Null\nMail_From_reject = SPF_Not_Pass\nTempError_Defer = True\n", "1", "softfail, neutral"),
        ] {
            let c = load(text);
            let w = c.warnings.iter().find(|w| w.contains("a bounce")).unwrap_or_else(|| panic!("{text:?}"));
            assert!(w.starts_with(&format!("policyd-spf.conf:{line}: ")), "{w}");
            assert!(w.contains(&format!("gives {results} is now refused")), "{w}");
        }
        for text in ["", "HELO_reject = SPF_Not_Pass\n", "HELO_reject = Null\n", "Mail_From_reject = No_Check\n"] {
            assert!(load(text).warnings.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn line_ends_comments_and_spaces() {
        let c = load("# a comment\r\n\r\n  TestOnly=0   # test mode\rHELO_reject\t=\tSoftfail\n\n");
        assert!(c.log_only);
        assert_eq!(c.settings.rules.helo.reject, ResultSet::of(&[Fail, SoftFail]));
        // A CR ends a line, as Python reads it: the error is on line 3.
        let e = fails("debugLevel = 1\r\nTestOnly = 1\rHELO_reject = x\n");
        assert_eq!((e.line, e.key.as_str()), (Some(3), "HELO_reject"));
        let c = load("");
        assert_same(
            &c.settings,
            &Settings { skip_networks: Settings::default().skip_networks, ..stock_settings(HOST) },
        );
    }

    /// (file, line, key, part of the message)
    #[test]
    fn errors_name_the_line_and_the_key() {
        let long_domains: Vec<String> = (0..65).map(|i| format!("f{i}.example")).collect();
        let forwarders = format!("Domain_Whitelist = {}\n", long_domains.join(","));
        let cases: Vec<(String, u32, &str, &str)> = vec![
            ("HELO_reject = fail".into(), 1, "HELO_reject", "\"fail\" is not Fail, Softfail, SPF_Not_Pass, Null"),
            ("\nMail_From_reject = Null".into(), 2, "Mail_From_reject", "Null is a value of HELO_reject alone"),
            (
                "Mail_From_reject = SPF_Required".into(),
                1,
                "Mail_From_reject",
                "is not Fail, Softfail, SPF_Not_Pass, False or No_Check",
            ),
            ("HELO_reject =".into(), 1, "HELO_reject", "\"\" is not Fail"),
            ("PermError_reject = true".into(), 1, "PermError_reject", "is not True or False"),
            ("TempError_Defer = 1".into(), 1, "TempError_Defer", "is not True or False"),
            ("No_Mail = yes".into(), 1, "No_Mail", "is not True or False"),
            (
                "HELO_reject = Null\nMail_From_reject = False".into(),
                1,
                "HELO_reject",
                "Null with Mail_From_reject = False",
            ),
            (
                "Mail_From_reject = No_Check\nHELO_reject = Null".into(),
                2,
                "HELO_reject",
                "Null with Mail_From_reject = No_Check",
            ),
            ("skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0//104,::1".into(), 1, "skip_addresses", "write one \"/\""),
            ("skip_addresses = 10.0.0.1/8".into(), 1, "skip_addresses", "bits set past the prefix length"),
            ("skip_addresses = 10.0.0.0/255.0.0.0".into(), 1, "skip_addresses", "not a netmask"),
            ("skip_addresses = 10.0.0.0/8, 192.0.2.0/24".into(), 1, "skip_addresses", "holds a space"),
            ("skip_addresses = 10.0.0.0/8,".into(), 1, "skip_addresses", "an empty entry"),
            ("skip_addresses = 10.0.0.0/33".into(), 1, "skip_addresses", "prefix length is not 0 to 32"),
            ("skip_addresses = 2001:db8::/129".into(), 1, "skip_addresses", "prefix length is not 0 to 128"),
            ("skip_addresses = 10.0.0.0/-8".into(), 1, "skip_addresses", "prefix length is not 0 to 32"),
            ("Whitelist = mail.example.com".into(), 1, "Whitelist", "is not an IP address or network"),
            ("Whitelist = [::1]".into(), 1, "Whitelist", "is not an IP address or network"),
            (
                "Reject_Not_Pass_Domains = aol.com,not..valid".into(),
                1,
                "Reject_Not_Pass_Domains",
                "(as spfkit's helo.must_pass[1])",
            ),
            (
                "Domain_Whitelist = pobox.com,localhost".into(),
                1,
                "Domain_Whitelist",
                "(as spfkit's forwarder[1].domain)",
            ),
            (forwarders, 1, "Domain_Whitelist", "more than 64 forwarders (as spfkit's forwarder)"),
            (
                "Authserv_Id = mx example".into(),
                1,
                "Authserv_Id",
                "without spaces (a host name) (as spfkit's authserv_id)",
            ),
            ("Authserv_Id =".into(), 1, "Authserv_Id", "cannot be empty"),
            ("Header_Type = Both".into(), 1, "Header_Type", "\"Both\" is not SPF, AR or None"),
            ("Header_Type = ar".into(), 1, "Header_Type", "is not SPF, AR or None"),
            ("TestOnly = 2".into(), 1, "TestOnly", "must be 0"),
            ("TestOnly = yes".into(), 1, "TestOnly", "\"yes\" is not an integer"),
            ("debugLevel = high".into(), 1, "debugLevel", "is not an integer"),
            ("UMask = 0o7".into(), 1, "UMask", "is not an integer"),
            ("Lookup_Time = 99999999999999999999".into(), 1, "Lookup_Time", "is not an integer"),
            ("defaultSeedOnly = 0".into(), 1, "defaultSeedOnly", "never uses"),
            ("Lookup_Time = 0".into(), 1, "Lookup_Time", "1 to 3600 seconds"),
            ("Lookup_Time = 3601".into(), 1, "Lookup_Time", "1 to 3600 seconds"),
            ("Void_Limit = 3".into(), 1, "Void_Limit", "limit of 2"),
            ("SPF_Enhanced_Status_Codes = no".into(), 1, "SPF_Enhanced_Status_Codes", "is not Yes or No"),
            ("HELO_pass_restriction = helo_passed_spf".into(), 1, "HELO_pass_restriction", "no equivalent"),
            (
                "Mail_From_pass_restriction = spf_fin, passed_spf".into(),
                1,
                "Mail_From_pass_restriction",
                "no equivalent",
            ),
            ("Prospective = 192.168.0.4".into(), 1, "Prospective", "no equivalent"),
            ("Per_User = text,/etc/pypolicyd-spf/userconf".into(), 1, "Per_User", "[address.\"user@domain\"]"),
            ("HELO_Whitelist = relay.example.com".into(), 1, "HELO_Whitelist", "no equivalent"),
            ("Domain_Whitelist_PTR = yahoo.com".into(), 1, "Domain_Whitelist_PTR", "no equivalent"),
            ("Mock = False".into(), 1, "Mock", "\"False\" too"),
            ("Unknown_Key = 1".into(), 1, "Unknown_Key", "unknown key"),
            ("helo_reject = Fail".into(), 1, "helo_reject", "case-sensitive, this is not HELO_reject"),
            ("Syslog = True".into(), 1, "Syslog", "unknown key"),
            ("= Fail".into(), 1, "\"\"", "unknown key"),
            ("HELO_pass_restriction".into(), 1, "HELO_pass_restriction", "not a \"Key = value\" line"),
            ("Reason_Message = a=b".into(), 1, "Reason_Message", "more than one \"=\""),
            ("TestOnly = 1\n\n TestOnly = 1".into(), 3, "TestOnly", "set twice, first on line 1"),
            ("\u{feff}debugLevel = 1".into(), 1, "(file)", "byte-order mark"),
        ];
        for (text, line, key, part) in &cases {
            let e = fails(text);
            assert_eq!((e.line, e.key.as_str()), (Some(*line), *key), "{text:?}: {e}");
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("{FILE}:{line}: {key}: ")), "{shown}");
            assert!(shown.contains(part), "{text:?}: {shown}");
        }
    }

    /// No panic, and every message short and free of control characters.
    fn survives(text: &str) -> Result<Converted, SettingsError> {
        let r = convert(text, FILE, Some(HOST));
        let lines = match &r {
            Ok(c) => c.warnings.clone(),
            Err(e) => vec![e.to_string()],
        };
        for l in lines {
            assert!(l.len() < 1024, "{} bytes: {}...", l.len(), &l[..200]);
            assert!(!l.contains(char::is_control), "{l:?}");
        }
        r
    }

    #[test]
    fn hostile_input() {
        let mb = "A".repeat(1 << 20);
        for text in [
            mb.clone(),
            format!("{mb} = 1"),
            format!("Authserv_Id = {mb}"),
            format!("HELO_reject = {mb}"),
            format!("Lookup_Time = {}", "9".repeat(1 << 20)),
            format!("skip_addresses = {}", "1".repeat(1 << 20)),
            format!("skip_addresses = {}", "127.0.0.1,".repeat(100_000)),
            format!("Reject_Not_Pass_Domains = {}", "a.example,".repeat(100_000)),
            format!("Domain_Whitelist = {}", ",".repeat(1 << 20)),
            format!("Reason_Message = {}", "=".repeat(1 << 20)),
            "HELO\0reject = Fail".to_owned(),
            "HELO_reject = Fail\0".to_owned(),
            "Authserv_Id = mx\0evil".to_owned(),
            "Authserv_Id = mx\u{1b}[31m".to_owned(),
            "skip_addresses = 127.0.0.1\0".to_owned(),
            "Domain_Whitelist = pobox.com\u{7f}".to_owned(),
            "\u{2028}HELO_reject\u{85} = Fail\u{a0}".to_owned(),
            "Header_Type = \u{202e}RA".to_owned(),
            "\0\0\0".to_owned(),
            "#\0\n\0 = \0".to_owned(),
        ] {
            let _ = survives(&text);
        }
        // The largest file read, and one byte more.
        let big = format!("{}\nTestOnly = 0\n", "#".repeat(MAX_FILE - 14));
        assert_eq!(big.len(), MAX_FILE);
        assert!(survives(&big).unwrap().log_only);
        let e = survives(&format!("{big} ")).unwrap_err();
        assert_eq!((e.key.as_str(), e.line), ("(file)", None));
        // Many lines: the line number still counts them.
        let e = survives(&format!("{}Bad = 1\n", "\n".repeat(1_000_000))).unwrap_err();
        assert_eq!(e.line, Some(1_000_001));
    }

    #[test]
    fn random_files_never_panic() {
        // Lines built from spf-engine's keys, values and the characters its
        // reader treats specially, by a fixed pseudo-random sequence.
        let pieces = [
            "HELO_reject",
            "Mail_From_reject",
            "skip_addresses",
            "Whitelist",
            "Domain_Whitelist",
            "Authserv_Id",
            "TestOnly",
            "Lookup_Time",
            "Header_Type",
            "Reject_Not_Pass_Domains",
            "PermError_reject",
            "Null",
            "False",
            "True",
            "Fail",
            "AR",
            "0",
            "1",
            "-1",
            "127.0.0.0/8",
            "::1",
            "/",
            "//",
            "=",
            " = ",
            "#",
            ",",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "\0",
            "\u{feff}",
            "é",
            "\u{10ffff}",
            "a.example",
            "HOSTNAME",
            "..",
            "[",
            "]",
        ];
        let mut state: u64 = 0x5eed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut loaded = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next() % 12 {
                text.push_str(pieces[next() % pieces.len()]);
            }
            loaded += usize::from(survives(&text).is_ok());
        }
        assert!(loaded > 100, "{loaded}");
    }
}
