//! Reading the RFC 7208 test suite's JSON (tests/rfc7208/FORMAT.md).
#![allow(dead_code)]

use serde_json::Value;
use spfkit::{RData, Zone};

pub fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The suite's strings are code points; put them on the wire as UTF-8,
/// as pyspf's own driver does.
fn txt(v: &Value) -> RData {
    match v {
        Value::String(s) => RData::Txt(s.as_bytes().to_vec()),
        Value::Array(parts) => RData::txt_from_strings(parts.iter().map(|p| p.as_str().expect("TXT part").as_bytes())),
        other => panic!("bad TXT value {other}"),
    }
}

/// A scenario's `zonedata` as a zone, by the rules of FORMAT.md.
pub fn suite_zone(zonedata: &Value) -> Zone {
    let mut zone = Zone::new();
    for (name, entries) in zonedata.as_object().expect("zonedata map") {
        zone.add_name(name);
        let entries = entries.as_array().expect("entry list");
        let has_txt = entries.iter().any(|e| e.get("TXT").is_some());
        for e in entries {
            if e == "TIMEOUT" {
                zone.add_timeout(name);
                continue;
            }
            let map = e.as_object().expect("entry map");
            assert_eq!(map.len(), 1, "entry {e}");
            let (ty, v) = map.iter().next().unwrap();
            match ty.as_str() {
                "SPF" => {
                    if !has_txt {
                        zone.add(name, txt(v));
                    }
                }
                "TXT" => {
                    if v != "NONE" {
                        zone.add(name, txt(v));
                    }
                }
                "A" => zone.add(name, RData::A(v.as_str().unwrap().parse().unwrap())),
                "AAAA" => zone.add(name, RData::Aaaa(v.as_str().unwrap().parse().unwrap())),
                "MX" => zone.add(
                    name,
                    RData::Mx {
                        preference: v[0].as_u64().unwrap() as u16,
                        exchange: v[1].as_str().unwrap().to_owned(),
                    },
                ),
                "PTR" => zone.add(name, RData::Ptr(v.as_str().unwrap().to_owned())),
                "CNAME" => zone.add_cname(name, v.as_str().unwrap()),
                other => panic!("unknown record type {other}"),
            }
        }
    }
    zone
}

pub struct Case {
    pub scenario: String,
    pub name: String,
    pub host: String,
    pub mailfrom: String,
    pub helo: String,
    pub results: Vec<String>,
    pub explanation: Option<String>,
    pub zone_index: usize,
}

pub fn load_suite() -> (Vec<Case>, Vec<Zone>) {
    let suite: Value = serde_json::from_str(&repo_file("tests/rfc7208/rfc7208-tests.json")).unwrap();
    let mut cases = Vec::new();
    let mut zones = Vec::new();
    for scenario in suite.as_array().unwrap() {
        let zone_index = zones.len();
        zones.push(suite_zone(&scenario["zonedata"]));
        for (name, t) in scenario["tests"].as_object().expect("tests") {
            let results = match &t["result"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().map(|r| r.as_str().unwrap().to_owned()).collect(),
                other => panic!("bad result {other}"),
            };
            let field = |k: &str| t[k].as_str().unwrap_or_else(|| panic!("{name}: no {k}")).to_owned();
            cases.push(Case {
                scenario: scenario["description"].as_str().unwrap().to_owned(),
                name: name.clone(),
                host: field("host"),
                mailfrom: field("mailfrom"),
                helo: field("helo"),
                results,
                explanation: t.get("explanation").and_then(Value::as_str).map(str::to_owned),
                zone_index,
            });
        }
    }
    (cases, zones)
}
