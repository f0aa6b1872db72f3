//! Records: parse_record() and `Record`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use spfkit as spf;

use crate::errors::{error, guard, type_name};

/// A parsed SPF record; str() prints it back.
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct Record {
    r: spf::Record,
    text: String,
}

/// Byte offset `b` in `text` as a str index (code points before it).
pub(crate) fn char_index(text: &str, b: usize) -> usize {
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
pub(crate) fn parse_record(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Record> {
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
