//! What the command's end-to-end tests share: the repository, running the
//! command, CI's counts, and NSD through tests/dns/serve.py.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path in the repository.
pub fn repo_path(rel: &str) -> PathBuf {
    repo().join(rel)
}

/// The command built for these tests, run to completion.
pub fn spfkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spfkit")).args(args).output().expect("run spfkit")
}

/// Appends `{"name", "ran", "passed"}` as a JSON line to the file named by
/// SPFKIT_COUNTS, when set, for CI's count check (.ci/counts.py).
pub fn record_count(name: &str, ran: usize, passed: usize) {
    let Ok(path) = std::env::var("SPFKIT_COUNTS") else { return };
    let line = serde_json::json!({"name": name, "ran": ran, "passed": passed}).to_string() + "\n";
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("open SPFKIT_COUNTS");
    std::io::Write::write_all(&mut f, line.as_bytes()).expect("write SPFKIT_COUNTS");
}

/// NSD through tests/dns/serve.py, serving `zones` (paths from the
/// repository) on 127.0.0.1 at a free port while its standard input is
/// open. NSD must be installed: without it the tests fail, never skip.
pub struct NameServer {
    child: Child,
    stdin: Option<ChildStdin>,
    pub addr: SocketAddr,
}

impl NameServer {
    pub fn start(zones: &[&str]) -> NameServer {
        let root = repo();
        let mut child = Command::new("python3")
            .arg(root.join("tests/dns/serve.py"))
            .args(zones.iter().map(|z| root.join(z)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3 tests/dns/serve.py");
        let stdin = child.stdin.take();
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            panic!("tests/dns/serve.py printed {line:?}, not a port; its error is above (is NSD installed?)")
        });
        NameServer { child, stdin, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
    }

    /// `127.0.0.1:PORT`, as `--nameserver` takes it.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Closes the script's standard input, as a test of any host would.
    pub fn stop(mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("wait for serve.py")
    }
}

impl Drop for NameServer {
    fn drop(&mut self) {
        // A failing test still stops the server.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
