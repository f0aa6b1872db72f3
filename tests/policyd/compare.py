#!/usr/bin/env python3
"""spfkit policyd and Debian's postfix-policyd-spf-python, side by side.

    python3 tests/policyd/compare.py            # a table of every difference
    python3 tests/policyd/compare.py --all      # every request, alike or not
    python3 tests/policyd/compare.py --check    # differences against the expected file; exit 1 if any is new or gone

One corpus of Postfix policy requests, as smtpd(8) sends them at RCPT, is
sent to both programs over standard input and output (Postfix's `spawn`
way) and their replies are reduced to decisions that can be compared (see
normalise()). The corpus:

- every test of the RFC 7208 suite (tests/rfc7208/rfc7208-tests.json), one
  request each. The suite's scenarios give the same names different
  records, so each scenario gets its own NSD (tests/dns/serve.py), fed a
  zone file made from the scenario's zone data (zone_file());
- the forwarder cases of seed 003 (tests/policyd/corpus/forwarders.json
  and forwarders.zone), under Debian's stock settings and under settings
  where the forwarder is trusted the way policyd-spf.conf says it
  (`Whitelist`, `Domain_Whitelist`), which spfkit reads from the same file.

Both programs ask DNS of a small proxy in front of NSD (DnsProxy), which
stands in for the suite's TIMEOUT entries: NSD always answers, so the
proxy answers a query for a TIMEOUT name over UDP with an empty truncated
reply, and closes a TCP connection that asks for it without answering.
Both resolvers then give up on the name at once, as a resolver gives up on
a server that does not answer (RFC 7208 §4.4: temperror), without the 20 s
each program would wait for a real timeout (`--real-timeouts` drops the
queries instead, for whoever wants to see that the decisions are the
same; it takes a few minutes). The proxy also answers NXDOMAIN where NSD
refuses a name outside every zone (single-label HELO names, names made by
macros): the suite's absent names have no records.

Needs /usr/bin/python3 with Debian's postfix-policyd-spf-python, NSD, and
target/debug/spfkit (or $SPFKIT).
"""

import argparse
import concurrent.futures
import ipaddress
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SUITE = os.path.join(REPO, "tests", "rfc7208", "rfc7208-tests.json")
CORPUS = os.path.join(HERE, "corpus")
STOCK_CONF = os.path.join(HERE, "policyd-spf.conf")
EXPECTED = os.path.join(HERE, "expected-differences.json")
SERVE = os.path.join(REPO, "tests", "dns", "serve.py")
POLICYD_SPF = os.path.join(REPO, "tests", "postfix", "policyd-spf-local")
DOCS = os.path.join(REPO, "docs", "postfix.md")
DOCS_SECTION = "## Where spfkit policyd and postfix-policyd-spf-python decide differently"

# Each program gets a group's requests at once and must have answered them
# all by then; nothing in the corpus waits on a real DNS timeout.
RUN_SECONDS = 120


def spfkit_binary():
    return os.environ.get("SPFKIT") or os.path.join(REPO, "target", "debug", "spfkit")


# ---------------------------------------------------------------- requests

@dataclass
class Request:
    """One RCPT of one message."""
    id: str
    client: str
    helo: str
    sender: str
    recipient: str
    instance: str
    note: str = ""  # what the case is about, for the table


@dataclass
class Group:
    """Requests that share a DNS (one NSD) and a configuration."""
    name: str
    zone_text: str
    timeouts: dict  # name (lower case, no trailing dot) -> set of types that still answer
    conf: str  # path of the policyd-spf.conf both programs read
    requests: list = field(default_factory=list)


def postfix_client_address(host):
    """client_address as Postfix writes it: IPv6 in lower case, compressed;
    an IPv4-mapped IPv6 address as the IPv4 address (checked against
    Postfix 3.7.11 with XCLIENT: `IPV6:::ffff:1.2.3.4` -> 1.2.3.4,
    `IPV6:CAFE:BABE::1` -> cafe:babe::1)."""
    address = ipaddress.ip_address(host)
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


_instances = iter(range(1, 1 << 30))


def new_instance():
    """Postfix's instance: hex fields, one value per message."""
    return "2a5f.6b0fe778.%x.0" % next(_instances)


def request_text(r):
    """The request as Postfix 3.7 sends it at RCPT: the attributes in
    smtpd(8)'s order, values as an XCLIENT session without TLS or SASL has
    them (captured from a private Postfix 3.7.11)."""
    attributes = [
        ("request", "smtpd_access_policy"),
        ("protocol_state", "RCPT"),
        ("protocol_name", "ESMTP"),
        ("client_address", r.client),
        ("client_name", "unknown"),
        ("client_port", "40000"),
        ("reverse_client_name", "unknown"),
        ("server_address", "127.0.0.1"),
        ("server_port", "25"),
        ("helo_name", r.helo),
        ("sender", r.sender),
        ("recipient", r.recipient),
        ("recipient_count", "0"),
        ("queue_id", ""),
        ("instance", r.instance),
        ("size", "0"),
        ("etrn_domain", ""),
        ("stress", ""),
        ("sasl_method", ""),
        ("sasl_username", ""),
        ("sasl_sender", ""),
        ("ccert_subject", ""),
        ("ccert_issuer", ""),
        ("ccert_fingerprint", ""),
        ("ccert_pubkey_fingerprint", ""),
        ("encryption_protocol", ""),
        ("encryption_cipher", ""),
        ("encryption_keysize", "0"),
        ("policy_context", ""),
    ]
    return "".join(f"{k}={v}\n" for k, v in attributes) + "\n"


# ----------------------------------------------------------- zone files

def zone_name(name):
    """A domain name as a zone file's owner or target, absolute. Bytes
    other than letters, digits and `-_:/%` are written \\DDD (the suite
    has names with spaces)."""
    name = name.rstrip(".")
    out = []
    for ch in name.encode("latin-1"):
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in "-_:/%."):
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return "".join(out) + "."


def character_strings(value):
    """A TXT record's character-strings in zone-file syntax. The suite's
    code points below 256 are written as the one byte each (Latin-1: the
    raw bytes its authors meant, a UTF-8 BOM for "\\xEF\\xBB\\xBF");
    FORMAT.md: the expected results are the same either way. A string
    longer than 255 bytes becomes several, as a zone's author must."""
    strings = value if isinstance(value, list) else [value]
    if not strings:
        return r"\# 0"  # a TXT record of no character-string at all (RFC 3597 syntax)
    out = []
    for s in strings:
        data = s.encode("latin-1")
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
        for chunk in chunks:
            text = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else "\\%03d" % b for b in chunk)
            out.append(f'"{text}"')
    return " ".join(out)


def zone_file(zonedata, extra_names=()):
    """The zone file serve.py loads for one scenario, and the TIMEOUT
    rules for the proxy.

    One zone per top-level domain (`$ORIGIN com.`, ...) holds every name:
    a name the scenario does not list then has no records (NXDOMAIN from
    NSD), as the suite requires, wherever a macro or mechanism leads.
    The suite's rules (tests/rfc7208/FORMAT.md): SPF values are also
    served as TXT unless the name has a TXT entry; `TXT: NONE` only blocks
    that; TIMEOUT makes every type time out but the ones with records
    listed before it."""
    by_tld, timeouts = {}, {}
    tlds = set()
    for name in list(zonedata) + list(extra_names):
        labels = name.rstrip(".").split(".")
        if len(labels) > 1 and re.fullmatch(r"[A-Za-z0-9-]+", labels[-1]):
            tlds.add(labels[-1].lower())
    for tld in tlds:
        by_tld[tld] = []
    for name, entries in zonedata.items():
        tld = name.rstrip(".").split(".")[-1].lower()
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        records, seen_types = [], set()
        for entry in entries:
            if entry == "TIMEOUT":
                timeouts[name.rstrip(".").lower()] = set(seen_types)
                continue
            (rtype, value), = entry.items()
            if rtype == "TXT" and value == "NONE":
                continue
            if rtype in ("SPF", "TXT"):
                # NSD refuses an SPF-type record of no string (`SPF: [ ]`);
                # its TXT copy is served, and nothing queries type SPF.
                if rtype == "TXT" or value != []:
                    records.append((rtype, character_strings(value)))
                seen_types.add(rtype)
                if rtype == "SPF" and not has_txt:
                    records.append(("TXT", character_strings(value)))
                    seen_types.add("TXT")
            elif rtype in ("A", "AAAA"):
                records.append((rtype, value))
                seen_types.add(rtype)
            elif rtype == "MX":
                records.append((rtype, f"{value[0]} {zone_name(value[1])}"))
                seen_types.add(rtype)
            elif rtype in ("PTR", "CNAME"):
                records.append((rtype, zone_name(value)))
                seen_types.add(rtype)
            else:
                raise ValueError(f"{name}: unknown record type {rtype}")
        by_tld[tld].extend(f"{zone_name(name)} 300 IN {rtype} {rdata}" for rtype, rdata in records)
    text = ["$TTL 300"]
    for tld in sorted(by_tld):
        text.append(f"$ORIGIN {tld}.")
        text.extend(by_tld[tld])
    return "\n".join(text) + "\n", timeouts


def suite_groups():
    with open(SUITE, encoding="utf-8") as f:
        scenarios = json.load(f)
    groups = []
    for number, scenario in enumerate(scenarios, 1):
        tests = scenario["tests"]
        extra = []
        for t in tests.values():
            extra.append(t["helo"])
            extra.append(t["mailfrom"].rpartition("@")[2])
        text, timeouts = zone_file(scenario["zonedata"], extra)
        group = Group(f"rfc7208-{number:02d}", text, timeouts, STOCK_CONF)
        for name, t in tests.items():
            result = t["result"] if isinstance(t["result"], str) else "/".join(t["result"])
            group.requests.append(Request(
                id=f"rfc7208/{name}",
                client=postfix_client_address(t["host"]),
                helo=t["helo"],
                # Postfix passes MAIL FROM's address as given: `<>` is the
                # empty sender, `<@example.net>` stays `@example.net`
                # (checked against Postfix 3.7.11).
                sender=t["mailfrom"],
                recipient="postmaster@mx.receiver.example",
                instance=new_instance(),
                note=f"{scenario['description']}; RFC 7208 §{t.get('spec', '?')}; suite expects {result}",
            ))
        groups.append(group)
    return groups


def forwarder_groups():
    """Seed 003: mail a forwarder relays for an original sender whose SPF
    then fails, under each configuration of corpus/forwarders.json."""
    with open(os.path.join(CORPUS, "forwarders.json"), encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(CORPUS, spec["zone"]), encoding="utf-8") as f:
        text = f.read()
    timeouts = {n.lower(): set() for n in spec.get("timeouts", [])}
    groups = []
    for conf in spec["configurations"]:
        group = Group(f"seed003-{conf['name']}", text, timeouts, os.path.join(CORPUS, conf["file"]) if conf["file"] else STOCK_CONF)
        for message in spec["messages"]:
            instance = new_instance()
            for n, recipient in enumerate(message["recipients"], 1):
                suffix = f"/rcpt{n}" if len(message["recipients"]) > 1 else ""
                group.requests.append(Request(
                    id=f"seed003/{conf['name']}/{message['name']}{suffix}",
                    client=postfix_client_address(message["client"]),
                    helo=message["helo"],
                    sender=message["sender"],
                    recipient=recipient,
                    instance=instance,
                    note=message["note"],
                ))
        groups.append(group)
    return groups


def corpus():
    return suite_groups() + forwarder_groups()


# ----------------------------------------------------------- DNS proxy

def parse_question(message):
    """(name in lower case without the trailing dot, type number) of a DNS
    query, or None."""
    if len(message) < 12:
        return None
    pos, labels = 12, []
    while pos < len(message):
        n = message[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 or pos + 1 + n > len(message):
            return None
        labels.append(message[pos + 1:pos + 1 + n])
        pos += 1 + n
    else:
        return None
    if pos + 4 > len(message):
        return None
    qtype = struct.unpack(">H", message[pos:pos + 2])[0]
    return b".".join(labels).decode("latin-1").lower(), qtype, pos + 4


TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 99: "SPF"}


class DnsProxy:
    """UDP and TCP on one port of 127.0.0.1, in front of NSD (see the
    module's description). Queries it passes go to NSD unchanged."""

    def __init__(self, upstream_port, timeouts, real_timeouts=False):
        self.upstream = ("127.0.0.1", upstream_port)
        self.timeouts = timeouts
        self.real_timeouts = real_timeouts
        self.refused = set()
        self.failed_on_purpose = set()
        self.lock = threading.Lock()
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.udp.bind(("127.0.0.1", 0))
                self.port = self.udp.getsockname()[1]
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise RuntimeError("no port free for both UDP and TCP")
        self.tcp.listen(64)
        self.stopping = False
        self.threads = [threading.Thread(target=self.serve_udp, daemon=True),
                        threading.Thread(target=self.serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def times_out(self, question):
        if question is None:
            return False
        name, qtype, _ = question
        answering = self.timeouts.get(name)
        if answering is None:
            return False
        if TYPES.get(qtype, str(qtype)) in answering:
            return False
        with self.lock:
            self.failed_on_purpose.add((name, TYPES.get(qtype, str(qtype))))
        return True

    def outside_zones(self, query, question, reply):
        """NSD's reply, or NXDOMAIN where NSD refused a name outside every
        zone it serves (a single-label HELO such as `OEMCOMPUTER`, or what
        a macro made of one): the suite's absent names have no records,
        and the root would say that such a top-level domain does not
        exist. pydns reads REFUSED as no records, spfkit as a temperror;
        NXDOMAIN leaves neither a choice."""
        if question is None or len(reply) < 4 or reply[3] & 0x0F != 5:
            return reply
        with self.lock:
            self.refused.add((question[0], TYPES.get(question[1], str(question[1]))))
        flags = 0x8000 | (query[2] << 8 & 0x7900) | 0x0400 | 3
        return query[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + query[12:question[2]]

    def serve_udp(self):
        while not self.stopping:
            ready, _, _ = select.select([self.udp], [], [], 0.2)
            if not ready:
                continue
            try:
                query, client = self.udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self.answer_udp, args=(query, client), daemon=True).start()

    def answer_udp(self, query, client):
        question = parse_question(query)
        if self.times_out(question):
            if self.real_timeouts:
                return
            # QR, the query's opcode and RD, TC set; RCODE 0; the question
            # alone: "try TCP", where the name gets no answer either.
            flags = 0x8000 | (query[2] << 8 & 0x7900) | 0x0200
            reply = query[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + query[12:question[2]]
            self.udp.sendto(reply, client)
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(5)
            try:
                up.sendto(query, self.upstream)
                reply = up.recv(65535)
            except OSError:
                return
        reply = self.outside_zones(query, question, reply)
        try:
            self.udp.sendto(reply, client)
        except OSError:
            pass

    def serve_tcp(self):
        while not self.stopping:
            ready, _, _ = select.select([self.tcp], [], [], 0.2)
            if not ready:
                continue
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self.answer_tcp, args=(conn,), daemon=True).start()

    @staticmethod
    def read_message(conn):
        def exactly(n):
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    return None
                data += chunk
            return data
        head = exactly(2)
        return head and exactly(struct.unpack(">H", head)[0])

    def answer_tcp(self, conn):
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    query = self.read_message(conn)
                    if not query:
                        return
                    question = parse_question(query)
                    if self.times_out(question):
                        # Held open unanswered until the client gives up.
                        while self.real_timeouts and not self.stopping and not select.select([conn], [], [], 0.5)[0]:
                            pass
                        return  # closed unanswered
                    with socket.create_connection(self.upstream, timeout=5) as up:
                        up.sendall(struct.pack(">H", len(query)) + query)
                        reply = self.read_message(up)
                    if reply is None:
                        return
                    reply = self.outside_zones(query, question, reply)
                    conn.sendall(struct.pack(">H", len(reply)) + reply)
            except OSError:
                return

    def close(self):
        self.stopping = True
        for t in self.threads:
            t.join()
        self.udp.close()
        self.tcp.close()


class NameServer:
    """tests/dns/serve.py for one zone file, with the proxy in front."""

    def __init__(self, zone_text, timeouts, workdir, real_timeouts=False):
        path = os.path.join(workdir, "zone")
        with open(path, "w", encoding="latin-1") as f:
            f.write(zone_text)
        self.process = subprocess.Popen([sys.executable, SERVE, path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.process.stdin.close()
            self.process.wait()
            raise RuntimeError(f"serve.py did not start NSD for {path}")
        self.nsd_port = int(line)
        self.proxy = DnsProxy(self.nsd_port, timeouts, real_timeouts)
        self.port = self.proxy.port

    def close(self):
        self.proxy.close()
        self.process.stdin.close()
        self.process.wait(timeout=30)


# -------------------------------------------------------- the programs

def converse(argv, requests):
    """Every request on standard input at once, as one Postfix connection
    would send them (the replies do not change what is asked next); the
    replies, one per request."""
    text = "".join(request_text(r) for r in requests)
    done = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True, timeout=RUN_SECONDS)
    replies = [block for block in done.stdout.decode("utf-8", "replace").split("\n\n") if block.strip()]
    if len(replies) != len(requests):
        raise RuntimeError(f"{argv[0]}: {len(replies)} replies to {len(requests)} requests (exit {done.returncode})\n"
                           f"stderr: {done.stderr.decode('utf-8', 'replace')[-2000:]}")
    for reply in replies:
        if not reply.startswith("action="):
            raise RuntimeError(f"{argv[0]}: not a reply: {reply!r}")
    return [reply.strip()[len("action="):] for reply in replies]


def run_group(group, real_timeouts=False):
    """(policyd-spf's replies, spfkit's replies, spfkit's log lines,
    refused names, names failed on purpose) for one group."""
    workdir = tempfile.mkdtemp(prefix="spfkit-cmp-")
    ns = None
    try:
        ns = NameServer(group.zone_text, group.timeouts, workdir, real_timeouts)
        log = os.path.join(workdir, "spfkit.log")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            theirs = pool.submit(converse, ["/usr/bin/python3", POLICYD_SPF, str(ns.port), group.conf], group.requests)
            ours = pool.submit(converse, [spfkit_binary(), "policyd", "--policyd-spf-conf", group.conf,
                                          "--nameserver", f"127.0.0.1:{ns.port}", "--log-file", log], group.requests)
            theirs, ours = theirs.result(), ours.result()
        with open(log, encoding="utf-8", errors="replace") as f:
            decisions = [line for line in f if " decision: " in line]
        return theirs, ours, decisions, set(ns.proxy.refused), set(ns.proxy.failed_on_purpose)
    finally:
        if ns is not None:
            ns.close()
        shutil.rmtree(workdir, ignore_errors=True)


# -------------------------------------------------------- normalising

ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


def normalise(action):
    """A reply reduced to what the decision is, as one string:

    - `reject CODE ENHANCED` (a 5xx reply or REJECT),
    - `defer VERB-OR-CODE ENHANCED` (4xx, DEFER, DEFER_IF_PERMIT, DEFER_IF_REJECT),
    - `prepend HEADER` and, for Received-SPF and Authentication-Results,
      `: RESULT identity=IDENTITY`,
    - `dunno`, or `other VERB`.

    The free text (explanations, URLs, comments, receiver=, client-ip=)
    is left out: the two programs word it differently by design."""
    words = action.split()
    verb = words[0].lower() if words else ""
    rest = words[1:]
    status = rest[0] if rest and ENHANCED.match(rest[0]) else "-"
    if re.fullmatch(r"5\d\d", verb) or verb == "reject":
        return f"reject {verb.upper()} {status}"
    if re.fullmatch(r"4\d\d", verb) or verb in ("defer", "defer_if_permit", "defer_if_reject"):
        return f"defer {verb.upper()} {status}"
    if verb == "dunno":
        return "dunno"
    if verb == "prepend":
        header = action.split(None, 1)[1] if len(words) > 1 else ""
        name, _, value = header.partition(":")
        name = name.strip()
        if name.lower() == "received-spf":
            result = value.split()[0].lower() if value.split() else "?"
            identity = re.search(r"\bidentity=([^;\s]+)", value)
            return f"prepend Received-SPF: {result} identity={identity.group(1).lower() if identity else '?'}"
        if name.lower() == "authentication-results":
            m = re.search(r"\bspf=(\w+)", value)
            ident = re.search(r"\bsmtp\.(mailfrom|helo)=", value)
            return (f"prepend Authentication-Results: {m.group(1).lower() if m else '?'} "
                    f"identity={ident.group(1) if ident else '?'}")
        return f"prepend {name}"
    return f"other {verb.upper()}"


# -------------------------------------------------------- comparing

@dataclass
class Outcome:
    request: Request
    group: str
    theirs_raw: str
    ours_raw: str
    theirs: str
    ours: str
    log: str = ""


class Run:
    def __init__(self, outcomes, refused, failed_on_purpose):
        self.outcomes = outcomes
        self.refused = refused
        self.failed_on_purpose = failed_on_purpose

    @property
    def differences(self):
        return [o for o in self.outcomes if o.theirs != o.ours]


def run_corpus(groups=None, workers=4, real_timeouts=False):
    groups = corpus() if groups is None else groups
    ids = [r.id for g in groups for r in g.requests]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"request ids used twice: {sorted(duplicates)}")
    outcomes, refused, failed = [], {}, {}
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda g: run_group(g, real_timeouts), groups))
    for group, (theirs, ours, decisions, group_refused, group_failed) in zip(groups, results):
        by_instance = {}
        for line in decisions:
            m = re.search(r" recipient=(\S+) instance=(\S+) ", line)
            if m:
                by_instance[(m.group(2), m.group(1))] = line.split(" decision: ", 1)[1].strip()
        for request, t, o in zip(group.requests, theirs, ours):
            outcomes.append(Outcome(request, group.name, t, o, normalise(t), normalise(o),
                                    by_instance.get((request.instance, request.recipient), "")))
        if group_refused:
            refused[group.name] = sorted(group_refused)
        if group_failed:
            failed[group.name] = sorted(group_failed)
    return Run(outcomes, refused, failed)


def load_expected(path=EXPECTED):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    entries = data["differences"]
    ids = [e["id"] for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: an id listed twice")
    for e in entries:
        missing = {"id", "policyd-spf", "spfkit", "category", "reason"} - set(e)
        if missing:
            raise ValueError(f"{path}: {e.get('id')}: missing {sorted(missing)}")
        if e["category"] not in data["categories"]:
            raise ValueError(f"{path}: {e['id']}: unknown category {e['category']!r}")
    return data


def check(run, expected):
    """(problems, matched): every difference must be listed with both
    decisions as they are now; every listed one must still occur."""
    listed = {e["id"]: e for e in expected["differences"]}
    problems, matched = [], 0
    seen = set()
    for o in run.differences:
        e = listed.get(o.request.id)
        seen.add(o.request.id)
        if e is None:
            problems.append(f"new difference {o.request.id}: policyd-spf `{o.theirs}`, spfkit `{o.ours}` "
                            f"(raw: {o.theirs_raw!r} / {o.ours_raw!r})")
        elif (e["policyd-spf"], e["spfkit"]) != (o.theirs, o.ours):
            problems.append(f"changed difference {o.request.id}: now policyd-spf `{o.theirs}`, spfkit `{o.ours}`; "
                            f"listed as `{e['policyd-spf']}` / `{e['spfkit']}`")
        else:
            matched += 1
    corpus_ids = {o.request.id for o in run.outcomes}
    for i, e in listed.items():
        if i not in seen:
            where = "no longer differs" if i in corpus_ids else "is not in the corpus"
            problems.append(f"listed difference {i} {where}")
    return problems, matched


def docs_section(path=DOCS):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.find("\n" + DOCS_SECTION + "\n")
    if start < 0:
        return None
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


# ------------------------------------------------------------ the CLI

def table(rows, headers):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every request, not only the differences")
    parser.add_argument("--check", action="store_true", help="compare with expected-differences.json; exit 1 on a mismatch")
    parser.add_argument("--raw", action="store_true", help="also the raw replies and spfkit's log line")
    parser.add_argument("--only", help="only requests whose id contains this text")
    parser.add_argument("--real-timeouts", action="store_true",
                        help="drop the queries for TIMEOUT names instead of failing them at once (minutes)")
    args = parser.parse_args(argv)
    groups = corpus()
    if args.only:
        for g in groups:
            g.requests = [r for r in g.requests if args.only in r.id]
        groups = [g for g in groups if g.requests]
    if args.real_timeouts:
        global RUN_SECONDS
        RUN_SECONDS = 1800
    run = run_corpus(groups, workers=len(groups) if args.real_timeouts else 4, real_timeouts=args.real_timeouts)
    expected = load_expected()
    listed = {e["id"]: e for e in expected["differences"]}
    shown = run.outcomes if args.all else run.differences
    rows = []
    for o in shown:
        e = listed.get(o.request.id)
        mark = "=" if o.theirs == o.ours else (e["category"] if e and (e["policyd-spf"], e["spfkit"]) == (o.theirs, o.ours) else "NEW")
        rows.append((o.request.id, o.theirs, o.ours, mark))
    print(table(rows, ("request", "policyd-spf", "spfkit", "expected as")))
    if args.raw:
        for o in shown:
            print(f"\n{o.request.id} ({o.request.note})\n  client={o.request.client} helo={o.request.helo!r} "
                  f"sender={o.request.sender!r}\n  policyd-spf: {o.theirs_raw}\n  spfkit:      {o.ours_raw}\n  spfkit log:  {o.log}")
    print(f"\n{len(run.outcomes)} requests, {len(run.differences)} differences")
    by_category = {}
    for o in run.differences:
        e = listed.get(o.request.id)
        by_category[e["category"] if e else "NEW"] = by_category.get(e["category"] if e else "NEW", 0) + 1
    for c, n in sorted(by_category.items()):
        print(f"  {n:4d}  {c}")
    if run.refused:
        print(f"names outside every zone (answered NXDOMAIN): {run.refused}")
    if args.check:
        problems, _ = check(run, expected)
        for p in problems:
            print(p)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
