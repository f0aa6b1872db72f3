//! Driving an evaluation or an analysis (core's one step API): the
//! blocking driver, and the step classes' shared machinery and `Query`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use spfkit as spf;

use crate::answers::{self, Reply, qtype_str, resolve, shown};
use crate::errors::{error, guard, invalid, type_name};

/// What the binding drives: core's Evaluation or Analysis, through core's
/// one step API ([`spf::Steps`]), shared between threads.
pub(crate) trait Machine: spf::Steps<Done: Clone> + Send {}
impl<M: spf::Steps<Done: Clone> + Send> Machine for M {}

/// Gives a resolver's reply: an answer, or a DNS message core decodes.
fn give_reply<M: Machine>(m: &mut M, id: spf::QueryId, reply: Reply<'_>) -> Result<(), spf::AnswerError> {
    match reply {
        Reply::Answer(a) => m.answer(id, a),
        Reply::Message(msg) => m.answer_message(id, msg.as_bytes()),
    }
}

/// Runs `m` to the end with a blocking resolver: core's steps without the
/// GIL, the resolver called for each query.
pub(crate) fn drive<M: Machine>(py: Python<'_>, mut m: M, resolver: &Bound<'_, PyAny>) -> PyResult<M::Done> {
    if !resolver.is_callable() {
        return Err(PyTypeError::new_err(format!("resolver must be callable, not {}", type_name(resolver))));
    }
    // One buffer for every step's queries: clone_from reuses the names'
    // allocations, and a check takes several steps.
    let mut queries: Vec<spf::Query> = Vec::new();
    loop {
        let more = without_gil(py, || match m.next() {
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
            let reply = resolve(py, resolver, q, qtype_str(py, q.qtype))?;
            give_reply(&mut m, q.id, reply).map_err(|e| error(py, "InternalError", (e.to_string(),)))?;
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

/// A machine driven from Python (Evaluation, Analysis). Core keeps the
/// queries it handed out, so an answer is read against its question. A
/// pyclass must be Sync: the Mutex makes it so (one thread drives it anyway).
pub(crate) struct Steps<M> {
    m: std::sync::Mutex<M>,
}

impl<M: Machine> Steps<M> {
    pub(crate) fn new(m: M) -> Steps<M> {
        Steps { m: std::sync::Mutex::new(m) }
    }

    pub(crate) fn lock(&self, py: Python<'_>) -> PyResult<std::sync::MutexGuard<'_, M>> {
        // A panic while it was held leaves it poisoned: say so rather than go on.
        self.m.lock().map_err(|_| error(py, "InternalError", ("this failed earlier; start a new one",)))
    }

    /// The next step's queries; [] while answers are outstanding; None when done.
    pub(crate) fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        guard(py, || {
            Ok(match self.lock(py)?.next() {
                spf::Step::Lookup(qs) => Some(qs.iter().map(|q| Query(q.clone())).collect()),
                spf::Step::Pending => Some(Vec::new()),
                spf::Step::Done(_) => None,
            })
        })
    }

    /// Answers a query (a Query or its id) with what a resolver would return.
    pub(crate) fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let unknown = |id: &dyn std::fmt::Display| {
                error(py, "AnswerError", (format!("no query with id {id} was handed out"),))
            };
            let id: u32 = match query.cast::<Query>() {
                Ok(q) => q.get().0.id.0,
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
            let id = spf::QueryId(id);
            let q = self.lock(py)?.query(id).cloned().ok_or_else(|| unknown(&id.0))?;
            // Converting may run Python code (a __str__, an __iter__): not under our lock.
            let reply = answers::answer(py, &q, answer)?;
            give_reply(&mut *self.lock(py)?, id, reply)
                .map_err(|e| error(py, "AnswerError", (format!("query {}: {e}", id.0),)))
        })
    }

    /// The deadline has passed: core's expire().
    pub(crate) fn expire(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            self.lock(py)?.expire();
            Ok(())
        })
    }

    pub(crate) fn done(&self, py: Python<'_>) -> PyResult<Option<M::Done>> {
        Ok(self.lock(py)?.done().cloned())
    }
}

/// A DNS query an evaluation needs answered: core's, read through getters.
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct Query(spf::Query);

#[pymethods]
impl Query {
    /// Give it back with the answer (or pass the Query itself).
    #[getter]
    fn id(&self) -> u32 {
        self.0.id.0
    }

    /// The name, ASCII, without a trailing dot.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// "A", "AAAA", "MX", "TXT" or "PTR".
    #[getter]
    #[pyo3(name = "type")]
    fn qtype(&self) -> &'static str {
        self.0.qtype.as_str()
    }

    fn __repr__(&self) -> String {
        format!("Query(id={}, name={:?}, type={:?})", self.0.id, self.0.name, self.0.qtype.as_str())
    }

    /// The RFC 1035 query message for this query (recursion desired), with
    /// the given message id.
    #[pyo3(signature = (message_id = 0))]
    fn message<'py>(&self, py: Python<'py>, message_id: i64) -> PyResult<Bound<'py, PyBytes>> {
        let message_id = u16::try_from(message_id)
            .map_err(|_| invalid(py, format!("message_id must be 0 to 65535, not {message_id}")))?;
        let m = spf::wire::query_message(&self.0, message_id).map_err(|e| invalid(py, e.to_string()))?;
        Ok(PyBytes::new(py, &m))
    }
}
