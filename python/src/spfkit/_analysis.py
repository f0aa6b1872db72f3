"""analyze(): a domain's SPF record tree as an evaluation would count it."""

from __future__ import annotations

from typing import Any, Optional

from . import _spfkit
from ._check import DEFAULT_TIMEOUT, AsyncResolver, Resolver, _callable, _drive
from ._resolvers import AsyncDnspythonResolver, DnspythonResolver
from ._spfkit import Analysis, Report
from ._types import Limits

__all__ = ["analyze", "analyze_async"]


def _options(record: Optional[str], limits: Optional[Limits], ipv6_client: bool, max_nodes: int) -> dict[str, Any]:
    return {
        "record": record,
        "limits": limits,
        "ipv6_client": ipv6_client,
        "max_nodes": max_nodes,
    }


def analyze(
    domain: str,
    *,
    record: Optional[str] = None,
    resolver: Optional[Resolver] = None,
    limits: Optional[Limits] = None,
    ipv6_client: bool = False,
    max_nodes: int = 100,
) -> Report:
    """Walks ``domain``'s record tree (include, redirect, the names a and mx
    query) and reports each record with its DNS cost, the worst-case counts
    of DNS-querying terms and void lookups (counted as an evaluation counts
    them), the networks authorised, client-dependent terms and warnings with
    stable codes. ``record`` tests a draft for ``domain`` before it is
    published; the rest of the tree still comes from DNS. ``str(report)`` is
    what ``spfkit lint`` prints."""
    return _spfkit.analyze(
        domain,
        resolver if resolver is not None else DnspythonResolver(),
        **_options(record, limits, ipv6_client, max_nodes),
    )


async def analyze_async(
    domain: str,
    *,
    record: Optional[str] = None,
    resolver: Optional[AsyncResolver] = None,
    timeout: float = DEFAULT_TIMEOUT,
    limits: Optional[Limits] = None,
    ipv6_client: bool = False,
    max_nodes: int = 100,
) -> Report:
    """analyze() for asyncio; each step's lookups are awaited together."""
    an = Analysis(domain, **_options(record, limits, ipv6_client, max_nodes))
    report: Report = await _drive(an, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), timeout)
    return report
