"""All 203 RFC 7208 conformance cases through the installed wheel: the
blocking API, then asyncio. Every case is counted; none is skipped."""

from __future__ import annotations

import asyncio

import spfkit
from suite_zone import record_count, suite_cases, verdict

OPTIONS = {"default_explanation": "DEFAULT"}  # the suite's DEFAULT: the implementation's own


def test_suite_blocking() -> None:
    cases = suite_cases()
    failed = []
    for name, case, zone in cases:
        outcome = spfkit.check_host(case["host"], case["mailfrom"], case["helo"], resolver=zone, **OPTIONS)
        if not verdict(name, case, outcome):
            failed.append(f"{name}: {outcome!r} explanation={outcome.explanation!r}, want {case['result']}")
    print(f"\nRFC 7208 suite (Python, blocking): {len(cases)} cases ran, {len(cases) - len(failed)} passed")
    record_count("python/suite/blocking", len(cases), len(cases) - len(failed))
    assert len(cases) == 203
    assert not failed, "\n".join(failed)


def test_suite_asyncio() -> None:
    cases = suite_cases()

    async def run() -> list[str]:
        failed = []
        for name, case, zone in cases:

            async def resolve(n: str, t: str, zone=zone):  # type: ignore[no-untyped-def]
                return zone(n, t)

            outcome = await spfkit.check_host_async(
                case["host"], case["mailfrom"], case["helo"], resolver=resolve, plan="sequential", **OPTIONS
            )
            if not verdict(name, case, outcome):
                failed.append(f"{name}: {outcome!r}, want {case['result']}")
        return failed

    failed = asyncio.run(run())
    print(f"\nRFC 7208 suite (Python, asyncio): {len(cases)} cases ran, {len(cases) - len(failed)} passed")
    record_count("python/suite/asyncio", len(cases), len(cases) - len(failed))
    assert len(cases) == 203
    assert not failed, "\n".join(failed)
