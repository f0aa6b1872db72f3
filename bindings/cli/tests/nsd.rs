//! End to end: `spfkit check` and `spfkit lint` against a real DNS server,
//! NSD, started by tests/dns/serve.py on 127.0.0.1 at a free port from
//! examples/zones/example.zone and tests/dns/e2e.zone. NSD must be installed
//! (`apt-get install nsd`; `.ci/run` does it): without it these tests fail,
//! they do not skip.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{NameServer, repo};

fn spfkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spfkit")).args(args).output().expect("run spfkit")
}

fn check(ns: &str, ip: &str, sender: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["check", "--nameserver", ns, "--ip", ip, "--sender", sender, "--helo", "mail.example.org"];
    args.extend_from_slice(extra);
    args.push("--json");
    let out = spfkit(&args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{out:?}"));
    (out.status.code(), v)
}

const ZONES: [&str; 2] = ["examples/zones/example.zone", "tests/dns/e2e.zone"];

#[test]
fn check_against_nsd() {
    let server = NameServer::start(&ZONES);
    let ns = server.address();
    let mailfrom = ["--identity", "mailfrom"];

    // A pass two includes deep: 203.0.113.0/26 is only in _spf2.provider.example.net,
    // which example.com reaches through _spf.provider.example.net.
    let (code, v) = check(&ns, "203.0.113.5", "alice@example.com", &mailfrom);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("pass")), "{v:#}");
    assert_eq!(v["identities"]["mailfrom"]["mechanism"], "include:_spf.provider.example.net");
    assert_eq!(v["identities"]["mailfrom"]["counters"]["dns_terms"], 4);

    // A fail, with the explanation from exp= expanded.
    let (_, v) = check(&ns, "192.0.2.99", "alice@example.com", &mailfrom);
    assert_eq!(v["result"], "fail", "{v:#}");
    assert_eq!(
        v["explanation"],
        "192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
    );
    assert_eq!(v["smtp_reply"]["code"], 550);

    // NSD's NXDOMAIN for a name with no address is a void lookup; two pass, a third is a permerror.
    let (_, v) = check(&ns, "192.0.2.1", "a@void2.e2e.example", &mailfrom);
    assert_eq!(v["result"], "pass", "{v:#}");
    assert_eq!(v["identities"]["mailfrom"]["counters"]["void_lookups"], 2);
    let (_, v) = check(&ns, "192.0.2.1", "a@void3.e2e.example", &mailfrom);
    assert_eq!(v["result"], "permerror", "{v:#}");
    assert_eq!(v["identities"]["mailfrom"]["counters"]["void_lookups"], 3);

    // NSD refuses names outside its zones: a temperror, not "no record".
    let (code, v) = check(&ns, "192.0.2.1", "a@refusing.e2e.example", &mailfrom);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("temperror")), "{v:#}");
    assert_eq!(v["smtp_reply"]["code"], 451);

    // Both identities: HELO mail.example.org is refused too, MAIL FROM decides.
    let (_, v) = check(&ns, "192.0.2.10", "alice@example.com", &[]);
    assert_eq!(v["identities"]["helo"]["result"], "temperror", "{v:#}");
    assert_eq!(v["result"], "pass");

    // Stopped by closing its input, the server is gone: its port answers no more.
    assert!(server.stop().success(), "serve.py did not exit cleanly");
    let start = Instant::now();
    let (code, v) = check(&ns, "192.0.2.99", "alice@example.com", &["--timeout", "1"]);
    assert_eq!((code, v["result"].as_str()), (Some(spfkit_cli::EXIT_DNS), Some("temperror")), "{v:#}");
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
}

#[test]
fn lint_against_nsd() {
    let server = NameServer::start(&ZONES);
    let ns = server.address();

    // The report over DNS is the report from the zone file, byte for byte.
    let out = spfkit(&["lint", "example.com", "--nameserver", &ns, "--json"]);
    // The provider's _spf2 ends in ?all: one warning, so exit status 1.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let over_dns: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(over_dns["nodes"].as_array().unwrap().len(), 3, "{over_dns:#}");
    assert_eq!(over_dns["dns_terms"], 4);
    let zone = repo().join("examples/zones/example.zone");
    let file = spfkit(&["lint", "example.com", "--zone", zone.to_str().unwrap(), "--json"]);
    assert_eq!(serde_json::from_slice::<Value>(&file.stdout).unwrap(), over_dns);

    // Warnings and their exit status.
    let out = spfkit(&["lint", "void3.e2e.example", "--nameserver", &ns]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("warning too-many-void-lookups"));
    let out = spfkit(&["lint", "refusing.e2e.example", "--nameserver", &ns, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<_> = v["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"dns-error"), "{v:#}");

    // A draft for a published domain: the rest of the tree still comes from NSD.
    let out = spfkit(&[
        "lint",
        "example.com",
        "--nameserver",
        &ns,
        "--record",
        "v=spf1 include:_spf.provider.example.net ptr ~all",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3, "{v:#}");
    assert_eq!(v["nodes"][0]["source"], "draft");
    let codes: Vec<_> = v["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ptr"), "{v:#}");
    assert!(server.stop().success());
}

/// A zone no sane operator publishes: a TXT answer too big even for TCP
/// (NSD sends it truncated), CNAME loops. Written at run time: 4,150
/// records are no fixture to read.
fn hostile_zone() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spfkit-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hostile.zone");
    let mut z = String::from(
        "$ORIGIN hostile.example.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\nns IN A 192.0.2.53\n",
    );
    for i in 0..4150 {
        z.push_str(&format!("big IN TXT \"t{i:05}\"\n"));
    }
    z.push_str("inc IN TXT \"v=spf1 include:big.hostile.example -all\"\n");
    z.push_str("loop IN CNAME loop2\nloop2 IN CNAME loop\nself IN CNAME self\n");
    std::fs::write(&path, z).unwrap();
    path
}

#[test]
fn hostile_answers_are_temperror() {
    let zone = hostile_zone();
    let server = NameServer::start(&[zone.to_str().unwrap()]);
    let ns = server.address();
    for domain in ["big", "inc", "loop", "self"] {
        let (code, v) = check(&ns, "192.0.2.1", &format!("a@{domain}.hostile.example"), &["--identity", "mailfrom"]);
        assert_eq!(code, Some(0), "{domain}: {v}");
        assert_eq!(v["result"], "temperror", "{domain}: {v}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(zone.parent().unwrap());
}
