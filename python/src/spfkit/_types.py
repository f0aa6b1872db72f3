"""Enumerations and small value types of the public API."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

from . import _spfkit
from ._errors import InvalidArgumentError

__all__ = ["Result", "Identity", "Limits"]


class Result(str, enum.Enum):
    """An SPF result (RFC 7208 section 2.6); compares equal to its name."""

    NONE = "none"
    NEUTRAL = "neutral"
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"

    def __str__(self) -> str:
        return self.value


class Identity(str, enum.Enum):
    """The identity a result is about (RFC 7208 sections 2.3, 2.4)."""

    HELO = "helo"
    MAIL_FROM = "mailfrom"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Limits:
    """The processing limits of RFC 7208 section 4.6.4; the defaults are the RFC's."""

    dns_terms: int = 10
    mx_names: int = 10
    ptr_names: int = 10
    void_lookups: int = 2

    #: The most any limit may be raised to (core's): RFC 7208's are 10 and
    #: 2, and a record tree that needs more costs every receiver dearly.
    MAX = _spfkit._LIMITS_MAX

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if type(value) is not int:
                raise InvalidArgumentError(f"Limits.{f.name} must be an int from 0 to {self.MAX}, not {value!r}")
        # The bounds are core's, as every check applies them; the message names the field.
        _spfkit._check_limits(self)

    def _as_tuple(self) -> tuple[int, int, int, int]:
        return (self.dns_terms, self.mx_names, self.ptr_names, self.void_lookups)
