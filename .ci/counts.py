#!/usr/bin/env python3
"""CI's verdicts on machine-readable test results, not on printed wording.

    counts.py libtest FILE...        libtest JSON lines (cargo test -- -Z unstable-options --format json):
                                     some tests passed, none failed, ignored or filtered out
    counts.py junit FILE             a JUnit XML report (pytest --junitxml, node --test's junit reporter):
                                     some test cases, none failed, errored or skipped
    counts.py expect FILE NAME=N[xK]...
                                     FILE holds the JSON lines tests append when SPFKIT_COUNTS names it
                                     ({"name", "ran", "passed"}): each NAME recorded exactly K times
                                     (default 1), each time with ran == passed == N. N is a number or
                                     `suite` (the RFC 7208 suite's cases), `vectors.parse`, `vectors.check`
                                     (tests/vectors/vectors.json's), `policy.cases`, `policy.bad_settings`
                                     (tests/policy/cases.json's), `srs.vectors` (tests/srs/vectors.json's),
                                     counted from the files themselves.

Exit status 0 when every check holds; otherwise 1, with what failed on stderr.
"""

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fail(msg: str) -> None:
    print(f"counts.py: {msg}", file=sys.stderr)
    sys.exit(1)


def known(word: str) -> int:
    if word.isdigit():
        return int(word)
    if word == "suite":
        scenarios = json.loads((ROOT / "tests/rfc7208/rfc7208-tests.json").read_text(encoding="utf-8"))
        return sum(len(s["tests"]) for s in scenarios)
    if word in ("vectors.parse", "vectors.check"):
        vectors = json.loads((ROOT / "tests/vectors/vectors.json").read_text(encoding="utf-8"))
        return len(vectors[word.split(".")[1]])
    if word in ("policy.cases", "policy.bad_settings"):
        policy = json.loads((ROOT / "tests/policy/cases.json").read_text(encoding="utf-8"))
        return len(policy[word.split(".")[1]])
    if word == "srs.vectors":
        return len(json.loads((ROOT / "tests/srs/vectors.json").read_text(encoding="utf-8"))["vectors"])
    fail(f"unknown count {word!r}")
    return 0


def libtest(files: list[str]) -> None:
    totals = {"passed": 0, "failed": 0, "ignored": 0, "filtered_out": 0}
    suites = 0
    for name in files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if event.get("type") == "test" and event.get("event") == "failed":
                print(f"failed: {event.get('name')}\n{event.get('stdout', '')}", file=sys.stderr)
            if event.get("type") == "suite" and event.get("event") in ("ok", "failed"):
                suites += 1
                for k in totals:
                    totals[k] += int(event.get(k, 0))
    print(f"libtest: {suites} test binaries, {totals['passed']} passed, {totals['failed']} failed, "
          f"{totals['ignored']} ignored, {totals['filtered_out']} filtered out")
    if suites == 0 or totals["passed"] == 0:
        fail("no test ran")
    if totals["failed"] or totals["ignored"] or totals["filtered_out"]:
        fail("tests failed, were ignored or filtered out")


def junit(name: str) -> None:
    root = ET.parse(name).getroot()
    cases = list(root.iter("testcase"))
    # Anywhere in the report: node --test puts a parent test's own failure
    # on its <testsuite>, not on a <testcase>.
    bad = {k: [e.get("message") or e.get("type") or k for e in root.iter(k)] for k in ("failure", "error", "skipped")}
    print(f"junit: {len(cases)} test cases, {len(bad['failure'])} failed, {len(bad['error'])} errors, "
          f"{len(bad['skipped'])} skipped")
    if not cases:
        fail(f"{name}: no test case")
    for k, names in bad.items():
        if names:
            fail(f"{name}: {k}: {', '.join(str(n) for n in names)}")


def expect(name: str, specs: list[str]) -> None:
    path = Path(name)
    records = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()] if path.exists() else []
    wanted = set()
    for spec in specs:
        key, _, value = spec.partition("=")
        count, _, times = value.partition("x")
        n, k = known(count), int(times or 1)
        wanted.add(key)
        got = [r for r in records if r.get("name") == key]
        if len(got) != k:
            fail(f"{key}: recorded {len(got)} times, not {k} (a run skipped or filtered away?)")
        for r in got:
            if r.get("ran") != n or r.get("passed") != n:
                fail(f"{key}: {r.get('ran')} ran and {r.get('passed')} passed, not {n} of {n}")
        print(f"{key}: {n} cases ran, {n} passed" + (f" ({k} runs)" if k > 1 else ""))
    extra = sorted({r.get("name") for r in records} - wanted)
    if extra:
        fail(f"recorded but not expected: {', '.join(map(str, extra))}")


def main() -> None:
    if len(sys.argv) < 3:
        fail(__doc__ or "usage")
    what, args = sys.argv[1], sys.argv[2:]
    if what == "libtest":
        libtest(args)
    elif what == "junit":
        junit(args[0])
    elif what == "expect":
        expect(args[0], args[1:])
    else:
        fail(f"unknown check {what!r}")


if __name__ == "__main__":
    main()
