#!/usr/bin/env python3
"""Writes tests/srs/vectors.json from what postsrsd 1.10 answers.

Runs Debian's postsrsd (1.10) under Debian's faketime at fixed instants, one
private instance per (config, instant) on 127.0.0.1, asks its tcp_table
forward and reverse maps, and records each raw reply with the outcome it
means. Nothing here computes an SRS address: every address in the file was
written by postsrsd. See README.md. Stdlib only.

    python3 tests/srs/make-vectors.py [--check]

--check regenerates into memory and fails if vectors.json differs.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "vectors.json"
DAY = 86400
# 2026-01-01T12:00:00Z: day 20454, slot 998 ("7G"). Noon, so the day cannot
# change while an instance runs.
T0 = 20454 * DAY + 12 * 3600
# Day 20479 is slot 1023 ("77"): the next day wraps to slot 0 ("AA").
TW = 20479 * DAY + 12 * 3600

SECRET_ONE = "test-secret-one"
SECRET_NEW = "test-secret-new"

# name -> spfkit settings (tests read these) + postsrsd's options for them.
CONFIGS = {
    "default": {"settings": {"secrets": [SECRET_ONE], "domain": "fwd.example"}, "args": []},
    "separator-plus": {"settings": {"secrets": [SECRET_ONE], "domain": "fwd.example", "separator": "+"},
                       "args": ["-a+"]},
    "separator-minus": {"settings": {"secrets": [SECRET_ONE], "domain": "fwd.example", "separator": "-"},
                        "args": ["-a-"]},
    "hash8": {"settings": {"secrets": [SECRET_ONE], "domain": "fwd.example", "hash_length": 8, "hash_min": 4},
              "args": ["-n8", "-N4"]},
    "two-secrets": {"settings": {"secrets": [SECRET_NEW, SECRET_ONE], "domain": "fwd.example"}, "args": []},
    # -X takes an optional argument: it must be attached (getopt "X::").
    "exclude": {"settings": {"secrets": [SECRET_ONE], "domain": "fwd.example",
                             "local_domains": ["local.example", ".sub.example"]},
                "args": ["-Xlocal.example,.sub.example"]},
}

# postsrsd's reply text -> spfkit's error kind.
KINDS = {
    "Not an SRS address.": "not-srs",
    "Hash invalid in SRS address.": "bad-hash",
    "Hash too short in SRS address.": "bad-hash",
    "Time stamp out of date.": "expired",
    "Bad base32 character in timestamp.": "bad-timestamp",
    "No at sign in sender address": "malformed",
    "No host in SRS0 address.": "malformed",
    "No user in SRS0 address.": "malformed",
    "No hash in SRS0 address.": "malformed",
    "No timestamp in SRS0 address.": "malformed",
    "No host in SRS1 address.": "malformed",
    "No user in SRS1 address.": "malformed",
    "No hash in SRS1 address.": "malformed",
    "Buffer too small.": "too-long",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def key(address: str) -> str:
    # postsrsd url-decodes keys (%XX), as Postfix's tcp_table encodes them.
    return "".join(c if 0x21 <= ord(c) < 0x7F and c != "%" else urllib.parse.quote(c, safe="") for c in address)


class Postsrsd:
    """One postsrsd instance with its clock at `now`."""

    def __init__(self, config: str, now: int, tmp: Path):
        cfg = CONFIGS[config]
        secret = tmp / f"{config}.secret"
        secret.write_text("".join(s + "\n" for s in cfg["settings"]["secrets"]))
        secret.chmod(0o600)
        self.fwd, self.rev = free_port(), free_port()
        self.proc = subprocess.Popen(
            ["faketime", f"@{now}", "postsrsd", f"-s{secret}", f"-d{cfg['settings']['domain']}",
             f"-f{self.fwd}", f"-r{self.rev}", "-l127.0.0.1", "-4", *cfg["args"]],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            # faketime forks postsrsd, which forks per connection: a session
            # of their own lets close() stop them all.
            start_new_session=True)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.rev), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        self.close()
        raise RuntimeError(f"postsrsd {config} did not start: {self.proc.stderr.read().decode()}")

    def ask(self, op: str, address: str) -> str:
        port = self.fwd if op == "forward" else self.rev
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(f"get {key(address)}\n".encode())
            return s.makefile("rb").readline().decode().rstrip("\n")

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.proc.wait()


def outcome(op: str, address: str, reply: str) -> dict:
    """What postsrsd's reply means, in spfkit's terms."""
    code, _, text = reply.partition(" ")
    if code == "200":
        value = urllib.parse.unquote(text)
        if op == "forward" and value == address:
            return {"outcome": "unchanged", "reason": "local-domain"}
        out = {"outcome": "ok", "address": value}
        if op == "forward":
            local = value.rsplit("@", 1)[0]
            out["warnings"] = ["long-local-part"] if len(local) > 64 else []
        return out
    if text == "Already rewritten":
        return {"outcome": "unchanged", "reason": "already-rewritten"}
    if text == "Domain excluded py policy":
        return {"outcome": "unchanged", "reason": "local-domain"}
    kind = KINDS[text]
    # libsrs2 says "out of date" for a timestamp that is not 2 characters
    # long: to spfkit that is a bad timestamp, not an old one.
    if kind == "expired":
        fields = address.split("@")[0].split("=")
        if len(fields) > 2 and len(fields[2]) != 2:
            kind = "bad-timestamp"
    return {"outcome": "error", "kind": kind}


# Where spfkit decides differently on purpose: (config, op, input) -> (expected, why).
def deviations(srs_urlsafe: str, original: str) -> dict:
    m = "malformed"
    err = lambda k: {"outcome": "error", "kind": k}  # noqa: E731
    return {
        ("default", "forward", "@example.com"): (err(m), "empty local part: libsrs2 writes SRS0=…=example.com=@…"),
        ("default", "forward", "user@"): (err(m), "empty domain: libsrs2 writes SRS0=…==user@…"),
        ("default", "forward", "SRS0@example.com"): (
            err(m), "libsrs2 takes the NUL after a bare SRS0 for a separator (SRS1 with an empty rest)"),
        ("default", "forward", "srs1@a.example"): (
            err(m), "libsrs2 takes the NUL after a bare SRS1 for a separator and reads on into the domain"),
        ("default", "forward", "j\u00f6rg@example.com"): (err(m), "non-ASCII: libsrs2 hashes the raw octets"),
        ("default", "forward", "a\tb@example.com"): (err(m), "a control character"),
        ("default", "forward", "a@b=c.example"): (err(m), "'=' in the domain: libsrs2 writes what it cannot reverse"),
        ("default", "forward", "a@b@c.example"): (err(m), "'@' in the domain: libsrs2 writes what it cannot reverse"),
        ("default", "forward", "SRS1=wxyz==abcd=7G=example.com=alice@other.example"): (
            err(m), "an SRS1 address with an empty host: libsrs2 writes what it cannot reverse"),
        ("default", "forward", "SRS1=wxyz=first.example=@other.example"): (
            err(m), "an SRS1 address with an empty user: libsrs2 writes what it cannot reverse"),
        ("default", "reverse", srs_urlsafe): (
            {"outcome": "ok", "address": original},
            "URL-safe base64 (postsrsd 2.2.6 writes it): spfkit reads both alphabets, postsrsd 1.10 only +/"),
    }


def main() -> int:
    check = "--check" in sys.argv[1:]
    vectors = []
    tmp = Path(tempfile.mkdtemp(prefix="srs-vectors."))
    instances = {}

    def srv(config, now):
        if (config, now) not in instances:
            instances[(config, now)] = Postsrsd(config, now, tmp)
        return instances[(config, now)]

    def ask(config, now, op, address):
        reply = srv(config, now).ask(op, address)
        vectors.append({"config": config, "now": now, "op": op, "input": address, "reply": reply,
                        "postsrsd": outcome(op, address, reply)})
        return reply[4:] if reply.startswith("200 ") else None

    try:
        d = "default"
        # forward: plain, mixed case, subaddress, local domains.
        alice = ask(d, T0, "forward", "alice@example.com")
        mixed = ask(d, T0, "forward", "Alice.Smith@Example.COM")
        ask(d, T0, "forward", "user+tag@sub.example.org")
        ask(d, T0, "forward", "bob@fwd.example")
        ask(d, T0, "forward", "BOB@FWD.Example")
        ask(d, T0, "forward", "bob@sub.fwd.example")
        # another forwarder's SRS0 and SRS1, any case and separator.
        other0 = "SRS0=abcd=7G=example.com=alice@other.example"
        srs1 = ask(d, T0, "forward", other0)
        ask(d, T0, "forward", "srs0=abcd=7G=example.com=alice@other.example")
        ask(d, T0, "forward", "SRS0+abcd=7G=example.com=alice@other.example")
        ask(d, T0, "forward", "SRS1=wxyz=first.example==abcd=7G=example.com=alice@other.example")
        ask(d, T0, "forward", "srs1-wxyz=first.example=+abcd=7G=example.com=alice@other.example")
        # already ours: left alone while valid; an expired one is another's.
        ask(d, T0, "forward", alice)
        ask(d, T0, "forward", alice.lower())
        ask(d, T0, "forward", srs1)
        ask(d, T0 + 30 * DAY, "forward", alice)
        # malformed.
        for a in ["noat", "SRS1=@x.example", "SRS1=abc@x.example", "SRS1=abc=host@x.example", "SRS0=@x.example"]:
            ask(d, T0, "forward", a)
        # long: local part past 64 octets; the rewrite at 1023 and 1024 octets.
        ask(d, T0, "forward", "a" * 40 + "@example.com")
        ask(d, T0, "forward", "b" * 64 + "@" + "c" * 60 + ".example")
        for total in (997, 998, 999):
            ask(d, T0, "forward", "u" * (total - len("@example.com")) + "@example.com")
        # where spfkit deviates (see deviations()).
        for a in ["@example.com", "user@", "SRS0@example.com", "srs1@a.example", "j\u00f6rg@example.com",
                  "a\tb@example.com", "a@b=c.example", "a@b@c.example",
                  "SRS1=wxyz==abcd=7G=example.com=alice@other.example", "SRS1=wxyz=first.example=@other.example"]:
            ask(d, T0, "forward", a)

        # reverse: own outputs, any case, SRS1, the domain ignored, no domain.
        for a in [alice, alice.lower(), alice.upper(), mixed, srs1, srs1.lower(),
                  alice.split("@")[0] + "@elsewhere.example", alice.split("@")[0]]:
            ask(d, T0, "reverse", a)
        hash_ = alice.split("=")[1]
        rest = alice[len("SRS0=" + hash_):]
        # forged, short, long, bad timestamps, truncated, not SRS.
        for a in ["SRS0=AAAA" + rest, "SRS0=" + hash_[:3] + rest, "SRS0=" + hash_ + "xyz" + rest,
                  "SRS0=AAAA=AB=example.com=alice@fwd.example", "SRS0=" + hash_ + "=7!=example.com=alice@fwd.example",
                  "SRS0=" + hash_ + "=7G7=example.com=alice@fwd.example", "SRS0=" + hash_ + "=7=example.com=alice@fwd.example",
                  "SRS0=" + hash_ + "=" + "7" * 200 + "=example.com=alice@fwd.example",
                  "SRS0=" + hash_ + "==example.com=alice@fwd.example",
                  "SRS0=", "SRS0=" + hash_, "SRS0=" + hash_ + "=7G", "SRS0=" + hash_ + "=7G=example.com",
                  "SRS1=", "SRS1=" + hash_, "SRS1=" + hash_ + "=host",
                  "bob@fwd.example", "SRS2=abcd=7G=example.com=alice@fwd.example", "SRS0xabcd=7G=a=b@fwd.example",
                  "SRS1=AAAA=other.example==abcd=7G=example.com=alice@fwd.example"]:
            ask(d, T0, "reverse", a)
        # age: 21 days is the last valid day; 22 is out of date; a future one
        # is out of date too.
        ask(d, T0 + 21 * DAY, "reverse", alice)
        ask(d, T0 + 22 * DAY, "reverse", alice)
        future = ask(d, T0 + 5 * DAY, "forward", "alice@example.com")
        ask(d, T0, "reverse", future)
        # wrap-around: made on slot 1023, read on slots 0 and 20, 21 days on.
        wrapped = ask(d, TW, "forward", "wrap@example.com")
        ask(d, TW + DAY, "reverse", wrapped)
        ask(d, TW + 21 * DAY, "reverse", wrapped)
        ask(d, TW + 22 * DAY, "reverse", wrapped)

        # URL-safe: find a hash with + or / (postsrsd writes them), then read
        # its URL-safe form.
        urlsafe = None
        for i in range(200):
            probe = srv(d, T0).ask("forward", key(f"urlsafe{i}@example.com"))[4:]
            probe = urllib.parse.unquote(probe)
            if any(c in probe.split("=")[1] for c in "+/"):
                urlsafe = ask(d, T0, "forward", f"urlsafe{i}@example.com")
                break
        assert urlsafe, "no hash with + or / in 200 tries"
        ask(d, T0, "reverse", urlsafe)
        fields = urlsafe.split("=", 2)
        fields[1] = fields[1].replace("+", "-").replace("/", "_")
        urlsafe_form = "=".join(fields)
        ask(d, T0, "reverse", urlsafe_form)

        # separators: each writes its own, and any reads any.
        for sep in ("separator-plus", "separator-minus"):
            out = ask(sep, T0, "forward", "alice@example.com")
            ask(sep, T0, "forward", other0)
            ask(sep, T0, "reverse", out)
            ask(d, T0, "reverse", out)

        # hash length 8, minimum 4.
        h8 = ask("hash8", T0, "forward", "alice@example.com")
        ask("hash8", T0, "forward", other0)
        h = h8.split("=")[1]
        r8 = h8[len("SRS0=" + h):]
        for a in [h8, "SRS0=" + h[:4] + r8, "SRS0=" + h[:6] + r8, "SRS0=" + h[:3] + r8,
                  "SRS0=" + h[:5] + ("A" if h[5] != "A" else "B") + h[6:] + r8, alice]:
            ask("hash8", T0, "reverse", a)

        # two secrets: the first signs, both verify.
        two = ask("two-secrets", T0, "forward", "alice@example.com")
        ask("two-secrets", T0, "reverse", two)
        ask("two-secrets", T0, "reverse", alice)
        ask("two-secrets", T0, "forward", alice)
        ask(d, T0, "reverse", two)

        # excluded domains.
        for a in ["x@local.example", "X@LOCAL.EXAMPLE", "x@deep.sub.example", "x@sub.example",
                  "x@notlocal.example", "x@fwd.example", "x@local.example.org"]:
            ask("exclude", T0, "forward", a)
    finally:
        for p in instances.values():
            p.close()
        shutil.rmtree(tmp, ignore_errors=True)

    devs = deviations(urlsafe_form, urlsafe.split("=", 4)[4].split("@")[0] + "@example.com")
    for v in vectors:
        dev = devs.get((v["config"], v["op"], v["input"]))
        if dev:
            v["expected"], v["deviation"] = dev
        else:
            v["expected"] = v["postsrsd"]
    missing = set(devs) - {(v["config"], v["op"], v["input"]) for v in vectors}
    assert not missing, missing

    doc = {
        "about": "SRS vectors written by postsrsd 1.10 (Debian 1.10-2) under faketime; "
                 "see tests/srs/README.md. Do not edit: run tests/srs/make-vectors.py.",
        "configs": {k: v["settings"] | {"postsrsd_args": v["args"]} for k, v in CONFIGS.items()},
        "vectors": vectors,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if check:
        if OUT.read_text(encoding="utf-8") != text:
            print("tests/srs/vectors.json differs from what postsrsd writes now", file=sys.stderr)
            return 1
        print(f"{len(vectors)} vectors agree")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
