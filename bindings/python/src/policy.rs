//! Receiver policy (core's `spfkit::policy`, docs/policy-settings.md):
//! `Settings` from a dict, keyword arguments or TOML; the policy and its
//! messages (`_PolicyCore`, `_MessageCore`, wrapped by spfkit/policy.py,
//! which asks the host's per-recipient callback and drives asyncio); the
//! step class `Decide`. The Decision is in `decision`.
//!
//! Python values become core's `policy::Value` tree as they are: core
//! checks every key and value, so a dict and a TOML file are refused with
//! the same errors (`spfkit.PolicySettingsError`: file, line, key). Only
//! what a tree cannot carry is refused here: a key that is not a str
//! (TypeError), nesting past [`MAX_DEPTH`], which no setting has and a
//! dict that holds itself would otherwise recurse into for ever, and more
//! than a settings file may hold in all ([`Budget`]: a list that holds
//! itself 1,024 times is shallow yet endless).

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use spfkit::policy::{self as pol, Value};

use crate::answers::shown;
use crate::arguments::{ip_text, options};
use crate::cache::RecordCache;
use crate::decision::Decision;
use crate::errors::{error, guard, type_name};
use crate::steps::{Query, Steps, drive};

/// Tables nested deeper than this are no settings (the schema's deepest is
/// `address."a@b".forwarder[0].networks[0]`, 5 below the top).
const MAX_DEPTH: usize = 16;

/// What a tree may cost in all, as a settings file's 16 MiB: each value 16
/// bytes, each string its length too. Past it every value is
/// `Value::Other`, which core refuses at the first key it sits under.
struct Budget(usize);

impl Budget {
    fn spend(&mut self, bytes: usize) -> bool {
        self.0 = self.0.saturating_sub(bytes.saturating_add(16));
        self.0 > 0
    }
}

const TOO_LARGE: Value = Value::Other("more than a settings file may hold (16 MiB)");

/// A core settings error as `spfkit.PolicySettingsError`.
pub(crate) fn settings_error(py: Python<'_>, e: pol::SettingsError) -> PyErr {
    let text = e.to_string();
    error(py, "PolicySettingsError", (text, e.file, e.line, e.key, e.message))
}

/// A Python value as a settings value: str, int, bool, list or tuple, dict
/// (any Mapping); anything else is `Value::Other` naming its type, which
/// core refuses at the key it sits under.
fn value(v: &Bound<'_, PyAny>, depth: usize, budget: &mut Budget) -> PyResult<Value> {
    // Spent first: every value made costs, the ones refused too.
    if !budget.spend(0) {
        return Ok(TOO_LARGE);
    }
    if depth > MAX_DEPTH {
        return Ok(Value::Other("a value nested too deep"));
    }
    if let Ok(s) = v.cast::<PyString>() {
        // Lone surrogates become U+FFFD, which no setting takes.
        let text = s.to_string_lossy();
        if !budget.spend(text.len()) {
            return Ok(TOO_LARGE);
        }
        return Ok(Value::String(text.into_owned()));
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(v.is_truthy()?));
    }
    if let Ok(i) = v.cast::<PyInt>() {
        return Ok(i.extract::<i64>().map_or(Value::Other("an integer out of range"), Value::Integer));
    }
    if let Ok(l) = v.cast::<PyList>() {
        // A copy first: reading the items runs no Python code, but a
        // snapshot cannot change size under us whatever happens.
        return items(&l.to_tuple(), depth, budget);
    }
    if let Ok(t) = v.cast::<PyTuple>() {
        return items(t, depth, budget);
    }
    if let Some(d) = mapping(v)? {
        return table(&d, depth, budget);
    }
    Ok(Value::Other(if v.is_instance_of::<PyFloat>() {
        "a float"
    } else if v.is_none() {
        "None"
    } else if v.is_instance_of::<PyBytes>() {
        "bytes"
    } else {
        "a value of another type"
    }))
}

fn items(t: &Bound<'_, PyTuple>, depth: usize, budget: &mut Budget) -> PyResult<Value> {
    // Core refuses a list of more than MAX_LIST entries by its length,
    // before any entry: the rest need not be converted.
    let mut items = Vec::new();
    for i in t.iter().take(pol::MAX_LIST + 1) {
        let v = value(&i, depth + 1, budget)?;
        let spent = v == TOO_LARGE;
        items.push(v);
        // One refused value says it: the rest of a list past the budget
        // is not made at all.
        if spent {
            break;
        }
    }
    Ok(Value::Array(items))
}

/// A dict, or any other Mapping as a dict; None for anything else.
fn mapping<'py>(v: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    if let Ok(d) = v.cast::<PyDict>() {
        return Ok(Some(d.clone()));
    }
    let abc = v.py().import("collections.abc")?.getattr("Mapping")?;
    if v.is_instance(&abc)? {
        return Ok(Some(v.py().import("builtins")?.getattr("dict")?.call1((v,))?.cast_into::<PyDict>()?));
    }
    Ok(None)
}

fn table(d: &Bound<'_, PyDict>, depth: usize, budget: &mut Budget) -> PyResult<Value> {
    let mut entries = Vec::new();
    // Core refuses more [domain] or [address] entries than MAX_OVERRIDES
    // by the count, and any other table at its first unknown key.
    for pair in d.items().iter().take(pol::MAX_OVERRIDES + 1) {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let Ok(key) = k.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!("policy settings keys are str, not {}", shown(&k))));
        };
        let v = value(&v, depth + 1, budget)?;
        let spent = v == TOO_LARGE;
        entries.push((key.to_string_lossy().into_owned(), 0, v));
        if spent {
            break;
        }
    }
    Ok(Value::Table(entries))
}

/// The top-level table: a Mapping, else TypeError.
fn top(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    match mapping(v)? {
        Some(d) => table(&d, 0, &mut Budget(pol::MAX_FILE)),
        None => Err(PyTypeError::new_err(format!("{what} is a dict, not {}", shown(v)))),
    }
}

/// A receiver's policy settings (docs/policy-settings.md), checked by core.
#[pyclass(module = "spfkit.policy", name = "Settings", frozen)]
pub(crate) struct Settings {
    pub(crate) s: Arc<pol::Settings>,
}

fn settings_of(py: Python<'_>, tree: &Value, file: &str) -> PyResult<Settings> {
    let s = pol::settings_from_value(tree, file).map_err(|e| settings_error(py, e))?;
    Ok(Settings { s: Arc::new(s) })
}

#[pymethods]
impl Settings {
    #[new]
    #[pyo3(signature = (settings = None, /, **keys))]
    fn new(
        py: Python<'_>,
        settings: Option<&Bound<'_, PyAny>>,
        keys: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Settings> {
        guard(py, || {
            let mut tree = match settings {
                Some(s) if !s.is_none() => top(s, "settings")?,
                _ => Value::table(),
            };
            if let (Value::Table(entries), Some(keys)) = (&mut tree, keys) {
                // A key in both is set twice: core says so.
                if let Value::Table(more) = table(keys, 0, &mut Budget(pol::MAX_FILE))? {
                    entries.extend(more);
                }
            }
            settings_of(py, &tree, "<settings>")
        })
    }

    /// Settings from a dict (as json.load or tomllib give one); ``file``
    /// names it in errors.
    #[staticmethod]
    #[pyo3(signature = (settings, *, file = "<dict>"))]
    fn from_dict(py: Python<'_>, settings: &Bound<'_, PyAny>, file: &str) -> PyResult<Settings> {
        guard(py, || settings_of(py, &top(settings, "settings")?, file))
    }

    /// Settings from TOML text (str, or bytes that must be UTF-8); ``file``
    /// names it in errors, which carry the line.
    #[staticmethod]
    #[pyo3(signature = (text, *, file = "<string>"))]
    fn from_toml(py: Python<'_>, text: &Bound<'_, PyAny>, file: &str) -> PyResult<Settings> {
        guard(py, || {
            let s = if let Ok(s) = text.cast::<PyString>() {
                s.to_string_lossy().into_owned()
            } else if let Ok(b) = text.cast::<PyBytes>() {
                utf8_text(py, b.as_bytes(), file)?.to_owned()
            } else {
                return Err(PyTypeError::new_err(format!("text is str or bytes, not {}", type_name(text))));
            };
            let settings = pol::settings_from_toml(&s, file).map_err(|e| settings_error(py, e))?;
            Ok(Settings { s: Arc::new(settings) })
        })
    }

    /// Settings from a TOML file (a path: str, bytes or os.PathLike). At
    /// most 16 MiB are read; OSError as open() raises it.
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Settings> {
        let builtins = py.import("builtins")?;
        let name = py.import("os")?.getattr("fsdecode")?.call1((path,))?.extract::<String>()?;
        let f = builtins.getattr("open")?.call1((path, "rb"))?;
        let read = f.call_method1("read", (pol::MAX_FILE + 1,));
        f.call_method0("close")?;
        let data = read?;
        let Ok(data) = data.cast::<PyBytes>() else {
            return Err(PyTypeError::new_err("the file's read() gave no bytes"));
        };
        guard(py, || {
            let data = data.as_bytes();
            if data.len() > pol::MAX_FILE {
                // Core's bound, said as core says it for a text that long.
                let message = format!("larger than {} bytes", pol::MAX_FILE);
                let e = pol::SettingsError { file: name.clone(), line: None, key: "(file)".to_owned(), message };
                return Err(settings_error(py, e));
            }
            let settings =
                pol::settings_from_toml(utf8_text(py, data, &name)?, &name).map_err(|e| settings_error(py, e))?;
            Ok(Settings { s: Arc::new(settings) })
        })
    }

    /// RFC 8601's authserv-id (and Received-SPF's receiver).
    #[getter]
    fn authserv_id(&self) -> &str {
        &self.s.authserv_id
    }

    fn __repr__(&self) -> String {
        format!(
            "<Settings authserv_id={:?}, {} domain and {} address overrides>",
            self.s.authserv_id,
            self.s.domains.len(),
            self.s.addresses.len()
        )
    }
}

/// TOML's text must be UTF-8: a file that is not is refused at the line of
/// its first bad byte.
fn utf8_text<'b>(py: Python<'_>, b: &'b [u8], file: &str) -> PyResult<&'b str> {
    std::str::from_utf8(b).map_err(|e| {
        let at = e.valid_up_to();
        let line = b[..at].iter().filter(|&&c| c == b'\n').count() as u32 + 1;
        let message = format!("not UTF-8 (byte {at})");
        settings_error(
            py,
            pol::SettingsError { file: file.to_owned(), line: Some(line), key: "(file)".to_owned(), message },
        )
    })
}

/// A recipient's bytes: a str as UTF-8 (text decoded with surrogateescape
/// is its own bytes again), or bytes as they are.
fn recipient_bytes(v: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = v.cast::<PyString>() {
        if let Ok(t) = s.to_cow() {
            return Ok(t.as_bytes().to_vec());
        }
        let b = s.call_method1("encode", ("utf-8", "surrogateescape")).or_else(|_| {
            // Other lone surrogates: U+FFFD, as elsewhere.
            Ok::<_, PyErr>(PyBytes::new(v.py(), s.to_string_lossy().as_bytes()).into_any())
        })?;
        return Ok(b.cast::<PyBytes>().map(|b| b.as_bytes().to_vec()).unwrap_or_default());
    }
    Err(PyTypeError::new_err(format!("a recipient is str or bytes, not {}", type_name(v))))
}

/// The recipient as core reads it (brackets removed), None when core does
/// not check it (rule bad-recipient): what recipient_rules is asked for.
#[pyfunction]
#[pyo3(name = "_policy_recipient")]
pub(crate) fn policy_recipient(recipient: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    Ok(pol::Message::recipient_address(recipient_bytes(recipient)?))
}

/// A host's overrides (a dict, or None for none), checked by core as an
/// `[address]` table; `what` names the value in a TypeError, `source` is
/// the file of a PolicySettingsError.
fn overrides(
    py: Python<'_>,
    v: Option<&Bound<'_, PyAny>>,
    what: &str,
    source: &str,
) -> PyResult<Option<pol::Overrides>> {
    let Some(v) = v.filter(|v| !v.is_none()) else { return Ok(None) };
    let tree = top(v, what)?;
    pol::overrides_from_value(&tree, source, true).map(Some).map_err(|e| settings_error(py, e))
}

/// Core's Policy with the evaluation options; spfkit.policy.Policy holds
/// it with the resolver and the callback.
#[pyclass(module = "spfkit.policy", name = "_PolicyCore", frozen)]
pub(crate) struct PolicyCore {
    p: pol::Policy,
}

#[pymethods]
impl PolicyCore {
    #[new]
    #[pyo3(signature = (settings, *, limits = None, plan = "batched", default_explanation = None,
        timestamp = None, cache = None))]
    fn new(
        py: Python<'_>,
        settings: &Bound<'_, Settings>,
        limits: Option<&Bound<'_, PyAny>>,
        plan: &str,
        default_explanation: Option<&str>,
        timestamp: Option<&Bound<'_, PyAny>>,
        cache: Option<&Bound<'_, RecordCache>>,
    ) -> PyResult<PolicyCore> {
        guard(py, || {
            let timestamp = crate::arguments::timestamp_arg(py, timestamp)?;
            let o = options(py, "both", plan, None, limits, default_explanation, false, false, None, timestamp, cache)?;
            Ok(PolicyCore { p: pol::Policy::with_options((*settings.get().s).clone(), o) })
        })
    }

    /// A message arriving on a connection.
    #[pyo3(signature = (*, ip, helo, mail_from, authenticated))]
    fn message(
        &self,
        py: Python<'_>,
        ip: &Bound<'_, PyAny>,
        helo: &Bound<'_, PyAny>,
        mail_from: &Bound<'_, PyAny>,
        authenticated: &Bound<'_, PyAny>,
    ) -> PyResult<MessageCore> {
        guard(py, || {
            let ip = ip_text(py, ip)?;
            let ip = ip.to_string_lossy();
            let ip = ip.trim().parse().map_err(|_| {
                error(
                    py,
                    "InvalidAddressError",
                    (format!("{:?} is not an IP address", ip.chars().take(64).collect::<String>()),),
                )
            })?;
            let text = |v: &Bound<'_, PyAny>, name: &str| -> PyResult<String> {
                // Lone surrogates become U+FFFD: no domain holds one. A
                // text too long for SMTP is core's to decide (bad-connection).
                match v.cast::<PyString>() {
                    Ok(s) => Ok(s.to_string_lossy().into_owned()),
                    Err(_) => Err(PyTypeError::new_err(format!("{name} is a str, not {}", type_name(v)))),
                }
            };
            let (helo, mail_from) = (text(helo, "helo")?, text(mail_from, "mail_from")?);
            // Exactly a bool: a truthy "no" must not skip the check.
            let Ok(authenticated) = authenticated.cast::<PyBool>() else {
                return Err(PyTypeError::new_err(format!(
                    "authenticated is True or False, not {}",
                    shown(authenticated)
                )));
            };
            let authenticated = authenticated.is_true();
            Ok(MessageCore { m: self.p.message(pol::Connection { ip, helo, mail_from, authenticated }) })
        })
    }
}

/// Core's Message: one SPF evaluation shared by its recipients' decisions.
#[pyclass(module = "spfkit.policy", name = "_MessageCore", frozen)]
pub(crate) struct MessageCore {
    m: pol::Message,
}

#[pymethods]
impl MessageCore {
    /// Decides `recipient` with a blocking resolver and the host's
    /// overrides (a dict or None).
    #[pyo3(signature = (recipient, resolver, overrides = None, what = "overrides", source = "overrides"))]
    fn decide(
        &self,
        py: Python<'_>,
        recipient: &Bound<'_, PyAny>,
        resolver: &Bound<'_, PyAny>,
        overrides: Option<&Bound<'_, PyAny>>,
        what: &str,
        source: &str,
    ) -> PyResult<Decision> {
        guard(py, || {
            let d = self.start(py, recipient, overrides, what, source)?;
            Ok(Decision { d: drive(py, d, resolver)? })
        })
    }

    /// The step class for `recipient`.
    #[pyo3(signature = (recipient, overrides = None, what = "overrides", source = "overrides"))]
    fn steps(
        &self,
        py: Python<'_>,
        recipient: &Bound<'_, PyAny>,
        overrides: Option<&Bound<'_, PyAny>>,
        what: &str,
        source: &str,
    ) -> PyResult<Decide> {
        guard(py, || Ok(Decide { steps: Steps::new(self.start(py, recipient, overrides, what, source)?) }))
    }

    /// The client's address.
    #[getter]
    fn ip(&self) -> String {
        self.m.connection().ip.to_string()
    }

    /// The HELO name.
    #[getter]
    fn helo(&self) -> &str {
        &self.m.connection().helo
    }

    /// MAIL FROM, without angle brackets.
    #[getter]
    fn mail_from(&self) -> &str {
        &self.m.connection().mail_from
    }

    /// Whether the client authenticated.
    #[getter]
    fn authenticated(&self) -> bool {
        self.m.connection().authenticated
    }
}

impl MessageCore {
    fn start(
        &self,
        py: Python<'_>,
        recipient: &Bound<'_, PyAny>,
        o: Option<&Bound<'_, PyAny>>,
        what: &str,
        source: &str,
    ) -> PyResult<pol::Decide> {
        let raw = recipient_bytes(recipient)?;
        let host = overrides(py, o, what, source)?;
        Ok(self.m.decide_with(raw, host))
    }
}

/// One recipient's decision driven by the caller, as Evaluation is:
/// next() gives a step's queries ([] while answers are outstanding, None
/// when done), answer() takes each answer in any order, expire() ends it
/// at the deadline; outcome is the Decision.
#[pyclass(module = "spfkit.policy")]
pub(crate) struct Decide {
    steps: Steps<pol::Decide>,
}

#[pymethods]
impl Decide {
    /// The next step's queries; [] while answers are outstanding; None when done.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        self.steps.next(py)
    }

    /// Answers a query (a Query or its id) with what a resolver would return.
    fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.steps.answer(py, query, answer)
    }

    /// The deadline has passed: outstanding and later queries are
    /// temperror (a message's checks keep that result for its other
    /// recipients).
    fn expire(&self, py: Python<'_>) -> PyResult<()> {
        self.steps.expire(py)
    }

    /// The Decision once next() has returned None; None before.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<Decision>> {
        Ok(self.steps.done(py)?.map(|d| Decision { d }))
    }

    /// True once decided.
    #[getter]
    fn done(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.steps.lock(py)?.decision().is_some())
    }
}

/// Core's rule names, for the package's test that spfkit.policy.Rule
/// lists them all.
pub(crate) fn rule_names() -> Vec<&'static str> {
    pol::Rule::ALL.iter().map(|r| r.as_str()).collect()
}
