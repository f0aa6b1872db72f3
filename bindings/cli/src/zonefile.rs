//! Loading a [`Zone`] from a file: an RFC 1035 master file (BIND zone
//! file), or a JSON/YAML map in the RFC 7208 test suite's `zonedata` form
//! (tests/rfc7208/FORMAT.md), read by [`spfkit_zonedata`], the loader
//! core's tests use too.

use std::path::Path;

use hickory_proto::rr::{Name, RData as HRData};
use hickory_proto::serialize::txt::Parser;
use serde_json::Value;
use spfkit::{RData, Zone};
pub use spfkit_zonedata::{ZoneError, zone_from_suite};

/// Files larger than this are refused: a zone for offline checks is small,
/// and reading an unbounded file into memory is not what a user meant.
pub const MAX_ZONE_FILE: u64 = 16 * 1024 * 1024;

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
    fn json_and_yaml_text_reach_the_suite_loader() {
        let yaml = "example.com:\n  - SPF: v=spf1 -all\nslow.example.com:\n  - A: 192.0.2.1\n  - TIMEOUT\n";
        let json = r#"{"example.com": [{"SPF": "v=spf1 -all"}], "slow.example.com": [{"A": "192.0.2.1"}, "TIMEOUT"]}"#;
        for zone in
            [parse_zone(yaml, ZoneFormat::Yaml, None).unwrap(), parse_zone(json, ZoneFormat::Json, None).unwrap()]
        {
            assert_eq!(
                ask(&zone, "example.com", QueryType::Txt),
                Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec())])
            );
            assert_eq!(ask(&zone, "slow.example.com", QueryType::Txt), Answer::TempError);
        }
        // Text that is not JSON or YAML, and a map the loader refuses.
        assert!(parse_zone("{", ZoneFormat::Json, None).unwrap_err().0.starts_with("JSON: "));
        assert!(parse_zone("a: [", ZoneFormat::Yaml, None).unwrap_err().0.starts_with("YAML: "));
        assert_eq!(
            parse_zone(r#"{"a.example": [{"HINFO": "x"}]}"#, ZoneFormat::Json, None).unwrap_err().0,
            "a.example: unknown record type HINFO"
        );
    }
}
