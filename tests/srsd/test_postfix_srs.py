"""Forwarding through a real Postfix with `spfkit srsd` (issue 22, item 4).

A private Postfix instance (tests/postfix/harness.py) forwards
alice-fwd@fwd.example to bob@elsewhere.example (virtual_alias_maps), the
next hop being the SMTP sink. Its canonical maps point at `spfkit srsd`,
with the main.cf lines of docs/srs.md ("spfkit srsd with Postfix"):

    sender_canonical_maps = <forward map>
    sender_canonical_classes = envelope_sender
    recipient_canonical_maps = <reverse map>
    recipient_canonical_classes = envelope_recipient

once for each way of reaching it (the module fixture's parameter):

- socketmap-unix: `socketmap:unix:srsd/srsd.sock:forward` (and `:reverse`),
  the socket in the queue directory, with smtpd, cleanup and
  trivial-rewrite chrooted there as Debian's master.cf runs them: the path
  is relative to the queue directory and works in and out of the chroot;
- socketmap-inet: `socketmap:inet:127.0.0.1:PORT:forward`;
- tcp_table: `tcp:127.0.0.1:FPORT` and `tcp:127.0.0.1:RPORT` (postsrsd
  1.x's two ports).

spfkit srsd runs on the real clock here (Postfix does too): nothing
compares addresses written on two different days, only round trips, which
hold for 21 days.
"""

import itertools
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "postfix"))
from harness import SPFKIT, Client, PrivatePostfix, Sink, SrsDaemon, wait_for, write_secret  # noqa: E402

ZONE = HERE / "forwarding.zone"
DOMAIN = "fwd.example"  # the SRS domain, a virtual alias domain of the instance
FORWARDER_IP = "198.51.100.25"  # fwd.example's SPF: the forwarder's address
FORWARDER_HELO = "mx.fwd.example"
ALICE_IP, ALICE_HELO = "192.0.2.10", "mail.example.com"  # example.com's SPF
NEXT_HOP_IP, NEXT_HOP_HELO = "203.0.113.5", "mx.elsewhere.example"  # sends the bounces
FORWARDS = {"alice-fwd@fwd.example": "bob@elsewhere.example"}
SRS0 = re.compile(r"^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=example\.com=alice@fwd\.example$")

_tokens = itertools.count()


def token():
    return f"srs-{uuid.uuid4().hex[:12]}-{next(_tokens)}"


class Env:
    pass


@pytest.fixture(scope="module", params=["socketmap-unix", "socketmap-inet", "tcp_table"])
def env(request):
    e = Env()
    e.protocol = request.param
    stack = []
    try:
        e.sink = Sink()
        stack.append(e.sink.stop)
        chrooted = ("smtpd", "cleanup", "rewrite") if e.protocol == "socketmap-unix" else ()
        e.pf = PrivatePostfix(e.sink.port, {}, {"mx": {}}, chrooted=chrooted)
        stack.append(e.pf.remove)
        d = e.pf.dir
        secret = write_secret(d / "srs.secret", "test-secret-postfix-e2e")
        log = d / "srsd.log"
        if e.protocol == "socketmap-unix":
            # In the queue directory, which chrooted smtpd and cleanup see
            # as their root; Postfix's path is relative to it.
            (d / "spool" / "srsd").mkdir(parents=True)
            e.srsd = SrsDaemon(secret, DOMAIN, log, socketmap=f"unix:{d}/spool/srsd/srsd.sock")
            fwd, rev = "socketmap:unix:srsd/srsd.sock:forward", "socketmap:unix:srsd/srsd.sock:reverse"
        elif e.protocol == "socketmap-inet":
            e.srsd = SrsDaemon(secret, DOMAIN, log, socketmap="tcp")
            where = e.srsd.socketmap.removeprefix("tcp:")
            fwd, rev = f"socketmap:inet:{where}:forward", f"socketmap:inet:{where}:reverse"
        else:
            e.srsd = SrsDaemon(secret, DOMAIN, log, tcp_table=True)
            fwd, rev = f"tcp:127.0.0.1:{e.srsd.forward_port}", f"tcp:127.0.0.1:{e.srsd.reverse_port}"
        stack.append(e.srsd.stop)
        e.pf.settings = {
            "virtual_alias_domains": DOMAIN,
            "virtual_alias_maps": "inline:{" + ", ".join(f"{k}={v}" for k, v in FORWARDS.items()) + "}",
            "sender_canonical_maps": fwd,
            "sender_canonical_classes": "envelope_sender",
            "recipient_canonical_maps": rev,
            "recipient_canonical_classes": "envelope_recipient",
        }
        e.pf.start()
        e.forwarded = None
        yield e
    finally:
        for stop in reversed(stack):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                print(f"teardown: {exc}")


def send(env, addr, helo, sender, recipients):
    """One message; (token, {rcpt: (code, text)}, DATA's reply or None)."""
    c = Client(env.pf.ports["mx"], addr, helo)
    try:
        t = token()
        replies, data = c.send(sender, recipients, t)
    finally:
        c.close()
    return t, replies, data


def arrived(env, t):
    """The one copy the sink got for token t: (mail_from, rcpt_tos, message)."""
    got = wait_for(lambda: env.sink.find(t), 30, f"message {t} at the sink\n{env.pf.maillog()[-2000:]}")
    assert len(got) == 1, got
    return got[0]


def reverse_directly(env, address):
    """What spfkit srsd's reverse map answers for address, asked in the
    fixture's protocol: the value, or None when not found."""
    if env.protocol == "tcp_table":
        code, value = env.srsd.tcp_table("reverse").get(address)
        return value if code == 200 else None
    status, value = env.srsd.socketmap_client().lookup("reverse", address)
    return value if status == "OK" else None


def forwarded(env):
    """alice@example.com's message to alice-fwd@fwd.example, as the next hop
    got it (sent once per instance)."""
    if env.forwarded is None:
        t, replies, data = send(env, ALICE_IP, ALICE_HELO, "alice@example.com", ["alice-fwd@fwd.example"])
        assert replies == {"alice-fwd@fwd.example": (250, "2.1.5 Ok")}
        assert data[0] == 250
        env.forwarded = arrived(env, t)
    return env.forwarded


def test_forwarded_with_srs0_sender_and_from_unchanged(env):
    mail_from, rcpts, msg = forwarded(env)
    assert SRS0.match(mail_from), mail_from
    assert rcpts == ["bob@elsewhere.example"]
    assert msg["From"] == "<alice@example.com>"
    # The envelope sender is the one spfkit srsd wrote: it reverses to alice.
    assert reverse_directly(env, mail_from) == "alice@example.com"
    # Postfix asked for it with the sender as given.
    assert "alice@example.com" in env.srsd.lookups("forward")


def spf(sender, ip=FORWARDER_IP, helo=FORWARDER_HELO):
    r = subprocess.run([str(SPFKIT), "check", "--zone", str(ZONE), "--ip", ip, "--sender", sender,
                        "--helo", helo, "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_spf_passes_for_srs_sender_where_original_fails(env):
    srs = forwarded(env)[0]
    got = spf(srs)
    assert (got["result"], got["decided_by"]) == ("pass", "mailfrom"), got
    assert got["identities"]["mailfrom"]["domain"] == DOMAIN
    # The same message forwarded without SRS: alice's domain does not
    # allow the forwarder.
    got = spf("alice@example.com")
    assert (got["result"], got["decided_by"]) == ("fail", "mailfrom"), got
    # And from alice's own server, her address passes (the zone is right).
    assert spf("alice@example.com", ip=ALICE_IP, helo=ALICE_HELO)["result"] == "pass"


@pytest.mark.parametrize("case", ["as-written", "lower-cased"])
def test_bounce_to_srs0_goes_back_to_alice(env, case):
    srs = forwarded(env)[0]
    rcpt = srs if case == "as-written" else srs.lower()
    t, replies, data = send(env, NEXT_HOP_IP, NEXT_HOP_HELO, "", [rcpt])
    assert replies == {rcpt: (250, "2.1.5 Ok")}
    assert data[0] == 250
    mail_from, rcpts, msg = arrived(env, t)
    assert (mail_from, rcpts) == ("<>", ["alice@example.com"])
    assert f"orig_to=<{rcpt}>" in env.pf.maillog()


def test_mixed_case_sender_and_which_keys_postfix_lower_cases(env):
    # Postfix 3.7: cleanup (the canonical maps proper) sends the address
    # as written, both ways; smtpd's check of a recipient in a local domain
    # (smtpd_reject_unlisted_recipient, which asks recipient_canonical_maps
    # too) sends it lower-cased, the way postsrsd issue #85 saw it. Reverse
    # answers both, so the bounce goes back with the case written.
    t, replies, _ = send(env, ALICE_IP, ALICE_HELO, "Alice.Mixed@Example.COM", ["alice-fwd@fwd.example"])
    assert replies == {"alice-fwd@fwd.example": (250, "2.1.5 Ok")}
    srs = arrived(env, t)[0]
    assert re.fullmatch(r"SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=Example\.COM=Alice\.Mixed@fwd\.example", srs), srs
    assert "Alice.Mixed@Example.COM" in env.srsd.lookups("forward")
    assert "alice.mixed@example.com" not in env.srsd.lookups("forward")
    t, replies, _ = send(env, NEXT_HOP_IP, NEXT_HOP_HELO, "", [srs])
    assert replies == {srs: (250, "2.1.5 Ok")}
    assert arrived(env, t)[1] == ["Alice.Mixed@Example.COM"]
    reverse_keys = env.srsd.lookups("reverse")
    assert srs.lower() in reverse_keys, "smtpd's lookup, lower-cased"
    assert srs in reverse_keys, "cleanup's lookup, as written"
    # Postfix logs smtpd's key too, lower-cased, when a lookup fails: see
    # test_srsd_stopped_then_started. A bounce to the lower-cased address
    # goes to the lower-cased original.
    t, replies, _ = send(env, NEXT_HOP_IP, NEXT_HOP_HELO, "", [srs.lower()])
    assert arrived(env, t)[1] == ["alice.mixed@example.com"]


def test_local_sender_left_alone(env):
    # An address at the SRS domain is the forwarder's own: forward answers
    # not found and Postfix keeps it.
    t, replies, _ = send(env, FORWARDER_IP, FORWARDER_HELO, "carol@fwd.example", ["alice-fwd@fwd.example"])
    assert replies == {"alice-fwd@fwd.example": (250, "2.1.5 Ok")}
    assert arrived(env, t)[0] == "carol@fwd.example"


def test_forged_srs0_refused_as_unknown_user(env):
    # Reverse answers not found (the default): the address is not in the
    # virtual alias table and smtpd refuses it.
    forged = "SRS0=AAAA=7G=example.com=alice@fwd.example"
    t, replies, data = send(env, NEXT_HOP_IP, NEXT_HOP_HELO, "", [forged])
    assert replies == {forged: (550, f"5.1.1 <{forged}>: Recipient address rejected: User unknown in virtual alias "
                                     "table")}
    assert data is None


def test_srsd_stopped_then_started(env):
    # Stopped: Postfix cannot look up the recipient and defers (451 4.3.0),
    # nothing is lost or bounced. Started again with --reverse-bad perm: a
    # forged address gets socketmap's PERM, which Postfix 3.7 answers with
    # a *temporary* 451 4.3.5 (and a notice to the postmaster), where
    # tcp_table, which has no permanent error, answers not found (550).
    # Then the ordinary mail flows again. The default is put back after.
    srsd = env.srsd
    forged = "SRS0=AAAA=7G=example.com=alice@fwd.example"
    try:
        assert srsd.stop() == 0
        _, replies, data = send(env, ALICE_IP, ALICE_HELO, "alice@example.com", ["alice-fwd@fwd.example"])
        assert replies == {"alice-fwd@fwd.example": (451, "4.3.0 <alice-fwd@fwd.example>: Temporary lookup failure")}
        assert data is None
        assert re.search(r'warning: \S+ lookup error for "alice-fwd@fwd\.example"', env.pf.maillog())
        srsd.start(["--reverse-bad", "perm"])
        _, replies, _ = send(env, NEXT_HOP_IP, NEXT_HOP_HELO, "", [forged])
        if env.protocol == "tcp_table":
            assert replies[forged][0] == 550
        else:
            assert replies == {forged: (451, "4.3.5 Server configuration error")}
            assert "socketmap server permanent error: expired" in env.pf.maillog()
            # smtpd's key, lower-cased, in Postfix's own words.
            assert f'lookup error for "{forged.lower()}"' in env.pf.maillog()
        t, replies, _ = send(env, ALICE_IP, ALICE_HELO, "alice@example.com", ["alice-fwd@fwd.example"])
        assert replies == {"alice-fwd@fwd.example": (250, "2.1.5 Ok")}
        assert SRS0.match(arrived(env, t)[0])
    finally:
        srsd.stop()
        srsd.start()
