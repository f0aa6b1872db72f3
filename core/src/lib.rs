//! # spfkit: an SPF (RFC 7208) evaluator that does no I/O
//!
//! spfkit decides whether a host may send mail for a domain, per the Sender
//! Policy Framework (RFC 7208). The crate never touches the network: an
//! [`Evaluation`] hands out DNS queries and takes the answers, so any
//! resolver drives it — a blocking one, an async one on any executor, a C
//! event loop, DNS-over-HTTPS in a browser.
//!
//! ## Quick start
//!
//! ```
//! use spfkit::{check, Answer, Options, Query, QueryType, RData, Request, SpfResult};
//!
//! // Any function from a query to an answer is a blocking resolver.
//! let resolver = |q: &Query| match (q.name.as_str(), q.qtype) {
//!     ("example.com", QueryType::Txt) => {
//!         Answer::Records(vec![RData::Txt(b"v=spf1 mx -all".to_vec())])
//!     }
//!     ("example.com", QueryType::Mx) => Answer::Records(vec![RData::Mx {
//!         preference: 10,
//!         exchange: "mail.example.com".into(),
//!     }]),
//!     ("mail.example.com", QueryType::A) => Answer::Records(vec![RData::A([192, 0, 2, 25].into())]),
//!     _ => Answer::NxDomain,
//! };
//!
//! // check(): HELO first, then MAIL FROM (RFC 7208 §2.3, §2.4).
//! let request = Request::new("192.0.2.25".parse().unwrap(), "alice@example.com", "mail.example.com");
//! let outcome = check(request, Options::default(), &resolver);
//! assert_eq!(outcome.result(), SpfResult::Pass);
//! println!("{}", outcome.received_spf());
//! println!("{}", outcome.authentication_results("mx.example.net"));
//! ```
//!
//! The step API underneath ([`Evaluation::next`], [`Evaluation::answer`])
//! lets a host answer queries concurrently and out of order; with the
//! default [`LookupPlan::Batched`], all the address lookups an `mx` or
//! `ptr` may need come in one step.
//!
//! ## What maps to the RFC
//!
//! - check_host(`<ip>`, `<domain>`, `<sender>`) (§4): [`Request::ip`] is
//!   `<ip>`; `<sender>` is [`Request::mail_from`] (or `postmaster@` the
//!   HELO name for the null reverse-path, §2.4) and `<domain>` its domain;
//!   for the HELO identity both come from [`Request::helo`] (§2.3).
//!   [`Scope`] picks one identity or check()'s sequence.
//! - Results (§2.6): [`SpfResult`]. Limits (§4.6.4): [`Limits`].
//! - Records (§4.6, §12): [`Record`], with byte spans in [`ParseError`].
//! - iprev, forward-confirmed reverse DNS (RFC 8601 §2.7.3, §3): [`Iprev`],
//!   [`iprev`], on the same step engine.
//! - Headers (§9.1, RFC 8601) and SMTP replies (§8, RFC 7372):
//!   [`CheckOutcome::received_spf`], [`CheckOutcome::authentication_results`],
//!   [`CheckOutcome::smtp_reply`].
//!
//! ## Features
//!
//! - `wire` (default): [`wire`] builds RFC 1035 query messages and decodes
//!   responses with hickory-proto, so a host can move raw DNS messages.
//! - `srs` (default): [`srs`], the Sender Rewriting Scheme for forwarders,
//!   byte for byte as libsrs2 and postsrsd write it.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod analysis;
mod authres;
mod cache;
mod dns;
mod domain;
mod driver;
mod engine;
mod eval;
mod iprev;
mod macros;
mod names;
mod net;
mod options;
mod outcome;
pub mod policy;
mod record;
mod report;
mod request;
#[cfg(feature = "srs")]
pub mod srs;
#[cfg(feature = "wire")]
pub mod wire;
mod zone;

pub use analysis::{
    Analysis, AnalysisOptions, ClientDependent, MAX_NETWORKS, Network, Node, Report, Source, Via, Warning, WarningCode,
    analyze,
};
pub use authres::{authserv_id, carries_authserv_id};
pub use cache::RecordCache;
pub use dns::{Answer, AnswerBuilder, Query, QueryId, QueryType, RData, reverse_name};
pub use domain::{check_domain, set_idna};
pub use driver::{AsyncResolver, Resolver, check, check_async};
pub use engine::{AnswerError, Evaluation, Step, Steps};
pub use iprev::{Iprev, IprevOutcome, IprevResult, MAX_IPREV_NAMES, iprev, iprev_async};
pub use names::UnknownName;
pub use options::{DEFAULT_EXPLANATION, LimitError, Limits, LookupPlan, Options, Scope};
pub use outcome::{CheckOutcome, Counters, Identity, Outcome, ResultSet, SpfResult, TraceEvent};
pub use record::{
    Directive, DomainSpec, DualCidr, Mechanism, Modifier, ParseError, ParseErrorKind, Qualifier, Record, Span, Term,
    is_spf_record,
};
pub use report::SmtpReply;
pub use request::Request;
pub use zone::Zone;

// The README's Rust examples run as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

// docs/srs.md's Rust example runs too.
#[cfg(all(doctest, feature = "srs"))]
#[doc = include_str!("../../docs/srs.md")]
struct SrsDocDoctests;
