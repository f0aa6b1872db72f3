"""Enumerations and small value types of the public API."""

from __future__ import annotations

import enum
from dataclasses import dataclass

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

    def _as_tuple(self) -> tuple[int, int, int, int]:
        return (self.dns_terms, self.mx_names, self.ptr_names, self.void_lookups)
