"""Bounds that come from core (one place for every host), and syntax errors
in the same vocabulary as every host: code, term, start, end."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

import spfkit
import spfkit.compat

MAX_LENGTH = 4096  # core's Request::MAX_LENGTH, in bytes
MAX_NODES = 1000  # core's AnalysisOptions::MAX_NODES


def nothing(name: str, rdtype: str) -> Any:
    return spfkit.NXDOMAIN


def refused(f: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(spfkit.InvalidArgumentError) as info:
        f(*args, **kwargs)
    return str(info.value)


def test_sender_helo_and_receiver_longer_than_4096_bytes() -> None:
    at_limit = "a@" + "x" * (MAX_LENGTH - 2 - len(".example")) + ".example"
    assert len(at_limit) == MAX_LENGTH
    assert spfkit.check_host("192.0.2.1", at_limit, "h", resolver=nothing).result == "none"
    # Over it: core's message. Bytes count, not characters: 2,049 "é" are 4,098 bytes.
    for sender in ["a@" + "x" * MAX_LENGTH, "a@" + "é" * 2049, "<" + "a@" + "x" * MAX_LENGTH + ">"]:
        message = "sender is longer than 4096 bytes"
        assert refused(spfkit.check, "192.0.2.1", sender, "h", resolver=nothing) == message
        assert refused(spfkit.check_host, "192.0.2.1", sender, "h", resolver=nothing) == message
        assert refused(spfkit.Evaluation, "192.0.2.1", sender, "h") == message
        assert refused(spfkit.check_async, "192.0.2.1", sender, "h", resolver=nothing) == message
    helo = "h" * (MAX_LENGTH + 1)
    assert refused(spfkit.check, "192.0.2.1", "a@example.com", helo, resolver=nothing) == "helo is longer than 4096 bytes"
    assert refused(spfkit.Evaluation, "192.0.2.1", "a@example.com", helo) == "helo is longer than 4096 bytes"
    receiver = "r" * (MAX_LENGTH + 1)
    assert refused(spfkit.check, "192.0.2.1", "a@example.com", "h", resolver=nothing, receiver=receiver) == (
        "receiver is longer than 4096 bytes"
    )
    assert refused(spfkit.Evaluation, "192.0.2.1", "a@example.com", "h", receiver=receiver) == (
        "receiver is longer than 4096 bytes"
    )
    assert spfkit.check("192.0.2.1", "a@example.com", "h", resolver=nothing, receiver="r" * MAX_LENGTH).result == "none"


def test_max_nodes_from_1_to_1000() -> None:
    for good in [1, MAX_NODES]:
        spfkit.Analysis("example.com", max_nodes=good)
        spfkit.analyze("example.com", resolver=nothing, max_nodes=good)
    for bad in [0, -1, MAX_NODES + 1, 10_000]:
        message = refused(spfkit.Analysis, "example.com", max_nodes=bad)
        assert message == f"max_nodes must be 1 to 1000, not {bad}"
        refused(spfkit.analyze, "example.com", resolver=nothing, max_nodes=bad)
        refused(spfkit.analyze_async, "example.com", resolver=nothing, max_nodes=bad)


@pytest.mark.parametrize(
    "domain,why",
    [
        ("", "the domain is empty"),
        (".", "the domain is empty"),
        ("localhost", "the domain is not a multi-label domain name"),
        ("bad..example", "the domain is malformed"),
        ("x" * 64 + ".example", "the domain is malformed"),
        ("[192.0.2.1]", "the domain is an address literal"),
    ],
)
def test_analyze_refuses_what_check_domain_refuses(domain: str, why: str) -> None:
    for f in [spfkit.analyze, spfkit.Analysis, spfkit.analyze_async]:
        kwargs = {} if f is spfkit.Analysis else {"resolver": nothing}
        message = refused(f, domain, **kwargs)
        assert why in message and repr(domain)[:20] in message, message


def test_analyze_takes_what_check_domain_takes() -> None:
    report = spfkit.analyze("Bücher.example.", resolver=nothing)
    assert [w.code for w in report.warnings] == ["no-record"], str(report)


def test_syntax_errors_in_str_indices_and_characters() -> None:
    text = "v=spf1 a:ñ.example ip4:192.0.2.300 -all"
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record(text)
    e = info.value
    assert (e.code, e.term) == ("invalid-character", "a:ñ.example")
    assert (e.start, e.end) == e.span == (9, 10)
    assert text[e.start : e.end] == "ñ"
    assert str(e).endswith("(characters 9..10)"), str(e)
    assert "bytes" not in str(e)
    assert str(e) == 'character outside printable ASCII in term "a:ñ.example" (characters 9..10)'
    # After a non-ASCII character str indices and byte offsets differ.
    text = "v=spf1 a:ñ.example ip4:192.0.2.300/99 -all"
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record(text)
    assert info.value.span == (9, 10)  # the first error is the "ñ"


def test_syntax_errors_in_bytes_say_bytes() -> None:
    data = "v=spf1 a:ñ.example -all".encode()
    with pytest.raises(spfkit.RecordSyntaxError) as info:
        spfkit.parse_record(data)
    e = info.value
    assert (e.code, e.term, e.start, e.end, e.span) == ("invalid-character", "a:ñ.example", 9, 11, (9, 11))
    assert data[e.start : e.end] == "ñ".encode()
    assert str(e) == 'character outside printable ASCII in term "a:ñ.example" (bytes 9..11)'
    copy = pickle.loads(pickle.dumps(e))
    assert (str(copy), copy.code, copy.term, copy.start, copy.end) == (str(e), e.code, e.term, e.start, e.end)
    # ASCII: the same numbers either way, each named by its unit.
    for record, unit in [("v=spf1 ip4:192.0.2.300 -all", "characters"), (b"v=spf1 ip4:192.0.2.300 -all", "bytes")]:
        with pytest.raises(spfkit.RecordSyntaxError) as info:
            spfkit.parse_record(record)
        assert str(info.value) == f'invalid IPv4 network in term "ip4:192.0.2.300" ({unit} 7..22)'
        assert (info.value.code, info.value.start, info.value.end) == ("invalid-ip4", 7, 22)


def test_a_timeout_in_seconds_is_documented() -> None:
    for f in [spfkit.check_async, spfkit.check_host_async, spfkit.analyze_async, spfkit.DnspythonResolver,
              spfkit.AsyncDnspythonResolver]:
        assert f.__doc__ is not None and "seconds" in f.__doc__, f
    assert spfkit.compat.check2.__doc__ is not None and "seconds" in spfkit.compat.check2.__doc__
    assert asyncio.iscoroutine(c := spfkit.check_host_async("192.0.2.1", "a@example.com", "h", resolver=nothing))
    assert asyncio.run(c).result == "none"
