"""check() and check_host(), blocking and asyncio."""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
from typing import Any, Awaitable, Callable, Iterable, Optional, Union

from . import _spfkit
from ._errors import InvalidArgumentError
from ._resolvers import AsyncDnspythonResolver, DnspythonResolver
from ._spfkit import TEMPERROR, Evaluation, Outcome, RecordCache
from ._types import Identity, Limits, Result

__all__ = ["check", "check_host", "check_async", "check_host_async", "DEFAULT_TIMEOUT"]

#: RFC 7208 section 4.6.4 advises at least 20 seconds for a whole check.
DEFAULT_TIMEOUT = 20.0

Address = Union[str, ipaddress.IPv4Address, ipaddress.IPv6Address]
Resolver = Callable[[str, str], Any]
AsyncResolver = Callable[[str, str], Union[Awaitable[Any], Any]]


def _options(
    identity: str,
    plan: str,
    receiver: Optional[str],
    limits: Optional[Limits],
    default_explanation: Optional[str],
    trace: bool,
    always_mail_from: bool,
    definitive: Optional[Iterable[Union[Result, str]]],
    timestamp: Optional[int],
    cache: Optional[RecordCache],
) -> dict[str, Any]:
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a spfkit.Limits, not {type(limits).__name__}")
    return {
        "identity": str(identity),
        "plan": plan,
        "receiver": receiver,
        "limits": limits._as_tuple() if limits is not None else None,
        "default_explanation": default_explanation,
        "trace": trace,
        "always_mail_from": always_mail_from,
        "definitive": [str(r) for r in definitive] if definitive is not None else None,
        "timestamp": timestamp,
        "cache": cache,
    }


def _ip(ip: Address) -> str:
    if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(ip)
    if not isinstance(ip, str):
        raise TypeError(f"ip must be a str or an ipaddress object, not {type(ip).__name__}")
    return ip


def _identity(identity: Union[Identity, str]) -> str:
    value = str(identity)
    if value not in ("mailfrom", "helo"):
        raise InvalidArgumentError(f"identity must be 'mailfrom' or 'helo', not {value!r}")
    return value


def check(
    ip: Address,
    sender: str,
    helo: str,
    *,
    resolver: Optional[Resolver] = None,
    receiver: Optional[str] = None,
    limits: Optional[Limits] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    always_mail_from: bool = False,
    definitive: Optional[Iterable[Union[Result, str]]] = None,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "batched",
) -> Outcome:
    """Checks a connection as RFC 7208 sections 2.3 and 2.4 say: HELO first
    when it is a domain, then MAIL FROM unless HELO passed or failed.

    ``sender`` is the MAIL FROM address (``""`` or ``"<>"`` for the null
    reverse-path). ``resolver`` answers each DNS query (see
    ``spfkit.DnspythonResolver`` for the form); dnspython's default resolver
    when omitted. It blocks as long as the resolver does.
    """
    return _spfkit.check(
        _ip(ip),
        sender,
        helo,
        resolver if resolver is not None else DnspythonResolver(),
        **_options(
            "both", plan, receiver, limits, default_explanation, trace, always_mail_from, definitive,
            timestamp, cache,
        ),
    )


def check_host(
    ip: Address,
    sender: str,
    helo: str,
    *,
    identity: Union[Identity, str] = Identity.MAIL_FROM,
    resolver: Optional[Resolver] = None,
    receiver: Optional[str] = None,
    limits: Optional[Limits] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "batched",
) -> Outcome:
    """One check_host() (RFC 7208 section 4) of a single identity: MAIL FROM
    (postmaster@HELO for the null reverse-path) or HELO."""
    return _spfkit.check(
        _ip(ip),
        sender,
        helo,
        resolver if resolver is not None else DnspythonResolver(),
        **_options(
            _identity(identity), plan, receiver, limits, default_explanation, trace, False, None, timestamp,
            cache,
        ),
    )


async def _ask(resolver: AsyncResolver, name: str, rdtype: str) -> Any:
    try:
        answer = resolver(name, rdtype)
        if inspect.isawaitable(answer):
            answer = await answer
        return answer
    except Exception:
        # A resolver that fails is a DNS failure: temperror (RFC 7208 section 2.6.6).
        return TEMPERROR


async def _drive(ev: Evaluation, resolver: AsyncResolver, timeout: float) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        queries = ev.next()
        if queries is None:
            outcome = ev.outcome
            assert outcome is not None
            return outcome
        # Every query of a step at once: an mx term's ten hosts cost one round trip.
        tasks = [asyncio.ensure_future(_ask(resolver, q.name, q.type)) for q in queries]
        remaining = deadline - loop.time()
        if remaining > 0:
            await asyncio.wait(tasks, timeout=remaining)
        for q, task in zip(queries, tasks):
            if task.done():
                ev.answer(q, task.result())
            else:
                # Past the deadline: whatever is still out is a temporary error.
                task.cancel()
                ev.answer(q, TEMPERROR)


async def check_async(
    ip: Address,
    sender: str,
    helo: str,
    *,
    resolver: Optional[AsyncResolver] = None,
    timeout: float = DEFAULT_TIMEOUT,
    receiver: Optional[str] = None,
    limits: Optional[Limits] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    always_mail_from: bool = False,
    definitive: Optional[Iterable[Union[Result, str]]] = None,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "batched",
) -> Outcome:
    """check() for asyncio: each step's queries are awaited concurrently.

    ``resolver`` is a coroutine function (a plain function works too);
    ``spfkit.AsyncDnspythonResolver`` when omitted. After ``timeout``
    seconds in all, queries still unanswered count as temporary errors, so
    the check ends (with temperror) even if a resolver never answers.
    """
    ev = Evaluation(
        _ip(ip),
        sender,
        helo,
        **_options(
            "both", plan, receiver, limits, default_explanation, trace, always_mail_from, definitive,
            timestamp, cache,
        ),
    )
    return await _drive(ev, resolver if resolver is not None else AsyncDnspythonResolver(), timeout)


async def check_host_async(
    ip: Address,
    sender: str,
    helo: str,
    *,
    identity: Union[Identity, str] = Identity.MAIL_FROM,
    resolver: Optional[AsyncResolver] = None,
    timeout: float = DEFAULT_TIMEOUT,
    receiver: Optional[str] = None,
    limits: Optional[Limits] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "batched",
) -> Outcome:
    """check_host() for asyncio; see check_async()."""
    ev = Evaluation(
        _ip(ip),
        sender,
        helo,
        **_options(
            _identity(identity), plan, receiver, limits, default_explanation, trace, False, None, timestamp,
            cache,
        ),
    )
    return await _drive(ev, resolver if resolver is not None else AsyncDnspythonResolver(), timeout)
