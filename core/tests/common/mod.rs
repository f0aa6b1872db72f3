//! Reading the RFC 7208 test suite's JSON (tests/rfc7208/FORMAT.md).
#![allow(dead_code)]

use serde_json::Value;
use spfkit::Zone;

/// Appends `{"name", "ran", "passed"}` as a JSON line to the file named by
/// SPFKIT_COUNTS, when set: CI checks those counts (.ci/counts.py), not
/// the wording of the lines a test prints.
pub fn record_count(name: &str, ran: usize, passed: usize) {
    let Ok(path) = std::env::var("SPFKIT_COUNTS") else { return };
    let line = serde_json::json!({"name": name, "ran": ran, "passed": passed}).to_string() + "\n";
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("open SPFKIT_COUNTS");
    std::io::Write::write_all(&mut f, line.as_bytes()).expect("write SPFKIT_COUNTS");
}

pub fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A scenario's `zonedata` as a zone, by the rules of FORMAT.md: the
/// loader the `spfkit` command uses too, so tests and command read zones
/// alike.
pub fn suite_zone(zonedata: &Value) -> Zone {
    spfkit_zonedata::zone_from_suite(zonedata).unwrap_or_else(|e| panic!("zonedata: {e}"))
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
