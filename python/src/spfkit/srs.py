"""SRS, the Sender Rewriting Scheme, for forwarders: byte for byte as
postsrsd and libsrs2 write it (docs/srs.md says what it fixes and what it
does not). A forwarder rewrites the sender of mail it sends on, so that the
mail passes SPF as its own, and reverses the rewritten address when a
bounce comes back to it.

>>> from spfkit.srs import ErrorKind, Srs, SrsError
>>> srs = Srs(domain="fwd.example", secrets=["test-secret-one"])
>>> now = 1767225600  # 2026-01-01T00:00:00Z; leave it out to use the clock
>>> fwd = srs.forward("alice@example.com", now)
>>> fwd.address, fwd.rewritten
('SRS0=pfQg=7G=example.com=alice@fwd.example', True)
>>> srs.reverse(fwd.address, now + 7 * 86400)  # a bounce, a week later
'alice@example.com'
>>> try:
...     srs.reverse("postmaster@fwd.example", now)
... except SrsError as e:
...     print(e.kind)  # not-srs: ordinary mail, deliver it as addressed
not-srs

Every decision is core's (spfkit's Rust crate); this module checks Python
types and reads the clock when ``now`` is not given. ``now`` is Unix
seconds: an int, or a float such as ``time.time()``.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import secrets as _random
import time
from typing import Any, Iterable, Optional, Union, overload

from . import _spfkit
from ._errors import ErrorKind, InvalidArgumentError, SrsError, SrsSettingsError

__all__ = [
    "MAX_ADDRESS_LEN",
    "MAX_AGE_DAYS_LIMIT",
    "MAX_HASH_LENGTH",
    "ErrorKind",
    "Forwarded",
    "Settings",
    "Srs",
    "SrsError",
    "SrsSettingsError",
    "SrsWarning",
    "Unchanged",
    "keygen",
]

#: The longest address taken or written, in octets (postsrsd's buffers).
MAX_ADDRESS_LEN: int = _spfkit._SRS_MAX_ADDRESS_LEN
#: The most hash characters ``hash_length`` may ask for.
MAX_HASH_LENGTH: int = _spfkit._SRS_MAX_HASH_LENGTH
#: The largest ``max_age_days``: the timestamp counts days modulo 1024.
MAX_AGE_DAYS_LIMIT: int = _spfkit._SRS_MAX_AGE_DAYS_LIMIT

#: One secret: str (its UTF-8 octets, as a line of postsrsd's secrets
#: file; a str decoded with ``surrogateescape`` gives its octets back) or
#: bytes.
Secret = Union[str, bytes]


class Unchanged(str, enum.Enum):
    """Why ``forward()`` left a sender as it was; core's names."""

    #: Its domain is the SRS domain or one of ``local_domains``: this
    #: host's own mail passes SPF as it is.
    LOCAL_DOMAIN = "local-domain"
    #: Already a valid SRS address made with our secrets, within the
    #: maximum age: rewriting it again would only nest it.
    ALREADY_REWRITTEN = "already-rewritten"

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class SrsWarning:
    """Something worth logging about an address rewritten all the same.
    (Not ``Warning``: that is a builtin.)"""

    #: Core's stable name: ``"long-local-part"`` (the rewritten local part
    #: passes RFC 5321's 64 octets; most servers take it, some refuse it).
    kind: str
    #: The octets of the rewritten local part, for ``long-local-part``.
    octets: Optional[int]
    #: Core's sentence, for people.
    message: str

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass(frozen=True)
class Forwarded:
    """What ``forward()`` did: ``address`` is the sender to use either way."""

    #: The new sender (SRS0 or SRS1 at the SRS domain), or the sender as
    #: given when ``reason`` says why it was left alone.
    address: str
    #: None when rewritten; otherwise why not.
    reason: Optional[Unchanged] = None
    #: The warnings of a rewrite (none when unchanged).
    warnings: tuple[SrsWarning, ...] = ()

    @property
    def rewritten(self) -> bool:
        """True when ``address`` is a new SRS0/SRS1 address."""
        return self.reason is None

    def __str__(self) -> str:
        return self.address


def _secrets(value: Any) -> tuple[bytes, ...]:
    # One str or bytes is one secret, never a sequence of characters.
    items = [value] if isinstance(value, (str, bytes)) else value
    if not isinstance(items, Iterable):
        raise TypeError(f"secrets is a str, bytes or a list of them, not {type(value).__name__}")
    out = []
    for s in items:
        if isinstance(s, str):
            try:
                s = s.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raise InvalidArgumentError("a secret holds a lone surrogate: give its octets as bytes") from None
        elif isinstance(s, (bytearray, memoryview)):
            s = bytes(s)
        elif not isinstance(s, bytes):
            raise TypeError(f"a secret is a str or bytes, not {type(s).__name__}")
        out.append(s)
    return tuple(out)


def _int(name: str, value: Any) -> int:
    # An int, and not a bool: True is no hash length.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} is an int, not {type(value).__name__}")
    return int(value)


def _bool(name: str, value: Any) -> bool:
    # Exactly a bool: a truthy "no" must not turn an option on.
    if not isinstance(value, bool):
        raise TypeError(f"{name} is True or False, not {type(value).__name__}")
    return value


def _domains(value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"local_domains is a list of domains, not {type(value).__name__}")
    out = tuple(value)
    for d in out:
        if not isinstance(d, str):
            raise TypeError(f"a local domain is a str, not {type(d).__name__}")
    return out


@dataclasses.dataclass(frozen=True, init=False, repr=False)
class Settings:
    """SRS settings, the knobs of postsrsd 1.10 (``-s``, ``-d``, ``-a``,
    ``-n``, ``-N``, ``-X``) and libsrs2, plus spfkit's ``url_safe`` and
    ``refuse_long``; checked by core when made (``SrsSettingsError``, or
    TypeError for a value of the wrong type). Frozen; change one with
    ``dataclasses.replace()``.

    - ``domain``: the forwarder's own domain: rewritten addresses end in
      ``@domain``, and its senders are left alone.
    - ``secrets``: the HMAC-SHA1 keys (a str or bytes for one, or a list):
      the first signs new addresses, every one verifies, so a new secret
      goes first and the old one stays for the maximum age.
    - ``separator``: after ``SRS0``/``SRS1``: ``"="``, ``"+"`` or ``"-"``.
    - ``hash_length``: hash characters written, 1 to ``MAX_HASH_LENGTH``
      (4); ``hash_min``: the fewest accepted when reversing (4).
    - ``max_age_days``: days an address stays valid (21), at most
      ``MAX_AGE_DAYS_LIMIT``.
    - ``url_safe``: write hashes with ``-`` and ``_`` (postsrsd 2.2.6)
      instead of ``+`` and ``/`` (postsrsd 1.10 and libsrs2 refuse them);
      both are always read.
    - ``local_domains``: domains whose senders are not rewritten;
      ``".example.org"`` covers its subdomains (postsrsd's ``-X``).
    - ``refuse_long``: refuse (``too-long``) a rewrite whose local part
      passes 64 octets instead of writing it with a warning.

    ``repr()`` hides the secrets.
    """

    domain: str
    secrets: tuple[bytes, ...]
    separator: str
    hash_length: int
    hash_min: int
    max_age_days: int
    url_safe: bool
    local_domains: tuple[str, ...]
    refuse_long: bool

    def __init__(
        self,
        domain: str,
        secrets: Union[Secret, Iterable[Secret]],
        *,
        separator: str = "=",
        hash_length: int = 4,
        hash_min: int = 4,
        max_age_days: int = 21,
        url_safe: bool = False,
        local_domains: Iterable[str] = (),
        refuse_long: bool = False,
    ) -> None:
        if not isinstance(domain, str):
            raise TypeError(f"domain is a str, not {type(domain).__name__}")
        if not isinstance(separator, str):
            raise TypeError(f"separator is a str, not {type(separator).__name__}")
        values = {
            "domain": domain,
            "secrets": _secrets(secrets),
            "separator": separator,
            "hash_length": _int("hash_length", hash_length),
            "hash_min": _int("hash_min", hash_min),
            "max_age_days": _int("max_age_days", max_age_days),
            "url_safe": _bool("url_safe", url_safe),
            "local_domains": _domains(local_domains),
            "refuse_long": _bool("refuse_long", refuse_long),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        # Core checks every value now, so a Settings is always usable.
        self._core()

    def _core(self) -> _spfkit._SrsCore:
        return _spfkit._SrsCore(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name != "secrets"
        )
        return f"Settings({shown}, secrets=[{len(self.secrets)} hidden])"


def _now(now: Any) -> int:
    """Unix seconds for core: the clock when None, a float floored."""
    if now is None:
        return math.floor(time.time())
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError(f"now is Unix seconds (an int or float), not {type(now).__name__}")
    if isinstance(now, int):
        seconds = int(now)
    else:
        seconds = math.floor(now) if math.isfinite(now) else -1
    if not 0 <= seconds < 2**64:
        raise InvalidArgumentError(f"now must be Unix seconds from 0, not {now!r}")
    return seconds


class Srs:
    """A forwarder's rewriter: ``Srs(settings)`` or ``Srs(domain=...,
    secrets=..., ...)`` with ``Settings``' arguments. Thread-safe; make one
    and keep it.

    ``forward(sender)`` gives the sender to use when forwarding mail from
    ``sender`` (MAIL FROM, without angle brackets); ``reverse(address)``
    where a bounce to ``address`` goes. Both take ``now`` (Unix seconds;
    the clock when None) and raise ``SrsError`` with a ``kind``
    (``ErrorKind``) when they refuse; a value of the wrong type is a
    TypeError.
    """

    __slots__ = ("_core", "_settings")

    @overload
    def __init__(self, settings: Settings, /) -> None: ...

    @overload
    def __init__(
        self,
        *,
        domain: str,
        secrets: Union[Secret, Iterable[Secret]],
        separator: str = "=",
        hash_length: int = 4,
        hash_min: int = 4,
        max_age_days: int = 21,
        url_safe: bool = False,
        local_domains: Iterable[str] = (),
        refuse_long: bool = False,
    ) -> None: ...

    # *args: mypy takes no implementation with a positional-only default
    # as covering the keyword-only overload.
    def __init__(self, *args: Any, **keywords: Any) -> None:
        if len(args) > 1:
            raise TypeError(f"Srs() takes one Settings, not {len(args)} arguments")
        settings = args[0] if args else None
        if settings is None:
            settings = Settings(**keywords)
        elif keywords:
            raise TypeError("Srs() takes a Settings or keyword arguments, not both")
        elif not isinstance(settings, Settings):
            raise TypeError(f"settings is a spfkit.srs.Settings, not {type(settings).__name__}")
        self._settings = settings
        self._core = settings._core()

    @property
    def settings(self) -> Settings:
        """The settings."""
        return self._settings

    def forward(self, sender: str, now: Optional[float] = None) -> Forwarded:
        """Rewrites ``sender`` for forwarding: SRS0 for a plain sender,
        SRS1 for another forwarder's SRS address; left as it is (with a
        ``reason``) when local or already ours. Raises ``SrsError``:
        ``malformed`` (no ``@``, NUL, non-ASCII...), ``too-long``."""
        address, reason, warnings = self._core.forward(sender, _now(now))
        unchanged = None if reason is None else Unchanged(reason)
        return Forwarded(address, unchanged, tuple(SrsWarning(*w) for w in warnings))

    def reverse(self, address: str, now: Optional[float] = None) -> str:
        """Where a bounce to ``address`` goes: SRS0 gives the original
        sender, SRS1 the previous forwarder's SRS0 address. Raises
        ``SrsError``: ``not-srs`` for an ordinary address (deliver it as
        addressed), ``bad-hash``, ``expired``, ``bad-timestamp``,
        ``malformed``, ``too-long``."""
        return self._core.reverse(address, _now(now))

    def __repr__(self) -> str:
        return f"<Srs {self._settings!r}>"


def keygen() -> str:
    """A new secret: 24 random octets from ``secrets.token_bytes``
    (the operating system's generator) as base64, one line of a secrets
    file, as ``spfkit srs keygen`` makes it."""
    return _spfkit._srs_secret(_random.token_bytes(24))
