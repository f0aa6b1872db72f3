//! Record analysis: analyze(), the step class `Analysis`, and the report.

use pyo3::prelude::*;
use pyo3::types::PyString;
use spfkit as spf;

use crate::answers::shown;
use crate::arguments::limits_arg;
use crate::errors::{guard, invalid};
use crate::records::char_index;
use crate::steps::{Query, Steps, drive};

/// One record of an analysed tree.
#[pyclass(module = "spfkit", frozen, get_all)]
pub(crate) struct ReportNode {
    domain: String,
    /// Index of the parent node; None for the analysed domain.
    parent: Option<usize>,
    /// "root", "include" or "redirect".
    via: &'static str,
    /// The parent's term that led here.
    term: Option<String>,
    depth: u32,
    /// "dns", or "draft" for a record not yet published.
    source: &'static str,
    /// The record; None when there is none (or several).
    record: Option<String>,
    /// This record's own DNS-querying terms and void lookups.
    dns_terms: u32,
    void_lookups: u32,
}

#[pymethods]
impl ReportNode {
    fn __repr__(&self) -> String {
        format!("ReportNode({:?}, via={:?}, record={:?})", self.domain, self.via, self.record)
    }
}

/// A network the tree authorises (or names with another qualifier).
#[pyclass(module = "spfkit", frozen, get_all)]
pub(crate) struct Network {
    /// "192.0.2.0/24", "2001:db8::/32".
    network: String,
    node: usize,
    term: String,
    /// "+", "-", "~" or "?".
    qualifier: String,
}

#[pymethods]
impl Network {
    fn __repr__(&self) -> String {
        format!("Network({:?}, qualifier={:?}, term={:?})", self.network, self.qualifier, self.term)
    }
}

/// A finding: a stable code, the node, the span in that node's record (str
/// indices) and a sentence. (Not `Warning`: that is a builtin.)
#[pyclass(module = "spfkit", name = "AnalysisWarning", frozen, get_all)]
pub(crate) struct Warning {
    code: &'static str,
    node: usize,
    span: Option<(usize, usize)>,
    message: String,
}

#[pymethods]
impl Warning {
    fn __repr__(&self) -> String {
        format!(
            "AnalysisWarning({:?}, node={}, span={:?}, message={:?})",
            self.code, self.node, self.span, self.message
        )
    }
}

/// What analyze() found; str() is the text `spfkit lint` prints.
#[pyclass(module = "spfkit", frozen)]
pub(crate) struct Report {
    r: spf::Report,
}

#[pymethods]
impl Report {
    #[getter]
    fn domain(&self) -> String {
        self.r.domain.clone()
    }
    /// The records, depth first; nodes[0] is the analysed domain's.
    #[getter]
    fn nodes(&self) -> Vec<ReportNode> {
        self.r
            .nodes
            .iter()
            .map(|n| ReportNode {
                domain: n.domain.clone(),
                parent: n.parent,
                via: n.via.as_str(),
                term: n.term.clone(),
                depth: n.depth,
                source: n.source.as_str(),
                record: n.record.clone(),
                dns_terms: n.dns_terms,
                void_lookups: n.void_lookups,
            })
            .collect()
    }
    /// The most DNS-querying terms an evaluation can count.
    #[getter]
    fn dns_terms(&self) -> u32 {
        self.r.dns_terms
    }
    /// The most void lookups, from terms that do not depend on the client.
    #[getter]
    fn void_lookups(&self) -> u32 {
        self.r.void_lookups
    }
    #[getter]
    fn exceeds_dns_terms(&self) -> bool {
        self.r.exceeds_dns_terms()
    }
    #[getter]
    fn exceeds_void_lookups(&self) -> bool {
        self.r.exceeds_void_lookups()
    }
    #[getter]
    fn networks(&self) -> Vec<Network> {
        self.r
            .networks
            .iter()
            .map(|n| Network {
                network: format!("{}/{}", n.addr, n.prefix),
                node: n.node,
                term: n.term.clone(),
                qualifier: n.qualifier.as_char().to_string(),
            })
            .collect()
    }
    /// Distinct IPv4 addresses the tree authorises (+ networks).
    #[getter]
    fn ipv4_addresses(&self) -> u64 {
        self.r.ipv4_addresses
    }
    /// Distinct IPv6 addresses likewise.
    #[getter]
    fn ipv6_addresses(&self) -> u128 {
        self.r.ipv6_addresses
    }
    /// Terms that depend on the client (macros, ptr, exists): (node, term).
    #[getter]
    fn client_dependent(&self) -> Vec<(usize, String)> {
        self.r.client_dependent.iter().map(|c| (c.node, c.term.clone())).collect()
    }
    #[getter]
    fn warnings(&self) -> Vec<Warning> {
        self.r
            .warnings
            .iter()
            .map(|w| {
                let record = self.r.nodes.get(w.node).and_then(|n| n.record.as_deref()).unwrap_or("");
                Warning {
                    code: w.code.code(),
                    node: w.node,
                    span: w.span.map(|s| (char_index(record, s.start), char_index(record, s.end))),
                    message: w.message.clone(),
                }
            })
            .collect()
    }
    fn __str__(&self) -> String {
        self.r.to_string()
    }
    fn __repr__(&self) -> String {
        format!(
            "<Report {} nodes={} dns_terms={} void_lookups={} warnings={}>",
            self.r.domain,
            self.r.nodes.len(),
            self.r.dns_terms,
            self.r.void_lookups,
            self.r.warnings.len()
        )
    }
}

fn analysis_options(
    py: Python<'_>,
    record: Option<String>,
    limits: Option<&Bound<'_, PyAny>>,
    ipv6_client: bool,
    max_nodes: i64,
) -> PyResult<spf::AnalysisOptions> {
    const MAX_NODES: i64 = spf::AnalysisOptions::MAX_NODES as i64;
    if !(1..=MAX_NODES).contains(&max_nodes) {
        return Err(invalid(py, format!("max_nodes must be 1 to {MAX_NODES}, not {max_nodes}")));
    }
    let mut o =
        spf::AnalysisOptions { draft: record, ipv6_client, max_nodes: max_nodes as usize, ..Default::default() };
    if let Some(l) = limits {
        o.limits = limits_arg(py, l)?;
    }
    Ok(o)
}

/// `domain` of an analysis: what core's check_domain takes (as the CLI's
/// lint); a domain it refuses is InvalidArgumentError with core's reason.
fn domain_arg(py: Python<'_>, domain: &Bound<'_, PyString>) -> PyResult<String> {
    let text = domain.to_string_lossy();
    match spf::check_domain(&text) {
        Ok(_) => Ok(text.into_owned()),
        Err(why) => Err(invalid(py, format!("{}: {why}", shown(domain.as_any())))),
    }
}

/// Analyses `domain`'s record tree with a blocking resolver (see check()).
#[pyfunction]
#[pyo3(signature = (domain, resolver, *, record = None, limits = None, ipv6_client = false, max_nodes = 100))]
pub(crate) fn analyze(
    py: Python<'_>,
    domain: &Bound<'_, PyString>,
    resolver: &Bound<'_, PyAny>,
    record: Option<String>,
    limits: Option<&Bound<'_, PyAny>>,
    ipv6_client: bool,
    max_nodes: i64,
) -> PyResult<Report> {
    guard(py, || {
        let an =
            spf::Analysis::new(&domain_arg(py, domain)?, analysis_options(py, record, limits, ipv6_client, max_nodes)?);
        Ok(Report { r: drive(py, an, resolver)? })
    })
}

/// An analysis driven by the caller, like Evaluation; `outcome` is the Report.
#[pyclass(module = "spfkit")]
pub(crate) struct Analysis {
    steps: Steps<spf::Analysis>,
}

#[pymethods]
impl Analysis {
    #[new]
    #[pyo3(signature = (domain, *, record = None, limits = None, ipv6_client = false, max_nodes = 100))]
    fn new(
        py: Python<'_>,
        domain: &Bound<'_, PyString>,
        record: Option<String>,
        limits: Option<&Bound<'_, PyAny>>,
        ipv6_client: bool,
        max_nodes: i64,
    ) -> PyResult<Analysis> {
        guard(py, || {
            let an = spf::Analysis::new(
                &domain_arg(py, domain)?,
                analysis_options(py, record, limits, ipv6_client, max_nodes)?,
            );
            Ok(Analysis { steps: Steps::new(an) })
        })
    }

    /// The next step's queries; [] while answers are outstanding; None when done.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<Query>>> {
        self.steps.next(py)
    }

    /// Answers a query (a Query or its id), as Evaluation.answer().
    fn answer(&self, py: Python<'_>, query: &Bound<'_, PyAny>, answer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.steps.answer(py, query, answer)
    }

    /// The deadline has passed: as Evaluation.expire(), every outstanding
    /// and later query is a temporary DNS error; the next next() returns None.
    fn expire(&self, py: Python<'_>) -> PyResult<()> {
        self.steps.expire(py)
    }

    /// The Report once next() has returned None; None before.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<Report>> {
        Ok(self.steps.done(py)?.map(|r| Report { r }))
    }
}
