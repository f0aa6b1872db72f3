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
A list of more than 5,956 records (more than one DNS message can carry),
or of TXT records over 65,535 bytes in all, is no DNS answer either:
temperror, as a truncated response is. (ResolverError is for values of
the wrong type or shape: a bug in the resolver, not in a zone.)
"""

from __future__ import annotations

from typing import Any, Optional, Union

from ._args import seconds
from ._spfkit import NODATA, NXDOMAIN, TEMPERROR

__all__ = ["DnspythonResolver", "AsyncDnspythonResolver"]

Answer = Union[list[Any], bytes, Any]


def _records(rdtype: str, rrset: Any) -> list[Any]:
    out: list[Any] = []
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


def _answer(rdtype: str, answer: Any) -> Answer:
    import dns.flags

    # A truncated response (TC) that dnspython kept: it retries a truncated
    # UDP answer over TCP, so this one came over TCP and is still incomplete.
    # An answer too big for any DNS message ends so: not a missing record but
    # a lookup that did not complete, temperror (RFC 7208 section 4.4).
    response = getattr(answer, "response", None)
    if response is not None and response.flags & dns.flags.TC:
        return TEMPERROR
    if answer.rrset is None:
        return NODATA
    return _records(rdtype, answer.rrset)


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
    honoured as dnspython reads it). ``timeout`` bounds each query, in
    seconds (dnspython's ``lifetime``); ``None`` keeps the resolver's own.
    An answer that arrives truncated (TC) even over TCP is temperror.

    To ask a chosen server and port::

        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = 5353
        spfkit.check(ip, sender, helo, resolver=spfkit.DnspythonResolver(r))
    A blocking check takes as long as its resolver lets it: one query may
    take ``timeout``, and an evaluation asks at most a few dozen.
    """

    def __init__(self, resolver: Optional[Any] = None, *, timeout: Optional[float] = 5.0) -> None:
        import dns.resolver

        self.resolver = resolver if resolver is not None else dns.resolver.get_default_resolver()
        self.timeout = seconds("timeout", timeout, none_ok=True)

    def __call__(self, name: str, rdtype: str) -> Answer:
        import dns.exception

        try:
            answer = self.resolver.resolve(
                name, rdtype, search=False, raise_on_no_answer=False, lifetime=self.timeout
            )
        except dns.exception.DNSException as e:
            return _failure(e)
        return _answer(rdtype, answer)


class AsyncDnspythonResolver:
    """Asyncio lookups through a ``dns.asyncresolver.Resolver``; as
    DnspythonResolver otherwise (``timeout`` in seconds, per query)."""

    def __init__(self, resolver: Optional[Any] = None, *, timeout: Optional[float] = 5.0) -> None:
        import dns.asyncresolver

        self.resolver = resolver if resolver is not None else dns.asyncresolver.get_default_resolver()
        self.timeout = seconds("timeout", timeout, none_ok=True)

    async def __call__(self, name: str, rdtype: str) -> Answer:
        import dns.exception

        try:
            answer = await self.resolver.resolve(
                name, rdtype, search=False, raise_on_no_answer=False, lifetime=self.timeout
            )
        except dns.exception.DNSException as e:
            return _failure(e)
        return _answer(rdtype, answer)
