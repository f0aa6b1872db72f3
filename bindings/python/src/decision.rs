//! `Decision`: what the receiver does with one recipient (core's
//! `policy::Decision`), read through getters. Its vocabularies are the
//! package's str enums (spfkit.policy.Action, Rule, IprevResult and
//! spfkit.Result), so they compare equal to core's names.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use spfkit::policy as pol;

use crate::outcome::SmtpReply;

static ACTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static RULE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static IPREV: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static RESULT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `module.class(value)`, the class looked up once.
fn member<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    class: &str,
    value: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let class = cell.get_or_try_init(py, || py.import(module)?.getattr(class).map(Bound::unbind))?;
    class.bind(py).call1((value,))
}

fn result<'py>(py: Python<'py>, r: Option<spfkit::SpfResult>) -> PyResult<Option<Bound<'py, PyAny>>> {
    r.map(|r| member(py, &RESULT, "spfkit._types", "Result", r.as_str())).transpose()
}

fn reply(r: &Option<spfkit::SmtpReply>) -> Option<SmtpReply> {
    r.as_ref().map(|r| SmtpReply { code: r.code, enhanced: r.enhanced, text: r.text.clone() })
}

/// The decision for one recipient: the action, the SMTP reply for a
/// refusal, the rule that decided, the header fields to add, the
/// reputation key, and the results behind them.
#[pyclass(module = "spfkit.policy", frozen)]
pub(crate) struct Decision {
    pub(crate) d: pol::Decision,
}

#[pymethods]
impl Decision {
    /// The recipient decided, angle brackets removed; "" for one that is
    /// no address (rule bad-recipient).
    #[getter]
    fn recipient(&self) -> &str {
        &self.d.recipient
    }

    /// What to do: a spfkit.policy.Action.
    #[getter]
    fn action<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        member(py, &ACTION, "spfkit.policy", "Action", self.d.action.as_str())
    }

    /// The rule that decided: a spfkit.policy.Rule.
    #[getter]
    fn rule<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        member(py, &RULE, "spfkit.policy", "Rule", self.d.rule.as_str())
    }

    /// The SMTP reply for reject and defer; None when accepted.
    #[getter]
    fn reply(&self) -> Option<SmtpReply> {
        reply(&self.d.reply)
    }

    /// In log-only mode, the reply the decision would have sent.
    #[getter]
    fn intended(&self) -> Option<SmtpReply> {
        reply(&self.d.intended)
    }

    /// The trusted forwarder's name, when one decided.
    #[getter]
    fn forwarder(&self) -> Option<&str> {
        self.d.forwarder.as_deref()
    }

    /// The header fields to add, (name, value) in order; only the first
    /// accepted recipient of a message has them.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.d.headers.clone()
    }

    /// Seed 003's reputation key, "domain:RESULT".
    #[getter]
    fn reputation_key(&self) -> Option<&str> {
        self.d.reputation_key.as_deref()
    }

    /// HELO's SPF result, when evaluated (a spfkit.Result).
    #[getter]
    fn helo<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        result(py, self.d.helo)
    }

    /// MAIL FROM's SPF result, when evaluated.
    #[getter]
    fn mail_from<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        result(py, self.d.mail_from)
    }

    /// The best guess's result, when evaluated (no SPF result: the
    /// headers keep MAIL FROM's none).
    #[getter]
    fn best_guess<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        result(py, self.d.best_guess)
    }

    /// Whether a pass was found unacceptable (RFC 8601's "policy").
    #[getter]
    fn unacceptable_pass(&self) -> bool {
        self.d.unacceptable_pass
    }

    /// iprev's result when checked: a spfkit.policy.IprevResult.
    #[getter]
    fn iprev<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.d.iprev.map(|i| member(py, &IPREV, "spfkit.policy", "IprevResult", i.as_str())).transpose()
    }

    /// DNS queries this decision asked (a message's earlier recipients'
    /// are not asked again).
    #[getter]
    fn queries(&self) -> u32 {
        self.d.queries
    }

    /// Steps with queries this decision took.
    #[getter]
    fn round_trips(&self) -> u32 {
        self.d.round_trips
    }

    /// Whether the MTA should refuse the recipient (reject or defer).
    #[getter]
    fn refuses(&self) -> bool {
        self.d.refuses()
    }

    fn __repr__(&self) -> String {
        let mut s = format!("<Decision {} rule={}", self.d.action.as_str(), self.d.rule.as_str());
        if let Some(r) = &self.d.reply {
            s.push_str(&format!(" reply={:?}", r.to_string()));
        }
        if let Some(f) = &self.d.forwarder {
            s.push_str(&format!(" forwarder={f:?}"));
        }
        s.push('>');
        s
    }
}
