"""check() and check_host(), blocking and asyncio."""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
from typing import Any, Awaitable, Callable, Iterable, Optional, Union

from . import _spfkit
from ._errors import InternalError, InvalidArgumentError
from ._resolvers import AsyncDnspythonResolver
from ._spfkit import TEMPERROR, Evaluation, Outcome, Query, RecordCache
from ._types import Identity, Limits, Result

__all__ = ["check", "check_host", "check_async", "check_host_async", "DEFAULT_TIMEOUT"]

#: RFC 7208 section 4.6.4 advises at least 20 seconds for a whole check.
DEFAULT_TIMEOUT = 20.0

Address = Union[str, ipaddress.IPv4Address, ipaddress.IPv6Address]
Resolver = Callable[[str, str], Any]
AsyncResolver = Callable[[str, str], Union[Awaitable[Any], Any]]


# The blocking check() and check_host() are native (spfkit._spfkit): a mail
# filter calls them for every message, and a Python layer in between cost
# about a tenth of a check. Their documentation is the native docstrings.
check = _spfkit.check
check_host = _spfkit.check_host


async def _ask(resolver: AsyncResolver, name: str, rdtype: str) -> Any:
    try:
        answer = resolver(name, rdtype)
        if inspect.isawaitable(answer):
            answer = await answer
        return answer
    except Exception:
        # A resolver that fails is a DNS failure: temperror (RFC 7208 section 2.6.6).
        return TEMPERROR


def _callable(resolver: Any) -> Any:
    if not callable(resolver):
        raise TypeError(f"resolver must be callable, not {type(resolver).__name__}")
    return resolver


async def _drive(ev: Any, resolver: AsyncResolver, timeout: float) -> Any:
    # ev: an Evaluation or an Analysis (the same step API); returns its outcome.
    out: list[Query] = []  # the step's queries not answered yet

    async def run() -> None:
        while True:
            queries = ev.next()
            if queries is None:
                return
            if not queries:
                # Every query is answered before next() is called again.
                raise InternalError("the evaluation waits although every query was answered")
            out[:] = queries
            if len(queries) == 1:
                # Most steps ask one thing: await it directly, no task needed.
                (q,) = queries
                answer = await _ask(resolver, q.name, q.type)
                out.clear()
                ev.answer(q, answer)
            else:
                # Every query of a step at once: an mx term's ten hosts cost one round trip.
                answers = await asyncio.gather(*(_ask(resolver, q.name, q.type) for q in queries))
                out.clear()
                for q, answer in zip(queries, answers):
                    ev.answer(q, answer)

    try:
        await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        # Past the deadline whatever is still out is a temporary error, and so
        # is anything the evaluation would still ask: it ends now.
        for q in out:
            ev.answer(q, TEMPERROR)
        while (queries := ev.next()) is not None:
            if not queries:
                raise InternalError("the evaluation waits although every query was answered")
            for q in queries:
                ev.answer(q, TEMPERROR)
    outcome = ev.outcome
    assert outcome is not None
    return outcome


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

    ``resolver`` is a coroutine function, ``spfkit.AsyncDnspythonResolver``
    when omitted. After ``timeout`` seconds in all, queries still
    unanswered are cancelled and count as temporary errors, so the check
    ends (with temperror) even if a resolver never answers. A resolver must
    let itself be cancelled; a plain function is accepted, but it blocks
    the event loop while it runs and no timeout can interrupt it.
    """
    # The native Evaluation checks every argument as check() does.
    ev = Evaluation(
        ip, sender, helo, identity="both", plan=plan, receiver=receiver, limits=limits,
        default_explanation=default_explanation, trace=trace, always_mail_from=always_mail_from,
        definitive=definitive, timestamp=timestamp, cache=cache,
    )
    return await _drive(ev, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), timeout)


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
    if str(identity) not in ("mailfrom", "helo"):
        raise InvalidArgumentError(f"identity must be 'mailfrom' or 'helo', not {str(identity)!r}")
    ev = Evaluation(
        ip, sender, helo, identity=identity, plan=plan, receiver=receiver, limits=limits,
        default_explanation=default_explanation, trace=trace, timestamp=timestamp, cache=cache,
    )
    return await _drive(ev, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), timeout)
