"""A resolver's answer that no DNS message could carry is temperror, not an
exception: a caller's resolver may pass on what a hostile zone served.
ResolverError stays for values of the wrong type or shape (a bug in the
resolver), and its messages say what is wrong with the value."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import pytest

import spfkit

#: The most records one DNS message can carry (core's Answer::MAX_RECORDS).
MAX_RECORDS = (65_535 - 12 - 5) // 11
MAX_TXT = 65_535


def served(txt: Any, other: Any = spfkit.NXDOMAIN) -> Any:
    """A resolver giving `txt` for example.com's TXT and `other` for everything else."""

    def resolve(name: str, rdtype: str) -> Any:
        if (name, rdtype) == ("example.com", "TXT"):
            return txt
        if (name, rdtype) == ("inc.example.com", "TXT"):
            return ["v=spf1 include:example.com -all"]
        return other

    return resolve


OVERSIZED = {
    "MAX_RECORDS + 1 records": ["s"] * (MAX_RECORDS + 1),
    "MAX_RECORDS + 1 records, a tuple": ("s",) * (MAX_RECORDS + 1),
    "one TXT record of 65,536 bytes (bytes)": [b"x" * (MAX_TXT + 1)],
    "one TXT record of 65,536 bytes (str)": ["v=spf1 " + "x" * (MAX_TXT - 6)],
    "one TXT record of 65,536 bytes in strings": [(b"v=spf1 ", b"x" * (MAX_TXT - 6))],
    "TXT records over 65,535 bytes in all": [b"x" * 40_000, b"v=spf1 " + b"y" * 30_000],
    "a TXT record of more strings than bytes allowed": [("",) * (MAX_TXT + 1)],
    # Each string costs a length byte on the wire, counted across the answer
    # (core's AnswerBuilder), as in every host.
    "TXT strings over 65,535 across records": [("",) * 40_000, ("",) * 40_000],
}


@pytest.mark.parametrize("name", OVERSIZED)
def test_an_answer_no_message_carries_is_temperror(name: str) -> None:
    answer = OVERSIZED[name]
    for sender in ["a@example.com", "a@inc.example.com"]:  # directly, and through an include:
        o = spfkit.check_host("192.0.2.1", sender, "h.example", resolver=served(answer))
        assert o.result == "temperror", (name, sender, repr(o))
    o = asyncio.run(spfkit.check_host_async("192.0.2.1", "a@example.com", "h.example", resolver=served(answer)))
    assert o.result == "temperror"
    report = spfkit.analyze("example.com", resolver=served(answer))
    assert [w.code for w in report.warnings] == ["dns-error"], str(report)
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h.example", identity="mailfrom")
    (q,) = ev.next()
    ev.answer(q, answer)
    assert ev.next() is None and ev.outcome is not None and ev.outcome.result == "temperror"


def test_the_most_a_message_carries_is_an_answer() -> None:
    # At the limits it is still an answer: MAX_RECORDS records, 65,535 TXT bytes.
    many = ["v=spf1 ip4:192.0.2.1 -all"] + ["not spf"] * (MAX_RECORDS - 1)
    assert spfkit.check_host("192.0.2.1", "a@example.com", "h.example", resolver=served(many)).result == "pass"
    full = [b"v=spf1 ip4:192.0.2.1 -all", b"x" * (MAX_TXT - 25)]
    assert spfkit.check_host("192.0.2.1", "a@example.com", "h.example", resolver=served(full)).result == "pass"
    # MAX_RECORDS A records for an a: term, one over: temperror.
    for count, want in [(MAX_RECORDS, "pass"), (MAX_RECORDS + 1, "temperror")]:
        addresses = ["192.0.2.1"] * count

        def resolve(name: str, rdtype: str, addresses: list[str] = addresses) -> Any:
            return {"TXT": ["v=spf1 a -all"], "A": addresses}.get(rdtype, spfkit.NODATA)

        assert spfkit.check_host("192.0.2.1", "a@example.com", "h.example", resolver=resolve).result == want


def test_surrogate_escaped_txt_is_its_bytes() -> None:
    # A resolver that decoded TXT bytes with surrogateescape: the record's
    # own bytes, not an exception (here a syntax error in the record: permerror).
    text = b"v=spf1 a:\xff.example -all".decode("utf-8", "surrogateescape")
    o = spfkit.check_host("192.0.2.1", "a@example.com", "h.example", resolver=served([text]))
    assert o.result == "permerror", repr(o)


def refused(txt: Any, rdtype: str, answer: Any) -> spfkit.ResolverError:
    def resolve(name: str, t: str) -> Any:
        return [txt] if t == "TXT" else answer if t == rdtype else spfkit.NODATA

    with pytest.raises(spfkit.ResolverError) as info:
        spfkit.check_host("192.0.2.1", "a@example.com", "h.example", resolver=resolve)
    return info.value


WRONG = [
    # (the record the TXT lookup gives, the query type, the answer, what the message must say)
    ("v=spf1 a -all", "A", ["999.1.1.1"], "an A record is an IPv4 address (a str, an ipaddress object or 4 bytes), not '999.1.1.1'"),
    ("v=spf1 a -all", "A", ["2001:db8::1"], "an A record is an IPv4 address (a str, an ipaddress object or 4 bytes), not '2001:db8::1'"),
    ("v=spf1 a -all", "A", [ipaddress.ip_address("2001:db8::1")], "not IPv6Address('2001:db8::1')"),
    ("v=spf1 a -all", "A", [b"\x01\x02\x03"], r"not b'\x01\x02\x03'"),
    ("v=spf1 a -all", "A", [12345], "not 12345"),
    ("v=spf1 a -all", "AAAA", ["192.0.2.1"], "an AAAA record is an IPv6 address (a str, an ipaddress object or 16 bytes), not '192.0.2.1'"),
    ("v=spf1 mx -all", "MX", [(-1, "h.test")], "an MX preference is an int from 0 to 65535, not -1 in (-1, 'h.test')"),
    ("v=spf1 mx -all", "MX", [(65536, "h.test")], "an MX preference is an int from 0 to 65535, not 65536"),
    ("v=spf1 mx -all", "MX", [("10", "h.test")], "an MX preference is an int from 0 to 65535, not '10'"),
    ("v=spf1 mx -all", "MX", [(10, b"h.test")], "an MX exchange is a str, not b'h.test' in (10, b'h.test')"),
    ("v=spf1 mx -all", "MX", [(10, "h.test", 3)], "an MX record is a (preference, exchange) tuple, not (10, 'h.test', 3)"),
    ("v=spf1 mx -all", "MX", ["h.test"], "an MX record is a (preference, exchange) tuple, not 'h.test'"),
    ("v=spf1 ptr -all", "PTR", [42], "a PTR record is a str, not 42"),
]


@pytest.mark.parametrize("txt,rdtype,answer,message", WRONG)
def test_wrong_values_are_named(txt: str, rdtype: str, answer: Any, message: str) -> None:
    ip = "2001:db8::1" if rdtype == "AAAA" else "192.0.2.1"

    def resolve(name: str, t: str) -> Any:
        if t == "TXT":
            return [txt] if name == "example.com" else spfkit.NXDOMAIN
        if t == "PTR":
            return answer
        return answer if t == rdtype else spfkit.NODATA

    with pytest.raises(spfkit.ResolverError) as info:
        spfkit.check_host(ip, "a@example.com", "h.example", resolver=resolve)
    assert message in str(info.value), str(info.value)
    assert isinstance(info.value, TypeError)


def test_long_values_are_shown_short() -> None:
    e = refused("v=spf1 a -all", "A", ["9" * 100_000])
    assert "'99999" in str(e) and len(str(e)) < 250, str(e)
    e = refused("v=spf1 mx -all", "MX", [(-1, "h" * 100_000)])
    assert len(str(e)) < 250, str(e)
    e = refused("v=spf1 mx -all", "MX", [list(range(100_000))])
    assert "list of 100000 items" in str(e) and len(str(e)) < 250, str(e)


def test_not_an_answer_shows_the_value() -> None:
    with pytest.raises(spfkit.ResolverError) as info:
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: "v=spf1 -all")
    assert str(info.value).endswith("not 'v=spf1 -all'"), str(info.value)
    with pytest.raises(spfkit.ResolverError) as info:
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: [b"v=spf1", 5])
    assert "a TXT record is str, bytes, or a tuple of its strings, not 5" in str(info.value), str(info.value)
    with pytest.raises(spfkit.ResolverError) as info:
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=lambda n, t: [("v=spf1", 5)])
    assert "a TXT string is str or bytes, not 5" in str(info.value), str(info.value)


def test_other_arguments_show_the_value() -> None:
    with pytest.raises(TypeError) as info:
        spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=served([]), limits=(1, 2, 3))  # type: ignore[arg-type]
    assert str(info.value).endswith("not (1, 2, 3)"), str(info.value)
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h")
    ev.next()
    # An int is an id: one never handed out is unknown, whatever its value.
    for bad_id in [-1, 2**70]:
        with pytest.raises(spfkit.AnswerError, match=f"no query with id {bad_id} was handed out"):
            ev.answer(bad_id, spfkit.NXDOMAIN)
    with pytest.raises(TypeError) as info:
        ev.answer("1", spfkit.NXDOMAIN)  # type: ignore[arg-type]
    assert str(info.value).endswith("not '1'"), str(info.value)
