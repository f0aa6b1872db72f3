"""`spfkit srsd` and Debian's postsrsd 1.10 side by side (issue 22, item 3).

Both run with one secrets file and one SRS domain, both with their clock
faked to the same instant (libfaketime, 2026-01-01 12:00:00 UTC, and
running on from there): the same day for both by construction, whatever
the hour the test runs at, so byte-identical forwards are a fair demand and
no run can straddle midnight between one server's answer and the other's.
(On the real clock a run across 00:00 UTC would see two days' timestamps;
a retry would hide that, a faked clock removes it.)

For each address: the forward of postsrsd (tcp_table) and of spfkit srsd
(tcp_table and socketmap) come out the same, byte for byte when rewritten;
each server's rewrite reverses in the other, and so does its lower-cased
form (Postfix may lower-case keys: postsrsd issue #85).

Every server starts on free ports of 127.0.0.1 and stops in the module
fixture's finally; postsrsd forks a child per connection, so it runs in a
process group of its own and the fixture checks that none of it is left.
"""

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "postfix"))
from harness import Postsrsd, SrsDaemon, write_secret  # noqa: E402

DAY = 86400
# 2026-01-01T12:00:00Z: day 20454, whose SRS timestamp is "7G" (as in
# tests/srs/vectors.json). Noon: the clock runs on from here, far from
# the day's end.
T0 = 20454 * DAY + 12 * 3600
STAMP = "7G"
DOMAIN = "fwd.example"
SECRET = "test-secret-interop"
# postsrsd -X takes its argument attached (getopt "X::"); a leading dot
# means the subdomains.
EXCLUDED = ["local.example", ".sub.example"]
# The longest key postsrsd 1.10 answers on its tcp_table ports (measured:
# from 1018 octets on it answers `500 Invalid request` and closes the
# connection; its request line buffer is 1024 octets). It writes rewrites
# of up to 1023 octets all the same.
POSTSRSD_MAX_KEY = 1017


def long_local(total):
    """An address of `total` octets at example.com: its SRS0 form is
    total + 25 octets (SRS0=HHHH=TT=example.com= and @fwd.example in place
    of @example.com)."""
    return "u" * (total - len("@example.com")) + "@example.com"


FORWARD = [
    # plain
    "alice@example.com",
    "user+tag@sub.example.org",
    "first.last@mail.example.co.uk",
    # mixed case
    "Alice.Smith@Example.COM",
    "BOB@EXAMPLE.ORG",
    # SRS0 and SRS1 of other forwarders, any case and separator
    "SRS0=abcd=7G=example.com=alice@other.example",
    "srs0=abcd=7G=example.com=alice@other.example",
    "SRS0+abcd=7G=example.com=alice@other.example",
    "SRS0-abcd=7F=example.com=alice@other.example",
    "SRS1=wxyz=first.example==abcd=7G=example.com=alice@other.example",
    "srs1-wxyz=first.example=+abcd=7G=example.com=alice@other.example",
    # the SRS domain itself, and excluded domains (-X / --local-domain)
    "bob@fwd.example",
    "BOB@FWD.Example",
    "bob@sub.fwd.example",
    "x@local.example",
    "X@LOCAL.EXAMPLE",
    "x@deep.sub.example",
    "x@sub.example",
    "x@local.example.org",
    # long: a local part past 64 octets; a rewrite of 1017 octets (the
    # longest postsrsd reads back), of 1022 and 1023 (the longest written),
    # and 1024 (too long: left alone by both)
    "l" * 65 + "@example.com",
    long_local(992),
    long_local(997),
    long_local(998),
    long_local(999),
    # not addresses: left alone
    "noat",
]


class Servers:
    pass


@pytest.fixture(scope="module")
def servers():
    s = Servers()
    tmp = Path(tempfile.mkdtemp(prefix="srsd-interop."))
    secret = write_secret(tmp / "secret", SECRET)
    stack = []
    try:
        s.postsrsd = Postsrsd(secret, DOMAIN, [f"-X{','.join(EXCLUDED)}"], now=T0)
        stack.append(s.postsrsd.stop)
        s.spfkit = SrsDaemon(secret, DOMAIN, tmp / "srsd.log", socketmap="tcp", tcp_table=True,
                             local_domains=EXCLUDED, now=T0)
        stack.append(s.spfkit.stop)
        # One connection per map and server for the whole module, as
        # Postfix keeps its map connections.
        s.p_fwd, s.p_rev = s.postsrsd.client("forward"), s.postsrsd.client("reverse")
        s.t_fwd, s.t_rev = s.spfkit.tcp_table("forward"), s.spfkit.tcp_table("reverse")
        s.sm = s.spfkit.socketmap_client()
        s.tmp = tmp
        yield s
    finally:
        for stop in reversed(stack):
            stop()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    # After the finally, so that a failure here is reported once all is stopped.
    assert s.postsrsd.leftovers() == [], "postsrsd processes left running"
    assert s.spfkit.exit_status == 0, f"spfkit srsd exited {s.spfkit.exit_status}"


def forwards(s, address):
    """(postsrsd's raw line, spfkit's tcp_table raw line, spfkit's socketmap (status, value))."""
    return s.p_fwd.raw(address), s.t_fwd.raw(address), s.sm.lookup("forward", address)


def effective(address, code, value):
    """The sender Postfix goes on with: the value when found, else the address unchanged."""
    return value if code in (200, "OK") else address


def test_same_day_forward_byte_identical(servers):
    s = servers
    rewritten = 0
    for address in FORWARD:
        p_raw, t_raw, (sm_status, sm_value) = forwards(s, address)
        p_code, _, p_text = p_raw.partition(" ")
        if p_code == "200" and p_text != address:
            # Rewritten: the very same line from both tcp_table servers, and
            # the same address over socketmap.
            assert t_raw == p_raw, address
            assert (sm_status, sm_value) == ("OK", s.p_fwd.get(address)[1]), address
            if p_text.startswith("SRS0"):
                assert f"={STAMP}=" in p_text, f"{address}: not today's timestamp: {p_text}"
            rewritten += 1
        else:
            # Left alone: postsrsd says so with `200 <the same address>`
            # (SRS domain) or `500 <reason>` (excluded, already rewritten,
            # too long, no @); spfkit answers not found in both protocols,
            # which Postfix takes the same way: the sender stays as it is.
            assert t_raw.startswith("500 "), f"{address}: postsrsd {p_raw!r}, spfkit {t_raw!r}"
            assert sm_status == "NOTFOUND", f"{address}: socketmap {sm_status} {sm_value}"
        # Whatever the outcome, Postfix ends up with the same sender.
        p = s.p_fwd.get(address)
        t = s.t_fwd.get(address)
        assert effective(address, *p) == effective(address, *t) == \
            effective(address, sm_status, sm_value), address
    # The list is not all left alone: most are rewritten.
    assert rewritten == 18


def test_literal_matches_vectors(servers):
    # The faked clock reached both: alice's address is the one
    # tests/srs/vectors.json recorded for that day, bar the hash, which
    # follows this module's secret.
    code, value = servers.t_fwd.get("alice@example.com")
    assert code == 200 and value.startswith("SRS0=") and value.endswith(f"={STAMP}=example.com=alice@{DOMAIN}")


def rewritten_pairs(s, longest=POSTSRSD_MAX_KEY):
    """(address, its rewrite) for each address rewritten, the rewrite at
    most `longest` octets."""
    for address in FORWARD:
        code, value = s.p_fwd.get(address)
        if code == 200 and value != address and len(value) <= longest:
            yield address, value


def reverses(s, address):
    """The three reverses: postsrsd, spfkit tcp_table, spfkit socketmap, as (found, value)."""
    p = s.p_rev.get(address)
    t = s.t_rev.get(address)
    sm = s.sm.lookup("reverse", address)
    return (p[0] == 200, p[1]), (t[0] == 200, t[1]), (sm[0] == "OK", sm[1])


def test_each_forward_reverses_in_the_other(servers):
    s = servers
    n = 0
    for original, srs in rewritten_pairs(s):
        # spfkit's forward is postsrsd's (test above); asked again here so
        # that each reverse gets the other server's own output.
        spf_srs = s.t_fwd.get(original)[1]
        for written_by, addr in (("postsrsd", srs), ("spfkit", spf_srs)):
            p, t, sm = reverses(s, addr)
            assert p[0] and t[0] and sm[0], f"{written_by}'s {addr}: {p} {t} {sm}"
            assert p[1] == t[1] == sm[1], f"{written_by}'s {addr}: {p} {t} {sm}"
            if not original.lower().startswith("srs"):
                assert p[1] == original, addr
        n += 1
    assert n == 16


def test_lower_cased_reverses_in_both(servers):
    # Postfix may hand the reverse map a lower-cased address (postsrsd
    # issue #85): the hash is compared without case by both.
    s = servers
    for original, srs in rewritten_pairs(s):
        for variant in (srs.lower(), srs.upper()):
            p, t, sm = reverses(s, variant)
            assert p[0] and t[0] and sm[0], f"{variant}: {p} {t} {sm}"
            assert p[1] == t[1] == sm[1], variant
            if not original.lower().startswith("srs"):
                assert p[1].lower() == original.lower(), variant


def test_longest_rewrites_reverse_in_spfkit_only(servers):
    # Rewrites of 1018 to 1023 octets: postsrsd writes them (and spfkit,
    # the same bytes) but postsrsd 1.10 cannot read them back over
    # tcp_table; spfkit can, in both protocols.
    s = servers
    longest = [(a, v) for a, v in rewritten_pairs(s, longest=1023) if len(v) > POSTSRSD_MAX_KEY]
    assert sorted(len(v) for _, v in longest) == [1022, 1023]
    for original, srs in longest:
        assert s.t_rev.get(srs) == (200, original)
        assert s.sm.lookup("reverse", srs) == ("OK", original)
        c = s.postsrsd.client("reverse")  # postsrsd closes this one
        assert c.raw(srs) == "500 Invalid request"


def test_srs1_goes_back_to_the_first_forwarder(servers):
    # SRS1 of another forwarder's SRS0 (or SRS1): the bounce goes to the
    # first forwarder's SRS0 address, in both servers.
    s = servers
    srs = s.t_fwd.get("SRS0=abcd=7G=example.com=alice@other.example")[1]
    assert srs.startswith("SRS1=") and srs.endswith("=other.example==abcd=7G=example.com=alice@fwd.example")
    for found, value in reverses(s, srs):
        assert (found, value) == (True, "SRS0=abcd=7G=example.com=alice@other.example")
    srs = s.t_fwd.get("SRS1=wxyz=first.example==abcd=7G=example.com=alice@other.example")[1]
    for found, value in reverses(s, srs):
        assert (found, value) == (True, "SRS0=abcd=7G=example.com=alice@first.example")


def test_not_srs_and_forged_not_found_in_both(servers):
    s = servers
    for address in ("carol@fwd.example", "postmaster@fwd.example",
                    f"SRS0=AAAA={STAMP}=example.com=alice@{DOMAIN}",  # forged hash
                    f"SRS0=pfQg=7G=example.com=alice@{DOMAIN}"):  # another secret's hash
        p, t, sm = reverses(s, address)
        assert not p[0] and not t[0] and not sm[0], f"{address}: {p} {t} {sm}"


def test_other_days(servers):
    # postsrsd run 5 and 30 days earlier (same secret): its 5-day-old
    # address reverses in both today, its 30-day-old one in neither
    # (expired: 21 days by default in both).
    s = servers
    for days, valid in ((5, True), (30, False)):
        old = Postsrsd(s.tmp / "secret", DOMAIN, now=T0 - days * DAY)
        try:
            c = old.client("forward")
            code, srs = c.get("alice@example.com")
            assert code == 200 and f"={STAMP}=" not in srs
        finally:
            assert old.stop() is not None
        assert old.leftovers() == []
        for found, value in reverses(s, srs):
            assert found is valid, f"{days} days: {srs}: {value}"
            if valid:
                assert value == "alice@example.com"


def test_postsrsd_children_all_stopped(servers):
    # postsrsd 1.10 forks a child per connection: three connections, three
    # children besides the listener; stopping the group ends them all.
    p = Postsrsd(servers.tmp / "secret", DOMAIN, now=T0)
    try:
        for _ in range(3):
            assert p.client("forward").get("alice@example.com")[0] == 200
        assert len(p.leftovers()) >= 4, p.leftovers()
    finally:
        p.stop()
    assert p.leftovers() == []
