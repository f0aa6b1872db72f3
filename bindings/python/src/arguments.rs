//! Arguments from Python: options, limits, the request, and the forms
//! the check functions and the step classes take.

use std::net::IpAddr;
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
pub(crate) fn limits_arg(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<spf::Limits> {
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

/// `identity` of check_host(): "mailfrom" or "helo", as a str or a
/// spfkit.Identity (a str enum); anything else is InvalidArgumentError.
pub(crate) fn identity_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    identity_in(v, &["mailfrom", "helo"])
}

/// `identity` of an Evaluation: check_host()'s, or "both" for check().
pub(crate) fn scope_arg(v: &Bound<'_, PyAny>) -> PyResult<&'static str> {
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
