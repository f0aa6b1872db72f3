//! `spfkit._spfkit`: the native half of the Python package (python/).
//!
//! A thin layer: Python values in, checked, core types out. The public API,
//! its enums and exceptions live in the pure-Python package, which this
//! module imports lazily to raise its exceptions and build its enums. Every
//! function that evaluates, analyses or parses runs under `errors::guard`, so a
//! Rust panic there reaches Python as `spfkit.InternalError` (an
//! `Exception`), not pyo3's `PanicException` (a `BaseException` that
//! `except Exception` misses). Python code (resolvers, `__str__` of answer
//! values) never runs while a lock of ours is held.
//!
//! One module per concern: `errors` (the package's exception classes and
//! `guard`), `arguments` (Python values as core's options and
//! request), `answers` (a resolver's return value as core's answer),
//! `steps` (the blocking driver and the step classes' machinery),
//! `evaluation` (check(), check_host(), `Evaluation`), `outcome`,
//! `records`, `analysis` and `cache`; the receiver policy in `policy`
//! (settings, the policy and its messages, the step class `Decide`) and
//! `decision`; SRS for forwarders in `srs`.

use pyo3::prelude::*;

mod analysis;
mod answers;
mod arguments;
mod cache;
mod decision;
mod errors;
mod evaluation;
mod outcome;
mod policy;
mod records;
mod srs;
mod steps;

use analysis::{Analysis, Network, Report, ReportNode, Warning, analyze};
use answers::EmptyAnswer;
use arguments::{check_limits, identity};
use cache::RecordCache;
use decision::Decision;
use evaluation::{Evaluation, check, check_host};
use outcome::{Counters, IdentityOutcome, Outcome, SmtpReply, TraceEvent};
use policy::{Decide, MessageCore, PolicyCore, Settings, policy_recipient, rule_names};
use records::{Record, parse_record};
use srs::{SrsCore, srs_secret};
use steps::Query;

#[pymodule]
fn _spfkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RecordCache>()?;
    m.add_class::<EmptyAnswer>()?;
    m.add_class::<Query>()?;
    m.add_class::<Evaluation>()?;
    m.add_class::<Outcome>()?;
    m.add_class::<IdentityOutcome>()?;
    m.add_class::<Counters>()?;
    m.add_class::<TraceEvent>()?;
    m.add_class::<SmtpReply>()?;
    m.add_class::<Record>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(check_host, m)?)?;
    m.add_function(wrap_pyfunction!(parse_record, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_class::<Analysis>()?;
    m.add_class::<Report>()?;
    m.add_class::<ReportNode>()?;
    m.add_class::<Network>()?;
    m.add_class::<Warning>()?;
    m.add_class::<Settings>()?;
    m.add_class::<PolicyCore>()?;
    m.add_class::<MessageCore>()?;
    m.add_class::<Decide>()?;
    m.add_class::<Decision>()?;
    m.add("NXDOMAIN", EmptyAnswer { kind: 1 })?;
    m.add("NODATA", EmptyAnswer { kind: 2 })?;
    m.add("TEMPERROR", EmptyAnswer { kind: 3 })?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // For the pure-Python package, not in __all__: core's bound on limits
    // and the checks it shares with the native functions.
    m.setattr("_LIMITS_MAX", spfkit::Limits::MAX)?;
    m.setattr("_identity", wrap_pyfunction!(identity, m)?)?;
    m.setattr("_check_limits", wrap_pyfunction!(check_limits, m)?)?;
    m.setattr("_policy_recipient", wrap_pyfunction!(policy_recipient, m)?)?;
    m.setattr("_POLICY_RULES", rule_names())?;
    // For spfkit.srs: core's rewriter, keygen's encoding and core's bounds.
    m.add_class::<SrsCore>()?;
    m.setattr("_srs_secret", wrap_pyfunction!(srs_secret, m)?)?;
    m.setattr("_SRS_MAX_ADDRESS_LEN", spfkit::srs::MAX_ADDRESS_LEN)?;
    m.setattr("_SRS_MAX_HASH_LENGTH", spfkit::srs::MAX_HASH_LENGTH)?;
    m.setattr("_SRS_MAX_AGE_DAYS_LIMIT", spfkit::srs::MAX_AGE_DAYS_LIMIT)?;
    Ok(())
}
