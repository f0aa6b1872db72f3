"""spfkit: SPF (RFC 7208) checks for Python mail software.

>>> import spfkit
>>> zone = {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"]}
>>> def resolve(name, rdtype):
...     return zone.get((name, rdtype), spfkit.NXDOMAIN)
>>> outcome = spfkit.check_host("192.0.2.7", "alice@example.com", "mx.example.org", resolver=resolve)
>>> outcome.result
<Result.PASS: 'pass'>
>>> outcome.result == "pass"
True
"""

from ._analysis import analyze, analyze_async
from ._check import DEFAULT_TIMEOUT, check, check_async, check_host, check_host_async
from ._errors import (
    AnswerError,
    InternalError,
    InvalidAddressError,
    InvalidArgumentError,
    PolicySettingsError,
    RecordSyntaxError,
    ResolverError,
    SpfkitError,
    SrsError,
    SrsSettingsError,
)
from ._resolvers import AsyncDnspythonResolver, DnspythonResolver
from ._spfkit import (
    NODATA,
    Analysis,
    Network,
    AnalysisWarning,
    Report,
    ReportNode,
    NXDOMAIN,
    TEMPERROR,
    Counters,
    EmptyAnswer,
    Evaluation,
    IdentityOutcome,
    Outcome,
    Query,
    Record,
    RecordCache,
    SmtpReply,
    TraceEvent,
    __version__,
    parse_record,
)
from ._types import Identity, Limits, Result
from . import policy, srs

__all__ = [
    "Analysis",
    "AnalysisWarning",
    "AnswerError",
    "Network",
    "Report",
    "ReportNode",
    "analyze",
    "analyze_async",
    "AsyncDnspythonResolver",
    "Counters",
    "DEFAULT_TIMEOUT",
    "DnspythonResolver",
    "EmptyAnswer",
    "Evaluation",
    "Identity",
    "IdentityOutcome",
    "InternalError",
    "InvalidAddressError",
    "InvalidArgumentError",
    "Limits",
    "NODATA",
    "NXDOMAIN",
    "Outcome",
    "PolicySettingsError",
    "Query",
    "Record",
    "RecordCache",
    "RecordSyntaxError",
    "ResolverError",
    "Result",
    "SmtpReply",
    "SpfkitError",
    "SrsError",
    "SrsSettingsError",
    "TEMPERROR",
    "TraceEvent",
    "__version__",
    "check",
    "check_async",
    "check_host",
    "check_host_async",
    "parse_record",
]
