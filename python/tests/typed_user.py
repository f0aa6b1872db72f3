"""A small user of spfkit, checked with `mypy --strict` (test_typing.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import spfkit
from spfkit.policy import Action, Decision, Policy, Rule, Settings, SettingsDict
from spfkit.srs import ErrorKind, Forwarded, Srs, SrsError, SrsWarning, Unchanged, keygen
from spfkit.srs import Settings as SrsSettings


def resolve(name: str, rdtype: str) -> Any:
    if (name, rdtype) == ("example.com", "TXT"):
        return ["v=spf1 ip4:192.0.2.0/24 -all"]
    return spfkit.NXDOMAIN


def verdict(ip: str, sender: str, helo: str) -> tuple[str, Optional[str]]:
    outcome: spfkit.Outcome = spfkit.check(ip, sender, helo, resolver=resolve, limits=spfkit.Limits())
    result: spfkit.Result = outcome.result
    reply: Optional[spfkit.SmtpReply] = outcome.smtp_reply()
    header: str = outcome.received_spf()
    del header
    return result.value, None if reply is None else reply.text


async def verdict_async(ip: str) -> spfkit.Result:
    async def aresolve(name: str, rdtype: str) -> Any:
        return resolve(name, rdtype)

    outcome = await spfkit.check_host_async(ip, "a@example.com", "h.example.org", resolver=aresolve, timeout=5.0)
    return outcome.result


def parse(text: str) -> tuple[str, int]:
    try:
        return str(spfkit.parse_record(text)), 0
    except spfkit.RecordSyntaxError as e:
        start, _end = e.span
        return e.code, start


def steps() -> Optional[spfkit.Outcome]:
    ev = spfkit.Evaluation("192.0.2.1", "a@example.com", "h.example.org")
    while (queries := ev.next()) is not None:
        for q in queries:
            ev.answer(q, resolve(q.name, q.type))
    return ev.outcome


def rules(recipient: str) -> Optional[dict[str, Any]]:
    return {"never_reject_without_forwarders": True} if recipient == "carol@example.net" else None


async def arules(recipient: str) -> Optional[dict[str, Any]]:
    return rules(recipient)


def settings_typos_are_type_errors() -> None:
    # Not run: under --strict, mypy fails the file if an ignore below goes
    # unused, so each line asserts that the schema refuses it.
    Settings(mail_form={"reject": ["fail"]})  # type: ignore[call-arg]
    Settings(log_only="yes")  # type: ignore[arg-type]
    Settings(mail_from={"reject": ["pass"]})  # type: ignore[list-item]
    Settings(iprev="always")  # type: ignore[arg-type]
    typed: SettingsDict = {"authserv_id": "mx.example.net", "forwarder": [{"name": "fw", "domain": "fw.example"}]}
    Settings(typed)


def policy_decisions() -> list[str]:
    settings: Settings = Settings(authserv_id="mx.example.net", mail_from={"reject": ["fail"]})
    try:
        Settings.from_toml("[mail_from]\nrejcet = []\n", file="policy.toml")
    except spfkit.PolicySettingsError as e:
        where: tuple[str, Optional[int], str] = (e.file, e.line, e.key)
        del where
    policy = Policy(settings, resolver=resolve, recipient_rules=rules, limits=spfkit.Limits())
    message = policy.message(ip="198.51.100.1", helo="h.example.org", mail_from="a@example.com")
    bob: Decision = message.decide("bob@example.net")
    carol = message.decide(b"carol@example.net")
    action: Action = bob.action
    rule: Rule = carol.rule
    reply: Optional[spfkit.SmtpReply] = bob.reply
    headers: list[tuple[str, str]] = carol.headers
    mail_from: Optional[spfkit.Result] = bob.mail_from
    del mail_from
    steps = message.steps("dave@example.net", overrides={})
    while (queries := steps.next()) is not None:
        for q in queries:
            steps.answer(q, resolve(q.name, q.type))
    dave = steps.outcome
    return [action.value, rule.value, str(reply and reply.code), headers[0][0], str(dave and dave.rule)]


async def policy_async() -> Action:
    policy = Policy({"authserv_id": "mx.example.net"}, resolver=resolve, recipient_rules=arules, timeout=5)
    message = policy.message(ip="198.51.100.1", helo="", mail_from="a@example.com", authenticated=False)
    return (await message.decide_async("carol@example.net")).action


def forwarding() -> list[str]:
    srs = Srs(domain="fwd.example", secrets=["test-secret-one"], separator="+")
    fwd: Forwarded = srs.forward("alice@example.com", 1767268800)
    warnings: tuple[SrsWarning, ...] = fwd.warnings
    reason: Optional[Unchanged] = srs.forward("bob@fwd.example").reason
    strict = Srs(SrsSettings("fwd.example", [b"test-secret-one"], refuse_long=True, local_domains=[".x.example"]))
    kind = ErrorKind.MALFORMED
    try:
        strict.reverse("bob@fwd.example")
    except SrsError as e:
        kind = e.kind
    settings: SrsSettings = strict.settings
    back: str = srs.reverse(fwd.address, 1767268800.5)
    counts = [len(warnings), settings.refuse_long, len(keygen())]
    return [fwd.address, back, kind.value, str(reason), *map(str, counts)]


def srs_typos_are_type_errors() -> None:
    # Not run: each ignore must be needed (see settings_typos_are_type_errors).
    Srs(domain="fwd.example", secret="x")  # type: ignore[call-overload]
    Srs(domain="fwd.example", secrets="x", max_age=3)  # type: ignore[call-overload]
    Srs(domain="fwd.example", secrets=5)  # type: ignore[call-overload]
    SrsSettings("fwd.example", "x", url_safe="yes")  # type: ignore[arg-type]
    SrsSettings("fwd.example", "x", "+")  # type: ignore[call-arg]
    Srs(domain="fwd.example", secrets="x").forward(b"a@example.com")  # type: ignore[arg-type]
    Srs(domain="fwd.example", secrets="x").reverse("a@example.com", "now")  # type: ignore[arg-type]


if __name__ == "__main__":
    print(verdict("192.0.2.1", "a@example.com", "h"), asyncio.run(verdict_async("192.0.2.1")), parse("v=spf1"))
    print(policy_decisions(), asyncio.run(policy_async()))
    print(forwarding())
