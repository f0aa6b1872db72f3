//! Record testing: a domain's whole SPF tree, its worst-case DNS cost
//! counted exactly as the evaluator counts it, the networks it authorises,
//! and warnings with stable codes. Sans-IO like [`Evaluation`]: an
//! [`Analysis`] hands out queries and takes answers.
//!
//! [`Evaluation`]: crate::Evaluation

use core::fmt;
use core::net::IpAddr;

use crate::dns::QueryId;
use crate::driver::{AsyncResolver, Resolver};
use crate::engine::Machine;
use crate::options::Limits;
use crate::record::{Qualifier, Span};

pub(crate) use walk::walk;

/// How to analyse.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// The limits to check the tree against; the RFC's by default.
    pub limits: Limits,
    /// A record for the top domain that is not published yet; the rest of
    /// the tree still comes from DNS.
    pub draft: Option<String>,
    /// Count void lookups of `a` terms as for an IPv6 client (AAAA
    /// lookups) rather than an IPv4 one. Both families' addresses are
    /// listed either way.
    pub ipv6_client: bool,
    /// Records fetched at most; the walk stops with a warning beyond.
    /// From 1 to [`AnalysisOptions::MAX_NODES`] in every binding.
    pub max_nodes: usize,
}

impl AnalysisOptions {
    /// The largest [`max_nodes`](AnalysisOptions::max_nodes) a binding
    /// accepts: a tree within even raised limits ([`Limits::MAX`]) has
    /// fewer records to fetch.
    pub const MAX_NODES: usize = Limits::MAX as usize;
}

impl Default for AnalysisOptions {
    fn default() -> AnalysisOptions {
        AnalysisOptions { limits: Limits::default(), draft: None, ipv6_client: false, max_nodes: 100 }
    }
}

/// Where a node's record came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Source {
    /// A TXT lookup.
    Dns,
    /// [`AnalysisOptions::draft`].
    Draft,
}

/// How the walk reached a node.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Via {
    /// The analysed domain.
    Root,
    /// An `include:` of the parent.
    Include,
    /// The parent's `redirect=`.
    Redirect,
}

/// One record of the tree.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Node {
    /// The domain whose record this is.
    pub domain: String,
    /// The parent node's index in [`Report::nodes`].
    pub parent: Option<usize>,
    /// How the parent reached it.
    pub via: Via,
    /// The parent's term that reached it, as written.
    pub term: Option<String>,
    /// Include/redirect nesting; 0 is the analysed domain.
    pub depth: u32,
    /// Where the record came from.
    pub source: Source,
    /// The SPF record's text, when there is exactly one.
    pub record: Option<String>,
    /// This record's own DNS-querying terms (§4.6.4), `redirect=` included.
    pub dns_terms: u32,
    /// Void lookups of this record's own terms that do not depend on the
    /// client.
    pub void_lookups: u32,
}

/// A network the tree authorises (with whatever qualifier).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Network {
    /// The network's first address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
    /// The node whose term gives it.
    pub node: usize,
    /// That term, as written.
    pub term: String,
    /// That term's qualifier (`+` when none is written).
    pub qualifier: Qualifier,
}

/// A term whose outcome depends on the client (macros, `ptr`, `exists`),
/// so it cannot be resolved ahead.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClientDependent {
    /// The node holding it.
    pub node: usize,
    /// The term as written.
    pub term: String,
    /// Its bytes in the node's record.
    pub span: Span,
}

/// What a warning is about; [`code`](WarningCode::code) is stable.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum WarningCode {
    /// The analysed domain is not a valid domain name (§4.3).
    InvalidDomain,
    /// A record does not parse.
    SyntaxError,
    /// More than one SPF record at a name (§4.5: permerror).
    SeveralRecords,
    /// No SPF record at the analysed domain or at an include/redirect
    /// target (permerror when evaluated).
    NoRecord,
    /// A DNS error while walking; the tree is incomplete.
    DnsError,
    /// More DNS-querying terms than the limit (§4.6.4: permerror).
    TooManyDnsTerms,
    /// More void lookups than the limit (§4.6.4: permerror).
    TooManyVoidLookups,
    /// An `mx` whose domain has more MX names than the limit.
    TooManyMxNames,
    /// `ptr` is discouraged (§5.5).
    Ptr,
    /// `+all` authorises every host.
    PlusAll,
    /// `?all` says nothing.
    NeutralAll,
    /// Neither `all` nor `redirect=`: no match gives neutral.
    NoAll,
    /// `redirect=` is ignored because the record has `all` (§6.1).
    RedirectIgnored,
    /// A modifier SPF does not define (ignored, §6).
    UnknownModifier,
    /// A draft longer than one 255-byte TXT string: publish it split.
    TxtStringTooLong,
    /// A record over 450 bytes, which may not fit one UDP answer (§3.4).
    RecordTooLong,
    /// An include/redirect that leads back to a record above it.
    IncludeLoop,
    /// The same network twice.
    DuplicateNetwork,
    /// A network inside another one.
    OverlappingNetwork,
    /// The walk stopped at [`AnalysisOptions::max_nodes`] records, or the
    /// list of networks at [`MAX_NETWORKS`].
    TreeTooLarge,
    /// Mechanisms after `all`, which evaluation never reaches.
    AfterAll,
}

impl WarningCode {
    /// A stable short code for tools and bindings.
    pub fn code(self) -> &'static str {
        match self {
            WarningCode::InvalidDomain => "invalid-domain",
            WarningCode::SyntaxError => "syntax-error",
            WarningCode::SeveralRecords => "several-records",
            WarningCode::NoRecord => "no-record",
            WarningCode::DnsError => "dns-error",
            WarningCode::TooManyDnsTerms => "too-many-dns-terms",
            WarningCode::TooManyVoidLookups => "too-many-void-lookups",
            WarningCode::TooManyMxNames => "too-many-mx-names",
            WarningCode::Ptr => "ptr",
            WarningCode::PlusAll => "plus-all",
            WarningCode::NeutralAll => "neutral-all",
            WarningCode::NoAll => "no-all",
            WarningCode::RedirectIgnored => "redirect-ignored",
            WarningCode::UnknownModifier => "unknown-modifier",
            WarningCode::TxtStringTooLong => "txt-string-too-long",
            WarningCode::RecordTooLong => "record-too-long",
            WarningCode::IncludeLoop => "include-loop",
            WarningCode::DuplicateNetwork => "duplicate-network",
            WarningCode::OverlappingNetwork => "overlapping-network",
            WarningCode::TreeTooLarge => "tree-too-large",
            WarningCode::AfterAll => "after-all",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A finding, at a node and (when it is about a term) a byte span of the
/// node's record.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Warning {
    /// What it is about.
    pub code: WarningCode,
    /// The node.
    pub node: usize,
    /// The bytes of the node's record at fault, if any.
    pub span: Option<Span>,
    /// For people.
    pub message: String,
}

/// What an analysis found.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Report {
    /// The analysed domain (A-labels).
    pub domain: String,
    /// The records, depth first in evaluation order; `nodes[0]` is the
    /// analysed domain's.
    pub nodes: Vec<Node>,
    /// DNS-querying terms when nothing matches early: the most an
    /// evaluation can count.
    pub dns_terms: u32,
    /// Void lookups the same way, from terms that do not depend on the
    /// client.
    pub void_lookups: u32,
    /// The limits checked.
    pub limits: Limits,
    /// Networks the tree names (ip4/ip6 and the addresses of `a`/`mx`).
    pub networks: Vec<Network>,
    /// Distinct IPv4 addresses in [`networks`](Report::networks) with a
    /// `+` qualifier.
    pub ipv4_addresses: u64,
    /// Distinct IPv6 addresses likewise (saturating).
    pub ipv6_addresses: u128,
    /// Terms that depend on the client.
    pub client_dependent: Vec<ClientDependent>,
    /// Findings, in walk order.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Whether an evaluation that matches nothing early would exceed the
    /// DNS-term limit (permerror).
    pub fn exceeds_dns_terms(&self) -> bool {
        self.dns_terms > self.limits.dns_terms
    }

    /// Whether it would exceed the void-lookup limit.
    pub fn exceeds_void_lookups(&self) -> bool {
        self.void_lookups > self.limits.void_lookups
    }
}

/// A record-tree analysis driven by the host, like an [`Evaluation`].
///
/// ```
/// use spfkit::{analyze, AnalysisOptions, RData, Zone};
/// let mut zone = Zone::new();
/// zone.add("example.com", RData::Txt(b"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ~all".to_vec()));
/// zone.add("_spf.example.net", RData::Txt(b"v=spf1 ip6:2001:db8::/126 -all".to_vec()));
/// let report = analyze("example.com", AnalysisOptions::default(), &zone);
/// assert_eq!(report.nodes.len(), 2);
/// assert_eq!(report.dns_terms, 1);
/// assert_eq!((report.ipv4_addresses, report.ipv6_addresses), (256, 4));
/// ```
///
/// [`Evaluation`]: crate::Evaluation
pub struct Analysis(Machine<Report>);

impl fmt::Debug for Analysis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analysis").finish_non_exhaustive()
    }
}

crate::engine::step_api!(Analysis, Report, report, into_report);

impl Analysis {
    /// Starts analysing `domain`'s tree.
    pub fn new(domain: &str, options: AnalysisOptions) -> Analysis {
        let domain = domain.to_owned();
        Analysis(Machine::new(move |dns| walk(dns, domain, options)))
    }

    /// Runs to the end with a blocking resolver.
    pub fn run<R: Resolver + ?Sized>(self, resolver: &R) -> Report {
        let domain = String::new();
        self.0.run(resolver).unwrap_or_else(|| stalled(domain))
    }

    /// Runs to the end with an async resolver, a step's queries together.
    pub async fn run_async<R: AsyncResolver + ?Sized>(self, resolver: &R) -> Report {
        self.0.run_async(resolver).await.unwrap_or_else(|| stalled(String::new()))
    }
}

/// Analyses `domain`'s SPF tree with a blocking resolver.
pub fn analyze<R: Resolver + ?Sized>(domain: &str, options: AnalysisOptions, resolver: &R) -> Report {
    Analysis::new(domain, options).run(resolver)
}

#[cold]
fn stalled(domain: String) -> Report {
    Report {
        domain,
        nodes: Vec::new(),
        dns_terms: 0,
        void_lookups: 0,
        limits: Limits::default(),
        networks: Vec::new(),
        ipv4_addresses: 0,
        ipv6_addresses: 0,
        client_dependent: Vec::new(),
        warnings: vec![Warning {
            code: WarningCode::DnsError,
            node: 0,
            span: None,
            message: "internal error: the analysis stalled".into(),
        }],
    }
}

/// Networks listed at most: hostile answers (thousands of addresses per
/// `a`/`mx` lookup) must not grow the report without bound.
pub const MAX_NETWORKS: usize = 10_000;

mod walk;

/// A count of addresses for people: digits grouped by thousands up to
/// 2^32, a power of two as `2^96`, anything larger as `about 2^96.6`
/// (IPv6 counts run to 39 digits).
fn readable_count(n: u128) -> String {
    if n < 1 << 32 {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(d);
        }
        return out;
    }
    if n.is_power_of_two() {
        return format!("2^{}", n.trailing_zeros());
    }
    format!("about 2^{:.1}", (n as f64).log2())
}

impl fmt::Display for Report {
    /// The tree with each node's cost, then totals, networks and warnings:
    /// what `spfkit lint` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.nodes.iter().enumerate() {
            let indent = 2 * n.depth as usize;
            let via = match (n.via, &n.term) {
                (Via::Root, _) => String::new(),
                (_, Some(t)) => format!("{t} -> "),
                (_, None) => String::new(),
            };
            let source = if n.source == Source::Draft { " (draft)" } else { "" };
            writeln!(
                f,
                "{:indent$}[{i}] {via}{}{source}: {} DNS terms, {} void lookups",
                "", n.domain, n.dns_terms, n.void_lookups
            )?;
            match &n.record {
                Some(r) => writeln!(f, "{:indent$}    {r}", "")?,
                None => writeln!(f, "{:indent$}    (no record)", "")?,
            }
        }
        let mark = |over: bool| if over { "  EXCEEDED" } else { "" };
        writeln!(
            f,
            "DNS-querying terms: {} of {}{}",
            self.dns_terms,
            self.limits.dns_terms,
            mark(self.exceeds_dns_terms())
        )?;
        writeln!(
            f,
            "void lookups: {} of {}{}",
            self.void_lookups,
            self.limits.void_lookups,
            mark(self.exceeds_void_lookups())
        )?;
        writeln!(
            f,
            "authorised: {} IPv4 and {} IPv6 addresses in {} networks",
            readable_count(u128::from(self.ipv4_addresses)),
            readable_count(self.ipv6_addresses),
            self.networks.len()
        )?;
        for c in &self.client_dependent {
            writeln!(f, "depends on the client: {} ({})", c.term, self.nodes[c.node].domain)?;
        }
        if self.warnings.is_empty() {
            writeln!(f, "no warnings")?;
        }
        for w in &self.warnings {
            let domain = self.nodes.get(w.node).map_or("", |n| n.domain.as_str());
            match w.span {
                Some(s) => writeln!(f, "warning {} at {domain} bytes {}..{}: {}", w.code, s.start, s.end, w.message)?,
                None => writeln!(f, "warning {} at {domain}: {}", w.code, w.message)?,
            }
        }
        Ok(())
    }
}
