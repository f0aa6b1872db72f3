//! SRS for forwarders (core's `spfkit::srs`, docs/srs.md): `_SrsCore`, a
//! checked and keyed rewriter that spfkit/srs.py wraps, and `_srs_secret`
//! for its keygen(). spfkit/srs.py checks the Python types of the settings
//! and reads the clock; here values become core's and core decides every
//! value: a domain, separator or number core would refuse arrives as one
//! it refuses, so the error is core's (`spfkit.SrsSettingsError` with
//! core's `SettingsError::as_str` as `kind`). Errors of a rewrite are
//! `spfkit.SrsError` with core's `ErrorKind::as_str` as `kind`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use spfkit::srs::{self, Forwarded, Settings, Srs};

use crate::errors::{error, guard, type_name};

/// One warning of a rewrite, as the package's SrsWarning takes it: core's
/// name (`Warning::as_str`), the octets of the local part (of
/// `long-local-part`; None for a warning core may add), core's sentence.
type WarningParts = (&'static str, Option<usize>, String);

/// Core's `Srs`, built from settings spfkit.srs.Settings has type-checked.
#[pyclass(module = "spfkit.srs", name = "_SrsCore", frozen)]
pub(crate) struct SrsCore {
    srs: Srs,
}

/// Text as core takes it: lone surrogates become U+FFFD, a non-ASCII
/// character that core refuses (or, for forward's local domains, compares
/// like any other) where it matters.
fn text(v: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    match v.cast::<PyString>() {
        Ok(s) => Ok(s.to_string_lossy().into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!("{what} is a str, not {}", type_name(v)))),
    }
}

/// An int as a count core checks: one that does not fit (negative, huge)
/// becomes the largest, which every bound of core's refuses.
fn count<T: TryFrom<u64> + Copy>(v: &Bound<'_, PyAny>, what: &str, max: T) -> PyResult<T> {
    let Ok(i) = v.cast::<pyo3::types::PyInt>() else {
        return Err(PyTypeError::new_err(format!("{what} is an int, not {}", type_name(v))));
    };
    Ok(i.extract::<u64>().ok().and_then(|n| T::try_from(n).ok()).unwrap_or(max))
}

#[pymethods]
impl SrsCore {
    /// Checks the settings (core's `Srs::new`) and keys the secrets; every
    /// argument is a field of spfkit.srs.Settings, secrets as bytes.
    #[new]
    #[pyo3(signature = (*, domain, secrets, separator, hash_length, hash_min, max_age_days, url_safe,
        local_domains, refuse_long))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        domain: &Bound<'_, PyAny>,
        secrets: Vec<Bound<'_, PyAny>>,
        separator: &Bound<'_, PyAny>,
        hash_length: &Bound<'_, PyAny>,
        hash_min: &Bound<'_, PyAny>,
        max_age_days: &Bound<'_, PyAny>,
        url_safe: bool,
        local_domains: Vec<Bound<'_, PyAny>>,
        refuse_long: bool,
    ) -> PyResult<SrsCore> {
        guard(py, || {
            let mut s = Settings::new(text(domain, "domain")?, "");
            s.secrets = secrets
                .iter()
                .map(|b| match b.cast::<PyBytes>() {
                    Ok(b) => Ok(b.as_bytes().to_vec()),
                    Err(_) => Err(PyTypeError::new_err(format!("a secret is bytes here, not {}", type_name(b)))),
                })
                .collect::<PyResult<_>>()?;
            let sep = text(separator, "separator")?;
            let mut chars = sep.chars();
            // A str of another length is no separator either: U+FFFD is
            // one core refuses, with its own message.
            s.separator = match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => char::REPLACEMENT_CHARACTER,
            };
            s.hash_length = count(hash_length, "hash_length", usize::MAX)?;
            s.hash_min = count(hash_min, "hash_min", usize::MAX)?;
            s.max_age_days = count(max_age_days, "max_age_days", u32::MAX)?;
            s.url_safe = url_safe;
            s.local_domains = local_domains.iter().map(|d| text(d, "a local domain")).collect::<PyResult<_>>()?;
            s.refuse_long = refuse_long;
            match Srs::new(s) {
                Ok(srs) => Ok(SrsCore { srs }),
                Err(e) => Err(error(py, "SrsSettingsError", (e.to_string(), e.as_str()))),
            }
        })
    }

    /// Core's `Srs::forward` at `now`: `(new address, None, warnings)`
    /// when rewritten, `(address, reason, [])` when left unchanged, the
    /// caller's own str (core's is the input as given; the caller's keeps
    /// any lone surrogate that core saw as U+FFFD).
    fn forward<'py>(
        &self,
        py: Python<'py>,
        address: &Bound<'py, PyAny>,
        now: u64,
    ) -> PyResult<(Bound<'py, PyAny>, Option<&'static str>, Vec<WarningParts>)> {
        guard(py, || match self.srs.forward(&text(address, "the address")?, now) {
            Ok(Forwarded::Rewritten { address, warnings }) => {
                let warnings = warnings
                    .iter()
                    .map(|w| {
                        let octets = match w {
                            srs::Warning::LongLocalPart { octets } => Some(*octets),
                            _ => None,
                        };
                        (w.as_str(), octets, w.to_string())
                    })
                    .collect();
                Ok((PyString::new(py, &address).into_any(), None, warnings))
            }
            Ok(Forwarded::Unchanged { reason, .. }) => Ok((address.clone(), Some(reason.as_str()), Vec::new())),
            Err(e) => Err(srs_error(py, &e)),
        })
    }

    /// Core's `Srs::reverse` at `now`: where a bounce to `address` goes.
    fn reverse(&self, py: Python<'_>, address: &Bound<'_, PyAny>, now: u64) -> PyResult<String> {
        guard(py, || self.srs.reverse(&text(address, "the address")?, now).map_err(|e| srs_error(py, &e)))
    }
}

/// `spfkit.SrsError(str(e), kind, message)`.
fn srs_error(py: Python<'_>, e: &srs::Error) -> PyErr {
    error(py, "SrsError", (e.to_string(), e.kind().as_str(), e.message()))
}

/// A secret from the host's random octets: core's `secret_from_bytes`.
#[pyfunction]
#[pyo3(name = "_srs_secret")]
pub(crate) fn srs_secret(random: &Bound<'_, PyBytes>) -> String {
    srs::secret_from_bytes(random.as_bytes())
}
