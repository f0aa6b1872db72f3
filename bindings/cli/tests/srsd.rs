//! `spfkit srsd` as Postfix meets it: both protocols over TCP, a unix
//! socket and systemd's socket, every outcome's reply, hostile input and
//! bounds, SIGHUP and SIGTERM.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;
use common::{Running, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_spfkit");
const DOMAIN: &str = "fwd.example";

/// A secrets file holding `text` in `dir`, mode 0600.
fn secrets(dir: &TempDir, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.path("secret");
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A running `spfkit srsd`, killed when dropped.
struct Daemon {
    run: Running,
    /// What it listens on, as it printed: (`tcp:ADDR` or `unix:PATH`,
    /// `socketmap` or `tcp_table:forward` ...).
    listening: Vec<(String, String)>,
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
    fn start(cmd: &mut Command, log: &Path) -> Daemon {
        let (run, list) = Running::start(cmd, log, "spfkit srsd: listening on ");
        let listening = list
            .split(", ")
            .map(|item| {
                let (addr, what) = item.split_once(' ').unwrap();
                (addr.to_owned(), what.to_owned())
            })
            .collect();
        Daemon { run, listening }
    }

    fn command(secret: &Path, log: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("srsd").arg("--secret-file").arg(secret).args(["--domain", DOMAIN, "--local-domain", "local.example"]);
        cmd.arg("--log-file").arg(log).args(args);
        cmd
    }

    /// All three listeners on free TCP ports.
    fn tcp_all(dir: &TempDir, extra: &[&str]) -> Daemon {
        let log = dir.path("log");
        let secret = dir.path("secret");
        let mut args =
            vec!["--socketmap", "tcp:127.0.0.1:0", "--tcp-forward", "127.0.0.1:0", "--tcp-reverse", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Daemon::start(&mut Daemon::command(&secret, &log, &args), &log)
    }

    fn addr(&self, what: &str) -> String {
        let (addr, _) = self.listening.iter().find(|(_, w)| w == what).unwrap_or_else(|| panic!("{what}"));
        addr.clone()
    }

    fn connect(&self, what: &str) -> TcpStream {
        let addr = self.addr(what);
        let s = TcpStream::connect(addr.strip_prefix("tcp:").unwrap()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }
}

/// One socketmap request and its reply's data.
fn sm(conn: &mut (impl Read + Write), request: &str) -> String {
    conn.write_all(format!("{}:{request},", request.len()).as_bytes()).unwrap();
    read_netstring(conn).unwrap_or_else(|| panic!("no reply to {request:?}"))
}

fn read_netstring(conn: &mut impl Read) -> Option<String> {
    let mut len = Vec::new();
    let mut b = [0u8; 1];
    loop {
        if conn.read(&mut b).ok()? == 0 {
            return None;
        }
        if b[0] == b':' {
            break;
        }
        len.push(b[0]);
    }
    let n: usize = String::from_utf8(len).ok()?.parse().ok()?;
    let mut data = vec![0u8; n + 1];
    conn.read_exact(&mut data).ok()?;
    assert_eq!(data.pop(), Some(b','));
    String::from_utf8(data).ok()
}

/// One tcp_table request (key encoded as Postfix does) and its reply line.
fn tt(conn: &mut TcpStream, key: &str) -> String {
    let mut line = b"get ".to_vec();
    for &b in key.as_bytes() {
        if b == b'%' || !b.is_ascii_graphic() {
            line.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            line.push(b);
        }
    }
    line.push(b'\n');
    conn.write_all(&line).unwrap();
    read_line(conn)
}

fn read_line(conn: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while conn.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
        out.push(b[0]);
    }
    String::from_utf8(out).unwrap()
}

/// `spfkit srs forward` at `now`: an address as it was written then.
fn forward_at(secret: &Path, address: &str, now: u64) -> String {
    let out = Command::new(BIN)
        .args(["srs", "forward", "--domain", DOMAIN, "--secret-file"])
        .arg(secret)
        .args(["--now", &now.to_string(), address])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn both_protocols_every_outcome() {
    let dir = TempDir::new("srsd", "outcomes");
    let secret = secrets(&dir, "first-secret\n");
    let d = Daemon::tcp_all(&dir, &[]);
    let mut s = d.connect("socketmap");
    let mut f = d.connect("tcp_table:forward");
    let mut r = d.connect("tcp_table:reverse");

    let ok = sm(&mut s, "forward alice@example.com");
    let srs = ok.strip_prefix("OK ").unwrap_or_else(|| panic!("{ok}")).to_owned();
    assert!(srs.starts_with("SRS0=") && srs.ends_with("@fwd.example"), "{srs}");
    assert_eq!(tt(&mut f, "alice@example.com"), format!("200 {srs}"), "same day, same address");
    assert_eq!(sm(&mut s, &format!("reverse {srs}")), "OK alice@example.com");
    assert_eq!(tt(&mut r, &srs), "200 alice@example.com");
    // SRS1: another forwarder's SRS0 forwarded again.
    let srs1 = sm(&mut s, "forward SRS0=HHHH=TT=example.com=alice@other.example");
    assert!(srs1.starts_with("OK SRS1="), "{srs1}");
    assert_eq!(sm(&mut s, &format!("reverse {}", &srs1[3..])), "OK SRS0=HHHH=TT=example.com=alice@other.example");

    // Needs no rewrite: not found, so Postfix keeps the address.
    for (key, why) in [
        ("bob@fwd.example", "local-domain"),
        ("bob@local.example", "local-domain"),
        (srs.as_str(), "already-rewritten"),
        ("no-at-sign", "malformed"),
        ("@example.com", "malformed"),
    ] {
        let got = sm(&mut s, &format!("forward {key}"));
        assert!(got.starts_with("NOTFOUND ") && got.contains(why), "{key}: {got}");
        assert!(tt(&mut f, key).starts_with("500 "), "{key}");
    }
    let long = format!("{}@example.com", "a".repeat(1100));
    assert!(sm(&mut s, &format!("forward {long}")).contains("too-long"));
    assert!(tt(&mut f, &long).starts_with("500 too-long"));

    // Reverse: not SRS, forged, expired, bad timestamp, malformed: all not
    // found by default.
    let old = forward_at(&secret, "alice@example.com", now() - 40 * 86400);
    let forged = format!("SRS0=AAAA={}", &srs[10..]);
    for (key, why) in [
        ("carol@fwd.example", "not-srs"),
        (forged.as_str(), "bad-hash"),
        (old.as_str(), "expired"),
        ("SRS0=abcd=TTT=example.com=alice@fwd.example", "bad-timestamp"),
        ("SRS0=abcd@fwd.example", "malformed"),
    ] {
        let got = sm(&mut s, &format!("reverse {key}"));
        assert!(got.starts_with("NOTFOUND ") && got.contains(why), "{key}: {got}");
        let got = tt(&mut r, key);
        assert!(got.starts_with("500 ") && got.contains(why), "{key}: {got}");
    }
    // An unknown map and requests that are not NAME KEY: PERM, and the
    // connection goes on.
    assert!(sm(&mut s, "virtual alice@example.com").starts_with("PERM "));
    assert!(sm(&mut s, "forward").starts_with("PERM "));
    assert!(sm(&mut s, "forward alice@example.com").starts_with("OK SRS0="));
    // tcp_table: a non-UTF-8 key, a bad escape, another command.
    assert!(tt(&mut f, "\u{e9}t\u{e9}@example.com").starts_with("500 malformed"), "non-ASCII is refused");
    f.write_all(b"get %ff@example.com\nget %zz\nput a b\n").unwrap();
    for _ in 0..3 {
        assert!(read_line(&mut f).starts_with("500 "));
    }
    d.wait_log("forward alice@example.com -> SRS0=");
    d.wait_log("reverse carol@fwd.example not found (not-srs");
}

#[test]
fn reverse_bad_perm() {
    let dir = TempDir::new("srsd", "perm");
    secrets(&dir, "first-secret\n");
    let d = Daemon::tcp_all(&dir, &["--reverse-bad", "perm"]);
    let mut s = d.connect("socketmap");
    let mut r = d.connect("tcp_table:reverse");
    let ok = sm(&mut s, "forward alice@example.com");
    let forged = format!("SRS0=AAAA={}", &ok[13..]);
    let got = sm(&mut s, &format!("reverse {forged}"));
    assert!(got.starts_with("PERM bad-hash"), "{got}");
    // tcp_table has no permanent error: not found.
    assert!(tt(&mut r, &forged).starts_with("500 bad-hash"));
    assert!(sm(&mut s, "reverse carol@fwd.example").starts_with("NOTFOUND "), "not SRS stays not found");
}

#[test]
fn hostile_input_and_bounds() {
    let dir = TempDir::new("srsd", "bounds");
    secrets(&dir, "first-secret\n");
    let d = Daemon::tcp_all(&dir, &["--max-connections", "4"]);
    // Junk where a netstring goes: PERM, then closed.
    for junk in [&b"get alice@example.com\n"[..], b"999999999:x", b"10:forward x@y;", b"\x00\x01\x02:"] {
        let mut c = d.connect("socketmap");
        c.write_all(junk).unwrap();
        let reply = read_netstring(&mut c).unwrap_or_default();
        assert!(reply.starts_with("PERM invalid request"), "{junk:?}: {reply:?}");
        let mut rest = Vec::new();
        assert_eq!(c.read_to_end(&mut rest).unwrap(), 0, "closed after junk");
    }
    // The largest netstring Postfix allows is answered (not found: too long).
    let mut c = d.connect("socketmap");
    let big = format!("forward {}@example.com", "a".repeat(100_000 - 20));
    assert!(sm(&mut c, &big).starts_with("NOTFOUND too-long"));
    // A tcp_table line far over the bound: 500, and the next request is
    // answered.
    let mut f = d.connect("tcp_table:forward");
    f.write_all(b"get ").unwrap();
    f.write_all(&vec![b'a'; 200_000]).unwrap();
    f.write_all(b"\n").unwrap();
    assert!(read_line(&mut f).starts_with("500 invalid%20request"));
    assert!(tt(&mut f, "alice@example.com").starts_with("200 SRS0="));
    // A client that sends and never reads holds up only itself.
    let mut greedy = d.connect("tcp_table:forward");
    let flood = "get alice@example.com\n".repeat(50_000);
    let writer = std::thread::spawn(move || {
        let _ = greedy.set_write_timeout(Some(Duration::from_secs(5)));
        let _ = greedy.write_all(flood.as_bytes());
        greedy
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut other = d.connect("socketmap");
    assert!(sm(&mut other, "forward bob@example.com").starts_with("OK SRS0="));
    drop(writer.join().unwrap());
    drop((c, f, other));
    // Too many connections: at the limit (4), new ones close the idle
    // ones, and every new one is served.
    // (Apart in time: idle times are kept in milliseconds, and among
    // equals any may be closed.)
    let mut held: Vec<TcpStream> = (0..6)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(20));
            d.connect("socketmap")
        })
        .collect();
    for c in held.iter_mut().rev().take(2) {
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        assert!(sm(c, "forward carol@example.com").starts_with("OK SRS0="));
    }
    d.wait_log("at the connection limit");
}

#[test]
fn sighup_reloads_secrets_and_a_broken_file_keeps_them() {
    let dir = TempDir::new("srsd", "reload");
    let secret = secrets(&dir, "first-secret\n");
    let mut d = Daemon::tcp_all(&dir, &[]);
    let mut s = d.connect("socketmap");
    let before = sm(&mut s, "forward alice@example.com");
    // A new first secret signs; the old one, second, still verifies.
    std::fs::write(&secret, "second-secret\nfirst-secret\n").unwrap();
    d.signal(libc::SIGHUP);
    d.wait_log("settings reloaded: 2 secret(s)");
    let after = sm(&mut s, "forward alice@example.com");
    assert_ne!(before, after);
    assert_eq!(sm(&mut s, &format!("reverse {}", &before[3..])), "OK alice@example.com");
    assert_eq!(sm(&mut s, &format!("reverse {}", &after[3..])), "OK alice@example.com");
    // An empty file: not reloaded.
    std::fs::write(&secret, "\n").unwrap();
    d.signal(libc::SIGHUP);
    d.wait_log("settings not reloaded");
    assert_eq!(sm(&mut s, "forward alice@example.com"), after);
    drop(s);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(15)).success());
    d.wait_log("stopped");
}

#[test]
fn unix_socketmap_and_systemd_sockets() {
    let dir = TempDir::new("srsd", "unix");
    let secret = secrets(&dir, "first-secret\n");
    let log = dir.path("log");
    let sock = dir.path("srs.sock");
    let sock_arg = format!("unix:{}", sock.display());
    let d =
        Daemon::start(&mut Daemon::command(&secret, &log, &["--socketmap", &sock_arg, "--socket-mode", "0660"]), &log);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777, 0o660);
    let mut c = UnixStream::connect(&sock).unwrap();
    assert!(sm(&mut c, "forward alice@example.com").starts_with("OK SRS0="));
    drop((c, d));

    // systemd: two named sockets for tcp_table, one unnamed for socketmap.
    let listeners: Vec<TcpListener> = (0..3).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let addrs: Vec<_> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    use std::os::fd::AsRawFd;
    let fds: Vec<i32> = listeners.iter().map(|l| l.as_raw_fd()).collect();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("export LISTEN_PID=$$ LISTEN_FDS=3 LISTEN_FDNAMES=srs.socket:forward:reverse; exec \"$0\" \"$@\"")
        .arg(BIN)
        .arg("srsd")
        .arg("--secret-file")
        .arg(&secret)
        .args(["--domain", DOMAIN, "--log-file"])
        .arg(&log);
    // SAFETY: dup2 is async-signal-safe; nothing else runs between fork
    // and exec. The targets are 3, 4, 5: the sources are moved out of the
    // way first (to 200, 201, 202) so that none is overwritten early.
    unsafe {
        cmd.pre_exec(move || {
            for (i, &fd) in fds.iter().enumerate() {
                if libc::dup2(fd, 200 + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for i in 0..3 {
                if libc::dup2(200 + i, 3 + i) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let d = Daemon::start(&mut cmd, &log);
    assert_eq!(d.listening.len(), 3, "{:?}", d.listening);
    let mut s = TcpStream::connect(addrs[0]).unwrap();
    let ok = sm(&mut s, "forward alice@example.com");
    let mut f = TcpStream::connect(addrs[1]).unwrap();
    assert_eq!(tt(&mut f, "alice@example.com"), format!("200 {}", &ok[3..]));
    let mut r = TcpStream::connect(addrs[2]).unwrap();
    assert_eq!(tt(&mut r, &ok[3..]), "200 alice@example.com");
}

/// Migrating from postsrsd 2.x under socket activation: postsrsd.conf
/// names a socketmap socket (its shipped file always does), systemd passes
/// the socket; the file's listener gives way instead of a refusal to start.
#[test]
fn systemd_socket_with_a_postsrsd_conf() {
    let dir = TempDir::new("srsd", "sdconf");
    let secret = secrets(&dir, "first-secret\n");
    let log = dir.path("log");
    let conf = dir.path("postsrsd.conf");
    let unused = dir.path("unused.sock");
    std::fs::write(
        &conf,
        format!(
            "srs-domain = {DOMAIN}\nsecrets-file = \"{}\"\nsocketmap = unix:{}\n",
            secret.display(),
            unused.display()
        ),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    use std::os::fd::AsRawFd;
    let fd = listener.as_raw_fd();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("export LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=spfkit-srsd.socket; exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(["srsd", "--postsrsd-conf"])
        .arg(&conf)
        .arg("--log-file")
        .arg(&log);
    // SAFETY: dup2 is async-signal-safe; nothing else runs between fork
    // and exec. Through 200: dup2 onto the same number would keep
    // close-on-exec set.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(fd, 200) < 0 || libc::dup2(200, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let d = Daemon::start(&mut cmd, &log);
    assert_eq!(d.listening.len(), 1, "{:?}", d.listening);
    let mut s = TcpStream::connect(addr).unwrap();
    assert!(sm(&mut s, "forward alice@example.com").starts_with("OK SRS0="));
    assert!(!unused.exists(), "the file's socket is not made");
    d.wait_log("its listeners are not used: systemd passed the sockets");
}

#[test]
fn check_config_and_postsrsd_files() {
    let dir = TempDir::new("srsd", "config");
    let secret = secrets(&dir, "first-secret\n");
    let default = dir.path("default");
    std::fs::write(
        &default,
        format!(
            "SRS_DOMAIN=fwd.example\nSRS_EXCLUDE_DOMAINS=.local.example\nSRS_SECRET={}\nRUN_AS=postsrsd\n",
            secret.display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN).args(["srsd", "--check-config", "--postsrsd-default"]).arg(&default).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("domain fwd.example, 1 secret(s)") && text.contains("2 listener(s)"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("RUN_AS is not used"));
    let conf = dir.path("postsrsd.conf");
    std::fs::write(
        &conf,
        format!("domains = {{ \"fwd.example\", \"local.example\" }}\nsecrets-file = \"{}\"\n", secret.display()),
    )
    .unwrap();
    let out = Command::new(BIN).args(["srsd", "--check-config", "--postsrsd-conf"]).arg(&conf).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Errors: no secret, no domain, an empty secrets file, unknown options.
    let bad: [&[&str]; 3] = [&["--domain", "x"], &["--secret-file", "/nonexistent", "--domain", "x"], &["--bogus"]];
    for args in bad {
        let out = Command::new(BIN).arg("srsd").arg("--check-config").args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
    let out = Command::new(BIN).arg("srsd").arg("--secret-file").arg(&secret).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "no domain: {out:?}");
    let out = Command::new(BIN).arg("srsd").arg("--secret-file").arg(&secret).args(["--domain", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "nothing to listen on: {out:?}");
}
