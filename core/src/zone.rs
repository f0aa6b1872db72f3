//! An in-memory zone: a [`Resolver`](crate::Resolver) for tests, offline
//! checks, benchmarks, and draft records not yet published.

use std::collections::HashMap;

use crate::dns::{Answer, Query, QueryType, RData};

/// CNAME links followed before a lookup gives up (a loop, or a chain no
/// resolver would follow): a temporary error, as [`crate::wire`] decides.
const MAX_CNAME_CHAIN: usize = 16;

#[derive(Clone, Debug, Default)]
struct Node {
    records: Vec<RData>,
    cname: Option<String>,
    /// Queries at this name time out, except for these types (the ones
    /// with records listed before the timeout, as the RFC 7208 test suite
    /// means it).
    timeout_except: Option<Vec<QueryType>>,
}

/// Names and their records, answering queries the way a resolver would:
/// Name Error for an absent name, no data for an absent type, CNAMEs
/// followed (a loop is a DNS error, RFC 1034 §3.6.2: temperror), names
/// compared without case or trailing dot.
///
/// ```
/// use spfkit::{Answer, Query, QueryId, QueryType, RData, Resolver, Zone};
/// let mut zone = Zone::new();
/// zone.add("Example.com.", RData::Txt(b"v=spf1 -all".to_vec()));
/// let q = Query { id: QueryId(0), name: "example.com".into(), qtype: QueryType::Txt };
/// assert!(matches!(zone.lookup(&q), Answer::Records(_)));
/// let q = Query { id: QueryId(0), name: "example.com".into(), qtype: QueryType::A };
/// assert_eq!(zone.lookup(&q), Answer::NoData);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Zone {
    nodes: HashMap<String, Node>,
}

fn key(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

impl Zone {
    /// An empty zone.
    pub fn new() -> Zone {
        Zone::default()
    }

    /// Adds a record at `name`.
    pub fn add(&mut self, name: &str, data: RData) {
        self.nodes.entry(key(name)).or_default().records.push(data);
    }

    /// Makes `name` an alias of `target`.
    pub fn add_cname(&mut self, name: &str, target: &str) {
        self.nodes.entry(key(name)).or_default().cname = Some(key(target));
    }

    /// Makes queries at `name` time out, except for types that already
    /// have records there.
    pub fn add_timeout(&mut self, name: &str) {
        let node = self.nodes.entry(key(name)).or_default();
        let mut except: Vec<QueryType> = node.records.iter().map(RData::qtype).collect();
        except.dedup();
        node.timeout_except = Some(except);
    }

    /// Makes `name` exist without records (so lookups there give no data
    /// rather than Name Error).
    pub fn add_name(&mut self, name: &str) {
        self.nodes.entry(key(name)).or_default();
    }

    /// True when no name is in the zone.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The names in the zone (lower case, no trailing dot).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }

    /// Answers `query` from the zone.
    pub fn lookup(&self, query: &Query) -> Answer {
        let mut name = key(&query.name);
        for _ in 0..=MAX_CNAME_CHAIN {
            let Some(node) = self.nodes.get(&name) else { return Answer::NxDomain };
            if let Some(except) = &node.timeout_except {
                if !except.contains(&query.qtype) {
                    return Answer::TempError;
                }
            }
            if let Some(target) = &node.cname {
                name.clone_from(target);
                continue;
            }
            let records: Vec<RData> = node.records.iter().filter(|r| r.qtype() == query.qtype).cloned().collect();
            return if records.is_empty() { Answer::NoData } else { Answer::Records(records) };
        }
        // A CNAME loop: an error (RFC 1034 §3.6.2), which a recursive
        // resolver reports as SERVFAIL, so RFC 7208 §4.4's temperror.
        Answer::TempError
    }
}

impl crate::Resolver for Zone {
    fn lookup(&self, query: &Query) -> Answer {
        Zone::lookup(self, query)
    }
}
