//! check_host() (RFC 7208 §4–§6) as a resumable computation.
//!
//! The RFC logic below is ordinary `async` Rust that reads top to bottom
//! like the RFC. It awaits DNS through a handle ([`crate::engine`]) that
//! records what is asked and hands it to the host. No executor, no
//! threads, no I/O.

use core::future::Future;
use core::net::IpAddr;
use core::pin::Pin;
use std::borrow::Cow;
use std::sync::Arc;

use crate::dns::{Answer, QueryId, QueryType, RData, reverse_name};
use crate::domain::{check_domain, is_within, query_name, split_sender};
use crate::engine::DnsHandle;
use crate::macros::{self, ExpandError, MacroContext, MacroPlace};
use crate::net::in_network;
use crate::options::{LookupPlan, Options, Scope};
use crate::outcome::{CheckOutcome, Counters, Identity, Outcome, SpfResult, TraceEvent};
use crate::record::{DomainSpec, Mechanism, Qualifier, Record, is_spf_record};
use crate::request::Request;

/// Include/redirect nesting beyond which evaluation stops with permerror
/// whatever the configured limits, so a raised term limit cannot make
/// polling recurse without bound.
const MAX_DEPTH: u32 = 64;

/// Why evaluation of a record stopped without a match.
enum Stop {
    /// No SPF record (or no valid domain): `none` at the top.
    NoRecord(String),
    /// permerror
    Perm(String),
    /// temperror
    Temp(String),
}

/// A record's evaluation that ran to its end.
struct Verdict {
    /// The matching directive's qualifier; `None` when nothing matched.
    qualifier: Option<Qualifier>,
    /// The matching directive as written.
    mechanism: Option<String>,
    /// The `exp=` of the record that decided, with that record's domain.
    exp: Option<(String, DomainSpec)>,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The whole evaluation: check() or one identity, per `options.scope`.
pub(crate) async fn run(dns: DnsHandle, request: Request, options: Options) -> CheckOutcome {
    run_with(dns, request, options, None).await
}

/// [`run`], with `guess` evaluated as if the checked domain published it
/// (a receiver's best guess for a domain without SPF; never its result).
pub(crate) async fn run_with(
    dns: DnsHandle,
    request: Request,
    options: Options,
    guess: Option<Arc<Record>>,
) -> CheckOutcome {
    let ip = match request.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let timestamp = options.timestamp.unwrap_or_else(now);
    let helo = request.helo.as_str();
    let null_sender = request.mail_from.is_empty();
    let mut helo_sender = String::with_capacity(11 + helo.len());
    helo_sender.push_str("postmaster@");
    helo_sender.push_str(helo);
    let mail_from_sender = if null_sender { helo_sender.as_str() } else { request.mail_from.as_str() };
    let ctx = Shared { dns: &dns, options: &options, ip, helo, timestamp, guess };

    let mut helo_outcome = None;
    let mut mail_from_outcome = None;
    let mut decided_by = Identity::MailFrom;
    match options.scope {
        Scope::Helo => {
            helo_outcome = Some(ctx.check_host(Identity::Helo, &helo_sender).await);
            decided_by = Identity::Helo;
        }
        Scope::MailFrom => {
            mail_from_outcome = Some(ctx.check_host(Identity::MailFrom, mail_from_sender).await);
        }
        Scope::Both => {
            // §2.3: HELO is checked when it is a multi-label domain.
            if check_domain(helo).is_ok() {
                let o = ctx.check_host(Identity::Helo, &helo_sender).await;
                if options.definitive.contains(o.result) {
                    decided_by = Identity::Helo;
                }
                helo_outcome = Some(o);
            }
            if decided_by == Identity::MailFrom || options.always_mail_from {
                mail_from_outcome = Some(match (&helo_outcome, null_sender) {
                    // <> is checked as postmaster@HELO: the HELO check
                    // already evaluated exactly that.
                    (Some(h), true) => Outcome { identity: Identity::MailFrom, ..h.clone() },
                    _ => ctx.check_host(Identity::MailFrom, mail_from_sender).await,
                });
            }
        }
    }
    let mut out = CheckOutcome {
        ip,
        helo: request.helo,
        mail_from: request.mail_from,
        receiver: options.receiver.as_ref().to_owned(),
        helo_outcome,
        mail_from_outcome,
        decided_by,
    };
    // The host's own texts come back too: none may carry CR, LF or NUL.
    for t in [&mut out.helo, &mut out.mail_from, &mut out.receiver] {
        crate::outcome::scrub_controls(t);
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(target_arch = "wasm32")]
fn now() -> u64 {
    0
}

/// What every check_host() of one evaluation shares.
struct Shared<'a> {
    dns: &'a DnsHandle,
    options: &'a Options,
    ip: IpAddr,
    helo: &'a str,
    timestamp: u64,
    /// The record evaluated for the checked domain in place of its own.
    guess: Option<Arc<Record>>,
}

impl Shared<'_> {
    /// check_host(<ip>, <domain>, <sender>) with `<domain>` taken from
    /// `<sender>` (§4).
    async fn check_host(&self, identity: Identity, sender: &str) -> Outcome {
        let mut outcome = self.check_host_unscrubbed(identity, sender).await;
        outcome.scrub();
        outcome
    }

    async fn check_host_unscrubbed(&self, identity: Identity, sender: &str) -> Outcome {
        let (local, raw_domain) = split_sender(sender);
        let (before_queries, before_trips, expired_before) = self.dns.totals();
        let mut outcome = Outcome {
            result: SpfResult::None,
            identity,
            domain: raw_domain.to_owned(),
            sender: sender.to_owned(),
            explanation: None,
            mechanism: None,
            reason: None,
            counters: Counters::default(),
            trace: Vec::new(),
        };
        // §4.3: a malformed or single-label domain gives none.
        let domain = match check_domain(raw_domain) {
            Ok(d) => d,
            Err(why) => {
                outcome.reason = Some(why.to_owned());
                return outcome;
            }
        };
        if let Some(l) = sender.rsplit_once('@').map(|(l, _)| l) {
            if !l.is_empty() {
                outcome.sender = format!("{l}@{domain}");
            }
        }
        if outcome.domain != *domain {
            outcome.domain.clear();
            outcome.domain.push_str(&domain);
        }
        let mut ev = CheckHost {
            shared: self,
            local,
            sender_domain: &domain,
            counters: Counters::default(),
            trace: Vec::new(),
            validated: None,
            in_include: 0,
            note: None,
        };
        let verdict = ev.evaluate(&domain, 0).await;
        // An answer the deadline made up may have been taken as "no match"
        // (a ptr name skipped); RFC 7208 §4.6.4: past the time limit the
        // result is temperror, whatever the terms said.
        let verdict = if self.dns.totals().2 > expired_before {
            Err(Stop::Temp("the time limit for the check passed (RFC 7208 section 4.6.4)".to_owned()))
        } else {
            verdict
        };
        match verdict {
            Ok(v) => {
                outcome.result = match v.qualifier {
                    None => SpfResult::Neutral,
                    Some(Qualifier::Pass) => SpfResult::Pass,
                    Some(Qualifier::Fail) => SpfResult::Fail,
                    Some(Qualifier::SoftFail) => SpfResult::SoftFail,
                    Some(Qualifier::Neutral) => SpfResult::Neutral,
                };
                outcome.mechanism = v.mechanism;
                if outcome.result == SpfResult::Fail {
                    outcome.explanation = Some(ev.explain(v.exp, &domain).await);
                }
            }
            Err(Stop::NoRecord(why)) => outcome.reason = Some(why),
            Err(Stop::Perm(why)) => {
                outcome.result = SpfResult::PermError;
                outcome.reason = Some(why);
            }
            Err(Stop::Temp(why)) => {
                outcome.result = SpfResult::TempError;
                outcome.reason = Some(why);
            }
        }
        let (after_queries, after_trips, _) = self.dns.totals();
        outcome.counters = Counters {
            queries: after_queries - before_queries,
            round_trips: after_trips - before_trips,
            ..ev.counters
        };
        outcome.trace = ev.trace;
        outcome
    }
}

/// One check_host() invocation's state.
struct CheckHost<'a> {
    shared: &'a Shared<'a>,
    local: &'a str,
    sender_domain: &'a str,
    counters: Counters,
    trace: Vec<TraceEvent>,
    /// `%{p}` per `<domain>`, computed at most once each.
    validated: Option<(String, String)>,
    /// How many includes the evaluation is inside.
    in_include: u32,
    /// Why the term being evaluated looked nothing up, for the trace.
    note: Option<String>,
}

/// A selected record, parsed afresh or shared from the cache.
enum Parsed {
    Own(Record),
    Shared(Arc<Record>),
}

impl core::ops::Deref for Parsed {
    type Target = Record;
    fn deref(&self) -> &Record {
        match self {
            Parsed::Own(r) => r,
            Parsed::Shared(r) => r,
        }
    }
}

impl<'a> CheckHost<'a> {
    fn limits(&self) -> crate::Limits {
        self.shared.options.limits
    }

    fn tracing(&self) -> bool {
        self.shared.options.trace
    }

    fn trace_term(&mut self, depth: u32, domain: &str, term: &dyn core::fmt::Display, matched: bool) {
        if self.tracing() {
            let note = self.note.take();
            self.trace.push(TraceEvent::Term {
                depth,
                domain: domain.to_owned(),
                term: term.to_string(),
                matched,
                note,
            });
        }
    }

    fn trace_error(&mut self, depth: u32, domain: &str, term: Option<String>, stop: &Stop) {
        if self.tracing() {
            let message = match stop {
                Stop::NoRecord(m) | Stop::Perm(m) | Stop::Temp(m) => m.clone(),
            };
            self.trace.push(TraceEvent::Error { depth, domain: domain.to_owned(), term, message });
        }
    }

    /// Counts a DNS-querying term (§4.6.4).
    fn count_term(&mut self) -> Result<(), Stop> {
        self.counters.dns_terms += 1;
        if self.counters.dns_terms > self.limits().dns_terms {
            return Err(Stop::Perm(format!(
                "more than {} DNS-querying terms (RFC 7208 section 4.6.4)",
                self.limits().dns_terms
            )));
        }
        Ok(())
    }

    /// Counts a void lookup if `answer` is one (§4.6.4).
    fn count_void(&mut self, answer: &Answer, qtype: QueryType) -> Result<(), Stop> {
        if answer.is_void(qtype) {
            self.counters.void_lookups += 1;
            if self.counters.void_lookups > self.limits().void_lookups {
                return Err(Stop::Perm(format!(
                    "more than {} void lookups (RFC 7208 section 4.6.4)",
                    self.limits().void_lookups
                )));
            }
        }
        Ok(())
    }

    /// The address query type that matches the client's family.
    fn addr_type(&self) -> QueryType {
        if self.shared.ip.is_ipv4() { QueryType::A } else { QueryType::Aaaa }
    }

    /// Evaluates `domain`'s record (§4.4–§4.7, §5, §6.1).
    fn evaluate<'s>(&'s mut self, domain: &'s str, depth: u32) -> BoxFuture<'s, Result<Verdict, Stop>> {
        Box::pin(async move {
            if depth > MAX_DEPTH {
                return Err(Stop::Perm("include/redirect nesting too deep".to_owned()));
            }
            let record = self.select_record(domain, depth).await?;
            for (directive, _) in record.directives() {
                // Most terms of real records are ip4/ip6: decided here,
                // without setting up the asynchronous path.
                let matched = match self.match_without_dns(&directive.mechanism) {
                    Some(m) => m,
                    None => match self.matches(&directive.mechanism, domain, depth).await {
                        Ok(m) => m,
                        Err(stop) => {
                            self.trace_error(depth, domain, Some(directive.to_string()), &stop);
                            return Err(stop);
                        }
                    },
                };
                self.trace_term(depth, domain, directive, matched);
                if matched {
                    let qualifier = directive.effective_qualifier();
                    // §6.2: only a fail is explained.
                    let exp = if qualifier == Qualifier::Fail {
                        record.explanation().map(|e| (domain.to_owned(), e.clone()))
                    } else {
                        None
                    };
                    // Inside an include only the qualifier counts (§5.2):
                    // the text would be thrown away.
                    let mechanism = (self.in_include == 0).then(|| directive.text());
                    return Ok(Verdict { qualifier: Some(qualifier), mechanism, exp });
                }
            }
            // §6.1: redirect applies only when no mechanism matched; a
            // record with `all` never gets here.
            if let Some(spec) = record.redirect() {
                let result = self.redirect(spec, domain, depth).await;
                if let Err(stop) = &result {
                    self.trace_error(depth, domain, Some(format!("redirect={spec}")), stop);
                }
                return result;
            }
            Ok(Verdict { qualifier: None, mechanism: None, exp: None })
        })
    }

    async fn redirect(&mut self, spec: &DomainSpec, domain: &str, depth: u32) -> Result<Verdict, Stop> {
        self.count_term()?;
        let target = match self.target(Some(spec), domain).await? {
            Some(t) => t,
            None => return Err(Stop::Perm(format!("redirect={spec}: target is not a valid domain"))),
        };
        self.trace_term(depth, domain, &format_args!("redirect={spec}"), true);
        match self.evaluate(&target, depth + 1).await {
            Err(Stop::NoRecord(why)) => Err(Stop::Perm(format!("redirect={spec}: {why}"))),
            other => other,
        }
    }

    /// §4.5: the one SPF record among `domain`'s TXT records.
    async fn select_record(&mut self, domain: &str, depth: u32) -> Result<Parsed, Stop> {
        if let (0, Some(guess)) = (depth, &self.shared.guess) {
            return Ok(Parsed::Shared(Arc::clone(guess)));
        }
        let answer = self.shared.dns.lookup(domain, QueryType::Txt).await;
        let records = match answer {
            Answer::TempError => return Err(Stop::Temp(format!("DNS error looking up TXT for {domain}"))),
            Answer::NxDomain => return Err(Stop::NoRecord(format!("{domain} does not exist"))),
            Answer::NoData => return Err(Stop::NoRecord(format!("{domain} has no SPF record"))),
            Answer::Records(r) => r,
        };
        let mut found: Option<Vec<u8>> = None;
        for rdata in records {
            if let RData::Txt(text) = rdata {
                if is_spf_record(&text) {
                    if found.is_some() {
                        return Err(Stop::Perm(format!(
                            "{domain} has more than one SPF record (RFC 7208 section 4.5)"
                        )));
                    }
                    found = Some(text);
                }
            }
        }
        let Some(text) = found else {
            return Err(Stop::NoRecord(format!("{domain} has no SPF record")));
        };
        let parsed = match &self.shared.options.cache {
            Some(cache) => cache.get_or_parse(&text).map(Parsed::Shared),
            None => Record::parse_bytes(&text).map(Parsed::Own),
        };
        if self.tracing() {
            self.trace.push(TraceEvent::Record {
                depth,
                domain: domain.to_owned(),
                record: String::from_utf8_lossy(&text).into_owned(),
            });
        }
        parsed.map_err(|e| {
            let stop = Stop::Perm(format!("syntax error in the SPF record of {domain}: {e}"));
            self.trace_error(depth, domain, Some(e.term.clone()), &stop);
            stop
        })
    }

    /// Expands a mechanism's target (`<domain>` when absent) into a query
    /// name. `Ok(None)`: the term can match nothing (an unusable name, or a
    /// UTF-8 local part in `%{l}`/`%{s}`, RFC 8616 §4).
    async fn target<'s>(
        &mut self,
        spec: Option<&'s DomainSpec>,
        domain: &'s str,
    ) -> Result<Option<Cow<'s, str>>, Stop> {
        let Some(spec) = spec else { return Ok(Some(Cow::Borrowed(domain))) };
        if !spec.has_macros() {
            return Ok(query_name(spec.as_str()).map(Cow::Borrowed));
        }
        if spec.uses_local_part() && !self.local.is_ascii() {
            self.note_unusable(spec, None);
            return Ok(None);
        }
        let validated = if spec.uses_p() { Some(self.validated_name(domain).await) } else { None };
        match macros::expand(spec.as_str(), &self.macro_context(domain, validated.as_deref())) {
            Ok(expanded) => match query_name(&expanded) {
                Some(n) => Ok(Some(Cow::Owned(n.to_owned()))),
                None => {
                    self.note_unusable(spec, Some(&expanded));
                    Ok(None)
                }
            },
            Err(ExpandError::NonAsciiLocalPart) => {
                self.note_unusable(spec, None);
                Ok(None)
            }
            Err(ExpandError::TooLong) => Err(Stop::Perm(format!("{spec}: macro expansion too long"))),
        }
    }

    /// For the trace: why `spec` names nothing to look up, so its term
    /// matches nothing (§4.8: an expansion that is no domain name).
    fn note_unusable(&mut self, spec: &DomainSpec, expanded: Option<&str>) {
        if self.tracing() {
            self.note = Some(match expanded {
                Some(e) => match check_domain(e) {
                    Err(why) => format!("{spec} expands to {e:?}: {why}"),
                    Ok(_) => format!("{spec} expands to {e:?}, which is no domain to look up"),
                },
                None => format!("{spec}: the local part is not ASCII, so the name cannot be formed"),
            });
        }
    }

    fn macro_context<'c>(&'c self, domain: &'c str, validated: Option<&'c str>) -> MacroContext<'c> {
        MacroContext {
            local_part: self.local,
            sender_domain: self.sender_domain,
            domain,
            ip: self.shared.ip,
            helo: self.shared.helo,
            validated,
            receiver: &self.shared.options.receiver,
            timestamp: self.shared.timestamp,
        }
    }

    /// §5.1, §5.6: `all`, `ip4` and `ip6` match without DNS; `None` for
    /// the mechanisms that query it.
    fn match_without_dns(&self, mechanism: &Mechanism) -> Option<bool> {
        let ip = self.shared.ip;
        match mechanism {
            Mechanism::All => Some(true),
            Mechanism::Ip4 { addr, prefix } => Some(in_network(ip, IpAddr::V4(*addr), prefix.unwrap_or(32), 0)),
            Mechanism::Ip6 { addr, prefix } => Some(in_network(ip, IpAddr::V6(*addr), 0, prefix.unwrap_or(128))),
            _ => None,
        }
    }

    /// §5: does the mechanism match?
    async fn matches(&mut self, mechanism: &Mechanism, domain: &str, depth: u32) -> Result<bool, Stop> {
        if mechanism.queries_dns() {
            self.count_term()?;
        }
        match mechanism {
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
                Ok(self.match_without_dns(mechanism).unwrap_or(false))
            }
            Mechanism::Include(spec) => {
                let Some(target) = self.target(Some(spec), domain).await? else {
                    return Err(Stop::Perm(format!("include:{spec}: target is not a valid domain")));
                };
                // §5.2: pass matches; fail, softfail, neutral do not; none
                // is permerror; errors propagate.
                self.in_include += 1;
                let verdict = self.evaluate(&target, depth + 1).await;
                self.in_include -= 1;
                match verdict {
                    Ok(v) => Ok(v.qualifier == Some(Qualifier::Pass)),
                    Err(Stop::NoRecord(why)) => Err(Stop::Perm(format!("include:{spec}: {why}"))),
                    Err(e) => Err(e),
                }
            }
            Mechanism::A { domain: spec, cidr } => {
                let Some(name) = self.target(spec.as_ref(), domain).await? else { return Ok(false) };
                let qtype = self.addr_type();
                let answer = self.shared.dns.lookup(&name, qtype).await;
                self.address_match(&answer, &name, qtype, cidr.v4_len(), cidr.v6_len(), true)
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let Some(name) = self.target(spec.as_ref(), domain).await? else { return Ok(false) };
                self.mx_matches(&name, cidr.v4_len(), cidr.v6_len()).await
            }
            Mechanism::Ptr(spec) => {
                let Some(name) = self.target(spec.as_ref(), domain).await? else { return Ok(false) };
                self.ptr_matches(&name).await
            }
            Mechanism::Exists(spec) => {
                let Some(name) = self.target(Some(spec), domain).await? else { return Ok(false) };
                // §5.7: always an A query, whatever the client's family.
                let answer = self.shared.dns.lookup(&name, QueryType::A).await;
                if answer == Answer::TempError {
                    return Err(Stop::Temp(format!("DNS error looking up A for {name}")));
                }
                self.count_void(&answer, QueryType::A)?;
                Ok(matches!(&answer, Answer::Records(r) if r.iter().any(|r| matches!(r, RData::A(_)))))
            }
        }
    }

    /// Whether an A/AAAA answer holds an address in the client's network.
    fn address_match(
        &mut self,
        answer: &Answer,
        name: &str,
        qtype: QueryType,
        v4: u8,
        v6: u8,
        counts_void: bool,
    ) -> Result<bool, Stop> {
        if *answer == Answer::TempError {
            return Err(Stop::Temp(format!("DNS error looking up {qtype} for {name}")));
        }
        if counts_void {
            self.count_void(answer, qtype)?;
        }
        let ip = self.shared.ip;
        Ok(match answer {
            Answer::Records(r) => r.iter().filter_map(RData::ip).any(|a| in_network(ip, a, v4, v6)),
            _ => false,
        })
    }

    /// §5.4, with the MX limit of §4.6.4.
    async fn mx_matches(&mut self, name: &str, v4: u8, v6: u8) -> Result<bool, Stop> {
        let answer = self.shared.dns.lookup(name, QueryType::Mx).await;
        if answer == Answer::TempError {
            return Err(Stop::Temp(format!("DNS error looking up MX for {name}")));
        }
        self.count_void(&answer, QueryType::Mx)?;
        let Answer::Records(records) = answer else { return Ok(false) };
        let hosts: Vec<&str> = records
            .iter()
            .filter_map(|r| match r {
                RData::Mx { exchange, .. } => Some(exchange.as_str()),
                _ => None,
            })
            .collect();
        if hosts.len() > self.limits().mx_names as usize {
            return Err(Stop::Perm(format!(
                "{name} has more than {} MX records (RFC 7208 section 4.6.4)",
                self.limits().mx_names
            )));
        }
        // The null MX (RFC 7505) and other unusable names match nothing.
        let hosts: Vec<&str> = hosts.into_iter().filter_map(query_name).collect();
        let qtype = self.addr_type();
        let ids = self.prefetch(&hosts, qtype);
        // An RRset has no order (RFC 2181 §5), and RFC 7208 §4 allows other
        // algorithms only "so long as the results are the same in all
        // cases": a match on any host wins, and only when none matches does
        // a failed address lookup make the term temperror. The host named
        // is the first failing one in ASCII order, so the reason does not
        // depend on the order either.
        let mut failed: Option<&str> = None;
        let expired = self.shared.dns.totals().2;
        for (i, host) in hosts.iter().enumerate() {
            let answer = self.answer_for(&ids, i, host, qtype).await;
            if answer == Answer::TempError {
                if failed.is_none_or(|f| host.to_ascii_lowercase() < f.to_ascii_lowercase()) {
                    failed = Some(host);
                }
                continue;
            }
            if self.address_match(&answer, host, qtype, v4, v6, false)? {
                self.shared.dns.forgive_expired(expired);
                return Ok(true);
            }
        }
        match failed {
            Some(host) => Err(Stop::Temp(format!("DNS error looking up {qtype} for {host}"))),
            None => Ok(false),
        }
    }

    /// The batched plan issues every lookup up front; the sequential plan
    /// none (each is issued when reached).
    fn prefetch(&self, names: &[&str], qtype: QueryType) -> Vec<QueryId> {
        match self.shared.options.plan {
            LookupPlan::Batched if names.len() > 1 => names.iter().map(|n| self.shared.dns.issue(n, qtype)).collect(),
            _ => Vec::new(),
        }
    }

    async fn answer_for(&self, ids: &[QueryId], i: usize, name: &str, qtype: QueryType) -> Answer {
        match ids.get(i) {
            Some(&id) => self.shared.dns.wait(id).await,
            None => self.shared.dns.lookup(name, qtype).await,
        }
    }

    /// The PTR names of `<ip>`, at most the limit (§4.6.4), or none on
    /// error. `count_void` for the `ptr` mechanism; `%{p}` does not count.
    async fn ptr_names(&mut self, count_void: bool) -> Result<Vec<String>, Stop> {
        let rname = reverse_name(self.shared.ip);
        let answer = self.shared.dns.lookup(&rname, QueryType::Ptr).await;
        if count_void {
            self.count_void(&answer, QueryType::Ptr)?;
        }
        let Answer::Records(records) = answer else { return Ok(Vec::new()) };
        let mut names: Vec<String> = records
            .into_iter()
            .filter_map(|r| match r {
                RData::Ptr(n) => Some(n),
                _ => None,
            })
            .collect();
        // §4.6.4 keeps at most 10 names, and %{p} takes the first that
        // validates; an RRset has no order (RFC 2181 §5), so neither may
        // depend on the answer's: names in ASCII order (case aside, then
        // as written), each once.
        if names.len() > 1 {
            names.sort_by_cached_key(|n| (n.trim_end_matches('.').to_ascii_lowercase(), n.clone()));
            names.dedup_by(|a, b| a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.')));
        }
        names.truncate(self.limits().ptr_names as usize);
        Ok(names)
    }

    /// Validates `names` in order (§5.5): the first whose forward lookup
    /// holds `<ip>`. DNS errors skip a name.
    async fn first_validated<'n>(&mut self, names: &[&'n str]) -> Option<&'n str> {
        let qtype = self.addr_type();
        let ids = self.prefetch(names, qtype);
        let expired = self.shared.dns.totals().2;
        for (i, name) in names.iter().enumerate() {
            let answer = self.answer_for(&ids, i, name, qtype).await;
            if let Answer::Records(r) = answer {
                if r.iter().filter_map(RData::ip).any(|a| a == self.shared.ip) {
                    // Found by a real answer: skipped names past the
                    // deadline change nothing (as for mx).
                    self.shared.dns.forgive_expired(expired);
                    return Some(name);
                }
            }
        }
        None
    }

    /// §5.5: some validated PTR name is `target` or under it.
    async fn ptr_matches(&mut self, target: &str) -> Result<bool, Stop> {
        let names = self.ptr_names(true).await?;
        // Only names within the target can match; validating others could
        // not change the result.
        let candidates: Vec<&str> =
            names.iter().filter_map(|n| query_name(n)).filter(|n| is_within(n, target)).collect();
        Ok(self.first_validated(&candidates).await.is_some())
    }

    /// `%{p}` (§7.3): a validated name equal to `<domain>`, else one under
    /// it, else any, else "unknown".
    async fn validated_name(&mut self, domain: &str) -> String {
        if let Some((d, v)) = &self.validated {
            if d == domain {
                return v.clone();
            }
        }
        let names = self.ptr_names(false).await.unwrap_or_default();
        let usable: Vec<&str> = names.iter().filter_map(|n| query_name(n)).collect();
        let mut ordered: Vec<&str> = Vec::with_capacity(usable.len());
        ordered.extend(usable.iter().filter(|n| n.eq_ignore_ascii_case(domain)));
        ordered.extend(usable.iter().filter(|n| !n.eq_ignore_ascii_case(domain) && is_within(n, domain)));
        ordered.extend(usable.iter().filter(|n| !is_within(n, domain)));
        let found = self.first_validated(&ordered).await.unwrap_or("unknown").to_owned();
        self.validated = Some((domain.to_owned(), found.clone()));
        found
    }

    /// §6.2: the explanation for a `fail`. Any trouble leaves the default.
    async fn explain(&mut self, exp: Option<(String, DomainSpec)>, top: &str) -> String {
        if let Some((domain, spec)) = exp {
            if let Some(text) = self.fetch_explanation(&spec, &domain).await {
                return text;
            }
        }
        let default = self.shared.options.default_explanation.clone();
        self.expand_explanation(&default, top).await.unwrap_or_else(|| default.as_ref().to_owned())
    }

    async fn fetch_explanation(&mut self, spec: &DomainSpec, domain: &str) -> Option<String> {
        let name = self.target(Some(spec), domain).await.ok()??;
        let Answer::Records(records) = self.shared.dns.lookup(&name, QueryType::Txt).await else {
            return None;
        };
        let mut texts = records.into_iter().filter_map(|r| match r {
            RData::Txt(t) => Some(t),
            _ => None,
        });
        let text = texts.next()?;
        if texts.next().is_some() {
            return None;
        }
        // Explanation text is ASCII (§6.2); anything else falls back.
        let text = String::from_utf8(text).ok().filter(|t| t.is_ascii())?;
        self.expand_explanation(&text, domain).await
    }

    async fn expand_explanation(&mut self, text: &str, domain: &str) -> Option<String> {
        let summary = macros::check(text.as_bytes(), MacroPlace::Explanation).ok()?;
        let validated = if summary.uses_p { Some(self.validated_name(domain).await) } else { None };
        macros::expand(text, &self.macro_context(domain, validated.as_deref())).ok()
    }
}
