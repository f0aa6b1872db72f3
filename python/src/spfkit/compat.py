"""pyspf-shaped functions, for moving off pyspf in an afternoon.

``check2(i, s, h)`` and ``check(i, s, h)`` take and return what pyspf's do,
evaluated by spfkit: one check_host() of the MAIL FROM identity (HELO's
postmaster for the null sender), pyspf's explanation texts and SMTP codes.
New code should call ``spfkit.check()``; see docs/migrating-from-pyspf.md.
"""

from __future__ import annotations

from typing import Any, Optional

from ._check import check_host
from ._errors import InvalidArgumentError
from ._resolvers import DnspythonResolver

__all__ = ["check", "check2", "EXPLANATIONS", "CODES"]

#: pyspf's texts for the results that have no explanation of their own.
EXPLANATIONS = {
    "pass": "sender SPF authorized",
    "fail": "SPF fail - not authorized",
    "permerror": "permanent error in processing",
    "temperror": "temporary DNS error in processing",
    "softfail": "domain owner discourages use of this host",
    "neutral": "access neither permitted nor denied",
    "none": "",
}

#: pyspf's SMTP codes per result.
CODES = {
    "pass": 250,
    "fail": 550,
    "permerror": 550,
    "temperror": 451,
    "softfail": 250,
    "neutral": 250,
    "none": 250,
}


def _query(i: str, s: str, h: str, local: Optional[str], receiver: Optional[str], timeout: float,
           resolver: Optional[Any]) -> tuple[str, int, str]:
    if local:
        raise InvalidArgumentError("local policy (pyspf's `local`) is not part of RFC 7208 and not supported")
    outcome = check_host(
        i,
        s,
        h,
        receiver=receiver,
        resolver=resolver if resolver is not None else DnspythonResolver(timeout=timeout),
        default_explanation=EXPLANATIONS["fail"],
    )
    result = outcome.result.value
    if result == "fail":
        explanation = outcome.explanation or EXPLANATIONS["fail"]
    elif result == "temperror":
        explanation = "SPF Temporary Error: " + (outcome.reason or "DNS error")
    elif result == "permerror":
        explanation = "SPF Permanent Error: " + (outcome.reason or "permanent error")
    else:
        explanation = EXPLANATIONS[result]
    return result, CODES[result], explanation


def check2(i: str, s: str, h: str, local: Optional[str] = None, receiver: Optional[str] = None,
           timeout: float = 20.0, verbose: bool = False, querytime: float = 20.0, *,
           resolver: Optional[Any] = None) -> tuple[str, str]:
    """pyspf's ``spf.check2``: ``(result, explanation)``, result one of
    pass, fail, softfail, neutral, none, temperror, permerror. ``timeout``
    bounds each DNS query, in seconds; ``verbose`` and ``querytime`` are
    accepted and ignored (spfkit logs nothing; use check_async(timeout=...)
    for an overall bound in seconds). ``resolver`` is spfkit's, for tests
    and custom DNS (``timeout`` does not apply to it)."""
    result, _code, explanation = _query(i, s, h, local, receiver, timeout, resolver)
    return result, explanation


def check(i: str, s: str, h: str, local: Optional[str] = None, receiver: Optional[str] = None,
          verbose: bool = False, *, resolver: Optional[Any] = None) -> tuple[str, int, str]:
    """pyspf's classic ``spf.check``: ``(result, code, explanation)`` with
    pyspf's pre-RFC name ``unknown`` for permerror and its SMTP codes (550
    fail/permerror, 451 temperror, 250 otherwise). (pyspf 2.0.14 documents
    ``error`` for temperror but returns ``temperror``; so does this.)"""
    result, code, explanation = _query(i, s, h, local, receiver, 20.0, resolver)
    if result == "permerror":
        result = "unknown"
    return result, code, explanation
