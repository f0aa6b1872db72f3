"""A small user of spfkit, checked with `mypy --strict` (test_typing.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import spfkit


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


if __name__ == "__main__":
    print(verdict("192.0.2.1", "a@example.com", "h"), asyncio.run(verdict_async("192.0.2.1")), parse("v=spf1"))
