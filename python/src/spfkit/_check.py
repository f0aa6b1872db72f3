"""check() and check_host(), blocking and asyncio."""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import math
from typing import Any, Awaitable, Callable, Coroutine, Iterable, Optional, Union

from . import _args, _spfkit
from ._errors import InternalError
from ._resolvers import AsyncDnspythonResolver
from ._spfkit import TEMPERROR, Evaluation, Outcome, RecordCache
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


async def _ask(resolver: AsyncResolver, name: str, rdtype: str, past: Callable[[], bool]) -> Any:
    # No query is asked once the deadline has passed (a step's other queries
    # may have run the clock out), and an answer that arrives after it
    # counts as temperror, whatever it holds.
    if past():
        return TEMPERROR
    try:
        answer = resolver(name, rdtype)
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception:
        # A resolver that fails is a DNS failure: temperror (RFC 7208 section 2.6.6).
        return TEMPERROR
    return TEMPERROR if past() else answer


def _callable(resolver: Any) -> Any:
    if not callable(resolver):
        raise TypeError(f"resolver must be callable, not {type(resolver).__name__}")
    return resolver


async def _drive(ev: Any, resolver: AsyncResolver, timeout: float) -> Any:
    """Runs ``ev`` (an Evaluation or an Analysis: the same step API) to its
    outcome within ``timeout`` seconds, ``math.inf`` for no bound.

    The deadline holds by the loop's clock, so also against a resolver that
    blocks (a plain function, or a coroutine that does not yield): it is
    checked before each query is asked and when each answer arrives. Past
    it, the native expire() makes every outstanding and later query a
    temporary error, and the evaluation ends. asyncio.wait_for cancels a
    resolver that awaits past the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def past() -> bool:
        return loop.time() >= deadline

    async def run() -> None:
        while True:
            queries = ev.next()
            if queries is None:
                return
            if not queries:
                # Every query is answered before next() is called again.
                raise InternalError("the evaluation waits although every query was answered")
            if len(queries) == 1:
                # Most steps ask one thing: await it directly, no task needed.
                (q,) = queries
                answers = [await _ask(resolver, q.name, q.type, past)]
            else:
                # Every query of a step at once: an mx term's ten hosts cost one round trip.
                answers = await asyncio.gather(*(_ask(resolver, q.name, q.type, past) for q in queries))
            if past():
                ev.expire()
                continue
            for q, answer in zip(queries, answers):
                ev.answer(q, answer)

    try:
        await asyncio.wait_for(run(), None if math.isinf(timeout) else timeout)
    except asyncio.TimeoutError:
        # Past the deadline whatever is still out is a temporary error, and so
        # is anything the evaluation would still ask: it ends now.
        ev.expire()
    if ev.next() is not None:
        raise InternalError("the evaluation asks for more after its deadline")
    outcome = ev.outcome
    assert outcome is not None
    return outcome


def check_async(
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
) -> Coroutine[Any, Any, Outcome]:
    """check() for asyncio: each step's queries are awaited concurrently.

    ``resolver`` is a coroutine function, ``spfkit.AsyncDnspythonResolver``
    when omitted. ``timeout`` is in seconds (int or float, ``math.inf``
    for none) for the whole check: after it no query is asked, queries
    still unanswered are cancelled, and each counts as a temporary error,
    so the check ends with temperror even if a resolver never answers. A
    plain (blocking) function is accepted too; it blocks the event loop
    while it runs, and an answer it gives after the deadline counts as
    temperror.

    The arguments are checked when it is called (InvalidArgumentError,
    TypeError), before the coroutine it returns is awaited.
    """
    seconds = _timeout(timeout)
    # The native Evaluation checks every other argument as check() does.
    ev = Evaluation(
        ip, sender, helo, identity="both", plan=plan, receiver=receiver, limits=limits,
        default_explanation=default_explanation, trace=trace, always_mail_from=always_mail_from,
        definitive=definitive, timestamp=timestamp, cache=cache,
    )
    return _drive(ev, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), seconds)


def check_host_async(
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
) -> Coroutine[Any, Any, Outcome]:
    """check_host() for asyncio; ``timeout`` in seconds for the whole
    check, as check_async()'s."""
    seconds = _timeout(timeout)
    ev = Evaluation(
        # Core reads the identity: "mailfrom" or "helo" (an Evaluation alone would also take "both").
        ip, sender, helo, identity=_spfkit._identity(identity), plan=plan, receiver=receiver, limits=limits,
        default_explanation=default_explanation, trace=trace, timestamp=timestamp, cache=cache,
    )
    return _drive(ev, _callable(resolver) if resolver is not None else AsyncDnspythonResolver(), seconds)


def _coroutine_function(f: Any) -> None:
    # check_async() and friends check their arguments when called and return
    # a coroutine: for frameworks that ask inspect.iscoroutinefunction(), they
    # are coroutine functions (Python 3.12 and later can say so).
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        mark(f)


_coroutine_function(check_async)
_coroutine_function(check_host_async)


def _timeout(timeout: Any) -> float:
    seconds = _args.seconds("timeout", timeout)
    assert seconds is not None
    return seconds
