//! `spfkit policyd` end to end: the built binary over each way Postfix
//! reaches it (standard input and output as spawn(8) runs it, TCP, a unix
//! socket, systemd socket activation), deciding against NSD
//! (tests/dns/serve.py, as nsd.rs starts it; NSD must be installed), with
//! a delaying UDP proxy in front of NSD for slow DNS. Everything listens on
//! 127.0.0.1 at free ports or in a temporary directory; every process a
//! test starts is killed when the test ends, failed or not.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{NameServer, Running, TempDir, repo};

const BIN: &str = env!("CARGO_BIN_EXE_spfkit");

/// NSD with the zones the policyd tests ask.
fn name_server() -> NameServer {
    NameServer::start(&["examples/zones/example.zone", "tests/dns/e2e.zone", "tests/dns/policyd.zone"])
}

/// A UDP proxy in front of a name server that holds back the answers to
/// questions whose name holds `slow` for `delay`.
struct SlowProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The question's name of a DNS message, lower case, labels joined by dots.
fn question_name(msg: &[u8]) -> String {
    let mut labels = Vec::new();
    let mut i = 12;
    while let Some(&len) = msg.get(i) {
        let len = usize::from(len);
        if len == 0 || len > 63 || i + 1 + len > msg.len() {
            break;
        }
        labels.push(String::from_utf8_lossy(&msg[i + 1..i + 1 + len]).to_ascii_lowercase());
        i += 1 + len;
    }
    labels.join(".")
}

impl SlowProxy {
    fn start(upstream: SocketAddr, slow: &'static str, delay: Duration) -> SlowProxy {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !flag.load(Ordering::Relaxed) {
                let Ok((n, client)) = socket.recv_from(&mut buf) else { continue };
                let query = buf[..n].to_vec();
                let wait = if question_name(&query).contains(slow) { delay } else { Duration::ZERO };
                let reply_to = socket.try_clone().unwrap();
                std::thread::spawn(move || {
                    std::thread::sleep(wait);
                    let up = UdpSocket::bind("127.0.0.1:0").unwrap();
                    up.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let _ = up.send_to(&query, upstream);
                    let mut answer = [0u8; 4096];
                    if let Ok(n) = up.recv(&mut answer) {
                        let _ = reply_to.send_to(&answer[..n], client);
                    }
                });
            }
        });
        SlowProxy { addr, stop, thread: Some(thread) }
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The settings of most tests: a temperror defers, so each decision of
/// the test table shows.
const SETTINGS: &str = "authserv_id = \"mx.example.net\"\n[mail_from]\ntemperror = \"defer\"\n";

/// A running `spfkit policyd`, killed (by its pid) when dropped.
struct Daemon {
    run: Running,
    /// Where it listens, as it printed: `tcp:127.0.0.1:PORT`, `unix:PATH`.
    listening: String,
}

impl std::ops::Deref for Daemon {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.run
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Running {
        &mut self.run
    }
}

impl Daemon {
    /// Starts it from `cmd` (a listener given, or systemd's socket), logging
    /// to `log`; waits for its first line on standard error.
    fn start(cmd: &mut Command, log: &Path) -> Daemon {
        let (run, listening) = Running::start(cmd, log, "spfkit policyd: listening on ");
        Daemon { run, listening }
    }

    fn command(args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("policyd").args(args);
        cmd
    }

    fn tcp(&self) -> TcpStream {
        let addr = self.listening.strip_prefix("tcp:").expect("a TCP listener");
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    fn unix(&self) -> UnixStream {
        let path = self.listening.strip_prefix("unix:").expect("a unix listener");
        let s = UnixStream::connect(path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }
}

/// A request as Postfix 3.x sends it at RCPT (SMTPD_POLICY_README's list).
fn rcpt(ip: &str, sender: &str, recipient: &str, instance: &str) -> String {
    format!(
        "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address={ip}\n\
         client_name=unknown\nclient_port=40000\nreverse_client_name=unknown\nserver_address=127.0.0.1\n\
         server_port=25\nhelo_name=mail.policyd.example\nsender={sender}\nrecipient={recipient}\n\
         recipient_count=0\nqueue_id=\ninstance={instance}\nsize=0\netrn_domain=\nstress=\nsasl_method=\n\
         sasl_username=\nsasl_sender=\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n\
         ccert_pubkey_fingerprint=\nencryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n\
         policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n"
    )
}

/// The DATA request of a message of `count` recipients.
fn data(instance: &str, count: u32) -> String {
    format!(
        "request=smtpd_access_policy\nprotocol_state=DATA\nprotocol_name=ESMTP\nclient_address=203.0.113.5\n\
         helo_name=mail.policyd.example\nsender=alice@example.com\nrecipient=\nrecipient_count={count}\n\
         queue_id=4XyZ1k2m3n\ninstance={instance}\n\n"
    )
}

const PASS_IP: &str = "203.0.113.5";
const FAIL_IP: &str = "192.0.2.99";
const FAIL_REPLY: &str = "action=550 5.7.23 192.0.2.99 may not send mail for example.com; \
                          see https://www.example.com/spf?s=alice%40example.com\n\n";
const TEMPERROR_REPLY: &str =
    "action=DEFER_IF_PERMIT 4.7.24 SPF temporary error: DNS error looking up TXT for _spf.unserved.example\n\n";

/// Writes `request` and reads one reply (up to its empty line).
fn ask(conn: &mut (impl Read + Write), request: &str) -> String {
    conn.write_all(request.as_bytes()).unwrap();
    read_reply(conn)
}

fn read_reply(conn: &mut impl Read) -> String {
    let mut reply = Vec::new();
    let mut byte = [0u8];
    while !reply.ends_with(b"\n\n") {
        match conn.read(&mut byte) {
            Ok(1) => reply.push(byte[0]),
            other => panic!("no whole reply ({other:?}) after {:?}", String::from_utf8_lossy(&reply)),
        }
    }
    String::from_utf8(reply).unwrap()
}

/// The table every mode is checked with: pass with its headers once for
/// two recipients (Received-SPF at RCPT, Authentication-Results at DATA),
/// fail, temperror, a state not decided.
fn decisions(conn: &mut (impl Read + Write)) {
    let first = ask(conn, &rcpt(PASS_IP, "alice@example.com", "bob@example.net", "A1"));
    assert!(
        first.starts_with(
            "action=PREPEND Received-SPF: pass (mx.example.net: domain of alice@example.com designates 203.0.113.5 \
             as permitted sender) client-ip=203.0.113.5; envelope-from=\"alice@example.com\"; \
             helo=mail.policyd.example; receiver=mx.example.net; identity=mailfrom;"
        ),
        "{first}"
    );
    assert_eq!(first.matches('\n').count(), 2, "one line: {first:?}");
    assert_eq!(ask(conn, &rcpt(PASS_IP, "alice@example.com", "carol@example.net", "A1")), "action=DUNNO\n\n");
    assert_eq!(
        ask(conn, &data("A1", 2)),
        "action=PREPEND Authentication-Results: mx.example.net; spf=neutral smtp.helo=mail.policyd.example; \
         spf=pass smtp.mailfrom=alice@example.com\n\n"
    );
    assert_eq!(ask(conn, &data("A1", 2)), "action=DUNNO\n\n");
    assert_eq!(ask(conn, &data("A1", 2).replace("DATA", "END-OF-MESSAGE")), "action=DUNNO\n\n");
    assert_eq!(ask(conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "A2")), FAIL_REPLY);
    assert_eq!(ask(conn, &rcpt(PASS_IP, "a@refusing.e2e.example", "bob@example.net", "A3")), TEMPERROR_REPLY);
    // The same message's second recipient: the same evaluation, no DNS.
    assert_eq!(ask(conn, &rcpt(PASS_IP, "a@refusing.e2e.example", "carol@example.net", "A3")), TEMPERROR_REPLY);
}

/// The log lines `decisions` leaves.
fn check_decision_log(log: &str) {
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("]: decision: ")).collect();
    assert_eq!(lines.len(), 5, "{log}");
    assert!(
        lines[0].contains(
            "decision: client=203.0.113.5 helo=mail.policyd.example sender=alice@example.com \
             recipient=bob@example.net instance=A1 action=accept-with-headers rule=accept helo_result=neutral \
             mail_from_result=pass key=example.com:PASS queries="
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("answer=\"PREPEND Received-SPF\""), "{}", lines[0]);
    assert!(lines[1].contains(" action=accept rule=accept ") && lines[1].contains(" queries=0 "), "{}", lines[1]);
    assert!(lines[2].contains(" action=reject rule=mail-from-reject ") && lines[2].contains("key=example.com:FAIL"));
    assert!(lines[3].contains(" action=defer rule=mail-from-temperror ") && lines[3].contains(" ms="));
    assert!(lines[4].contains(" queries=0 "), "{}", lines[4]);
    assert!(log.contains("]: data: instance=A1 queue_id=4XyZ1k2m3n answer=\"PREPEND Authentication-Results\""));
    assert!(log.contains("]: not decided: state=END-OF-MESSAGE instance=A1 recipient=\"\" recipient_count=2"));
}

fn write_settings(dir: &TempDir, text: &str) -> PathBuf {
    let path = dir.path("policy.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A daemon on a free TCP port with SETTINGS (dir/policy.toml), asking
/// `nameserver`, logging to dir/log, with `extra` options.
fn tcp_daemon(dir: &TempDir, nameserver: SocketAddr, extra: &[&str]) -> Daemon {
    let settings = write_settings(dir, SETTINGS);
    let log = dir.path("log");
    let ns = nameserver.to_string();
    let mut cmd = Daemon::command(&["--config", settings.to_str().unwrap(), "--nameserver", &ns]);
    cmd.args(["--listen", "tcp:127.0.0.1:0", "--log-file", log.to_str().unwrap()]).args(extra);
    Daemon::start(&mut cmd, &log)
}

#[test]
fn spawn_mode_over_pipes() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "spawn");
    let settings = write_settings(&dir, SETTINGS);
    let log = dir.path("log");
    /// Killed if the test fails before it exits by itself.
    struct Spawned(Option<Child>);
    impl Drop for Spawned {
        fn drop(&mut self) {
            if let Some(mut c) = self.0.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut spawned = Spawned(Some(
        Command::new(BIN)
            .args(["policyd", "--config", settings.to_str().unwrap(), "--nameserver", &ns.addr.to_string()])
            .args(["--log-file", log.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let child = spawned.0.as_mut().unwrap();
    struct Pipes(std::process::ChildStdin, std::process::ChildStdout);
    impl Read for Pipes {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1.read(buf)
        }
    }
    impl Write for Pipes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0.flush()
        }
    }
    let mut pipes = Pipes(child.stdin.take().unwrap(), child.stdout.take().unwrap());
    decisions(&mut pipes);
    // Postfix closing the connection ends the process, with status 0.
    drop(pipes);
    let out = spawned.0.take().unwrap().wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Standard error is Postfix's socket in spawn mode: nothing there.
    assert!(out.stderr.is_empty(), "{:?}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("policyd starting: settings from ") && log.contains("standard input and output (spawn)"));
    check_decision_log(&log);
    assert!(log.trim_end().ends_with("]: stopped"), "{log}");

    // --log-stderr has no place there: refused, silently on a pipe.
    let out = Command::new(BIN).args(["policyd", "--log-stderr"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.is_empty() && out.stdout.is_empty(), "{out:?}");
}

#[test]
fn tcp_listener() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "tcp");
    let d = tcp_daemon(&dir, ns.addr, &[]);
    assert!(d.listening.starts_with("tcp:127.0.0.1:"), "{}", d.listening);
    let mut a = d.tcp();
    decisions(&mut a);
    check_decision_log(&d.log());
    // A second connection at the same time: its own instances.
    let mut b = d.tcp();
    let first = ask(&mut b, &rcpt(PASS_IP, "alice@example.com", "bob@example.net", "A1"));
    assert!(first.starts_with("action=PREPEND Received-SPF: pass "), "{first}");
    drop((a, b));
    assert!(d.stderr.lock().unwrap().contains("logging to the file"));
}

#[test]
fn unix_socket_replaces_a_stale_file() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "unix");
    let settings = write_settings(&dir, SETTINGS);
    let log = dir.path("log");
    let path = dir.path("policyd.sock");
    // A socket file left by a server that is gone.
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let args = ["--config", settings.to_str().unwrap(), "--nameserver", &ns.addr.to_string()];
    let listen = format!("unix:{}", path.display());
    let mut d = Daemon::start(
        Daemon::command(&args).args([
            "--listen",
            &listen,
            "--socket-mode",
            "0660",
            "--log-file",
            log.to_str().unwrap(),
        ]),
        &log,
    );
    assert_eq!(d.listening, listen);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o660);
    d.wait_log("a stale socket file was replaced");
    let mut conn = d.unix();
    decisions(&mut conn);
    drop(conn);
    check_decision_log(&d.log());

    // A live one is not taken over.
    let out = Command::new(BIN).arg("policyd").args(args).args(["--listen", &listen, "--log-stderr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("a server is already listening there"), "{out:?}");

    // Stopped, it removes its socket file.
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(10)).success());
    assert!(!path.exists());
    // Nor is a file that is no socket.
    std::fs::write(&path, "x").unwrap();
    let out = Command::new(BIN).arg("policyd").args(args).args(["--listen", &listen, "--log-stderr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists and is not a socket"), "{out:?}");
}

/// `cmd` run as systemd runs a socket-activated service: `fd` as
/// descriptor 3, LISTEN_FDS=1, LISTEN_PID the service's own pid (known
/// only in the child: a shell sets it and execs).
fn socket_activated(fd: i32, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg("export LISTEN_PID=$$ LISTEN_FDS=1; exec \"$0\" \"$@\"").arg(BIN).arg("policyd").args(args);
    // SAFETY: dup2 and fcntl are async-signal-safe; nothing else runs
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let rc = if fd == 3 { libc::fcntl(3, libc::F_SETFD, 0) } else { libc::dup2(fd, 3) };
            if rc < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
        });
    }
    cmd
}

#[test]
fn systemd_socket_activation() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "systemd");
    let settings = write_settings(&dir, SETTINGS);
    let log = dir.path("log");
    let args = ["--config", settings.to_str().unwrap(), "--nameserver", &ns.addr.to_string()];
    let args: Vec<&str> = args.into_iter().chain(["--log-file", log.to_str().unwrap()]).collect();

    // TCP.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut d = Daemon::start(&mut socket_activated(listener.as_raw_fd(), &args), &log);
    drop(listener);
    assert_eq!(d.listening, format!("tcp:{addr}"));
    let mut conn = d.tcp();
    decisions(&mut conn);
    drop(conn);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(10)).success());
    check_decision_log(&d.log());
    drop(d);

    // Unix: systemd made the file and keeps it.
    std::fs::remove_file(&log).unwrap();
    let path = dir.path("activated.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mut d = Daemon::start(&mut socket_activated(listener.as_raw_fd(), &args), &log);
    drop(listener);
    assert_eq!(d.listening, format!("unix:{}", path.display()));
    let mut conn = d.unix();
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "U1")), FAIL_REPLY);
    drop(conn);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(10)).success());
    assert!(path.exists(), "the socket file is systemd's");

    // A descriptor 3 that is no listening socket is refused.
    let file = std::fs::File::open(&settings).unwrap();
    let out = socket_activated(file.as_raw_fd(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("descriptor 3 from systemd"), "{out:?}");

    // A socket from systemd and --listen too: refused, not one served and
    // the other left queueing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let both: Vec<&str> = args.iter().copied().chain(["--listen", "tcp:127.0.0.1:0"]).collect();
    let out = socket_activated(listener.as_raw_fd(), &both).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen and a socket from systemd"), "{out:?}");
}

#[test]
fn hostile_requests_then_a_normal_one() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "hostile");
    let mut d = tcp_daemon(&dir, ns.addr, &[]);
    let mut conn = d.tcp();
    let mut line = b"request=smtpd_access_policy\nx=".to_vec();
    line.resize(line.len() + (1 << 20), b'a');
    line.extend_from_slice(b"\n\n");
    let many: String = (0..10_000).map(|i| format!("attribute{i}=value\n")).chain(["\n".into()]).collect();
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .filter(|&b| b != b'\n' && b != b'=')
        .chain(*b"\n\n")
        .collect();
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("a line over 16384 bytes", line),
        ("more than 256 attributes", many.into_bytes()),
        ("line 1 is not name=value", junk),
        ("request=smtp (not smtpd_access_policy)", b"request=smtp\nprotocol_state=RCPT\n\n".to_vec()),
        ("no protocol_state", b"request=smtpd_access_policy\nclient_address=192.0.2.1\n\n".to_vec()),
        ("client_address=\"\" is not an IP address", b"request=smtpd_access_policy\nprotocol_state=RCPT\n\n".to_vec()),
        (
            "client_address=\\xff\\xfe is not",
            b"request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=\xff\xfe\n\n".to_vec(),
        ),
        // Blank lines between requests (a 16 KiB read of them and more):
        // skipped, unanswered, logged once or so; the request after them
        // gets the one reply.
        (
            "blank lines between requests; skipped, not answered",
            [b"\n\r\n".as_slice(), &[b'\n'; 16 * 1024], b"request=smtpd_access_policy\n\n"].concat(),
        ),
    ];
    for (why, request) in &hostile {
        conn.write_all(request).unwrap();
        assert_eq!(read_reply(&mut conn), "action=DUNNO\n\n", "{why}");
        d.wait_log(why);
    }
    assert!(d.log().matches("blank line").count() <= 4, "{}", d.log());
    // States never decided.
    for state in ["CONNECT", "EHLO", "MAIL", "VRFY", "ETRN", "BOGUS\x01"] {
        let r = rcpt(PASS_IP, "alice@example.com", "bob@example.net", "H1").replace("=RCPT", &format!("={state}"));
        assert_eq!(ask(&mut conn, &r), "action=DUNNO\n\n", "{state}");
    }
    d.wait_log("not decided: state=BOGUS\\x01");
    // Invalid UTF-8 where a name or an address goes: decided all the same
    // (a sender's domain that is no domain has no SPF; a recipient that
    // is no address is not checked).
    let odd = |r: String| r.replace('#', "\u{1}").into_bytes().into_iter().map(|b| if b == 1 { 0xff } else { b });
    let bytes: Vec<u8> = odd(rcpt(PASS_IP, "alice@#.example", "bob@example.net", "H2")).collect();
    conn.write_all(&bytes).unwrap();
    let reply = read_reply(&mut conn);
    assert!(reply.starts_with("action=PREPEND Received-SPF: none "), "{reply}");
    let bytes: Vec<u8> = odd(rcpt(PASS_IP, "alice@example.com", "b#@example.net", "H2")).collect();
    conn.write_all(&bytes).unwrap();
    assert_eq!(read_reply(&mut conn), "action=DUNNO\n\n");
    d.wait_log("recipient=b\\xff@example.net instance=H2 action=not-checked rule=bad-recipient");
    // And the next request is answered as ever.
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "H3")), FAIL_REPLY);

    // A peer that leaves in the middle of a request, and one that sends
    // junk without end (16 MiB is the most one request may drop): both
    // closed, the server still serving.
    let mut gone = d.tcp();
    gone.write_all(b"request=smtpd_access_policy\nprotocol_state=RC").unwrap();
    drop(gone);
    d.wait_log("closed in the middle of a request");
    let mut endless = d.tcp();
    let chunk = vec![b'j'; 1 << 20];
    let mut sent = 0;
    while sent < 20 {
        if endless.write_all(&chunk).is_err() {
            break;
        }
        sent += 1;
    }
    let mut rest = Vec::new();
    let _ = endless.read_to_end(&mut rest);
    assert!(rest.is_empty(), "no reply to a request that never ends");
    d.wait_log("a request over 16777216 bytes; connection closed");
    assert!(d.alive());
    let mut fresh = d.tcp();
    assert_eq!(ask(&mut fresh, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "H4")), FAIL_REPLY);
}

#[test]
fn sighup_reloads_and_a_broken_file_keeps_the_old_settings() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "sighup");
    let d = tcp_daemon(&dir, ns.addr, &[]);
    let mut conn = d.tcp();
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "R1")), FAIL_REPLY);

    // Log-only: the fail is accepted, with its headers.
    write_settings(&dir, &format!("log_only = true\n{SETTINGS}"));
    d.signal(libc::SIGHUP);
    d.wait_log("settings reloaded from");
    let reply = ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "R2"));
    assert!(reply.starts_with("action=PREPEND Received-SPF: fail "), "{reply}");

    // A broken file: said why, and log-only stays.
    write_settings(&dir, "log_only = maybe\n");
    d.signal(libc::SIGHUP);
    d.wait_log("settings not reloaded, the old ones stay in force: ");
    assert!(d.log().contains("policy.toml:1: (syntax):"), "{}", d.log());
    let reply = ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "R3"));
    assert!(reply.starts_with("action=PREPEND Received-SPF: fail "), "{reply}");
    assert!(d.log().contains("intended=\"550 5.7.23 192.0.2.99 may not send mail"), "{}", d.log());
}

#[test]
fn signals_during_startup_wait_for_it() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new("policyd", "startup");
    // Settings from a FIFO: the server waits at start until they are
    // written, which holds it in its startup for as long as the test likes.
    let fifo = dir.path("policy.toml");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo reads the path it is given.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let log = dir.path("log");
    let mut child = Daemon::command(&[
        "--config",
        fifo.to_str().unwrap(),
        "--nameserver",
        "127.0.0.1:9",
        "--listen",
        "tcp:127.0.0.1:0",
        "--log-file",
        log.to_str().unwrap(),
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    struct Reap(Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on the pid of a child this test started and has not
    // yet reaped.
    unsafe {
        assert_eq!(libc::kill(pid, libc::SIGHUP), 0);
        assert_eq!(libc::kill(pid, libc::SIGTERM), 0);
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = child.try_wait().unwrap();
    let mut child = Reap(child);
    assert!(status.is_none(), "a signal during startup ended it: {status:?}");
    std::fs::write(&fifo, SETTINGS).unwrap();
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let start = Instant::now();
    while !read_log().contains("policyd starting") {
        assert!(start.elapsed() < Duration::from_secs(10), "not started; log:\n{}", read_log());
        std::thread::sleep(Duration::from_millis(20));
    }
    // The reload that SIGHUP asked for reads the FIFO again (a thread:
    // opening it waits for the reader).
    let again = fifo.clone();
    std::thread::spawn(move || std::fs::write(again, SETTINGS));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running; log:\n{}", read_log());
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}; log:\n{}", read_log());
    let text = read_log();
    assert!(text.contains("settings reloaded from"), "{text}");
    assert!(text.contains("stopping: no new connections"), "{text}");
}

#[test]
fn sigterm_finishes_a_slow_request() {
    let ns = name_server();
    let proxy = SlowProxy::start(ns.addr, "slow", Duration::from_millis(1500));
    let dir = TempDir::new("policyd", "sigterm");
    let mut d = tcp_daemon(&dir, proxy.addr, &[]);
    let addr = d.listening.strip_prefix("tcp:").unwrap().to_owned();
    let mut idle = d.tcp();
    let mut conn = d.tcp();
    let start = Instant::now();
    conn.write_all(rcpt("192.0.2.1", "a@slow.policyd.example", "bob@example.net", "S1").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    d.signal(libc::SIGTERM);
    d.wait_log("stopping: no new connections");
    // The request in flight is answered...
    let reply = read_reply(&mut conn);
    assert!(reply.starts_with("action=PREPEND Received-SPF: pass "), "{reply}");
    assert!(start.elapsed() >= Duration::from_millis(1400), "{:?}", start.elapsed());
    // ...then its connection and the idle one are closed, and the server exits 0.
    let mut rest = Vec::new();
    assert_eq!(conn.read_to_end(&mut rest).unwrap(), 0);
    assert_eq!(idle.read_to_end(&mut rest).unwrap(), 0);
    assert!(d.wait_exit(Duration::from_secs(10)).success());
    assert!(d.log().trim_end().ends_with("]: stopped"), "{}", d.log());
    assert!(TcpStream::connect(addr).is_err(), "nothing listens after the stop");
}

#[test]
fn slow_dns_holds_up_only_its_own_connection() {
    let ns = name_server();
    let proxy = SlowProxy::start(ns.addr, "slow", Duration::from_millis(1500));
    let dir = TempDir::new("policyd", "slow");
    let d = tcp_daemon(&dir, proxy.addr, &[]);
    let mut slow = d.tcp();
    let mut fast = d.tcp();
    let start = Instant::now();
    slow.write_all(rcpt("192.0.2.1", "a@slow.policyd.example", "bob@example.net", "S1").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(ask(&mut fast, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "F1")), FAIL_REPLY);
    // The fast one was answered while the slow one is still waiting for
    // its DNS: what shows it did not wait, with no clock in the assertion.
    slow.set_nonblocking(true).unwrap();
    let mut byte = [0u8];
    assert!(matches!(slow.read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock));
    slow.set_nonblocking(false).unwrap();
    let reply = read_reply(&mut slow);
    assert!(reply.starts_with("action=PREPEND Received-SPF: pass "), "{reply}");
    assert!(start.elapsed() >= Duration::from_millis(1400));
}

#[test]
fn the_timeout_expires_a_decision() {
    let ns = name_server();
    let proxy = SlowProxy::start(ns.addr, "slow", Duration::from_secs(5));
    let dir = TempDir::new("policyd", "timeout");
    let d = tcp_daemon(&dir, proxy.addr, &["--timeout", "1"]);
    let mut conn = d.tcp();
    let start = Instant::now();
    let reply = ask(&mut conn, &rcpt("192.0.2.1", "a@slow.policyd.example", "bob@example.net", "T1"));
    let took = start.elapsed();
    assert!(reply.starts_with("action=DEFER_IF_PERMIT 4.7.24 SPF temporary error: "), "{reply}");
    // The proxy answers after 5 s with a pass: a temperror means the 1 s
    // limit ended the decision first.
    assert!(took >= Duration::from_millis(900), "{took:?}");
    d.wait_log("rule=mail-from-temperror");
}

#[test]
fn at_the_limit_the_connection_idle_longest_gives_way() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "limit");
    let d = tcp_daemon(&dir, ns.addr, &["--max-connections", "2"]);
    let is_closed = |c: &mut TcpStream| {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        match c.read(&mut [0u8]) {
            Ok(n) => n == 0,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    };
    // Two idle connections (never a request) take both slots; a third is
    // answered all the same (without the eviction it would wait in the
    // listen queue until the read timeout).
    let mut idle1 = d.tcp();
    std::thread::sleep(Duration::from_millis(50));
    let mut idle2 = d.tcp();
    std::thread::sleep(Duration::from_millis(300));
    let mut third = d.tcp();
    assert_eq!(ask(&mut third, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L1")), FAIL_REPLY);
    d.wait_log("2 connections, the limit (--max-connections)");
    d.wait_log("closed for a new connection");
    // The one idle longest went.
    assert!(is_closed(&mut idle1), "the oldest idle connection is closed");

    // A connection in the middle of a request is never the one closed,
    // though idle longest before its request began.
    idle2.write_all(b"request=smtpd_access_policy\nprotocol_state=RCPT\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut fourth = d.tcp();
    assert_eq!(ask(&mut fourth, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L2")), FAIL_REPLY);
    assert!(is_closed(&mut third), "the idle one is closed, not the one inside a request");
    let rest = rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L3");
    let rest = rest.strip_prefix("request=smtpd_access_policy\nprotocol_state=RCPT\n").unwrap();
    idle2.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(ask(&mut idle2, rest), FAIL_REPLY);

    // Both inside a request: a new connection waits until one is idle.
    idle2.write_all(b"request=smtpd_access_policy\n").unwrap();
    fourth.write_all(b"request=smtpd_access_policy\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = d.tcp();
    fifth.write_all(rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L4").as_bytes()).unwrap();
    fifth.set_read_timeout(Some(Duration::from_millis(700))).unwrap();
    let mut byte = [0u8];
    assert!(fifth.read(&mut byte).is_err(), "answered past the limit with no connection idle");
    let rest = rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L5");
    let rest = rest.strip_prefix("request=smtpd_access_policy\n").unwrap();
    assert_eq!(ask(&mut fourth, rest), FAIL_REPLY);
    fifth.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(read_reply(&mut fifth), FAIL_REPLY);
    assert!(is_closed(&mut fourth), "the connection idle now gave way");
    // idle2, still inside its request, was never closed.
    let rest = rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "L6");
    assert_eq!(ask(&mut idle2, rest.strip_prefix("request=smtpd_access_policy\n").unwrap()), FAIL_REPLY);
    drop(idle1);
}

#[test]
fn syslog_datagrams_by_default() {
    let ns = name_server();
    let dir = TempDir::new("policyd", "syslog");
    let settings = write_settings(&dir, SETTINGS);
    let socket = dir.path("log.sock");
    let syslog = UnixDatagram::bind(&socket).unwrap();
    syslog.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let d = Daemon::start(
        Daemon::command(&["--config", settings.to_str().unwrap(), "--nameserver", &ns.addr.to_string()]).args([
            "--listen",
            "tcp:127.0.0.1:0",
            "--syslog-socket",
            socket.to_str().unwrap(),
        ]),
        &dir.path("unused"),
    );
    assert!(d.stderr.lock().unwrap().contains(&format!("logging to syslog ({}, facility mail", socket.display())));
    let next = || {
        let mut buf = [0u8; 8192];
        let n = syslog.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let start = next();
    // RFC 3164: <PRI> (mail.info = 2 * 8 + 6), "Mmm dd hh:mm:ss", TAG[PID]: MSG.
    let pid = d.child.id();
    assert!(start.starts_with("<22>"), "{start}");
    assert_eq!(&start[19..], format!(" spfkit-policyd[{pid}]: {}", &start[start.find("]: ").unwrap() + 3..]).as_str());
    assert!(start.contains(&format!("]: spfkit {} policyd starting: ", env!("CARGO_PKG_VERSION"))), "{start}");
    let mut conn = d.tcp();
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "Y1")), FAIL_REPLY);
    let decision = next();
    assert!(decision.starts_with("<22>") && decision.contains("]: decision: client=192.0.2.99 "), "{decision}");
    conn.write_all(b"junk\n\n").unwrap();
    assert_eq!(read_reply(&mut conn), "action=DUNNO\n\n");
    let warning = next();
    assert!(warning.starts_with("<20>") && warning.contains("]: warning: bad request from 127.0.0.1:"), "{warning}");
}

#[test]
fn check_config_and_arguments() {
    let dir = TempDir::new("policyd", "check");
    let good = write_settings(&dir, SETTINGS);
    let out =
        Command::new(BIN).args(["policyd", "--check-config", "--config", good.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}: ok\n", good.display()));
    let bad = dir.path("bad.toml");
    std::fs::write(&bad, "authserv_id = \"mx\"\n[mail_from]\nreject = [\"pass\"]\n").unwrap();
    let out =
        Command::new(BIN).args(["policyd", "--config", bad.to_str().unwrap(), "--check-config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(spfkit_cli::policyd::EXIT_SETTINGS), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&format!("spfkit policyd: {}:3: mail_from.reject[0]: ", bad.display())), "{stderr}");
    let out = Command::new(BIN).args(["policyd", "--check-config", "--config", "/nonexistent.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(spfkit_cli::policyd::EXIT_SETTINGS));
    // Defaults are valid settings too.
    let out = Command::new(BIN).args(["policyd", "--check-config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));

    // A broken file at start: the server does not start.
    let out = Command::new(BIN)
        .args(["policyd", "--config", bad.to_str().unwrap(), "--listen", "tcp:127.0.0.1:0", "--log-stderr"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(spfkit_cli::policyd::EXIT_SETTINGS), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("mail_from.reject[0]"));

    let out = Command::new(BIN).args(["policyd", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: spfkit policyd"));
    for bad in [&["policyd", "--bogus"][..], &["policyd", "--listen", "udp:1"], &["policyd", "--max-connections", "x"]]
    {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn a_thousand_connections() {
    // This test's own descriptors: a thousand sockets and some.
    // SAFETY: getrlimit and setrlimit read and write the struct given.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < 2048 {
            lim.rlim_cur = lim.rlim_max.min(2048);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    let ns = name_server();
    let dir = TempDir::new("policyd", "thousand");
    let mut d = tcp_daemon(&dir, ns.addr, &["--max-connections", "1100"]);
    // A thousand idle connections, each with a thread of the server's...
    let mut idle: Vec<TcpStream> = (0..1000).map(|_| d.tcp()).collect();
    // ...and a new one is answered.
    let mut conn = d.tcp();
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "K0")), FAIL_REPLY);
    // Three hundred of them ask at once, each its own message.
    for (i, c) in idle.iter_mut().enumerate().take(300) {
        c.write_all(rcpt(FAIL_IP, "alice@example.com", "bob@example.net", &format!("K{i}")).as_bytes()).unwrap();
    }
    for c in idle.iter_mut().take(300) {
        assert_eq!(read_reply(c), FAIL_REPLY);
    }
    drop(idle);
    assert_eq!(ask(&mut conn, &rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "K1")), FAIL_REPLY);
    assert!(d.alive());
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(10)).success());
    assert_eq!(d.log().matches("]: decision: ").count(), 302);
}

#[test]
fn debian_policyd_spf_conf_as_shipped() {
    // Debian's stock /etc/postfix-policyd-spf-python/policyd-spf.conf
    // (tests/policyd/README.md), read with --policyd-spf-conf: Received-SPF
    // only (Header_Type's default), fail rejected, temperror accepted
    // with the header (TempError_Defer = False), loopback not checked.
    let ns = name_server();
    let dir = TempDir::new("policyd", "stock");
    let log = dir.path("log");
    let conf = repo().join("tests/policyd/policyd-spf.conf");
    let mut child = Command::new(BIN)
        .args(["policyd", "--policyd-spf-conf", conf.to_str().unwrap(), "--nameserver", &ns.addr.to_string()])
        .args(["--log-file", log.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut ask_pipe = |request: &str| {
        stdin.write_all(request.as_bytes()).unwrap();
        read_reply(&mut stdout)
    };
    let pass = ask_pipe(&rcpt(PASS_IP, "alice@example.com", "bob@example.net", "S1"));
    assert!(pass.starts_with("action=PREPEND Received-SPF: pass ("), "{pass}");
    assert!(pass.contains("; identity=mailfrom;"), "{pass}");
    assert_eq!(ask_pipe(&data("S1", 1)), "action=DUNNO\n\n");
    assert_eq!(ask_pipe(&rcpt(FAIL_IP, "alice@example.com", "bob@example.net", "S2")), FAIL_REPLY);
    let temp = ask_pipe(&rcpt(PASS_IP, "a@refusing.e2e.example", "bob@example.net", "S3"));
    assert!(temp.starts_with("action=PREPEND Received-SPF: temperror ("), "{temp}");
    assert_eq!(ask_pipe(&rcpt("127.0.0.1", "alice@example.com", "bob@example.net", "S4")), "action=DUNNO\n\n");
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.is_empty(), "{err}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("debugLevel"), "the ignored key is warned about: {log}");
    assert!(log.contains("rule=skip-network") || log.contains("skip-network"), "{log}");
}
