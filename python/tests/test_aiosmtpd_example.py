"""examples/python/spf_aiosmtpd.py in a real aiosmtpd server on 127.0.0.1
(a free port), spoken to over SMTP with smtplib: recipients refused with
the decision's reply or accepted, the header fields added once at the top
of the delivered message, a failing per-recipient lookup answered 451."""

from __future__ import annotations

import asyncio
import email
import smtplib
import socket
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from aiosmtpd.controller import Controller

import spfkit
from spfkit.policy import Policy, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "python"))
import spf_aiosmtpd  # noqa: E402

ZONE: dict[tuple[str, str], Any] = {
    ("example.com", "TXT"): ["v=spf1 ip4:127.0.0.1 -all"],
    ("elsewhere.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
}


async def resolve(name: str, rdtype: str) -> Any:
    await asyncio.sleep(0)
    if name == "down.example":
        return spfkit.TEMPERROR
    return ZONE.get((name, rdtype), spfkit.NXDOMAIN)


def rules(recipient: str) -> Optional[dict[str, Any]]:
    if recipient == "alice@example.net":  # her mail comes through a forwarder on 127.0.0.0/8
        return {"forwarder": [{"name": "lists", "networks": ["127.0.0.0/8"]}]}
    if recipient.startswith("ldap-down@"):
        raise ConnectionError("LDAP is down")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Delivered:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def __call__(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        with self.lock:
            self.messages.append((mail_from, rcpt_tos, data))


@pytest.fixture
def server() -> Iterator[tuple[int, Delivered]]:
    settings = Settings(
        authserv_id="mx.example.net",
        skip_networks=[],  # the test's client is 127.0.0.1: checked here
        mail_from={"temperror": "defer"},
    )
    delivered = Delivered()
    handler = spf_aiosmtpd.SpfHandler(Policy(settings, resolver=resolve, recipient_rules=rules), delivered)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, delivered
    finally:
        controller.stop()


BODY = b"From: alice@example.com\r\nSubject: hi\r\n\r\nhello\r\n"


def test_a_passing_message_gets_the_fields_once(server: tuple[int, Delivered]) -> None:
    port, delivered = server
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mail.example.com", timeout=30) as smtp:
        refused = smtp.sendmail("alice@example.com", ["bob@example.net", "carol@example.net"], BODY)
        assert refused == {}
    ((mail_from, rcpt_tos, data),) = delivered.messages
    assert (mail_from, rcpt_tos) == ("alice@example.com", ["bob@example.net", "carol@example.net"])
    msg = email.message_from_bytes(data)
    assert msg.get_all("Received-SPF") == [
        "pass (mx.example.net: domain of alice@example.com designates 127.0.0.1 as permitted sender) "
        'client-ip=127.0.0.1; envelope-from="alice@example.com"; helo=mail.example.com; '
        "receiver=mx.example.net; identity=mailfrom; mechanism=\"ip4:127.0.0.1\""
    ]
    assert msg.get_all("Authentication-Results") == [
        "mx.example.net; spf=none smtp.helo=mail.example.com; spf=pass smtp.mailfrom=alice@example.com"
    ]
    assert data.startswith(b"Received-SPF: pass ") and data.endswith(BODY)


def test_recipients_decided_one_by_one(server: tuple[int, Delivered]) -> None:
    port, delivered = server
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mail.example.com", timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail("x@elsewhere.example")[0] == 250
        code, text = smtp.rcpt("bob@example.net")
        assert (code, text) == (550, b"5.7.23 127.0.0.1 is not one of elsewhere.example's designated mail servers")
        assert smtp.rcpt("ldap-down@example.net") == (451, b"4.3.0 SPF check failed, try again later")
        assert smtp.rcpt("<alice@example.net>")[0] == 250  # a trusted forwarder for her
        assert smtp.data(BODY)[0] == 250
        # Temperror deferred, as the settings say.
        smtp.rset()
        assert smtp.mail("x@down.example")[0] == 250
        code, text = smtp.rcpt("bob@example.net")
        assert (code, text) == (451, b"4.7.24 SPF temporary error: DNS error looking up TXT for down.example")
    ((mail_from, rcpt_tos, data),) = delivered.messages
    assert (mail_from, rcpt_tos) == ("x@elsewhere.example", ["alice@example.net"])
    msg = email.message_from_bytes(data)
    assert msg["Authentication-Results"].endswith(
        "spf=fail smtp.mailfrom=x@elsewhere.example policy.rule=forwarder-network policy.forwarder=lists"
    )
    assert msg["Received-SPF"].startswith("fail (mx.example.net: ")


def test_the_command_line(tmp_path: Path) -> None:
    # The script as an admin runs it: settings from a file, the sink on
    # standard output. Loopback is skipped by default: no DNS is asked.
    import signal
    import subprocess
    import time

    settings = tmp_path / "policy.toml"
    settings.write_text('authserv_id = "mx.example.net"\n', encoding="utf-8")
    port = free_port()
    script = Path(spf_aiosmtpd.__file__)
    proc = subprocess.Popen(
        [sys.executable, str(script), "--listen", f"127.0.0.1:{port}", "--settings", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="mail.example.com", timeout=30)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        with smtp:
            assert smtp.sendmail("alice@example.com", ["bob@example.net"], BODY) == {}
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert b"spf_aiosmtpd: listening on" in err
    assert out.decode() == (
        "---------- MAIL FROM:<alice@example.com> RCPT TO:['bob@example.net']\n"
        + BODY.decode().replace("\r\n", "\n")
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("header = 1\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(script), "--settings", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and f"{bad}:1: header: must be a string, not an integer" in r.stderr
