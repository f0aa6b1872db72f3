"""spfkit.policy's Policy, Message and Decision: the per-recipient callback
(sync, coroutine, raising, returning junk), hostile arguments, one SPF
evaluation per message (also across threads), the step API, asyncio's
deadline, the typed Decision."""

from __future__ import annotations

import asyncio
import concurrent.futures
import doctest
import ipaddress
import time
import warnings
from typing import Any, Optional

import pytest

import spfkit
import spfkit.policy
from spfkit.policy import Action, Decide, Decision, IprevResult, Policy, Rule, Settings

ZONE: dict[tuple[str, str], Any] = {
    ("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    ("pobox.com", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
    ("guess.example", "A"): ["198.51.100.7"],
    ("open.example", "TXT"): ["v=spf1 +all"],
    ("7.100.51.198.in-addr.arpa", "PTR"): ["forward.pobox.com"],
    ("forward.pobox.com", "A"): ["198.51.100.7"],
}


def resolve(name: str, rdtype: str) -> Any:
    return ZONE.get((name, rdtype), spfkit.NXDOMAIN)


async def aresolve(name: str, rdtype: str) -> Any:
    await asyncio.sleep(0)
    return resolve(name, rdtype)


def forwarded(policy: Policy, mail_from: str = "bob@example.com") -> spfkit.policy.Message:
    """Mail from example.com relayed by pobox.com's server: SPF fails."""
    return policy.message(ip="198.51.100.7", helo="forward.pobox.com", mail_from=mail_from)


CAROL = {"never_reject_without_forwarders": True}


def test_the_module_documentation_runs() -> None:
    result = doctest.testmod(spfkit.policy)
    assert result.attempted >= 8 and result.failed == 0


def test_enums_are_cores() -> None:
    assert {r.value for r in Rule} == set(spfkit._spfkit._POLICY_RULES)
    assert len(Rule) == len(spfkit._spfkit._POLICY_RULES)
    assert Rule.MAIL_FROM_REJECT == "mail-from-reject" and str(Action.DEFER) == "defer"


def test_a_sync_callback_per_recipient() -> None:
    asked: list[str] = []

    def rules(recipient: str) -> Optional[dict[str, Any]]:
        asked.append(recipient)
        return CAROL if recipient.lower() == "carol@example.net" else None

    policy = Policy(Settings(authserv_id="mx.example.net"), resolver=resolve, recipient_rules=rules)
    m = forwarded(policy)
    bob = m.decide("bob@example.net")
    assert (bob.action, bob.rule) == (Action.REJECT, Rule.MAIL_FROM_REJECT)
    assert str(bob.reply) == "550 5.7.23 198.51.100.7 is not one of example.com's designated mail servers"
    assert bob.headers == [] and bob.reputation_key == "example.com:FAIL"
    carol = m.decide(b"<Carol@example.net>")
    assert (carol.action, carol.rule) == (Action.ACCEPT_WITH_HEADERS, Rule.NEVER_REJECT)
    assert carol.recipient == "Carol@example.net"
    assert [n for n, _ in carol.headers] == ["Received-SPF", "Authentication-Results"]
    assert carol.headers[1][1].endswith("policy.rule=never-reject")
    # Asked for each recipient core checks, brackets removed; not for one
    # that is no address.
    assert m.decide(b"\xff@example.net").rule == Rule.BAD_RECIPIENT
    assert m.decide("no-at-sign").rule == Rule.BAD_RECIPIENT
    assert asked == ["bob@example.net", "Carol@example.net"]
    # overrides= replaces the callback for one call; {} is none.
    assert m.decide("dave@example.net", overrides=CAROL).rule == Rule.NEVER_REJECT
    assert m.decide("carol@example.net", overrides={}).rule == Rule.MAIL_FROM_REJECT
    assert len(asked) == 2


def test_a_coroutine_callback() -> None:
    async def rules(recipient: str) -> Optional[dict[str, Any]]:
        await asyncio.sleep(0)
        return CAROL if recipient == "carol@example.net" else None

    policy = Policy(Settings(), resolver=aresolve, recipient_rules=rules)

    async def run() -> list[Decision]:
        m = forwarded(policy)
        return [await m.decide_async(r) for r in ("bob@example.net", "carol@example.net")]

    bob, carol = asyncio.run(run())
    assert (bob.action, carol.action) == (Action.REJECT, Action.ACCEPT_WITH_HEADERS)
    # A plain function is fine under asyncio too.
    policy = Policy(Settings(), resolver=resolve, recipient_rules=lambda r: CAROL)
    assert asyncio.run(forwarded(policy).decide_async("x@example.net")).rule == Rule.NEVER_REJECT
    # A coroutine callback cannot be asked by the blocking decide() or the
    # step API: a TypeError, and no coroutine left un-awaited.
    policy = Policy(Settings(), resolver=resolve, recipient_rules=rules)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (lambda m: m.decide("carol@example.net"), lambda m: m.steps("carol@example.net")):
            with pytest.raises(TypeError, match="decide_async"):
                call(forwarded(policy))


class Broken(Exception):
    pass


def test_a_callback_that_raises() -> None:
    def rules(recipient: str) -> Optional[dict[str, Any]]:
        if recipient.startswith("db-down"):
            raise Broken("LDAP is down")
        return None

    async def arules(recipient: str) -> Optional[dict[str, Any]]:
        return rules(recipient)

    for mode in ("blocking", "asyncio"):
        policy = Policy(Settings(), resolver=resolve if mode == "blocking" else aresolve,
                        recipient_rules=rules if mode == "blocking" else arules)
        m = policy.message(ip="192.0.2.1", helo="mail.example.com", mail_from="alice@example.com")

        def decide(r: str) -> Decision:
            return m.decide(r) if mode == "blocking" else asyncio.run(m.decide_async(r))

        # The callback's own exception, unchanged: the recipient is not decided.
        with pytest.raises(Broken, match="LDAP is down"):
            decide("db-down@example.net")
        # The message goes on: the next recipient is decided and is the
        # first to carry the headers.
        ok = decide("bob@example.net")
        assert (ok.action, ok.rule) == (Action.ACCEPT_WITH_HEADERS, Rule.ACCEPT), mode


@pytest.mark.parametrize("mode", ["blocking", "asyncio"])
def test_a_callback_that_returns_junk(mode: str) -> None:
    returns: Any = None

    def rules(recipient: str) -> Any:
        return returns

    async def arules(recipient: str) -> Any:
        return returns

    policy = Policy(Settings(), resolver=resolve, recipient_rules=rules if mode == "blocking" else arules)
    m = forwarded(policy)

    def decide() -> Decision:
        return m.decide("bob@example.net") if mode == "blocking" else asyncio.run(m.decide_async("bob@example.net"))

    for junk in (42, "never_reject", ["log_only"], b"{}"):
        returns = junk
        with pytest.raises(TypeError, match="recipient_rules' return value is a dict"):
            decide()
    for junk, key in [
        ({"log_only": "yes"}, "log_only"),
        ({"skip_networks": ["192.0.2.0/24"]}, "skip_networks"),  # not a per-recipient key
        ({"mail_from": {"reject": ["pass"]}}, "mail_from.reject[0]"),
        ({"forwarder": [{"name": "x\r\ny", "domain": "pobox.com"}]}, "forwarder[0].name"),
        ({1: True}, None),
    ]:
        returns = junk
        if key is None:
            with pytest.raises(TypeError, match="keys are str"):
                decide()
            continue
        with pytest.raises(spfkit.PolicySettingsError) as e:
            decide()
        assert (e.value.file, e.value.key) == ("recipient_rules(bob@example.net)", key)
        assert "\n" not in str(e.value)
    # An address-level key is allowed: the prospective check.
    returns = {"prospective": {"forward_path": "bob@elsewhere.example", "outbound": ["192.0.2.99"]}}
    assert decide().rule == Rule.MAIL_FROM_REJECT


def test_hostile_recipients() -> None:
    m = forwarded(Policy(Settings(), resolver=resolve))
    for r in (
        b"\xff\xfe@example.net",
        "caf\udce9@example.net",  # bytes decoded with surrogateescape: not UTF-8
        "a\r\nX-Injected: 1@example.net",
        "x" * 10_000_000 + "@example.net",
        b"",
        "<>",
    ):
        d = m.decide(r)
        assert (d.action, d.rule, d.queries, d.headers) == (Action.NOT_CHECKED, Rule.BAD_RECIPIENT, 0, []), r[:20]
        assert d.reply is None and d.recipient == ""
    for bad in (None, 42, bytearray(b"a@b.example"), ["a@b.example"]):
        with pytest.raises(TypeError, match="recipient is str or bytes"):
            m.decide(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="recipient is str or bytes"):
            m.decide_async(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m.decide("bob@example.net", overrides=[("log_only", True)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m.decide_async("bob@example.net", overrides=42)  # type: ignore[arg-type]


def test_hostile_connections() -> None:
    policy = Policy(Settings(authserv_id="mx.example.net"), resolver=resolve)
    with pytest.raises(spfkit.InvalidAddressError):
        policy.message(ip="192.0.2.300", helo="h", mail_from="a@example.com")
    with pytest.raises(TypeError):
        policy.message(ip=3221225985, helo="h", mail_from="a@example.com")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="helo is a str"):
        policy.message(ip="192.0.2.1", helo=b"h", mail_from="a@example.com")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mail_from is a str"):
        policy.message(ip="192.0.2.1", helo="h", mail_from=None)  # type: ignore[arg-type]
    for truthy in ("no", 1, None):
        with pytest.raises(TypeError, match="authenticated is True or False"):
            policy.message(ip="192.0.2.1", helo="h", mail_from="a@example.com", authenticated=truthy)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.message("192.0.2.1", "h", "a@example.com")  # type: ignore[misc]
    # An ipaddress object; an authenticated client is not checked.
    m = policy.message(ip=ipaddress.ip_address("192.0.2.1"), helo="h", mail_from="<a@example.com>", authenticated=True)
    assert (m.ip, m.mail_from, m.authenticated) == ("192.0.2.1", "a@example.com", True)
    assert m.decide("bob@example.net").rule == Rule.AUTHENTICATED
    # Longer than SMTP carries: decided 550 5.7.24, not an exception.
    m = policy.message(ip="192.0.2.1", helo="h" * 1_000_000, mail_from="a@example.com")
    d = m.decide("bob@example.net")
    assert (d.action, d.rule, d.reply and d.reply.code, d.reply and d.reply.enhanced) == (
        Action.REJECT, Rule.BAD_CONNECTION, 550, "5.7.24")
    # Control characters and lone surrogates reach no header unescaped.
    m = policy.message(ip="192.0.2.1", helo="evil\r\nX-Injected: 1", mail_from="a\udcff\r\n@example.com")
    d = m.decide("bob@example.net")
    assert d.action == Action.ACCEPT_WITH_HEADERS
    assert all("\n" not in v.replace("\r\n ", " ") and "\r" not in v.replace("\r\n ", " ") for _, v in d.headers)


def test_hostile_policy_arguments() -> None:
    with pytest.raises(TypeError, match="resolver must be callable"):
        Policy(Settings(), resolver="8.8.8.8")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="recipient_rules must be callable"):
        Policy(Settings(), recipient_rules={"a@b": {}})  # type: ignore[arg-type]
    for kwargs in ({"timeout": -1}, {"timeout": "20"}, {"plan": "eager"}, {"limits": (10, 10, 10, 10**9)},
                   {"timestamp": -5}):
        with pytest.raises(spfkit.InvalidArgumentError):
            Policy(Settings(), **kwargs)
    # A coroutine resolver cannot answer the blocking decide().
    m = forwarded(Policy(Settings(), resolver=aresolve))
    with pytest.raises(TypeError, match="coroutine function"):
        m.decide("bob@example.net")


def test_resolvers_that_fail() -> None:
    def raising(name: str, rdtype: str) -> Any:
        raise OSError("network unreachable")

    settings = Settings(mail_from={"temperror": "defer"}, helo={"check": False})
    d = forwarded(Policy(settings, resolver=raising)).decide("bob@example.net")
    assert (d.action, d.rule, str(d.reply)) == (
        Action.DEFER, Rule.MAIL_FROM_TEMPERROR, "451 4.7.24 SPF temporary error: DNS error looking up TXT for example.com")
    with pytest.raises(spfkit.ResolverError):
        forwarded(Policy(settings, resolver=lambda n, t: 42)).decide("bob@example.net")


def test_one_evaluation_per_message() -> None:
    calls: list[tuple[str, str]] = []

    def counting(name: str, rdtype: str) -> Any:
        calls.append((name, rdtype))
        return resolve(name, rdtype)

    m = Policy(Settings(), resolver=counting).message(ip="192.0.2.1", helo="", mail_from="alice@example.com")
    first, *rest = [m.decide(f"user{i}@example.net") for i in range(8)]
    assert (first.action, first.queries) == (Action.ACCEPT_WITH_HEADERS, 1)
    assert all((d.action, d.queries, d.headers) == (Action.ACCEPT, 0, []) for d in rest)
    assert calls == [("example.com", "TXT")]


def test_recipients_decided_at_once() -> None:
    # Threads (the GIL is released while core runs) and asyncio.gather:
    # every recipient decided alike, one of them carrying the headers.
    # Decided concurrently, each may make the message's checks itself
    # (core keeps a check once it is made, it does not wait for one in
    # flight): as SMTP gives recipients one after another, decide them so.
    def slow(name: str, rdtype: str) -> Any:
        time.sleep(0.001)
        return resolve(name, rdtype)

    async def aslow(name: str, rdtype: str) -> Any:
        await asyncio.sleep(0.001)
        return resolve(name, rdtype)

    recipients = [f"user{i}@example.net" for i in range(16)]
    m = Policy(Settings(), resolver=slow).message(ip="192.0.2.1", helo="", mail_from="alice@example.com")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(m.decide, recipients))
    m = Policy(Settings(), resolver=aslow).message(ip="192.0.2.1", helo="", mail_from="alice@example.com")

    async def gather() -> list[Decision]:
        return list(await asyncio.gather(*(m.decide_async(r) for r in recipients)))

    for decisions in (threaded, asyncio.run(gather())):
        assert [d.recipient for d in decisions] == recipients
        assert all(d.rule == Rule.ACCEPT and d.reputation_key == "example.com:PASS" for d in decisions)
        assert sorted(d.action.value for d in decisions) == ["accept"] * 15 + ["accept-with-headers"]


def test_the_step_api() -> None:
    settings = Settings(authserv_id="mx.example.net", iprev="report")
    # No resolver needed: the caller answers. pobox.com passes its client.
    m = forwarded(Policy(settings), "bob@pobox.com")
    steps = m.steps("bob@example.net")
    assert isinstance(steps, Decide) and not steps.done and steps.outcome is None
    rounds = 0
    while (queries := steps.next()) is not None:
        assert queries, "waiting with every query answered"
        rounds += 1
        for q in reversed(queries):  # any order
            steps.answer(q, resolve(q.name, q.type))
    d = steps.outcome
    assert steps.done and d is not None
    assert (d.action, d.iprev, d.round_trips) == (Action.ACCEPT_WITH_HEADERS, IprevResult.PASS, rounds)
    assert d.headers[1][1].endswith("; iprev=pass policy.iprev=198.51.100.7 (forward.pobox.com)"), d.headers
    with pytest.raises(spfkit.AnswerError):
        steps.answer(0, [])
    # The same decision as the blocking driver's, for a fresh message.
    again = forwarded(Policy(settings, resolver=resolve), "bob@pobox.com").decide("bob@example.net")
    assert (again.action, again.rule, again.headers, again.iprev) == (d.action, d.rule, d.headers, d.iprev)
    # Expired at once: every lookup temperror.
    steps = forwarded(Policy(Settings(mail_from={"temperror": "defer"}))).steps("carol@example.net")
    assert steps.next()
    steps.expire()
    assert steps.next() is None
    assert steps.outcome is not None and steps.outcome.rule == Rule.MAIL_FROM_TEMPERROR


def test_the_asyncio_deadline() -> None:
    async def never(name: str, rdtype: str) -> Any:
        await asyncio.sleep(3600)

    settings = Settings(mail_from={"temperror": "defer"}, helo={"temperror": "defer"})
    policy = Policy(settings, resolver=never, timeout=0.2)
    t = time.monotonic()
    d = asyncio.run(forwarded(policy).decide_async("bob@example.net"))
    assert time.monotonic() - t < 5
    assert (d.action, d.reply and d.reply.code) == (Action.DEFER, 451)

    async def slow_rules(recipient: str) -> Optional[dict[str, Any]]:
        await asyncio.sleep(3600)
        return None

    policy = Policy(settings, resolver=aresolve, recipient_rules=slow_rules, timeout=0.2)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(forwarded(policy).decide_async("bob@example.net"))


def test_the_decision_object() -> None:
    settings = Settings(
        authserv_id="mx.example.net",
        best_guess="v=spf1 a:guess.example -all",
        best_guess_policy={"reject": ["fail"]},
        iprev="report",
        domain={"example.org": {"unacceptable_pass": {"reject": True}}},
    )
    policy = Policy(settings, resolver=resolve)
    # MAIL FROM with no SPF record: the best guess passes.
    d = forwarded(policy, "someone@guess.example").decide("bob@example.net")
    assert (d.action, d.mail_from, d.best_guess, d.helo) == (
        Action.ACCEPT_WITH_HEADERS, spfkit.Result.NONE, spfkit.Result.PASS, spfkit.Result.NONE)
    assert d.iprev == IprevResult.PASS and isinstance(d.iprev, IprevResult)
    assert all(type(h) is tuple and len(h) == 2 for h in d.headers)
    assert d.reputation_key == "guess.example:NONE"
    assert not d.unacceptable_pass and not d.refuses and d.forwarder is None and d.intended is None
    assert repr(d) == "<Decision accept-with-headers rule=accept>"
    # +all: an unacceptable pass, refused for example.org's users only.
    m = forwarded(policy, "x@open.example")
    ok, refused = m.decide("bob@example.net"), m.decide("bob@example.org")
    assert ok.unacceptable_pass and ok.rule == Rule.UNACCEPTABLE_PASS and ok.action == Action.ACCEPT_WITH_HEADERS
    assert refused.refuses and str(refused.reply) == (
        "550 5.7.1 Delivery not authorized: SPF pass for open.example not acceptable by local policy")
    assert repr(refused).startswith("<Decision reject rule=unacceptable-pass reply=")
    # log-only: the reply it would have sent.
    d = forwarded(Policy(Settings(log_only=True), resolver=resolve)).decide("bob@example.net")
    assert d.action == Action.ACCEPT_WITH_HEADERS and d.reply is None
    assert d.intended is not None and d.intended.enhanced == "5.7.23"
