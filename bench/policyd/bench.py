#!/usr/bin/env python3
"""Runs the policy-server benchmark (README.md here); run.sh builds what it
needs and calls this.

    python3 bench/policyd/bench.py --spfkit BIN --load BIN --out DIR
        [--rounds 3] [--requests 10000] [--connections 1,10,100]
        [--servers spfkit,policyd-spf,spfkit-spawn]

Standard library only.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONF = os.path.join(REPO, "tests/policyd/policyd-spf.conf")
POLICYD_SPF = os.path.join(REPO, "tests/postfix/policyd-spf-local")
SERVE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests/dns/serve.py")

LABELS = {
    "spfkit": "spfkit policyd (one daemon, TCP)",
    "policyd-spf": "policyd-spf 3.0.4 (a process per connection, as spawn runs it)",
    "spfkit-spawn": "spfkit policyd (a process per connection, as spawn runs it)",
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        return "?"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    """(pid, comm) of the processes whose parent is pid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        if ppid == pid:
            out.append((int(entry), comm))
    return out


def other_cpu(r):
    """CPU seconds the machine was busy with something else than NSD, the
    server and the load client during the run (other work shares the cores)."""
    return max(0.0, r["machine_busy_s"] - r["cpu_s"]["server"] - r["cpu_s"]["nsd"] - r["client_cpu_s"])


def decision(reply):
    """A reply reduced to what was decided: reject, defer, dunno, or the
    SPF result a prepended Received-SPF header carries."""
    if reply.startswith("ERROR"):
        return "error"
    action = reply.split("\x1f")[0]
    if not action.startswith("action="):
        return "malformed"
    words = action[len("action="):].split()
    if not words:
        return "malformed"
    verb = words[0].lower()
    if verb[0] == "5" or verb in ("reject", "defer_if_permit", "defer") or verb[0] == "4":
        return "reject" if verb[0] == "5" or verb == "reject" else "defer"
    if verb == "prepend" and len(words) > 2 and words[1].lower() == "received-spf:":
        return "prepend " + words[2].lower()
    if verb == "prepend":
        return "prepend " + words[1].lower().rstrip(":")
    return verb


class Server:
    def __init__(self, kind, args, nsd_port, workdir):
        self.kind = kind
        self.port = None
        errlog = os.path.join(workdir, f"{kind}.stderr")
        if kind == "spfkit":
            self.port = free_port()
            cmd = [args.spfkit, "policyd", "--listen", f"tcp:127.0.0.1:{self.port}", "--policyd-spf-conf", CONF,
                   "--nameserver", f"127.0.0.1:{nsd_port}"]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=open(errlog, "a"))
        else:
            if kind == "policyd-spf":
                cmd = [POLICYD_SPF, str(nsd_port), CONF]
            else:
                cmd = [args.spfkit, "policyd", "--policyd-spf-conf", CONF, "--nameserver", f"127.0.0.1:{nsd_port}"]
            self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "spawner.py"), "--stderr", errlog, "--"]
                                         + cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.port = int(self.proc.stdout.readline())
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit(f"{kind} did not start; see {errlog}")
                time.sleep(0.02)

    def stop(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        else:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_one(args, kind, conns, rnd, nsd_port, nsd_pid, workdir):
    server = Server(kind, args, nsd_port, workdir)
    out = os.path.join(workdir, "replies", f"{kind}-c{conns}-r{rnd}.tsv")
    try:
        cmd = [args.load, "--connect", f"127.0.0.1:{server.port}", "--corpus", os.path.join(workdir, "corpus.tsv"),
               "--warmup", os.path.join(workdir, "warmup.tsv"), "--connections", str(conns), "--out", out,
               "--tag", f"r{rnd}c{conns}", "--cpu", f"server={server.proc.pid}", "--cpu", f"nsd={nsd_pid}"]
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    finally:
        server.stop()
    res.update(server=kind, round=rnd, replies=out)
    decisions = []
    with open(out) as f:
        for line in f:
            _, _, reply = line.rstrip("\n").split("\t", 2)
            decisions.append(decision(reply))
    res["decisions"] = decisions
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spfkit", required=True)
    p.add_argument("--load", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=10000)
    p.add_argument("--connections", default="1,10,100")
    p.add_argument("--servers", default="spfkit,policyd-spf,spfkit-spawn")
    args = p.parse_args()
    args.spfkit = os.path.abspath(args.spfkit)
    conc = [int(c) for c in args.connections.split(",")]
    servers = args.servers.split(",")
    workdir = os.path.abspath(args.out)
    os.makedirs(os.path.join(workdir, "replies"), exist_ok=True)
    for kind in LABELS:
        # The servers' standard error (spfkit's decision log in TCP mode): this run's only.
        with open(os.path.join(workdir, f"{kind}.stderr"), "w"):
            pass

    gen = subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), workdir, "--requests", str(args.requests)],
                         check=True, capture_output=True, text=True)
    log(f"workload: {gen.stdout.strip()}")
    with open(os.path.join(workdir, "meta.json")) as f:
        meta = json.load(f)

    nsd = subprocess.Popen([sys.executable, SERVE, os.path.join(workdir, "bench.zone")], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    runs = []
    try:
        nsd_port = int(nsd.stdout.readline())
        nsd_pids = [pid for pid, comm in children(nsd.pid) if comm.startswith("nsd")]
        if len(nsd_pids) != 1:
            raise SystemExit(f"expected one nsd child of serve.py, found {nsd_pids}")
        log(f"NSD on 127.0.0.1:{nsd_port} (pid {nsd_pids[0]}; its children counted too)")
        for rnd in range(1, args.rounds + 1):
            for c in conc:
                # The servers' order turns each round, so none always runs first.
                order = servers[(rnd - 1) % len(servers):] + servers[:(rnd - 1) % len(servers)]
                for kind in order:
                    r = run_one(args, kind, c, rnd, nsd_port, nsd_pids[0], workdir)
                    log(f"round {rnd} c={c:<3} {kind:<13} {r['rps']:9.0f} rps  p50 {r['p50_ms']:7.2f} ms  "
                        f"p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}  malformed {r['malformed']}  "
                        f"cpu server {r['cpu_s']['server']:.2f}s nsd {r['cpu_s']['nsd']:.2f}s "
                        f"client {r['client_cpu_s']:.2f}s wall {r['wall_s']:.2f}s  "
                        f"other {other_cpu(r):.2f}s steal {r['machine_steal_s']:.2f}s")
                    runs.append(r)
    finally:
        nsd.stdin.close()
        nsd.wait()

    # The median round by rps for each (server, connections); its figures as a set.
    summary = []
    for kind in servers:
        for c in conc:
            rs = sorted((r for r in runs if r["server"] == kind and r["connections"] == c), key=lambda r: r["rps"])
            m = rs[(len(rs) - 1) // 2]
            cpu_server, cpu_nsd = m["cpu_s"]["server"], m["cpu_s"]["nsd"]
            summary.append({
                "server": kind, "connections": c, "round": m["round"], "rps": m["rps"],
                "rps_rounds": [r["rps"] for r in rs], "p50_ms": m["p50_ms"], "p99_ms": m["p99_ms"],
                "wall_s": m["wall_s"], "cpu_server_s": cpu_server, "cpu_nsd_s": cpu_nsd,
                "cpu_client_s": m["client_cpu_s"],
                "us_cpu_per_request": {
                    "server": 1e6 * cpu_server / m["requests"], "nsd": 1e6 * cpu_nsd / m["requests"],
                    "client": 1e6 * m["client_cpu_s"] / m["requests"]},
                "nsd_cores": cpu_nsd / m["wall_s"],
                "nsd_share_of_cpu": cpu_nsd / max(1e-9, cpu_nsd + cpu_server + m["client_cpu_s"]),
                "nsd_vs_server_cpu": cpu_nsd / max(1e-9, cpu_server),
                "other_cpu_s": other_cpu(m), "steal_s": m["machine_steal_s"],
                "other_cores": other_cpu(m) / m["wall_s"],
                "errors": sum(r["errors"] for r in rs), "malformed": sum(r["malformed"] for r in rs),
                "warmup_failed": sum(r["warmup_failed"] for r in rs),
            })

    # Sanity: every request answered, well formed; decisions across runs and servers.
    n = args.requests
    checks = {}
    for kind in servers:
        mine = [r for r in runs if r["server"] == kind]
        base = mine[0]["decisions"]
        checks[kind] = {
            "all_answered_well_formed": all(r["errors"] == 0 and r["malformed"] == 0 and len(r["decisions"]) == n
                                            for r in mine),
            "requests_deciding_differently_between_runs": sum(
                1 for i in range(n) if any(r["decisions"][i] != base[i] for r in mine)),
        }
    mismatch = {}
    if "spfkit" in servers and "policyd-spf" in servers:
        a = next(r for r in runs if r["server"] == "spfkit")["decisions"]
        b = next(r for r in runs if r["server"] == "policyd-spf")["decisions"]
        pairs = {}
        for x, y in zip(a, b):
            if x != y:
                pairs[f"{x} | {y}"] = pairs.get(f"{x} | {y}", 0) + 1
        mismatch = {"count": sum(pairs.values()), "of": n,
                    "by_pair (spfkit | policyd-spf)": dict(sorted(pairs.items(), key=lambda kv: -kv[1]))}
    dist = {}
    for kind in servers:
        d = {}
        for x in next(r for r in runs if r["server"] == kind)["decisions"]:
            d[x] = d.get(x, 0) + 1
        dist[kind] = dict(sorted(d.items(), key=lambda kv: -kv[1]))

    ratios = {}
    if "spfkit" in servers and "policyd-spf" in servers:
        for c in conc:
            a = next(s for s in summary if s["server"] == "spfkit" and s["connections"] == c)
            b = next(s for s in summary if s["server"] == "policyd-spf" and s["connections"] == c)
            ratios[str(c)] = a["rps"] / b["rps"]

    for r in runs:
        del r["decisions"]
    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "model": cpu_model()},
        "workload": meta, "rounds": args.rounds, "figure": "the median round by rps (its p50/p99 with it)",
        "summary": summary, "ratios_rps_spfkit_over_policyd_spf": ratios, "checks": checks,
        "decision_mismatches": mismatch, "decisions": dist, "runs": runs,
    }
    path = os.path.join(workdir, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)

    print()
    print(f"{args.requests} requests ({meta['distinct_pairs']} distinct client/sender pairs), "
          f"median of {args.rounds} rounds by rps")
    print(f"{'server':<14}{'conns':>6}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'NSD cores':>10}{'NSD share':>10}"
          f"{'CPU us/request: server':>24}{'NSD':>6}{'client':>7}")
    for s in summary:
        u = s["us_cpu_per_request"]
        print(f"{s['server']:<14}{s['connections']:>6}{s['rps']:>9.0f}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}"
              f"{s['nsd_cores']:>10.2f}{s['nsd_share_of_cpu']:>10.0%}{u['server']:>24.0f}{u['nsd']:>6.0f}{u['client']:>7.0f}")
    print("NSD cores: NSD's CPU seconds / wall seconds. NSD share: NSD's CPU / (NSD + server + load client CPU).")
    for c, ratio in ratios.items():
        print(f"spfkit / policyd-spf at {c} connection(s): {ratio:.1f}x")
    for kind, ch in checks.items():
        print(f"{kind}: every request answered, well formed: {ch['all_answered_well_formed']}; "
              f"requests decided differently between its runs: {ch['requests_deciding_differently_between_runs']}")
    if mismatch:
        print(f"decisions differing, spfkit vs policyd-spf: {mismatch['count']} of {n}")
    others = [other_cpu(r) / r["wall_s"] for r in runs]
    print(f"machine: {os.cpu_count()} CPUs shared by NSD, the server and the load client; other work on the "
          f"machine took {min(others):.2f} to {max(others):.2f} cores during the runs "
          f"(median rounds: {', '.join(format(s['other_cores'], '.2f') for s in summary)})")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
