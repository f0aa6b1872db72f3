#!/usr/bin/env python3
"""Writes the seed corpus in fuzz/corpus/ from the RFC 7208 suite's records
and a few hand-made DNS messages. Re-run after changing an input layout:
    python3 fuzz/gen_corpus.py
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "tests", "rfc7208", "rfc7208-tests.json")


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def records():
    out = []
    for scenario in json.load(open(SUITE)):
        for entries in scenario["zonedata"].values():
            for e in entries:
                if isinstance(e, dict):
                    for ty, v in e.items():
                        if ty in ("SPF", "TXT") and v != "NONE":
                            out.append("".join(v) if isinstance(v, list) else v)
    return sorted(set(out))


def short(b):
    b = b[:255]
    return bytes([len(b)]) + b


def name(n):
    out = b""
    for label in n.split("."):
        out += short(label.encode())
    return out + b"\0"


def message(qname, qtype, rcode=0, answers=()):
    head = struct.pack(">HHHHHH", 7, 0x8180 | rcode, 1, len(answers), 0, 0)
    q = name(qname) + struct.pack(">HH", qtype, 1)
    body = b""
    for rtype, rdata in answers:
        body += name(qname) + struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return head + q + body


def main():
    recs = records()
    for r in recs:
        put("parse_record", r.encode())
    # evaluate: flags, 16 address bytes, sender, helo, then the script.
    # Script entry 5..7 with a count byte answers with records.
    ip4 = bytes([192, 0, 2, 1]) + bytes(12)
    ip6 = bytes.fromhex("20010db8000000000000000000000001")
    for i, r in enumerate(recs):
        flags = bytes([i % 64])
        ip = ip6 if i % 2 else ip4
        txt = r.encode()[:255]
        script = bytes([5, 0]) + short(txt)  # the TXT answer for the first query
        # Then addresses, MX and PTR-ish answers for what the record asks.
        script += bytes([5, 1]) + bytes([192, 0, 2, 1]) + bytes([192, 0, 2, 2])
        script += bytes([5, 0, 10]) + short(b"mx.example.com")
        script += bytes([0, 1, 2, 4, 5, 0]) + short(b"v=spf1 ip4:192.0.2.0/24 -all")
        put("evaluate", flags + ip + short(b"user@example.com") + short(b"mail.example.com") + script)
        if i < 40:
            # Flag bit 6: analyse the sender's domain instead.
            put("evaluate", bytes([flags[0] | 64]) + ip + short(b"user@example.com") + short(b"mail.example.com") + script)
    # policy_decide: four flag bytes, then (flag 0 bit 2) a TOML text of
    # 4 * n bytes, or the strings of settings built field by field; then
    # the client address, MAIL FROM, HELO, recipients and the script.
    tomls = [
        b'authserv_id = "mx.example.net"\n[mail_from]\nreject = ["fail", "softfail"]\n',
        b'iprev = "require"\n[[forwarder]]\nname = "fw"\ndomain = "example.org"\n',
        b'[address."bob@example.net"]\nprospective = { forward_path = "b@x.example", outbound = ["192.0.2.9"] }\n',
    ]
    script = bytes([5, 0]) + short(b"v=spf1 ip4:192.0.2.0/24 -all") + bytes([5, 0]) + short(b"v=spf1 -all") + bytes([2, 4, 1, 0])
    connection = ip4 + short(b"alice@example.com") + short(b"mail.example.com")
    recipients = bytes([1]) + short(b"bob@example.net") + short(b"carol+tag@example.net")
    for i, t in enumerate(tomls):
        t = t + b" " * (-len(t) % 4)
        put("policy_decide", bytes([4 | (i & 1), 0, 0, 0, len(t) // 4]) + t + connection + recipients + script)
    for flags in ([0, 0, 1, 1], [8 | 32, 0b10101001, 0b00100011, 0b01100111], [16 | 64, 0b11111111, 0, 0]):
        strings = b"".join(short(x) for x in [b"mx.example.net", b"+", b"bank.example", b"freemail.example"])
        strings += bytes([20]) + bytes([198, 51, 100, 0, 24]) + bytes(16) + bytes([0])
        strings += b"".join(short(x) for x in [b"fw1", b"fw2", b"example.org", b"fw3", b"alice@example.org"])
        strings += bytes([1]) + short(b"v=spf1 a/24 mx/24 ptr") + short(b"alice@elsewhere.example") + bytes([192, 0, 2, 99])
        strings += short(b"bob@example.net")
        put("policy_decide", bytes(flags) + strings + connection + recipients + script)
    # wire_decode: a selector byte (name, type) then a message.
    put("wire_decode", bytes([0x00]) + message("example.com", 16, 0, [(16, short(b"v=spf1 -all"))]))
    put("wire_decode", bytes([0x00]) + message("example.com", 16, 3))
    put("wire_decode", bytes([0x00]) + message("example.com", 16, 2))
    put("wire_decode", bytes([0x01]) + message("example.com", 1, 0, [(1, bytes([192, 0, 2, 1]))]))
    put("wire_decode", bytes([0x02]) + message("example.com", 28, 0, [(28, ip6)]))
    put("wire_decode", bytes([0x03]) + message("example.com", 15, 0, [(15, struct.pack(">H", 10) + name("mx.example.com"))]))
    put("wire_decode", bytes([0x24]) + message("25.2.0.192.in-addr.arpa", 12, 0, [(12, name("mail.example.com"))]))
    put("wire_decode", bytes([0x10]) + message("a.example.com", 1, 0, [(5, name("b.example.com")), (1, bytes([192, 0, 2, 9]))]))
    # policyd_request: the size of the pieces the bytes arrive in, then
    # requests as Postfix sends them.
    def request(state, ip, sender, rcpt, instance):
        return (b"request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\nclient_address=%s\n"
                b"helo_name=mail.example.com\nsender=%s\nrecipient=%s\ninstance=%s\nsasl_username=\n\n"
                % (state, ip, sender, rcpt, instance))
    message_ = (request(b"RCPT", b"192.0.2.7", b"alice@example.com", b"bob@example.net", b"1")
                + request(b"RCPT", b"192.0.2.7", b"alice@example.com", b"carol@example.net", b"1")
                + request(b"DATA", b"192.0.2.7", b"alice@example.com", b"", b"1"))
    put("policyd_request", bytes([255]) + message_)
    put("policyd_request", bytes([7]) + request(b"RCPT", b"198.51.100.1", b"alice@example.com", b"bob@example.net", b"2"))
    put("policyd_request", bytes([1]) + request(b"END-OF-MESSAGE", b"2001:db8::1", b"", b"", b"3") + b"junk\n\n=x\n\n")
    # srs: flags 0 (separator =), hash length 4, minimum 4, maximum age 21,
    # the instant, then the inputs postsrsd was asked with the default
    # config (tests/srs/vectors.json), whose secret the target uses too.
    vectors = json.load(open(os.path.join(HERE, "..", "tests", "srs", "vectors.json"), encoding="utf-8"))
    for v in vectors["vectors"]:
        if v["config"] == "default" and len(v["input"]) <= 200:
            put("srs", bytes([0, 3, 3, 21]) + struct.pack("<Q", v["now"]) + v["input"].encode())
    # srsd_request: flags (bits 0-1: 0 socketmap, 1 tcp_table forward, 2
    # tcp_table reverse; bit 2: reverse-bad perm), the size of the pieces,
    # then what Postfix sends. Addresses from the vectors (their secret and
    # domain are the target's), keys of every outcome.
    def netstring(b):
        return b"%d:%s," % (len(b), b)

    def pct(b):
        return b"".join(b"%%%02X" % c if c == 0x25 or not 0x21 <= c <= 0x7e else bytes([c]) for c in b)

    srs_addrs = sorted({v["expected"]["address"] for v in vectors["vectors"]
                        if v["config"] == "default" and v["expected"].get("address", "").startswith(("SRS0", "SRS1"))})[:6]
    keys = [b"alice@example.com", b"user+tag@sub.example.org", b"bob@local.example", b"x@a.sub.example",
            b"bob@fwd.example", b"no-at-sign", b"", b"a b@example.com", b"SRS0=xxxx=AB=example.com=alice@fwd.example",
            b"SRS1=xxxx=prev.example==abcd=JV=example.com=alice@fwd.example", b"srs0+bad"] + [a.encode() for a in srs_addrs]
    sm = b"".join(netstring(b"forward " + k) + netstring(b"reverse " + k) for k in keys)
    put("srsd_request", bytes([0, 255]) + sm)
    put("srsd_request", bytes([4, 3]) + sm)
    put("srsd_request", bytes([0, 1]) + netstring(b"forward alice@example.com") + netstring(b"other x") + netstring(b"forward"))
    put("srsd_request", bytes([0, 255]) + netstring(b"reverse " + keys[-1]) + b"1000001:x")
    put("srsd_request", bytes([0, 64]) + b"get alice@example.com\n")
    for flags in (1, 2, 6):
        lines = b"".join(b"get " + pct(k) + b"\n" for k in keys)
        put("srsd_request", bytes([flags, 255]) + lines)
        put("srsd_request", bytes([flags, 5]) + b"get a%2\r\nGET alice%40example.com\r\nput x y\nget %zz\nget \n")
    put("srsd_request", bytes([1, 255]) + b"get " + b"a" * 300 + b"@" + b"b" * 800 + b"\n")


main()
