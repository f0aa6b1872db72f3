"""analyze(): the record tree, counts equal to an evaluation's, warnings
with spans in str indices, drafts; blocking and asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

import spfkit

ZONE: dict[tuple[str, str], Any] = {
    ("example.com", "TXT"): ["v=spf1 mx a:gone.example.com include:_spf.provider.example ptr ?all"],
    ("example.com", "MX"): [(10, "mx.example.com")],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("_spf.provider.example", "TXT"): ["v=spf1 ip4:198.51.100.0/24 ip4:198.51.100.0/25 -all"],
}


def resolve(name: str, rdtype: str) -> Any:
    if (name, rdtype) in ZONE:
        return ZONE[(name, rdtype)]
    return spfkit.NODATA if any(n == name for n, _ in ZONE) else spfkit.NXDOMAIN


def test_tree_counts_and_warnings() -> None:
    r = spfkit.analyze("example.com", resolver=resolve)
    assert [(n.domain, n.via, n.source) for n in r.nodes] == [
        ("example.com", "root", "dns"),
        ("_spf.provider.example", "include", "dns"),
    ]
    assert (r.dns_terms, r.void_lookups) == (4, 1)
    assert not r.exceeds_dns_terms and not r.exceeds_void_lookups
    assert {n.network for n in r.networks} >= {"192.0.2.10/32", "198.51.100.0/24", "198.51.100.0/25"}
    assert r.ipv4_addresses == 257
    codes = {w.code for w in r.warnings}
    assert {"ptr", "neutral-all", "overlapping-network"} <= codes, r.warnings
    ptr = next(w for w in r.warnings if w.code == "ptr")
    record = r.nodes[ptr.node].record
    assert record is not None and ptr.span is not None and record[ptr.span[0] : ptr.span[1]] == "ptr"
    assert (0, "ptr") in r.client_dependent
    assert "warning ptr" in str(r) and "DNS-querying terms: 4 of 10" in str(r)
    # The analysis counts what an evaluation that matches nothing counts; the
    # evaluation's one more void lookup is ptr's reverse lookup of this
    # client, which the analysis lists as client-dependent instead.
    o = spfkit.check_host("203.0.113.1", "a@example.com", "h", resolver=resolve)
    assert (o.counters.dns_terms, o.counters.void_lookups) == (r.dns_terms, r.void_lookups + 1)


def test_draft_with_non_ascii_span() -> None:
    r = spfkit.analyze("example.com", record="v=spf1 a:é.example -all", resolver=resolve)
    assert r.nodes[0].source == "draft"
    w = next(w for w in r.warnings if w.code == "syntax-error")
    record = r.nodes[0].record
    assert record is not None and w.span is not None
    assert record[w.span[0] : w.span[1]] == "é"  # str indices, not bytes


def test_asyncio() -> None:
    async def aresolve(name: str, rdtype: str) -> Any:
        return resolve(name, rdtype)

    r = asyncio.run(spfkit.analyze_async("example.com", resolver=aresolve))
    assert len(r.nodes) == 2 and r.dns_terms == 4
