"""The Python API's contract on the installed wheel: answers in every
documented form (raw DNS messages included), the step API, asyncio's
timeout, records, and hostile input."""

from __future__ import annotations

import asyncio
import ipaddress
import struct
import threading
import time
from typing import Any

import pytest

import spfkit

ZONE: dict[tuple[str, str], Any] = {
    ("example.com", "TXT"): ["v=spf1 mx ip4:198.51.100.0/24 -all exp=why.example.com"],
    ("example.com", "MX"): [(10, "mail.example.com.")],
    ("mail.example.com", "A"): [ipaddress.IPv4Address("192.0.2.25")],
    ("mail.example.com", "AAAA"): ["2001:db8::25"],
    ("why.example.com", "TXT"): [("%{i} is not ", b"allowed for %{d}")],
    ("helo.example.org", "TXT"): ["v=spf1 a -all"],
    ("helo.example.org", "A"): [b"\xc0\x00\x02\x19"],
}


def resolve(name: str, rdtype: str) -> Any:
    if (name, rdtype) in ZONE:
        return ZONE[(name, rdtype)]
    return spfkit.NODATA if any(n == name for n, _ in ZONE) else spfkit.NXDOMAIN


def test_installed_wheel_is_under_test() -> None:
    assert "site-packages" in spfkit.__file__, spfkit.__file__
    assert spfkit.__version__ == "0.1.0"


def test_fail_with_explanation_and_headers() -> None:
    o = spfkit.check("192.0.2.99", "<alice@example.com>", "other.example.org", resolver=resolve, receiver="mx.example.net")
    assert o.result is spfkit.Result.FAIL and o.result == "fail"
    assert o.decided_by is spfkit.Identity.MAIL_FROM
    assert o.helo is not None and o.helo.result == "none"
    assert o.explanation == "192.0.2.99 is not allowed for example.com"
    assert o.mechanism == "-all" and o.domain == "example.com" and o.sender == "alice@example.com"
    c = o.counters
    assert (c.dns_terms, c.void_lookups, c.queries, c.round_trips) == (1, 0, 4, 4)
    assert o.received_spf().startswith("Received-SPF: fail (mx.example.net: ")
    assert o.received_spf("helo").startswith("Received-SPF: none ")
    assert "spf=fail" in o.authentication_results("mx.example.net")
    reply = o.smtp_reply()
    assert reply is not None and (reply.code, reply.enhanced) == (550, "5.7.23")
    assert str(reply) == "550 5.7.23 192.0.2.99 is not allowed for example.com"
    assert "fail" in repr(o) and "-all" in repr(o)


def test_pass_helo_decides_and_trace() -> None:
    o = spfkit.check("192.0.2.25", "bob@example.com", "helo.example.org", resolver=resolve, trace=True)
    assert o.result == "pass" and o.decided_by == "helo" and o.mail_from is None
    assert o.smtp_reply() is None and o.explanation is None
    kinds = [(e.kind, e.text) for e in o.trace]
    assert kinds[0] == ("record", "v=spf1 a -all") and kinds[1] == ("term", "a")
    assert o.trace[1].matched


def test_check_host_identities_and_ipv6() -> None:
    o = spfkit.check_host("2001:db8::25", "x@example.com", "h", resolver=resolve)
    assert o.result == "pass" and o.mechanism == "mx"
    o = spfkit.check_host(ipaddress.ip_address("192.0.2.25"), "", "helo.example.org", identity="helo", resolver=resolve)
    assert o.result == "pass" and o.identity == spfkit.Identity.HELO
    with pytest.raises(spfkit.InvalidArgumentError):
        spfkit.check_host("192.0.2.1", "a@b.example", "h", identity="both", resolver=resolve)
    # The enum, a str, and anything else turned into a str, as a Python API would.
    o = spfkit.check_host("192.0.2.25", "", "helo.example.org", identity=spfkit.Identity.HELO, resolver=resolve)
    assert o.identity == "helo"
    with pytest.raises(spfkit.InvalidArgumentError, match='not "None"'):
        spfkit.check_host("192.0.2.1", "a@b.example", "h", identity=None, resolver=resolve)  # type: ignore[arg-type]
    # Flags are tested for truth, so an Optional[bool] passes straight through.
    assert spfkit.check_host("2001:db8::25", "x@example.com", "h", resolver=resolve, trace=None).trace == []  # type: ignore[arg-type]
    assert spfkit.check_host("2001:db8::25", "x@example.com", "h", resolver=resolve, trace=1).trace  # type: ignore[arg-type]


def _response(query: bytes, txt: bytes | None, rcode: int = 0) -> bytes:
    header = bytearray(query[:12])
    header[2] |= 0x80
    header[3] = (header[3] & 0xF0) | rcode
    if txt is None:
        return bytes(header) + query[12:]
    header[6:8] = struct.pack(">H", 1)
    rr = b"\xc0\x0c" + struct.pack(">HHIHB", 16, 1, 300, len(txt) + 1, len(txt)) + txt
    return bytes(header) + query[12:] + rr


def test_raw_dns_messages_through_the_step_api() -> None:
    for txt, rcode, want in [
        (b"v=spf1 ip4:192.0.2.0/24 -all", 0, "pass"),
        (None, 3, "none"),
        (None, 2, "temperror"),
        (None, 5, "temperror"),
    ]:
        ev = spfkit.Evaluation("192.0.2.7", "a@example.com", "h", identity="mailfrom")
        (q,) = ev.next()
        assert (q.name, q.type) == ("example.com", "TXT")
        message = q.message(0x4242)
        assert message[:2] == b"\x42\x42"
        ev.answer(q, _response(message, txt, rcode))
        with pytest.raises(spfkit.AnswerError):
            ev.answer(q, spfkit.NXDOMAIN)
        assert ev.next() is None and ev.done
        assert ev.outcome is not None and ev.outcome.result == want
    ev = spfkit.Evaluation("192.0.2.7", "a@example.com", "h", identity="mailfrom")
    (q,) = ev.next()
    assert ev.next() == [] and ev.outcome is None  # waiting for the answer
    with pytest.raises(spfkit.AnswerError):
        ev.answer(q.id + 99, spfkit.NXDOMAIN)
    ev.answer(q.id, b"not a DNS message")
    assert ev.next() is None and ev.outcome is not None and ev.outcome.result == "temperror"


def test_resolver_failures() -> None:
    def raises(name: str, rdtype: str) -> Any:
        raise OSError("network unreachable")

    assert spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=raises).result == "temperror"

    for bad in [None, 42, "v=spf1 -all", {"TXT": 1}, [object()], [(1, 2)]]:
        with pytest.raises(spfkit.ResolverError) as info:
            spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t, bad=bad: bad)
        assert isinstance(info.value, TypeError)

    def interrupted(name: str, rdtype: str) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=interrupted)

    wrong_family = {("example.com", "TXT"): ["v=spf1 a -all"], ("example.com", "A"): ["2001:db8::1"]}
    with pytest.raises(spfkit.ResolverError):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: wrong_family.get((n, t), []))

    # Answers are read by index: a list that an item's __str__ empties
    # while it is read is a wrong shape, not a crash or a stale read.
    class Emptying:
        def __init__(self, into: list[Any]) -> None:
            self.into = into

        def __str__(self) -> str:
            self.into.clear()
            return "192.0.2.1"

    def shrinking(name: str, rdtype: str) -> Any:
        if rdtype == "TXT":
            return ["v=spf1 a -all"]
        answer: list[Any] = []
        answer.extend([Emptying(answer), Emptying(answer)])
        return answer

    with pytest.raises(spfkit.ResolverError, match="changed while it was read"):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=shrinking)


def test_hostile_arguments() -> None:
    with pytest.raises(spfkit.InvalidAddressError) as info:
        spfkit.check("192.0.2.300", "a@example.com", "h", resolver=resolve)
    assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError):
        spfkit.check(12345, "a@example.com", "h", resolver=resolve)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        spfkit.check("192.0.2.1", None, "h", resolver=resolve)  # type: ignore[arg-type]
    with pytest.raises(spfkit.InvalidArgumentError):
        spfkit.check("192.0.2.1", "a@example.com", "h", resolver=resolve, plan="fast")
    with pytest.raises(spfkit.InvalidArgumentError):
        spfkit.check("192.0.2.1", "a@example.com", "h", resolver=resolve, definitive=["maybe"])
    # Embedded NULs and megabyte strings are just bad domains: none, no DNS asked.
    asked: list[str] = []

    def counting(name: str, rdtype: str) -> Any:
        asked.append(name)
        return spfkit.NXDOMAIN

    for sender in ["a@exa\x00mple.com", "a@" + "x" * 4000 + ".example", "\x00"]:
        o = spfkit.check_host("192.0.2.1", sender, "h", resolver=counting)
        assert o.result == "none"
    assert asked == []
    # Megabyte strings are over core's bound (4,096 bytes): refused up front.
    with pytest.raises(spfkit.InvalidArgumentError, match="sender is longer than 4096 bytes"):
        spfkit.check_host("192.0.2.1", "a@" + "x" * 1_000_000 + ".example", "h", resolver=counting)
    with pytest.raises(spfkit.InvalidArgumentError, match="helo is longer than 4096 bytes"):
        spfkit.check_host("192.0.2.1", "a@example.com", "h" * 1_000_000, identity="helo", resolver=counting)
    assert asked == []


def test_limits_and_cache() -> None:
    zone = {("example.com", "TXT"): ["v=spf1 a:x1.example.com a:x2.example.com ip4:192.0.2.1 -all"]}
    r = lambda n, t: zone.get((n, t), spfkit.NXDOMAIN)  # noqa: E731
    assert spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=r).result == "pass"
    strict = spfkit.Limits(void_lookups=1)
    assert spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=r, limits=strict).result == "permerror"
    with pytest.raises(TypeError):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=r, limits="ten")  # type: ignore[arg-type]
    cache = spfkit.RecordCache(16)
    for _ in range(3):
        assert spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=r, cache=cache).result == "pass"
    assert len(cache) == 1


def test_asyncio_concurrent_steps_and_timeout() -> None:
    zone = {
        ("example.com", "TXT"): ["v=spf1 mx -all"],
        ("example.com", "MX"): [(i, f"mx{i}.example.com") for i in range(10)],
    }
    in_flight = 0
    peak = 0

    async def slow(name: str, rdtype: str) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        if name.startswith("mx9") and rdtype == "A":
            return ["192.0.2.9"]
        return zone.get((name, rdtype), spfkit.NODATA)

    o = asyncio.run(spfkit.check_host_async("192.0.2.9", "a@example.com", "h", resolver=slow))
    assert o.result == "pass"
    assert peak >= 10  # the ten MX hosts' lookups were awaited together
    assert o.counters.round_trips == 3

    async def never(name: str, rdtype: str) -> Any:
        await asyncio.Event().wait()

    start = time.monotonic()
    o = asyncio.run(spfkit.check_async("192.0.2.1", "a@example.com", "h.example.org", resolver=never, timeout=0.3))
    assert time.monotonic() - start < 2
    assert o.result == "temperror"


def test_threads_share_nothing() -> None:
    results: list[str] = []

    def work() -> None:
        for _ in range(100):
            results.append(str(spfkit.check("192.0.2.25", "a@example.com", "x.example.org", resolver=resolve).result))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["pass"] * 400


def test_records() -> None:
    r = spfkit.parse_record("V=SPF1 IP4:192.0.2.1 ~ALL")
    assert str(r) == "v=spf1 ip4:192.0.2.1 ~all"
    assert r.terms == [("ip4:192.0.2.1", (7, 20)), ("~all", (21, 25))]
    # The span is in str indices: "é" is one index but two bytes.
    text = "v=spf1 a:é.example ip4:192.0.2.300 -all"
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record(text)
    e = info.value
    assert isinstance(e, ValueError) and e.code == "invalid-character"
    assert text[e.span[0] : e.span[1]] == "é"
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record("v=spf1 ip4:192.0.2.300 -all")
    assert (info.value.code, info.value.term, info.value.span) == ("invalid-ip4", "ip4:192.0.2.300", (7, 22))
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record(text.encode())
    assert info.value.span == (9, 11)  # bytes in, byte offsets out
    with pytest.raises(TypeError):
        spfkit.parse_record(42)  # type: ignore[arg-type]


def test_guards_on_values() -> None:
    import pickle

    for bad_limits in [{"dns_terms": -1}, {"void_lookups": 2**32}, {"mx_names": 1001}, {"ptr_names": 1.5}]:
        with pytest.raises(spfkit.InvalidArgumentError):
            spfkit.Limits(**bad_limits)  # type: ignore[arg-type]
    with pytest.raises(spfkit.InvalidArgumentError):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=resolve, timestamp=-1)
    # The step classes take limits directly: the same bounds hold there.
    for bad in [(2000, 10, 10, 2), (10, 10, 10, -1)]:
        with pytest.raises(spfkit.InvalidArgumentError):
            spfkit.Evaluation("192.0.2.1", "a@example.com", "h", limits=bad)
        with pytest.raises(spfkit.InvalidArgumentError):
            spfkit.Analysis("example.com", limits=bad)
    with pytest.raises(TypeError):
        spfkit.Evaluation("192.0.2.1", "a@example.com", "h", limits="ten")  # type: ignore[arg-type]
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h", identity="mailfrom", limits=spfkit.Limits(dns_terms=0))
    (q,) = ev.next()
    ev.answer(q, ["v=spf1 a -all"])
    assert ev.next() is None and ev.outcome is not None and ev.outcome.result == "permerror"
    with pytest.raises(spfkit.InvalidArgumentError):
        spfkit.RecordCache(-1)
    with pytest.raises(TypeError):
        spfkit.check("192.0.2.1", "a@example.com", "h", resolver=resolve, definitive="pass")
    for not_callable in [object(), "resolver", 42]:
        with pytest.raises(TypeError):
            spfkit.check("192.0.2.1", "a@example.com", "h", resolver=not_callable)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            asyncio.run(spfkit.check_async("192.0.2.1", "a@example.com", "h", resolver=not_callable))  # type: ignore[arg-type]
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h")
    (q,) = ev.next()
    with pytest.raises(spfkit.InvalidArgumentError):
        q.message(70000)
    # Text decoded with surrogateescape: a bad domain (none), not an exception.
    sender = b"a@ex\xffample.com".decode("utf-8", "surrogateescape")
    assert spfkit.check_host("192.0.2.1", sender, "h", resolver=resolve).result == "none"
    # Value objects hash and exceptions pickle.
    o = spfkit.check_host("192.0.2.99", "a@example.com", "h", resolver=resolve)
    # Each access makes a new object: equal ones must collapse in a set.
    assert len({o.counters, o.counters}) == 1 and len({o.smtp_reply(), o.smtp_reply()}) == 1
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record("v=spf1 ip4:1.2.3.4/33")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (str(copy), copy.code, copy.span) == (str(info.value), "invalid-cidr", info.value.span)


def test_answers_that_never_end_are_refused() -> None:
    class Endless(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            while True:
                yield "v=spf1 -all"

    with pytest.raises(spfkit.ResolverError):
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: Endless())
    # More than one DNS message carries is no answer: temperror (see
    # test_hostile_answers.py), read no further than the limit.
    o = spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: ["v=spf1 -all"] * 10**6)
    assert o.result == "temperror"
    o = spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: [b"x" * 70_000])
    assert o.result == "temperror"
