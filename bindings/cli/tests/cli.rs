//! The `spfkit` command: the example zone, exit statuses, output forms, and
//! the whole RFC 7208 suite through the zone loader and the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use spfkit::Scope;
use spfkit_cli::zonefile::{ZoneFormat, load_zone, parse_zone, zone_from_suite};
use spfkit_cli::{CheckArgs, EXIT_USAGE, EXIT_ZONE};

mod common;
use common::{record_count, repo_path as repo, spfkit};

fn check_json(zone: &Path, ip: &str, sender: &str, helo: &str, extra: &[&str]) -> Value {
    let zone = zone.to_str().unwrap();
    let mut args = vec!["check", "--zone", zone, "--ip", ip, "--sender", sender, "--helo", helo, "--json"];
    args.extend_from_slice(extra);
    let out = spfkit(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

#[test]
fn example_zone_connections() {
    let zone = repo("examples/zones/example.zone");
    // (ip, sender, helo, deciding identity, result)
    let cases = [
        // The MX host names itself in HELO: HELO passes and decides.
        ("192.0.2.10", "alice@example.com", "mx1.example.com", "helo", "pass"),
        // An unknown HELO name: no HELO policy, MAIL FROM decides.
        ("192.0.2.11", "alice@example.com", "mail.example.org", "mailfrom", "pass"),
        ("2001:db8::11", "alice@example.com", "mail.example.org", "mailfrom", "pass"),
        ("198.51.100.20", "alice@example.com", "mail.example.org", "mailfrom", "pass"),
        ("203.0.113.5", "alice@example.com", "mail.example.org", "mailfrom", "pass"),
        ("192.0.2.99", "alice@example.com", "mail.example.org", "mailfrom", "fail"),
        ("192.0.2.1", "x@broken.example.com", "mail.example.org", "mailfrom", "permerror"),
        ("192.0.2.1", "x@news.example.com", "mail.example.org", "mailfrom", "softfail"),
        // The null reverse-path is postmaster@HELO.
        ("192.0.2.10", "", "mx1.example.com", "helo", "pass"),
    ];
    for (ip, sender, helo, decided_by, result) in cases {
        let out = check_json(&zone, ip, sender, helo, &[]);
        assert_eq!(out["result"], result, "{ip} {sender} {helo}: {out:#}");
        assert_eq!(out["decided_by"], decided_by, "{ip} {sender} {helo}");
        assert_eq!(out["identities"][decided_by]["result"], result);
        let reply = &out["smtp_reply"];
        match result {
            "fail" => assert_eq!(reply["enhanced"], "5.7.23"),
            "permerror" => assert_eq!(reply["enhanced"], "5.7.24"),
            _ => assert!(reply.is_null(), "{result}: {reply}"),
        }
        let received = out["received_spf"].as_str().unwrap();
        assert!(received.starts_with(&format!("Received-SPF: {result} (")), "{received}");
        assert!(out["authentication_results"].as_str().unwrap().contains(&format!("spf={result} ")));
    }
    // The fail carries the exp= explanation, expanded, at the top level.
    let out = check_json(&zone, "192.0.2.99", "alice@example.com", "mail.example.org", &[]);
    assert_eq!(
        out["explanation"],
        "192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
    );
    assert_eq!(out["smtp_reply"]["code"], 550);
}

#[test]
fn identity_option_and_text_output() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    // mailfrom alone skips HELO even when HELO would decide.
    let out = check_json(&zone, "192.0.2.10", "alice@example.com", "mx1.example.com", &["--identity", "mailfrom"]);
    assert_eq!(out["decided_by"], "mailfrom");
    assert!(out["identities"]["helo"].is_null());
    let out = check_json(&zone, "192.0.2.99", "alice@example.com", "mx1.example.com", &["--identity=helo"]);
    assert_eq!((out["decided_by"].as_str(), out["result"].as_str()), (Some("helo"), Some("fail")));
    assert!(out["identities"]["mailfrom"].is_null());

    let out = spfkit(&[
        "check",
        "--zone",
        z,
        "--ip",
        "192.0.2.99",
        "--sender",
        "<alice@example.com>",
        "--helo",
        "mail.example.org",
        "--receiver",
        "mx.example.org",
        "--trace",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nresult: fail\n"), "{text}");
    assert!(text.contains("\ndecided by: mailfrom\n"), "{text}");
    assert!(text.contains("Received-SPF: fail (mx.example.org: "), "{text}");
    assert!(text.contains("Authentication-Results: mx.example.org; spf=none smtp.helo=mail.example.org; spf=fail smtp.mailfrom=alice@example.com"), "{text}");
    assert!(text.contains("SMTP reply: 550 5.7.23 192.0.2.99 may not send"), "{text}");
    assert!(text.contains("include:_spf.provider.example.net"), "the trace lists terms: {text}");
}

#[test]
fn exit_statuses() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    for args in [
        &["check", "--zone", z, "--ip", "192.0.2.300", "--sender", "a@example.com", "--helo", "h.example"][..],
        &["check", "--zone", z, "--sender", "a@example.com", "--helo", "h.example"],
        &["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "a@example.com", "--helo", "h", "--identity", "x"],
        &["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "a@example.com", "--helo", "h", "--bogus"],
        &["check", "--zone"],
        &["frobnicate"],
        &[],
    ] {
        let out = spfkit(args);
        assert_eq!(out.status.code(), Some(EXIT_USAGE), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage: spfkit check"), "{args:?}");
        assert!(out.stdout.is_empty());
    }
    let dir = std::env::temp_dir().join(format!("spfkit-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"example.com": [{"A": "not an address"}]}"#).unwrap();
    for zone in [bad.to_str().unwrap(), "/nonexistent/spfkit.zone"] {
        let out = spfkit(&["check", "--zone", zone, "--ip", "192.0.2.1", "--sender", "a@example.com", "--helo", "h"]);
        assert_eq!(out.status.code(), Some(EXIT_ZONE), "{zone}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(zone));
    }
    let out = spfkit(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--identity"));
}

#[test]
fn identity_words_and_message_are_cores() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    let base = ["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "a@example.com", "--helo", "h.example"];
    for bad in ["x", "MailFrom", "", "all"] {
        let want = format!("spfkit: --identity: {}\n", bad.parse::<Scope>().unwrap_err());
        for args in
            [[&base[..], &["--identity", bad]].concat(), [&base[..], &[&format!("--identity={bad}")[..]]].concat()]
        {
            let out = spfkit(&args);
            assert_eq!(out.status.code(), Some(EXIT_USAGE), "{args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.starts_with(&want), "{stderr}");
        }
    }
    let out = spfkit(&[&base[..], &["--identity", "x"]].concat());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("spfkit: --identity: identity must be 'both', 'mailfrom' or 'helo', not \"x\"\n"),
        "{out:?}"
    );
    // Every word core reads is accepted, and the usage text lists them.
    for word in Scope::NAMES {
        let args = [&base[..], &["--identity", word]].concat();
        match spfkit_cli::parse_args(args.iter().map(|a| a.to_string())) {
            Ok(spfkit_cli::Command::Check(c)) => assert_eq!(c.identity.as_str(), *word),
            other => panic!("{word}: {other:?}"),
        }
    }
    let listed = format!("[--identity {}]", Scope::NAMES.join("|"));
    assert!(spfkit_cli::USAGE.contains(&listed) && spfkit_cli::SHORT_USAGE.contains(&listed));
}

#[test]
fn example_yaml_zone_matches_master_file() {
    let master = load_zone(&repo("examples/zones/example.zone")).unwrap();
    let yaml = load_zone(&repo("examples/zones/example.yaml")).unwrap();
    let mut names: Vec<&str> = master.names().collect();
    names.sort_unstable();
    let mut yaml_names: Vec<&str> = yaml.names().collect();
    yaml_names.sort_unstable();
    assert_eq!(names, yaml_names);
    for name in names {
        for qtype in [spfkit::QueryType::Txt, spfkit::QueryType::A, spfkit::QueryType::Aaaa, spfkit::QueryType::Mx] {
            let q = spfkit::Query { id: spfkit::QueryId(0), name: name.into(), qtype };
            assert_eq!(master.lookup(&q), yaml.lookup(&q), "{name} {qtype:?}");
        }
    }
}

struct SuiteCase {
    name: String,
    host: String,
    mailfrom: String,
    helo: String,
    results: Vec<String>,
    explanation: Option<String>,
    scenario: usize,
}

fn suite_scenarios() -> Vec<Value> {
    let text = std::fs::read_to_string(repo("tests/rfc7208/rfc7208-tests.yml")).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("YAML scenario"))
        .collect()
}

fn suite_cases(scenarios: &[Value]) -> Vec<SuiteCase> {
    let mut cases = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        for (name, t) in s["tests"].as_object().unwrap() {
            let results = match &t["result"] {
                Value::String(r) => vec![r.clone()],
                Value::Array(a) => a.iter().map(|r| r.as_str().unwrap().to_owned()).collect(),
                other => panic!("{name}: result {other}"),
            };
            cases.push(SuiteCase {
                name: name.clone(),
                host: t["host"].as_str().unwrap().to_owned(),
                mailfrom: t["mailfrom"].as_str().unwrap().to_owned(),
                helo: t["helo"].as_str().unwrap().to_owned(),
                results,
                explanation: t.get("explanation").and_then(Value::as_str).map(str::to_owned),
                scenario: i,
            });
        }
    }
    cases
}

/// Whether a result and explanation meet a case. `DEFAULT` is the default
/// explanation; v-macro-ip6's nibbles differ only in case (RFC 7208 §7.4
/// writes them in lower case, the suite in pyspf's upper case).
fn meets(case: &SuiteCase, result: &str, explanation: Option<&str>) -> bool {
    if !case.results.iter().any(|r| r == result) {
        return false;
    }
    match (&case.explanation, result) {
        (Some(want), "fail") => {
            let got = explanation.unwrap_or_default();
            if want == "DEFAULT" {
                got.ends_with("'s designated mail servers")
            } else {
                got == want || (case.name == "v-macro-ip6" && got.eq_ignore_ascii_case(want))
            }
        }
        _ => true,
    }
}

#[test]
fn rfc7208_suite_through_the_yaml_loader() {
    let scenarios = suite_scenarios();
    let cases = suite_cases(&scenarios);
    let zones: Vec<_> = scenarios.iter().map(|s| zone_from_suite(s).expect("suite zone")).collect();
    let mut passed = 0;
    for case in &cases {
        let args = CheckArgs {
            ip: case.host.parse().unwrap(),
            sender: case.mailfrom.clone(),
            helo: case.helo.clone(),
            zone: None,
            nameserver: None,
            timeout: spfkit_cli::DEFAULT_TIMEOUT,
            receiver: None,
            identity: Scope::MailFrom,
            authserv_id: None,
            trace: false,
            json: false,
        };
        let o = args.run(&zones[case.scenario]);
        let o = o.outcome();
        assert!(
            meets(case, o.result.as_str(), o.explanation.as_deref()),
            "{}: got {} {:?}",
            case.name,
            o.result,
            o.explanation
        );
        passed += 1;
    }
    println!("RFC 7208 suite via the YAML zone loader: {} cases ran, {passed} passed", cases.len());
    record_count("rust/suite/yaml-loader", cases.len(), passed);
    assert_eq!(cases.len(), 203);
}

#[test]
fn rfc7208_suite_through_the_binary() {
    let scenarios = suite_scenarios();
    let cases = suite_cases(&scenarios);
    let dir = std::env::temp_dir().join(format!("spfkit-suite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Each scenario's zone as a JSON file, as a user would write one.
    let files: Vec<PathBuf> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = dir.join(format!("scenario{i}.json"));
            std::fs::write(&path, serde_json::to_string(&s["zonedata"]).unwrap()).unwrap();
            assert!(parse_zone(&std::fs::read_to_string(&path).unwrap(), ZoneFormat::Json, None).is_ok());
            path
        })
        .collect();
    let mut passed = 0;
    for case in &cases {
        let out =
            check_json(&files[case.scenario], &case.host, &case.mailfrom, &case.helo, &["--identity", "mailfrom"]);
        let result = out["result"].as_str().unwrap();
        assert!(meets(case, result, out["explanation"].as_str()), "{}: {out:#}", case.name);
        passed += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    println!("RFC 7208 suite via `spfkit check --json`: {} cases ran, {passed} passed", cases.len());
    record_count("rust/suite/cli", cases.len(), passed);
    assert_eq!(cases.len(), 203);
}

#[test]
fn lint_the_example_zone() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    let out = spfkit(&["lint", "example.com", "--zone", z]);
    // The provider's ?all is worth a warning: exit 1.
    assert_eq!(out.status.code(), Some(spfkit_cli::EXIT_WARNINGS));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("DNS-querying terms: 4 of 10"), "{text}");
    assert!(text.contains("warning neutral-all at _spf2.provider.example.net bytes 26..30"), "{text}");

    let out = spfkit(&["lint", "example.com", "--zone", z, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dns_terms"], 4);
    assert_eq!(v["exceeds_dns_terms"], false);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(v["nodes"][1]["via"], "include");
    assert_eq!(v["ipv4_addresses"], 3 + 128 + 64);
    assert_eq!(v["warnings"][0]["code"], "neutral-all");
    assert_eq!(v["warnings"][0]["span"], serde_json::json!([26, 30]));

    // A clean draft: no warnings, exit 0, the draft marked as such.
    let out = spfkit(&["lint", "news.example.com", "--zone", z, "--record", "v=spf1 ip4:198.51.100.0/24 -all"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("news.example.com (draft)"));

    // A broken record: the syntax error with its span.
    let out = spfkit(&["lint", "broken.example.com", "--zone", z, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["warnings"][0]["code"], "syntax-error");
    assert_eq!(v["warnings"][0]["span"], serde_json::json!([7, 22]));

    for args in [
        &["lint", "--zone", z][..],
        &["lint", "a.example", "b.example", "--zone", z],
        &["lint", "a.example", "--zone", z, "--nameserver", "127.0.0.1"],
        &["lint", "a.example", "--timeout", "0"],
        &["lint", "bad..example", "--zone", z],
        &["lint", "localhost", "--zone", z],
        &["check", "--ip", "192.0.2.1", "--sender", "a@b.example", "--helo", "h", "--nameserver", "ns.example"],
    ] {
        assert_eq!(spfkit(args).status.code(), Some(EXIT_USAGE), "{args:?}");
    }
    let out = spfkit(&["lint", "bad..example", "--zone", z]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"bad..example\": the domain is malformed"), "{out:?}");
}

#[test]
fn arguments_that_are_not_utf8_are_usage_errors() {
    use std::os::unix::ffi::OsStrExt as _;
    let zone = repo("examples/zones/example.zone");
    let bad = std::ffi::OsStr::from_bytes(b"a\xff@example.com");
    let out = Command::new(env!("CARGO_BIN_EXE_spfkit"))
        .args(["check", "--zone", zone.to_str().unwrap(), "--ip", "192.0.2.1", "--helo", "h.example", "--sender"])
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(EXIT_USAGE), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("argument \"a\u{fffd}@example.com\" is not valid UTF-8"), "{stderr}");
}

#[test]
fn version_and_short_usage() {
    let out = spfkit(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("spfkit {}\n", env!("CARGO_PKG_VERSION")));
    // An argument error gives the message and the usage lines, not the whole help.
    let out = spfkit(&["check", "--bogus"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("spfkit: unknown option \"--bogus\"\nusage: spfkit check"), "{stderr}");
    assert!(!stderr.contains("Exit status"), "{stderr}");
    assert!(stderr.lines().count() < 12, "{stderr}");
}

#[test]
fn over_long_arguments_are_usage_errors() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    let long = format!("{}@example.com", "a".repeat(5000));
    let out = spfkit(&["check", "--zone", z, "--ip", "192.0.2.1", "--sender", &long, "--helo", "h.example"]);
    assert_eq!(out.status.code(), Some(EXIT_USAGE));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--sender is longer than 4096 bytes"));
}

#[test]
fn counts_read_as_english() {
    let zone = repo("examples/zones/example.zone");
    let z = zone.to_str().unwrap();
    // A HELO name with no record: one TXT query in one round trip.
    let out = spfkit(&["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "", "--helo", "nothing.example.org"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("; 0 DNS terms, 0 void lookups, 1 query in 1 round trip\n"), "{text}");
}

#[test]
fn the_trace_says_why_a_term_looked_nothing_up() {
    let dir = std::env::temp_dir().join(format!("spfkit-cli-note-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("n.zone");
    std::fs::write(&zone, "$ORIGIN example.com.\n$TTL 300\n@ IN TXT \"v=spf1 a:%{l}.example.com -all\"\n").unwrap();
    let z = zone.to_str().unwrap();
    let args = ["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "two..dots@example.com", "--helo", "x"];
    let out = spfkit(&[&args[..], &["--trace", "--identity", "mailfrom"]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("- (%{l}.example.com expands to \"two..dots.example.com\": the domain is malformed"),
        "{text}"
    );
    let v = check_json(&zone, "192.0.2.1", "two..dots@example.com", "x", &["--trace", "--identity", "mailfrom"]);
    let note = &v["identities"]["mailfrom"]["trace"][1]["note"];
    assert!(note.as_str().unwrap().starts_with("%{l}.example.com expands to"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_senders_and_records_stay_on_their_lines() {
    let dir = std::env::temp_dir().join(format!("spfkit-cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("h.json");
    let long = format!("v=spf1 {}", "z".repeat(63000));
    let zonedata = serde_json::json!({
        "example.com": [{"TXT": "v=spf1 -all exp=why.example.com"}],
        "why.example.com": [{"TXT": "Go away %{s} now"}],
        "long.example.com": [{"TXT": long}],
    });
    std::fs::write(&zone, zonedata.to_string()).unwrap();
    let z = zone.to_str().unwrap();
    let out =
        spfkit(&["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "bad\r\nX-Evil: 1@example.com", "--helo", "x"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nexplanation: Go away bad??X-Evil: 1@example.com now\n"), "{text}");
    assert!(!text.contains('\r'), "{text}");
    let out = spfkit(&["check", "--zone", z, "--ip", "192.0.2.1", "--sender", "a@long.example.com", "--helo", "x"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.len() <= 998), "a line over 998 characters");
    assert!(text.contains("[truncated]\""), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
