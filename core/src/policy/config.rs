//! Settings from a tree of values: the one schema of
//! docs/policy-settings.md, whatever wrote the tree (a TOML file, a JS
//! object, a Python dict). Every key is known or an error; every error
//! names the file, the line (when the tree has lines) and the key.

use core::fmt;
use core::net::IpAddr;
use std::collections::HashMap;
use std::sync::Arc;

use super::settings::{
    Cidr, Forwarder, ForwarderKind, HeaderForm, IdentityOverrides, IprevPolicy, MAX_ADDRESS, MAX_FORWARDERS, MAX_LIST,
    MAX_NAME, MAX_OVERRIDES, Overrides, Prospective, Settings, TempErrorAction, UnacceptablePassOverrides,
};
use crate::domain::valid_name;
use crate::outcome::{ResultSet, SpfResult};
use crate::record::Record;

/// Outbound addresses a prospective check may list: each costs an SPF
/// evaluation of the message.
pub const MAX_OUTBOUND: usize = 16;

/// A settings value, as TOML, JSON, a JS object or a Python dict has it.
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
    /// A list.
    Array(Vec<Value>),
    /// A table: keys in their order, each with the line it is on (0 when
    /// the tree has no lines).
    Table(Vec<(String, u32, Value)>),
    /// A value of a type no setting takes (a float, a date), by its name.
    Other(&'static str),
}

impl Value {
    /// An empty table.
    pub fn table() -> Value {
        Value::Table(Vec::new())
    }

    /// Sets `path` (`log_only`, `mail_from.reject`,
    /// `address."bob@example.net".log_only`, `forwarder[0].name`: keys
    /// joined by `.`, a key with dots or other characters in double
    /// quotes, `[N]` after a key for element N of its list) in this table
    /// to `value`, making the tables and lists on the way: how a host
    /// without nested objects (C) builds settings field by field. Setting
    /// a key twice replaces its value; an index one past a list's end
    /// appends to it (`forwarder[0]`, then `forwarder[1]`: the paths
    /// errors name). On an error the tree is left as it was.
    ///
    /// ```
    /// use spfkit::policy::{settings_from_value, Value};
    /// let mut tree = Value::table();
    /// tree.set_path("mail_from.reject", Value::Array(vec![Value::String("fail".into()), Value::String("softfail".into())])).unwrap();
    /// tree.set_path("address.\"bob@example.net\".log_only", Value::Bool(true)).unwrap();
    /// tree.set_path("forwarder[0].name", Value::String("pobox".into())).unwrap();
    /// tree.set_path("forwarder[0].domain", Value::String("pobox.com".into())).unwrap();
    /// let settings = settings_from_value(&tree, "(built)").unwrap();
    /// assert_eq!(settings.addresses["bob@example.net"].log_only, Some(true));
    /// assert_eq!(settings.rules.forwarders[0].name, "pobox");
    /// assert!(tree.set_path("forwarder[2].name", Value::String("x".into())).is_err());
    /// ```
    pub fn set_path(&mut self, path: &str, value: Value) -> Result<(), String> {
        let steps = split_path(path)?;
        // Every error is found before anything changes.
        check_path(self, &steps)?;
        let mut value = Some(value);
        let mut at = self;
        for (i, step) in steps.iter().enumerate() {
            // What a missing step becomes: the value, or the container the
            // next step goes into.
            let mut fresh = || match steps.get(i + 1) {
                None => value.take().unwrap_or_else(Value::table),
                Some(PathStep::Key(_)) => Value::table(),
                Some(PathStep::Index(_)) => Value::Array(Vec::new()),
            };
            let slot = match (step, at) {
                (PathStep::Key(key), Value::Table(entries)) => {
                    let pos = match entries.iter().position(|(k, _, _)| k == key) {
                        Some(p) => p,
                        None => {
                            entries.push((key.clone(), 0, fresh()));
                            entries.len() - 1
                        }
                    };
                    &mut entries[pos].2
                }
                (PathStep::Index(n), Value::Array(items)) if *n <= items.len() => {
                    if *n == items.len() {
                        items.push(fresh());
                    }
                    &mut items[*n]
                }
                // check_path refused these already.
                _ => return Err(format!("{}: not a table or list", show_path(&steps[..i]))),
            };
            if i + 1 == steps.len() {
                if let Some(v) = value.take() {
                    *slot = v;
                }
                return Ok(());
            }
            at = slot;
        }
        Ok(())
    }

    fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
            Value::Other(t) => t,
        }
    }
}

/// One step of a key path: a table's key, or a list's element.
#[derive(Clone, PartialEq, Eq, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// The steps of a dotted path; `"..."` quotes a key (`\"` and `\\`
/// inside), `[N]` after a key (or another index) is a list's element.
fn split_path(path: &str) -> Result<Vec<PathStep>, String> {
    if path.len() > 1024 {
        return Err("a key path longer than 1024 bytes".to_owned());
    }
    let mut steps = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        let mut key = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => key.push(chars.next().ok_or("an unfinished escape in a key path")?),
                    Some(c) => key.push(c),
                    None => return Err(format!("an unclosed quote in the key path {path:?}")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c == '[' {
                    break;
                }
                key.push(c);
                chars.next();
            }
            if key.is_empty() {
                return Err(format!("an empty key in the key path {path:?}"));
            }
        }
        steps.push(PathStep::Key(key));
        while chars.peek() == Some(&'[') {
            chars.next();
            let mut digits = String::new();
            while let Some(c) = chars.next_if(char::is_ascii_digit) {
                digits.push(c);
            }
            let index = (chars.next() == Some(']') && !digits.is_empty() && digits.len() <= 9)
                .then(|| digits.parse::<usize>().ok())
                .flatten()
                .ok_or_else(|| format!("a malformed index in the key path {path:?}"))?;
            steps.push(PathStep::Index(index));
        }
        match chars.next() {
            None => return Ok(steps),
            Some('.') => {}
            Some(_) => return Err(format!("text after a quoted key or an index in the key path {path:?}")),
        }
    }
}

/// Steps as errors write them: `forwarder[0].name`.
fn show_path(steps: &[PathStep]) -> String {
    let mut s = String::new();
    for step in steps {
        match step {
            PathStep::Key(k) if s.is_empty() => s.push_str(&key_text(k)),
            PathStep::Key(k) => {
                s.push('.');
                s.push_str(&key_text(k));
            }
            PathStep::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    if s.is_empty() { "(top level)".to_owned() } else { s }
}

/// Whether [`Value::set_path`] can follow `steps` from `tree`: every key
/// into a table, every index into a list and at most one past its end.
fn check_path(tree: &Value, steps: &[PathStep]) -> Result<(), String> {
    // None: the steps so far go through what set_path would make.
    let mut at = Some(tree);
    for (i, step) in steps.iter().enumerate() {
        let here = || show_path(&steps[..i]);
        at = match (step, at) {
            (PathStep::Key(_), None) => None,
            (PathStep::Key(key), Some(Value::Table(entries))) => {
                entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
            }
            (PathStep::Key(_), Some(_)) => return Err(format!("{}: not a table", here())),
            (PathStep::Index(0), None) => None,
            (PathStep::Index(n), None) => return Err(format!("{}[{n}]: past the end of a new list", here())),
            (PathStep::Index(n), Some(Value::Array(items))) if *n < items.len() => Some(&items[*n]),
            (PathStep::Index(n), Some(Value::Array(items))) if *n == items.len() => None,
            (PathStep::Index(n), Some(Value::Array(items))) => {
                return Err(format!("{}[{n}]: past the end of the list ({} entries)", here(), items.len()));
            }
            (PathStep::Index(_), Some(_)) => return Err(format!("{}: not a list", here())),
        };
    }
    Ok(())
}

/// Why settings were refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SettingsError {
    /// The file (or what the host calls its source).
    pub file: String,
    /// The line of the key, when known.
    pub line: Option<u32>,
    /// The key's path: `mail_from.reject`, `forwarder[2].name`,
    /// `domain."example.org".iprev`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.file, line, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.key, self.message),
        }
    }
}

impl std::error::Error for SettingsError {}

/// Where in the tree a value is.
struct At<'a> {
    file: &'a str,
    line: u32,
    key: String,
}

impl At<'_> {
    fn error(&self, message: impl Into<String>) -> SettingsError {
        SettingsError {
            file: self.file.to_owned(),
            line: (self.line > 0).then_some(self.line),
            key: self.key.clone(),
            message: message.into(),
        }
    }

    fn child(&self, key: &str, line: u32) -> At<'_> {
        let key = if self.key.is_empty() { key_text(key) } else { format!("{}.{}", self.key, key_text(key)) };
        At { file: self.file, line: if line > 0 { line } else { self.line }, key }
    }

    fn index(&self, i: usize) -> At<'_> {
        At { file: self.file, line: self.line, key: format!("{}[{i}]", self.key) }
    }

    /// [`index`](At::index) of a table element, at its first key's line
    /// (`[[forwarder]]` tables each have their own).
    fn element(&self, i: usize, item: &Value) -> At<'_> {
        let line = match item {
            Value::Table(t) => t.first().map_or(0, |(_, line, _)| *line),
            _ => 0,
        };
        At { line: if line > 0 { line } else { self.line }, ..self.index(i) }
    }
}

/// A key as TOML writes it: bare when it can be, else quoted (escaped, so a
/// hostile key cannot forge a line of the error message).
fn key_text(key: &str) -> String {
    if !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return key.to_owned();
    }
    let mut s = String::from("\"");
    for c in key.chars().take(253) {
        match c {
            '"' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            c if c.is_control() => s.push_str(&format!("\\u{:04X}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Settings from `tree` (the top-level table); `file` names its source in
/// errors.
pub fn settings_from_value(tree: &Value, file: &str) -> Result<Settings, SettingsError> {
    let top = At { file, line: 0, key: String::new() };
    let Value::Table(entries) = tree else {
        return Err(SettingsError {
            file: file.to_owned(),
            line: None,
            key: "(top level)".to_owned(),
            message: format!("must be a table, not {}", tree.type_name()),
        });
    };
    let mut s = Settings::default();
    let mut overrides = Overrides::default();
    check_duplicates(entries, &top)?;
    for (key, line, value) in entries {
        let at = top.child(key, *line);
        match key.as_str() {
            "authserv_id" => {
                let id = text(value, &at, 255)?;
                // RFC 8601 §2.5: a host name, in practice; printable ASCII
                // with no space in any case (headers are ASCII, RFC 5322).
                if !id.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(at.error("must be printable ASCII without spaces (a host name)"));
                }
                s.authserv_id = id;
            }
            "header" => {
                s.header = match word(value, &at)? {
                    "received-spf" => HeaderForm::ReceivedSpf,
                    "authentication-results" => HeaderForm::AuthenticationResults,
                    "both" => HeaderForm::Both,
                    "none" => HeaderForm::None,
                    other => {
                        return Err(
                            at.error(format!("{other:?} is not received-spf, authentication-results, both or none"))
                        );
                    }
                }
            }
            "hide_receiver" => s.hide_receiver = boolean(value, &at)?,
            "recipient_delimiter" => {
                let d = text_or_empty(value, &at, 8)?;
                if d.contains(['@', ' ']) {
                    return Err(at.error("a delimiter cannot be \"@\" or a space"));
                }
                s.recipient_delimiter = d;
            }
            "skip_networks" => s.skip_networks = networks(value, &at)?,
            "trusted_relays" => s.trusted_relays = networks(value, &at)?,
            "skip_authenticated" => s.skip_authenticated = boolean(value, &at)?,
            "best_guess" => {
                let r = text(value, &at, 512)?;
                let record = Record::parse(&r).map_err(|e| at.error(format!("not a valid SPF record: {e}")))?;
                s.best_guess = Some(Arc::new(record));
            }
            "domain" => s.domains = override_tables(value, &at, false)?,
            "address" => s.addresses = override_tables(value, &at, true)?,
            _ => overridable(&mut overrides, key, value, &at, false)?,
        }
    }
    s.rules.apply(&overrides);
    Ok(s)
}

/// Overrides from a table of the keys recipients may override (a host's
/// per-recipient callback gives one); `address_level` allows
/// `prospective`.
pub fn overrides_from_value(tree: &Value, file: &str, address_level: bool) -> Result<Overrides, SettingsError> {
    if !matches!(tree, Value::Table(_)) {
        // Named as settings_from_value names it, not by an empty key.
        let top = At { file, line: 0, key: "(top level)".to_owned() };
        return Err(top.error(format!("must be a table, not {}", tree.type_name())));
    }
    overrides_at(tree, &At { file, line: 0, key: String::new() }, address_level)
}

fn overrides_at(tree: &Value, at: &At<'_>, address_level: bool) -> Result<Overrides, SettingsError> {
    let entries = table(tree, at)?;
    check_duplicates(entries, at)?;
    let mut o = Overrides::default();
    for (key, line, value) in entries {
        overridable(&mut o, key, value, &at.child(key, *line), address_level)?;
    }
    Ok(o)
}

fn check_duplicates(entries: &[(String, u32, Value)], at: &At<'_>) -> Result<(), SettingsError> {
    // A dict or a JS object cannot repeat a key, TOML refuses it: only a
    // host building the tree by hand could, and then which one counts is
    // not obvious.
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    for (key, line, _) in entries {
        if !seen.insert(key.as_str()) {
            return Err(at.child(key, *line).error("set twice"));
        }
    }
    Ok(())
}

fn overridable(
    o: &mut Overrides,
    key: &str,
    value: &Value,
    at: &At<'_>,
    address_level: bool,
) -> Result<(), SettingsError> {
    match key {
        "helo" => o.helo = identity(value, at)?,
        "mail_from" => o.mail_from = identity(value, at)?,
        "forwarder" => o.forwarders = Some(forwarders(value, at)?),
        "never_reject_without_forwarders" => o.never_reject_without_forwarders = Some(boolean(value, at)?),
        "unacceptable_pass" => o.unacceptable_pass = unacceptable(value, at)?,
        "best_guess_policy" => {
            let entries = table(value, at)?;
            check_duplicates(entries, at)?;
            for (k, line, v) in entries {
                let at = at.child(k, *line);
                match k.as_str() {
                    "reject" => o.best_guess_reject = Some(results(v, &at)?),
                    _ => return Err(at.error("unknown key")),
                }
            }
        }
        "iprev" => {
            o.iprev = Some(match word(value, at)? {
                "off" => IprevPolicy::Off,
                "report" => IprevPolicy::Report,
                "require" => IprevPolicy::Require,
                other => return Err(at.error(format!("{other:?} is not off, report or require"))),
            })
        }
        "log_only" => o.log_only = Some(boolean(value, at)?),
        "prospective" if address_level => o.prospective = Some(prospective(value, at)?),
        "prospective" => return Err(at.error("only a recipient address's settings can hold a prospective check")),
        _ => return Err(at.error("unknown key")),
    }
    Ok(())
}

fn identity(value: &Value, at: &At<'_>) -> Result<IdentityOverrides, SettingsError> {
    let mut o = IdentityOverrides::default();
    let entries = table(value, at)?;
    check_duplicates(entries, at)?;
    for (key, line, v) in entries {
        let at = at.child(key, *line);
        match key.as_str() {
            "check" => o.check = Some(boolean(v, &at)?),
            "reject" => o.reject = Some(results(v, &at)?),
            "temperror" => {
                o.temperror = Some(match word(v, &at)? {
                    "accept" => TempErrorAction::Accept,
                    "defer" => TempErrorAction::Defer,
                    other => return Err(at.error(format!("{other:?} is not accept or defer"))),
                })
            }
            "only_minus_all" => o.only_minus_all = Some(boolean(v, &at)?),
            "must_pass" => o.must_pass = Some(domains(v, &at)?),
            _ => return Err(at.error("unknown key")),
        }
    }
    Ok(o)
}

fn unacceptable(value: &Value, at: &At<'_>) -> Result<UnacceptablePassOverrides, SettingsError> {
    let mut o = UnacceptablePassOverrides::default();
    let entries = table(value, at)?;
    check_duplicates(entries, at)?;
    for (key, line, v) in entries {
        let at = at.child(key, *line);
        match key.as_str() {
            "plus_all" => o.plus_all = Some(boolean(v, &at)?),
            "max_addresses" => match v {
                Value::Integer(n) if *n >= 0 => o.max_addresses = Some(*n as u64),
                Value::Integer(_) => return Err(at.error("must be 0 (off) or more")),
                other => return Err(at.error(format!("must be an integer, not {}", other.type_name()))),
            },
            "domains" => o.domains = Some(domains(v, &at)?),
            "reject" => o.reject = Some(boolean(v, &at)?),
            _ => return Err(at.error("unknown key")),
        }
    }
    Ok(o)
}

fn forwarders(value: &Value, at: &At<'_>) -> Result<Vec<Forwarder>, SettingsError> {
    let Value::Array(items) = value else {
        return Err(at.error(format!("must be a list of tables, not {}", value.type_name())));
    };
    if items.len() > MAX_FORWARDERS {
        return Err(at.error(format!("more than {MAX_FORWARDERS} forwarders")));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = at.element(i, item);
        let entries = table(item, &at)?;
        check_duplicates(entries, &at)?;
        // Counted before any value is read, so the error is the same
        // whatever order a dict or an object keeps its keys in.
        let kinds = entries.iter().filter(|(k, _, _)| matches!(k.as_str(), "networks" | "domain" | "address")).count();
        if kinds > 1 {
            return Err(at.error("a forwarder has one of networks, domain or address"));
        }
        let mut name = None;
        let mut kind = None;
        for (key, line, v) in entries {
            let at = at.child(key, *line);
            let k = match key.as_str() {
                "name" => {
                    let n = text(v, &at, MAX_NAME)?;
                    if !n.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
                        return Err(at.error("a name is letters, digits, \".\", \"_\" and \"-\""));
                    }
                    name = Some(n);
                    continue;
                }
                "networks" => ForwarderKind::Networks(networks(v, &at)?),
                "domain" => ForwarderKind::Domain(domain(v, &at)?),
                "address" => ForwarderKind::Address(address(v, &at)?),
                _ => return Err(at.error("unknown key")),
            };
            kind = Some(k);
        }
        let Some(kind) = kind else {
            return Err(at.error("a forwarder needs networks, domain or address"));
        };
        let name = name.ok_or_else(|| at.error("a forwarder needs a name"))?;
        out.push(Forwarder { name, kind });
    }
    Ok(out)
}

fn prospective(value: &Value, at: &At<'_>) -> Result<Prospective, SettingsError> {
    let entries = table(value, at)?;
    check_duplicates(entries, at)?;
    let (mut forward_path, mut outbound) = (None, None);
    for (key, line, v) in entries {
        let at = at.child(key, *line);
        match key.as_str() {
            "forward_path" => forward_path = Some(address(v, &at)?),
            "outbound" => {
                let nets = list(v, &at)?;
                if nets.len() > MAX_OUTBOUND {
                    return Err(
                        at.error(format!("more than {MAX_OUTBOUND} addresses (each is an SPF evaluation per message)"))
                    );
                }
                let mut ips = Vec::with_capacity(nets.len());
                for (i, n) in nets.iter().enumerate() {
                    let at = at.index(i);
                    let s = text(n, &at, 64)?;
                    ips.push(s.parse::<IpAddr>().map_err(|_| at.error(format!("{s:?} is not an IP address")))?);
                }
                if ips.is_empty() {
                    return Err(at.error("needs at least one address"));
                }
                outbound = Some(ips);
            }
            _ => return Err(at.error("unknown key")),
        }
    }
    Ok(Prospective {
        forward_path: forward_path.ok_or_else(|| at.error("needs forward_path"))?,
        outbound: outbound.ok_or_else(|| at.error("needs outbound"))?,
    })
}

fn override_tables(value: &Value, at: &At<'_>, addresses: bool) -> Result<HashMap<String, Overrides>, SettingsError> {
    let entries = table(value, at)?;
    if entries.len() > MAX_OVERRIDES {
        return Err(at.error(format!("more than {MAX_OVERRIDES} entries")));
    }
    let mut out = HashMap::with_capacity(entries.len());
    for (key, line, v) in entries {
        let at = at.child(key, *line);
        let name = if addresses {
            address(&Value::String(key.clone()), &at)?
        } else {
            domain(&Value::String(key.clone()), &at)?
        };
        let o = overrides_at(v, &at, addresses)?;
        if out.insert(name, o).is_some() {
            return Err(at.error("set twice (keys are compared in lower case)"));
        }
    }
    Ok(out)
}

fn table<'v>(value: &'v Value, at: &At<'_>) -> Result<&'v [(String, u32, Value)], SettingsError> {
    match value {
        Value::Table(t) => Ok(t),
        other => Err(at.error(format!("must be a table, not {}", other.type_name()))),
    }
}

fn list<'v>(value: &'v Value, at: &At<'_>) -> Result<&'v [Value], SettingsError> {
    match value {
        Value::Array(items) if items.len() > MAX_LIST => Err(at.error(format!("more than {MAX_LIST} entries"))),
        Value::Array(items) => Ok(items),
        other => Err(at.error(format!("must be a list, not {}", other.type_name()))),
    }
}

fn boolean(value: &Value, at: &At<'_>) -> Result<bool, SettingsError> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(at.error(format!("must be true or false, not {}", other.type_name()))),
    }
}

fn word<'v>(value: &'v Value, at: &At<'_>) -> Result<&'v str, SettingsError> {
    match value {
        Value::String(s) if s.len() <= 64 && !s.contains(|c: char| c.is_control()) => Ok(s),
        Value::String(_) => Err(at.error("not one of the values allowed")),
        other => Err(at.error(format!("must be a string, not {}", other.type_name()))),
    }
}

/// Printable text of 1 to `max` bytes: it may reach a header or a reply.
fn text(value: &Value, at: &At<'_>, max: usize) -> Result<String, SettingsError> {
    let s = text_or_empty(value, at, max)?;
    if s.is_empty() {
        return Err(at.error("cannot be empty"));
    }
    Ok(s)
}

fn text_or_empty(value: &Value, at: &At<'_>, max: usize) -> Result<String, SettingsError> {
    let Value::String(s) = value else {
        return Err(at.error(format!("must be a string, not {}", value.type_name())));
    };
    if s.len() > max {
        return Err(at.error(format!("longer than {max} bytes")));
    }
    if s.chars().any(char::is_control) {
        return Err(at.error("holds a control character (CR, LF, tab, ...)"));
    }
    Ok(s.clone())
}

fn networks(value: &Value, at: &At<'_>) -> Result<Vec<Cidr>, SettingsError> {
    let items = list(value, at)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = at.index(i);
        let s = text(item, &at, 64)?;
        out.push(s.parse::<Cidr>().map_err(|e| at.error(e))?);
    }
    Ok(out)
}

fn results(value: &Value, at: &At<'_>) -> Result<ResultSet, SettingsError> {
    let items = list(value, at)?;
    let mut set = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = at.index(i);
        let name = word(item, &at)?;
        let r = SpfResult::from_name(name).ok_or_else(|| at.error(format!("{name:?} is not an SPF result")))?;
        if matches!(r, SpfResult::Pass | SpfResult::TempError) {
            return Err(
                at.error(format!("{name} cannot reject here (temperror has its own setting, temperror = \"defer\")"))
            );
        }
        set.push(r);
    }
    Ok(ResultSet::of(&set))
}

/// A multi-label name of letters, digits, `-` and `_` (as SPF's
/// `_spf.example.com`), A-labels for IDNs: what a setting names is written
/// into replies and headers, so nothing else passes.
fn ldh_domain(s: &str) -> bool {
    valid_name(s)
        && s.contains('.')
        && s.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// A domain name, lower case, without a trailing dot.
fn domain(value: &Value, at: &At<'_>) -> Result<String, SettingsError> {
    let s = text(value, at, 254)?.to_ascii_lowercase();
    let s = s.strip_suffix('.').unwrap_or(&s).to_owned();
    if !ldh_domain(&s) {
        return Err(at.error(format!("{s:?} is not a domain name")));
    }
    Ok(s)
}

fn domains(value: &Value, at: &At<'_>) -> Result<Vec<String>, SettingsError> {
    let items = list(value, at)?;
    items.iter().enumerate().map(|(i, v)| domain(v, &at.index(i))).collect()
}

/// `local@domain`, lower case: printable ASCII, no space or angle brackets
/// (it may be written into a reply).
fn address(value: &Value, at: &At<'_>) -> Result<String, SettingsError> {
    let s = text(value, at, MAX_ADDRESS)?.to_ascii_lowercase();
    let bad = || at.error(format!("{s:?} is not an address local@domain"));
    let (local, dom) = s.rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty() || !local.bytes().all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:".contains(&b)) {
        return Err(bad());
    }
    let dom = dom.strip_suffix('.').unwrap_or(dom);
    if !ldh_domain(dom) {
        return Err(bad());
    }
    Ok(format!("{local}@{dom}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(entries: Vec<(&str, Value)>) -> Value {
        Value::Table(entries.into_iter().map(|(k, v)| (k.to_owned(), 0, v)).collect())
    }
    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    #[test]
    fn errors_name_the_key() {
        let bad = [
            (t(vec![("nope", Value::Bool(true))]), "nope"),
            (t(vec![("mail_from", t(vec![("reject", Value::Array(vec![s("pass")]))]))]), "mail_from.reject[0]"),
            (t(vec![("helo", t(vec![("reject", Value::Array(vec![s("maybe")]))]))]), "helo.reject[0]"),
            (t(vec![("skip_networks", Value::Array(vec![s("10.0.0.0/33")]))]), "skip_networks[0]"),
            (t(vec![("authserv_id", s("mx\r\nX-Evil: 1"))]), "authserv_id"),
            (
                t(vec![("forwarder", Value::Array(vec![t(vec![("name", s("a b")), ("domain", s("x.example"))])]))]),
                "forwarder[0].name",
            ),
            (
                t(vec![("domain", t(vec![("example.org", t(vec![("prospective", t(vec![]))]))]))]),
                "domain.\"example.org\".prospective",
            ),
            (t(vec![("address", t(vec![("no-at", t(vec![]))]))]), "address.no-at"),
            (t(vec![("skip_networks", Value::Array(vec![s("192.0.2.1"); MAX_LIST + 1]))]), "skip_networks"),
            (t(vec![("log_only", Value::Other("a float"))]), "log_only"),
        ];
        for (tree, key) in bad {
            let e = settings_from_value(&tree, "policy.toml").unwrap_err();
            assert_eq!(e.key, key, "{e}");
            assert!(e.to_string().starts_with("policy.toml: "), "{e}");
            assert!(!e.to_string().contains(['\r', '\n']), "{e}");
        }
    }

    #[test]
    fn overrides_that_are_no_table_are_the_top_level() {
        let e = overrides_from_value(&Value::Array(vec![]), "host", true).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.to_string().as_str()),
            ("(top level)", "host: (top level): must be a table, not a list")
        );
        let e = overrides_from_value(&t(vec![("log_only", s("yes"))]), "host", true).unwrap_err();
        assert_eq!(e.key, "log_only");
    }

    #[test]
    fn paths_build_trees() {
        let mut tree = Value::table();
        tree.set_path("helo.check", Value::Bool(false)).unwrap();
        tree.set_path("helo.temperror", s("defer")).unwrap();
        tree.set_path("domain.\"ex.org\".iprev", s("report")).unwrap();
        tree.set_path("helo.check", Value::Bool(true)).unwrap();
        let st = settings_from_value(&tree, "x").unwrap();
        assert!(st.rules.helo.check);
        assert_eq!(st.rules.helo.temperror, super::super::TempErrorAction::Defer);
        assert!(st.domains.contains_key("ex.org"));
        for bad in ["", "a..b", "a.", "\"open", "\"x\"y", ".a"] {
            assert!(Value::table().set_path(bad, Value::Bool(true)).is_err(), "{bad:?}");
        }
        let mut scalar = Value::table();
        scalar.set_path("log_only", Value::Bool(true)).unwrap();
        assert!(scalar.set_path("log_only.x", Value::Bool(true)).is_err());
        assert!(scalar.set_path("log_only[0]", Value::Bool(true)).is_err());
    }

    #[test]
    fn paths_index_lists() {
        let mut tree = Value::table();
        tree.set_path("forwarder[0].name", s("a")).unwrap();
        tree.set_path("forwarder[0].domain", s("a.example")).unwrap();
        tree.set_path("forwarder[1].name", s("b")).unwrap();
        tree.set_path("forwarder[1].networks", Value::Array(vec![s("192.0.2.0/24")])).unwrap();
        tree.set_path("address.\"x@ex.org\".forwarder[0].name", s("c")).unwrap();
        tree.set_path("address.\"x@ex.org\".forwarder[0].address", s("x@c.example")).unwrap();
        tree.set_path("skip_networks[0]", s("10.0.0.0/8")).unwrap();
        tree.set_path("skip_networks[1]", s("10.0.0.1")).unwrap();
        tree.set_path("skip_networks[0]", s("192.0.2.0/24")).unwrap();
        let st = settings_from_value(&tree, "x").unwrap();
        assert_eq!(st.rules.forwarders.len(), 2);
        assert_eq!(st.rules.forwarders[1].name, "b");
        assert_eq!(st.addresses["x@ex.org"].forwarders.as_ref().unwrap()[0].name, "c");
        assert_eq!(st.skip_networks.len(), 2);
        assert_eq!(st.skip_networks[0], "192.0.2.0/24".parse().unwrap());
        // Errors leave the tree as it was: nothing made on the way.
        let before = tree.clone();
        for bad in [
            "forwarder[3].name",
            "forwarder[0][0]",
            "domain.\"ex.org\".forwarder[1].name",
            "log_only[1]",
            "forwarder[x].name",
            "forwarder[0",
            "forwarder[]",
            "forwarder[0]x",
            "forwarder[1234567890]",
            "skip_networks[0].x",
        ] {
            assert!(tree.set_path(bad, Value::Bool(true)).is_err(), "{bad:?}");
            assert_eq!(tree, before, "{bad:?}");
        }
        let e = tree.set_path("forwarder[5].name", s("z")).unwrap_err();
        assert!(e.starts_with("forwarder[5]: past the end of the list (2 entries)"), "{e}");
        // A key that holds a bracket is quoted.
        let mut quoted = Value::table();
        quoted.set_path("\"a[1]\".b", Value::Bool(true)).unwrap();
        assert_eq!(quoted, t(vec![("a[1]", t(vec![("b", Value::Bool(true))]))]));
    }

    #[test]
    fn a_tree_becomes_settings() {
        let tree = t(vec![
            ("authserv_id", s("mx.example.net")),
            ("mail_from", t(vec![("reject", Value::Array(vec![s("fail"), s("softfail")]))])),
            ("forwarder", Value::Array(vec![t(vec![("name", s("pobox")), ("domain", s("Pobox.COM."))])])),
            ("address", t(vec![("Alice@Example.org", t(vec![("log_only", Value::Bool(true))]))])),
        ]);
        let st = settings_from_value(&tree, "x").unwrap();
        assert_eq!(st.authserv_id, "mx.example.net");
        assert!(st.rules.mail_from.reject.contains(SpfResult::SoftFail));
        assert!(!st.rules.helo.reject.contains(SpfResult::SoftFail));
        assert_eq!(st.rules.forwarders[0].kind, ForwarderKind::Domain("pobox.com".into()));
        assert_eq!(st.addresses["alice@example.org"].log_only, Some(true));
    }
}
