//! tests/policy/cases.json (the receiver-policy table every host runs),
//! and what the table cannot say: one SPF evaluation per message, the step
//! API, hostile recipients.

mod common;

use serde_json::Value as Json;
use spfkit::policy::{
    Action, Connection, Decision, Message, Policy, Rule, Settings, Value, overrides_from_value, settings_from_value,
};
use spfkit::{Options, RData, Step, Zone};

/// A JSON tree as the settings tree a host would build from its object.
fn tree(j: &Json) -> Value {
    match j {
        Json::String(s) => Value::String(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n.as_i64().map_or(Value::Other("a float"), Value::Integer),
        Json::Array(a) => Value::Array(a.iter().map(tree).collect()),
        Json::Object(o) => Value::Table(o.iter().map(|(k, v)| (k.clone(), 0, tree(v))).collect()),
        Json::Null => Value::Other("null"),
    }
}

fn cases() -> Json {
    serde_json::from_str(&common::repo_file("tests/policy/cases.json")).expect("cases.json")
}

fn connection(c: &Json) -> Connection {
    Connection {
        ip: c["ip"].as_str().unwrap().parse().unwrap(),
        helo: c["helo"].as_str().unwrap_or("").to_owned(),
        mail_from: c["mail_from"].as_str().unwrap_or("").to_owned(),
        authenticated: c["authenticated"].as_bool().unwrap_or(false),
    }
}

fn reply(r: &Option<spfkit::SmtpReply>) -> Json {
    r.as_ref().map_or(Json::Null, |r| r.to_string().into())
}

/// The differences between a decision and what a case expects of it.
fn differences(d: &Decision, expect: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for (key, want) in expect.as_object().unwrap() {
        let got: Json = match key.as_str() {
            "action" => d.action.as_str().into(),
            "reply" => reply(&d.reply),
            "intended" => reply(&d.intended),
            "rule" => d.rule.as_str().into(),
            "forwarder" => d.forwarder.clone().map_or(Json::Null, Json::from),
            "reputation_key" => d.reputation_key.clone().map_or(Json::Null, Json::from),
            "headers" => d.headers.iter().map(|(n, v)| serde_json::json!([n, v])).collect(),
            "no_controls" => {
                let clean = d.headers.iter().all(|(n, v)| {
                    !n.chars().any(char::is_control) && !v.replace("\r\n ", " ").chars().any(char::is_control)
                }) && d.reply.as_ref().is_none_or(|r| !r.text.chars().any(char::is_control));
                clean.into()
            }
            "note" => continue,
            other => panic!("unknown expectation {other}"),
        };
        if &got != want {
            out.push(format!("{key}: got {got}, want {want}"));
        }
    }
    out
}

#[test]
fn policy_cases() {
    let all = cases();
    let list = all["cases"].as_array().unwrap();
    let mut failed = Vec::new();
    for case in list {
        let name = case["name"].as_str().unwrap();
        let settings = settings_from_value(&tree(&case["settings"]), name).unwrap_or_else(|e| panic!("{e}"));
        let zone = common::suite_zone(&case["zone"]);
        let options = Options { timestamp: Some(1_700_000_000), ..Options::default() };
        let message = Policy::with_options(settings, options).message(connection(&case["connection"]));
        let mut problems = Vec::new();
        for (i, r) in case["recipients"].as_array().unwrap().iter().enumerate() {
            let host = r.get("host_rules").map(|h| overrides_from_value(&tree(h), "host", true).unwrap());
            let d = message.decide_with(r["address"].as_str().unwrap(), host).run(&zone);
            for p in differences(&d, &r["expect"]) {
                problems.push(format!("recipient {i} ({}): {p}", r["address"]));
            }
        }
        if !problems.is_empty() {
            failed.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    let passed = list.len() - failed.len();
    common::record_count("rust/policy/cases", list.len(), passed);
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), list.len(), failed.join("\n"));
}

#[test]
fn bad_settings_name_their_key() {
    let all = cases();
    let list = all["bad_settings"].as_array().unwrap();
    let mut failed = Vec::new();
    for case in list {
        let name = case["name"].as_str().unwrap();
        let mut settings = case["settings"].clone();
        if let Some(g) = case.get("generate") {
            let key = g["key"].as_str().unwrap();
            let items = vec![g["value"].clone(); g["count"].as_u64().unwrap() as usize];
            settings[key] = Json::Array(items);
        }
        match settings_from_value(&tree(&settings), "policy.toml") {
            Ok(_) => failed.push(format!("{name}: accepted")),
            Err(e) => {
                if e.key != case["error_key"].as_str().unwrap() {
                    failed.push(format!("{name}: key {:?}, want {} ({e})", e.key, case["error_key"]));
                }
                if e.to_string().contains(['\r', '\n']) {
                    failed.push(format!("{name}: the message spans lines: {e:?}"));
                }
            }
        }
    }
    common::record_count("rust/policy/bad-settings", list.len(), list.len() - failed.len());
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

fn zone() -> Zone {
    let mut z = Zone::new();
    z.add("example.com", RData::Txt(b"v=spf1 a:mail.example.com -all".to_vec()));
    z.add("mail.example.com", RData::A("192.0.2.1".parse().unwrap()));
    z.add("forwarder.example", RData::Txt(b"v=spf1 ip4:198.51.100.0/24 -all".to_vec()));
    z
}

fn message(settings: Settings, ip: &str) -> Message {
    Policy::new(settings).message(Connection {
        ip: ip.parse().unwrap(),
        helo: "mail.example.com".into(),
        mail_from: "alice@example.com".into(),
        authenticated: false,
    })
}

fn toml(text: &str) -> Settings {
    spfkit::policy::settings_from_toml(text, "test.toml").unwrap()
}

#[test]
fn one_spf_evaluation_per_message() {
    let m = message(toml("authserv_id = \"mx.example.net\"\n"), "192.0.2.1");
    let first = m.decide("a@example.net").run(&zone());
    assert_eq!(first.action, Action::AcceptWithHeaders);
    assert!(first.queries > 0);
    for r in ["b@example.net", "c@example.org"] {
        let d = m.decide(r).run(&zone());
        assert_eq!((d.action, d.queries), (Action::Accept, 0), "{r}");
        assert!(d.headers.is_empty());
    }
}

#[test]
fn a_forwarder_check_adds_only_its_own_lookups() {
    let settings = toml(concat!(
        "[address.\"alice@example.net\"]\n",
        "forwarder = [{ name = \"fw\", domain = \"forwarder.example\" }]\n"
    ));
    let m = message(settings, "198.51.100.9");
    let plain = m.decide("bob@example.net").run(&zone());
    assert_eq!((plain.action, plain.rule), (Action::Reject, Rule::MailFromReject));
    let forwarded = m.decide("alice+lists@example.net").run(&zone());
    assert_eq!(forwarded.rule, Rule::ForwarderDomain);
    assert_eq!(forwarded.action, Action::AcceptWithHeaders);
    // The message's own SPF was known: one TXT query for the forwarder's
    // domain (the HELO name's lookups, too, were made by the first).
    assert_eq!(forwarded.queries, 1);
}

#[test]
fn the_step_api_drives_a_decision() {
    let m = message(toml("iprev = \"require\"\n"), "192.0.2.1");
    let mut decide = m.decide("bob@example.net");
    let z = {
        let mut z = zone();
        z.add("1.2.0.192.in-addr.arpa", RData::Ptr("mail.example.com".into()));
        z
    };
    let mut steps = 0;
    loop {
        let queries = match decide.next() {
            Step::Lookup(q) => q.to_vec(),
            Step::Pending => panic!("waiting with every query answered"),
            Step::Done(_) => break,
        };
        steps += 1;
        // Answered in reverse order: the step API takes any order.
        for q in queries.iter().rev() {
            decide.answer(q.id, z.lookup(q)).unwrap();
        }
    }
    let d = decide.into_decision().unwrap();
    assert_eq!(d.action, Action::AcceptWithHeaders, "{d:?}");
    assert_eq!(d.iprev, Some(spfkit::IprevResult::Pass));
    assert_eq!(d.round_trips, steps);
    // iprev's two steps (PTR, then A) went out with SPF's three.
    let without = message(Settings::default(), "192.0.2.1").decide("bob@example.net").run(&z);
    assert_eq!((without.round_trips, without.iprev), (3, None));
    assert_eq!(d.round_trips, 3);
    assert_eq!(d.queries, without.queries + 2);
}

#[test]
fn hostile_recipients_are_not_checked() {
    let m = message(Settings::default(), "192.0.2.1");
    let long = format!("{}@example.net", "a".repeat(1 << 20));
    let recipients: [&[u8]; 7] = [
        b"no-at-sign",
        b"@example.net",
        b"user@",
        b"\xff\xfe@example.net",
        b"a\r\nX-Injected: 1@example.net",
        long.as_bytes(),
        b"",
    ];
    for r in recipients {
        let d = m.decide(r).run(&zone());
        assert_eq!((d.action, d.rule), (Action::NotChecked, Rule::BadRecipient), "{r:?}");
        assert_eq!(d.queries, 0);
    }
    // The message is still decided normally afterwards.
    assert_eq!(m.decide("ok@example.net").run(&zone()).action, Action::AcceptWithHeaders);
}

#[test]
fn an_expired_decision_defers_on_temperror() {
    let m = message(toml("[mail_from]\ntemperror = \"defer\"\n[helo]\ncheck = false\n"), "192.0.2.1");
    let mut decide = m.decide("bob@example.net");
    assert!(matches!(decide.next(), Step::Lookup(_)));
    decide.expire();
    let d = loop {
        match decide.next() {
            Step::Done(d) => break d.clone(),
            Step::Lookup(_) | Step::Pending => decide.expire(),
        }
    };
    assert_eq!(d.action, Action::Defer, "{d:?}");
    assert_eq!(d.reply.unwrap().enhanced, "4.7.24");
}

#[test]
fn every_rule_has_a_distinct_name() {
    let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Rule::ALL.len());
}
