"""dnspython as spfkit's default resolver, blocking and asyncio.

A resolver, for spfkit, is any callable ``resolve(name, rdtype)`` (a
coroutine function for the asyncio API) where ``name`` is an ASCII domain
without a trailing dot and ``rdtype`` one of ``"A" "AAAA" "MX" "TXT"
"PTR"``. It returns one of:

- a list of records: TXT as ``bytes`` or ``str`` (the record's strings
  joined) or a tuple of its strings; A/AAAA as ``str``, an ``ipaddress``
  object or packed ``bytes``; MX as ``(preference, exchange)``; PTR as
  ``str``. An empty list is NODATA.
- ``spfkit.NXDOMAIN``, ``spfkit.NODATA`` or ``spfkit.TEMPERROR``;
- the ``bytes`` of a whole DNS response message.

An ``Exception`` it raises counts as a temporary DNS error (temperror).
"""

from __future__ import annotations

from typing import Any, Optional, Union

from ._spfkit import NODATA, NXDOMAIN, TEMPERROR

__all__ = ["DnspythonResolver", "AsyncDnspythonResolver"]

Answer = Union[list, bytes, Any]


def _records(rdtype: str, rrset: Any) -> list:
    out: list = []
    for r in rrset:
        if rdtype == "TXT":
            out.append(b"".join(r.strings))
        elif rdtype in ("A", "AAAA"):
            out.append(r.address)
        elif rdtype == "MX":
            out.append((r.preference, r.exchange.to_text(omit_final_dot=True)))
        elif rdtype == "PTR":
            out.append(r.target.to_text(omit_final_dot=True))
    return out


def _failure(exc: BaseException) -> Any:
    import dns.resolver

    if isinstance(exc, dns.resolver.NXDOMAIN):
        return NXDOMAIN
    if isinstance(exc, dns.resolver.NoAnswer):
        return NODATA
    return TEMPERROR


class DnspythonResolver:
    """Blocking lookups through a ``dns.resolver.Resolver``.

    With no ``resolver``, dnspython's default one (``/etc/resolv.conf``,
    honoured as dnspython reads it). ``timeout`` bounds each query in
    seconds (dnspython's ``lifetime``); ``None`` keeps the resolver's own.
    A blocking check takes as long as its resolver lets it: one query may
    take ``timeout``, and an evaluation asks at most a few dozen.
    """

    def __init__(self, resolver: Optional[Any] = None, *, timeout: Optional[float] = 5.0) -> None:
        import dns.resolver

        self.resolver = resolver if resolver is not None else dns.resolver.get_default_resolver()
        self.timeout = timeout

    def __call__(self, name: str, rdtype: str) -> Answer:
        import dns.exception

        try:
            answer = self.resolver.resolve(
                name, rdtype, search=False, raise_on_no_answer=False, lifetime=self.timeout
            )
        except dns.exception.DNSException as e:
            return _failure(e)
        if answer.rrset is None:
            return NODATA
        return _records(rdtype, answer.rrset)


class AsyncDnspythonResolver:
    """Asyncio lookups through a ``dns.asyncresolver.Resolver``; as
    DnspythonResolver otherwise."""

    def __init__(self, resolver: Optional[Any] = None, *, timeout: Optional[float] = 5.0) -> None:
        import dns.asyncresolver

        self.resolver = resolver if resolver is not None else dns.asyncresolver.get_default_resolver()
        self.timeout = timeout

    async def __call__(self, name: str, rdtype: str) -> Answer:
        import dns.exception

        try:
            answer = await self.resolver.resolve(
                name, rdtype, search=False, raise_on_no_answer=False, lifetime=self.timeout
            )
        except dns.exception.DNSException as e:
            return _failure(e)
        if answer.rrset is None:
            return NODATA
        return _records(rdtype, answer.rrset)
