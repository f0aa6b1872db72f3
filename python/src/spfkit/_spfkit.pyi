# Types of the native module spfkit._spfkit (bindings/python/src/),
# checked against the built module by mypy.stubtest.
from ipaddress import IPv4Address, IPv6Address
from os import PathLike
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from typing_extensions import Unpack, final

from ._types import Identity, Limits, Result
from .policy import Action, IprevResult, Rule, SettingsDict

__version__: str
# Private: for the pure-Python package (core's checks, shared with the native functions).
_LIMITS_MAX: int
def _identity(identity: Union[Identity, str]) -> str: ...
def _check_limits(limits: Union[Limits, tuple[int, int, int, int]]) -> None: ...
def _policy_recipient(recipient: Union[str, bytes]) -> Optional[str]: ...
_POLICY_RULES: list[str]
# For spfkit.srs: core's rewriter and bounds, keygen's encoding.
_SRS_MAX_ADDRESS_LEN: int
_SRS_MAX_HASH_LENGTH: int
_SRS_MAX_AGE_DAYS_LIMIT: int
def _srs_secret(random: bytes) -> str: ...

__all__ = [
    "Analysis",
    "AnalysisWarning",
    "Counters",
    "Decide",
    "Decision",
    "Network",
    "Report",
    "ReportNode",
    "analyze",
    "EmptyAnswer",
    "Evaluation",
    "IdentityOutcome",
    "NODATA",
    "NXDOMAIN",
    "Outcome",
    "Query",
    "Record",
    "RecordCache",
    "Settings",
    "SmtpReply",
    "TEMPERROR",
    "TraceEvent",
    "_MessageCore",
    "_PolicyCore",
    "_SrsCore",
    "__version__",
    "check",
    "check_host",
    "parse_record",
]

@final
class EmptyAnswer:
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

NXDOMAIN: EmptyAnswer
NODATA: EmptyAnswer
TEMPERROR: EmptyAnswer

@final
class RecordCache:
    def __new__(cls, capacity: int = 4096) -> RecordCache: ...
    def __len__(self) -> int: ...

@final
class Query:
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    def message(self, message_id: int = 0) -> bytes: ...

@final
class Counters:
    @property
    def dns_terms(self) -> int: ...
    @property
    def void_lookups(self) -> int: ...
    @property
    def queries(self) -> int: ...
    @property
    def round_trips(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class TraceEvent:
    @property
    def kind(self) -> str: ...
    @property
    def depth(self) -> int: ...
    @property
    def domain(self) -> str: ...
    @property
    def text(self) -> Optional[str]: ...
    @property
    def matched(self) -> bool: ...
    @property
    def message(self) -> Optional[str]: ...

@final
class SmtpReply:
    @property
    def code(self) -> int: ...
    @property
    def enhanced(self) -> str: ...
    @property
    def text(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class IdentityOutcome:
    @property
    def result(self) -> Result: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def domain(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def explanation(self) -> Optional[str]: ...
    @property
    def mechanism(self) -> Optional[str]: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def trace(self) -> list[TraceEvent]: ...

@final
class Outcome:
    @property
    def result(self) -> Result: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def domain(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def explanation(self) -> Optional[str]: ...
    @property
    def mechanism(self) -> Optional[str]: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def trace(self) -> list[TraceEvent]: ...
    @property
    def decided_by(self) -> Identity: ...
    @property
    def helo(self) -> Optional[IdentityOutcome]: ...
    @property
    def mail_from(self) -> Optional[IdentityOutcome]: ...
    def received_spf(self, identity: Optional[Union[Identity, str]] = None) -> str: ...
    def authentication_results(self, authserv_id: str) -> str: ...
    def smtp_reply(self) -> Optional[SmtpReply]: ...

# An answer (for Evaluation.answer() or from a resolver): a list of records,
# NXDOMAIN, NODATA, TEMPERROR or the bytes of a DNS response. A list of more
# than 5,956 records (more than one DNS message carries) or of TXT data over
# 65,535 bytes in all is taken as TEMPERROR; a value of the wrong type or
# shape raises ResolverError.
#
# sender, helo and receiver: at most 4,096 bytes each (InvalidArgumentError).
@final
class Evaluation:
    def __new__(
        cls,
        ip: Union[str, IPv4Address, IPv6Address],
        sender: str,
        helo: str,
        *,
        identity: Union[Identity, str] = "both",
        plan: str = "batched",
        receiver: Optional[str] = None,
        limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
        default_explanation: Optional[str] = None,
        trace: bool = False,
        always_mail_from: bool = False,
        definitive: Optional[Iterable[Union[Result, str]]] = None,
        timestamp: Optional[int] = None,
        cache: Optional[RecordCache] = None,
    ) -> Evaluation: ...
    def next(self) -> Optional[list[Query]]: ...
    def answer(self, query: Union[Query, int], answer: Any) -> None: ...
    # The deadline has passed: every query handed out and not answered, and
    # every query it would still ask (never handed out), is temperror; the
    # next next() returns None, and a later answer() raises AnswerError.
    def expire(self) -> None: ...
    @property
    def outcome(self) -> Optional[Outcome]: ...
    @property
    def done(self) -> bool: ...

@final
class Record:
    @property
    def terms(self) -> list[tuple[str, tuple[int, int]]]: ...

# The blocking check() and check_host() have no timeout of their own: they
# take as long as the resolver lets them (DnspythonResolver(timeout=...) is
# seconds per query). check_async() and friends take timeout in seconds.
def check(
    ip: Union[str, IPv4Address, IPv6Address],
    sender: str,
    helo: str,
    *,
    resolver: Optional[Callable[[str, str], Any]] = None,
    receiver: Optional[str] = None,
    limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    always_mail_from: bool = False,
    definitive: Optional[Iterable[Union[Result, str]]] = None,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "sequential",
) -> Outcome: ...
def check_host(
    ip: Union[str, IPv4Address, IPv6Address],
    sender: str,
    helo: str,
    *,
    identity: Union[Identity, str] = "mailfrom",
    resolver: Optional[Callable[[str, str], Any]] = None,
    receiver: Optional[str] = None,
    limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
    plan: str = "sequential",
) -> Outcome: ...
def parse_record(text: Any) -> Record: ...

@final
class ReportNode:
    @property
    def domain(self) -> str: ...
    @property
    def parent(self) -> Optional[int]: ...
    @property
    def via(self) -> str: ...
    @property
    def term(self) -> Optional[str]: ...
    @property
    def depth(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def record(self) -> Optional[str]: ...
    @property
    def dns_terms(self) -> int: ...
    @property
    def void_lookups(self) -> int: ...

@final
class Network:
    @property
    def network(self) -> str: ...
    @property
    def node(self) -> int: ...
    @property
    def term(self) -> str: ...
    @property
    def qualifier(self) -> str: ...

@final
class AnalysisWarning:
    @property
    def code(self) -> str: ...
    @property
    def node(self) -> int: ...
    @property
    def span(self) -> Optional[tuple[int, int]]: ...
    @property
    def message(self) -> str: ...

@final
class Report:
    @property
    def domain(self) -> str: ...
    @property
    def nodes(self) -> list[ReportNode]: ...
    @property
    def dns_terms(self) -> int: ...
    @property
    def void_lookups(self) -> int: ...
    @property
    def exceeds_dns_terms(self) -> bool: ...
    @property
    def exceeds_void_lookups(self) -> bool: ...
    @property
    def networks(self) -> list[Network]: ...
    @property
    def ipv4_addresses(self) -> int: ...
    @property
    def ipv6_addresses(self) -> int: ...
    @property
    def client_dependent(self) -> list[tuple[int, str]]: ...
    @property
    def warnings(self) -> list[AnalysisWarning]: ...

# domain: what a check_host() would look up (InvalidArgumentError with the
# reason otherwise); max_nodes: 1 to 1000.
@final
class Analysis:
    def __new__(
        cls,
        domain: str,
        *,
        record: Optional[str] = None,
        limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
        ipv6_client: bool = False,
        max_nodes: int = 100,
    ) -> Analysis: ...
    def next(self) -> Optional[list[Query]]: ...
    def answer(self, query: Union[Query, int], answer: Any) -> None: ...
    # As Evaluation.expire(): outstanding and later lookups are temperror.
    def expire(self) -> None: ...
    @property
    def outcome(self) -> Optional[Report]: ...

def analyze(
    domain: str,
    resolver: Any,
    *,
    record: Optional[str] = None,
    limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
    ipv6_client: bool = False,
    max_nodes: int = 100,
) -> Report: ...

# Receiver policy (spfkit.policy wraps _PolicyCore and _MessageCore).
# Settings are checked by core: PolicySettingsError (file, line, key) for
# a refused key or value; TypeError for a non-str key or a settings
# argument that is no Mapping.
@final
class Settings:
    def __new__(cls, settings: Optional[Mapping[str, Any]] = None, /, **keys: Unpack[SettingsDict]) -> Settings: ...
    @staticmethod
    def from_dict(settings: Mapping[str, Any], *, file: str = "<dict>") -> Settings: ...
    @staticmethod
    def from_toml(text: Union[str, bytes], *, file: str = "<string>") -> Settings: ...
    @staticmethod
    def load(path: Union[str, bytes, PathLike[str], PathLike[bytes]]) -> Settings: ...
    @property
    def authserv_id(self) -> str: ...

@final
class Decision:
    @property
    def recipient(self) -> str: ...
    @property
    def action(self) -> Action: ...
    @property
    def rule(self) -> Rule: ...
    @property
    def reply(self) -> Optional[SmtpReply]: ...
    @property
    def intended(self) -> Optional[SmtpReply]: ...
    @property
    def forwarder(self) -> Optional[str]: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def reputation_key(self) -> Optional[str]: ...
    @property
    def helo(self) -> Optional[Result]: ...
    @property
    def mail_from(self) -> Optional[Result]: ...
    @property
    def best_guess(self) -> Optional[Result]: ...
    @property
    def unacceptable_pass(self) -> bool: ...
    @property
    def iprev(self) -> Optional[IprevResult]: ...
    @property
    def queries(self) -> int: ...
    @property
    def round_trips(self) -> int: ...
    @property
    def refuses(self) -> bool: ...

@final
class Decide:
    def next(self) -> Optional[list[Query]]: ...
    def answer(self, query: Union[Query, int], answer: Any) -> None: ...
    def expire(self) -> None: ...
    @property
    def outcome(self) -> Optional[Decision]: ...
    @property
    def done(self) -> bool: ...

@final
class _MessageCore:
    def decide(
        self,
        recipient: Union[str, bytes],
        resolver: Callable[[str, str], Any],
        overrides: Optional[Mapping[str, Any]] = None,
        what: str = "overrides",
        source: str = "overrides",
    ) -> Decision: ...
    def steps(
        self,
        recipient: Union[str, bytes],
        overrides: Optional[Mapping[str, Any]] = None,
        what: str = "overrides",
        source: str = "overrides",
    ) -> Decide: ...
    @property
    def ip(self) -> str: ...
    @property
    def helo(self) -> str: ...
    @property
    def mail_from(self) -> str: ...
    @property
    def authenticated(self) -> bool: ...

@final
class _PolicyCore:
    def __new__(
        cls,
        settings: Settings,
        *,
        limits: Optional[Union[Limits, tuple[int, int, int, int]]] = None,
        plan: str = "batched",
        default_explanation: Optional[str] = None,
        timestamp: Optional[int] = None,
        cache: Optional[RecordCache] = None,
    ) -> _PolicyCore: ...
    def message(
        self, *, ip: Union[str, IPv4Address, IPv6Address], helo: str, mail_from: str, authenticated: bool
    ) -> _MessageCore: ...

# SRS (spfkit.srs wraps _SrsCore; spfkit.srs.Settings checks the types).
# SrsSettingsError for a value core refuses, SrsError for a refused
# rewrite; TypeError for a value of the wrong type.
@final
class _SrsCore:
    def __new__(
        cls,
        *,
        domain: str,
        secrets: Sequence[bytes],
        separator: str,
        hash_length: int,
        hash_min: int,
        max_age_days: int,
        url_safe: bool,
        local_domains: Sequence[str],
        refuse_long: bool,
    ) -> _SrsCore: ...
    # (address, reason, warnings): the new address and None, or the
    # address given and why it is unchanged; warnings as (kind, octets,
    # message).
    def forward(self, address: str, now: int) -> tuple[str, Optional[str], list[tuple[str, Optional[int], str]]]: ...
    def reverse(self, address: str, now: int) -> str: ...
