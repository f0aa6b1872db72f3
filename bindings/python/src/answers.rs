//! A resolver's return value read as core's [`spf::Answer`].
//!
//! Two kinds of bad value, two outcomes. A value of the wrong type or shape
//! (an int for a TXT record, an MX record that is no pair, an A record that
//! is no IPv4 address) is a bug in the host's resolver: `ResolverError`,
//! whose message shows the value. An answer that is well formed but bigger
//! than any DNS message can carry (core's [`spf::AnswerBuilder`] bounds
//! the records and the TXT bytes as one message) is no DNS answer: a
//! caller's resolver may pass on whatever a hostile zone served, so it is
//! a temporary error (RFC 7208 §4.4), as a truncated response is. The
//! bytes of a DNS message go to core as they are (`answer_message`).

use std::net::IpAddr;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySlice, PyString, PyTuple};
use spfkit as spf;

use crate::errors::{error, type_name};

/// NXDOMAIN, NODATA, TEMPERROR: an answer without records.
#[pyclass(module = "spfkit", frozen, eq, hash)]
#[derive(PartialEq, Hash)]
pub(crate) struct EmptyAnswer {
    pub(crate) kind: u8,
}

#[pymethods]
impl EmptyAnswer {
    fn __repr__(&self) -> &'static str {
        match self.kind {
            1 => "spfkit.NXDOMAIN",
            2 => "spfkit.NODATA",
            _ => "spfkit.TEMPERROR",
        }
    }
}

/// Characters of a value an error message shows.
const SHOWN: usize = 60;

/// A value as an error message shows it: its repr, cut to about 60
/// characters; a long list or tuple by its length. Never fails (a repr
/// that raises shows the type).
pub(crate) fn shown(v: &Bound<'_, PyAny>) -> String {
    if let Some(seq) = Seq::of(v) {
        if seq.len() > 16 {
            return format!("a {} of {} items", type_name(v), seq.len());
        }
    }
    // A long str or bytes: only its start is formatted.
    let long = |len: usize| len > SHOWN;
    let start = if v.cast::<PyString>().is_ok_and(|s| s.len().is_ok_and(long))
        || v.cast::<PyBytes>().is_ok_and(|b| long(b.as_bytes().len()))
    {
        v.get_item(PySlice::new(v.py(), 0, SHOWN as isize, 1)).ok()
    } else {
        None
    };
    let text = match start.as_ref().unwrap_or(v).repr() {
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(_) => return format!("a {}", type_name(v)),
    };
    if start.is_none() && text.chars().count() <= SHOWN {
        return text;
    }
    let cut: String = text.chars().take(SHOWN).collect();
    format!("{cut}...")
}

fn wrong_shape(py: Python<'_>, q: &spf::Query, what: String) -> PyErr {
    error(py, "ResolverError", (format!("the resolver's answer to {} {}: {what}", q.qtype.as_str(), q.name),))
}

/// The bytes of a TXT string (bytes, or str as UTF-8) given to `f`; None
/// when `v` is neither.
fn with_text<R>(v: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if let Ok(b) = v.cast::<PyBytes>() {
        return Some(f(b.as_bytes()));
    }
    let s = v.cast::<PyString>().ok()?;
    if let Ok(text) = s.to_cow() {
        return Some(f(text.as_bytes()));
    }
    // Lone surrogates: text a resolver decoded with surrogateescape is its
    // own bytes again; any other lone surrogate becomes U+FFFD.
    if let Ok(b) = s.call_method1("encode", ("utf-8", "surrogateescape")) {
        if let Ok(b) = b.cast::<PyBytes>() {
            return Some(f(b.as_bytes()));
        }
    }
    Some(f(s.to_string_lossy().as_bytes()))
}

/// A str as Rust text; lone surrogates become U+FFFD (which no host name
/// holds, so such a name is not looked up).
fn text(v: &Bound<'_, PyAny>) -> Option<String> {
    v.cast::<PyString>().ok().map(|s| s.to_string_lossy().into_owned())
}

/// An exact list or tuple (a subclass's own `__iter__` could run forever),
/// read by index: no iterator object, no copy of its items.
enum Seq<'a, 'py> {
    List(&'a Bound<'py, PyList>),
    Tuple(&'a Bound<'py, PyTuple>),
}

impl<'py> Seq<'_, 'py> {
    pub(crate) fn of<'a>(v: &'a Bound<'py, PyAny>) -> Option<Seq<'a, 'py>> {
        if let Ok(l) = v.cast_exact::<PyList>() {
            return Some(Seq::List(l));
        }
        v.cast_exact::<PyTuple>().ok().map(Seq::Tuple)
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Seq::List(l) => l.len(),
            Seq::Tuple(t) => t.len(),
        }
    }

    /// Item `i`; `None` if a list shrank under us (Python code, such as an
    /// item's `__str__`, may run between two reads).
    fn get(&self, i: usize) -> Option<Bound<'py, PyAny>> {
        match self {
            Seq::List(l) => l.get_item(i).ok(),
            Seq::Tuple(t) => t.get_item(i).ok(),
        }
    }
}

fn changed(py: Python<'_>, q: &spf::Query) -> PyErr {
    wrong_shape(py, q, "the list changed while it was read".to_owned())
}

/// One record of an answer to `q`, added to `b` (which bounds it); false
/// when it is a TXT record of more strings than any message carries (no
/// DNS answer).
fn record(py: Python<'_>, q: &spf::Query, v: &Bound<'_, PyAny>, b: &mut spf::AnswerBuilder) -> PyResult<bool> {
    let bad = |what: &str| wrong_shape(py, q, format!("{what}, not {}", shown(v)));
    b.push(match q.qtype {
        spf::QueryType::Txt => {
            if with_text(v, |t| b.txt_part(t)).is_none() {
                let Some(parts) = Seq::of(v) else {
                    return Err(bad("a TXT record is str, bytes, or a tuple of its strings"));
                };
                // Each string costs a length byte on the wire: more strings
                // than a message holds bytes is no DNS answer (core's
                // builder counts the strings' bytes only).
                if parts.len() > spf::RData::MAX_TXT {
                    return Ok(false);
                }
                // One record's character-strings, joined with nothing between (§4.5).
                for i in 0..parts.len() {
                    let part = parts.get(i).ok_or_else(|| changed(py, q))?;
                    if with_text(&part, |t| b.txt_part(t)).is_none() {
                        return Err(wrong_shape(
                            py,
                            q,
                            format!("a TXT string is str or bytes, not {} in {}", shown(&part), shown(v)),
                        ));
                    }
                    if b.is_over() {
                        return Ok(true);
                    }
                }
            }
            b.end_txt();
            return Ok(true);
        }
        spf::QueryType::A | spf::QueryType::Aaaa => {
            let (what, size) = match q.qtype {
                spf::QueryType::A => ("an A record is an IPv4 address", 4),
                _ => ("an AAAA record is an IPv6 address", 16),
            };
            // str, ipaddress.IPv4Address/IPv6Address (their str()), or packed bytes.
            let ip: Option<IpAddr> = if let Ok(b) = v.cast::<PyBytes>() {
                let b = b.as_bytes();
                <[u8; 4]>::try_from(b).map(IpAddr::from).ok().or_else(|| <[u8; 16]>::try_from(b).map(IpAddr::from).ok())
            } else {
                v.str().ok().and_then(|s| s.to_cow().ok().and_then(|s| s.parse().ok()))
            };
            match ip.and_then(|ip| spf::RData::address(q.qtype, ip)) {
                Some(r) => r,
                None => return Err(bad(&format!("{what} (a str, an ipaddress object or {size} bytes)"))),
            }
        }
        spf::QueryType::Mx => {
            let pair = v.cast::<PyTuple>().ok().filter(|t| t.len() == 2);
            let Some(pair) = pair else {
                return Err(bad("an MX record is a (preference, exchange) tuple"));
            };
            let (preference, exchange) = (pair.get_item(0)?, pair.get_item(1)?);
            let Ok(p) = preference.extract::<u16>() else {
                return Err(wrong_shape(
                    py,
                    q,
                    format!("an MX preference is an int from 0 to 65535, not {} in {}", shown(&preference), shown(v)),
                ));
            };
            let Some(exchange) = text(&exchange) else {
                return Err(wrong_shape(
                    py,
                    q,
                    format!("an MX exchange is a str, not {} in {}", shown(&exchange), shown(v)),
                ));
            };
            // A trailing dot is fine: the core drops it before asking for the name.
            spf::RData::Mx { preference: p, exchange }
        }
        spf::QueryType::Ptr => match text(v) {
            Some(name) => spf::RData::Ptr(name),
            None => return Err(bad("a PTR record is a str")),
        },
    });
    Ok(true)
}

/// A resolver's return value as core takes it: an answer, or the bytes of
/// a DNS response message for core to decode against the query.
pub(crate) enum Reply<'py> {
    Answer(spf::Answer),
    Message(Bound<'py, PyBytes>),
}

/// A resolver's return value as an answer: a list/tuple of records, an
/// EmptyAnswer, or the bytes of a whole DNS response message.
pub(crate) fn answer<'py>(py: Python<'_>, q: &spf::Query, v: &Bound<'py, PyAny>) -> PyResult<Reply<'py>> {
    if let Ok(e) = v.cast::<EmptyAnswer>() {
        return Ok(Reply::Answer(match e.get().kind {
            1 => spf::Answer::NxDomain,
            2 => spf::Answer::NoData,
            _ => spf::Answer::TempError,
        }));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Reply::Message(b.clone()));
    }
    if let Some(list) = Seq::of(v) {
        let mut b = spf::AnswerBuilder::new(list.len());
        // Once over, the answer is temperror: the rest is not read.
        for i in 0..list.len() {
            if b.is_over() {
                break;
            }
            let item = list.get(i).ok_or_else(|| changed(py, q))?;
            if !record(py, q, &item, &mut b)? {
                return Ok(Reply::Answer(spf::Answer::TempError));
            }
        }
        return Ok(Reply::Answer(b.finish()));
    }
    Err(wrong_shape(
        py,
        q,
        format!(
            "expected a list (or tuple) of records, NXDOMAIN, NODATA, TEMPERROR or the bytes of a DNS message, not {}",
            shown(v)
        ),
    ))
}

/// Calls the resolver; an Exception it raises is a DNS failure (temperror);
/// a BaseException that is not an Exception (KeyboardInterrupt,
/// SystemExit) goes through.
pub(crate) fn resolve<'py>(
    py: Python<'py>,
    resolver: &Bound<'py, PyAny>,
    q: &spf::Query,
    qtype: &Bound<'py, PyString>,
) -> PyResult<Reply<'py>> {
    match resolver.call1((q.name.as_str(), qtype)) {
        Ok(v) => answer(py, q, &v),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyException>(py) => Ok(Reply::Answer(spf::Answer::TempError)),
        Err(e) => Err(e),
    }
}

pub(crate) fn qtype_str<'py>(py: Python<'py>, t: spf::QueryType) -> &'py Bound<'py, PyString> {
    match t {
        spf::QueryType::A => pyo3::intern!(py, "A"),
        spf::QueryType::Aaaa => pyo3::intern!(py, "AAAA"),
        spf::QueryType::Mx => pyo3::intern!(py, "MX"),
        spf::QueryType::Txt => pyo3::intern!(py, "TXT"),
        spf::QueryType::Ptr => pyo3::intern!(py, "PTR"),
    }
}
