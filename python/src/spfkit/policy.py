"""Receiver policy: what a receiving mail server does with SPF results, per
recipient (docs/policy-settings.md is the contract: the settings, the order
in which a recipient is decided, the rules, replies and header fields).

An SPF result is a fact; rejecting on it is the receiver's choice, made per
recipient, knowing the forwarders its users set up. One SPF evaluation per
message serves all of its recipients; the first accepted recipient's
decision carries the header fields to add.

>>> import spfkit
>>> from spfkit.policy import Policy, Settings
>>> zone = {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
...         ("pobox.com", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"]}
>>> def resolve(name, rdtype):
...     return zone.get((name, rdtype), spfkit.NXDOMAIN)
>>> settings = Settings(authserv_id="mx.example.net", address={
...     "alice@example.net": {"forwarder": [{"name": "pobox", "domain": "pobox.com"}]}})
>>> policy = Policy(settings, resolver=resolve)
>>> message = policy.message(ip="198.51.100.7", helo="forward.pobox.com", mail_from="bob@example.com")
>>> alice = message.decide("alice+lists@example.net")
>>> alice.action, alice.rule, alice.forwarder
(<Action.ACCEPT_WITH_HEADERS: 'accept-with-headers'>, <Rule.FORWARDER_DOMAIN: 'forwarder-domain'>, 'pobox')
>>> str(message.decide("carol@example.net").reply)
"550 5.7.23 198.51.100.7 is not one of example.com's designated mail servers"

Settings come from a dict or keyword arguments (``Settings(...)``,
``Settings.from_dict(d, file=...)``) or TOML (``Settings.load(path)``,
``Settings.from_toml(text)``); every key is checked, and a refusal is
``spfkit.PolicySettingsError`` with ``file``, ``line`` and ``key``.

A per-recipient callback (``Policy(recipient_rules=...)``: a database,
LDAP) is a function or coroutine function taking the recipient (as core
reads it: angle brackets removed; not called for a recipient that is no
UTF-8 ``local@domain``) and returning a dict of the keys an
``[address."..."]`` table may hold, or None; they win over the settings'.
What it raises propagates out of ``decide()`` unchanged, and a return
value that is no dict or None is a TypeError, one with a bad key or value
``PolicySettingsError``: the recipient is not decided, and the caller
answers it with a temporary failure (``451 4.3.0``, Postfix's
``DEFER_IF_PERMIT``; X.3.0, a mail system trouble, not an SPF result), never accepts it unchecked, as the examples in
examples/python do.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import ipaddress
import math
from typing import Any, Awaitable, Callable, Coroutine, Literal, Mapping, Optional, Sequence, TypedDict, Union

from . import _spfkit
from ._check import DEFAULT_TIMEOUT, _coroutine_function, _drive, _timeout
from ._errors import PolicySettingsError
from ._resolvers import AsyncDnspythonResolver, DnspythonResolver
from ._spfkit import Decide, Decision, RecordCache, Settings
from ._types import Limits

__all__ = [
    "Action",
    "Decide",
    "Decision",
    "IprevResult",
    "Message",
    "Overrides",
    "Policy",
    "PolicySettingsError",
    "RecipientRules",
    "Rule",
    "Settings",
    "BestGuessPolicyDict",
    "ForwarderDict",
    "IdentityRulesDict",
    "OverridesDict",
    "ProspectiveDict",
    "SettingsDict",
    "UnacceptablePassDict",
]


# The settings schema (docs/policy-settings.md) for type checkers: keyword
# arguments of Settings() are checked against SettingsDict, and a dict can
# be annotated with it. Core checks every value at run time either way.
_ResultName = Literal["fail", "softfail", "neutral", "none", "permerror"]

class IdentityRulesDict(TypedDict, total=False):
    """`helo` and `mail_from` (docs/policy-settings.md)."""
    check: bool
    reject: Sequence[_ResultName]
    temperror: Literal["accept", "defer"]
    only_minus_all: bool
    must_pass: Sequence[str]

class ForwarderDict(TypedDict, total=False):
    """One `[[forwarder]]`: a name and one of networks, domain, address."""
    name: str
    networks: Sequence[str]
    domain: str
    address: str

class UnacceptablePassDict(TypedDict, total=False):
    plus_all: bool
    max_addresses: int
    domains: Sequence[str]
    reject: bool

class BestGuessPolicyDict(TypedDict, total=False):
    reject: Sequence[_ResultName]

class ProspectiveDict(TypedDict, total=False):
    forward_path: str
    outbound: Sequence[str]

class OverridesDict(TypedDict, total=False):
    """The keys a recipient domain, a recipient address or a per-recipient
    callback may set (`prospective` only for an address)."""
    helo: IdentityRulesDict
    mail_from: IdentityRulesDict
    forwarder: Sequence[ForwarderDict]
    never_reject_without_forwarders: bool
    unacceptable_pass: UnacceptablePassDict
    best_guess_policy: BestGuessPolicyDict
    iprev: Literal["off", "report", "require"]
    log_only: bool
    prospective: ProspectiveDict

class SettingsDict(OverridesDict, total=False):
    """The whole schema of docs/policy-settings.md."""
    authserv_id: str
    header: Literal["received-spf", "authentication-results", "both", "none"]
    hide_receiver: bool
    recipient_delimiter: str
    skip_networks: Sequence[str]
    trusted_relays: Sequence[str]
    skip_authenticated: bool
    best_guess: str
    domain: Mapping[str, OverridesDict]
    address: Mapping[str, OverridesDict]

class Action(str, enum.Enum):
    """What the MTA does with a recipient; compares equal to core's name."""

    #: SPF was not checked (a skipped network, an authenticated client, a
    #: recipient that is no address): accept, add nothing.
    NOT_CHECKED = "not-checked"
    #: Accept; the headers went with an earlier recipient (or none are set).
    ACCEPT = "accept"
    #: Accept and add ``Decision.headers`` to the message.
    ACCEPT_WITH_HEADERS = "accept-with-headers"
    #: Refuse the recipient: a 5xx ``Decision.reply``.
    REJECT = "reject"
    #: Refuse for now: a 4xx ``Decision.reply``.
    DEFER = "defer"

    def __str__(self) -> str:
        return self.value


class Rule(str, enum.Enum):
    """The rule that decided (docs/policy-settings.md names each); the name
    is stable, for logs and Authentication-Results' ``policy.rule``."""

    BAD_RECIPIENT = "bad-recipient"
    SKIP_NETWORK = "skip-network"
    AUTHENTICATED = "authenticated"
    BAD_CONNECTION = "bad-connection"
    HELO_REJECT = "helo-reject"
    HELO_MUST_PASS = "helo-must-pass"
    HELO_TEMPERROR = "helo-temperror"
    MAIL_FROM_REJECT = "mail-from-reject"
    MAIL_FROM_MUST_PASS = "mail-from-must-pass"
    MAIL_FROM_TEMPERROR = "mail-from-temperror"
    BEST_GUESS = "best-guess"
    UNACCEPTABLE_PASS = "unacceptable-pass"
    TRUSTED_RELAY = "trusted-relay"
    FORWARDER_NETWORK = "forwarder-network"
    FORWARDER_DOMAIN = "forwarder-domain"
    FORWARDER_ADDRESS = "forwarder-address"
    NEVER_REJECT = "never-reject"
    IPREV = "iprev"
    MULTIPLE = "multiple"
    PROSPECTIVE = "prospective"
    ACCEPT = "accept"

    def __str__(self) -> str:
        return self.value


class IprevResult(str, enum.Enum):
    """iprev's result (RFC 8601 section 3): forward-confirmed reverse DNS."""

    PASS = "pass"
    FAIL = "fail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"

    def __str__(self) -> str:
        return self.value


#: A recipient's overrides: the keys an ``[address."..."]`` table may hold.
Overrides = Mapping[str, Any]
#: A per-recipient callback: the recipient in, overrides or None out; a
#: coroutine function too (for ``decide_async()``).
RecipientRules = Callable[[str], Union[Optional[Overrides], Awaitable[Optional[Overrides]]]]

Address = Union[str, ipaddress.IPv4Address, ipaddress.IPv6Address]
Recipient = Union[str, bytes]

_RETURNED = "recipient_rules' return value"


def _is_async(f: Any) -> bool:
    return inspect.iscoroutinefunction(f) or inspect.iscoroutinefunction(getattr(f, "__call__", None))


class Policy:
    """A receiver's policy: the settings and how checks are made.

    ``settings`` is a ``Settings`` (or a dict, read as ``Settings(d)``).
    ``resolver`` answers DNS as for ``spfkit.check()`` (a function) and
    ``spfkit.check_async()`` (a coroutine function or a function);
    dnspython's when omitted. ``timeout`` (seconds, ``math.inf`` for none)
    bounds each ``decide_async()``: the callback and the lookups together;
    ``decide()`` takes as long as its resolver lets it, as ``check()``
    does. ``limits``, ``plan``, ``default_explanation``, ``timestamp``
    and ``cache`` are ``check()``'s. ``recipient_rules``: see the module's
    documentation.
    """

    __slots__ = ("_core", "_settings", "_rules", "_resolver", "_timeout", "_blocking", "_async")

    def __init__(
        self,
        settings: Union[Settings, Mapping[str, Any]],
        *,
        recipient_rules: Optional[RecipientRules] = None,
        resolver: Optional[Callable[[str, str], Any]] = None,
        timeout: float = DEFAULT_TIMEOUT,
        limits: Optional[Limits] = None,
        plan: str = "batched",
        default_explanation: Optional[str] = None,
        timestamp: Optional[int] = None,
        cache: Optional[RecordCache] = None,
    ) -> None:
        if not isinstance(settings, Settings):
            settings = Settings(settings)
        if recipient_rules is not None and not callable(recipient_rules):
            raise TypeError(f"recipient_rules must be callable, not {type(recipient_rules).__name__}")
        if resolver is not None and not callable(resolver):
            raise TypeError(f"resolver must be callable, not {type(resolver).__name__}")
        self._timeout = _timeout(timeout)
        self._core = _spfkit._PolicyCore(
            settings, limits=limits, plan=plan, default_explanation=default_explanation,
            timestamp=timestamp, cache=cache,
        )
        self._settings = settings
        self._rules = recipient_rules
        self._resolver = resolver
        self._blocking: Optional[Callable[[str, str], Any]] = None
        self._async: Optional[Callable[[str, str], Any]] = None

    @property
    def settings(self) -> Settings:
        """The settings."""
        return self._settings

    def message(self, *, ip: Address, helo: str, mail_from: str, authenticated: bool = False) -> Message:
        """A message arriving from ``ip`` with this HELO name and MAIL FROM
        (``""`` or ``"<>"`` for the null reverse-path; angle brackets are
        removed); ``authenticated``: the client used SMTP AUTH (exactly
        True or False). A HELO or MAIL FROM longer than SMTP carries is
        decided (``550 5.7.24``, rule bad-connection), not refused here."""
        return Message(self, self._core.message(ip=ip, helo=helo, mail_from=mail_from, authenticated=authenticated))

    def _blocking_resolver(self) -> Callable[[str, str], Any]:
        if self._resolver is not None:
            if _is_async(self._resolver):
                raise TypeError("the resolver is a coroutine function: use decide_async(), or a plain function")
            return self._resolver
        if self._blocking is None:
            self._blocking = DnspythonResolver()
        return self._blocking

    def _async_resolver(self) -> Callable[[str, str], Any]:
        if self._resolver is not None:
            return self._resolver
        if self._async is None:
            self._async = AsyncDnspythonResolver()
        return self._async

    def __repr__(self) -> str:
        return f"<Policy {self._settings!r}>"


class Message:
    """One message (one SMTP transaction): decide each recipient after its
    RCPT TO. Its SPF evaluation, iprev and forwarder checks are made once,
    by the first recipient that needs them, and kept for the others.

    Decide a message's recipients one after another, as SMTP gives them.
    Decided at once (threads, ``asyncio.gather``) they are decided alike
    and one of them carries the headers, but each may make the checks
    itself: a check is kept once made, not awaited while in flight."""

    __slots__ = ("_policy", "_core")

    def __init__(self, policy: Policy, core: _spfkit._MessageCore) -> None:
        self._policy = policy
        self._core = core

    @property
    def ip(self) -> str:
        """The client's address."""
        return self._core.ip

    @property
    def helo(self) -> str:
        """The HELO name."""
        return self._core.helo

    @property
    def mail_from(self) -> str:
        """MAIL FROM, without angle brackets."""
        return self._core.mail_from

    @property
    def authenticated(self) -> bool:
        """Whether the client authenticated."""
        return self._core.authenticated

    def _ask(self, recipient: Recipient, overrides: Optional[Overrides]) -> tuple[Any, str, str]:
        # What recipient_rules returns, to be awaited if it is awaitable,
        # with how errors name it.
        if overrides is not None:
            return overrides, "overrides", "overrides"
        rules = self._policy._rules
        text = _spfkit._policy_recipient(recipient)
        if rules is None or text is None:
            return None, "overrides", "overrides"
        return rules(text), _RETURNED, f"recipient_rules({text})"

    def _ask_blocking(self, recipient: Recipient, overrides: Optional[Overrides]) -> tuple[Any, str, str]:
        got, what, source = self._ask(recipient, overrides)
        if inspect.isawaitable(got):
            close = getattr(got, "close", None)
            if close is not None:
                close()  # never awaited: no warning about it
            raise TypeError("recipient_rules returned an awaitable: a coroutine function needs decide_async()")
        return got, what, source

    def decide(self, recipient: Recipient, *, overrides: Optional[Overrides] = None) -> Decision:
        """Decides ``recipient`` (the RCPT TO address, str or bytes; one
        that is no UTF-8 ``local@domain`` is ``not-checked``), blocking on
        the policy's resolver. ``overrides`` (a dict) replaces the
        recipient_rules callback for this call; ``{}`` for none."""
        resolver = self._policy._blocking_resolver()
        got, what, source = self._ask_blocking(recipient, overrides)
        return self._core.decide(recipient, resolver, got, what, source)

    def decide_async(
        self, recipient: Recipient, *, overrides: Optional[Overrides] = None
    ) -> Coroutine[Any, Any, Decision]:
        """``decide()`` for asyncio: the callback awaited when it is a
        coroutine function, each step's lookups awaited together, the
        policy's ``timeout`` for all of it. Past it, lookups still out and
        any still to ask are temporary errors (decided as the settings say
        for temperror); a callback still running raises
        ``asyncio.TimeoutError``. The recipient's type is checked when it
        is called, before the coroutine is awaited."""
        _spfkit._policy_recipient(recipient)
        if overrides is not None and not isinstance(overrides, Mapping):
            raise TypeError(f"overrides is a dict, not {type(overrides).__name__}")
        return self._decide_async(recipient, overrides)

    async def _decide_async(self, recipient: Recipient, overrides: Optional[Overrides]) -> Decision:
        policy = self._policy
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy._timeout
        got, what, source = self._ask(recipient, overrides)
        if inspect.isawaitable(got):
            got = await (got if math.isinf(policy._timeout) else asyncio.wait_for(got, policy._timeout))
        steps = self._core.steps(recipient, got, what, source)
        remaining = max(0.0, deadline - loop.time())
        decision: Decision = await _drive(steps, policy._async_resolver(), remaining)
        return decision

    def steps(self, recipient: Recipient, *, overrides: Optional[Overrides] = None) -> Decide:
        """The step API for ``recipient``, as ``spfkit.Evaluation``: for a
        host that answers queries itself (Twisted, trio, gevent). A
        coroutine recipient_rules cannot be asked here: pass ``overrides``."""
        got, what, source = self._ask_blocking(recipient, overrides)
        return self._core.steps(recipient, got, what, source)

    def __repr__(self) -> str:
        return f"<Message ip={self.ip} helo={self.helo!r} mail_from={self.mail_from!r}>"


_coroutine_function(Message.decide_async)
