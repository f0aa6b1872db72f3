//! Arguments from Python: options, limits, the request, and the forms
//! the check functions and the step classes take.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use spfkit as spf;

use crate::answers::shown;
use crate::cache::RecordCache;
use crate::errors::{error, invalid};

#[allow(clippy::too_many_arguments)]
pub(crate) fn options(
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
        scope: word(py, scope)?,
        plan: word(py, plan)?,
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
        let results = names.iter().map(|n| word(py, n)).collect::<PyResult<Vec<spf::SpfResult>>>()?;
        o.definitive = spf::ResultSet::of(&results);
    }
    o.cache = cache.map(|c| Arc::clone(&c.get().cache));
    Ok(o)
}

/// A word of one of core's vocabularies (Scope, LookupPlan, Identity,
/// SpfResult), read by core; a word that is none of them is
/// InvalidArgumentError with core's text.
pub(crate) fn word<T: FromStr<Err = spf::UnknownName>>(py: Python<'_>, w: &str) -> PyResult<T> {
    w.parse().map_err(|e: spf::UnknownName| invalid(py, e.to_string()))
}

/// Limits from a spfkit.Limits (its `_as_tuple()`) or a 4-tuple of ints,
/// checked by core (Limits::check, whose message names the field).
pub(crate) fn limits_arg(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<spf::Limits> {
    let tuple = if v.hasattr("_as_tuple")? { v.call_method0("_as_tuple")? } else { v.clone() };
    let values: [i64; 4] = tuple.extract::<(i64, i64, i64, i64)>().map(Into::into).map_err(|_| {
        PyTypeError::new_err(format!(
            "limits must be a spfkit.Limits or (dns_terms, mx_names, ptr_names, void_lookups), not {}",
            shown(v)
        ))
    })?;
    let mut counts = [0u32; 4];
    for ((count, n), field) in counts.iter_mut().zip(values).zip(spf::Limits::FIELDS) {
        // Core's limits are u32: a negative or huge int is no count at all.
        *count = u32::try_from(n).map_err(|_| {
            invalid(py, format!("limits.{field} must be an int from 0 to {}, not {n}", spf::Limits::MAX))
        })?;
    }
    let limits = spf::Limits::from_values(counts);
    limits.check().map_err(|e| invalid(py, e.to_string()))?;
    Ok(limits)
}

pub(crate) fn request(
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

/// The client address: a str, or an `ipaddress.IPv4Address`/`IPv6Address`.
pub(crate) fn ip_text<'py>(py: Python<'py>, ip: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
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
pub(crate) fn blocking_resolver<'py>(
    py: Python<'py>,
    resolver: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match resolver {
        Some(r) if !r.is_none() => Ok(r.clone()),
        _ => py.import("spfkit._resolvers")?.getattr("DnspythonResolver")?.call0(),
    }
}

/// A flag as Python tests one (`trace=None` is false, as before the
/// functions were native).
pub(crate) fn truthy(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    v.is_truthy()
}

/// An argument's str(), as a Python API reads a name (a str, a
/// spfkit.Identity, or anything else turned into a str).
fn name_of(v: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(v.str()?.to_cow()?.into_owned())
}

/// `identity` of check_host(): core's Identity ("mailfrom" or "helo"),
/// as core's word for it; anything else is InvalidArgumentError with
/// core's text.
pub(crate) fn identity_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(word::<spf::Identity>(v.py(), &name_of(v)?)?.as_str())
}

/// `identity` of an Evaluation: core's Scope (check_host()'s identities,
/// or "both" for check()), as core's word for it.
pub(crate) fn scope_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(word::<spf::Scope>(v.py(), &name_of(v)?)?.as_str())
}

/// `timestamp`: an int (not a bool) from 0 to 2**64 - 1.
pub(crate) fn timestamp_arg(py: Python<'_>, t: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    let Some(t) = t.filter(|t| !t.is_none()) else { return Ok(None) };
    match t.cast_exact::<pyo3::types::PyInt>().ok().and_then(|i| i.extract::<u64>().ok()) {
        Some(v) => Ok(Some(v)),
        None => Err(invalid(py, format!("timestamp must be seconds since the epoch, not {}", t.repr()?))),
    }
}

/// `definitive`: a collection of results (not one str); at most a few dozen.
pub(crate) fn definitive_arg(py: Python<'_>, d: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
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

/// check_host()'s `identity` read by core ("mailfrom" or "helo"), for
/// check_host_async(), whose Evaluation would also take "both".
#[pyfunction]
#[pyo3(name = "_identity")]
pub(crate) fn identity(#[pyo3(from_py_with = identity_arg)] identity: &'static str) -> &'static str {
    identity
}

/// Checks limits as every check does (spfkit.Limits checks itself with
/// this, so its message is core's).
#[pyfunction]
#[pyo3(name = "_check_limits")]
pub(crate) fn check_limits(py: Python<'_>, limits: &Bound<'_, PyAny>) -> PyResult<()> {
    limits_arg(py, limits).map(drop)
}
