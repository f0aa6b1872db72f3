"""tests/vectors/vectors.json, spfkit's own language-neutral cases (see
tests/vectors/README.md), through the installed wheel: every parse case
through parse_record() and every check case through check()/check_host()
under both lookup plans, as core/tests/vectors.rs runs them in Rust."""

from __future__ import annotations

import json
from typing import Any

import pytest

import spfkit
from suite_zone import VECTORS, SuiteZone, record_count

CASES = json.loads(VECTORS.read_text(encoding="utf-8"))


def test_parse_vectors() -> None:
    for case in CASES["parse"]:
        text = case["record"]
        try:
            record = spfkit.parse_record(text)
        except spfkit.RecordSyntaxError as e:
            want = case.get("error")
            assert want, f"{text!r}: unexpected error {e}"
            assert e.code == want["code"], text
            # str indices from Python; the vectors give UTF-8 byte offsets.
            start, end = e.span
            span = [len(text[:start].encode()), len(text[:end].encode())]
            assert span == want["span"], text
            assert e.term == want["term"], text
            continue
        assert "printed" in case, f"{text!r} parsed; expected {case.get('error')}"
        printed = str(record)
        assert printed == case["printed"], text
        assert str(spfkit.parse_record(printed)) == printed
    print(f"vectors (Python): {len(CASES['parse'])} parse cases ran, all passed")
    record_count("python/vectors/parse", len(CASES["parse"]), len(CASES["parse"]))


def options_of(o: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in ("receiver", "timestamp", "always_mail_from", "definitive", "default_explanation"):
        if key in o:
            options[key] = o[key]
    if "limits" in o:
        options["limits"] = spfkit.Limits(**o["limits"])
    return options


def check_expectations(name: str, out: spfkit.Outcome, authserv_id: str, expect: dict[str, Any]) -> None:
    d = out.helo if out.decided_by == spfkit.Identity.HELO else out.mail_from
    assert d is not None, name
    received = out.received_spf()
    ar = out.authentication_results(authserv_id)
    for key, want in expect.items():
        if key == "received_spf_prefix":
            assert received.startswith(want), f"{name}: {received}"
            continue
        reply = out.smtp_reply()
        got = {
            "result": lambda: d.result.value,
            "decided_by": lambda: out.decided_by.value,
            "helo_result": lambda: out.helo.result.value if out.helo else None,
            "mailfrom_result": lambda: out.mail_from.result.value if out.mail_from else None,
            "explanation": lambda: d.explanation,
            "mechanism": lambda: d.mechanism,
            "domain": lambda: d.domain,
            "sender": lambda: d.sender,
            "dns_terms": lambda: d.counters.dns_terms,
            "void_lookups": lambda: d.counters.void_lookups,
            "received_spf": lambda: received,
            "authentication_results": lambda: ar,
            "no_line_breaks": lambda: not any(c in h for h in (received, ar) for c in "\r\n"),
            "smtp_reply": lambda: None
            if reply is None
            else {"code": reply.code, "enhanced": reply.enhanced, **({"text": reply.text} if "text" in (want or {}) else {})},
        }.get(key)
        assert got is not None, f"{name}: unknown expectation {key}"
        assert got() == want, f"{name}: {key}\n  outcome: {out!r}"
    assert out.result == d.result, name


@pytest.mark.parametrize("plan", ["batched", "sequential"])
def test_check_vectors(plan: str) -> None:
    for case in CASES["check"]:
        zone = SuiteZone(case["zone"])
        o = dict(case.get("options", {}))
        identity = o.pop("identity", "both")
        kwargs = options_of(o)
        if identity == "both":
            out = spfkit.check(case["ip"], case["sender"], case["helo"], resolver=zone, plan=plan, **kwargs)
        else:
            out = spfkit.check_host(case["ip"], case["sender"], case["helo"], resolver=zone, plan=plan, identity=identity, **kwargs)
        check_expectations(f"{case['name']} ({plan})", out, case.get("authserv_id", "mx.example.net"), case["expect"])
    print(f"vectors (Python): {len(CASES['check'])} check cases ran under the {plan} plan, all passed")
    record_count(f"python/vectors/check/{plan}", len(CASES["check"]), len(CASES["check"]))
