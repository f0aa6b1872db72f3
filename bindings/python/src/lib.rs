//! `spfkit._spfkit`: the native half of the Python package (python/).
//!
//! A thin layer: Python values in, checked, core types out. The public API,
//! its enums and exceptions live in the pure-Python package, which this
//! module imports lazily to raise its exceptions and build its enums. Every
//! function that evaluates, analyses or parses runs under [`guard`], so a
//! Rust panic there reaches Python as `spfkit.InternalError` (an
//! `Exception`), not pyo3's `PanicException` (a `BaseException` that
//! `except Exception` misses). Python code (resolvers, `__str__` of answer
//! values) never runs while a lock of ours is held.

use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};
use spfkit as spf;

mod answers;
use answers::{EmptyAnswer, shown};

// ---------------------------------------------------------------------------
// Errors: the package's own classes (spfkit/_errors.py)
// ---------------------------------------------------------------------------

fn error<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let made = py.import("spfkit._errors").and_then(|m| m.getattr(class)).and_then(|c| c.call1(args));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

fn invalid(py: Python<'_>, message: String) -> PyErr {
    error(py, "InvalidArgumentError", (message,))
}

/// Runs `f`; a panic inside becomes `spfkit.InternalError`.
fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(error(py, "InternalError", (format!("internal error in spfkit (a bug): {what}"),)))
        }
    }
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/// Parsed records shared between evaluations and threads, keyed by the exact
/// record bytes (a hit can never change a result).
#[pyclass(module = "spfkit", frozen)]
struct RecordCache {
    cache: Arc<spf::RecordCache>,
}

#[pymethods]
impl RecordCache {
    #[new]
    #[pyo3(signature = (capacity = 4096))]
    fn new(py: Python<'_>, capacity: i64) -> PyResult<RecordCache> {
        if !(0..=1 << 24).contains(&capacity) {
            return Err(invalid(py, format!("capacity must be 0 to 16777216, not {capacity}")));
        }
        Ok(RecordCache { cache: Arc::new(spf::RecordCache::new(capacity as usize)) })
    }

    fn __len__(&self) -> usize {
        self.cache.len()
    }

    fn __repr__(&self) -> String {
        format!("<RecordCache with {} records>", self.cache.len())
    }
}

#[allow(clippy::too_many_arguments)]
fn options(
    py: Python<'_>,
    scope: &str,
    plan: &str,
    receiver: Option<&str>,
    limits: Option<&Bound<'_, PyAny>>,
    default_explanation: Option<&str>,
    trace: bool,
    always_mail_from: bool,
    definitive: Option<Vec<String>>,
    timestamp: Option<u64>,
    cache: Option<&Bound<'_, RecordCache>>,
) -> PyResult<spf::Options> {
    let mut o = spf::Options {
        scope: match scope {
            "both" => spf::Scope::Both,
            "mailfrom" => spf::Scope::MailFrom,
            "helo" => spf::Scope::Helo,
            other => return Err(invalid(py, format!("identity must be 'both', 'mailfrom' or 'helo', not {other:?}"))),
        },
        plan: match plan {
            "batched" => spf::LookupPlan::Batched,
            "sequential" => spf::LookupPlan::Sequential,
            other => return Err(invalid(py, format!("plan must be 'batched' or 'sequential', not {other:?}"))),
        },
        trace,
        always_mail_from,
        timestamp,
        ..spf::Options::default()
    };
    if let Some(r) = receiver {
        // The bound core sets for a sender or HELO name (Request::MAX_LENGTH).
        if r.len() > spf::Request::MAX_LENGTH {
            return Err(invalid(py, format!("receiver is longer than {} bytes", spf::Request::MAX_LENGTH)));
        }
        o.receiver = Arc::from(r);
    }
    if let Some(e) = default_explanation {
        o.default_explanation = Arc::from(e);
    }
    if let Some(l) = limits {
        o.limits = limits_arg(py, l)?;
    }
    if let Some(names) = definitive {
        let results = names
            .iter()
            .map(|n| spf::SpfResult::from_name(n).ok_or_else(|| invalid(py, format!("{n:?} is not an SPF result"))))
            .collect::<PyResult<Vec<_>>>()?;
        o.definitive = spf::ResultSet::of(&results);
    }
    o.cache = cache.map(|c| Arc::clone(&c.get().cache));
    Ok(o)
}

/// The most any limit may be raised to (spfkit.Limits.MAX, core's).
const MAX_LIMIT: i64 = spf::Limits::MAX as i64;

/// Limits from a spfkit.Limits (its `_as_tuple()`) or a 4-tuple of ints.
fn limits_arg(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<spf::Limits> {
    let tuple = if v.hasattr("_as_tuple")? { v.call_method0("_as_tuple")? } else { v.clone() };
    let (dns_terms, mx_names, ptr_names, void_lookups): (i64, i64, i64, i64) = tuple.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "limits must be a spfkit.Limits or (dns_terms, mx_names, ptr_names, void_lookups), not {}",
            shown(v)
        ))
    })?;
    let check = |name: &str, n: i64| -> PyResult<u32> {
        if (0..=MAX_LIMIT).contains(&n) {
            Ok(n as u32)
        } else {
            Err(invalid(py, format!("limit {name} must be 0 to {MAX_LIMIT}, not {n}")))
        }
    };
    Ok(spf::Limits {
        dns_terms: check("dns_terms", dns_terms)?,
        mx_names: check("mx_names", mx_names)?,
        ptr_names: check("ptr_names", ptr_names)?,
        void_lookups: check("void_lookups", void_lookups)?,
    })
}

fn request(
    py: Python<'_>,
    ip: &Bound<'_, PyString>,
    sender: &Bound<'_, PyString>,
    helo: &Bound<'_, PyString>,
) -> PyResult<spf::Request> {
    let (ip, sender, helo) = (utf8(ip), utf8(sender), utf8(helo));
    let (ip, sender, helo) = (ip.text(), sender.text(), helo.text());
    let ip: IpAddr =
        ip.trim().parse().map_err(|_| error(py, "InvalidAddressError", (format!("{ip:?} is not an IP address"),)))?;
    let request = spf::Request::new(ip, sender, helo);
    // Core's bounds, the same in every binding.
    request.check_bounds().map_err(|e| invalid(py, e))?;
    Ok(request)
}

/// A str's UTF-8, borrowed from the bytes object Python makes for it (the
/// limited API of 3.9 has no borrowed form). Lossy: text decoded with
/// surrogateescape holds lone surrogates; as U+FFFD they make a domain
/// invalid (none), not an exception.
enum Utf8<'py> {
    Encoded(Bound<'py, PyBytes>),
    Lossy(String),
}

impl Utf8<'_> {
    fn text(&self) -> &str {
        match self {
            Utf8::Encoded(b) => core::str::from_utf8(b.as_bytes()).unwrap_or_default(),
            Utf8::Lossy(s) => s,
        }
    }
}

fn utf8<'py>(s: &Bound<'py, PyString>) -> Utf8<'py> {
    match s.encode_utf8() {
        // Python's own encoder made it: valid UTF-8.
        Ok(b) => Utf8::Encoded(b),
        Err(_) => Utf8::Lossy(s.to_string_lossy().into_owned()),
    }
}

// ---------------------------------------------------------------------------
// Answers from Python (read in answers.rs)
// ---------------------------------------------------------------------------

/// The name of a value's type, for messages where the type is what is wrong.
fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// Calls the resolver; an Exception it raises is a DNS failure (temperror);
/// a BaseException that is not an Exception (KeyboardInterrupt,
/// SystemExit) goes through.
fn resolve(
    py: Python<'_>,
    resolver: &Bound<'_, PyAny>,
    q: &spf::Query,
    qtype: &Bound<'_, PyString>,
) -> PyResult<spf::Answer> {
    match resolver.call1((q.name.as_str(), qtype)) {
        Ok(v) => answers::answer(py, q, &v),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyException>(py) => Ok(spf::Answer::TempError),
        Err(e) => Err(e),
    }
}

fn qtype_str<'py>(py: Python<'py>, t: spf::QueryType) -> &'py Bound<'py, PyString> {
    match t {
        spf::QueryType::A => pyo3::intern!(py, "A"),
        spf::QueryType::Aaaa => pyo3::intern!(py, "AAAA"),
        spf::QueryType::Mx => pyo3::intern!(py, "MX"),
        spf::QueryType::Txt => pyo3::intern!(py, "TXT"),
        spf::QueryType::Ptr => pyo3::intern!(py, "PTR"),
    }
}

// ---------------------------------------------------------------------------
// Driving an evaluation or an analysis (core's one step API)
// ---------------------------------------------------------------------------

/// What the binding drives: core's Evaluation or Analysis.
trait Machine: Send {
    type Done: Clone;
    fn step(&mut self) -> spf::Step<'_, Self::Done>;
    fn give(&mut self, id: spf::QueryId, answer: spf::Answer) -> Result<(), spf::AnswerError>;
    fn expire(&mut self);
    fn done(&self) -> Option<&Self::Done>;
    fn into_done(self) -> Option<Self::Done>;
}

impl Machine for spf::Evaluation {
    type Done = spf::CheckOutcome;
    fn step(&mut self) -> spf::Step<'_, spf::CheckOutcome> {
        self.next()
    }
    fn give(&mut self, id: spf::QueryId, answer: spf::Answer) -> Result<(), spf::AnswerError> {
        self.answer(id, answer)
    }
    fn expire(&mut self) {
        spf::Evaluation::expire(self)
    }
    fn done(&self) -> Option<&spf::CheckOutcome> {
        self.outcome()
    }
    fn into_done(self) -> Option<spf::CheckOutcome> {
        self.into_outcome()
    }
}

impl Machine for spf::Analysis {
    type Done = spf::Report;
    fn step(&mut self) -> spf::Step<'_, spf::Report> {
        self.next()
    }
    fn give(&mut self, id: spf::QueryId, answer: spf::Answer) -> Result<(), spf::AnswerError> {
        self.answer(id, answer)
    }
    fn expire(&mut self) {
        spf::Analysis::expire(self)
    }
    fn done(&self) -> Option<&spf::Report> {
        self.report()
    }
    fn into_done(self) -> Option<spf::Report> {
        self.into_report()
    }
}

/// Runs `m` to the end with a blocking resolver: core's steps without the
/// GIL, the resolver called for each query.
fn drive<M: Machine>(py: Python<'_>, mut m: M, resolver: &Bound<'_, PyAny>) -> PyResult<M::Done> {
    if !resolver.is_callable() {
        return Err(PyTypeError::new_err(format!("resolver must be callable, not {}", type_name(resolver))));
    }
    // One buffer for every step's queries: clone_from reuses the names'
    // allocations, and a check takes several steps.
    let mut queries: Vec<spf::Query> = Vec::new();
    loop {
        let more = without_gil(py, || match m.step() {
            spf::Step::Lookup(q) => {
                queries.truncate(q.len());
                let (reuse, add) = q.split_at(queries.len());
                for (mine, q) in queries.iter_mut().zip(reuse) {
                    mine.id = q.id;
                    mine.qtype = q.qtype;
                    mine.name.clone_from(&q.name);
                }
                queries.extend_from_slice(add);
                true
            }
            spf::Step::Pending => {
                queries.clear();
                true
            }
            spf::Step::Done(_) => false,
        });
        if !more {
            break;
        }
        if queries.is_empty() {
            return Err(error(py, "InternalError", ("waiting although every query was answered",)));
        }
        for q in &queries {
            let a = resolve(py, resolver, q, qtype_str(py, q.qtype))?;
            m.give(q.id, a).map_err(|e| error(py, "InternalError", (e.to_string(),)))?;
        }
    }
    Ok(m.into_done().expect("done"))
}

/// Runs `f` with the GIL released: PyEval_SaveThread/RestoreThread
/// directly, as pyo3's `detach` costs about as much again in bookkeeping
/// and a blocking check releases the GIL once per step. `f` runs core code
/// only and must not touch Python; a panic in it reattaches before unwinding.
fn without_gil<T>(_py: Python<'_>, f: impl FnOnce() -> T) -> T {
    struct Reattach(*mut pyo3::ffi::PyThreadState);
    impl Drop for Reattach {
        fn drop(&mut self) {
            // SAFETY: the state PyEval_SaveThread gave, on the same thread.
            unsafe { pyo3::ffi::PyEval_RestoreThread(self.0) };
        }
    }
    // SAFETY: `_py` proves this thread holds the GIL; nothing in `f` uses
    // Python, and the guard reattaches on every path out.
    let _reattach = Reattach(unsafe { pyo3::ffi::PyEval_SaveThread() });
    f()
}

/// A machine driven from Python (Evaluation, Analysis), with the queries it
/// handed out, so an answer can be checked against its question. A pyclass
/// must be Sync: the Mutex makes it so (one thread drives it anyway).
struct Steps<M> {
    m: std::sync::Mutex<(M, std::collections::HashMap<u32, spf::Query>)>,
}

impl<M: Machine> Steps<M> {
    fn new(m: M) -> Steps<M> {
        Steps { m: std::sync::Mutex::new((m, Default::default())) }
    }

    fn lock(
        &self,
        py: Python<'_>,
    ) -> PyResult<std::sync::MutexGuard<'_, (M, std::collections::HashMap<u32, spf::Query>)>> {
        // A panic while it was held leaves it poisoned: say so rather than go on.
        self.m.lock().map_err(|_| error(py, "InternalError", ("this failed earlier; start a new one",)))
    }

    /// The next step's queries; [] while answers are outstanding; None when done.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        guard(py, || {
            let mut guard = self.lock(py)?;
            let (m, handed_out) = &mut *guard;
            Ok(match m.step() {
                spf::Step::Lookup(qs) => {
                    let mut out = Vec::with_capacity(qs.len());
                    for q in qs {
                        handed_out.insert(q.id.0, q.clone());
                        out.push(Query { id: q.id.0, name: q.name.clone(), qtype: q.qtype.as_str() });
                    }
                    Some(out)
                }
                spf::Step::Pending => Some(Vec::new()),
                spf::Step::Done(_) => None,
            })
        })
    }

    /// Answers a query (a Query or its id) with what a resolver would return.
    fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let unknown = |id: &dyn std::fmt::Display| {
                error(py, "AnswerError", (format!("no query with id {id} was handed out"),))
            };
            let id: u32 = match query.cast::<Query>() {
                Ok(q) => q.get().id,
                // An int that is no id we hand out (negative, huge) is an unknown id.
                Err(_) => match query.cast_exact::<pyo3::types::PyInt>() {
                    Ok(i) => i.extract().map_err(|_| unknown(&shown(query)))?,
                    Err(_) => {
                        return Err(PyTypeError::new_err(format!(
                            "answer() takes a Query or its id (an int), not {}",
                            shown(query)
                        )));
                    }
                },
            };
            let q = self.lock(py)?.1.get(&id).cloned();
            let q = q.ok_or_else(|| unknown(&id))?;
            // Converting may run Python code (a __str__, an __iter__): not under our lock.
            let a = answers::answer(py, &q, answer)?;
            self.lock(py)?
                .0
                .give(spf::QueryId(id), a)
                .map_err(|e| error(py, "AnswerError", (format!("query {id}: {e}"),)))
        })
    }

    /// The deadline has passed: core's expire().
    fn expire(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            self.lock(py)?.0.expire();
            Ok(())
        })
    }

    fn done(&self, py: Python<'_>) -> PyResult<Option<M::Done>> {
        Ok(self.lock(py)?.0.done().cloned())
    }
}

// ---------------------------------------------------------------------------
// Blocking check
// ---------------------------------------------------------------------------

/// The client address: a str, or an `ipaddress.IPv4Address`/`IPv6Address`.
fn ip_text<'py>(py: Python<'py>, ip: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    if let Ok(s) = ip.cast::<PyString>() {
        return Ok(s.clone());
    }
    let module = py.import("ipaddress")?;
    if ip.is_instance(&module.getattr("IPv4Address")?)? || ip.is_instance(&module.getattr("IPv6Address")?)? {
        return ip.str();
    }
    Err(PyTypeError::new_err(format!("ip must be a str or an ipaddress object, not {}", shown(ip))))
}

/// The caller's resolver, or dnspython's (spfkit.DnspythonResolver) when None.
fn blocking_resolver<'py>(py: Python<'py>, resolver: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    match resolver {
        Some(r) if !r.is_none() => Ok(r.clone()),
        _ => py.import("spfkit._resolvers")?.getattr("DnspythonResolver")?.call0(),
    }
}

/// A flag as Python tests one (`trace=None` is false, as before the
/// functions were native).
fn truthy(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    v.is_truthy()
}

/// `identity` of check_host(): "mailfrom" or "helo", as a str or a
/// spfkit.Identity (a str enum); anything else is InvalidArgumentError.
fn identity_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    identity_in(v, &["mailfrom", "helo"])
}

/// `identity` of an Evaluation: check_host()'s, or "both" for check().
fn scope_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    identity_in(v, &["both", "mailfrom", "helo"])
}

fn identity_in(v: &Bound<'_, PyAny>, allowed: &[&'static str]) -> PyResult<&'static str> {
    let text = v.str()?;
    let cow = text.to_cow()?;
    match allowed.iter().find(|a| **a == cow.as_ref()) {
        Some(a) => Ok(a),
        None => {
            let names = allowed.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" or ");
            Err(invalid(v.py(), format!("identity must be {names}, not {}", text.repr()?)))
        }
    }
}

/// `timestamp`: an int (not a bool) from 0 to 2**64 - 1.
fn timestamp_arg(py: Python<'_>, t: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    let Some(t) = t.filter(|t| !t.is_none()) else { return Ok(None) };
    match t.cast_exact::<pyo3::types::PyInt>().ok().and_then(|i| i.extract::<u64>().ok()) {
        Some(v) => Ok(Some(v)),
        None => Err(invalid(py, format!("timestamp must be seconds since the epoch, not {}", t.repr()?))),
    }
}

/// `definitive`: a collection of results (not one str); at most a few dozen.
fn definitive_arg(py: Python<'_>, d: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(d) = d.filter(|d| !d.is_none()) else { return Ok(None) };
    if d.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("definitive is a collection of results, e.g. ['pass', 'fail'], not a str"));
    }
    let mut names = Vec::new();
    for r in d.try_iter()? {
        if names.len() == 64 {
            return Err(invalid(py, "definitive holds at most 64 results".to_owned()));
        }
        names.push(r?.str()?.to_string());
    }
    Ok(Some(names))
}

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
fn check(
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
fn check_host(
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

// ---------------------------------------------------------------------------
// The step API
// ---------------------------------------------------------------------------

/// A DNS query an evaluation needs answered.
#[pyclass(module = "spfkit", frozen, get_all)]
struct Query {
    /// Give it back with the answer (or pass the Query itself).
    id: u32,
    /// The name, ASCII, without a trailing dot.
    name: String,
    /// "A", "AAAA", "MX", "TXT" or "PTR".
    #[pyo3(name = "type")]
    qtype: &'static str,
}

#[pymethods]
impl Query {
    fn __repr__(&self) -> String {
        format!("Query(id={}, name={:?}, type={:?})", self.id, self.name, self.qtype)
    }

    /// The RFC 1035 query message for this query (recursion desired), with
    /// the given message id.
    #[pyo3(signature = (message_id = 0))]
    fn message<'py>(&self, py: Python<'py>, message_id: i64) -> PyResult<Bound<'py, PyBytes>> {
        let message_id = u16::try_from(message_id)
            .map_err(|_| invalid(py, format!("message_id must be 0 to 65535, not {message_id}")))?;
        let q = spf::Query {
            id: spf::QueryId(self.id),
            name: self.name.clone(),
            qtype: spf::QueryType::from_name(self.qtype).expect("a type we made"),
        };
        let m = spf::wire::query_message(&q, message_id).map_err(|e| invalid(py, e.to_string()))?;
        Ok(PyBytes::new(py, &m))
    }
}

/// One evaluation driven by the caller: next() gives the queries of a step
/// (an empty list while answers are outstanding, None when done); answer
/// each, in any order, with answer().
#[pyclass(module = "spfkit")]
struct Evaluation {
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
        Ok(self.steps.lock(py)?.0.done().is_some())
    }
}

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

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
struct IdentityOutcome {
    o: spf::Outcome,
}

/// The counters of one check_host(): DNS-querying terms, void lookups,
/// queries handed out, and the round trips they took.
#[pyclass(module = "spfkit", frozen, get_all, eq, hash)]
#[derive(PartialEq, Hash)]
struct Counters {
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
struct TraceEvent {
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

fn identity_str(i: spf::Identity) -> &'static str {
    match i {
        spf::Identity::Helo => "helo",
        spf::Identity::MailFrom => "mailfrom",
    }
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
                enum_member(py, &IDENTITY_ENUM, "Identity", identity_str($e.identity))
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
    let mut s = format!("<{class} {} identity={} domain={:?}", o.result, identity_str(o.identity), o.domain);
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
struct SmtpReply {
    /// 550 or 451.
    code: u16,
    /// "5.7.23", "5.7.24" or "4.7.24".
    enhanced: &'static str,
    /// One line of printable ASCII.
    text: String,
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
struct Outcome {
    o: spf::CheckOutcome,
}

identity_getters!(Outcome, s => s.o.outcome(), {
    /// The identity whose result decides.
    #[getter]
    fn decided_by<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_member(py, &IDENTITY_ENUM, "Identity", identity_str(self.o.decided_by))
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

    /// The Received-SPF header field (RFC 7208 §9.1), one line, for the
    /// deciding identity or the one named ("helo", "mailfrom").
    #[pyo3(signature = (identity = None))]
    fn received_spf(&self, py: Python<'_>, identity: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let o = match identity {
            None => self.o.outcome(),
            Some(i) => {
                let name = i.str()?.to_string();
                let which = match name.as_str() {
                    "helo" | "Identity.HELO" => self.o.helo_outcome.as_ref(),
                    "mailfrom" | "Identity.MAIL_FROM" => self.o.mail_from_outcome.as_ref(),
                    _ => return Err(invalid(py, format!("identity must be 'helo' or 'mailfrom', not {name:?}"))),
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

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/// A parsed SPF record; str() prints it back.
#[pyclass(module = "spfkit", frozen)]
struct Record {
    r: spf::Record,
    text: String,
}

/// Byte offset `b` in `text` as a str index (code points before it).
fn char_index(text: &str, b: usize) -> usize {
    let mut b = b.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().count()
}

#[pymethods]
impl Record {
    /// The terms as written, each with its (start, end) str indices.
    #[getter]
    fn terms(&self) -> Vec<(String, (usize, usize))> {
        self.r
            .terms()
            .iter()
            .map(|t| {
                let s = t.span();
                (t.to_string(), (char_index(&self.text, s.start), char_index(&self.text, s.end)))
            })
            .collect()
    }

    fn __str__(&self) -> String {
        self.r.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Record({:?})", self.r.to_string())
    }
}

/// Parses an SPF record (str, or bytes as TXT data arrives). Raises
/// spfkit.RecordSyntaxError with the code, the term and its span in the
/// input's indices (str indices for str, byte offsets for bytes); the
/// message names the unit: "(characters a..b)" or "(bytes a..b)".
#[pyfunction]
fn parse_record(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Record> {
    guard(py, || {
        let (bytes, as_str) = if let Ok(s) = text.cast::<PyString>() {
            // Lone surrogates become U+FFFD: a character outside printable ASCII.
            (s.to_string_lossy().into_owned().into_bytes(), true)
        } else if let Ok(b) = text.cast::<PyBytes>() {
            (b.as_bytes().to_vec(), false)
        } else {
            return Err(PyTypeError::new_err(format!("a record is str or bytes, not {}", type_name(text))));
        };
        let decoded = String::from_utf8_lossy(&bytes).into_owned();
        match spf::Record::parse_bytes(&bytes) {
            Ok(r) => Ok(Record { r, text: decoded }),
            Err(e) => {
                let (start, end, message) = if as_str {
                    let (start, end) = (char_index(&decoded, e.span.start), char_index(&decoded, e.span.end));
                    (start, end, in_characters(&e, start, end))
                } else {
                    (e.span.start, e.span.end, e.to_string())
                };
                Err(error(py, "RecordSyntaxError", (message, e.kind.code(), e.term.clone(), start, end)))
            }
        }
    })
}

/// Core's message for a syntax error, which ends in its byte span
/// "(bytes a..b)", with the span in characters (str indices) instead.
fn in_characters(e: &spf::ParseError, start: usize, end: usize) -> String {
    let message = e.to_string();
    let bytes = format!(" (bytes {}..{})", e.span.start, e.span.end);
    let what = message.strip_suffix(&bytes).unwrap_or(&message);
    format!("{what} (characters {start}..{end})")
}

// ---------------------------------------------------------------------------
// Record analysis
// ---------------------------------------------------------------------------

/// One record of an analysed tree.
#[pyclass(module = "spfkit", frozen, get_all)]
struct ReportNode {
    domain: String,
    /// Index of the parent node; None for the analysed domain.
    parent: Option<usize>,
    /// "root", "include" or "redirect".
    via: &'static str,
    /// The parent's term that led here.
    term: Option<String>,
    depth: u32,
    /// "dns", or "draft" for a record not yet published.
    source: &'static str,
    /// The record; None when there is none (or several).
    record: Option<String>,
    /// This record's own DNS-querying terms and void lookups.
    dns_terms: u32,
    void_lookups: u32,
}

#[pymethods]
impl ReportNode {
    fn __repr__(&self) -> String {
        format!("ReportNode({:?}, via={:?}, record={:?})", self.domain, self.via, self.record)
    }
}

/// A network the tree authorises (or names with another qualifier).
#[pyclass(module = "spfkit", frozen, get_all)]
struct Network {
    /// "192.0.2.0/24", "2001:db8::/32".
    network: String,
    node: usize,
    term: String,
    /// "+", "-", "~" or "?".
    qualifier: String,
}

#[pymethods]
impl Network {
    fn __repr__(&self) -> String {
        format!("Network({:?}, qualifier={:?}, term={:?})", self.network, self.qualifier, self.term)
    }
}

/// A finding: a stable code, the node, the span in that node's record (str
/// indices) and a sentence. (Not `Warning`: that is a builtin.)
#[pyclass(module = "spfkit", name = "AnalysisWarning", frozen, get_all)]
struct Warning {
    code: &'static str,
    node: usize,
    span: Option<(usize, usize)>,
    message: String,
}

#[pymethods]
impl Warning {
    fn __repr__(&self) -> String {
        format!(
            "AnalysisWarning({:?}, node={}, span={:?}, message={:?})",
            self.code, self.node, self.span, self.message
        )
    }
}

/// What analyze() found; str() is the text `spfkit lint` prints.
#[pyclass(module = "spfkit", frozen)]
struct Report {
    r: spf::Report,
}

#[pymethods]
impl Report {
    #[getter]
    fn domain(&self) -> String {
        self.r.domain.clone()
    }
    /// The records, depth first; nodes[0] is the analysed domain's.
    #[getter]
    fn nodes(&self) -> Vec<ReportNode> {
        self.r
            .nodes
            .iter()
            .map(|n| ReportNode {
                domain: n.domain.clone(),
                parent: n.parent,
                via: match n.via {
                    spf::Via::Root => "root",
                    spf::Via::Include => "include",
                    spf::Via::Redirect => "redirect",
                },
                term: n.term.clone(),
                depth: n.depth,
                source: match n.source {
                    spf::Source::Dns => "dns",
                    spf::Source::Draft => "draft",
                },
                record: n.record.clone(),
                dns_terms: n.dns_terms,
                void_lookups: n.void_lookups,
            })
            .collect()
    }
    /// The most DNS-querying terms an evaluation can count.
    #[getter]
    fn dns_terms(&self) -> u32 {
        self.r.dns_terms
    }
    /// The most void lookups, from terms that do not depend on the client.
    #[getter]
    fn void_lookups(&self) -> u32 {
        self.r.void_lookups
    }
    #[getter]
    fn exceeds_dns_terms(&self) -> bool {
        self.r.exceeds_dns_terms()
    }
    #[getter]
    fn exceeds_void_lookups(&self) -> bool {
        self.r.exceeds_void_lookups()
    }
    #[getter]
    fn networks(&self) -> Vec<Network> {
        self.r
            .networks
            .iter()
            .map(|n| Network {
                network: format!("{}/{}", n.addr, n.prefix),
                node: n.node,
                term: n.term.clone(),
                qualifier: n.qualifier.as_char().to_string(),
            })
            .collect()
    }
    /// Distinct IPv4 addresses the tree authorises (+ networks).
    #[getter]
    fn ipv4_addresses(&self) -> u64 {
        self.r.ipv4_addresses
    }
    /// Distinct IPv6 addresses likewise.
    #[getter]
    fn ipv6_addresses(&self) -> u128 {
        self.r.ipv6_addresses
    }
    /// Terms that depend on the client (macros, ptr, exists): (node, term).
    #[getter]
    fn client_dependent(&self) -> Vec<(usize, String)> {
        self.r.client_dependent.iter().map(|c| (c.node, c.term.clone())).collect()
    }
    #[getter]
    fn warnings(&self) -> Vec<Warning> {
        self.r
            .warnings
            .iter()
            .map(|w| {
                let record = self.r.nodes.get(w.node).and_then(|n| n.record.as_deref()).unwrap_or("");
                Warning {
                    code: w.code.code(),
                    node: w.node,
                    span: w.span.map(|s| (char_index(record, s.start), char_index(record, s.end))),
                    message: w.message.clone(),
                }
            })
            .collect()
    }
    fn __str__(&self) -> String {
        self.r.to_string()
    }
    fn __repr__(&self) -> String {
        format!(
            "<Report {} nodes={} dns_terms={} void_lookups={} warnings={}>",
            self.r.domain,
            self.r.nodes.len(),
            self.r.dns_terms,
            self.r.void_lookups,
            self.r.warnings.len()
        )
    }
}

fn analysis_options(
    py: Python<'_>,
    record: Option<String>,
    limits: Option<&Bound<'_, PyAny>>,
    ipv6_client: bool,
    max_nodes: i64,
) -> PyResult<spf::AnalysisOptions> {
    const MAX_NODES: i64 = spf::AnalysisOptions::MAX_NODES as i64;
    if !(1..=MAX_NODES).contains(&max_nodes) {
        return Err(invalid(py, format!("max_nodes must be 1 to {MAX_NODES}, not {max_nodes}")));
    }
    let mut o =
        spf::AnalysisOptions { draft: record, ipv6_client, max_nodes: max_nodes as usize, ..Default::default() };
    if let Some(l) = limits {
        o.limits = limits_arg(py, l)?;
    }
    Ok(o)
}

/// `domain` of an analysis: what core's check_domain takes (as the CLI's
/// lint); a domain it refuses is InvalidArgumentError with core's reason.
fn domain_arg(py: Python<'_>, domain: &Bound<'_, PyString>) -> PyResult<String> {
    let text = domain.to_string_lossy();
    match spf::check_domain(&text) {
        Ok(_) => Ok(text.into_owned()),
        Err(why) => Err(invalid(py, format!("{}: {why}", shown(domain.as_any())))),
    }
}

/// Analyses `domain`'s record tree with a blocking resolver (see check()).
#[pyfunction]
#[pyo3(signature = (domain, resolver, *, record = None, limits = None, ipv6_client = false, max_nodes = 100))]
fn analyze(
    py: Python<'_>,
    domain: &Bound<'_, PyString>,
    resolver: &Bound<'_, PyAny>,
    record: Option<String>,
    limits: Option<&Bound<'_, PyAny>>,
    ipv6_client: bool,
    max_nodes: i64,
) -> PyResult<Report> {
    guard(py, || {
        let an =
            spf::Analysis::new(&domain_arg(py, domain)?, analysis_options(py, record, limits, ipv6_client, max_nodes)?);
        Ok(Report { r: drive(py, an, resolver)? })
    })
}

/// An analysis driven by the caller, like Evaluation; `outcome` is the Report.
#[pyclass(module = "spfkit")]
struct Analysis {
    steps: Steps<spf::Analysis>,
}

#[pymethods]
impl Analysis {
    #[new]
    #[pyo3(signature = (domain, *, record = None, limits = None, ipv6_client = false, max_nodes = 100))]
    fn new(
        py: Python<'_>,
        domain: &Bound<'_, PyString>,
        record: Option<String>,
        limits: Option<&Bound<'_, PyAny>>,
        ipv6_client: bool,
        max_nodes: i64,
    ) -> PyResult<Analysis> {
        guard(py, || {
            let an = spf::Analysis::new(
                &domain_arg(py, domain)?,
                analysis_options(py, record, limits, ipv6_client, max_nodes)?,
            );
            Ok(Analysis { steps: Steps::new(an) })
        })
    }

    /// The next step's queries; [] while answers are outstanding; None when done.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        self.steps.next(py)
    }

    /// Answers a query (a Query or its id), as Evaluation.answer().
    fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.steps.answer(py, query, answer)
    }

    /// The deadline has passed: as Evaluation.expire(), every outstanding
    /// and later query is a temporary DNS error; the next next() returns None.
    fn expire(&self, py: Python<'_>) -> PyResult<()> {
        self.steps.expire(py)
    }

    /// The Report once next() has returned None; None before.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<Report>> {
        Ok(self.steps.done(py)?.map(|r| Report { r }))
    }
}

#[pymodule]
fn _spfkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RecordCache>()?;
    m.add_class::<EmptyAnswer>()?;
    m.add_class::<Query>()?;
    m.add_class::<Evaluation>()?;
    m.add_class::<Outcome>()?;
    m.add_class::<IdentityOutcome>()?;
    m.add_class::<Counters>()?;
    m.add_class::<TraceEvent>()?;
    m.add_class::<SmtpReply>()?;
    m.add_class::<Record>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(check_host, m)?)?;
    m.add_function(wrap_pyfunction!(parse_record, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_class::<Analysis>()?;
    m.add_class::<Report>()?;
    m.add_class::<ReportNode>()?;
    m.add_class::<Network>()?;
    m.add_class::<Warning>()?;
    m.add("NXDOMAIN", EmptyAnswer { kind: 1 })?;
    m.add("NODATA", EmptyAnswer { kind: 2 })?;
    m.add("TEMPERROR", EmptyAnswer { kind: 3 })?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
