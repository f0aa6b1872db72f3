//! The blocking check() and check_host(), and the step class `Evaluation`.

use pyo3::prelude::*;
use pyo3::types::PyString;
use spfkit as spf;

use crate::arguments::{
    blocking_resolver, definitive_arg, identity_arg, ip_text, options, request, scope_arg, timestamp_arg, truthy,
};
use crate::cache::RecordCache;
use crate::errors::guard;
use crate::outcome::Outcome;
use crate::steps::{Query, Steps, drive};

#[allow(clippy::too_many_arguments)]
fn blocking_check(
    py: Python<'_>,
    scope: &str,
    ip: &Bound<'_, PyAny>,
    sender: &Bound<'_, PyString>,
    helo: &Bound<'_, PyString>,
    resolver: Option<&Bound<'_, PyAny>>,
    plan: &str,
    receiver: Option<&str>,
    limits: Option<&Bound<'_, PyAny>>,
    default_explanation: Option<&str>,
    trace: bool,
    always_mail_from: bool,
    definitive: Option<&Bound<'_, PyAny>>,
    timestamp: Option<&Bound<'_, PyAny>>,
    cache: Option<&Bound<'_, RecordCache>>,
) -> PyResult<Outcome> {
    guard(py, || {
        let ip = ip_text(py, ip)?;
        let definitive = definitive_arg(py, definitive)?;
        let timestamp = timestamp_arg(py, timestamp)?;
        let options = options(
            py,
            scope,
            plan,
            receiver,
            limits,
            default_explanation,
            trace,
            always_mail_from,
            definitive,
            timestamp,
            cache,
        )?;
        let resolver = blocking_resolver(py, resolver)?;
        let ev = spf::Evaluation::new(request(py, &ip, sender, helo)?, options);
        Ok(Outcome { o: drive(py, ev, &resolver)? })
    })
}

/// Checks a connection as RFC 7208 sections 2.3 and 2.4 say: HELO first
/// when it is a domain, then MAIL FROM unless HELO passed or failed.
///
/// ``sender`` is the MAIL FROM address (``""`` or ``"<>"`` for the null
/// reverse-path). ``resolver`` answers each DNS query (see
/// ``spfkit.DnspythonResolver`` for the form); dnspython's default resolver
/// when omitted. It blocks as long as the resolver does (the default one's
/// ``timeout`` is seconds per query; ``check_async()`` has an overall
/// timeout in seconds), and asks one query at a time
/// (``plan="sequential"``, the default here: a blocking resolver gains
/// nothing from being handed an mx term's hosts all at once). ``sender``,
/// ``helo`` and ``receiver`` hold at most 4,096 bytes each
/// (InvalidArgumentError beyond).
#[pyfunction]
#[pyo3(signature = (ip, sender, helo, *, resolver = None, receiver = None, limits = None,
    default_explanation = None, trace = false, always_mail_from = false, definitive = None,
    timestamp = None, cache = None, plan = "sequential"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    py: Python<'_>,
    ip: &Bound<'_, PyAny>,
    sender: &Bound<'_, PyString>,
    helo: &Bound<'_, PyString>,
    resolver: Option<&Bound<'_, PyAny>>,
    receiver: Option<&str>,
    limits: Option<&Bound<'_, PyAny>>,
    default_explanation: Option<&str>,
    #[pyo3(from_py_with = truthy)] trace: bool,
    #[pyo3(from_py_with = truthy)] always_mail_from: bool,
    definitive: Option<&Bound<'_, PyAny>>,
    timestamp: Option<&Bound<'_, PyAny>>,
    cache: Option<&Bound<'_, RecordCache>>,
    plan: &str,
) -> PyResult<Outcome> {
    blocking_check(
        py,
        "both",
        ip,
        sender,
        helo,
        resolver,
        plan,
        receiver,
        limits,
        default_explanation,
        trace,
        always_mail_from,
        definitive,
        timestamp,
        cache,
    )
}

/// One check_host() (RFC 7208 section 4) of a single identity: MAIL FROM
/// (postmaster@HELO for the null reverse-path) or HELO.
///
/// The other arguments are those of ``check()``. A mail filter calls this
/// for every message, so it goes straight to the native code.
#[pyfunction]
#[pyo3(signature = (ip, sender, helo, *, identity = "mailfrom", resolver = None, receiver = None,
    limits = None, default_explanation = None, trace = false, timestamp = None, cache = None,
    plan = "sequential"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_host(
    py: Python<'_>,
    ip: &Bound<'_, PyAny>,
    sender: &Bound<'_, PyString>,
    helo: &Bound<'_, PyString>,
    #[pyo3(from_py_with = identity_arg)] identity: &'static str,
    resolver: Option<&Bound<'_, PyAny>>,
    receiver: Option<&str>,
    limits: Option<&Bound<'_, PyAny>>,
    default_explanation: Option<&str>,
    #[pyo3(from_py_with = truthy)] trace: bool,
    timestamp: Option<&Bound<'_, PyAny>>,
    cache: Option<&Bound<'_, RecordCache>>,
    plan: &str,
) -> PyResult<Outcome> {
    blocking_check(
        py,
        identity,
        ip,
        sender,
        helo,
        resolver,
        plan,
        receiver,
        limits,
        default_explanation,
        trace,
        false,
        None,
        timestamp,
        cache,
    )
}

/// One evaluation driven by the caller: next() gives the queries of a step
/// (an empty list while answers are outstanding, None when done); answer
/// each, in any order, with answer().
#[pyclass(module = "spfkit")]
pub(crate) struct Evaluation {
    steps: Steps<spf::Evaluation>,
}

#[pymethods]
impl Evaluation {
    #[new]
    #[pyo3(signature = (ip, sender, helo, *, identity = "both", plan = "batched", receiver = None,
        limits = None, default_explanation = None, trace = false, always_mail_from = false, definitive = None,
        timestamp = None, cache = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        ip: &Bound<'_, PyAny>,
        sender: &Bound<'_, PyString>,
        helo: &Bound<'_, PyString>,
        #[pyo3(from_py_with = scope_arg)] identity: &'static str,
        plan: &str,
        receiver: Option<&str>,
        limits: Option<&Bound<'_, PyAny>>,
        default_explanation: Option<&str>,
        #[pyo3(from_py_with = truthy)] trace: bool,
        #[pyo3(from_py_with = truthy)] always_mail_from: bool,
        definitive: Option<&Bound<'_, PyAny>>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cache: Option<&Bound<'_, RecordCache>>,
    ) -> PyResult<Evaluation> {
        guard(py, || {
            // The same argument forms and checks as the blocking check().
            let ip = ip_text(py, ip)?;
            let options = options(
                py,
                identity,
                plan,
                receiver,
                limits,
                default_explanation,
                trace,
                always_mail_from,
                definitive_arg(py, definitive)?,
                timestamp_arg(py, timestamp)?,
                cache,
            )?;
            Ok(Evaluation { steps: Steps::new(spf::Evaluation::new(request(py, &ip, sender, helo)?, options)) })
        })
    }

    /// The next step's queries; [] while answers are outstanding; None when done.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        self.steps.next(py)
    }

    /// Answers a query (a Query or its id) with what a resolver would
    /// return: a list of records, NXDOMAIN, NODATA, TEMPERROR, or the bytes
    /// of a DNS response message.
    fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.steps.answer(py, query, answer)
    }

    /// The deadline has passed (RFC 7208 §4.6.4 asks for an overall limit):
    /// every query handed out and not answered is a temporary DNS error, and
    /// so is every query the evaluation would still ask, which is never
    /// handed out. The next next() returns None; an answer given after
    /// this is refused (AnswerError).
    fn expire(&self, py: Python<'_>) -> PyResult<()> {
        self.steps.expire(py)
    }

    /// The outcome once next() has returned None; None before.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<Outcome>> {
        Ok(self.steps.done(py)?.map(|o| Outcome { o }))
    }

    /// True once the evaluation has finished.
    #[getter]
    fn done(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.steps.lock(py)?.outcome().is_some())
    }
}
