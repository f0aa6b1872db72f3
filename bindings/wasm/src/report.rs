//! An analysis's report as a plain object: nodes, counts against the
//! limits, networks, warnings, with byte spans as JS string indices.

use serde::Serialize;
use spfkit as spf;
use wasm_bindgen::JsValue;

use crate::values::{js_index, to_js};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeOut<'a> {
    domain: &'a str,
    parent: Option<usize>,
    via: &'static str,
    term: Option<&'a str>,
    depth: u32,
    source: &'static str,
    record: Option<&'a str>,
    dns_terms: u32,
    void_lookups: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkOut<'a> {
    network: String,
    node: usize,
    term: &'a str,
    qualifier: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpanOut {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientDependentOut<'a> {
    node: usize,
    term: &'a str,
    span: SpanOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WarningOut<'a> {
    code: &'static str,
    node: usize,
    span: Option<SpanOut>,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LimitsOut {
    dns_terms: u32,
    mx_names: u32,
    ptr_names: u32,
    void_lookups: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportOut<'a> {
    domain: &'a str,
    nodes: Vec<NodeOut<'a>>,
    dns_terms: u32,
    void_lookups: u32,
    limits: LimitsOut,
    exceeds_dns_terms: bool,
    exceeds_void_lookups: bool,
    networks: Vec<NetworkOut<'a>>,
    ipv4_addresses: f64,
    /// Exact, as a decimal string: it can exceed what a JS number holds.
    ipv6_addresses: String,
    client_dependent: Vec<ClientDependentOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
}

fn report_out(r: &spf::Report) -> ReportOut<'_> {
    // Spans are bytes of a node's record; JS wants its string indices.
    let span = |node: usize, s: spf::Span| {
        let text = r.nodes.get(node).and_then(|n| n.record.as_deref()).unwrap_or("");
        SpanOut { start: js_index(text, s.start), end: js_index(text, s.end) }
    };
    ReportOut {
        domain: &r.domain,
        nodes: r
            .nodes
            .iter()
            .map(|n| NodeOut {
                domain: &n.domain,
                parent: n.parent,
                via: n.via.as_str(),
                term: n.term.as_deref(),
                depth: n.depth,
                source: n.source.as_str(),
                record: n.record.as_deref(),
                dns_terms: n.dns_terms,
                void_lookups: n.void_lookups,
            })
            .collect(),
        dns_terms: r.dns_terms,
        void_lookups: r.void_lookups,
        limits: LimitsOut {
            dns_terms: r.limits.dns_terms,
            mx_names: r.limits.mx_names,
            ptr_names: r.limits.ptr_names,
            void_lookups: r.limits.void_lookups,
        },
        exceeds_dns_terms: r.exceeds_dns_terms(),
        exceeds_void_lookups: r.exceeds_void_lookups(),
        networks: r
            .networks
            .iter()
            .map(|n| NetworkOut {
                network: format!("{}/{}", n.addr, n.prefix),
                node: n.node,
                term: &n.term,
                qualifier: n.qualifier.as_char().to_string(),
            })
            .collect(),
        ipv4_addresses: r.ipv4_addresses as f64,
        ipv6_addresses: r.ipv6_addresses.to_string(),
        client_dependent: r
            .client_dependent
            .iter()
            .map(|c| ClientDependentOut { node: c.node, term: &c.term, span: span(c.node, c.span) })
            .collect(),
        warnings: r
            .warnings
            .iter()
            .map(|w| WarningOut {
                code: w.code.code(),
                node: w.node,
                span: w.span.map(|s| span(w.node, s)),
                message: &w.message,
            })
            .collect(),
    }
}

/// An analysis's report as a plain object.
pub(crate) fn report(r: &spf::Report) -> JsValue {
    to_js(&report_out(r))
}
