"""Against a real DNS server: NSD from tests/dns/serve.py on 127.0.0.1,
asked through the default dnspython resolvers pointed at it (a Resolver
object passed in, otherwise default settings), blocking and asyncio. NSD
must be installed (.ci/run installs it): without it these tests fail."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dns.asyncresolver
import dns.resolver
import pytest

import spfkit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/dns/serve.py"), str(ROOT / "examples/zones/example.zone"),
         str(ROOT / "tests/dns/e2e.zone")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    line = server.stdout.readline()
    assert line.strip().isdigit(), f"serve.py printed {line!r}; is NSD installed?"
    yield int(line)
    server.stdin.close()  # the fixture's way to stop it
    assert server.wait(timeout=15) == 0


def blocking(port: int, timeout: float = 5.0) -> spfkit.DnspythonResolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = port
    return spfkit.DnspythonResolver(r, timeout=timeout)


def asynchronous(port: int, timeout: float = 5.0) -> spfkit.AsyncDnspythonResolver:
    r = dns.asyncresolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = port
    return spfkit.AsyncDnspythonResolver(r, timeout=timeout)


EXPLANATION = "192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
CASES = [
    # (ip, sender, result, explanation)
    ("203.0.113.5", "alice@example.com", "pass", None),  # two includes deep
    ("192.0.2.11", "alice@example.com", "pass", None),  # an MX host
    ("192.0.2.99", "alice@example.com", "fail", EXPLANATION),
    ("192.0.2.1", "a@void3.e2e.example", "permerror", None),
    ("192.0.2.1", "a@refusing.e2e.example", "temperror", None),  # NSD refuses the include target
]


@pytest.mark.parametrize("ip,sender,result,explanation", CASES)
def test_blocking(port: int, ip: str, sender: str, result: str, explanation: str | None) -> None:
    o = spfkit.check(ip, sender, "mail.example.org", resolver=blocking(port))
    assert (o.result, o.explanation) == (result, explanation), repr(o)


@pytest.mark.parametrize("ip,sender,result,explanation", CASES)
def test_asyncio(port: int, ip: str, sender: str, result: str, explanation: str | None) -> None:
    o = asyncio.run(spfkit.check_async(ip, sender, "mail.example.org", resolver=asynchronous(port)))
    assert (o.result, o.explanation) == (result, explanation), repr(o)


def test_timeouts() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never read
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        o = spfkit.check_host("192.0.2.1", "a@example.com", "h", resolver=blocking(port, timeout=0.3))
        assert o.result == "temperror"
        # asyncio: the overall timeout holds even with a resolver willing to wait longer.
        o = asyncio.run(
            spfkit.check_host_async("192.0.2.1", "a@example.com", "h", resolver=asynchronous(port, 30), timeout=0.5)
        )
        assert o.result == "temperror"


def test_the_readme_way_to_choose_a_server(port: int) -> None:
    # python/README.md's example of pointing the default resolver at a server
    # and port, run as written but for the port.
    readme = (ROOT / "python/README.md").read_text()
    blocks = [b for b in readme.split("```python\n")[1:] if "r.port = 5353" in b]
    assert len(blocks) == 1, "python/README.md lost its example of choosing a server"
    code = blocks[0].split("```")[0].replace("r.port = 5353", f"r.port = {port}")
    scope: dict[str, object] = {"spfkit": spfkit}
    exec(code, scope)
    outcome = scope["outcome"]
    assert isinstance(outcome, spfkit.Outcome) and outcome.result == "pass", outcome
