#!/usr/bin/env python3
"""An SPF policy server for Postfix (the smtpd_access_policy delegation
protocol), on asyncio and spfkit's receiver policy.

    python3 spf_policy.py [--listen 127.0.0.1:10023] [--settings policy.toml] [--timeout 20]

This file speaks the protocol; what to do with each recipient is decided by
``spfkit.policy`` from the settings file (docs/policy-settings.md: which
results reject, temperror, trusted forwarders per user, skipped networks,
authenticated clients, the header fields, ...). Each decision becomes an
action:

- not checked, or accepted: ``DUNNO``
- accepted with header fields: ``PREPEND <the first field>``; a policy
  reply carries one field, so the second (Authentication-Results, with
  ``header = "both"``) is prepended when the same server is asked at the
  DATA stage (``smtpd_data_restrictions``, see README.md)
- rejected: ``<code> <enhanced code> <text>`` (RFC 7372, e.g. ``550 5.7.23 ...``)
- deferred: ``DEFER_IF_PERMIT <enhanced code> <text>``

One Message per Postfix ``instance`` (one SMTP transaction) serves all of
its recipients, so SPF is evaluated once per message and the header fields
go with its first accepted recipient. A decision that fails (the settings'
per-recipient lookup raising, a broken resolver) answers
``DEFER_IF_PERMIT 4.3.0``: never accepted unchecked. DNS is dnspython's
asyncio resolver.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import OrderedDict
from typing import Optional

import spfkit
from spfkit.policy import Action, Decision, Message, Policy, Settings

#: Messages (Postfix instances) remembered: old ones are done.
MESSAGES = 10_000
#: Postfix closes idle policy connections well before this.
IDLE_SECONDS = 600
TEMPFAIL = "DEFER_IF_PERMIT 4.3.0 SPF check failed"


def one_line(value: str) -> str:
    # A policy reply is one line: a field folded for a long value (CRLF and
    # a space) is unfolded (RFC 5322 section 2.2.3); Postfix folds long
    # header lines itself when it sends the message on.
    return value.replace("\r\n", "")


def action(d: Decision) -> tuple[str, list[str]]:
    """A decision as a Postfix action, and the header fields left over."""
    fields = [f"{name}: {one_line(value)}" for name, value in d.headers]
    if d.action in (Action.REJECT, Action.DEFER) and d.reply is not None:
        if d.action == Action.DEFER:
            return f"DEFER_IF_PERMIT {d.reply.enhanced} {d.reply.text}", []
        return f"{d.reply.code} {d.reply.enhanced} {d.reply.text}", []
    if fields:
        return f"PREPEND {fields[0]}", fields[1:]
    return "DUNNO", []


class PolicyServer:
    """Postfix's policy requests answered from a spfkit.policy.Policy."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        # instance -> (its Message, header fields still to prepend)
        self._messages: OrderedDict[str, tuple[Message, list[str]]] = OrderedDict()

    def _message(self, attrs: dict[str, str]) -> tuple[Message, list[str]]:
        instance = attrs.get("instance", "")
        if instance in self._messages:
            return self._messages[instance]
        message = self.policy.message(
            ip=attrs.get("client_address", ""),
            helo=attrs.get("helo_name", ""),
            mail_from=attrs.get("sender", ""),
            authenticated=bool(attrs.get("sasl_username")),
        )
        entry: tuple[Message, list[str]] = (message, [])
        if instance:
            self._messages[instance] = entry
            while len(self._messages) > MESSAGES:
                self._messages.popitem(last=False)
        return entry

    async def respond(self, attrs: dict[str, str]) -> str:
        if attrs.get("request") != "smtpd_access_policy":
            return "DUNNO"
        state = attrs.get("protocol_state", "RCPT")
        if state in ("DATA", "END-OF-MESSAGE"):
            # The fields a RCPT reply could not carry.
            entry = self._messages.get(attrs.get("instance", ""))
            return f"PREPEND {entry[1].pop(0)}" if entry and entry[1] else "DUNNO"
        if state != "RCPT":
            return "DUNNO"
        try:
            message, pending = self._message(attrs)
        except spfkit.InvalidAddressError:
            return "DUNNO"  # Postfix gives an address; anything else is not ours to judge
        decision = await message.decide_async(attrs.get("recipient", ""))
        reply, rest = action(decision)
        pending.extend(rest)
        return reply


async def handle(server: PolicyServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
            text = line.decode("utf-8", "surrogateescape").rstrip("\r\n")
            if text:
                name, _, value = text.partition("=")
                if len(attrs) < 256:
                    attrs[name] = value
                continue
            try:
                reply = await server.respond(attrs)
            except Exception as e:  # never leave Postfix without an answer
                print(f"spf_policy: {type(e).__name__}: {e}", file=sys.stderr)
                reply = TEMPFAIL
            writer.write(f"action={reply}\n\n".encode("utf-8", "replace"))
            await writer.drain()
            attrs = {}
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def serve(policy: Policy, host: str, port: int) -> asyncio.base_events.Server:
    server = PolicyServer(policy)
    return await asyncio.start_server(lambda r, w: handle(server, r, w), host, port)


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:10023")
    ap.add_argument("--settings", help="a TOML file of docs/policy-settings.md (defaults without)")
    ap.add_argument("--timeout", type=float, default=spfkit.DEFAULT_TIMEOUT, help="seconds per decision")
    args = ap.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        ap.error("--listen takes HOST:PORT, e.g. 127.0.0.1:10023")
    try:
        settings = Settings.load(args.settings) if args.settings else Settings()
    except (OSError, spfkit.PolicySettingsError) as e:
        ap.error(str(e))
    policy = Policy(settings, timeout=args.timeout)

    async def run() -> None:
        server = await serve(policy, host.strip("[]"), int(port))
        print(f"spf_policy: listening on {args.listen}", file=sys.stderr)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


if __name__ == "__main__":
    main()
