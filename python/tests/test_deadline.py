"""The asyncio functions' overall deadline (``timeout``, in seconds) holds by
the loop's clock, whatever the resolver: after it no query is asked, an
answer that arrives after it counts as temperror, and the result is
temperror. A bad timeout is refused when the function is called."""

from __future__ import annotations

import asyncio
import math
import time
import warnings
from typing import Any, Callable

import pytest

import spfkit

ZONE = {
    ("example.com", "TXT"): ["v=spf1 include:one.example.com include:two.example.com -all"],
    ("one.example.com", "TXT"): ["v=spf1 ip4:198.51.100.1 -all"],
    ("two.example.com", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],
}
SLEEP = 1.0  # each answer takes this long
TIMEOUT = 0.3


def blocking_slow(calls: list[str]) -> Callable[[str, str], Any]:
    def resolve(name: str, rdtype: str) -> Any:
        calls.append(name)
        time.sleep(SLEEP)  # blocks the event loop: no cancellation reaches us
        return ZONE.get((name, rdtype), spfkit.NXDOMAIN)

    return resolve


def test_a_blocking_resolver_past_the_deadline() -> None:
    calls: list[str] = []
    start = time.monotonic()
    o = asyncio.run(
        spfkit.check_host_async("192.0.2.1", "a@example.com", "h.example", resolver=blocking_slow(calls), timeout=TIMEOUT)
    )
    elapsed = time.monotonic() - start
    # Without the deadline this is three answers (3 s) and a pass.
    assert o.result == "temperror", repr(o)
    assert calls == ["example.com"]
    assert SLEEP <= elapsed < 2 * SLEEP, elapsed


def test_check_async_and_analyze_async_too() -> None:
    calls: list[str] = []
    o = asyncio.run(spfkit.check_async("192.0.2.1", "a@example.com", "h.example", resolver=blocking_slow(calls), timeout=TIMEOUT))
    assert o.result == "temperror" and len(calls) == 1, (repr(o), calls)
    calls.clear()
    report = asyncio.run(spfkit.analyze_async("example.com", resolver=blocking_slow(calls), timeout=TIMEOUT))
    assert len(calls) == 1, calls
    assert "dns-error" in [w.code for w in report.warnings], str(report)


def test_a_batch_past_the_deadline_asks_no_more() -> None:
    # An mx term's ten hosts are one step: a blocking resolver answers them one
    # after the other, and none is asked once the deadline has passed.
    calls: list[str] = []

    def resolve(name: str, rdtype: str) -> Any:
        calls.append(name)
        if rdtype == "TXT":
            return ["v=spf1 mx -all"]
        if rdtype == "MX":
            return [(i, f"mx{i}.example.com") for i in range(10)]
        time.sleep(0.2)
        return spfkit.NODATA

    o = asyncio.run(spfkit.check_host_async("192.0.2.1", "a@example.com", "h.example", resolver=resolve, timeout=0.3))
    assert o.result == "temperror", repr(o)
    assert len(calls) <= 4, calls  # TXT, MX, then A lookups until the deadline: not all ten


def test_an_answer_after_the_deadline_is_temperror() -> None:
    # One slow answer that the resolver gives after the deadline although it
    # awaits: it counts as temperror, not as the record it holds.
    async def resolve(name: str, rdtype: str) -> Any:
        time.sleep(SLEEP)  # blocking, then awaiting: cancellation comes too late
        await asyncio.sleep(0)
        return ["v=spf1 +all"]

    o = asyncio.run(spfkit.check_host_async("192.0.2.1", "a@example.com", "h.example", resolver=resolve, timeout=TIMEOUT))
    assert o.result == "temperror", repr(o)


def test_within_the_deadline_all_is_as_before() -> None:
    o = asyncio.run(
        spfkit.check_host_async("192.0.2.1", "a@example.com", "h.example", resolver=lambda n, t: ZONE.get((n, t), spfkit.NXDOMAIN))
    )
    assert o.result == "pass"


def test_the_step_classes_expire() -> None:
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h.example", identity="mailfrom")
    (q,) = ev.next()
    ev.expire()
    assert ev.next() is None and ev.outcome is not None and ev.outcome.result == "temperror"
    with pytest.raises(spfkit.AnswerError):
        ev.answer(q, ["v=spf1 +all"])
    an = spfkit.Analysis("example.com")
    assert an.next()
    an.expire()
    assert an.next() is None and an.outcome is not None
    assert [w.code for w in an.outcome.warnings] == ["dns-error"]


BAD_TIMEOUTS: list[Any] = ["5", -1, -0.5, math.nan, None, True, [5]]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS, ids=repr)
def test_a_bad_timeout_is_refused_at_call_time(timeout: Any) -> None:
    resolve = lambda n, t: spfkit.NXDOMAIN  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "coroutine ... was never awaited" RuntimeWarning fails the test
        with pytest.raises(spfkit.InvalidArgumentError, match="timeout"):
            spfkit.check_async("192.0.2.1", "a@example.com", "h", resolver=resolve, timeout=timeout)
        with pytest.raises(spfkit.InvalidArgumentError, match="timeout"):
            spfkit.check_host_async("192.0.2.1", "a@example.com", "h", resolver=resolve, timeout=timeout)
        with pytest.raises(spfkit.InvalidArgumentError, match="timeout"):
            spfkit.analyze_async("example.com", resolver=resolve, timeout=timeout)
        with pytest.raises(spfkit.InvalidArgumentError, match="timeout"):
            spfkit.DnspythonResolver(timeout=timeout if timeout is not None else "x")
        with pytest.raises(spfkit.InvalidArgumentError, match="timeout"):
            spfkit.AsyncDnspythonResolver(timeout=timeout if timeout is not None else "x")
        # Other bad arguments likewise, before any coroutine exists.
        with pytest.raises(spfkit.InvalidArgumentError):
            spfkit.check_async("192.0.2.1", "a@example.com", "h", resolver=resolve, plan="fast")


def test_good_timeouts() -> None:
    resolve = lambda n, t: ZONE.get((n, t), spfkit.NXDOMAIN)  # noqa: E731
    for timeout in [0.5, 5, math.inf, 10**400]:
        o = asyncio.run(spfkit.check_host_async("192.0.2.1", "a@example.com", "h", resolver=resolve, timeout=timeout))
        assert o.result == "pass"
    # Zero: the deadline has passed before anything is asked.
    o = asyncio.run(spfkit.check_host_async("192.0.2.1", "a@example.com", "h", resolver=resolve, timeout=0))
    assert o.result == "temperror"
