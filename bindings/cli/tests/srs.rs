//! `spfkit srs`: every postsrsd vector (tests/srs/vectors.json) through the
//! binary, with `--now` for the instant postsrsd's clock was faked to; the
//! secrets file, keygen and exit statuses.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use spfkit_cli::EXIT_USAGE;
use spfkit_cli::srs::{EXIT_CONFIG, EXIT_REFUSED};

mod common;
use common::{record_count, repo_path as repo, spfkit};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spfkit-srs-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn secret_file(dir: &Path, name: &str, content: &str, mode: u32) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn postsrsd_vectors_through_the_command() {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(repo("tests/srs/vectors.json")).unwrap()).unwrap();
    let dir = temp_dir("vectors");
    let vectors = doc["vectors"].as_array().unwrap();
    let mut failed = Vec::new();
    for v in vectors {
        let name = v["config"].as_str().unwrap();
        let c = &doc["configs"][name];
        let secrets: String =
            c["secrets"].as_array().unwrap().iter().map(|s| format!("{}\n", s.as_str().unwrap())).collect();
        let file = secret_file(&dir, name, &secrets, 0o600);
        let now = v["now"].to_string();
        let input = v["input"].as_str().unwrap();
        let mut args = vec![v["op"].as_str().unwrap(), input, "--secret-file", &file, "--now", &now];
        args.extend(["--domain", c["domain"].as_str().unwrap()]);
        let (hl, hm) = (c["hash_length"].to_string(), c["hash_min"].to_string());
        if let Some(sep) = c["separator"].as_str() {
            args.extend(["--separator", sep]);
        }
        if c["hash_length"].is_u64() {
            args.extend(["--hash-length", &hl, "--hash-min", &hm]);
        }
        for d in c["local_domains"].as_array().into_iter().flatten() {
            args.extend(["--local-domain", d.as_str().unwrap()]);
        }
        let mut full = vec!["srs"];
        full.extend(args);
        let out = spfkit(&full);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let want = &v["expected"];
        let ok = match want["outcome"].as_str().unwrap() {
            "ok" => {
                let warned = stderr.contains("warning: long-local-part");
                out.status.code() == Some(0)
                    && stdout == format!("{}\n", want["address"].as_str().unwrap())
                    && warned == want["warnings"].as_array().is_some_and(|w| !w.is_empty())
            }
            "unchanged" => {
                out.status.code() == Some(0)
                    && stdout == format!("{input}\n")
                    && stderr == format!("spfkit: unchanged: {}\n", want["reason"].as_str().unwrap())
            }
            _ => {
                out.status.code() == Some(EXIT_REFUSED)
                    && stdout.is_empty()
                    && stderr.starts_with(&format!("{}: ", want["kind"].as_str().unwrap()))
            }
        };
        if !ok {
            failed.push(format!("{full:?}: {:?} {stdout:?} {stderr:?}, want {want}", out.status.code()));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    record_count("rust/srs/cli", vectors.len(), vectors.len() - failed.len());
    assert!(failed.is_empty(), "{} of {} failed:\n{}", failed.len(), vectors.len(), failed.join("\n"));
}

#[test]
fn secrets_file_and_exit_statuses() {
    let dir = temp_dir("files");
    let private = secret_file(&dir, "private", "test-secret-one\n", 0o600);
    let shared = secret_file(&dir, "shared", "test-secret-one\n", 0o644);
    let empty = secret_file(&dir, "empty", "\n\n", 0o600);
    let fwd = |file: &str, extra: &[&str]| {
        let mut a = vec!["srs", "forward", "alice@example.com", "--secret-file", file, "--domain", "fwd.example"];
        a.extend_from_slice(&["--now", "1767268800"]);
        a.extend_from_slice(extra);
        spfkit(&a)
    };
    let out = fwd(&private, &[]);
    assert_eq!(text(&out.stdout), "SRS0=pfQg=7G=example.com=alice@fwd.example\n");
    assert_eq!((out.status.code(), text(&out.stderr)), (Some(0), String::new()));

    let out = fwd(&shared, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("readable by group or others (mode 644)"), "{}", text(&out.stderr));

    let out = fwd(&empty, &[]);
    assert_eq!(out.status.code(), Some(EXIT_CONFIG));
    assert!(text(&out.stderr).contains("no secret"));
    let missing = dir.join("missing");
    assert_eq!(fwd(missing.to_str().unwrap(), &[]).status.code(), Some(EXIT_CONFIG));
    assert_eq!(fwd(&private, &["--hash-length", "28"]).status.code(), Some(EXIT_CONFIG));
    assert_eq!(fwd(&private, &["--bogus"]).status.code(), Some(EXIT_USAGE));
    assert_eq!(spfkit(&["srs", "forward", "a@b", "--secret-file", &private]).status.code(), Some(EXIT_USAGE));

    let out = fwd(&private, &["--url-safe", "--refuse-long"]);
    assert_eq!(out.status.code(), Some(0));
    let long = format!("{}@example.com", "a".repeat(60));
    let out = spfkit(&["srs", "forward", &long, "--secret-file", &private, "--domain", "fwd.example", "--refuse-long"]);
    assert_eq!(out.status.code(), Some(EXIT_REFUSED));
    assert!(text(&out.stderr).starts_with("too-long: "));

    // Without --now: today's clock, a round trip.
    let out = spfkit(&["srs", "forward", "bob@example.org", "--secret-file", &private, "--domain", "fwd.example"]);
    let srs = text(&out.stdout);
    let out = spfkit(&["srs", "reverse", srs.trim(), "--secret-file", &private]);
    assert_eq!(text(&out.stdout), "bob@example.org\n");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn keygen_prints_fresh_secrets() {
    let a = spfkit(&["srs", "keygen"]);
    let b = spfkit(&["srs", "keygen"]);
    assert_eq!(a.status.code(), Some(0));
    let (a, b) = (text(&a.stdout), text(&b.stdout));
    assert_eq!(a.len(), 33, "{a:?}");
    assert!(a.trim().bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/'));
    assert_ne!(a, b);
    let help = spfkit(&["srs", "--help"]);
    assert!(text(&help.stdout).contains("Exit status"));
    assert!(text(&spfkit(&["--help"]).stdout).contains("spfkit srs forward|reverse|keygen"));
}
