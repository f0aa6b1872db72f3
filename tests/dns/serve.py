#!/usr/bin/env python3
"""Serve one of the project's zone files with a real DNS server (NSD).

    python3 tests/dns/serve.py ZONEFILE... [--port N]

Starts NSD on 127.0.0.1 at a free UDP/TCP port (or --port), waits until it
answers, prints the port on one line of standard output and keeps serving
until standard input closes or the script gets SIGTERM/SIGINT; then it stops
NSD, removes its working directory and exits 0. Tests in any language run it
as a child with a pipe on its standard input: read one line for the port,
and close the pipe (or terminate the child) to stop the server. If the test
process dies, the pipe closes and the server stops with it.

Each ZONEFILE is an RFC 1035 master file that may hold several zones, each
starting at a `$ORIGIN` line (examples/zones/example.zone holds two). NSD
loads one zone per file, so each `$ORIGIN` section becomes its own zone; a
section without an SOA gets a minimal one. Several files are served together. NSD refuses (REFUSED) queries for
names outside the zones it serves, which the tests use to provoke a
temperror.

Needs NSD (Debian: `apt-get install nsd`); .ci/run installs it. Nothing but
the Python standard library otherwise.
"""

import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
NSD_CHECKZONE = shutil.which("nsd-checkzone") or "/usr/sbin/nsd-checkzone"
START_SECONDS = 10


def die(message):
    print(f"serve.py: {message}", file=sys.stderr)
    sys.exit(1)


def split_zones(text, filename):
    """The master file's `$ORIGIN` sections: [(origin, [(where, line)])] in
    order, where is "FILE:LINE" for messages.

    `$TTL` lines before the first `$ORIGIN` apply to every section, as they
    would when the file is read top to bottom; a `$TTL` inside a section
    stays in it."""
    preamble, sections, current = [], [], None
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{filename}:{number}"
        directive = line.split(";", 1)[0].split()
        if directive and directive[0].upper() == "$INCLUDE":
            die(f"{where}: $INCLUDE is not supported here")
        if directive and directive[0].upper() == "$ORIGIN":
            if len(directive) != 2 or not directive[1].endswith("."):
                die(f"{where}: $ORIGIN takes one absolute name: {line!r}")
            origin = directive[1].lower()
            current = next((s for s in sections if s[0] == origin), None)
            if current is None:
                current = (origin, [])
                sections.append(current)
            continue
        if current is None:
            if directive and not directive[0].startswith("$"):
                die(f"{where}: a record before the first $ORIGIN line: each zone must start with one")
            preamble.append((where, line))
        else:
            current[1].append((where, line))
    if not sections:
        die(f"{filename}: no $ORIGIN line")
    return [(origin, preamble + lines) for origin, lines in sections]


def has_soa(lines):
    return any(re.search(r"\bSOA\b", line.split(";", 1)[0], re.IGNORECASE) for _, line in lines)


def write_zone(directory, origin, lines):
    """The zone's file for NSD, and for each of its lines where it came from."""
    path = os.path.join(directory, origin + "zone")
    out = [(None, f"$ORIGIN {origin}")]
    if not has_soa(lines):
        # NSD will not load a zone without an SOA at its apex.
        out += [(None, "$TTL 3600"), (None, "@ IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60"),
                (None, "@ IN NS ns.invalid.")]
    out += lines
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for _, line in out))
    return path, [where for where, _ in out]


def check_zone(origin, path, sources):
    """Dies with NSD's own message, pointing at the project's file and line, if the zone does not load."""
    check = subprocess.run([NSD_CHECKZONE, origin, path], capture_output=True, text=True)
    if check.returncode != 0:
        def source(m):
            # NSD may name the line after the one at fault (it notices at the next token), or one past the end.
            n = max(1, min(int(m.group(1)), len(sources)))
            return "near " + (sources[n - 1] or f"the SOA made up for {origin}")
        message = re.sub(re.escape(path) + r":(\d+)", source, check.stdout + check.stderr)
        die(f"zone {origin} does not load:\n{message}")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        port = random.randint(20000, 60000)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind(("127.0.0.1", port))
            tcp.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            udp.close()
            tcp.close()
    die("no free port on 127.0.0.1")


def soa_query(origin):
    qid = random.randint(0, 0xFFFF)
    name = b"".join(bytes([len(label)]) + label.encode("ascii") for label in origin.rstrip(".").split("."))
    return qid, struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + name + b"\0" + struct.pack(">HH", 6, 1)


def answers(port, origin):
    """True when the server at port gives an authoritative NOERROR for origin's SOA."""
    qid, query = soa_query(origin)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(query, ("127.0.0.1", port))
            reply = s.recv(4096)
        except OSError:
            return False
    if len(reply) < 12:
        return False
    rid, flags = struct.unpack(">HH", reply[:4])
    return rid == qid and flags & 0x8000 and flags & 0x0400 and flags & 0x000F == 0


def config(directory, port, zones):
    lines = [
        "server:",
        "    ip-address: 127.0.0.1",
        f"    port: {port}",
        "    do-ip6: no",
        '    username: ""',
        '    chroot: ""',
        f'    zonesdir: "{directory}"',
        '    database: ""',
        f'    pidfile: "{directory}/nsd.pid"',
        f'    xfrdfile: "{directory}/xfrd.state"',
        f'    zonelistfile: "{directory}/zone.list"',
        f'    logfile: "{directory}/nsd.log"',
        "    server-count: 1",
        "    reuseport: no",
        "    verbosity: 1",
        # Debian builds NSD with response rate limiting: at its default of
        # 200 answers a second per (source /24, name) it drops or
        # truncates answers, and every query here comes from 127.0.0.1.
        # Fast suites and bench/policyd would measure the limiter.
        "    rrl-ratelimit: 0",
        "    rrl-whitelist-ratelimit: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for origin, path in zones:
        lines += ["zone:", f"    name: {origin}", f'    zonefile: "{path}"']
    path = os.path.join(directory, "nsd.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def log_tail(directory):
    try:
        with open(os.path.join(directory, "nsd.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]
    except OSError:
        return "(no log)"


def start(directory, zones, fixed_port):
    """NSD running and answering, and its port; up to three ports tried."""
    for _ in range(1 if fixed_port else 3):
        port = fixed_port or free_port()
        conf = config(directory, port, zones)
        nsd = subprocess.Popen([NSD, "-d", "-c", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and nsd.poll() is None:
            if all(answers(port, origin) for origin, _ in zones):
                return nsd, port
            time.sleep(0.05)
        if nsd.poll() is None:
            stop(nsd)
            break
        # NSD exited: most likely another process took the port between free_port() and NSD's bind.
    die(f"NSD did not start or did not load every zone; its log:\n{log_tail(directory)}")


def die_with_parent():
    """In NSD's process before exec: SIGTERM it if this script dies, even by SIGKILL (Linux)."""
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def stop(nsd):
    if nsd.poll() is None:
        nsd.terminate()
        try:
            nsd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nsd.kill()
            nsd.wait()


def main(argv):
    args, fixed_port = [], None
    it = iter(argv)
    for a in it:
        if a == "--port":
            fixed_port = int(next(it, "0"))
            if not 0 < fixed_port < 65536:
                die("--port takes 1 to 65535")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    if not args:
        die("usage: serve.py ZONEFILE... [--port N]")
    if not os.access(NSD, os.X_OK):
        die("NSD not found: apt-get install nsd (bash .ci/run installs it)")
    sections = []
    for path in args:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            die(f"cannot read {path}: {e}")
        for origin, lines in split_zones(text, path):
            if any(origin == o for o, _ in sections):
                die(f"zone {origin} appears in two files")
            sections.append((origin, lines))

    directory = tempfile.mkdtemp(prefix="spfkit-nsd-")
    nsd = None
    stopping = []
    # SIGTERM/SIGINT end the wait below the same way a closed stdin does.
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    try:
        zones = []
        for origin, lines in sections:
            path, sources = write_zone(directory, origin, lines)
            # NSD would start without a zone it cannot read; say why now instead.
            check_zone(origin, path, sources)
            zones.append((origin, path))
        nsd, port = start(directory, zones, fixed_port)
        print(port, flush=True)
        while not stopping and nsd.poll() is None:
            try:
                ready, _, _ = select.select([sys.stdin], [], [], 0.5)
            except InterruptedError:
                continue
            if ready and not os.read(sys.stdin.fileno(), 4096):
                break
        if nsd.poll() is not None:
            die(f"NSD exited on its own ({nsd.returncode}); its log:\n{log_tail(directory)}")
    finally:
        if nsd is not None:
            stop(nsd)
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
