//! Loading a [`Zone`] from a file: an RFC 1035 master file (BIND zone
//! file), or a JSON/YAML map in the RFC 7208 test suite's `zonedata` form
//! (tests/rfc7208/FORMAT.md).

use std::fmt;
use std::path::Path;

use hickory_proto::rr::{Name, RData as HRData};
use hickory_proto::serialize::txt::Parser;
use serde_json::Value;
use spfkit::{RData, Zone};

/// Files larger than this are refused: a zone for offline checks is small,
/// and reading an unbounded file into memory is not what a user meant.
pub const MAX_ZONE_FILE: u64 = 16 * 1024 * 1024;

/// Why a zone file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError(pub String);

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ZoneError {}

fn err(msg: impl Into<String>) -> ZoneError {
    ZoneError(msg.into())
}

/// The forms a zone file can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneFormat {
    /// RFC 1035 master file.
    Master,
    /// The suite's `zonedata` map as JSON.
    Json,
    /// The suite's `zonedata` map as YAML.
    Yaml,
}

impl ZoneFormat {
    /// Picks the form from the file name, then from the first non-blank
    /// character (`{` is JSON).
    pub fn detect(path: &Path, text: &str) -> ZoneFormat {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => ZoneFormat::Json,
            Some("yaml" | "yml") => ZoneFormat::Yaml,
            _ if text.trim_start().starts_with('{') => ZoneFormat::Json,
            _ => ZoneFormat::Master,
        }
    }
}

/// Reads and parses the zone file at `path`.
pub fn load_zone(path: &Path) -> Result<Zone, ZoneError> {
    let meta = std::fs::metadata(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_ZONE_FILE {
        return Err(err(format!("{}: larger than {MAX_ZONE_FILE} bytes", path.display())));
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    parse_zone(&text, ZoneFormat::detect(path, &text), Some(path))
        .map_err(|e| err(format!("{}: {}", path.display(), e.0)))
}

/// Parses zone text of the given form. `path` resolves a master file's
/// relative `$INCLUDE`s.
pub fn parse_zone(text: &str, format: ZoneFormat, path: Option<&Path>) -> Result<Zone, ZoneError> {
    match format {
        ZoneFormat::Master => zone_from_master(text, path),
        ZoneFormat::Json => {
            let v: Value = serde_json::from_str(text).map_err(|e| err(format!("JSON: {e}")))?;
            zone_from_suite(&v)
        }
        ZoneFormat::Yaml => {
            let v: Value = serde_yaml_ng::from_str(text).map_err(|e| err(format!("YAML: {e}")))?;
            zone_from_suite(&v)
        }
    }
}

/// A zone from an RFC 1035 master file. Without `$ORIGIN` or an SOA,
/// relative names are taken relative to the root.
pub fn zone_from_master(text: &str, path: Option<&Path>) -> Result<Zone, ZoneError> {
    let parser = Parser::new(text, path.map(Path::to_path_buf), Some(Name::root()));
    let (_origin, sets) = parser.parse().map_err(|e| err(format!("master file: {e}")))?;
    let mut zone = Zone::new();
    for set in sets.values() {
        let name = set.name().to_ascii();
        zone.add_name(&name);
        for record in set.records_without_rrsigs() {
            match record.data() {
                HRData::TXT(txt) => zone.add(&name, RData::txt_from_strings(txt.iter().map(|s| &s[..]))),
                HRData::A(a) => zone.add(&name, RData::A(a.0)),
                HRData::AAAA(a) => zone.add(&name, RData::Aaaa(a.0)),
                HRData::MX(mx) => {
                    zone.add(&name, RData::Mx { preference: mx.preference(), exchange: fqdn(mx.exchange()) })
                }
                HRData::PTR(ptr) => zone.add(&name, RData::Ptr(fqdn(&ptr.0))),
                HRData::CNAME(cname) => zone.add_cname(&name, &fqdn(&cname.0)),
                // SOA, NS and the rest mean nothing to SPF; the name exists.
                _ => {}
            }
        }
    }
    Ok(zone)
}

/// A name as the evaluation sees names in answers: no trailing dot.
fn fqdn(name: &Name) -> String {
    let mut s = name.to_ascii();
    if s.len() > 1 && s.ends_with('.') {
        s.pop();
    }
    s
}

fn txt_value(name: &str, v: &Value) -> Result<RData, ZoneError> {
    match v {
        // The suite's strings are code points; they go on the wire as UTF-8.
        Value::String(s) => Ok(RData::Txt(s.as_bytes().to_vec())),
        Value::Array(parts) => {
            let strings: Vec<&str> = parts
                .iter()
                .map(|p| p.as_str().ok_or_else(|| err(format!("{name}: TXT strings must be strings"))))
                .collect::<Result<_, _>>()?;
            Ok(RData::txt_from_strings(strings.iter().map(|s| s.as_bytes())))
        }
        _ => Err(err(format!("{name}: a TXT/SPF value is a string or a list of strings"))),
    }
}

fn str_value<'v>(name: &str, ty: &str, v: &'v Value) -> Result<&'v str, ZoneError> {
    v.as_str().ok_or_else(|| err(format!("{name}: {ty} value must be a string")))
}

/// A zone from the test suite's `zonedata` map (or from a whole scenario,
/// whose `zonedata` is used): `TIMEOUT`, `SPF`, `TXT` (`NONE` for none),
/// `A`, `AAAA`, `MX [preference, host]`, `PTR`, `CNAME`.
pub fn zone_from_suite(v: &Value) -> Result<Zone, ZoneError> {
    let map = v.get("zonedata").unwrap_or(v).as_object().ok_or_else(|| err("expected a map of names"))?;
    let mut zone = Zone::new();
    for (name, entries) in map {
        zone.add_name(name);
        let entries = match entries {
            Value::Array(a) => a.as_slice(),
            Value::Null => &[],
            _ => return Err(err(format!("{name}: expected a list of records"))),
        };
        // pyspf's rule: SPF-type records stand in for TXT only where the
        // name has no TXT entry of its own.
        let has_txt = entries.iter().any(|e| e.get("TXT").is_some());
        for e in entries {
            if e == "TIMEOUT" {
                zone.add_timeout(name);
                continue;
            }
            let entry = e.as_object().filter(|m| m.len() == 1).ok_or_else(|| {
                err(format!("{name}: an entry is TIMEOUT or a one-key map like {{A: 192.0.2.1}}, not {e}"))
            })?;
            let (ty, v) = entry.iter().next().expect("one key");
            let data = match ty.to_ascii_uppercase().as_str() {
                "SPF" if has_txt => continue,
                "SPF" => txt_value(name, v)?,
                "TXT" if v == "NONE" => continue,
                "TXT" => txt_value(name, v)?,
                "A" => RData::A(str_value(name, ty, v)?.parse().map_err(|e| err(format!("{name}: A {v}: {e}")))?),
                "AAAA" => {
                    RData::Aaaa(str_value(name, ty, v)?.parse().map_err(|e| err(format!("{name}: AAAA {v}: {e}")))?)
                }
                "MX" => {
                    let bad = || err(format!("{name}: MX is [preference, host], not {v}"));
                    let pair = v.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
                    let preference = pair[0].as_u64().and_then(|p| u16::try_from(p).ok()).ok_or_else(bad)?;
                    let exchange = pair[1].as_str().ok_or_else(bad)?.to_owned();
                    RData::Mx { preference, exchange }
                }
                "PTR" => RData::Ptr(str_value(name, ty, v)?.to_owned()),
                "CNAME" => {
                    zone.add_cname(name, str_value(name, ty, v)?);
                    continue;
                }
                other => return Err(err(format!("{name}: unknown record type {other}"))),
            };
            zone.add(name, data);
        }
    }
    Ok(zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spfkit::{Answer, Query, QueryId, QueryType};

    fn ask(zone: &Zone, name: &str, qtype: QueryType) -> Answer {
        zone.lookup(&Query { id: QueryId(0), name: name.into(), qtype })
    }

    #[test]
    fn master_file_records() {
        let zone = zone_from_master(
            "$ORIGIN example.com.\n$TTL 300\n\
             @ IN SOA ns hostmaster 1 2 3 4 5\n\
             @ IN TXT \"v=spf1 \" \"mx -all\"\n\
             @ IN MX 10 mail\n\
             mail IN A 192.0.2.25\n\
             mail IN AAAA 2001:db8::25\n\
             alias IN CNAME mail\n\
             25.2.0.192.in-addr.arpa. IN PTR mail.example.com.\n",
            None,
        )
        .unwrap();
        assert_eq!(
            ask(&zone, "example.com", QueryType::Txt),
            Answer::Records(vec![RData::Txt(b"v=spf1 mx -all".to_vec())])
        );
        assert_eq!(
            ask(&zone, "example.com", QueryType::Mx),
            Answer::Records(vec![RData::Mx { preference: 10, exchange: "mail.example.com".into() }])
        );
        assert_eq!(
            ask(&zone, "alias.example.com", QueryType::A),
            Answer::Records(vec![RData::A([192, 0, 2, 25].into())])
        );
        assert_eq!(ask(&zone, "mail.example.com", QueryType::Txt), Answer::NoData);
        assert_eq!(ask(&zone, "nope.example.com", QueryType::Txt), Answer::NxDomain);
        assert!(matches!(ask(&zone, "25.2.0.192.in-addr.arpa", QueryType::Ptr), Answer::Records(_)));
    }

    #[test]
    fn master_file_errors_are_errors() {
        assert!(zone_from_master("example.com. IN A not-an-address\n", None).is_err());
        assert!(zone_from_master("$INCLUDE /nonexistent/spfkit\n", None).is_err());
    }

    #[test]
    fn suite_form_json_and_yaml_agree() {
        let yaml = "example.com:\n  - SPF: v=spf1 -all\n  - MX: [10, mail.example.com]\nslow.example.com:\n  - A: 192.0.2.1\n  - TIMEOUT\n";
        let json = r#"{"example.com": [{"SPF": "v=spf1 -all"}, {"MX": [10, "mail.example.com"]}],
                      "slow.example.com": [{"A": "192.0.2.1"}, "TIMEOUT"]}"#;
        for zone in
            [parse_zone(yaml, ZoneFormat::Yaml, None).unwrap(), parse_zone(json, ZoneFormat::Json, None).unwrap()]
        {
            assert_eq!(
                ask(&zone, "example.com", QueryType::Txt),
                Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec())])
            );
            assert_eq!(
                ask(&zone, "slow.example.com", QueryType::A),
                Answer::Records(vec![RData::A([192, 0, 2, 1].into())])
            );
            assert_eq!(ask(&zone, "slow.example.com", QueryType::Txt), Answer::TempError);
        }
    }

    #[test]
    fn suite_form_rejects_bad_entries() {
        for bad in [
            r#"[1, 2]"#,
            r#"{"a.example": "x"}"#,
            r#"{"a.example": [{"A": "300.1.1.1"}]}"#,
            r#"{"a.example": [{"MX": [70000, "b.example"]}]}"#,
            r#"{"a.example": [{"MX": "b.example"}]}"#,
            r#"{"a.example": [{"A": "192.0.2.1", "AAAA": "::1"}]}"#,
            r#"{"a.example": [{"HINFO": "x"}]}"#,
            r#"{"a.example": [{"TXT": 5}]}"#,
        ] {
            assert!(parse_zone(bad, ZoneFormat::Json, None).is_err(), "{bad}");
        }
    }
}
