//! tests/srs/vectors.json (what postsrsd 1.10 wrote, every host runs it),
//! and what postsrsd cannot show: URL-safe writing, refusing long local
//! parts, settings errors, hostile input.
#![cfg(feature = "srs")]

mod common;

use serde_json::{Value as Json, json};
use spfkit::srs::{
    Error, ErrorKind, Forwarded, MAX_ADDRESS_LEN, Settings, SettingsError, Srs, Warning, secret_from_bytes,
};

/// 2026-01-01T12:00:00Z, day slot 998 ("7G").
const NOW: u64 = 1_767_268_800;
const DAY: u64 = 86_400;

fn settings_from(config: &Json) -> Settings {
    let secrets: Vec<&str> = config["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let mut s = Settings::new(config["domain"].as_str().unwrap(), secrets[0]);
    s.secrets = secrets.iter().map(|x| x.as_bytes().to_vec()).collect();
    if let Some(sep) = config["separator"].as_str() {
        s.separator = sep.chars().next().unwrap();
    }
    if let Some(n) = config["hash_length"].as_u64() {
        s.hash_length = n as usize;
    }
    if let Some(n) = config["hash_min"].as_u64() {
        s.hash_min = n as usize;
    }
    if let Some(list) = config["local_domains"].as_array() {
        s.local_domains = list.iter().map(|d| d.as_str().unwrap().to_owned()).collect();
    }
    s
}

/// An outcome in the vectors' form.
fn forward_json(r: Result<Forwarded, Error>) -> Json {
    match r {
        Ok(Forwarded::Rewritten { address, warnings }) => json!({
            "outcome": "ok", "address": address,
            "warnings": warnings.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
        }),
        Ok(Forwarded::Unchanged { reason, .. }) => json!({"outcome": "unchanged", "reason": reason.as_str()}),
        Err(e) => json!({"outcome": "error", "kind": e.kind().as_str()}),
    }
}

fn reverse_json(r: Result<String, Error>) -> Json {
    match r {
        Ok(address) => json!({"outcome": "ok", "address": address}),
        Err(e) => json!({"outcome": "error", "kind": e.kind().as_str()}),
    }
}

#[test]
fn postsrsd_vectors() {
    let doc: Json = serde_json::from_str(&common::repo_file("tests/srs/vectors.json")).expect("vectors.json");
    let vectors = doc["vectors"].as_array().unwrap();
    let mut failed = Vec::new();
    for v in vectors {
        let srs = Srs::new(settings_from(&doc["configs"][v["config"].as_str().unwrap()])).unwrap();
        let (input, now) = (v["input"].as_str().unwrap(), v["now"].as_u64().unwrap());
        let got = match v["op"].as_str().unwrap() {
            "forward" => forward_json(srs.forward(input, now)),
            _ => reverse_json(srs.reverse(input, now)),
        };
        if got != v["expected"] {
            failed.push(format!("{} {} {input:?}: got {got}, want {}", v["config"], v["op"], v["expected"]));
        }
        // A deviation says why; otherwise postsrsd's outcome is spfkit's.
        assert!(v.get("deviation").is_some() || v["expected"] == v["postsrsd"], "{v}");
    }
    common::record_count("rust/srs/vectors", vectors.len(), vectors.len() - failed.len());
    assert!(failed.is_empty(), "{} of {} vectors failed:\n{}", failed.len(), vectors.len(), failed.join("\n"));
    assert!(vectors.len() >= 90, "too few vectors: {}", vectors.len());
}

fn srs() -> Srs {
    Srs::new(Settings::new("fwd.example", "test-secret-one")).unwrap()
}

fn kind_fwd(srs: &Srs, a: &str) -> ErrorKind {
    srs.forward(a, NOW).unwrap_err().kind()
}

fn kind_rev(srs: &Srs, a: &str) -> ErrorKind {
    srs.reverse(a, NOW).unwrap_err().kind()
}

#[test]
fn url_safe_writes_dash_and_underscore() {
    // postsrsd wrote SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example.
    let mut s = Settings::new("fwd.example", "test-secret-one");
    s.url_safe = true;
    let url = Srs::new(s).unwrap();
    let a = url.forward("urlsafe2@example.com", NOW).unwrap();
    assert_eq!(a.address(), "SRS0=f-Bb=7G=example.com=urlsafe2@fwd.example");
    assert_eq!(url.reverse(a.address(), NOW).unwrap(), "urlsafe2@example.com");
    // Both alphabets read either way, in any case.
    for a in ["SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example", "srs0=F-BB=7g=example.com=urlsafe2@x"] {
        assert_eq!(url.reverse(a, NOW).unwrap(), "urlsafe2@example.com");
        assert_eq!(srs().reverse(a, NOW).unwrap(), "urlsafe2@example.com");
    }
}

#[test]
fn long_local_parts_warn_or_are_refused() {
    let long = format!("{}@example.com", "a".repeat(40));
    let fwd = srs().forward(&long, NOW).unwrap();
    assert_eq!(fwd.warnings(), [Warning::LongLocalPart { octets: 65 }]);
    let mut s = Settings::new("fwd.example", "test-secret-one");
    s.refuse_long = true;
    let strict = Srs::new(s).unwrap();
    assert_eq!(kind_fwd(&strict, &long), ErrorKind::TooLong);
    // 64 octets exactly is fine: 13 + 11 + 1 + 39.
    let fits = format!("{}@example.com", "a".repeat(39));
    assert!(strict.forward(&fits, NOW).unwrap().warnings().is_empty());
    // Reverse still takes what libsrs2 wrote long.
    assert_eq!(strict.reverse(fwd.address(), NOW).unwrap(), long);
}

#[test]
fn lengths_at_the_buffer_edge() {
    let s = srs();
    let at = |n: usize| format!("{}@example.com", "u".repeat(n - 12));
    assert_eq!(s.forward(&at(998), NOW).unwrap().address().len(), MAX_ADDRESS_LEN);
    assert_eq!(kind_fwd(&s, &at(999)), ErrorKind::TooLong);
    assert_eq!(kind_fwd(&s, &at(1024)), ErrorKind::TooLong);
    assert_eq!(kind_fwd(&s, &at(100_000)), ErrorKind::TooLong);
    // Local mail stays local up to the limit, and not beyond.
    let local = format!("{}@fwd.example", "b".repeat(1011));
    assert_eq!(s.forward(&local, NOW).unwrap().address(), local);
    assert_eq!(kind_fwd(&s, &format!("b{local}")), ErrorKind::TooLong);
    let long_srs = format!("SRS0=pfQg=7G=example.com={}@fwd.example", "a".repeat(1000));
    assert_eq!(kind_rev(&s, &long_srs), ErrorKind::TooLong);
    assert_eq!(kind_rev(&s, &format!("{}@x", "a".repeat(5000))), ErrorKind::NotSrs);
}

#[test]
fn hostile_input_gets_a_kind() {
    let s = srs();
    let good = "SRS0=pfQg=7G=example.com=alice@fwd.example";
    assert_eq!(s.reverse(good, NOW).unwrap(), "alice@example.com");
    let cases: &[(&str, ErrorKind)] = &[
        // forged, expired, truncated, lower-cased tag with a bad hash
        ("SRS0=pfQh=7G=example.com=alice@fwd.example", ErrorKind::BadHash),
        ("SRS0=pfQg=7F=example.com=alice@fwd.example", ErrorKind::BadHash),
        ("SRS0=pfQg=5G=example.com=alice@fwd.example", ErrorKind::Expired),
        ("SRS0=pfQg=7G=example.com", ErrorKind::Malformed),
        ("SRS0=pfQg=7G", ErrorKind::Malformed),
        ("SRS0=", ErrorKind::Malformed),
        ("SRS0", ErrorKind::NotSrs),
        ("SRS", ErrorKind::NotSrs),
        ("", ErrorKind::NotSrs),
        ("srs0=xxxx=7g=example.com=alice@fwd.example", ErrorKind::BadHash),
        // a timestamp of many characters (CVE-2020-35573), or of others
        (
            &*Box::leak(format!("SRS0=pfQg={}=example.com=alice@fwd.example", "7".repeat(900)).into_boxed_str()),
            ErrorKind::BadTimestamp,
        ),
        ("SRS0=pfQg=7\u{e9}=example.com=alice@fwd.example", ErrorKind::Malformed),
        ("SRS0=pfQg=70=example.com=alice@fwd.example", ErrorKind::BadTimestamp),
        // hashes of the wrong length or alphabet
        ("SRS0==7G=example.com=alice@fwd.example", ErrorKind::BadHash),
        ("SRS0=p=7G=example.com=alice@fwd.example", ErrorKind::BadHash),
        ("SRS0=pf.g=7G=example.com=alice@fwd.example", ErrorKind::BadHash),
        ("SRS0=pf\u{fc}g=7G=example.com=alice@fwd.example", ErrorKind::Malformed),
        // NUL, control characters, non-ASCII
        ("SRS0=pfQg=7G=example.com=al\0ice@fwd.example", ErrorKind::Malformed),
        ("SRS0=pfQg=7G=example.com=alice\n@fwd.example", ErrorKind::Malformed),
        ("SRS0=pfQg=7G=example.com=alic\u{e9}@fwd.example", ErrorKind::Malformed),
        // empty local part or host under a valid-looking hash
        ("SRS0=pfQg=7G=example.com=@fwd.example", ErrorKind::BadHash),
        ("SRS1=AAAA==@fwd.example", ErrorKind::BadHash),
    ];
    for (a, want) in cases {
        assert_eq!(s.reverse(a, NOW).map_err(|e| e.kind()), Err(*want), "{a:?}");
    }
    // The fields are hashed lower-cased: any case verifies.
    assert_eq!(s.reverse("SRS0=pfQg=7G=example.com=alicE@fwd.example", NOW).unwrap(), "alicE@example.com");
    // postsrsd signed these for "@example.com" and "user@": valid hashes,
    // yet no address to deliver to.
    assert_eq!(kind_rev(&s, "SRS0=QJV9=7G=example.com=@fwd.example"), ErrorKind::Malformed);
    assert_eq!(kind_rev(&s, "SRS0=yyKg=7G==user@fwd.example"), ErrorKind::Malformed);

    for (a, want) in [
        ("", ErrorKind::Malformed),
        ("@", ErrorKind::Malformed),
        ("a@", ErrorKind::Malformed),
        ("@b", ErrorKind::Malformed),
        ("a\0b@example.com", ErrorKind::Malformed),
        ("a@exa\0mple.com", ErrorKind::Malformed),
        ("\u{e9}@example.com", ErrorKind::Malformed),
        ("SRS1=@x", ErrorKind::Malformed),
        ("SRS1=a=b@x", ErrorKind::Malformed),
        ("sRs1@x=y=z", ErrorKind::Malformed),
    ] {
        assert_eq!(kind_fwd(&s, a), want, "{a:?}");
    }
    // Local mail is left alone before its octets are looked at.
    assert_eq!(s.forward("j\u{f6}rg@FWD.example", NOW).unwrap().address(), "j\u{f6}rg@FWD.example");
}

#[test]
fn settings_are_checked() {
    let base = || Settings::new("fwd.example", "s");
    let bad = |f: &dyn Fn(&mut Settings), want: SettingsError| {
        let mut s = base();
        f(&mut s);
        assert_eq!(Srs::new(s).unwrap_err(), want);
    };
    bad(&|s| s.secrets.clear(), SettingsError::NoSecret);
    bad(&|s| s.secrets.push(Vec::new()), SettingsError::BadSecret);
    bad(&|s| s.secrets[0] = b"a\0b".to_vec(), SettingsError::BadSecret);
    bad(&|s| s.domain.clear(), SettingsError::BadDomain);
    bad(&|s| s.domain = "a@b".into(), SettingsError::BadDomain);
    bad(&|s| s.domain = "f\u{fc}.example".into(), SettingsError::BadDomain);
    bad(&|s| s.separator = '/', SettingsError::BadSeparator);
    bad(&|s| s.hash_length = 0, SettingsError::BadHashLength);
    bad(&|s| s.hash_length = 28, SettingsError::BadHashLength);
    bad(&|s| s.hash_min = 0, SettingsError::BadHashMin);
    bad(&|s| s.hash_min = 5, SettingsError::BadHashMin);
    bad(&|s| s.max_age_days = 1024, SettingsError::BadMaxAge);
    bad(&|s| s.local_domains.push(".".into()), SettingsError::BadLocalDomain);
    bad(&|s| s.local_domains.push(" x".into()), SettingsError::BadLocalDomain);
    // The longest hash is the whole digest; shorter minimums verify prefixes.
    let mut s = base();
    s.hash_length = 27;
    s.hash_min = 1;
    let srs = Srs::new(s).unwrap();
    let a = srs.forward("a@example.com", NOW).unwrap();
    let hash = a.address().split('=').nth(1).unwrap();
    assert_eq!(hash.len(), 27);
    let short = a.address().replacen(hash, &hash[..1], 1);
    assert_eq!(srs.reverse(&short, NOW).unwrap(), "a@example.com");
    // Secrets stay out of Debug.
    assert!(!format!("{srs:?}").contains("\"s\""));
    assert!(format!("{:?}", base()).contains("1 hidden"));
}

#[test]
fn max_age_is_configurable() {
    let mut s = Settings::new("fwd.example", "test-secret-one");
    s.max_age_days = 0;
    let srs = Srs::new(s).unwrap();
    let a = "SRS0=pfQg=7G=example.com=alice@fwd.example";
    assert_eq!(srs.reverse(a, NOW + DAY - 1 - 12 * 3600).unwrap(), "alice@example.com");
    assert_eq!(srs.reverse(a, NOW + DAY).unwrap_err().kind(), ErrorKind::Expired);
}

#[test]
fn keygen_is_base64() {
    assert_eq!(secret_from_bytes(&[0; 24]), "A".repeat(32));
    assert_eq!(secret_from_bytes(b"foob"), "Zm9vYg==");
    let srs = Srs::new(Settings::new("fwd.example", secret_from_bytes(&[7; 24]))).unwrap();
    let a = srs.forward("x@example.com", NOW).unwrap();
    assert_eq!(srs.reverse(a.address(), NOW).unwrap(), "x@example.com");
}

#[test]
fn errors_have_stable_names() {
    let names: Vec<_> = [
        ErrorKind::NotSrs,
        ErrorKind::BadHash,
        ErrorKind::Expired,
        ErrorKind::BadTimestamp,
        ErrorKind::Malformed,
        ErrorKind::TooLong,
    ]
    .iter()
    .map(|k| k.as_str())
    .collect();
    assert_eq!(names, ["not-srs", "bad-hash", "expired", "bad-timestamp", "malformed", "too-long"]);
    let e = srs().reverse("SRS0=AAAA=7G=a=b@x", NOW).unwrap_err();
    assert_eq!(e.to_string(), "bad-hash: the hash is invalid");
}
