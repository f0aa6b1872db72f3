#!/usr/bin/env python3
"""SPF at RCPT time in an aiosmtpd server, decided by spfkit's receiver
policy.

    python3 spf_aiosmtpd.py [--listen 127.0.0.1:8025] [--settings policy.toml]
                            [--relay HOST:PORT] [--timeout 20]

``SpfHandler`` is an aiosmtpd handler: at MAIL FROM it starts a
``spfkit.policy.Message`` for the client (its address, HELO name, MAIL
FROM, whether it authenticated); at each RCPT TO it decides the recipient
and answers with the decision's reply (``550 5.7.23 ...``,
``451 4.7.24 ...``) or accepts it; at DATA it adds the header fields of
the first accepted recipient's decision (Received-SPF,
Authentication-Results) at the top of the message and hands the message
on. What to do with each recipient is in the settings
(docs/policy-settings.md), not here. A decision that fails (the settings'
per-recipient lookup raising, a broken resolver) is ``451 4.3.0``: the
recipient is never accepted unchecked.

Without ``--relay`` the messages are written to standard output (a
sink, for trying it out); with it, each is sent on to that SMTP server.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import signal
import smtplib
import sys
import time
from typing import Any, Awaitable, Callable, Optional, Union

import spfkit
from spfkit.policy import Action, Message, Policy, Settings

#: Hands a message on: (MAIL FROM, the accepted recipients, the message
#: with the header fields added). A function or a coroutine function.
Deliver = Callable[[str, list[str], bytes], Union[None, Awaitable[None]]]

TEMPFAIL = "451 4.3.0 SPF check failed, try again later"


class SpfHandler:
    """An aiosmtpd handler deciding each recipient with a Policy."""

    def __init__(self, policy: Policy, deliver: Deliver) -> None:
        self.policy = policy
        self.deliver = deliver

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        try:
            envelope.spf = self.policy.message(
                ip=session.peer[0],
                helo=session.host_name or "",
                mail_from=address,
                authenticated=bool(session.authenticated),
            )
        except (spfkit.InvalidArgumentError, TypeError) as e:
            # No IP client (a UNIX socket): its recipients are answered 451.
            print(f"spf_aiosmtpd: {e}", file=sys.stderr)
            envelope.spf = None
        envelope.spf_headers = []
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        message: Optional[Message] = getattr(envelope, "spf", None)
        if message is None:
            return TEMPFAIL
        try:
            d = await message.decide_async(address)
        except Exception as e:
            print(f"spf_aiosmtpd: {address}: {type(e).__name__}: {e}", file=sys.stderr)
            return TEMPFAIL
        if d.action in (Action.REJECT, Action.DEFER) and d.reply is not None:
            return f"{d.reply.code} {d.reply.enhanced} {d.reply.text}"
        envelope.spf_headers.extend(d.headers)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fields = b"".join(f"{name}: {value}\r\n".encode() for name, value in getattr(envelope, "spf_headers", []))
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        done = self.deliver(envelope.mail_from, list(envelope.rcpt_tos), fields + content)
        if inspect.isawaitable(done):
            await done
        return "250 Message accepted for delivery"


def print_message(mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
    """The sink: each message on standard output."""
    sys.stdout.write(f"---------- MAIL FROM:<{mail_from}> RCPT TO:{rcpt_tos}\n")
    sys.stdout.write(data.decode("utf-8", "replace").replace("\r\n", "\n"))
    sys.stdout.flush()


def relay_to(host: str, port: int) -> Deliver:
    """Sends each message on to an SMTP server (in a thread: smtplib blocks)."""

    def send(mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        with smtplib.SMTP(host, port, timeout=60) as smtp:
            smtp.sendmail(mail_from, rcpt_tos, data)

    async def deliver(mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        await asyncio.get_running_loop().run_in_executor(None, send, mail_from, rcpt_tos, data)

    return deliver


def host_port(ap: argparse.ArgumentParser, text: str, what: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        ap.error(f"{what} takes HOST:PORT, e.g. 127.0.0.1:8025")
    return host.strip("[]"), int(port)


def main(argv: Optional[list[str]] = None) -> None:
    from aiosmtpd.controller import Controller

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:8025")
    ap.add_argument("--settings", help="a TOML file of docs/policy-settings.md (defaults without)")
    ap.add_argument("--relay", help="HOST:PORT of the SMTP server to hand messages to")
    ap.add_argument("--timeout", type=float, default=spfkit.DEFAULT_TIMEOUT, help="seconds per decision")
    args = ap.parse_args(argv)
    host, port = host_port(ap, args.listen, "--listen")
    try:
        settings = Settings.load(args.settings) if args.settings else Settings()
    except (OSError, spfkit.PolicySettingsError) as e:
        ap.error(str(e))
    deliver = relay_to(*host_port(ap, args.relay, "--relay")) if args.relay else print_message
    controller = Controller(SpfHandler(Policy(settings, timeout=args.timeout), deliver), hostname=host, port=port)
    # SIGTERM (a service manager) and SIGINT (Ctrl-C) stop it, set here
    # rather than left to KeyboardInterrupt: a process started with SIGINT
    # ignored (a background job of a shell) would otherwise never stop.
    stopping: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stopping.append(signum))
    controller.start()
    print(f"spf_aiosmtpd: listening on {args.listen}", file=sys.stderr)
    try:
        while not stopping:
            time.sleep(0.2)  # the controller serves from its own thread
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
