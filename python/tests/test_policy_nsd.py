"""The receiver policy against a real DNS server (NSD, tests/dns/serve.py)
through the dnspython resolvers, blocking and asyncio: a refusal with the
zone's explanation, a permerror rejected for one user and let through a
trusted forwarder for another, one evaluation shared."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spfkit.policy import Action, Decision, Policy, Rule, Settings
from test_nsd import asynchronous, blocking, port  # noqa: F401 (the NSD fixture)

SETTINGS = Settings.from_toml(
    """
    authserv_id = "mx.example.net"
    [mail_from]
    reject = ["fail", "permerror"]
    [address."alice@example.net"]
    forwarder = [{ name = "provider", domain = "out1.provider.example.net" }]
    """,
    file="policy.toml",
)


def decide(mode: str, port: int, ip: str, helo: str, mail_from: str, recipients: list[str]) -> list[Decision]:
    resolver: Any = blocking(port) if mode == "blocking" else asynchronous(port)
    m = Policy(SETTINGS, resolver=resolver).message(ip=ip, helo=helo, mail_from=mail_from)
    if mode == "blocking":
        return [m.decide(r) for r in recipients]

    async def run() -> list[Decision]:
        return [await m.decide_async(r) for r in recipients]

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["blocking", "asyncio"])
def test_against_nsd(port: int, mode: str) -> None:  # noqa: F811
    (d,) = decide(mode, port, "192.0.2.99", "mx9.example.com", "alice@example.com", ["bob@example.net"])
    assert (d.action, d.rule, str(d.reply)) == (
        Action.REJECT,
        Rule.MAIL_FROM_REJECT,
        "550 5.7.23 192.0.2.99 may not send mail for example.com; "
        "see https://www.example.com/spf?s=alice%40example.com",
    )
    assert (d.helo, d.reputation_key) == ("none", "example.com:FAIL")
    bob, alice, carol = decide(
        mode, port, "198.51.100.7", "out1.provider.example.net", "news@broken.example.com",
        ["bob@example.net", "alice+x@example.net", "carol@example.net"],
    )
    assert (bob.action, bob.rule, bob.helo, bob.mail_from) == (Action.REJECT, Rule.MAIL_FROM_REJECT, "pass", "permerror")
    assert bob.reply is not None and bob.reply.enhanced == "5.7.24"
    assert (alice.action, alice.rule, alice.forwarder) == (Action.ACCEPT_WITH_HEADERS, Rule.FORWARDER_DOMAIN, "provider")
    assert alice.headers[1] == (
        "Authentication-Results",
        "mx.example.net; spf=pass smtp.helo=out1.provider.example.net; "
        'spf=permerror reason="syntax error in the SPF record of broken.example.com: invalid IPv4 network in '
        'term \\"ip4:192.0.2.300\\" (bytes 7..22)" smtp.mailfrom=news@broken.example.com '
        "policy.rule=forwarder-domain policy.forwarder=provider",
    )
    assert carol.action == Action.REJECT and carol.queries == 0  # the message's checks were made
