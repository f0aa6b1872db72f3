//! The walk of a domain's SPF tree behind [`Analysis`](super::Analysis):
//! each record fetched and parsed as an evaluation would, its terms costed
//! and checked, the networks collected and merged.

use core::fmt::Write as _;
use core::net::IpAddr;
use std::collections::HashMap;

use super::*;
use crate::dns::{Answer, QueryType, RData};
use crate::domain::{check_domain, query_name};
use crate::engine::DnsHandle;
use crate::net::network_start;
use crate::record::{DomainSpec, Mechanism, Modifier, Qualifier, Record, Term, is_spf_record};

/// The largest record §3.4 advises, so that an answer fits 512 bytes.
const MAX_RECORD: usize = 450;

struct Walker {
    dns: DnsHandle,
    options: AnalysisOptions,
    report: Report,
    /// Indices of the nodes from the root to the current one.
    path: Vec<usize>,
    warned_terms: bool,
    warned_void: bool,
    warned_size: bool,
}

pub(crate) async fn walk(dns: DnsHandle, domain: String, options: AnalysisOptions) -> Report {
    let limits = options.limits;
    let mut w = Walker {
        dns,
        options,
        report: Report {
            domain: domain.clone(),
            nodes: Vec::new(),
            dns_terms: 0,
            void_lookups: 0,
            limits,
            networks: Vec::new(),
            ipv4_addresses: 0,
            ipv6_addresses: 0,
            client_dependent: Vec::new(),
            warnings: Vec::new(),
        },
        path: Vec::new(),
        warned_terms: false,
        warned_void: false,
        warned_size: false,
    };
    match check_domain(&domain) {
        Ok(d) => {
            w.report.domain = d.into_owned();
            let name = w.report.domain.clone();
            w.visit(name, None, Via::Root, None).await;
        }
        Err(why) => {
            w.report.nodes.push(Node {
                domain: domain.clone(),
                parent: None,
                via: Via::Root,
                term: None,
                depth: 0,
                source: Source::Dns,
                record: None,
                dns_terms: 0,
                void_lookups: 0,
            });
            w.warn(WarningCode::InvalidDomain, 0, None, format!("{domain:?}: {why}"));
        }
    }
    w.finish_networks();
    w.report.scrub();
    w.report
}

impl Report {
    /// No text of a report carries CR, LF, NUL or another control
    /// character (a record is any bytes a zone holds, and `spfkit lint`
    /// prints it to a terminal); byte spans stay true.
    fn scrub(&mut self) {
        use crate::outcome::scrub_controls_in_place as scrub;
        scrub(&mut self.domain);
        for n in &mut self.nodes {
            scrub(&mut n.domain);
            for t in [&mut n.term, &mut n.record].into_iter().flatten() {
                scrub(t);
            }
        }
        for n in &mut self.networks {
            scrub(&mut n.term);
        }
        for c in &mut self.client_dependent {
            scrub(&mut c.term);
        }
        for w in &mut self.warnings {
            scrub(&mut w.message);
        }
    }
}

impl Walker {
    fn warn(&mut self, code: WarningCode, node: usize, span: Option<Span>, message: String) {
        self.report.warnings.push(Warning { code, node, span, message });
    }

    /// Counts a DNS-querying term, warning once where the limit is passed.
    fn count_term(&mut self, node: usize, span: Span, term: &str) {
        self.report.nodes[node].dns_terms += 1;
        self.report.dns_terms += 1;
        if self.report.dns_terms > self.options.limits.dns_terms && !self.warned_terms {
            self.warned_terms = true;
            let limit = self.options.limits.dns_terms;
            self.warn(
                WarningCode::TooManyDnsTerms,
                node,
                Some(span),
                format!("{term}: DNS-querying term number {} passes the limit of {limit}", limit + 1),
            );
        }
    }

    fn count_void(&mut self, node: usize, span: Span, term: &str, answer: &Answer, qtype: QueryType) {
        if !answer.is_void(qtype) {
            return;
        }
        self.report.nodes[node].void_lookups += 1;
        self.report.void_lookups += 1;
        if self.report.void_lookups > self.options.limits.void_lookups && !self.warned_void {
            self.warned_void = true;
            let limit = self.options.limits.void_lookups;
            self.warn(
                WarningCode::TooManyVoidLookups,
                node,
                Some(span),
                format!("{term}: void lookup number {} passes the limit of {limit}", limit + 1),
            );
        }
    }

    fn add_network(&mut self, node: usize, term: &str, qualifier: Qualifier, addr: IpAddr, prefix: u8) {
        if self.report.networks.len() >= MAX_NETWORKS {
            if !self.warned_size {
                self.warned_size = true;
                self.warn(WarningCode::TreeTooLarge, node, None, format!("stopped listing at {MAX_NETWORKS} networks"));
            }
            return;
        }
        let addr = network_start(addr, prefix);
        self.report.networks.push(Network { addr, prefix, node, term: term.to_owned(), qualifier });
    }

    /// Fetches the SPF record at `domain` (or the draft) and walks it.
    fn visit<'s>(
        &'s mut self,
        domain: String,
        parent: Option<usize>,
        via: Via,
        term: Option<(String, Span)>,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = ()> + Send + 's>> {
        Box::pin(async move {
            if let Some(p) = parent {
                // An include/redirect back to a record on the path loops.
                if self.path.iter().any(|&i| self.report.nodes[i].domain.eq_ignore_ascii_case(&domain)) {
                    let (t, span) = term.clone().unwrap_or_default();
                    self.warn(WarningCode::IncludeLoop, p, Some(span), format!("{t}: {domain} is already above"));
                    return;
                }
            }
            if self.report.nodes.len() >= self.options.max_nodes {
                if !self.warned_size {
                    self.warned_size = true;
                    let max = self.options.max_nodes;
                    self.warn(
                        WarningCode::TreeTooLarge,
                        parent.unwrap_or(0),
                        None,
                        format!("stopped at {max} records"),
                    );
                }
                return;
            }
            let index = self.report.nodes.len();
            let depth = self.path.len() as u32;
            let draft = if parent.is_none() { self.options.draft.clone() } else { None };
            self.report.nodes.push(Node {
                domain: domain.clone(),
                parent,
                via,
                term: term.as_ref().map(|(t, _)| t.clone()),
                depth,
                source: if draft.is_some() { Source::Draft } else { Source::Dns },
                record: None,
                dns_terms: 0,
                void_lookups: 0,
            });
            let text = match draft {
                Some(d) => {
                    if d.len() > 255 {
                        self.warn(
                            WarningCode::TxtStringTooLong,
                            index,
                            None,
                            format!("{} bytes: publish it as several strings of at most 255 bytes", d.len()),
                        );
                    }
                    d.into_bytes()
                }
                None => match self.fetch(index, &domain).await {
                    Some(t) => t,
                    None => return,
                },
            };
            if text.len() > MAX_RECORD {
                self.warn(
                    WarningCode::RecordTooLong,
                    index,
                    None,
                    format!("{} bytes; §3.4 advises at most {MAX_RECORD} to fit one UDP answer", text.len()),
                );
            }
            self.report.nodes[index].record = Some(String::from_utf8_lossy(&text).into_owned());
            let record = match Record::parse_bytes(&text) {
                Ok(r) => r,
                Err(e) => {
                    self.warn(WarningCode::SyntaxError, index, Some(e.span), e.to_string());
                    return;
                }
            };
            self.path.push(index);
            self.walk_record(index, &domain, &record, &text).await;
            self.path.pop();
        })
    }

    /// §4.5 record selection, warning instead of failing.
    async fn fetch(&mut self, index: usize, domain: &str) -> Option<Vec<u8>> {
        let what = match self.report.nodes[index].via {
            Via::Root => "the analysed domain",
            Via::Include => "an include target (permerror when evaluated)",
            Via::Redirect => "a redirect target (permerror when evaluated)",
        };
        let records = match self.dns.lookup(domain, QueryType::Txt).await {
            Answer::Records(r) => r,
            Answer::TempError => {
                self.warn(WarningCode::DnsError, index, None, format!("DNS error looking up TXT for {domain}"));
                return None;
            }
            Answer::NxDomain | Answer::NoData => {
                self.warn(WarningCode::NoRecord, index, None, format!("no SPF record at {domain}, {what}"));
                return None;
            }
        };
        let mut spf = records.into_iter().filter_map(|r| match r {
            RData::Txt(t) if is_spf_record(&t) => Some(t),
            _ => None,
        });
        let first = spf.next();
        let extra = spf.count();
        match first {
            None => {
                self.warn(WarningCode::NoRecord, index, None, format!("no SPF record at {domain}, {what}"));
                None
            }
            Some(_) if extra > 0 => {
                self.warn(
                    WarningCode::SeveralRecords,
                    index,
                    None,
                    format!("{} SPF records at {domain} (§4.5: permerror)", extra + 1),
                );
                None
            }
            Some(t) => Some(t),
        }
    }

    async fn walk_record(&mut self, index: usize, domain: &str, record: &Record, text: &[u8]) {
        let as_written = |span: Span| String::from_utf8_lossy(&text[span.start..span.end]).into_owned();
        let mut has_all = false;
        let mut redirect: Option<(&DomainSpec, Span)> = None;
        for t in record.terms() {
            match t {
                Term::Directive(_, span) if has_all => {
                    // Evaluation stops at `all`: what follows costs nothing
                    // and authorises nothing.
                    let term = as_written(*span);
                    self.warn(
                        WarningCode::AfterAll,
                        index,
                        Some(*span),
                        format!("{term}: comes after `all`, so it is never evaluated"),
                    );
                }
                Term::Directive(d, span) => {
                    let term = as_written(*span);
                    let q = d.effective_qualifier();
                    if d.mechanism.queries_dns() {
                        self.count_term(index, *span, &term);
                    }
                    match &d.mechanism {
                        Mechanism::All => {
                            has_all = true;
                            match q {
                                Qualifier::Pass => self.warn(
                                    WarningCode::PlusAll,
                                    index,
                                    Some(*span),
                                    format!("{term}: authorises every host on the Internet"),
                                ),
                                Qualifier::Neutral => self.warn(
                                    WarningCode::NeutralAll,
                                    index,
                                    Some(*span),
                                    format!("{term}: says nothing about other hosts; prefer ~all or -all"),
                                ),
                                _ => {}
                            }
                        }
                        Mechanism::Ip4 { addr, prefix } => {
                            self.add_network(index, &term, q, IpAddr::V4(*addr), prefix.unwrap_or(32));
                        }
                        Mechanism::Ip6 { addr, prefix } => {
                            self.add_network(index, &term, q, IpAddr::V6(*addr), prefix.unwrap_or(128));
                        }
                        Mechanism::A { domain: spec, cidr } => {
                            let Some(name) = self.fixed_target(index, spec.as_ref(), domain, &term, *span) else {
                                continue;
                            };
                            let (v4, v6) = (cidr.v4_len(), cidr.v6_len());
                            let a = self.dns.issue(&name, QueryType::A);
                            let aaaa = self.dns.issue(&name, QueryType::Aaaa);
                            let (a, aaaa) = (self.dns.wait(a).await, self.dns.wait(aaaa).await);
                            let (client, qtype) =
                                if self.options.ipv6_client { (&aaaa, QueryType::Aaaa) } else { (&a, QueryType::A) };
                            self.count_void(index, *span, &term, client, qtype);
                            self.add_addresses(index, &term, q, &a, v4, v6);
                            self.add_addresses(index, &term, q, &aaaa, v4, v6);
                        }
                        Mechanism::Mx { domain: spec, cidr } => {
                            let Some(name) = self.fixed_target(index, spec.as_ref(), domain, &term, *span) else {
                                continue;
                            };
                            self.mx(index, &name, &term, *span, q, cidr.v4_len(), cidr.v6_len()).await;
                        }
                        Mechanism::Ptr(_) => {
                            self.warn(
                                WarningCode::Ptr,
                                index,
                                Some(*span),
                                format!("{term}: ptr is slow and unreliable; §5.5 says not to use it"),
                            );
                            self.report.client_dependent.push(ClientDependent { node: index, term, span: *span });
                        }
                        Mechanism::Exists(spec) => {
                            let Some(name) = self.fixed_target(index, Some(spec), domain, &term, *span) else {
                                continue;
                            };
                            // A fixed exists: is a switch the owner sets.
                            let answer = self.dns.lookup(&name, QueryType::A).await;
                            self.count_void(index, *span, &term, &answer, QueryType::A);
                        }
                        Mechanism::Include(spec) => {
                            let Some(name) = self.fixed_target(index, Some(spec), domain, &term, *span) else {
                                continue;
                            };
                            self.visit(name, Some(index), Via::Include, Some((term, *span))).await;
                        }
                    }
                }
                Term::Modifier(Modifier::Redirect(spec), span) => redirect = Some((spec, *span)),
                Term::Modifier(Modifier::Explanation(_), _) => {}
                Term::Modifier(Modifier::Unknown { name, .. }, span) => {
                    let term = as_written(*span);
                    self.warn(
                        WarningCode::UnknownModifier,
                        index,
                        Some(*span),
                        format!("{term}: `{name}=` is not an SPF modifier and is ignored"),
                    );
                }
            }
        }
        match redirect {
            Some((_, span)) if has_all => {
                let term = as_written(span);
                self.warn(
                    WarningCode::RedirectIgnored,
                    index,
                    Some(span),
                    format!("{term}: ignored, because the record has `all` (§6.1)"),
                );
            }
            Some((spec, span)) => {
                let term = as_written(span);
                self.count_term(index, span, &term);
                if let Some(name) = self.fixed_target(index, Some(spec), domain, &term, span) {
                    self.visit(name, Some(index), Via::Redirect, Some((term, span))).await;
                }
            }
            None if !has_all => self.warn(
                WarningCode::NoAll,
                index,
                None,
                "neither `all` nor `redirect=`: a host that matches nothing gets neutral".into(),
            ),
            None => {}
        }
    }

    /// The name a term queries when it does not depend on the client;
    /// `None` (recorded as client-dependent) when it does or cannot be
    /// queried.
    fn fixed_target(
        &mut self,
        index: usize,
        spec: Option<&DomainSpec>,
        domain: &str,
        term: &str,
        span: Span,
    ) -> Option<String> {
        let Some(spec) = spec else { return Some(domain.to_owned()) };
        if spec.has_macros() {
            self.report.client_dependent.push(ClientDependent { node: index, term: term.to_owned(), span });
            return None;
        }
        let name = query_name(spec.as_str()).map(str::to_owned);
        if name.is_none() {
            self.warn(WarningCode::SyntaxError, index, Some(span), format!("{term}: the target is not a usable name"));
        }
        name
    }

    #[allow(clippy::too_many_arguments)]
    async fn mx(&mut self, index: usize, name: &str, term: &str, span: Span, q: Qualifier, v4: u8, v6: u8) {
        let answer = self.dns.lookup(name, QueryType::Mx).await;
        self.count_void(index, span, term, &answer, QueryType::Mx);
        let Answer::Records(records) = answer else { return };
        let hosts: Vec<String> = records
            .into_iter()
            .filter_map(|r| match r {
                RData::Mx { exchange, .. } => Some(exchange),
                _ => None,
            })
            .collect();
        let limit = self.options.limits.mx_names as usize;
        if hosts.len() > limit {
            self.warn(
                WarningCode::TooManyMxNames,
                index,
                Some(span),
                format!("{term}: {name} has {} MX names; more than {limit} is permerror (§4.6.4)", hosts.len()),
            );
            return;
        }
        // As an evaluation does: a trailing dot dropped, the null MX (RFC 7505)
        // and other names that cannot be queried skipped.
        let ids: Vec<(QueryId, QueryId)> = hosts
            .iter()
            .filter_map(|h| query_name(h))
            .map(|h| (self.dns.issue(h, QueryType::A), self.dns.issue(h, QueryType::Aaaa)))
            .collect();
        for (a, aaaa) in ids {
            let a = self.dns.wait(a).await;
            let aaaa = self.dns.wait(aaaa).await;
            self.add_addresses(index, term, q, &a, v4, v6);
            self.add_addresses(index, term, q, &aaaa, v4, v6);
        }
    }

    fn add_addresses(&mut self, index: usize, term: &str, q: Qualifier, answer: &Answer, v4: u8, v6: u8) {
        if let Answer::Records(records) = answer {
            for ip in records.iter().filter_map(RData::ip) {
                let prefix = if ip.is_ipv4() { v4 } else { v6 };
                self.add_network(index, term, q, ip, prefix);
            }
        }
    }

    /// Duplicates, overlaps and the count of distinct authorised addresses.
    fn finish_networks(&mut self) {
        let range = |n: &Network| -> (bool, u128, u128) {
            let (start, bits) = match n.addr {
                IpAddr::V4(a) => (u128::from(u32::from(a)), 32u32),
                IpAddr::V6(a) => (u128::from(a), 128u32),
            };
            let size_bits = bits - u32::from(n.prefix).min(bits);
            let last = if size_bits >= 128 { u128::MAX } else { start | ((1u128 << size_bits) - 1) };
            (n.addr.is_ipv6(), start, last)
        };
        // The index in the key keeps equal networks in report order; an
        // unstable sort of plain tuples is far less code than a stable sort
        // with a key closure (it matters in the WebAssembly module).
        let mut keyed: Vec<_> = (self.report.networks.iter().enumerate())
            .map(|(i, n)| {
                let (v6, start, last) = range(n);
                (v6, start, core::cmp::Reverse(last), i)
            })
            .collect();
        keyed.sort_unstable();
        let order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();
        let mut found = Vec::new();
        let (mut v4_total, mut v6_total) = (0u128, 0u128);
        // (family, end of the covering network so far, its index)
        let mut cover: Option<(bool, u128, usize)> = None;
        // Union of `+` networks, per family, as (start, last) merged runs.
        let mut run: Option<(bool, u128, u128)> = None;
        let add_run = |r: (bool, u128, u128), v4: &mut u128, v6: &mut u128| {
            let size = (r.2 - r.1).saturating_add(1);
            if r.0 { *v6 = v6.saturating_add(size) } else { *v4 = v4.saturating_add(size) }
        };
        for &i in &order {
            let n = &self.report.networks[i];
            let (v6, start, last) = range(n);
            if let Some((cv6, cend, ci)) = cover {
                if cv6 == v6 && start <= cend {
                    let c = &self.report.networks[ci];
                    let dup = c.addr == n.addr && c.prefix == n.prefix;
                    found.push((i, ci, dup));
                }
            }
            if cover.is_none_or(|(cv6, cend, _)| cv6 != v6 || last > cend) {
                cover = Some((v6, last, i));
            }
            if n.qualifier == Qualifier::Pass {
                run = match run {
                    Some((rv6, rs, rl)) if rv6 == v6 && start <= rl.saturating_add(1) => Some((rv6, rs, rl.max(last))),
                    Some(r) => {
                        add_run(r, &mut v4_total, &mut v6_total);
                        Some((v6, start, last))
                    }
                    None => Some((v6, start, last)),
                };
            }
        }
        if let Some(r) = run {
            add_run(r, &mut v4_total, &mut v6_total);
        }
        self.report.ipv4_addresses = u64::try_from(v4_total).unwrap_or(u64::MAX);
        self.report.ipv6_addresses = v6_total;
        // One warning per term and network it repeats or lies inside, with
        // a count: a record that lists one address 5,000 times gets one line.
        // (node, term, covering network, same network): one warning each.
        type Key<'k> = (usize, &'k str, usize, bool);
        let mut grouped: Vec<(Key<'_>, u32)> = Vec::new();
        let mut index: HashMap<Key<'_>, usize> = HashMap::new();
        for &(i, ci, dup) in &found {
            let n = &self.report.networks[i];
            let key = (n.node, n.term.as_str(), ci, dup);
            match index.get(&key) {
                Some(&g) => grouped[g].1 += 1,
                None => {
                    index.insert(key, grouped.len());
                    grouped.push((key, 1));
                }
            }
        }
        let mut warnings = Vec::with_capacity(grouped.len());
        for ((node, term, ci, dup), count) in grouped {
            let c = &self.report.networks[ci];
            let mut message = format!(
                "{term} ({}) {} {} ({})",
                self.report.nodes[node].domain,
                if dup { "repeats" } else { "lies inside" },
                c.term,
                self.report.nodes[c.node].domain
            );
            if count > 1 {
                let _ = write!(message, ", {count} times");
            }
            let code = if dup { WarningCode::DuplicateNetwork } else { WarningCode::OverlappingNetwork };
            warnings.push((code, node, message));
        }
        for (code, node, message) in warnings {
            self.warn(code, node, None, message);
        }
    }
}
