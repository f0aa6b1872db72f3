"""The RFC 7208 suite's zonedata as a resolver (tests/rfc7208/FORMAT.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import spfkit

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "rfc7208" / "rfc7208-tests.json"
VECTORS = ROOT / "tests" / "vectors" / "vectors.json"


def record_count(name: str, ran: int, passed: int) -> None:
    """Appends {"name", "ran", "passed"} as a JSON line to the file named by
    SPFKIT_COUNTS, when set: CI checks those counts (.ci/counts.py), not the
    wording of printed lines."""
    import os

    path = os.environ.get("SPFKIT_COUNTS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"name": name, "ran": ran, "passed": passed}) + "\n")


def _key(name: str) -> str:
    return name.lower().rstrip(".")


_TYPE_CODES = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16, "PTR": 12}


def truncated_response(name: str, rdtype: str) -> bytes:
    """tests/vectors' TRUNCATED: the response a server sends with TC set and
    no records (even over TCP): header with QR, TC and RD set, the question."""
    labels = [label.encode("ascii") for label in _key(name).split(".")]
    qname = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    return bytes([0, 7, 0x83, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + qname + _TYPE_CODES[rdtype].to_bytes(2, "big") + b"\0\1"


class SuiteZone:
    """Answers from a scenario's zonedata: SPF served as TXT where a name has
    no TXT entry, TXT NONE, TIMEOUT after the records of a type, CNAMEs
    followed (a loop is temperror), absent names NXDOMAIN; tests/vectors'
    TRUNCATED as a raw response with TC set."""

    def __init__(self, zonedata: dict[str, list[Any]]) -> None:
        self.names = {_key(n): entries or [] for n, entries in zonedata.items()}

    def __call__(self, name: str, rdtype: str, hops: int = 0) -> Any:
        entries = self.names.get(_key(name))
        if entries is None:
            return spfkit.NXDOMAIN
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        records: list[Any] = []
        for e in entries:
            if e == "TRUNCATED":
                return truncated_response(name, rdtype)
            if e == "TIMEOUT":
                return records if records else spfkit.TEMPERROR
            ((kind, value),) = e.items()
            if kind == "CNAME":
                # A loop is a DNS error (RFC 1034 section 3.6.2): temperror, as in the core.
                return spfkit.TEMPERROR if hops == 16 else self(value, rdtype, hops + 1)
            if kind in ("SPF", "TXT"):
                if rdtype != "TXT" or (kind == "SPF" and has_txt) or value == "NONE":
                    continue
                # A list is one record's strings; encode as the suite's authors meant (UTF-8).
                parts = value if isinstance(value, list) else [value]
                records.append(tuple(p.encode("utf-8") for p in parts))
            elif kind == rdtype == "MX":
                records.append((value[0], value[1]))
            elif kind == rdtype:
                records.append(value)
            elif kind not in ("A", "AAAA", "MX", "PTR"):
                raise ValueError(f"unknown record type {kind}")
        return records if records else spfkit.NODATA


def suite_cases() -> list[tuple[str, dict[str, Any], SuiteZone]]:
    scenarios = json.loads(SUITE.read_text(encoding="utf-8"))
    cases = []
    for scenario in scenarios:
        zone = SuiteZone(scenario["zonedata"])
        for name, case in scenario["tests"].items():
            for field in ("host", "mailfrom", "helo", "result"):
                if field not in case:
                    raise ValueError(f"{name}: {field} is required")
            cases.append((name, case, zone))
    return cases


def verdict(name: str, case: dict[str, Any], outcome: spfkit.Outcome) -> bool:
    want = case["result"] if isinstance(case["result"], list) else [case["result"]]
    if outcome.result not in want:
        return False
    if outcome.result == "fail" and "explanation" in case:
        got, expected = outcome.explanation or "", case["explanation"]
        # v-macro-ip6: the suite wants pyspf's upper-case nibbles; RFC 7208 section 7.4 writes lower case.
        return got == expected or (name == "v-macro-ip6" and got.lower() == expected.lower())
    return True
