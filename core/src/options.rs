//! How to evaluate: lookup plans, processing limits (§4.6.4), which
//! identities, and the rest of [`Options`].

use std::sync::Arc;

use crate::cache::RecordCache;
use crate::outcome::{ResultSet, SpfResult};

/// How the evaluation asks for address lookups it may need.
///
/// Under either plan the result never depends on the order of records in
/// an answer (an RRset has no order, RFC 2181 §5; RFC 7208 §4 allows other
/// algorithms "so long as the results are the same in all cases"): an `mx`
/// matches when any of its hosts does, and only when none does is a failed
/// address lookup temperror; a `ptr` skips a name whose lookup fails
/// (§5.5), and takes PTR names in ASCII order, each once, the first 10 of
/// them (so `%{p}` too is the same whatever the order). The same holds
/// past a deadline ([`Evaluation::expire`](crate::Evaluation::expire)): a
/// term that matched on answers in hand is not undone by lookups still
/// out; what was in hand at the deadline is a matter of time, not order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum LookupPlan {
    /// Hand out together every lookup a step may need: the A/AAAA lookups
    /// of all of an `mx`'s hosts, the validating lookups of all `ptr`
    /// names. One round trip instead of ten for a host that answers
    /// concurrently. Answers are still consumed in term order, so results,
    /// limits and the trace are those of [`LookupPlan::Sequential`].
    #[default]
    Batched,
    /// Ask exactly what a term-by-term evaluation asks, one at a time,
    /// stopping at the first matching MX host or validated PTR name (past
    /// an MX host whose lookup failed, since a later one may match).
    Sequential,
}

/// Processing limits (§4.6.4). The defaults are the RFC's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Limits {
    /// DNS-querying terms per check_host() (`include a mx ptr exists
    /// redirect`); the RFC's 10.
    pub dns_terms: u32,
    /// MX names per `mx` term; more is permerror. The RFC's 10.
    pub mx_names: u32,
    /// PTR names considered per `ptr` term or `%{p}`; the rest are ignored.
    /// The RFC's 10.
    pub ptr_names: u32,
    /// Void lookups per check_host(); more is permerror. The RFC's 2.
    pub void_lookups: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { dns_terms: 10, mx_names: 10, ptr_names: 10, void_lookups: 2 }
    }
}

impl Limits {
    /// The most any limit may be raised to; the bindings refuse more. The
    /// RFC's are 10 and 2, and unbounded limits would let hostile DNS make
    /// one evaluation's work grow without bound.
    pub const MAX: u32 = 1000;

    /// The fields' names, in the order of [`Limits::values`].
    pub const FIELDS: [&'static str; 4] = ["dns_terms", "mx_names", "ptr_names", "void_lookups"];

    /// The four limits in the order of [`Limits::FIELDS`].
    pub fn values(&self) -> [u32; 4] {
        [self.dns_terms, self.mx_names, self.ptr_names, self.void_lookups]
    }

    /// The limits with `values` in the order of [`Limits::FIELDS`].
    pub fn from_values(values: [u32; 4]) -> Limits {
        let [dns_terms, mx_names, ptr_names, void_lookups] = values;
        Limits { dns_terms, mx_names, ptr_names, void_lookups }
    }

    /// The check every binding applies to limits from its host: each at
    /// most [`Limits::MAX`]. The error names the field.
    ///
    /// ```
    /// use spfkit::Limits;
    /// assert!(Limits::default().check().is_ok());
    /// let high = Limits { mx_names: 5000, ..Limits::default() };
    /// assert_eq!(high.check().unwrap_err().to_string(), "limits.mx_names is at most 1000, not 5000");
    /// ```
    pub fn check(&self) -> Result<(), LimitError> {
        match self.values().iter().position(|&v| v > Limits::MAX) {
            Some(i) => Err(LimitError { field: Limits::FIELDS[i], value: self.values()[i] }),
            None => Ok(()),
        }
    }
}

/// A limit over [`Limits::MAX`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct LimitError {
    /// The field, as named in [`Limits::FIELDS`].
    pub field: &'static str,
    /// The value given.
    pub value: u32,
}

impl core::fmt::Display for LimitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "limits.{} is at most {}, not {}", self.field, Limits::MAX, self.value)
    }
}

impl std::error::Error for LimitError {}

/// Which identities an [`Evaluation`](crate::Evaluation) checks.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Scope {
    /// check(): HELO first when it is a multi-label domain, then MAIL FROM
    /// unless HELO gave a definitive result (§2.3, §2.4).
    #[default]
    Both,
    /// The MAIL FROM identity alone (postmaster@HELO for the null
    /// reverse-path). This is what the RFC 7208 test suite means.
    MailFrom,
    /// The HELO identity alone.
    Helo,
}

/// The default explanation (§6.2), a macro string expanded like `exp=` text.
/// `%{c}` (§7.3) names the client as people write addresses: an IPv6
/// client in the usual short form, not as `%{i}`'s 32 dotted nibbles.
pub const DEFAULT_EXPLANATION: &str = "%{c} is not one of %{d}'s designated mail servers";

/// How to evaluate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Batched (default) or sequential lookups.
    pub plan: LookupPlan,
    /// Processing limits.
    pub limits: Limits,
    /// Which identities to check.
    pub scope: Scope,
    /// HELO results that end check() before MAIL FROM; pass and fail by
    /// default.
    pub definitive: ResultSet,
    /// Check MAIL FROM even when HELO was definitive (DMARC needs it).
    pub always_mail_from: bool,
    /// The receiving host's domain: the `r` macro and `receiver=`.
    /// (Shared, so options built once clone per evaluation without
    /// copying; `"mx.example".into()` and `string.into()` both work.)
    pub receiver: Arc<str>,
    /// The explanation for `fail` when `exp=` gives none; a macro string.
    ///
    /// Explanations (§6.2) come back as printable US-ASCII on one line:
    /// any other character, from the record or from `%{s}`, is `?`. An
    /// `exp=` text that does not expand (a bad macro, more than 8 KiB
    /// expanded, not ASCII, several TXT records) falls back to this one.
    pub default_explanation: Arc<str>,
    /// Record every term in [`Outcome::trace`](crate::Outcome::trace).
    pub trace: bool,
    /// Seconds since the epoch for the `t` macro; the system clock when
    /// `None` (0 on `wasm32-unknown-unknown`, which has no clock).
    pub timestamp: Option<u64>,
    /// Parsed records to reuse across evaluations; see [`RecordCache`].
    pub cache: Option<Arc<RecordCache>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            plan: LookupPlan::default(),
            limits: Limits::default(),
            scope: Scope::default(),
            definitive: ResultSet::of(&[SpfResult::Pass, SpfResult::Fail]),
            always_mail_from: false,
            receiver: Arc::from("unknown"),
            default_explanation: Arc::from(DEFAULT_EXPLANATION),
            trace: false,
            timestamp: None,
            cache: None,
        }
    }
}
