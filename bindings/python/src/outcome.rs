//! Outcomes: what a check found, as Python objects.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use spfkit as spf;

use crate::arguments::word;
use crate::errors::invalid;

static RESULT_ENUM: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static IDENTITY_ENUM: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn enum_member<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    class: &str,
    value: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let class = cell.get_or_try_init(py, || py.import("spfkit._types")?.getattr(class).map(Bound::unbind))?;
    class.bind(py).call1((value,))
}

/// What one identity's check_host() found.
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct IdentityOutcome {
    o: spf::Outcome,
}

/// The counters of one check_host(): DNS-querying terms, void lookups,
/// queries handed out, and the round trips they took.
#[pyclass(module = "spfkit", frozen, get_all, eq, hash)]
#[derive(PartialEq, Hash)]
pub(crate) struct Counters {
    dns_terms: u32,
    void_lookups: u32,
    queries: u32,
    round_trips: u32,
}

#[pymethods]
impl Counters {
    fn __repr__(&self) -> String {
        format!(
            "Counters(dns_terms={}, void_lookups={}, queries={}, round_trips={})",
            self.dns_terms, self.void_lookups, self.queries, self.round_trips
        )
    }
}

/// One step of an evaluation, when the options asked for a trace.
#[pyclass(module = "spfkit", frozen, get_all)]
pub(crate) struct TraceEvent {
    /// "record", "term" or "error".
    kind: &'static str,
    /// Include/redirect nesting; 0 is the domain checked.
    depth: u32,
    domain: String,
    /// The record ("record"), the term ("term", "error"), or None.
    text: Option<String>,
    /// "term": whether it matched (redirect=: whether it was followed).
    matched: bool,
    /// "error": what went wrong; "term": why it looked nothing up, when
    /// its name could not be formed (an expansion that is no valid domain).
    message: Option<String>,
}

#[pymethods]
impl TraceEvent {
    fn __repr__(&self) -> String {
        format!("TraceEvent({:?}, depth={}, domain={:?}, text={:?})", self.kind, self.depth, self.domain, self.text)
    }
}

fn counters(c: spf::Counters) -> Counters {
    Counters { dns_terms: c.dns_terms, void_lookups: c.void_lookups, queries: c.queries, round_trips: c.round_trips }
}

fn trace(o: &spf::Outcome) -> Vec<TraceEvent> {
    o.trace
        .iter()
        .map(|e| match e {
            spf::TraceEvent::Record { depth, domain, record } => TraceEvent {
                kind: "record",
                depth: *depth,
                domain: domain.clone(),
                text: Some(record.clone()),
                matched: false,
                message: None,
            },
            spf::TraceEvent::Term { depth, domain, term, matched, note } => TraceEvent {
                kind: "term",
                depth: *depth,
                domain: domain.clone(),
                text: Some(term.clone()),
                matched: *matched,
                message: note.clone(),
            },
            spf::TraceEvent::Error { depth, domain, term, message } => TraceEvent {
                kind: "error",
                depth: *depth,
                domain: domain.clone(),
                text: term.clone(),
                matched: false,
                message: Some(message.clone()),
            },
        })
        .collect()
}

/// The fields one identity's outcome and the whole outcome share.
macro_rules! identity_getters {
    ($t:ty, $o:ident => $e:expr, { $($extra:tt)* }) => {
        #[pymethods]
        impl $t {
            $($extra)*

            /// The result, a spfkit.Result.
            #[getter]
            fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let $o = self;
                enum_member(py, &RESULT_ENUM, "Result", $e.result.as_str())
            }
            /// Which identity: a spfkit.Identity.
            #[getter]
            fn identity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let $o = self;
                enum_member(py, &IDENTITY_ENUM, "Identity", $e.identity.as_str())
            }
            /// The domain checked (A-labels).
            #[getter]
            fn domain(&self) -> String {
                let $o = self;
                $e.domain.clone()
            }
            /// The <sender> checked (postmaster@HELO for HELO and the null reverse-path).
            #[getter]
            fn sender(&self) -> String {
                let $o = self;
                $e.sender.clone()
            }
            /// The explanation of a fail (exp= or the default); None otherwise.
            #[getter]
            fn explanation(&self) -> Option<String> {
                let $o = self;
                $e.explanation.clone()
            }
            /// The directive that matched, as written; None when none did.
            #[getter]
            fn mechanism(&self) -> Option<String> {
                let $o = self;
                $e.mechanism.clone()
            }
            /// Why the result is none, temperror or permerror; None otherwise.
            #[getter]
            fn reason(&self) -> Option<String> {
                let $o = self;
                $e.reason.clone()
            }
            /// DNS-querying terms, void lookups, queries and round trips.
            #[getter]
            fn counters(&self) -> Counters {
                let $o = self;
                counters($e.counters)
            }
            /// The evaluation's steps (empty unless trace=True).
            #[getter]
            fn trace(&self) -> Vec<TraceEvent> {
                let $o = self;
                trace(&$e)
            }
        }
    };
}

identity_getters!(IdentityOutcome, s => s.o, {
    fn __repr__(&self) -> String {
        describe("IdentityOutcome", &self.o)
    }
});

fn describe(class: &str, o: &spf::Outcome) -> String {
    let mut s = format!("<{class} {} identity={} domain={:?}", o.result, o.identity.as_str(), o.domain);
    if let Some(m) = &o.mechanism {
        s.push_str(&format!(" mechanism={m:?}"));
    }
    if let Some(r) = &o.reason {
        s.push_str(&format!(" reason={r:?}"));
    }
    s.push('>');
    s
}

/// The SMTP reply a result calls for (RFC 7372).
#[pyclass(module = "spfkit", frozen, get_all, eq, hash)]
#[derive(PartialEq, Hash)]
pub(crate) struct SmtpReply {
    /// 550 or 451 (the receiver policy's replies also 551).
    pub(crate) code: u16,
    /// "5.7.23", "5.7.24" or "4.7.24" (the policy's also X.7.1, X.7.25, X.7.26).
    pub(crate) enhanced: &'static str,
    /// One line of printable ASCII.
    pub(crate) text: String,
}

#[pymethods]
impl SmtpReply {
    fn __repr__(&self) -> String {
        format!("SmtpReply(code={}, enhanced={:?}, text={:?})", self.code, self.enhanced, self.text)
    }

    fn __str__(&self) -> String {
        format!("{} {} {}", self.code, self.enhanced, self.text)
    }
}

/// What a check found: the deciding identity's result and details (as
/// attributes), each identity's own outcome (helo, mail_from), and the
/// headers and SMTP reply.
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct Outcome {
    pub(crate) o: spf::CheckOutcome,
}

identity_getters!(Outcome, s => s.o.outcome(), {
    /// The identity whose result decides.
    #[getter]
    fn decided_by<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_member(py, &IDENTITY_ENUM, "Identity", self.o.decided_by.as_str())
    }

    /// HELO's outcome; None when HELO was not checked.
    #[getter]
    fn helo(&self) -> Option<IdentityOutcome> {
        self.o.helo_outcome.clone().map(|o| IdentityOutcome { o })
    }

    /// MAIL FROM's outcome; None when it was not checked.
    #[getter]
    fn mail_from(&self) -> Option<IdentityOutcome> {
        self.o.mail_from_outcome.clone().map(|o| IdentityOutcome { o })
    }

    /// The Received-SPF header field (RFC 7208 §9.1) for the deciding
    /// identity or the one named ("helo", "mailfrom"): one line, folded
    /// only where it would pass 998 characters.
    #[pyo3(signature = (identity = None))]
    fn received_spf(&self, py: Python<'_>, identity: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let o = match identity {
            None => self.o.outcome(),
            Some(i) => {
                // A str, or spfkit.Identity (whose str() is its value).
                let name = i.str()?.to_string();
                let which = match word(py, &name)? {
                    spf::Identity::Helo => self.o.helo_outcome.as_ref(),
                    spf::Identity::MailFrom => self.o.mail_from_outcome.as_ref(),
                };
                which.ok_or_else(|| invalid(py, format!("{name} was not checked")))?
            }
        };
        Ok(self.o.received_spf_for(o))
    }

    /// The Authentication-Results header field (RFC 8601), one spf
    /// resinfo per identity checked, for authentication service `authserv_id`.
    fn authentication_results(&self, authserv_id: &str) -> String {
        self.o.authentication_results(authserv_id)
    }

    /// The SMTP reply the result calls for; None for pass, none, neutral, softfail.
    fn smtp_reply(&self) -> Option<SmtpReply> {
        self.o.smtp_reply().map(|r| SmtpReply { code: r.code, enhanced: r.enhanced, text: r.text })
    }

    fn __repr__(&self) -> String {
        describe("Outcome", self.o.outcome())
    }
});
