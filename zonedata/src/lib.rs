//! The RFC 7208 test suite's `zonedata` map (tests/rfc7208/FORMAT.md) as a
//! [`spfkit::Zone`]: one loader for core's tests (the suite, the vectors)
//! and the `spfkit` command's JSON/YAML `--zone`, so both read zones alike.
//!
//! The map arrives as a [`serde_json::Value`]; reading JSON or YAML text
//! into one is the caller's business.
//!
//! ```
//! use spfkit::{Answer, Query, QueryId, QueryType, RData};
//! let v = serde_json::json!({"example.com": [{"SPF": "v=spf1 -all"}, "TIMEOUT"]});
//! let zone = spfkit_zonedata::zone_from_suite(&v).unwrap();
//! let q = |qtype| Query { id: QueryId(0), name: "example.com".into(), qtype };
//! assert_eq!(zone.lookup(&q(QueryType::Txt)), Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec())]));
//! ```

use std::fmt;

use serde_json::Value;
use spfkit::{RData, Zone};

/// Why a zone could not be loaded: a message for the user.
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

    fn txt(s: &str) -> Answer {
        Answer::Records(vec![RData::Txt(s.as_bytes().to_vec())])
    }

    fn load(json: &str) -> Result<Zone, ZoneError> {
        zone_from_suite(&serde_json::from_str(json).expect("test JSON"))
    }

    #[test]
    fn suite_form_json_and_yaml_agree() {
        let yaml = "example.com:\n  - SPF: v=spf1 -all\n  - MX: [10, mail.example.com]\nslow.example.com:\n  - A: 192.0.2.1\n  - TIMEOUT\n";
        let json = r#"{"example.com": [{"SPF": "v=spf1 -all"}, {"MX": [10, "mail.example.com"]}],
                      "slow.example.com": [{"A": "192.0.2.1"}, "TIMEOUT"]}"#;
        let from_yaml: Value = serde_yaml_ng::from_str(yaml).unwrap();
        let from_json: Value = serde_json::from_str(json).unwrap();
        for zone in [zone_from_suite(&from_yaml).unwrap(), zone_from_suite(&from_json).unwrap()] {
            assert_eq!(ask(&zone, "example.com", QueryType::Txt), txt("v=spf1 -all"));
            assert_eq!(
                ask(&zone, "example.com", QueryType::Mx),
                Answer::Records(vec![RData::Mx { preference: 10, exchange: "mail.example.com".into() }])
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
            assert!(load(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_messages_name_the_entry() {
        let cases = [
            (r#"[1, 2]"#, "expected a map of names"),
            (r#"{"a.example": "x"}"#, "a.example: expected a list of records"),
            (r#"{"a.example": [{"A": "300.1.1.1"}]}"#, "a.example: A \"300.1.1.1\": invalid IPv4 address syntax"),
            (r#"{"a.example": [{"AAAA": 6}]}"#, "a.example: AAAA value must be a string"),
            (
                r#"{"a.example": [{"MX": [70000, "b.example"]}]}"#,
                "a.example: MX is [preference, host], not [70000,\"b.example\"]",
            ),
            (
                r#"{"a.example": [{"A": "192.0.2.1", "AAAA": "::1"}]}"#,
                "a.example: an entry is TIMEOUT or a one-key map like {A: 192.0.2.1}, not {\"A\":\"192.0.2.1\",\"AAAA\":\"::1\"}",
            ),
            (
                r#"{"a.example": ["SLOW"]}"#,
                "a.example: an entry is TIMEOUT or a one-key map like {A: 192.0.2.1}, not \"SLOW\"",
            ),
            (r#"{"a.example": [{"hinfo": "x"}]}"#, "a.example: unknown record type HINFO"),
            (r#"{"a.example": [{"TXT": 5}]}"#, "a.example: a TXT/SPF value is a string or a list of strings"),
            (r#"{"a.example": [{"SPF": ["v=spf1", 5]}]}"#, "a.example: TXT strings must be strings"),
        ];
        for (json, want) in cases {
            assert_eq!(load(json).err().map(|e| e.to_string()).as_deref(), Some(want), "{json}");
        }
    }

    #[test]
    fn spf_stands_in_for_txt_only_where_there_is_no_txt() {
        let zone = load(
            r#"{"spf-only.example": [{"SPF": "v=spf1 -all"}],
                "both.example": [{"SPF": "v=spf1 -all"}, {"TXT": "v=spf1 +all"}],
                "none.example": [{"SPF": "v=spf1 -all"}, {"TXT": "NONE"}],
                "split.example": [{"spf": ["v=spf1 ", "-all"]}]}"#,
        )
        .unwrap();
        assert_eq!(ask(&zone, "spf-only.example", QueryType::Txt), txt("v=spf1 -all"));
        assert_eq!(ask(&zone, "both.example", QueryType::Txt), txt("v=spf1 +all"));
        // TXT NONE is a TXT entry: the SPF record stays out, and the name
        // exists without TXT.
        assert_eq!(ask(&zone, "none.example", QueryType::Txt), Answer::NoData);
        // A list is one record's strings, joined; type names in any case.
        assert_eq!(ask(&zone, "split.example", QueryType::Txt), txt("v=spf1 -all"));
    }

    #[test]
    fn names_cnames_timeouts_and_whole_scenarios() {
        let scenario = serde_json::json!({
            "description": "a scenario",
            "tests": {},
            "zonedata": {
                "empty.example": null,
                "alias.example": [{"CNAME": "target.example"}],
                "target.example": [{"A": "192.0.2.7"}, {"AAAA": "2001:db8::7"}],
                "1.0.0.127.in-addr.arpa": [{"PTR": "target.example"}],
                "txttimeout.example": [{"SPF": "v=spf1 -all"}, {"TXT": "NONE"}, "TIMEOUT"],
            }
        });
        let zone = zone_from_suite(&scenario).unwrap();
        assert_eq!(ask(&zone, "empty.example", QueryType::Txt), Answer::NoData);
        assert_eq!(ask(&zone, "missing.example", QueryType::Txt), Answer::NxDomain);
        assert_eq!(ask(&zone, "alias.example", QueryType::A), Answer::Records(vec![RData::A([192, 0, 2, 7].into())]));
        assert_eq!(
            ask(&zone, "alias.example", QueryType::Aaaa),
            Answer::Records(vec![RData::Aaaa("2001:db8::7".parse().unwrap())])
        );
        assert_eq!(
            ask(&zone, "1.0.0.127.in-addr.arpa", QueryType::Ptr),
            Answer::Records(vec![RData::Ptr("target.example".into())])
        );
        assert_eq!(ask(&zone, "txttimeout.example", QueryType::Txt), Answer::TempError);
        assert_eq!(ask(&zone, "txttimeout.example", QueryType::A), Answer::TempError);
    }
}
