//! iprev (RFC 8601 §2.7.3, §3): whether the SMTP client's address has a
//! reverse name whose forward lookup gives the address back — "forward-
//! confirmed reverse DNS". A second sans-IO check on the same engine as
//! [`Evaluation`](crate::Evaluation): [`Iprev`] hands out the PTR query,
//! then the A or AAAA queries of the names it found, all in one step.

use core::fmt;
use core::net::IpAddr;

use crate::dns::{Answer, QueryId, QueryType, RData, reverse_name};
use crate::domain::query_name;
use crate::driver::{AsyncResolver, Resolver};
use crate::engine::{DnsHandle, Machine};

/// PTR names whose forward lookups an iprev check asks at most. RFC 8601
/// sets no number; this is RFC 7208 §4.6.4's for the same work (the `ptr`
/// mechanism), so one hostile PTR set cannot cost more here than there.
/// Of more names, the first in ASCII order are taken (an RRset has no
/// order, RFC 2181 §5).
pub const MAX_IPREV_NAMES: usize = 10;

/// An iprev result (RFC 8601 §2.7.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IprevResult {
    /// A reverse name's forward lookup holds the address.
    Pass,
    /// The reverse names' forward lookups were had, and none holds the
    /// address.
    Fail,
    /// A lookup failed in a way that may pass (SERVFAIL, a timeout), and no
    /// name matched.
    TempError,
    /// No PTR data is published for the address (NXDOMAIN, or no records):
    /// the common failure.
    PermError,
}

impl IprevResult {
    /// The name as Authentication-Results writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            IprevResult::Pass => "pass",
            IprevResult::Fail => "fail",
            IprevResult::TempError => "temperror",
            IprevResult::PermError => "permerror",
        }
    }
}

impl fmt::Display for IprevResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an iprev check found.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IprevOutcome {
    /// The client address checked.
    pub ip: IpAddr,
    /// The result.
    pub result: IprevResult,
    /// The reverse name confirmed, on pass.
    pub name: Option<String>,
    /// The reverse names considered (at most [`MAX_IPREV_NAMES`], ASCII
    /// order).
    pub names: Vec<String>,
}

impl IprevOutcome {
    /// The `iprev` resinfo of an Authentication-Results field (RFC 8601
    /// §2.7.3, §3): `iprev=pass policy.iprev=192.0.2.1 (mail.example.com)`
    /// (an IPv6 address quoted: `policy.iprev="2001:db8::1"`).
    /// The address is the property RFC 8601 names; the confirmed name, a
    /// stranger's text, only ever appears in a comment, escaped.
    ///
    /// ```
    /// use spfkit::{Answer, IprevResult, QueryType, RData, iprev};
    /// let resolver = |q: &spfkit::Query| match q.qtype {
    ///     QueryType::Ptr => Answer::Records(vec![RData::Ptr("mail.example.com".into())]),
    ///     QueryType::A => Answer::Records(vec![RData::A("192.0.2.1".parse().unwrap())]),
    ///     _ => Answer::NoData,
    /// };
    /// let out = iprev("192.0.2.1".parse().unwrap(), &resolver);
    /// assert_eq!(out.result, IprevResult::Pass);
    /// assert_eq!(out.resinfo(), "iprev=pass policy.iprev=192.0.2.1 (mail.example.com)");
    /// ```
    pub fn resinfo(&self) -> String {
        // An IPv6 address holds ":", which an RFC 2045 token cannot: quoted.
        let mut s = match self.ip {
            IpAddr::V4(v4) => format!("iprev={} policy.iprev={v4}", self.result),
            IpAddr::V6(v6) => format!("iprev={} policy.iprev=\"{v6}\"", self.result),
        };
        if let Some(name) = &self.name {
            s.push_str(" (");
            for c in name.chars() {
                if c.is_control() {
                    s.push('?');
                    continue;
                }
                if matches!(c, '(' | ')' | '\\') {
                    s.push('\\');
                }
                s.push(c);
            }
            s.push(')');
        }
        s
    }
}

/// One iprev check driven by the host, as an [`Evaluation`](crate::Evaluation) is:
/// [`next`](Iprev::next) gives queries (the PTR query, then every forward
/// query at once), [`answer`](Iprev::answer) takes the answers, until the
/// outcome.
pub struct Iprev(Machine<IprevOutcome>);

impl fmt::Debug for Iprev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iprev").field("outcome", &self.0.outcome()).finish_non_exhaustive()
    }
}

crate::engine::step_api!(Iprev, IprevOutcome, outcome, into_outcome);

impl Iprev {
    /// Starts checking `ip` (an IPv4-mapped IPv6 address as IPv4).
    pub fn new(ip: IpAddr) -> Iprev {
        Iprev(Machine::new(move |dns| run(dns, ip)))
    }
}

/// iprev for `ip` with a blocking resolver.
pub fn iprev<R: Resolver + ?Sized>(ip: IpAddr, resolver: &R) -> IprevOutcome {
    Iprev::new(ip).0.run(resolver).unwrap_or_else(|| stalled(ip))
}

/// iprev for `ip` with an async resolver, the forward queries together.
pub async fn iprev_async<R: AsyncResolver + ?Sized>(ip: IpAddr, resolver: &R) -> IprevOutcome {
    Iprev::new(ip).0.run_async(resolver).await.unwrap_or_else(|| stalled(ip))
}

#[cold]
fn stalled(ip: IpAddr) -> IprevOutcome {
    IprevOutcome { ip, result: IprevResult::TempError, name: None, names: Vec::new() }
}

/// The check itself; an IPv4-mapped IPv6 address is checked as IPv4 (its
/// PTR lives under in-addr.arpa).
pub(crate) async fn run(dns: DnsHandle, ip: IpAddr) -> IprevOutcome {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let mut out = IprevOutcome { ip, result: IprevResult::PermError, name: None, names: Vec::new() };
    let records = match dns.lookup(&reverse_name(ip), QueryType::Ptr).await {
        Answer::Records(r) => r,
        Answer::TempError => {
            out.result = IprevResult::TempError;
            return out;
        }
        Answer::NxDomain | Answer::NoData => return out,
    };
    let mut names: Vec<String> = records
        .into_iter()
        .filter_map(|r| match r {
            RData::Ptr(n) => query_name(&n).map(str::to_ascii_lowercase),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.truncate(MAX_IPREV_NAMES);
    if names.is_empty() {
        // PTR records, none a usable name: no PTR data to go on.
        return out;
    }
    let qtype = if ip.is_ipv4() { QueryType::A } else { QueryType::Aaaa };
    // Every forward query in one step: one round trip for up to ten names.
    let ids: Vec<QueryId> = names.iter().map(|n| dns.issue(n, qtype)).collect();
    let mut temporary = false;
    for (name, id) in names.iter().zip(ids) {
        match dns.wait(id).await {
            // The first in ASCII order of those that match, whatever the
            // order the answers came in.
            Answer::Records(r) if out.name.is_none() && r.iter().filter_map(RData::ip).any(|a| a == ip) => {
                out.name = Some(name.clone());
            }
            Answer::TempError => temporary = true,
            _ => {}
        }
    }
    out.result = match (&out.name, temporary) {
        (Some(_), _) => IprevResult::Pass,
        (None, true) => IprevResult::TempError,
        (None, false) => IprevResult::Fail,
    };
    out.names = names;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Step, Zone};

    fn zone() -> Zone {
        let mut z = Zone::new();
        z.add("1.2.0.192.in-addr.arpa", RData::Ptr("mail.example.com.".into()));
        z.add("mail.example.com", RData::A("192.0.2.1".parse().unwrap()));
        // A name whose forward lookup gives another address.
        z.add("2.2.0.192.in-addr.arpa", RData::Ptr("liar.example.com".into()));
        z.add("liar.example.com", RData::A("192.0.2.99".parse().unwrap()));
        // A name whose forward lookup times out.
        z.add("3.2.0.192.in-addr.arpa", RData::Ptr("slow.example.com".into()));
        z.add_timeout("slow.example.com");
        // A reverse zone that times out.
        z.add_timeout("4.2.0.192.in-addr.arpa");
        // IPv6.
        z.add(&reverse_name("2001:db8::25".parse().unwrap()), RData::Ptr("v6.example.com".into()));
        z.add("v6.example.com", RData::Aaaa("2001:db8::25".parse().unwrap()));
        z
    }

    fn check(ip: &str) -> IprevOutcome {
        iprev(ip.parse().unwrap(), &zone())
    }

    #[test]
    fn all_four_results() {
        assert_eq!(check("192.0.2.1").result, IprevResult::Pass);
        assert_eq!(check("192.0.2.1").name.as_deref(), Some("mail.example.com"));
        assert_eq!(check("192.0.2.2").result, IprevResult::Fail);
        assert_eq!(check("192.0.2.3").result, IprevResult::TempError);
        assert_eq!(check("192.0.2.4").result, IprevResult::TempError);
        // No PTR data at all: permerror (RFC 8601 §2.7.3).
        assert_eq!(check("192.0.2.5").result, IprevResult::PermError);
        assert_eq!(check("2001:db8::25").result, IprevResult::Pass);
        assert_eq!(check("::ffff:192.0.2.1").result, IprevResult::Pass);
        assert_eq!(check("192.0.2.5").resinfo(), "iprev=permerror policy.iprev=192.0.2.5");
        assert_eq!(check("2001:db8::25").resinfo(), "iprev=pass policy.iprev=\"2001:db8::25\" (v6.example.com)");
        assert_eq!(check("::ffff:192.0.2.1").resinfo(), "iprev=pass policy.iprev=192.0.2.1 (mail.example.com)");
    }

    #[test]
    fn at_most_ten_names_in_one_step_whatever_their_order() {
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let make = |reverse: bool| {
            let mut z = Zone::new();
            let mut names: Vec<String> = (0..15).map(|i| format!("n{i:02}.example.com")).collect();
            if reverse {
                names.reverse();
            }
            for n in &names {
                z.add("7.2.0.192.in-addr.arpa", RData::Ptr(n.clone()));
            }
            // n03 (among the first ten in ASCII order) and n12 (not) confirm.
            z.add("n03.example.com", RData::A("192.0.2.7".parse().unwrap()));
            z.add("n12.example.com", RData::A("192.0.2.7".parse().unwrap()));
            z
        };
        for reverse in [false, true] {
            let z = make(reverse);
            let mut check = Iprev::new(ip);
            let mut steps = Vec::new();
            loop {
                match check.next() {
                    Step::Lookup(q) => steps.push(q.len()),
                    Step::Done(_) => break,
                    Step::Pending => panic!("every query answered"),
                }
                check.answer_each(|q| z.lookup(q));
            }
            assert_eq!(steps, [1, MAX_IPREV_NAMES]);
            let out = check.into_outcome().unwrap();
            assert_eq!(out.result, IprevResult::Pass);
            assert_eq!(out.name.as_deref(), Some("n03.example.com"));
            assert_eq!(out.names.len(), MAX_IPREV_NAMES);
        }
    }

    #[test]
    fn hostile_names_stay_in_their_comment() {
        let out = IprevOutcome {
            ip: "192.0.2.1".parse().unwrap(),
            result: IprevResult::Pass,
            name: Some("a) b\r\nX-Evil: 1 (c\\".into()),
            names: Vec::new(),
        };
        let r = out.resinfo();
        assert_eq!(r, "iprev=pass policy.iprev=192.0.2.1 (a\\) b??X-Evil: 1 \\(c\\\\)");
    }

    #[test]
    fn expiry_is_temperror() {
        let mut check = Iprev::new("192.0.2.1".parse().unwrap());
        assert!(matches!(check.next(), Step::Lookup(_)));
        check.expire();
        let Step::Done(out) = check.next() else { panic!("done after the deadline") };
        assert_eq!(out.result, IprevResult::TempError);
    }
}
