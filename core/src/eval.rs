//! check_host() (RFC 7208 §4–§6) as a resumable computation.
//!
//! The RFC logic below is ordinary `async` Rust that reads top to bottom
//! like the RFC. It awaits DNS through a handle that records what is asked;
//! [`Evaluation`] polls it with a no-op waker and hands the recorded queries
//! to the host. No executor, no threads, no I/O.

use core::future::Future;
use core::net::IpAddr;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::dns::{Answer, Query, QueryId, QueryType, RData, reverse_name};
use crate::domain::{check_domain, is_within, query_name, split_sender};
use crate::macros::{self, ExpandError, MacroContext, MacroPlace};
use crate::outcome::{CheckOutcome, Counters, Identity, Outcome, ResultSet, SpfResult, TraceEvent};
use crate::record::{DomainSpec, Mechanism, Qualifier, Record, is_spf_record};

/// Include/redirect nesting beyond which evaluation stops with permerror
/// whatever the configured limits, so a raised term limit cannot make
/// polling recurse without bound.
const MAX_DEPTH: u32 = 64;

/// How the evaluation asks for address lookups it may need.
///
/// Under either plan the result never depends on the order of records in
/// an answer (an RRset has no order, RFC 2181 §5; RFC 7208 §4 allows other
/// algorithms "so long as the results are the same in all cases"): an `mx`
/// matches when any of its hosts does, and only when none does is a failed
/// address lookup temperror; a `ptr` skips a name whose lookup fails
/// (§5.5), and of more than 10 PTR names keeps the first 10 in ASCII order.
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

/// Which identities an [`Evaluation`] checks.
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
    /// Record every term in [`Outcome::trace`].
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

/// A bounded cache of parsed records, keyed by the exact bytes of the TXT
/// record, so a hit is what parsing those bytes would give and can never
/// change a result. Shared between evaluations (and threads) through
/// [`Options::cache`]; opt-in.
#[derive(Debug)]
pub struct RecordCache {
    map: Mutex<HashMap<Box<[u8]>, Arc<Record>, FxBuild>>,
    capacity: usize,
}

impl RecordCache {
    /// A cache holding at most `capacity` records; when full it starts over.
    pub fn new(capacity: usize) -> RecordCache {
        RecordCache { map: Mutex::new(HashMap::with_hasher(FxBuild)), capacity }
    }

    /// Records cached now.
    pub fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get_or_parse(&self, text: &[u8]) -> Result<Arc<Record>, crate::ParseError> {
        if let Some(r) = lock(&self.map).get(text) {
            return Ok(Arc::clone(r));
        }
        let record = Arc::new(Record::parse_bytes(text)?);
        let mut map = lock(&self.map);
        if map.len() >= self.capacity {
            map.clear();
        }
        if self.capacity > 0 {
            map.insert(text.into(), Arc::clone(&record));
        }
        Ok(record)
    }
}

/// A small multiplicative hasher: the keys are records chosen by the
/// cache's owner's DNS, and a collision costs only a byte comparison.
#[derive(Clone, Copy, Default, Debug)]
struct FxBuild;

#[derive(Default)]
struct FxHasher(u64);

impl core::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

impl core::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The connection being checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
    /// `<ip>`: the SMTP client's address.
    pub ip: IpAddr,
    /// The MAIL FROM reverse-path without angle brackets; empty for `<>`.
    pub mail_from: String,
    /// The HELO/EHLO name.
    pub helo: String,
}

impl Request {
    /// A request for `ip`, MAIL FROM `mail_from` and HELO `helo`. The
    /// reverse-path may come as SMTP writes it, in angle brackets; `""` and
    /// `<>` are the null reverse-path.
    ///
    /// ```
    /// # use spfkit::Request;
    /// let ip = "192.0.2.1".parse().unwrap();
    /// assert_eq!(Request::new(ip, "<alice@example.com>", "h").mail_from, "alice@example.com");
    /// assert_eq!(Request::new(ip, "<>", "h").mail_from, "");
    /// ```
    pub fn new(ip: IpAddr, mail_from: impl Into<String>, helo: impl Into<String>) -> Request {
        let mut mail_from = mail_from.into();
        if mail_from.len() >= 2 && mail_from.starts_with('<') && mail_from.ends_with('>') {
            mail_from.pop();
            mail_from.remove(0);
        }
        Request { ip, mail_from, helo: helo.into() }
    }

    /// Bytes of a MAIL FROM or HELO (and of a receiver name) a binding
    /// accepts: far more than SMTP carries (a path is at most 256 bytes,
    /// RFC 5321 §4.5.3.1.3), little enough that no header or log line
    /// made from them grows without bound.
    pub const MAX_LENGTH: usize = 4096;

    /// The bounds every binding applies to a request before checking it:
    /// `Err` names the field over [`Request::MAX_LENGTH`].
    ///
    /// ```
    /// # use spfkit::Request;
    /// let ip = "192.0.2.1".parse().unwrap();
    /// assert!(Request::new(ip, "a@example.com", "h").check_bounds().is_ok());
    /// let long = "a".repeat(5000);
    /// assert_eq!(
    ///     Request::new(ip, long.as_str(), "h").check_bounds().unwrap_err(),
    ///     "sender is longer than 4096 bytes"
    /// );
    /// ```
    pub fn check_bounds(&self) -> Result<(), String> {
        check_length("sender", &self.mail_from)?;
        check_length("helo", &self.helo)
    }
}

/// `Err` when `value` is over [`Request::MAX_LENGTH`] bytes, naming `field`.
pub(crate) fn check_length(field: &str, value: &str) -> Result<(), String> {
    if value.len() > Request::MAX_LENGTH {
        return Err(format!("{field} is longer than {} bytes", Request::MAX_LENGTH));
    }
    Ok(())
}

/// What the host should do next; see [`Evaluation::next`] (and
/// [`Analysis::next`](crate::Analysis::next), whose result is a
/// [`Report`](crate::Report)).
#[derive(Debug)]
pub enum Step<'a, T = CheckOutcome> {
    /// Look these up and give each answer to [`Evaluation::answer`], in
    /// any order.
    Lookup(&'a [Query]),
    /// Nothing new to ask: the evaluation waits for answers to queries
    /// already handed out.
    Pending,
    /// Finished.
    Done(&'a T),
}

/// Why [`Evaluation::answer`] refused an answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AnswerError {
    /// No query with this id was handed out.
    UnknownId,
    /// This query was answered already.
    AlreadyAnswered,
}

impl core::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AnswerError::UnknownId => "no query with this id was handed out",
            AnswerError::AlreadyAnswered => "this query was answered already",
        })
    }
}

impl std::error::Error for AnswerError {}

/// One SPF evaluation of a connection, driven by the host.
///
/// Call [`next`](Evaluation::next); when it gives [`Step::Lookup`], resolve
/// each query and pass the answer to [`answer`](Evaluation::answer) (in any
/// order, all at once or as they arrive), then call `next` again, until it
/// gives [`Step::Done`]. Nothing here blocks, sleeps or touches the network.
///
/// ```
/// use spfkit::{Answer, Evaluation, Options, RData, Request, SpfResult, Step};
///
/// let request = Request::new("192.0.2.1".parse().unwrap(), "alice@example.com", "mail.example.com");
/// let mut ev = Evaluation::new(request, Options::default());
/// let outcome = loop {
///     let queries: Vec<_> = match ev.next() {
///         Step::Lookup(queries) => queries.to_vec(),
///         Step::Pending => unreachable!("every query is answered below"),
///         Step::Done(outcome) => break outcome.clone(),
///     };
///     for q in queries {
///         let answer = match (q.name.as_str(), q.qtype) {
///             ("example.com", spfkit::QueryType::Txt) => {
///                 Answer::Records(vec![RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec())])
///             }
///             _ => Answer::NxDomain,
///         };
///         ev.answer(q.id, answer).unwrap();
///     }
/// };
/// assert_eq!(outcome.result(), SpfResult::Pass);
/// ```
pub struct Evaluation(pub(crate) Machine<CheckOutcome>);

impl core::fmt::Debug for Evaluation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Evaluation").field("outcome", &self.0.outcome).finish_non_exhaustive()
    }
}

/// The sans-IO engine under [`Evaluation`] and
/// [`Analysis`](crate::Analysis): an async computation over [`DnsHandle`],
/// polled by the host's calls, handing out queries and taking answers.
pub(crate) struct Machine<T> {
    dns: Arc<Mutex<Dns>>,
    task: Option<Pin<Box<dyn Future<Output = T> + Send>>>,
    outcome: Option<T>,
    /// Every query handed out, by id (ids are handed out in order), so a
    /// host can answer by id alone.
    queries: Vec<Query>,
    /// Where the last step's queries start in `queries`.
    last_step: usize,
}

impl<T> Machine<T> {
    pub(crate) fn new<F: Future<Output = T> + Send + 'static>(start: impl FnOnce(DnsHandle) -> F) -> Machine<T> {
        let dns = Arc::new(Mutex::new(Dns::default()));
        let task = start(DnsHandle(Arc::clone(&dns)));
        Machine { dns, task: Some(Box::pin(task)), outcome: None, queries: Vec::new(), last_step: 0 }
    }

    pub(crate) fn next(&mut self) -> Step<'_, T> {
        if let Some(task) = self.task.as_mut() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(outcome) = task.as_mut().poll(&mut cx) {
                self.outcome = Some(outcome);
                self.task = None;
            }
        }
        if let Some(outcome) = &self.outcome {
            return Step::Done(outcome);
        }
        let mut dns = lock(&self.dns);
        if dns.fresh.is_empty() {
            return Step::Pending;
        }
        dns.round_trips += 1;
        self.last_step = self.queries.len();
        self.queries.append(&mut dns.fresh);
        drop(dns);
        Step::Lookup(&self.queries[self.last_step..])
    }

    pub(crate) fn answer(&mut self, id: QueryId, answer: Answer) -> Result<(), AnswerError> {
        let mut dns = lock(&self.dns);
        let slot = dns.slots.get_mut(id.0 as usize).ok_or(AnswerError::UnknownId)?;
        match slot {
            Slot::Waiting => {
                *slot = Slot::Answered(answer);
                Ok(())
            }
            Slot::Answered(_) | Slot::Expired | Slot::Taken => Err(AnswerError::AlreadyAnswered),
        }
    }

    pub(crate) fn answer_each(&mut self, mut resolve: impl FnMut(&Query) -> Answer) {
        let mut dns = lock(&self.dns);
        for q in &self.queries[self.last_step..] {
            if let Some(slot @ Slot::Waiting) = dns.slots.get_mut(q.id.0 as usize) {
                *slot = Slot::Answered(resolve(q));
            }
        }
    }

    pub(crate) fn expire(&mut self) {
        let mut dns = lock(&self.dns);
        dns.expired = true;
        for slot in &mut dns.slots {
            if matches!(slot, Slot::Waiting) {
                *slot = Slot::Expired;
            }
        }
        // Issued but never handed out: answered here, so the host is not
        // asked for them after the deadline.
        dns.fresh.clear();
    }

    pub(crate) fn query(&self, id: QueryId) -> Option<&Query> {
        self.queries.get(id.0 as usize)
    }

    /// Answers query `id` with a raw DNS response message, decoded against
    /// the query's question.
    #[cfg(feature = "wire")]
    pub(crate) fn answer_message(&mut self, id: QueryId, message: &[u8]) -> Result<(), AnswerError> {
        let q = self.query(id).ok_or(AnswerError::UnknownId)?;
        let answer = crate::wire::decode_answer(q, message);
        self.answer(id, answer)
    }

    pub(crate) fn unanswered(&self) -> Vec<QueryId> {
        let dns = lock(&self.dns);
        let handed_out = dns.slots.len() - dns.fresh.len();
        (0..handed_out).filter(|&i| matches!(dns.slots[i], Slot::Waiting)).map(|i| QueryId(i as u32)).collect()
    }

    pub(crate) fn outcome(&self) -> Option<&T> {
        self.outcome.as_ref()
    }

    pub(crate) fn into_outcome(self) -> Option<T> {
        self.outcome
    }
}

impl Evaluation {
    /// Starts an evaluation of `request` under `options`.
    pub fn new(request: Request, options: Options) -> Evaluation {
        Evaluation(Machine::new(|dns| run(dns, request, options)))
    }

    /// Advances the evaluation as far as the answers given so far allow.
    // Not Iterator::next: each step borrows the evaluation until the host
    // answers, which an Iterator cannot express.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Step<'_> {
        self.0.next()
    }

    /// Gives the answer to the query `id`.
    pub fn answer(&mut self, id: QueryId, answer: Answer) -> Result<(), AnswerError> {
        self.0.answer(id, answer)
    }

    /// Answers every query of the last [`Step::Lookup`] that is still
    /// unanswered with `resolve`: the simplest way for a host that has its
    /// answers at hand (a zone, a cache, a blocking resolver), without
    /// copying the queries out first.
    ///
    /// ```
    /// use spfkit::{Answer, Evaluation, Options, Request, SpfResult, Step, Zone};
    /// let zone = Zone::new();
    /// let mut ev = Evaluation::new(Request::new("192.0.2.1".parse().unwrap(), "a@example.com", ""), Options::default());
    /// while let Step::Lookup(_) = ev.next() {
    ///     ev.answer_each(|q| zone.lookup(q));
    /// }
    /// assert_eq!(ev.outcome().unwrap().result(), SpfResult::None);
    /// ```
    pub fn answer_each(&mut self, resolve: impl FnMut(&Query) -> Answer) {
        self.0.answer_each(resolve);
    }

    /// The queries handed out and not yet answered.
    pub fn unanswered(&self) -> Vec<QueryId> {
        self.0.unanswered()
    }

    /// The query handed out with `id`, for a host that keeps only ids
    /// while its lookups are in flight; `None` for an id never handed out.
    pub fn query(&self, id: QueryId) -> Option<&Query> {
        self.0.query(id)
    }

    /// Answers query `id` with the raw DNS response message a resolver
    /// returned (RFC 1035; DNS over HTTPS, RFC 8484, carries the same),
    /// decoded against the query's question by [`wire::decode_answer`](crate::wire::decode_answer):
    /// NXDOMAIN, SERVFAIL, truncated, malformed or mismatched messages and
    /// CNAME loops are what that function says.
    #[cfg(feature = "wire")]
    pub fn answer_message(&mut self, id: QueryId, message: &[u8]) -> Result<(), AnswerError> {
        self.0.answer_message(id, message)
    }

    /// The deadline has passed (RFC 7208 §4.6.4 asks for an overall limit
    /// on a check): every query still unanswered is a temporary DNS error,
    /// and so is every query the evaluation would still ask, which is
    /// never handed out. The next [`next`](Evaluation::next) gives
    /// [`Step::Done`], without another lookup; an identity whose
    /// evaluation needed such an answer is temperror (even where a DNS
    /// error alone would only skip a `ptr` name). Answers given after this
    /// are refused as [`AnswerError::AlreadyAnswered`].
    ///
    /// ```
    /// use spfkit::{Evaluation, Options, Request, SpfResult, Step};
    /// let mut ev = Evaluation::new(Request::new("192.0.2.1".parse().unwrap(), "a@example.com", "h.example"), Options::default());
    /// assert!(matches!(ev.next(), Step::Lookup(_)));
    /// ev.expire();
    /// let Step::Done(outcome) = ev.next() else { panic!("done after the deadline") };
    /// assert_eq!(outcome.result(), SpfResult::TempError);
    /// ```
    pub fn expire(&mut self) {
        self.0.expire();
    }

    /// The outcome, once [`next`](Evaluation::next) has given [`Step::Done`].
    pub fn outcome(&self) -> Option<&CheckOutcome> {
        self.0.outcome()
    }

    /// Takes the outcome, once finished.
    pub fn into_outcome(self) -> Option<CheckOutcome> {
        self.0.into_outcome()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; should it, the data is
    // still consistent slot by slot.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

enum Slot {
    Waiting,
    Answered(Answer),
    /// Unanswered at the deadline: a temporary error that also makes the
    /// identity's result temperror (§4.6.4).
    Expired,
    Taken,
}

#[derive(Default)]
struct Dns {
    /// Issued and not yet handed to the host.
    fresh: Vec<Query>,
    /// Every query's state, by id.
    slots: Vec<Slot>,
    round_trips: u32,
    /// Past the host's deadline: see [`Evaluation::expire`].
    expired: bool,
    /// Answers the evaluation took from [`Slot::Expired`].
    expired_answers: u32,
}

#[derive(Clone)]
pub(crate) struct DnsHandle(Arc<Mutex<Dns>>);

impl DnsHandle {
    pub(crate) fn issue(&self, name: &str, qtype: QueryType) -> QueryId {
        let mut dns = lock(&self.0);
        let id = QueryId(dns.slots.len() as u32);
        if dns.expired {
            dns.slots.push(Slot::Expired);
        } else {
            dns.slots.push(Slot::Waiting);
            dns.fresh.push(Query { id, name: name.to_owned(), qtype });
        }
        id
    }

    pub(crate) fn wait(&self, id: QueryId) -> WaitAnswer<'_> {
        WaitAnswer { dns: &self.0, id }
    }

    pub(crate) async fn lookup(&self, name: &str, qtype: QueryType) -> Answer {
        let id = self.issue(name, qtype);
        self.wait(id).await
    }

    /// Answers made up by [`Evaluation::expire`] so far.
    fn expired_answers(&self) -> u32 {
        lock(&self.0).expired_answers
    }

    /// (queries issued, round trips) so far.
    fn totals(&self) -> (u32, u32) {
        let dns = lock(&self.0);
        (dns.slots.len() as u32, dns.round_trips)
    }
}

pub(crate) struct WaitAnswer<'a> {
    dns: &'a Mutex<Dns>,
    id: QueryId,
}

impl Future for WaitAnswer<'_> {
    type Output = Answer;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Answer> {
        let mut dns = lock(self.dns);
        let Some(slot) = dns.slots.get_mut(self.id.0 as usize) else {
            return Poll::Ready(Answer::TempError);
        };
        match core::mem::replace(slot, Slot::Taken) {
            Slot::Answered(a) => Poll::Ready(a),
            Slot::Expired => {
                dns.expired_answers += 1;
                Poll::Ready(Answer::TempError)
            }
            Slot::Waiting => {
                *slot = Slot::Waiting;
                Poll::Pending
            }
            Slot::Taken => Poll::Ready(Answer::TempError),
        }
    }
}

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
async fn run(dns: DnsHandle, request: Request, options: Options) -> CheckOutcome {
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
    let ctx = Shared { dns: &dns, options: &options, ip, helo, timestamp };

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
        let (before_queries, before_trips) = self.dns.totals();
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
        let expired_before = self.dns.expired_answers();
        let verdict = ev.evaluate(&domain, 0).await;
        // An answer the deadline made up may have been taken as "no match"
        // (a ptr name skipped); RFC 7208 §4.6.4: past the time limit the
        // result is temperror, whatever the terms said.
        let verdict = if self.dns.expired_answers() > expired_before {
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
        let (after_queries, after_trips) = self.dns.totals();
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
        for (i, host) in hosts.iter().enumerate() {
            let answer = self.answer_for(&ids, i, host, qtype).await;
            if answer == Answer::TempError {
                if failed.is_none_or(|f| host.to_ascii_lowercase() < f.to_ascii_lowercase()) {
                    failed = Some(host);
                }
                continue;
            }
            if self.address_match(&answer, host, qtype, v4, v6, false)? {
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
        // §4.6.4 keeps at most 10 names; an RRset has no order (RFC 2181
        // §5), so which 10 must not depend on the answer's: the first in
        // ASCII order, case aside.
        let limit = self.limits().ptr_names as usize;
        if names.len() > limit {
            names.sort_unstable_by_key(|n| n.to_ascii_lowercase());
            names.truncate(limit);
        }
        Ok(names)
    }

    /// Validates `names` in order (§5.5): the first whose forward lookup
    /// holds `<ip>`. DNS errors skip a name.
    async fn first_validated<'n>(&mut self, names: &[&'n str]) -> Option<&'n str> {
        let qtype = self.addr_type();
        let ids = self.prefetch(names, qtype);
        for (i, name) in names.iter().enumerate() {
            let answer = self.answer_for(&ids, i, name, qtype).await;
            if let Answer::Records(r) = answer {
                if r.iter().filter_map(RData::ip).any(|a| a == self.shared.ip) {
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

/// Whether `ip` lies in `net`/len; IPv4 and IPv6 never match each other.
fn in_network(ip: IpAddr, net: IpAddr, v4_len: u8, v6_len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u32::from(a) ^ u32::from(n)) & mask4(v4_len) == 0,
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a) ^ u128::from(n)) & mask6(v6_len) == 0,
        _ => false,
    }
}

/// The IPv4 netmask of a prefix length (capped at 32).
fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0)
}

/// The IPv6 netmask of a prefix length (capped at 128).
fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0)
}

/// The first address of the network of `addr` with prefix length `prefix`.
pub(crate) fn network_start(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask4(prefix)).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask6(prefix)).into()),
    }
}
