"""examples/python/spf_policy.py over a socket: Postfix's attribute lines
in, action= lines out, each decided by spfkit.policy from settings.

The example once decided by itself (--softfail, --permerror, --trusted);
those choices are settings now, and two of its answers changed with the
policy layer: softfail can reject (550 5.7.23, by mail_from.reject) but not
defer, since the policy's deferral is for temperror only; and the
settings' default reject list is ["fail"], so permerror is accepted with
the header unless listed (the example rejected it by default)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

import spfkit
from spfkit.policy import Policy, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "python"))
import spf_policy  # noqa: E402

ZONE: dict[tuple[str, str], Any] = {
    ("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all exp=why.example.com"],
    ("why.example.com", "TXT"): ["%{i} may not send for %{d}"],
    ("soft.example", "TXT"): ["v=spf1 ~all"],
    ("broken.example", "TXT"): ["v=spf1 ip4:192.0.2.300 -all"],
}


async def resolve(name: str, rdtype: str) -> Any:
    if name == "down.example":
        return spfkit.TEMPERROR
    if (name, rdtype) in ZONE:
        return ZONE[(name, rdtype)]
    return spfkit.NXDOMAIN


def request(client: str, sender: str, **extra: str) -> bytes:
    attrs = {
        "request": "smtpd_access_policy",
        "protocol_state": "RCPT",
        "client_address": client,
        "helo_name": "mail.example.org",
        "sender": sender,
        "recipient": "postmaster@example.net",
        "sasl_username": "",
        **extra,
    }
    return "".join(f"{k}={v}\n" for k, v in attrs.items()).encode() + b"\n"


async def conversation(policy: Policy, requests: list[bytes]) -> list[str]:
    server = await spf_policy.serve(policy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        actions = []
        for r in requests:  # several requests on one connection, as Postfix does
            writer.write(r)
            await writer.drain()
            line = (await reader.readline()).decode()
            assert (await reader.readline()) == b"\n"
            assert line.startswith("action=") and line.endswith("\n")
            actions.append(line[len("action="):-1])
        writer.close()
        await writer.wait_closed()
    return actions


def test_actions() -> None:
    settings = Settings(
        authserv_id="mx.example.net",
        skip_networks=["203.0.113.0/24"],  # was --trusted
        mail_from={"reject": ["fail", "permerror"], "temperror": "defer"},  # the old defaults
    )
    policy = Policy(settings, resolver=resolve)
    actions = asyncio.run(
        conversation(
            policy,
            [
                request("192.0.2.5", "alice@example.com"),
                request("198.51.100.7", "alice@example.com"),
                request("198.51.100.7", "bob@down.example"),
                request("198.51.100.7", "carol@soft.example"),
                request("198.51.100.7", "dave@broken.example"),
                request("198.51.100.7", "alice@example.com", sasl_username="alice"),
                request("203.0.113.9", "alice@example.com"),
                request("198.51.100.7", "alice@example.com", protocol_state="DATA"),
            ],
        )
    )
    assert actions[0].startswith("PREPEND Received-SPF: pass (mx.example.net: ")
    assert actions[1] == "550 5.7.23 198.51.100.7 may not send for example.com"
    assert actions[2].startswith("DEFER_IF_PERMIT 4.7.24 SPF temporary error")
    assert actions[3].startswith("PREPEND Received-SPF: softfail")
    assert actions[4].startswith("550 5.7.24 SPF validation error")
    assert actions[5:] == ["DUNNO", "DUNNO", "DUNNO"]


def test_configurable_softfail_permerror_and_one_check_per_message() -> None:
    calls = 0

    async def counting(name: str, rdtype: str) -> Any:
        nonlocal calls
        calls += 1
        return await resolve(name, rdtype)

    # softfail rejects (the policy layer defers on temperror only); permerror
    # is accepted with the header, the settings' default.
    policy = Policy(Settings(mail_from={"reject": ["fail", "softfail"]}), resolver=counting)
    actions = asyncio.run(
        conversation(
            policy,
            [
                request("198.51.100.7", "carol@soft.example", instance="a1"),
                request("198.51.100.7", "carol@soft.example", instance="a1"),  # a second RCPT
                request("198.51.100.7", "dave@broken.example", instance="a2"),
                request("198.51.100.7", "dave@broken.example", instance="a2"),
            ],
        )
    )
    assert actions[0] == "550 5.7.23 SPF validation failed: softfail for soft.example"
    assert actions[1] == actions[0]  # a refusal holds for every recipient
    assert actions[2].startswith("PREPEND Received-SPF: permerror")
    assert actions[3] == "DUNNO"  # the header is prepended once per message
    assert calls == 2 + 2  # HELO and MAIL FROM once per message


def test_a_line_too_long_ends_the_connection() -> None:
    async def run() -> bytes:
        server = await spf_policy.serve(Policy(Settings(), resolver=resolve), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"sender=" + b"x" * 200_000 + b"\n\n")
            await writer.drain()
            got = await reader.read()
            writer.close()
            return got

    assert asyncio.run(run()) == b""


def test_a_folded_header_is_prepended_on_one_line() -> None:
    # A long HELO and sender make Received-SPF fold; the reply stays one line.
    policy = Policy(Settings(authserv_id="mx.example.net"), resolver=resolve)
    sender = "a" * 900 + "@example.com"
    actions = asyncio.run(conversation(policy, [request("192.0.2.5", sender, helo_name="h" * 900 + ".example")]))
    assert actions[0].startswith("PREPEND Received-SPF: pass ")
    assert "\r" not in actions[0] and "\n" not in actions[0]
    assert "[truncated]" in actions[0]



def test_the_second_field_goes_at_data() -> None:
    # A policy reply prepends one field: Authentication-Results follows at
    # the DATA stage of the same message (instance), once.
    policy = Policy(Settings(authserv_id="mx.example.net"), resolver=resolve)
    actions = asyncio.run(
        conversation(
            policy,
            [
                request("192.0.2.5", "alice@example.com", instance="m1"),
                request("192.0.2.5", "alice@example.com", instance="m1", recipient="bob@example.net"),
                request("192.0.2.5", "alice@example.com", instance="m1", protocol_state="DATA"),
                request("192.0.2.5", "alice@example.com", instance="m1", protocol_state="END-OF-MESSAGE"),
                request("192.0.2.5", "alice@example.com", instance="m2", protocol_state="DATA"),
            ],
        )
    )
    assert actions[0].startswith("PREPEND Received-SPF: pass (mx.example.net: domain of alice@example.com ")
    assert actions[1] == "DUNNO"
    assert actions[2] == (
        "PREPEND Authentication-Results: mx.example.net; spf=none smtp.helo=mail.example.org; "
        "spf=pass smtp.mailfrom=alice@example.com"
    )
    assert actions[3:] == ["DUNNO", "DUNNO"]


def test_per_user_rules_and_a_failing_lookup() -> None:
    def rules(recipient: str) -> Any:
        if recipient == "alice@example.net":  # she set up forwarding from her university
            return {"forwarder": [{"name": "uni", "networks": ["198.51.100.0/24"]}]}
        if recipient.startswith("ldap-down"):
            raise ConnectionError("LDAP is down")
        return None

    policy = Policy(Settings(authserv_id="mx.example.net"), resolver=resolve, recipient_rules=rules)
    actions = asyncio.run(
        conversation(
            policy,
            [
                request("198.51.100.7", "carol@example.com", instance="m1", recipient="ldap-down@example.net"),
                request("198.51.100.7", "carol@example.com", instance="m1", recipient="bob@example.net"),
                request("198.51.100.7", "carol@example.com", instance="m1", recipient="<alice@example.net>"),
                request("unknown", "carol@example.com", instance="m2"),
            ],
        )
    )
    assert actions[0] == "DEFER_IF_PERMIT 4.3.0 SPF check failed"  # never accepted unchecked
    assert actions[1] == "550 5.7.23 198.51.100.7 may not send for example.com"
    assert actions[2].startswith("PREPEND Received-SPF: fail (mx.example.net: ")
    assert actions[3] == "DUNNO"  # no client address: not ours to judge


def test_the_command_line_reads_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('authserv_id = "mx.example.net"\n[mail_from]\nrejcet = ["softfail"]\n', encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        spf_policy.main(["--settings", str(bad)])
    assert e.value.code == 2
    assert f"{bad}:3: mail_from.rejcet: unknown key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        spf_policy.main(["--settings", str(tmp_path / "missing.toml")])
    assert "No such file" in capsys.readouterr().err
