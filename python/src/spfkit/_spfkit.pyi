# Types of the native module spfkit._spfkit (bindings/python/src/lib.rs),
# checked against the built module by mypy.stubtest.
from typing import Any, Optional, Sequence

from typing_extensions import final

from ._types import Identity, Result

__version__: str
__all__ = [
    "Counters",
    "EmptyAnswer",
    "Evaluation",
    "IdentityOutcome",
    "NODATA",
    "NXDOMAIN",
    "Outcome",
    "Query",
    "Record",
    "RecordCache",
    "SmtpReply",
    "TEMPERROR",
    "TraceEvent",
    "__version__",
    "check",
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
    def received_spf(self, identity: Optional[Any] = None) -> str: ...
    def authentication_results(self, authserv_id: str) -> str: ...
    def smtp_reply(self) -> Optional[SmtpReply]: ...

@final
class Evaluation:
    def __new__(
        cls,
        ip: str,
        sender: str,
        helo: str,
        *,
        identity: str = "both",
        plan: str = "batched",
        receiver: Optional[str] = None,
        limits: Optional[tuple[int, int, int, int]] = None,
        default_explanation: Optional[str] = None,
        trace: bool = False,
        always_mail_from: bool = False,
        definitive: Optional[Sequence[str]] = None,
        timestamp: Optional[int] = None,
        cache: Optional[RecordCache] = None,
    ) -> Evaluation: ...
    def next(self) -> Optional[list[Query]]: ...
    def answer(self, query: Any, answer: Any) -> None: ...
    @property
    def outcome(self) -> Optional[Outcome]: ...
    @property
    def done(self) -> bool: ...

@final
class Record:
    @property
    def terms(self) -> list[tuple[str, tuple[int, int]]]: ...

def check(
    ip: str,
    sender: str,
    helo: str,
    resolver: Any,
    *,
    identity: str = "both",
    plan: str = "batched",
    receiver: Optional[str] = None,
    limits: Optional[tuple[int, int, int, int]] = None,
    default_explanation: Optional[str] = None,
    trace: bool = False,
    always_mail_from: bool = False,
    definitive: Optional[Sequence[str]] = None,
    timestamp: Optional[int] = None,
    cache: Optional[RecordCache] = None,
) -> Outcome: ...
def parse_record(text: Any) -> Record: ...
