#!/usr/bin/env python3
"""An SPF policy server for Postfix (the smtpd_access_policy delegation
protocol), on asyncio and spfkit.

    python3 spf_policy.py [--listen 127.0.0.1:10023] [--receiver mx.example.net]
                          [--softfail prepend|defer|reject] [--permerror reject|defer|prepend]
                          [--trusted CIDR]... [--timeout 20]

At RCPT time it checks the client against SPF (RFC 7208's HELO-then-MAIL
FROM order) and answers:

- pass, none, neutral: ``PREPEND Received-SPF: ...``
- fail: ``550 5.7.23 <explanation>`` (RFC 7372)
- temperror: ``DEFER_IF_PERMIT 4.7.24 ...``
- softfail, permerror: as configured (RFC 7208 section 8.6 advises against
  rejecting on softfail alone; permerror is a broken record, rejecting it is
  the RFC 7372 default).

Authenticated clients (``sasl_username``) and ``--trusted`` networks are let
through unchecked (DUNNO). One check per message (``instance``) serves all
of its recipients: a rejection or deferral is repeated for each, the
Received-SPF header is prepended once. DNS is dnspython's asyncio resolver.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import spfkit

Net = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


@dataclass
class Policy:
    receiver: str = "unknown"
    softfail: str = "prepend"  # prepend | defer | reject
    permerror: str = "reject"  # reject | defer | prepend
    trusted: list[Net] = field(default_factory=list)
    timeout: float = spfkit.DEFAULT_TIMEOUT
    resolver: Optional[Any] = None  # an async resolver; dnspython's by default
    # Results per message, so each RCPT of one message is not checked again.
    _seen: "OrderedDict[str, str]" = field(default_factory=OrderedDict)

    async def decide(self, attrs: dict[str, str]) -> str:
        if attrs.get("request") != "smtpd_access_policy" or attrs.get("protocol_state", "RCPT") != "RCPT":
            return "DUNNO"
        if attrs.get("sasl_username"):
            return "DUNNO"
        client = attrs.get("client_address", "")
        try:
            ip = ipaddress.ip_address(client)
        except ValueError:
            return "DUNNO"  # Postfix gives an address; anything else is not ours to judge
        if any(ip in net for net in self.trusted):
            return "DUNNO"
        instance = attrs.get("instance", "")
        if instance and instance in self._seen:
            action = self._seen[instance]
            # One Received-SPF per message, not one per recipient.
            return "DUNNO" if action.startswith("PREPEND ") else action
        outcome = await spfkit.check_async(
            client,
            attrs.get("sender", ""),
            attrs.get("helo_name", ""),
            resolver=self.resolver,
            receiver=self.receiver,
            timeout=self.timeout,
        )
        action = self.action(outcome, client)
        if instance:
            self._seen[instance] = action
            while len(self._seen) > 10_000:  # bounded: old messages are done
                self._seen.popitem(last=False)
        return action

    def action(self, o: spfkit.Outcome, client: str) -> str:
        # A policy reply is one line: a header folded for a hostile sender
        # (CRLF and a space) is unfolded (RFC 5322 §2.2.3); Postfix folds
        # long header lines itself when it sends the message on.
        header = "PREPEND " + o.received_spf().replace("\r\n", "")
        result = o.result
        reply = o.smtp_reply()
        if result == spfkit.Result.FAIL and reply is not None:
            return f"{reply.code} {reply.enhanced} {reply.text}"
        if result == spfkit.Result.TEMPERROR and reply is not None:
            return f"DEFER_IF_PERMIT {reply.enhanced} {reply.text}"
        if result == spfkit.Result.PERMERROR and reply is not None:
            if self.permerror == "reject":
                return f"{reply.code} {reply.enhanced} {reply.text}"
            if self.permerror == "defer":
                return f"DEFER_IF_PERMIT 4.7.24 {reply.text}"
            return header
        if result == spfkit.Result.SOFTFAIL:
            text = f"SPF softfail: {o.domain} discourages mail from {client}"
            if self.softfail == "reject":
                return f"550 5.7.23 {text}"
            if self.softfail == "defer":
                return f"DEFER_IF_PERMIT 4.7.23 {text}"
        return header


IDLE_SECONDS = 600  # Postfix closes idle policy connections well before this


async def handle(policy: Policy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One Postfix connection: any number of requests, each attribute lines
    ended by an empty line, each answered with action=... and an empty line."""
    try:
        attrs: dict[str, str] = {}
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), IDLE_SECONDS)
            except (asyncio.TimeoutError, ValueError):
                return  # idle, or a line over the stream's 64 KiB limit: not Postfix
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text:
                name, _, value = text.partition("=")
                if len(attrs) < 256:
                    attrs[name] = value
                continue
            try:
                action = await policy.decide(attrs)
            except Exception as e:  # never leave Postfix without an answer
                print(f"spf_policy: {type(e).__name__}: {e}", file=sys.stderr)
                action = "DEFER_IF_PERMIT 4.7.24 SPF check failed"
            writer.write(f"action={action}\n\n".encode())
            await writer.drain()
            attrs = {}
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def serve(policy: Policy, host: str, port: int) -> asyncio.base_events.Server:
    return await asyncio.start_server(lambda r, w: handle(policy, r, w), host, port)


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:10023")
    ap.add_argument("--receiver", default="unknown", help="this host's name, for Received-SPF")
    ap.add_argument("--softfail", choices=["prepend", "defer", "reject"], default="prepend")
    ap.add_argument("--permerror", choices=["reject", "defer", "prepend"], default="reject")
    ap.add_argument("--trusted", action="append", default=[], help="a network let through unchecked")
    ap.add_argument("--timeout", type=float, default=spfkit.DEFAULT_TIMEOUT)
    args = ap.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        ap.error("--listen takes HOST:PORT, e.g. 127.0.0.1:10023")
    policy = Policy(
        receiver=args.receiver,
        softfail=args.softfail,
        permerror=args.permerror,
        trusted=[ipaddress.ip_network(n, strict=False) for n in args.trusted],
        timeout=args.timeout,
    )

    async def run() -> None:
        server = await serve(policy, host.strip("[]"), int(port))
        print(f"spf_policy: listening on {args.listen}", file=sys.stderr)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


if __name__ == "__main__":
    main()
