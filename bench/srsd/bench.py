#!/usr/bin/env python3
"""Runs the SRS benchmark (README.md here); run.sh builds what it needs and
calls this.

    python3 bench/srsd/bench.py --spfkit BIN --lib BIN --load BIN --out DIR
        [--rounds 3] [--requests 50000] [--lib-senders 500000]
        [--connections 1,10] [--servers spfkit-tcp,spfkit-socketmap,postsrsd]

Standard library only.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

SECRET = "bench-secret-do-not-use"
DOMAIN = "fwd.example"
POSTSRSD = shutil.which("postsrsd") or "/usr/sbin/postsrsd"

LABELS = {
    "spfkit-tcp": "spfkit srsd, tcp_table (--tcp-forward, --tcp-reverse)",
    "spfkit-socketmap": "spfkit srsd, socketmap over TCP (--socketmap tcp:…)",
    "postsrsd": "postsrsd 1.10 (Debian), tcp_table, a process per connection",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        return "?"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postsrsd_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "postsrsd"], capture_output=True, text=True)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


class Server:
    """One server, both maps, on fresh ports; stopped by its PID."""

    def __init__(self, kind, args, workdir, secret_file):
        self.kind = kind
        errlog = open(os.path.join(workdir, f"{kind}.stderr"), "a")
        if kind == "postsrsd":
            self.ports = {"forward": free_port(), "reverse": free_port()}
            # As MAIL_TESTING.md §5: in the foreground (no -D), IPv4 only,
            # privileges dropped after the bind as Debian's unit does.
            cmd = [POSTSRSD, f"-s{secret_file}", f"-d{DOMAIN}", f"-f{self.ports['forward']}",
                   f"-r{self.ports['reverse']}", "-l127.0.0.1", "-4", "-unobody"]
        elif kind == "spfkit-tcp":
            self.ports = {"forward": free_port(), "reverse": free_port()}
            cmd = [args.spfkit, "srsd", "--secret-file", secret_file, "--domain", DOMAIN,
                   "--tcp-forward", f"127.0.0.1:{self.ports['forward']}",
                   "--tcp-reverse", f"127.0.0.1:{self.ports['reverse']}",
                   "--log-file", os.path.join(workdir, "spfkit.log")]
        else:
            port = free_port()
            self.ports = {"forward": port, "reverse": port}
            cmd = [args.spfkit, "srsd", "--secret-file", secret_file, "--domain", DOMAIN,
                   "--socketmap", f"tcp:127.0.0.1:{port}", "--log-file", os.path.join(workdir, "spfkit.log")]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
        deadline = time.monotonic() + 10
        for port in set(self.ports.values()):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        self.stop()
                        raise SystemExit(f"{kind} did not start; see {errlog.name}")
                    time.sleep(0.01)

    def stop(self):
        # postsrsd's children end when their connection closes (the load
        # client has closed them all by now) or the parent is gone.
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_replies(path):
    out = []
    with open(path) as f:
        for line in f:
            _, _, reply = line.rstrip("\n").split("\t", 2)
            out.append(reply)
    return out


def value(reply):
    """(found, text): `200 X` and `OK X` found, with X (tcp_table's %XX
    decoded); anything else not."""
    if reply.startswith("200 "):
        b = reply[4:].encode()
        out, i = bytearray(), 0
        while i < len(b):
            if b[i] == 0x25 and i + 2 < len(b):
                out.append(int(b[i + 1:i + 3], 16))
                i += 3
            else:
                out.append(b[i])
                i += 1
        return True, out.decode("utf-8", "replace")
    if reply.startswith("OK "):
        return True, reply[3:]
    return False, reply


def run_one(args, kind, mapname, conns, rnd, workdir, secret_file):
    server = Server(kind, args, workdir, secret_file)
    out = os.path.join(workdir, "replies", f"{kind}-{mapname}-c{conns}-r{rnd}.tsv")
    protocol = "socketmap" if kind == "spfkit-socketmap" else "tcp_table"
    try:
        cmd = [args.load, "--connect", f"127.0.0.1:{server.ports[mapname]}", "--protocol", protocol,
               "--map", mapname, "--keys", os.path.join(workdir, f"{mapname}.txt"), "--connections", str(conns),
               "--out", out, "--cpu", f"server={server.proc.pid}"]
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    finally:
        server.stop()
    res.update(server=kind, map=mapname, round=rnd, replies=out)
    return res


def median_by(items, key):
    s = sorted(items, key=key)
    return s[(len(s) - 1) // 2]


def other_cpu(r):
    """CPU seconds the machine spent on other work during the run."""
    return max(0.0, r["machine_busy_s"] - r["cpu_s"]["server"] - r["client_cpu_s"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spfkit", required=True)
    p.add_argument("--lib", required=True)
    p.add_argument("--load", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=50000)
    p.add_argument("--lib-senders", type=int, default=500000)
    p.add_argument("--connections", default="1,10")
    p.add_argument("--servers", default="spfkit-tcp,spfkit-socketmap,postsrsd")
    args = p.parse_args()
    args.spfkit = os.path.abspath(args.spfkit)
    conc = [int(c) for c in args.connections.split(",")]
    servers = args.servers.split(",")
    if "postsrsd" in servers and not os.access(POSTSRSD, os.X_OK):
        raise SystemExit("bench.py: needs Debian's postsrsd 1.x (apt-get install postsrsd)")
    workdir = os.path.abspath(args.out)
    os.makedirs(os.path.join(workdir, "replies"), exist_ok=True)
    for name in [f"{k}.stderr" for k in LABELS] + ["spfkit.log"]:
        with open(os.path.join(workdir, name), "w"):
            pass
    secret_file = os.path.join(workdir, "secret")
    with open(secret_file, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(secret_file, 0o600)

    day0 = int(time.time()) // 86400
    # (a) The library, one thread; the keys of the map load written by the
    # first round (the senders, and their SRS addresses for today).
    lib_runs = []
    for rnd in range(1, args.rounds + 1):
        cmd = [args.lib, "--secret-file", secret_file, "--domain", DOMAIN, "--senders", str(args.lib_senders)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        r["round"] = rnd
        lib_runs.append(r)
        log(f"library round {rnd}: {r['pairs_per_s']:,.0f} forward+reverse/s (forward {r['forward_per_s']:,.0f}/s, "
            f"reverse {r['reverse_per_s']:,.0f}/s)")
    subprocess.run([args.lib, "--secret-file", secret_file, "--domain", DOMAIN, "--senders", str(args.requests),
                    "--keys-out", workdir], check=True, capture_output=True)
    with open(os.path.join(workdir, "forward.txt")) as f:
        senders = f.read().split("\n")[:-1]
    with open(os.path.join(workdir, "reverse.txt")) as f:
        expected_srs = f.read().split("\n")[:-1]

    # (b) Map requests through the servers.
    runs = []
    for rnd in range(1, args.rounds + 1):
        for c in conc:
            for mapname in ("forward", "reverse"):
                order = servers[(rnd - 1) % len(servers):] + servers[:(rnd - 1) % len(servers)]
                for kind in order:
                    r = run_one(args, kind, mapname, c, rnd, workdir, secret_file)
                    log(f"round {rnd} c={c:<3} {mapname:<8} {kind:<17} {r['rps']:9.0f} rps  p50 {r['p50_ms']:6.3f} ms"
                        f"  p99 {r['p99_ms']:6.3f} ms  errors {r['errors']}  malformed {r['malformed']}  cpu server "
                        f"{r['cpu_s']['server']:.2f}s client {r['client_cpu_s']:.2f}s wall {r['wall_s']:.2f}s  "
                        f"other {other_cpu(r):.2f}s steal {r['machine_steal_s']:.2f}s")
                    runs.append(r)
    day1 = int(time.time()) // 86400

    # Checks: every reply well-formed; forward replies are today's SRS
    # address of each sender (what the library wrote), byte-identical
    # between the servers; reverse replies give each sender back.
    n = args.requests
    checks = {"same_utc_day": day0 == day1}
    for r in runs:
        replies = read_replies(r["replies"])
        want = expected_srs if r["map"] == "forward" else senders
        wrong = 0
        for i, reply in enumerate(replies):
            found, v = value(reply)
            wrong += not (found and v == want[i])
        r["wrong_values"] = wrong
        r["answered_all"] = len(replies) == n and r["errors"] == 0
    for kind in servers:
        mine = [r for r in runs if r["server"] == kind]
        checks[kind] = {
            "every_request_answered_well_formed": all(r["answered_all"] and r["malformed"] == 0 for r in mine),
            "replies_not_the_expected_value": sum(r["wrong_values"] for r in mine),
        }
    if "postsrsd" in servers:
        base = {(r["map"], r["connections"], r["round"]): read_replies(r["replies"])
                for r in runs if r["server"] == "postsrsd"}
        for kind in servers:
            if kind == "postsrsd":
                continue
            diff = 0
            for r in runs:
                if r["server"] != kind:
                    continue
                theirs = base[(r["map"], r["connections"], r["round"])]
                for a, b in zip(read_replies(r["replies"]), theirs):
                    # tcp_table replies compared as bytes; socketmap's by value.
                    diff += (a != b) if kind == "spfkit-tcp" else (value(a) != value(b))
            checks[kind]["replies_differing_from_postsrsd"] = diff

    lib = median_by(lib_runs, lambda r: r["pairs_per_s"])
    summary = []
    for kind in servers:
        for mapname in ("forward", "reverse"):
            for c in conc:
                rs = [r for r in runs if r["server"] == kind and r["map"] == mapname and r["connections"] == c]
                m = median_by(rs, lambda r: r["rps"])
                summary.append({
                    "server": kind, "map": mapname, "connections": c, "round": m["round"], "rps": m["rps"],
                    "rps_rounds": sorted(r["rps"] for r in rs), "p50_ms": m["p50_ms"], "p99_ms": m["p99_ms"],
                    "wall_s": m["wall_s"],
                    "us_cpu_per_request": {"server": 1e6 * m["cpu_s"]["server"] / m["requests"],
                                           "client": 1e6 * m["client_cpu_s"] / m["requests"]},
                    "other_cores": other_cpu(m) / m["wall_s"], "steal_s": m["machine_steal_s"],
                })
    ratios = {}
    if "postsrsd" in servers:
        for kind in servers:
            if kind == "postsrsd":
                continue
            for mapname in ("forward", "reverse"):
                for c in conc:
                    a = next(s for s in summary if (s["server"], s["map"], s["connections"]) == (kind, mapname, c))
                    b = next(s for s in summary
                             if (s["server"], s["map"], s["connections"]) == ("postsrsd", mapname, c))
                    ratios[f"{kind}/postsrsd {mapname} c={c}"] = {
                        "rps": a["rps"] / b["rps"],
                        "server_cpu_per_request": b["us_cpu_per_request"]["server"]
                        / max(1e-9, a["us_cpu_per_request"]["server"])}

    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "model": cpu_model(),
                    "loadavg_at_end": open("/proc/loadavg").read().split()[:3]},
        "postsrsd": {"path": POSTSRSD, "debian_version": postsrsd_version()},
        "settings": {"domain": DOMAIN, "hash_length": 4, "secret": "one line, the same file for every server"},
        "rounds": args.rounds, "requests": n, "figure": "the median round (by rps; by pairs/s for the library)",
        "library": {"spfkit": {"median": lib, "rounds": lib_runs},
                    "postsrsd": "not measured: Debian's postsrsd 1.10 links its bundled libsrs2 statically into "
                                "a stripped binary, and Debian ships no libsrs2 library"},
        "servers": {k: LABELS[k] for k in servers}, "summary": summary, "ratios": ratios, "checks": checks,
        "runs": runs,
    }
    path = os.path.join(workdir, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)

    print()
    print(f"library (spfkit core, one thread, {args.lib_senders:,} distinct senders, median of {args.rounds}): "
          f"{lib['pairs_per_s']:,.0f} forward+reverse/s ({lib['ns_per_pair'] / 1000:.2f} us a pair; "
          f"forward {lib['forward_per_s']:,.0f}/s, reverse {lib['reverse_per_s']:,.0f}/s); postsrsd's libsrs2: "
          f"not measurable as a library here")
    print(f"map requests: {n} distinct keys a run, median of {args.rounds} rounds by rps")
    print(f"{'server':<18}{'map':<9}{'conns':>6}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req: server':>20}"
          f"{'client':>8}{'other cores':>12}")
    for s in summary:
        u = s["us_cpu_per_request"]
        print(f"{s['server']:<18}{s['map']:<9}{s['connections']:>6}{s['rps']:>9.0f}{s['p50_ms']:>9.3f}"
              f"{s['p99_ms']:>9.3f}{u['server']:>20.1f}{u['client']:>8.1f}{s['other_cores']:>12.2f}")
    for k, v in ratios.items():
        print(f"{k}: {v['rps']:.2f}x the requests/s, {v['server_cpu_per_request']:.2f}x less server CPU a request")
    for kind in servers:
        print(f"{kind}: {json.dumps(checks[kind])}")
    print(f"same UTC day for the whole run (forward replies comparable): {checks['same_utc_day']}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
