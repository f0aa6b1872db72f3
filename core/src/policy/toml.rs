//! Settings files in TOML (feature `policy-toml`): the text becomes a
//! [`Value`] tree with each key's line, then [`settings_from_value`] reads
//! it, so a file and a host's object are checked by the same code.

use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue};

use super::config::{SettingsError, Value, settings_from_value};
use super::settings::Settings;

/// The largest settings file read: 16 MiB (100,000 address overrides fit
/// with room to spare).
pub const MAX_FILE: usize = 16 << 20;

/// Settings from TOML `text`; `file` names it in errors
/// (`policy.toml:12: mail_from.reject[0]: "pass" cannot reject here`).
///
/// ```
/// let text = "authserv_id = \"mx.example.net\"\n[mail_from]\nreject = [\"fail\", \"softfail\"]\n";
/// let settings = spfkit::policy::settings_from_toml(text, "policy.toml").unwrap();
/// assert_eq!(settings.authserv_id, "mx.example.net");
///
/// let err = spfkit::policy::settings_from_toml("[mail_from]\nrejcet = []\n", "policy.toml").unwrap_err();
/// assert_eq!(err.to_string(), "policy.toml:2: mail_from.rejcet: unknown key");
/// ```
pub fn settings_from_toml(text: &str, file: &str) -> Result<Settings, SettingsError> {
    settings_from_value(&value_from_toml(text, file)?, file)
}

/// The [`Value`] tree of TOML `text`, each key with its line.
pub fn value_from_toml(text: &str, file: &str) -> Result<Value, SettingsError> {
    if text.len() > MAX_FILE {
        return Err(SettingsError {
            file: file.to_owned(),
            line: None,
            key: "(file)".to_owned(),
            message: format!("larger than {MAX_FILE} bytes"),
        });
    }
    let lines = Lines::new(text);
    let table = DeTable::parse(text).map_err(|e| SettingsError {
        file: file.to_owned(),
        line: e.span().map(|s| lines.of(s.start)),
        key: "(syntax)".to_owned(),
        message: one_line(e.message()),
    })?;
    Ok(convert_table(table.get_ref(), &lines))
}

fn convert_table(table: &DeTable<'_>, lines: &Lines) -> Value {
    Value::Table(
        table.iter().map(|(k, v)| (k.get_ref().to_string(), lines.of(k.span().start), convert(v, lines))).collect(),
    )
}

fn convert(v: &Spanned<DeValue<'_>>, lines: &Lines) -> Value {
    match v.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            i64::from_str_radix(i.as_str(), i.radix()).map_or(Value::Other("an integer out of range"), Value::Integer)
        }
        DeValue::Float(_) => Value::Other("a float"),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => Value::Other("a date"),
        DeValue::Array(items) => Value::Array(items.iter().map(|i| convert(i, lines)).collect()),
        DeValue::Table(t) => convert_table(t, lines),
    }
}

/// The parser's message on one line: it may quote the file, and the error
/// goes to a log.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect())
    }

    fn of(&self, offset: usize) -> u32 {
        (self.0.partition_point(|&nl| nl < offset) + 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_line_and_key() {
        let cases = [
            ("authserv_id = \"mx\"\n\n[helo]\nreject = [\"fail\", \"pass\"]\n", "p.toml:4: helo.reject[1]:"),
            (
                "[[forwarder]]\nname = \"a\"\nnetworks = [\"10.0.0.0/8\", \"300.1.1.1\"]\n",
                "p.toml:3: forwarder[0].networks[1]:",
            ),
            ("skip_networks = \"127.0.0.1\"\n", "p.toml:1: skip_networks: must be a list"),
            (
                "[domain.\"example.org\"]\nmail_from = { nope = 1 }\n",
                "p.toml:2: domain.\"example.org\".mail_from.nope: unknown key",
            ),
            ("log_only = 1.5\n", "p.toml:1: log_only: must be true or false, not a float"),
            ("log_only = \n", "p.toml:1: (syntax):"),
            ("[unacceptable_pass]\nmax_addresses = -1\n", "p.toml:2: unacceptable_pass.max_addresses:"),
        ];
        for (text, want) in cases {
            let e = settings_from_toml(text, "p.toml").unwrap_err().to_string();
            assert!(e.starts_with(want), "{e:?} does not start with {want:?}");
            assert!(!e.contains('\n'), "{e:?}");
        }
    }

    #[test]
    fn integers_as_written() {
        let s = settings_from_toml("[unacceptable_pass]\nmax_addresses = 0x1_0000\n", "p").unwrap();
        assert_eq!(s.rules.unacceptable_pass.max_addresses, 65536);
        let e = settings_from_toml("[unacceptable_pass]\nmax_addresses = 99999999999999999999\n", "p").unwrap_err();
        assert_eq!(e.key, "unacceptable_pass.max_addresses");
    }
}
