//! Errors: the package's own classes (spfkit/_errors.py), and the guard
//! that turns a panic into `spfkit.InternalError`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;

pub(crate) fn error<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let made = py.import("spfkit._errors").and_then(|m| m.getattr(class)).and_then(|c| c.call1(args));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

pub(crate) fn invalid(py: Python<'_>, message: String) -> PyErr {
    error(py, "InvalidArgumentError", (message,))
}

/// Runs `f`; a panic inside becomes `spfkit.InternalError`.
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
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

/// The name of a value's type, for messages where the type is what is wrong.
pub(crate) fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}
