#!/usr/bin/env python3
"""spfkit's Python API on ../shared/bench/workload.json, beside the peers.

usage: bench_spfkit.py [--workload FILE] [--seconds S | --passes N]
                       [--mode blocking|asyncio] [--cache] [--name NAME]

Each query is a MAIL FROM check_host(), DNS answered by a Python function
(a coroutine function with --mode asyncio) reading the zone, as
bench_pyspf.py answers pyspf. One untimed pass records results and DNS
lookups; then passes are timed for --seconds (or exactly --passes N). Prints
one JSON object (../shared/bench/README.md). Run it with the interpreter
that has the spfkit wheel installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import spfkit


class Zone:
    def __init__(self, zone: dict[str, list[dict[str, Any]]]) -> None:
        self.answers: dict[tuple[str, str], list[Any]] = {}
        self.names: set[str] = set()
        self.lookups = 0
        self.log: list[tuple[str, str]] | None = None
        for name, records in zone.items():
            name = name.rstrip(".").lower()
            self.names.add(name)
            for rec in records:
                rtype, data = rec["type"].upper(), rec["data"]
                if rtype == "TXT":
                    value: Any = tuple(p.encode() for p in ([data] if isinstance(data, str) else data))
                elif rtype == "MX":
                    value = (int(data[0]), data[1].rstrip("."))
                else:
                    value = data.rstrip(".")
                self.answers.setdefault((name, rtype), []).append(value)

    def resolve(self, name: str, rdtype: str) -> Any:
        self.lookups += 1
        if self.log is not None:
            self.log.append((name, rdtype))
        name = name.lower()
        found = self.answers.get((name, rdtype))
        if found is not None:
            return found
        return spfkit.NODATA if name in self.names else spfkit.NXDOMAIN

    async def resolve_async(self, name: str, rdtype: str) -> Any:
        return self.resolve(name, rdtype)


def ceiling(zone: Zone, asked: list[list[tuple[str, str]]], seconds: float) -> float:
    """Evaluations per second of the event loop alone: per query, one
    wait_for (the overall timeout) around the same awaits of the same
    resolver, with no SPF work at all."""

    async def replay(lookups: list[tuple[str, str]]) -> None:
        for name, rdtype in lookups:
            await zone.resolve_async(name, rdtype)

    async def run() -> float:
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or done < 3:
            for lookups in asked:
                await asyncio.wait_for(replay(lookups), 20.0)
            done += 1
        return done * len(asked) / (time.perf_counter() - start)

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="../shared/bench/workload.json")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--passes", type=int)
    ap.add_argument("--mode", choices=["blocking", "asyncio"], default="blocking")
    ap.add_argument("--cache", action="store_true", help="share a RecordCache across evaluations")
    ap.add_argument("--name")
    args = ap.parse_args()

    with open(args.workload) as f:
        work = json.load(f)
    zone = Zone(work["zone"])
    queries = work["queries"]
    receiver = work.get("receiver", "mx.receiver.example")
    cache = spfkit.RecordCache() if args.cache else None
    name = args.name or ("spfkit-python" + ("-asyncio" if args.mode == "asyncio" else "") + ("-cached" if args.cache else ""))

    if args.mode == "blocking":
        check_host = spfkit.check_host
        resolve = zone.resolve

        def one(q: dict[str, Any]) -> spfkit.Outcome:
            return check_host(q["ip"], q["sender"], q["helo"], resolver=resolve, receiver=receiver, cache=cache)

        def timed(n: int | None) -> tuple[int, float]:
            done, start = 0, time.perf_counter()
            while (done < n) if n is not None else (time.perf_counter() - start < args.seconds or done < 3):
                for q in queries:
                    one(q)
                done += 1
            return done, time.perf_counter() - start

    else:
        check_host_async = spfkit.check_host_async
        aresolve = zone.resolve_async

        async def aone(q: dict[str, Any]) -> spfkit.Outcome:
            return await check_host_async(
                q["ip"], q["sender"], q["helo"], resolver=aresolve, receiver=receiver, cache=cache
            )

        def timed(n: int | None) -> tuple[int, float]:
            async def run() -> tuple[int, float]:
                done, start = 0, time.perf_counter()
                while (done < n) if n is not None else (time.perf_counter() - start < args.seconds or done < 3):
                    for q in queries:
                        await aone(q)
                    done += 1
                return done, time.perf_counter() - start

            return asyncio.run(run())

    # One untimed pass: results and the lookups each query made.
    outcomes: list[tuple[str, Any, int]] = []
    asked: list[list[tuple[str, str]]] = []
    lookups = 0
    for q in queries:
        before = zone.lookups
        zone.log = []
        o = one(q) if args.mode == "blocking" else asyncio.run(aone(q))
        asked.append(zone.log)
        zone.log = None
        made = zone.lookups - before
        lookups += made
        outcomes.append((str(o.result), o.explanation if o.result == "fail" else None, made))

    done, elapsed = timed(args.passes if args.passes is not None else None)
    evals = done * len(queries)
    agree = sum(1 for q, o in zip(queries, outcomes) if o[0] == q["expect"])
    out = {
        "peer": name,
        "version": spfkit.__version__,
        "language": "python",
        "runtime": "python %d.%d.%d" % sys.version_info[:3],
        "queries": len(queries),
        "passes": done,
        "seconds": elapsed,
        "evals_per_sec": evals / elapsed if elapsed > 0 else 0.0,
        "dns_lookups_per_pass": lookups,
        "agree": agree,
        "results": [
            {"id": q["id"], "result": o[0], "explanation": o[1], "dns": o[2]} for q, o in zip(queries, outcomes)
        ],
    }
    if args.mode == "asyncio":
        out["asyncio_ceiling_evals_per_sec"] = ceiling(zone, asked, args.seconds)
    print(json.dumps(out))
    print(
        "%s: %.0f evals/s, %d DNS lookups/pass, %d/%d agree" % (name, out["evals_per_sec"], lookups, agree, len(queries)),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
