"""The exceptions spfkit raises; each subclasses the builtin that fits."""

from __future__ import annotations

__all__ = [
    "SpfkitError",
    "InvalidArgumentError",
    "InvalidAddressError",
    "RecordSyntaxError",
    "ResolverError",
    "AnswerError",
    "InternalError",
]


class SpfkitError(Exception):
    """Base of every exception spfkit raises."""


class InvalidArgumentError(SpfkitError, ValueError):
    """An argument is out of range (an unknown identity or plan, ...)."""


class InvalidAddressError(InvalidArgumentError):
    """The client address is not an IPv4 or IPv6 address."""


class RecordSyntaxError(SpfkitError, ValueError):
    """An SPF record does not parse.

    ``code`` is a stable short code (``"invalid-ip4"``), ``term`` the
    offending term as written, ``span`` the ``(start, end)`` indices of the
    text at fault: ``str`` indices when a ``str`` was parsed, byte offsets
    for ``bytes``.
    """

    def __init__(self, message: str, code: str, term: str, start: int, end: int) -> None:
        # All in args, so the exception pickles (multiprocessing) and copies.
        super().__init__(message, code, term, start, end)
        self.message = message
        self.code = code
        self.term = term
        self.span = (start, end)

    def __str__(self) -> str:
        return self.message


class ResolverError(SpfkitError, TypeError):
    """A resolver returned something that is not an answer."""


class AnswerError(SpfkitError, ValueError):
    """Evaluation.answer() got an unknown query or one answered already."""


class InternalError(SpfkitError):
    """A bug inside spfkit (a Rust panic), caught before it reached you."""
