//! `RecordCache`: parsed records shared between evaluations.

use std::sync::Arc;

use pyo3::prelude::*;
use spfkit as spf;

use crate::errors::invalid;

/// Parsed records shared between evaluations and threads, keyed by the exact
/// record bytes (a hit can never change a result).
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct RecordCache {
    pub(crate) cache: Arc<spf::RecordCache>,
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
