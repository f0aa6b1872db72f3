"""analyze(): a domain's SPF record tree as an evaluation would count it."""

from __future__ import annotations

from typing import Any, Coroutine, Optional

from . import _spfkit
from ._check import DEFAULT_TIMEOUT, AsyncResolver, Resolver, _callable, _coroutine_function, _drive, _timeout
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
    what ``spfkit lint`` prints. It takes as long as ``resolver`` lets it
    (``DnspythonResolver(timeout=...)``: seconds per query). ``domain`` must
    be a domain (InvalidArgumentError with the reason otherwise);
    ``max_nodes`` is 1 to 1,000."""
    return _spfkit.analyze(
        domain,
        resolver if resolver is not None else DnspythonResolver(),
        **_options(record, limits, ipv6_client, max_nodes),
    )


def analyze_async(
    domain: str,
    *,
    record: Optional[str] = None,
    resolver: Optional[AsyncResolver] = None,
    timeout: float = DEFAULT_TIMEOUT,
    limits: Optional[Limits] = None,
    ipv6_client: bool = False,
    max_nodes: int = 100,
) -> Coroutine[Any, Any, Report]:
    """analyze() for asyncio; each step's lookups are awaited together.
    ``timeout`` is in seconds for the whole analysis, as check_async()'s:
    past it, lookups still out and any the walk would still make are
    temporary errors (``dns-error`` warnings). The arguments are checked
    when it is called, before the coroutine it returns is awaited."""
    seconds = _timeout(timeout)
    an = Analysis(domain, **_options(record, limits, ipv6_client, max_nodes))
    return _drive(an, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), seconds)


_coroutine_function(analyze_async)
