//! The sans-IO step engine under [`Evaluation`] and
//! [`Analysis`](crate::Analysis): an `async` computation polled with a no-op
//! waker, which hands out the DNS queries it awaits and takes the host's
//! answers, and the deadline rule ([`Evaluation::expire`]).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::dns::{Answer, Query, QueryId, QueryType};
use crate::eval::run;
use crate::options::Options;
use crate::outcome::CheckOutcome;
use crate::request::Request;

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
        // Most evaluations hand out a handful of queries: one allocation
        // up front costs less than growing (measured with callgrind).
        Machine { dns, task: Some(Box::pin(task)), outcome: None, queries: Vec::with_capacity(8), last_step: 0 }
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

/// The step API that [`Evaluation`], [`Analysis`](crate::Analysis) and
/// [`Iprev`](crate::Iprev) share, for a host that drives any of them the
/// same way (a binding's blocking driver, its step classes). Each type has
/// the same methods of its own; this trait names them once.
pub trait Steps {
    /// What the computation ends with: a [`CheckOutcome`], a
    /// [`Report`](crate::Report), an [`IprevOutcome`](crate::IprevOutcome).
    type Done;
    /// Advances as far as the answers given so far allow.
    fn next(&mut self) -> Step<'_, Self::Done>;
    /// Gives the answer to the query `id`.
    fn answer(&mut self, id: QueryId, answer: Answer) -> Result<(), AnswerError>;
    /// Answers query `id` with a raw DNS response message.
    #[cfg(feature = "wire")]
    fn answer_message(&mut self, id: QueryId, message: &[u8]) -> Result<(), AnswerError>;
    /// The query handed out with `id`.
    fn query(&self, id: QueryId) -> Option<&Query>;
    /// The queries handed out and not yet answered.
    fn unanswered(&self) -> Vec<QueryId>;
    /// The deadline has passed: see [`Evaluation::expire`].
    fn expire(&mut self);
    /// The result, once finished.
    fn done(&self) -> Option<&Self::Done>;
    /// Takes the result, once finished.
    fn into_done(self) -> Option<Self::Done>;
}

/// The step API of a newtype over [`Machine`]: the inherent methods (as
/// [`Evaluation`]'s, whose docs say more) and the [`Steps`] impl, written
/// once for [`Analysis`](crate::Analysis) and [`Iprev`](crate::Iprev).
macro_rules! step_api {
    ($ty:ident, $done:ty, $outcome:ident, $into_outcome:ident) => {
        impl $ty {
            /// Advances as far as the answers given so far allow, as
            /// [`Evaluation::next`](crate::Evaluation::next).
            #[allow(clippy::should_implement_trait)]
            pub fn next(&mut self) -> $crate::Step<'_, $done> {
                self.0.next()
            }

            /// Gives the answer to the query `id`.
            pub fn answer(&mut self, id: $crate::QueryId, answer: $crate::Answer) -> Result<(), $crate::AnswerError> {
                self.0.answer(id, answer)
            }

            /// Answers every unanswered query of the last step with `resolve`,
            /// as [`Evaluation::answer_each`](crate::Evaluation::answer_each).
            pub fn answer_each(&mut self, resolve: impl FnMut(&$crate::Query) -> $crate::Answer) {
                self.0.answer_each(resolve);
            }

            /// The queries handed out and not yet answered.
            pub fn unanswered(&self) -> Vec<$crate::QueryId> {
                self.0.unanswered()
            }

            /// The query handed out with `id`, as
            /// [`Evaluation::query`](crate::Evaluation::query).
            pub fn query(&self, id: $crate::QueryId) -> Option<&$crate::Query> {
                self.0.query(id)
            }

            /// Answers query `id` with a raw DNS response message, as
            /// [`Evaluation::answer_message`](crate::Evaluation::answer_message).
            #[cfg(feature = "wire")]
            pub fn answer_message(&mut self, id: $crate::QueryId, message: &[u8]) -> Result<(), $crate::AnswerError> {
                self.0.answer_message(id, message)
            }

            /// The deadline has passed: every outstanding and later query is
            /// a temporary DNS error, as
            /// [`Evaluation::expire`](crate::Evaluation::expire).
            pub fn expire(&mut self) {
                self.0.expire();
            }

            /// The result, once finished.
            pub fn $outcome(&self) -> Option<&$done> {
                self.0.outcome()
            }

            /// Takes the result, once finished.
            pub fn $into_outcome(self) -> Option<$done> {
                self.0.into_outcome()
            }
        }

        $crate::engine::steps_impl!($ty, $done, $outcome, $into_outcome);
    };
}
pub(crate) use step_api;

/// [`Steps`] for a type with the inherent step methods.
macro_rules! steps_impl {
    ($ty:ident, $done:ty, $outcome:ident, $into_outcome:ident) => {
        impl $crate::Steps for $ty {
            type Done = $done;
            fn next(&mut self) -> $crate::Step<'_, $done> {
                $ty::next(self)
            }
            fn answer(&mut self, id: $crate::QueryId, answer: $crate::Answer) -> Result<(), $crate::AnswerError> {
                $ty::answer(self, id, answer)
            }
            #[cfg(feature = "wire")]
            fn answer_message(&mut self, id: $crate::QueryId, message: &[u8]) -> Result<(), $crate::AnswerError> {
                $ty::answer_message(self, id, message)
            }
            fn query(&self, id: $crate::QueryId) -> Option<&$crate::Query> {
                $ty::query(self, id)
            }
            fn unanswered(&self) -> Vec<$crate::QueryId> {
                $ty::unanswered(self)
            }
            fn expire(&mut self) {
                $ty::expire(self)
            }
            fn done(&self) -> Option<&$done> {
                $ty::$outcome(self)
            }
            fn into_done(self) -> Option<$done> {
                $ty::$into_outcome(self)
            }
        }
    };
}
pub(crate) use steps_impl;

steps_impl!(Evaluation, CheckOutcome, outcome, into_outcome);

#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
    #[inline]
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

    #[inline]
    pub(crate) fn wait(&self, id: QueryId) -> WaitAnswer<'_> {
        WaitAnswer { dns: &self.0, id }
    }

    #[inline]
    pub(crate) async fn lookup(&self, name: &str, qtype: QueryType) -> Answer {
        let id = self.issue(name, qtype);
        self.wait(id).await
    }

    /// Forgets the answers the deadline made up since `count` (a
    /// [`totals`](DnsHandle::totals) figure): a term that matched anyway
    /// was decided by a real answer, and an answer list has no order, so
    /// whether the expired ones were read first must not matter.
    pub(crate) fn forgive_expired(&self, count: u32) {
        let mut dns = lock(&self.0);
        dns.expired_answers = dns.expired_answers.min(count);
    }

    /// (queries issued, round trips, answers made up by the deadline) so far.
    pub(crate) fn totals(&self) -> (u32, u32, u32) {
        let dns = lock(&self.0);
        (dns.slots.len() as u32, dns.round_trips, dns.expired_answers)
    }
}

pub(crate) struct WaitAnswer<'a> {
    dns: &'a Mutex<Dns>,
    id: QueryId,
}

impl Future for WaitAnswer<'_> {
    type Output = Answer;
    #[inline]
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

/// Two computations awaited together, so the queries both ask in a step go
/// out in that one step (the engine polls with a no-op waker: polling both
/// each time is all it takes).
pub(crate) struct Join<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_done: Option<A::Output>,
    b_done: Option<B::Output>,
}

impl<A: Future, B: Future> Join<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Join { a: Box::pin(a), b: Box::pin(b), a_done: None, b_done: None }
    }
}

// The futures are boxed; the outputs are never pinned.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.a_done.is_none() {
            if let Poll::Ready(v) = this.a.as_mut().poll(cx) {
                this.a_done = Some(v);
            }
        }
        if this.b_done.is_none() {
            if let Poll::Ready(v) = this.b.as_mut().poll(cx) {
                this.b_done = Some(v);
            }
        }
        match (this.a_done.take(), this.b_done.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                this.a_done = a;
                this.b_done = b;
                Poll::Pending
            }
        }
    }
}
