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

/// A scratch directory, removed at the end.
pub struct TempDir(PathBuf);

impl TempDir {
    /// `spfkit-<test>-<pid>-<name>` in the system's temporary directory,
    /// emptied first.
    pub fn new(test: &str, name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("spfkit-{test}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A daemon the test started (`spfkit policyd`, `spfkit srsd`), logging to
/// a file, killed (by its pid) when dropped.
pub struct Running {
    pub child: std::process::Child,
    /// Its standard error, the first line and what followed.
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
    pub log: PathBuf,
}

impl Running {
    /// Starts `cmd` and waits for the first line it writes on standard
    /// error, which must start with `banner` (`spfkit policyd: listening
    /// on `): returns the rest of that line up to its `;`.
    pub fn start(cmd: &mut Command, log: &std::path::Path, banner: &str) -> (Running, String) {
        use std::io::Read;
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        let _ = stderr.read_line(&mut first);
        let text = std::sync::Arc::new(std::sync::Mutex::new(first.clone()));
        let sink = std::sync::Arc::clone(&text);
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            sink.lock().unwrap().push_str(&rest);
        });
        let Some(rest) = first.strip_prefix(banner).and_then(|r| r.split(';').next()) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("did not start: {first:?}; log: {:?}", std::fs::read_to_string(log));
        };
        let rest = rest.trim_end().to_owned();
        (Running { child, stderr: text, log: log.to_owned() }, rest)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (at most 10 s) for a log line holding `needle`.
    pub fn wait_log(&self, needle: &str) {
        let start = std::time::Instant::now();
        while !self.log().contains(needle) {
            assert!(start.elapsed() < std::time::Duration::from_secs(10), "no {needle:?} in the log:\n{}", self.log());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on the pid of a child this test started and has
        // not yet reaped.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, sig) }, 0);
    }

    /// Waits (at most `limit`) for it to exit.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> ExitStatus {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < limit, "still running after {limit:?}; log:\n{}", self.log());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
