"""Real mail components on 127.0.0.1 for the Postfix end-to-end tests.

A private Postfix instance (../shared/MAIL_TESTING.md's pf-up.sh, in Python),
an SMTP sink for mail Postfix relays, NSD through tests/dns/serve.py, a UDP
proxy in front of NSD that drops the queries for chosen names, `spfkit
policyd` daemons on TCP, and an SMTP client that presents a client address
and HELO name with XCLIENT. Nothing here touches the system's own Postfix:
every file lives in a `mktemp -d /tmp/pf.XXXXXX` directory, every port is a
free one on 127.0.0.1.
"""

import atexit
import email
import email.policy
import os
import selectors
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPFKIT = Path(os.environ.get("SPFKIT_BIN", REPO / "target" / "debug" / "spfkit"))
SERVE_DNS = REPO / "tests" / "dns" / "serve.py"
NOBODY = 65534

# Every row `n` for chroot: a chrooted smtpd would need files copied into
# the queue directory. The list is the one pf-up.sh ran: without flush,
# deferrals log errors; without proxymap, smtpd fails; without postlog,
# maillog_file is dead.
MASTER_CF = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port():
    """A TCP port free on 127.0.0.1 right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def backdate(*paths):
    # Postfix re-reads a main.cf younger than 2 s in 0.3 s steps (+2.4 s per
    # start, check or reload).
    past = time.time() - 60
    for p in paths:
        os.utime(p, (past, past))


class NameServer:
    """NSD serving zone files (tests/dns/serve.py), stopped by closing its stdin."""

    def __init__(self, *zones):
        self.proc = subprocess.Popen([sys.executable, str(SERVE_DNS), *map(str, zones)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"serve.py did not start NSD (exit {self.proc.returncode})")
        self.port = int(line)

    def stop(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def query_name(packet):
    """The question's name of a DNS query, lower case; "" if unreadable."""
    labels, i = [], 12
    while i < len(packet):
        n = packet[i]
        if n == 0:
            return ".".join(labels).lower()
        if n & 0xC0:
            return ""
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ""


class DroppingProxy:
    """A UDP DNS proxy on 127.0.0.1 in front of one server. Queries whose
    name holds one of `drop` (substrings) get no answer, as from a server
    that is down: NSD itself always answers. Everything else is relayed,
    each query from a socket of its own so that answers go back to the
    right client whatever their IDs. UDP only: the test zones' answers are
    small, never truncated, so the resolver never falls back to TCP."""

    def __init__(self, upstream_port, drop=()):
        self.upstream = ("127.0.0.1", upstream_port)
        self.drop = tuple(d.lower() for d in drop)
        self.dropped = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ, None)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            for key, _ in self.sel.select(timeout=0.2):
                if key.data is None:
                    packet, client = self.sock.recvfrom(65535)
                    name = query_name(packet)
                    if any(d in name for d in self.drop):
                        self.dropped.append(name)
                        continue
                    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    up.sendto(packet, self.upstream)
                    self.sel.register(up, selectors.EVENT_READ, (client, time.monotonic()))
                else:
                    up, (client, _) = key.fileobj, key.data
                    try:
                        self.sock.sendto(up.recv(65535), client)
                    except OSError:
                        pass
                    self.sel.unregister(up)
                    up.close()
            # NSD answers in milliseconds; an upstream socket older than this lost its answer.
            for key in list(self.sel.get_map().values()):
                if key.data is not None and time.monotonic() - key.data[1] > 10:
                    self.sel.unregister(key.fileobj)
                    key.fileobj.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


class Sink:
    """An SMTP server (aiosmtpd) that keeps what Postfix relays to it."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []  # (mail_from, rcpt_tos, email.message.Message)
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.compat32)
                with sink.lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def find(self, token):
        with self.lock:
            return [m for m in self.messages if token in (m[2].get("Subject") or "")]

    def stop(self):
        self.controller.stop()


class PolicyDaemon:
    """`spfkit policyd --listen tcp:127.0.0.1:PORT`, restartable on the same port."""

    def __init__(self, directory, name, config, nameserver_port, timeout=2):
        self.name = name
        self.port = free_port()
        self.log = Path(directory) / f"policyd-{name}.log"
        self.argv = [str(SPFKIT), "policyd", "--config", str(config), "--listen", f"tcp:127.0.0.1:{self.port}",
                     "--nameserver", f"127.0.0.1:{nameserver_port}", "--timeout", str(timeout),
                     "--log-file", str(self.log)]
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        # It prints one line on stderr once it listens.
        line = self.proc.stderr.readline()
        if "listening on" not in line:
            self.proc.wait(timeout=5)
            raise RuntimeError(f"policyd {self.name} did not start: {line}{self.proc.stderr.read()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


class PrivatePostfix:
    """A Postfix instance of its own: config, queue and mail under one
    short 755 directory, an SMTP server on 127.0.0.1 for each listener. Mail to *@example.net
    goes to one Maildir (DIR/mail/example.net/); everything else
    (relay_domains capture.test, bounces) to the sink at sink_port."""

    def __init__(self, sink_port, settings, listeners, master_extra="", chrooted=()):
        # Short: unix socket paths under the queue directory are limited to 108 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="pf.", dir="/tmp"))
        # 0700 (mkdtemp's) breaks master's lock and keeps nobody (spawn, virtual) out.
        self.dir.chmod(0o755)
        self.etc = self.dir / "etc"
        self.etc.mkdir()
        # name -> {parameter: value}: one smtpd on a port of its own each,
        # with these parameters overridden (master.cf's -o); a port is
        # chosen for each at start.
        self.listeners = listeners
        self.ports = {}
        self.sink_port = sink_port
        self.settings = settings
        self.master_extra = master_extra
        # Services run chrooted in the queue directory, as Debian's
        # master.cf runs most ("smtpd" for the listeners, "cleanup" ...).
        self.chrooted = set(chrooted)
        self.started = False

    @property
    def maildir(self):
        return self.dir / "mail" / "example.net"

    def postconf(self, *assignments):
        subprocess.run(["postconf", "-c", str(self.etc), "-e", *assignments], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        backdate(self.etc / "main.cf")

    def _postfix(self, *args):
        r = subprocess.run(["postfix", "-c", str(self.etc), *args], capture_output=True, text=True)
        if r.returncode != 0:
            # Without syslog or a tty, postfix says nothing: the reason is in maillog.
            raise RuntimeError(f"postfix {' '.join(args)} failed ({r.returncode}): {r.stderr}\n{self.maillog()[-3000:]}")

    def start(self):
        d = self.dir
        for sub in ("etc", "spool", "mail"):
            (d / sub).mkdir(exist_ok=True)
        os.chown(d / "mail", NOBODY, NOBODY)  # virtual(8) delivers as 65534 and creates the Maildir
        (self.etc / "main.cf").touch()
        base = {
            "compatibility_level": "3.6",
            "queue_directory": f"{d}/spool",
            "data_directory": f"{d}/data",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "maillog_file": f"{d}/maillog",
            "maillog_file_prefixes": str(d),
            "myhostname": "mx.test.example",
            "mydomain": "test.example",
            "myorigin": "$myhostname",
            "mydestination": "",
            "alias_maps": "",
            "alias_database": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtputf8_enable": "no",
            "smtpd_peername_lookup": "no",
            "smtp_dns_support_level": "disabled",
            "smtpd_authorized_xclient_hosts": "127.0.0.0/8",
            # Defaults: a 1 s sleep per error after 10, and 421 after 20.
            "smtpd_error_sleep_time": "0",
            "smtpd_hard_error_limit": "1000",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "virtual_mailbox_domains": "example.net",
            "virtual_mailbox_base": f"{d}/mail",
            "virtual_mailbox_maps": "static:example.net/",
            "virtual_uid_maps": "static:65534",
            "virtual_gid_maps": "static:65534",
            "relay_domains": "capture.test",
            # Both at 127.0.0.1, or Postfix looks relay domains and bounce
            # recipients up through the system resolver.
            "default_transport": f"smtp:[127.0.0.1]:{self.sink_port}",
            "relay_transport": f"smtp:[127.0.0.1]:{self.sink_port}",
        }
        base.update(self.settings)
        self.postconf(*(f"{k}={v}" for k, v in base.items()))
        smtpd = ""
        for name in self.listeners:
            self.ports.setdefault(name, free_port())
        root = lambda service: "y" if service in self.chrooted else "n"  # noqa: E731
        for name, overrides in self.listeners.items():
            smtpd += f"127.0.0.1:{self.ports[name]} inet n  -       {root('smtpd')}       -       -       smtpd\n"
            smtpd += f"  -o syslog_name=postfix/{name}\n"
            # -o { name = value } (Postfix 3.0+) keeps the spaces of a value.
            smtpd += "".join(f"  -o {{ {k} = {v} }}\n" for k, v in overrides.items())
        services = []
        for line in MASTER_CF.splitlines():
            f = line.split()
            if f[-1] in self.chrooted or f[0] in self.chrooted:
                f[4] = "y"
                line = "  ".join(f)
            services.append(line + "\n")
        (self.etc / "master.cf").write_text(smtpd + "".join(services) + self.master_extra)
        backdate(self.etc / "main.cf", self.etc / "master.cf")
        self._postfix("check")
        # master detaches (its parent is PID 1): should this process end
        # without the fixture's finally, atexit still stops it.
        atexit.register(self.stop)
        self._postfix("start")
        self.started = True
        # master -w returns once it listens; check all the same.
        for port in self.ports.values():
            wait_for(lambda: self._accepts(port), 10, "Postfix's SMTP port")

    @staticmethod
    def _accepts(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def reload(self):
        backdate(self.etc / "main.cf", self.etc / "master.cf")
        self._postfix("reload")

    def stop(self):
        if (self.dir / "spool" / "pid" / "master.pid").exists():
            subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True)
        self.started = False

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def maillog(self):
        try:
            return (self.dir / "maillog").read_text(errors="replace")
        except OSError:
            return ""

    def delivered(self, token):
        """The Maildir copies whose Subject holds token: {X-Original-To: message}."""
        out = {}
        new = self.maildir / "new"
        if not new.is_dir():
            return out
        for f in new.iterdir():
            try:
                msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.compat32)
            except OSError:
                continue
            if token in (msg.get("Subject") or ""):
                out.setdefault(msg["X-Original-To"], []).append(msg)
        return out


class Client:
    """An SMTP session that presents a client address, HELO name and
    optionally a SASL login with XCLIENT."""

    def __init__(self, port, addr, helo, login=None):
        self.smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
        self.smtp.ehlo("localhost")
        attrs = f"ADDR={addr} NAME=[UNAVAILABLE] HELO={helo}"
        if login:
            attrs += f" LOGIN={login}"
        code, text = self.smtp.docmd("XCLIENT", attrs)
        if code != 220:
            raise RuntimeError(f"XCLIENT refused: {code} {text!r}")
        # XCLIENT resets the session and greets again; a different EHLO name
        # would override XCLIENT's HELO.
        self.smtp.ehlo(helo)

    def send(self, sender, recipients, token):
        """One transaction: {recipient: (code, text)} for each RCPT, and
        DATA's (code, text) when a recipient was accepted, else None."""
        code, text = self.smtp.mail(sender)
        if code != 250:
            raise RuntimeError(f"MAIL FROM refused: {code} {text!r}")
        replies = {}
        for r in recipients:
            code, text = self.smtp.rcpt(r)
            replies[r] = (code, text.decode("utf-8", "replace"))
        data = None
        if any(c == 250 for c, _ in replies.values()):
            body = (f"From: <{sender}>\r\nTo: undisclosed-recipients:;\r\nSubject: {token}\r\n"
                    f"Message-ID: <{token}@client.test>\r\n\r\nbody of {token}\r\n")
            code, text = self.smtp.data(body.encode())
            data = (code, text.decode("utf-8", "replace"))
        else:
            self.smtp.rset()
        return replies, data

    def close(self):
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


# --- SRS map servers: postsrsd 1.10 and `spfkit srsd`, and clients of the
# two Postfix map protocols (tests/srsd). ---


def faketime_lib():
    """Debian's libfaketimeMT (the thread-safe build: spfkit srsd runs a
    thread per connection)."""
    import glob

    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    if not found:
        raise RuntimeError("libfaketime is not installed (apt-get install faketime)")
    return found[0]


def faketime_env(now):
    """The environment for a process whose clock starts at `now` (Unix
    seconds) and runs on, as `faketime @NOW CMD` gives, but with the
    library preloaded directly: the `faketime` wrapper forks CMD and waits,
    so stopping the wrapper would leave CMD running."""
    env = dict(os.environ)
    env["LD_PRELOAD"] = faketime_lib()
    env["TZ"] = "UTC"  # the start time below is read in local time
    env["FAKETIME"] = "@" + time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))
    return env


def group_members(pgid):
    """The live (not zombie) processes of process group pgid: [(pid, argv)]."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            # The command name is in parentheses and may hold spaces.
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        out.append((int(entry), b" ".join(argv).decode("utf-8", "replace").strip()))
    return out


def stop_group(proc, seconds=10):
    """SIGTERM to proc's process group (proc started with
    start_new_session=True), then SIGKILL to what is left after `seconds`.
    Returns proc's exit status."""
    pgid = proc.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass
    try:
        wait_for(lambda: not group_members(pgid), seconds, f"process group {pgid} to end")
    except TimeoutError:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    return proc.returncode


def tcp_table_key(key):
    """A key as Postfix's tcp_table client sends it: `%`, whitespace and
    non-printing octets as %XX (tcp_table(5))."""
    return "".join(c if 0x21 <= ord(c) < 0x7F and c != "%" else
                   "".join(f"%{b:02X}" for b in c.encode()) for c in key)


def tcp_table_unquote(text):
    """%XX-decoded bytes of a reply, as UTF-8 text."""
    import urllib.parse

    return urllib.parse.unquote(text, errors="strict")


class TcpTableClient:
    """One connection to a tcp_table server: `get KEY\\n`, one reply line."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")

    def raw(self, key):
        """The reply line as sent, without its newline."""
        self.sock.sendall(f"get {tcp_table_key(key)}\n".encode())
        line = self.file.readline()
        if not line.endswith(b"\n"):
            raise RuntimeError(f"tcp_table: connection closed or reply unterminated: {line!r}")
        return line[:-1].decode("ascii")

    def get(self, key):
        """(code, text): 200 with the decoded value, 500/400 with the reason."""
        code, _, text = self.raw(key).partition(" ")
        return int(code), tcp_table_unquote(text)

    def close(self):
        self.file.close()
        self.sock.close()


class SocketmapClient:
    """One connection to a socketmap server (socketmap_table(5)): a request
    netstring `NAME KEY`, a reply netstring `STATUS DATA`."""

    def __init__(self, address):
        # address: "unix:PATH" or "tcp:HOST:PORT", as spfkit srsd's --socketmap.
        if address.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(address[5:])
        else:
            host, port = address[4:].rsplit(":", 1)
            self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.file = self.sock.makefile("rb")

    def lookup(self, name, key):
        """(status, data): ("OK", value), ("NOTFOUND", ""), ("PERM", reason) ..."""
        data = f"{name} {key}".encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")
        digits = b""
        while not digits.endswith(b":"):
            c = self.file.read(1)
            if not c:
                raise RuntimeError("socketmap: connection closed")
            digits += c
        body = self.file.read(int(digits[:-1]))
        if self.file.read(1) != b",":
            raise RuntimeError("socketmap: a reply not ended by ','")
        status, _, value = body.decode("utf-8").partition(" ")
        return status, value

    def close(self):
        self.file.close()
        self.sock.close()


def write_secret(path, *secrets):
    """A secrets file as postsrsd reads it (one a line, the first signs), mode 0600."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(s + "\n" for s in secrets))
    path.chmod(0o600)
    return path


class Postsrsd:
    """Debian's postsrsd 1.10 in the foreground on two free ports of
    127.0.0.1 (tcp_table: forward and reverse), with its own secrets file,
    optionally with its clock at `now` (libfaketime). postsrsd forks a
    child per connection: it runs in a session of its own and stop() ends
    the whole process group, checking that nothing of it is left."""

    def __init__(self, secret_file, domain, extra_args=(), now=None):
        self.forward_port, self.reverse_port = free_port(), free_port()
        argv = ["postsrsd", f"-s{secret_file}", f"-d{domain}", f"-f{self.forward_port}",
                f"-r{self.reverse_port}", "-l127.0.0.1", "-4", *extra_args]
        env = faketime_env(now) if now is not None else None
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.clients = []
        self.exit_status = None
        try:
            for port in (self.forward_port, self.reverse_port):
                wait_for(lambda: self.proc.poll() is not None or PrivatePostfix._accepts(port), 10,
                         "postsrsd's ports")
            if self.proc.poll() is not None:
                raise RuntimeError(f"postsrsd exited {self.proc.returncode}: {self.proc.stderr.read()!r}")
        except Exception:
            self.stop()
            raise

    def client(self, which):
        """A new connection to the forward or reverse port."""
        c = TcpTableClient(self.forward_port if which == "forward" else self.reverse_port)
        self.clients.append(c)
        return c

    def stop(self):
        for c in self.clients:
            c.close()
        self.clients = []
        if self.exit_status is None:
            self.exit_status = stop_group(self.proc)
            self.proc.stderr.close()
        return self.exit_status

    def leftovers(self):
        """Processes of its group still alive (none after stop())."""
        return group_members(self.proc.pid)


class SrsDaemon:
    """`spfkit srsd` with its own secrets file: socketmap on `socketmap`
    ("unix:PATH" or "tcp:HOST:PORT", free port chosen for "tcp"), and
    tcp_table on two free ports when `tcp_table`; optionally with its clock
    at `now` (libfaketime); logging to `log`."""

    def __init__(self, secret_file, domain, log, socketmap=None, tcp_table=False, local_domains=(),
                 extra_args=(), now=None):
        self.log = Path(log)
        self.socketmap = socketmap
        if socketmap == "tcp":
            self.socketmap = f"tcp:127.0.0.1:{free_port()}"
        self.forward_port = self.reverse_port = None
        argv = [str(SPFKIT), "srsd", "--secret-file", str(secret_file), "--domain", domain,
                "--log-file", str(self.log)]
        for d in local_domains:
            argv += ["--local-domain", d]
        if self.socketmap:
            argv += ["--socketmap", self.socketmap]
        if tcp_table:
            self.forward_port, self.reverse_port = free_port(), free_port()
            argv += ["--tcp-forward", f"127.0.0.1:{self.forward_port}",
                     "--tcp-reverse", f"127.0.0.1:{self.reverse_port}"]
        self.argv = argv
        self.env = faketime_env(now) if now is not None else None
        self.clients = []
        self.proc = None
        self.exit_status = None
        self.start(extra_args)

    def start(self, extra_args=()):
        """Starts it (again, after stop(): same secrets, domain and
        listeners), with extra_args after the others."""
        self.exit_status = None
        self.proc = subprocess.Popen(self.argv + list(extra_args), env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # One line on stderr once it listens (the rest goes to the log file).
        line = self.proc.stderr.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"spfkit srsd did not start: {line}{self.log_text()}")

    def tcp_table(self, which):
        """A new tcp_table connection to the forward or reverse port."""
        c = TcpTableClient(self.forward_port if which == "forward" else self.reverse_port)
        self.clients.append(c)
        return c

    def socketmap_client(self):
        c = SocketmapClient(self.socketmap)
        self.clients.append(c)
        return c

    def stop(self):
        """SIGTERM; its exit status (0: it stopped as asked)."""
        for c in self.clients:
            c.close()
        self.clients = []
        if self.exit_status is None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.exit_status = self.proc.returncode
            self.proc.stderr.close()
        return self.exit_status

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def lookups(self, map_name):
        """The keys looked up in map_name so far, in order, from the log
        (`PEER: forward KEY -> VALUE`, `... not found (...)`)."""
        import re

        keys = []
        for line in self.log_text().splitlines():
            m = re.search(rf"\): {map_name} (\S+) (?:->|not found|permanent error|temporary error)", line)
            if m:
                keys.append(m.group(1))
        return keys
