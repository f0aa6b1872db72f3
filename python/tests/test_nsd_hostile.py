"""Hostile zones over a real DNS server (NSD from tests/dns/serve.py): an
answer too big for any DNS message (NSD sends it truncated, TC set, even
over TCP) and CNAME loops. Each is temperror (RFC 7208 section 4.4: the
lookup did not complete) through every entry point that uses the default
dnspython resolvers, never an exception. NSD must be installed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.asyncresolver
import dns.flags
import dns.message
import dns.query
import dns.resolver
import pytest

import spfkit
import spfkit.compat

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "hostile.example"
#: TXT strings at huge.hostile.example: 4,150 of them (over 70 kB of
#: records) do not fit in one DNS message, so no complete answer exists.
HUGE = 4150


def zone() -> str:
    lines = [
        f"$ORIGIN {ORIGIN}.",
        "$TTL 300",
        "@ IN SOA ns hostmaster 1 3600 600 86400 60",
        "@ IN NS ns",
        "ns IN A 192.0.2.53",
        # Reached through an include: the include's lookup is a temporary error.
        f'inc IN TXT "v=spf1 include:huge.{ORIGIN} -all"',
        # A CNAME to itself, and two names pointing at each other.
        "self IN CNAME self",
        "ping IN CNAME pong",
        "pong IN CNAME ping",
        f'inc-loop IN TXT "v=spf1 include:ping.{ORIGIN} -all"',
    ]
    lines += [f'huge IN TXT "s{i:04d}"' for i in range(HUGE)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    path = tmp_path_factory.mktemp("zones") / "hostile.zone"
    path.write_text(zone())
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/dns/serve.py"), str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    line = server.stdout.readline()
    assert line.strip().isdigit(), f"serve.py printed {line!r}; is NSD installed?"
    yield int(line)
    server.stdin.close()
    assert server.wait(timeout=15) == 0


def blocking(port: int) -> spfkit.DnspythonResolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = port
    return spfkit.DnspythonResolver(r)


def asynchronous(port: int) -> spfkit.AsyncDnspythonResolver:
    r = dns.asyncresolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = port
    return spfkit.AsyncDnspythonResolver(r)


def test_the_server_truncates_even_over_tcp(port: int) -> None:
    # The premise: over TCP too the answer comes with TC set (and no records).
    m = dns.query.tcp(dns.message.make_query(f"huge.{ORIGIN}", "TXT"), "127.0.0.1", port=port, timeout=5)
    assert m.flags & dns.flags.TC


@pytest.mark.parametrize("resolver", ["blocking", "async"])
def test_default_resolvers_call_truncation_temperror(port: int, resolver: str) -> None:
    if resolver == "blocking":
        assert blocking(port)(f"huge.{ORIGIN}", "TXT") == spfkit.TEMPERROR
    else:
        assert asyncio.run(asynchronous(port)(f"huge.{ORIGIN}", "TXT")) == spfkit.TEMPERROR


# (sender's domain, why): each is temperror for the MAIL FROM identity.
TEMPERRORS = [
    (f"huge.{ORIGIN}", "the TXT answer is truncated (TC) over TCP too"),
    (f"inc.{ORIGIN}", "an include: whose TXT answer is truncated"),
    (f"self.{ORIGIN}", "a CNAME to itself"),
    (f"ping.{ORIGIN}", "two CNAMEs pointing at each other"),
    (f"inc-loop.{ORIGIN}", "an include: of a CNAME loop"),
]
# HELO has no record (NXDOMAIN, none), so MAIL FROM decides.
HELO = f"mx.{ORIGIN}"


@pytest.mark.parametrize("domain,why", TEMPERRORS)
def test_check(port: int, domain: str, why: str) -> None:
    o = spfkit.check("192.0.2.1", f"a@{domain}", HELO, resolver=blocking(port))
    assert o.result == "temperror", (why, repr(o))
    assert o.mail_from is not None and o.mail_from.result == "temperror"


@pytest.mark.parametrize("domain,why", TEMPERRORS)
def test_check_async(port: int, domain: str, why: str) -> None:
    o = asyncio.run(spfkit.check_async("192.0.2.1", f"a@{domain}", HELO, resolver=asynchronous(port)))
    assert o.result == "temperror", (why, repr(o))


@pytest.mark.parametrize("domain,why", TEMPERRORS)
def test_compat_check2(port: int, domain: str, why: str) -> None:
    result, explanation = spfkit.compat.check2("192.0.2.1", f"a@{domain}", HELO, resolver=blocking(port))
    assert result == "temperror", (why, explanation)
    assert spfkit.compat.check("192.0.2.1", f"a@{domain}", HELO, resolver=blocking(port))[:2] == ("temperror", 451)


def dns_errors(report: Any) -> list[str]:
    return [report.nodes[w.node].domain for w in report.warnings if w.code == "dns-error"]


@pytest.mark.parametrize("domain,why", TEMPERRORS)
def test_analyze(port: int, domain: str, why: str) -> None:
    report = spfkit.analyze(domain, resolver=blocking(port))
    assert dns_errors(report), (why, str(report))
    report = asyncio.run(spfkit.analyze_async(domain, resolver=asynchronous(port)))
    assert dns_errors(report), (why, str(report))


def test_the_default_resolver_as_a_plain_function(port: int) -> None:
    # The same answers given to the step API through a resolver function.
    resolve = blocking(port)
    ev = spfkit.Evaluation("192.0.2.1", f"a@inc.{ORIGIN}", HELO, identity="mailfrom")
    while (queries := ev.next()) is not None:
        for q in queries:
            ev.answer(q, resolve(q.name, q.type))
    assert ev.outcome is not None and ev.outcome.result == "temperror"
