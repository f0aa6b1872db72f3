"""The exceptions spfkit raises; each subclasses the builtin that fits."""

from __future__ import annotations

import enum
from typing import Optional

__all__ = [
    "SpfkitError",
    "InvalidArgumentError",
    "InvalidAddressError",
    "RecordSyntaxError",
    "ResolverError",
    "AnswerError",
    "InternalError",
    "PolicySettingsError",
    "SrsError",
    "SrsSettingsError",
    "ErrorKind",
]


class SpfkitError(Exception):
    """Base of every exception spfkit raises."""


class InvalidArgumentError(SpfkitError, ValueError):
    """An argument is out of range (an unknown identity or plan, ...)."""


class InvalidAddressError(InvalidArgumentError):
    """The client address is not an IPv4 or IPv6 address."""


class RecordSyntaxError(SpfkitError, ValueError):
    """An SPF record does not parse.

    ``code`` is core's stable short code for the kind of error
    (``"invalid-ip4"``), the same in every host; ``term`` the offending term
    as written; ``start`` and ``end`` the indices of the text at fault, and
    ``span`` the pair ``(start, end)``: ``str`` indices when a ``str`` was
    parsed, byte offsets for ``bytes``. The message says which:
    ``... (characters 21..36)`` or ``... (bytes 22..37)``.
    """

    def __init__(self, message: str, code: str, term: str, start: int, end: int) -> None:
        # All in args, so the exception pickles (multiprocessing) and copies.
        super().__init__(message, code, term, start, end)
        self.message = message
        self.code = code
        self.term = term
        self.start = start
        self.end = end
        self.span = (start, end)

    def __str__(self) -> str:
        return self.message


class ResolverError(SpfkitError, TypeError):
    """A resolver returned a value of the wrong type or shape (a bug in the
    resolver); the message shows the value. An answer that is merely too
    big for DNS (more than 5,956 records, TXT data over 65,535 bytes) is no
    error of the resolver's: it counts as temperror."""


class AnswerError(SpfkitError, ValueError):
    """Evaluation.answer() got an unknown query or one answered already."""


class InternalError(SpfkitError):
    """A bug inside spfkit (a Rust panic), caught before it reached you."""


class PolicySettingsError(SpfkitError, ValueError):
    """Receiver-policy settings were refused (spfkit.policy.Settings, a
    recipient_rules callback's overrides).

    ``file`` names the source (the TOML file's path, ``"<dict>"``,
    ``"<settings>"``, ``"recipient_rules(bob@example.net)"``); ``line`` is
    the key's line in a TOML file (None for a dict); ``key`` the path of
    the offending key as core writes it (``mail_from.reject[0]``,
    ``address."bob@example.net".log_only``, ``(syntax)`` or ``(file)``
    for the file as a whole); ``message`` what is wrong. ``str()`` is
    ``file:line: key: message`` on one line, whatever the settings held.
    """

    def __init__(self, text: str, file: str, line: Optional[int], key: str, message: str) -> None:
        # All in args, so the exception pickles and copies.
        super().__init__(text, file, line, key, message)
        self.file = file
        self.line = line
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return str(self.args[0])


class ErrorKind(str, enum.Enum):
    """Why an address was not rewritten (``SrsError.kind``, spfkit.srs):
    core's stable names, which compare equal to the members."""

    #: reverse: not an SRS0/SRS1 address; an ordinary one, to be delivered
    #: as it is.
    NOT_SRS = "not-srs"
    #: The hash is too short or matches no secret: forged, damaged, or made
    #: with a secret no longer configured.
    BAD_HASH = "bad-hash"
    #: The timestamp is older than the maximum age, or in the future.
    EXPIRED = "expired"
    #: The timestamp is not exactly 2 base32 characters.
    BAD_TIMESTAMP = "bad-timestamp"
    #: No ``@``, an empty local part or domain, a missing SRS field, NUL, a
    #: control character or a non-ASCII character.
    MALFORMED = "malformed"
    #: Longer than 1023 octets as given or rewritten; or, with
    #: ``refuse_long``, a rewritten local part past 64 octets.
    TOO_LONG = "too-long"

    def __str__(self) -> str:
        return self.value


class SrsError(SpfkitError, ValueError):
    """spfkit.srs refused to rewrite an address: ``kind`` (an
    ``ErrorKind``) is what to decide on, ``message`` core's sentence;
    ``str()`` is ``kind: message`` (``bad-hash: the hash is invalid``)."""

    def __init__(self, text: str, kind: str, message: str) -> None:
        # All in args, so the exception pickles and copies.
        super().__init__(text, kind, message)
        self.kind = ErrorKind(kind)
        self.message = message

    def __str__(self) -> str:
        return str(self.args[0])


class SrsSettingsError(SpfkitError, ValueError):
    """spfkit.srs.Settings refused a value: ``kind`` is core's name for
    what is wrong (``"no-secret"``, ``"bad-secret"``, ``"bad-domain"``,
    ``"bad-separator"``, ``"bad-hash-length"``, ``"bad-hash-min"``,
    ``"bad-max-age"``, ``"bad-local-domain"``); ``str()`` core's sentence.
    A value of the wrong type is a TypeError instead."""

    def __init__(self, message: str, kind: str) -> None:
        # All in args, so the exception pickles and copies.
        super().__init__(message, kind)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message
