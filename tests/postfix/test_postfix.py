"""`spfkit policyd` behind a real Postfix (Debian's), end to end.

One private Postfix instance, one NSD (behind a proxy that drops queries
for names holding "slow") and the policy servers are started once for the
module (see README.md). Each case speaks SMTP with XCLIENT to present its
client address and HELO name, and asserts on the SMTP replies and on the
header fields of the delivered copies.

Settings that cannot share one policy server (one header form or another,
softfail accepted or refused, iprev required) are served side by side: the
instance has one SMTP listener per policy server, each with its own
`smtpd_recipient_restrictions = check_policy_service ...` (master.cf -o),
exactly the line an administrator writes in main.cf.
"""

import itertools
import os
import shutil
import uuid

import pytest

from harness import NOBODY, SPFKIT, Client, DroppingProxy, NameServer, PolicyDaemon, PrivatePostfix, Sink, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE = os.path.join(HERE, "postfix.zone")
# spfkit's DNS time limit per decision: far above NSD's round trip on
# loopback, and what a dropped query costs a temperror case.
DNS_TIMEOUT = 1
HELO = "mail.pf.example"  # no SPF record: HELO is `none`, MAIL FROM decides
CLIENT = "192.0.2.99"  # pass.pf.example's /24, with forward-confirmed reverse DNS
AUTHSERV = "mx.test.example"

# main.cf lines beyond the private instance's basics (harness.PrivatePostfix);
# README.md says why each one.
POLICY_SETTINGS = {
    # Postfix answers a policy server's DEFER_IF_PERMIT with this code
    # (default 450); RFC 7372 pairs X.7.24 with 451.
    "access_map_defer_code": "451",
    # A policy server that is down: Postfix tries try_limit times,
    # retry_delay apart, then answers smtpd_policy_service_default_action
    # (451 4.3.5). Defaults: 2 tries, 1 s, a 100 s timeout per try.
    "smtpd_policy_service_try_limit": "2",
    "smtpd_policy_service_retry_delay": "1s",
    "smtpd_policy_service_timeout": "10s",
    # spawn kills its child after <service>_time_limit (1000 s by default),
    # shorter than an smtpd may keep the connection.
    "spfkit_time_limit": "3600",
}

_tokens = itertools.count()


def token():
    """A Subject unique to one message, to find its delivered copies."""
    return f"pf-{uuid.uuid4().hex[:12]}-{next(_tokens)}"


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    e = Env()
    stack = []
    try:
        e.ns = NameServer(ZONE)
        stack.append(e.ns.stop)
        e.proxy = DroppingProxy(e.ns.port, drop=["slow"])
        stack.append(e.proxy.stop)
        e.sink = Sink()
        stack.append(e.sink.stop)
        e.daemons = {}
        e.pf = None

        def tcp_daemon(name):
            d = PolicyDaemon(e.pf.dir, name, os.path.join(HERE, f"{name}.toml"), e.proxy.port,
                             timeout=DNS_TIMEOUT)
            e.daemons[name] = d
            stack.append(d.stop)
            return f"check_policy_service inet:127.0.0.1:{d.port}"

        # The listeners are filled in below, once the daemons' ports are known.
        listeners = {}
        e.pf = PrivatePostfix(e.sink.port, POLICY_SETTINGS, listeners)
        stack.append(e.pf.remove)
        d = e.pf.dir
        both = tcp_daemon("both")
        # header = "both": Authentication-Results is prepended at DATA, so the
        # same service is listed in smtpd_data_restrictions.
        listeners["both"] = {"smtpd_recipient_restrictions": both, "smtpd_data_restrictions": both}
        listeners["iprev"] = {"smtpd_recipient_restrictions": tcp_daemon("iprev")}
        listeners["restart"] = {"smtpd_recipient_restrictions": tcp_daemon("restart")}
        # spawn runs the policy server as nobody, who cannot enter /root
        # (0700) where the build is: the binary and its settings go into the
        # instance's 755 directory, its log into a 1777 one.
        bindir = d / "bin"
        bindir.mkdir(mode=0o755)
        shutil.copy2(SPFKIT, bindir / "spfkit")
        shutil.copy2(os.path.join(HERE, "spawn.toml"), bindir / "spawn.toml")
        (bindir / "spawn.toml").chmod(0o644)
        logdir = d / "log"
        logdir.mkdir()
        logdir.chmod(0o1777)
        e.spawn_log = logdir / "policyd-spawn.log"
        e.pf.master_extra = (
            "spfkit    unix  -       n       n       -       0       spawn\n"
            f"  user=nobody argv={bindir}/spfkit policyd --config {bindir}/spawn.toml"
            f" --nameserver 127.0.0.1:{e.proxy.port} --timeout {DNS_TIMEOUT} --log-file {e.spawn_log}\n")
        listeners["spawn"] = {"smtpd_recipient_restrictions": "check_policy_service unix:private/spfkit"}
        e.pf.start()
        yield e
    finally:
        for stop in reversed(stack):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                print(f"teardown: {exc}")


def send(env, listener, sender, recipients, addr=CLIENT, login=None):
    c = Client(env.pf.ports[listener], addr, HELO, login=login)
    try:
        t = token()
        replies, data = c.send(sender, recipients, t)
    finally:
        c.close()
    return t, replies, data


def copies(env, t, maildir_rcpts, sink_rcpts):
    """The delivered copies of message t: {recipient: [message]} for the
    Maildir recipients and the sink's, once each has arrived."""
    def arrived():
        got = env.pf.delivered(t)
        for _, rcpts, msg in env.sink.find(t):
            for r in rcpts:
                got.setdefault(r, []).append(msg)
        return got if all(r in got for r in maildir_rcpts + sink_rcpts) else None
    return wait_for(arrived, 15, f"delivery of {t}")


def headers(msg, name):
    return [" ".join(v.split()) for v in msg.get_all(name) or []]


def rejected(rcpt, enhanced, text):
    return f"{enhanced} <{rcpt}>: Recipient address rejected: {text}"


PASS_RSPF = (f"pass ({AUTHSERV}: domain of bob@pass.pf.example designates {CLIENT} as permitted sender)"
             f' client-ip={CLIENT}; envelope-from="bob@pass.pf.example"; helo={HELO}; receiver={AUTHSERV};'
             ' identity=mailfrom; mechanism="ip4:192.0.2.0/24"')
PASS_AR = f"{AUTHSERV}; spf=none smtp.helo={HELO}; spf=pass smtp.mailfrom=bob@pass.pf.example"


@pytest.mark.parametrize("listener, received_spf, auth_results", [
    ("both", [PASS_RSPF], [PASS_AR]),                       # TCP, both header fields
    ("spawn", [PASS_RSPF], []),                              # spawn as nobody, Received-SPF
    ("iprev", [], [f"{PASS_AR}; iprev=pass policy.iprev={CLIENT} ({HELO})"]),  # TCP, A-R, iprev
])
def test_pass_delivered_with_one_header_per_copy(env, listener, received_spf, auth_results):
    maildir, sink = ["alice@example.net", "bob@example.net"], ["carol@capture.test"]
    t, replies, data = send(env, listener, "bob@pass.pf.example", maildir + sink)
    assert replies == {r: (250, "2.1.5 Ok") for r in maildir + sink}
    assert data[0] == 250
    got = copies(env, t, maildir, sink)
    assert sorted(got) == sorted(maildir + sink)
    for rcpt, msgs in got.items():
        assert len(msgs) == 1, rcpt
        assert headers(msgs[0], "Received-SPF") == received_spf, rcpt
        assert headers(msgs[0], "Authentication-Results") == auth_results, rcpt
        # RFC 7208 §9.1: above the Received field the receiver adds (and
        # Authentication-Results with it, prepended at DATA).
        names = [k.lower() for k in msgs[0].keys()]
        for name in ("received-spf", "authentication-results"):
            if name in names:
                assert names.index(name) < names.index("received"), (rcpt, names)


@pytest.mark.parametrize("listener", ["both", "spawn"])
@pytest.mark.parametrize("domain, explanation", [
    ("fail.pf.example", f"{CLIENT} may not send mail for fail.pf.example (pf-test explanation)"),  # exp=
    ("plainfail.pf.example", f"{CLIENT} is not one of plainfail.pf.example's designated mail servers"),
])
def test_fail_rejected_with_explanation(env, listener, domain, explanation):
    rcpts = ["alice@example.net", "carol@capture.test"]
    _, replies, data = send(env, listener, f"bob@{domain}", rcpts)
    assert replies == {r: (550, rejected(r, "5.7.23", explanation)) for r in rcpts}
    assert data is None


def test_temperror_deferred_451(env):
    rcpts = ["alice@example.net", "carol@capture.test"]
    before = len(env.proxy.dropped)
    _, replies, data = send(env, "both", "bob@slow.pf.example", rcpts)
    text = "SPF temporary error: DNS error looking up TXT for slow.pf.example"
    assert replies == {r: (451, rejected(r, "4.7.24", text)) for r in rcpts}
    assert data is None
    assert "slow.pf.example" in env.proxy.dropped[before:]


def test_softfail_accepted_with_header(env):
    t, replies, data = send(env, "both", "bob@soft.pf.example", ["alice@example.net"])
    assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
    assert data[0] == 250
    msg, = copies(env, t, ["alice@example.net"], [])["alice@example.net"]
    rspf, = headers(msg, "Received-SPF")
    assert rspf.startswith(f"softfail ({AUTHSERV}: domain of transitioning bob@soft.pf.example does not designate"
                           f" {CLIENT} as permitted sender)")
    assert headers(msg, "Authentication-Results") == [
        f"{AUTHSERV}; spf=none smtp.helo={HELO}; spf=softfail smtp.mailfrom=bob@soft.pf.example"]


def test_softfail_rejected_when_configured(env):
    _, replies, data = send(env, "spawn", "bob@soft.pf.example", ["alice@example.net"])
    assert replies == {"alice@example.net": (550, rejected(
        "alice@example.net", "5.7.23", "SPF validation failed: softfail for soft.pf.example"))}
    assert data is None


def test_forwarder_accepted_for_one_recipient_rejected_for_another(env):
    # fwd@example.net trusts 198.51.100.0/24 as a forwarder (both.toml);
    # alice@example.net has no forwarder and gets the fail.
    forwarder = "198.51.100.7"
    t, replies, data = send(env, "both", "bob@fail.pf.example", ["alice@example.net", "fwd@example.net"],
                            addr=forwarder)
    assert replies == {
        "alice@example.net": (550, rejected("alice@example.net", "5.7.23",
                                            f"{forwarder} may not send mail for fail.pf.example (pf-test explanation)")),
        "fwd@example.net": (250, "2.1.5 Ok"),
    }
    assert data[0] == 250
    got = copies(env, t, ["fwd@example.net"], [])
    assert list(got) == ["fwd@example.net"]
    msg, = got["fwd@example.net"]
    rspf, = headers(msg, "Received-SPF")
    assert rspf.startswith(f"fail ({AUTHSERV}: domain of bob@fail.pf.example does not designate {forwarder}")
    assert headers(msg, "Authentication-Results") == [
        f"{AUTHSERV}; spf=none smtp.helo={HELO}; spf=fail smtp.mailfrom=bob@fail.pf.example"
        " policy.rule=forwarder-network policy.forwarder=backup-mx"]


def test_authenticated_client_not_checked(env):
    # The same message as the fail case, from a client that authenticated:
    # XCLIENT LOGIN gives Postfix a SASL user name, which it passes to the
    # policy server as sasl_username, which skips the check.
    t, replies, data = send(env, "both", "bob@fail.pf.example", ["alice@example.net"], login="someone")
    assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
    assert data[0] == 250
    msg, = copies(env, t, ["alice@example.net"], [])["alice@example.net"]
    assert headers(msg, "Received-SPF") == []
    assert headers(msg, "Authentication-Results") == []
    assert "sasl_method=XCLIENT, sasl_username=someone" in env.pf.maillog()
    assert any("sender=bob@fail.pf.example" in line and "rule=authenticated" in line
               for line in env.daemons["both"].log_text().splitlines())


def test_best_guess_pass_accepted(env):
    t, replies, data = send(env, "both", "bob@guess-ok.pf.example", ["alice@example.net"])
    assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
    msg, = copies(env, t, ["alice@example.net"], [])["alice@example.net"]
    rspf, = headers(msg, "Received-SPF")
    assert rspf.startswith("none ") and rspf.endswith("; best-guess=pass")
    assert headers(msg, "Authentication-Results") == [
        f"{AUTHSERV}; spf=none smtp.helo={HELO}; spf=none smtp.mailfrom=bob@guess-ok.pf.example"
        " policy.best-guess=pass"]


def test_best_guess_neutral_rejected(env):
    _, replies, data = send(env, "both", "bob@guess-no.pf.example", ["alice@example.net"])
    assert replies == {"alice@example.net": (550, rejected(
        "alice@example.net", "5.7.1", "Delivery not authorized: best guess neutral for guess-no.pf.example"))}
    assert data is None


def test_iprev_required_and_failing(env):
    # 192.0.2.98's PTR names liar.pf.example, whose address is elsewhere;
    # its SPF passes (pass.pf.example's /24).
    _, replies, data = send(env, "iprev", "bob@pass.pf.example", ["alice@example.net"], addr="192.0.2.98")
    assert replies == {"alice@example.net": (550, rejected(
        "alice@example.net", "5.7.25", "Reverse DNS validation failed for 192.0.2.98"))}
    assert data is None


def test_spawn_runs_as_nobody(env):
    t, replies, data = send(env, "spawn", "bob@pass.pf.example", ["alice@example.net"])
    assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
    copies(env, t, ["alice@example.net"], [])
    # The log directory is 1777: the file belongs to whoever spawn ran.
    assert env.spawn_log.stat().st_uid == NOBODY
    assert "standard input and output (spawn)" in env.spawn_log.read_text()
    assert "sender=bob@pass.pf.example recipient=alice@example.net" in env.spawn_log.read_text()


def test_policyd_stopped_then_restarted(env):
    daemon = env.daemons["restart"]
    try:
        t, replies, _ = send(env, "restart", "bob@pass.pf.example", ["alice@example.net"])
        assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
        daemon.stop()
        assert not daemon.running()
        c = Client(env.pf.ports["restart"], CLIENT, HELO)
        try:
            code, _ = c.smtp.mail("bob@pass.pf.example")
            assert code == 250
            code, text = c.smtp.rcpt("alice@example.net")
            assert (code, text.decode()) == (451, rejected("alice@example.net", "4.3.5", "Server configuration problem"))
            c.smtp.rset()
            # The same SMTP session, with the policy server back: Postfix
            # connects to it again by itself.
            daemon.start()
            t2 = token()
            replies, data = c.send("bob@pass.pf.example", ["alice@example.net"], t2)
            assert replies == {"alice@example.net": (250, "2.1.5 Ok")}
            assert data[0] == 250
        finally:
            c.close()
        msg, = copies(env, t2, ["alice@example.net"], [])["alice@example.net"]
        assert headers(msg, "Received-SPF") == [PASS_RSPF]
    finally:
        if not daemon.running():
            daemon.start()
