//! Convenience drivers over the step API: blocking and async.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::dns::{Answer, Query};
use crate::engine::{Evaluation, Machine, Step};
use crate::options::Options;
use crate::outcome::CheckOutcome;
use crate::request::Request;

/// A blocking DNS resolver. It owns its timeouts: an answer it cannot get
/// in time is [`Answer::TempError`].
pub trait Resolver {
    /// Answers one query.
    fn lookup(&self, query: &Query) -> Answer;
}

impl<F: Fn(&Query) -> Answer> Resolver for F {
    fn lookup(&self, query: &Query) -> Answer {
        self(query)
    }
}

/// An asynchronous DNS resolver, for any executor.
pub trait AsyncResolver {
    /// Answers one query. The queries of one step are awaited together.
    fn lookup(&self, query: &Query) -> impl Future<Output = Answer>;
}

impl Evaluation {
    /// Runs the evaluation to its end, answering each query from `resolver`
    /// in turn.
    ///
    /// ```
    /// use spfkit::{Answer, Evaluation, Options, Query, RData, Request, SpfResult};
    ///
    /// let resolver = |q: &Query| match q.name.as_str() {
    ///     "example.com" => Answer::Records(vec![RData::Txt(b"v=spf1 a -all".to_vec())]),
    ///     _ => Answer::NoData,
    /// };
    /// let request = Request::new("192.0.2.1".parse().unwrap(), "alice@example.com", "");
    /// let outcome = Evaluation::new(request, Options::default()).run(&resolver);
    /// assert_eq!(outcome.result(), SpfResult::Fail);
    /// ```
    pub fn run<R: Resolver + ?Sized>(self, resolver: &R) -> CheckOutcome {
        self.0.run(resolver).unwrap_or_else(unreachable_outcome)
    }

    /// Runs the evaluation to its end, awaiting all queries of a step
    /// concurrently. Works with any executor; needs none.
    pub async fn run_async<R: AsyncResolver + ?Sized>(self, resolver: &R) -> CheckOutcome {
        self.0.run_async(resolver).await.unwrap_or_else(unreachable_outcome)
    }
}

impl<T> Machine<T> {
    pub(crate) fn run<R: Resolver + ?Sized>(mut self, resolver: &R) -> Option<T> {
        // Every query is answered before the next step, so the machine
        // never waits (Pending); `finish` guards against it anyway.
        while let Step::Lookup(_) = self.next() {
            self.answer_each(|q| resolver.lookup(q));
        }
        self.finish()
    }

    pub(crate) async fn run_async<R: AsyncResolver + ?Sized>(mut self, resolver: &R) -> Option<T> {
        loop {
            let batch: Vec<Query> = match self.next() {
                Step::Done(_) | Step::Pending => break,
                Step::Lookup(queries) => queries.to_vec(),
            };
            let answers = JoinAll::new(batch.iter().map(|q| resolver.lookup(q)).collect()).await;
            for (q, a) in batch.iter().zip(answers) {
                let _ = self.answer(q.id, a);
            }
        }
        self.finish()
    }

    fn finish(mut self) -> Option<T> {
        // The loops above end when done or, defensively, when the machine
        // would wait forever: then every outstanding query fails, which
        // ends any evaluation in a bounded number of rounds.
        for _ in 0..1024 {
            if let Step::Done(_) = self.next() {
                break;
            }
            for id in self.unanswered() {
                let _ = self.answer(id, Answer::TempError);
            }
        }
        self.into_outcome()
    }
}

#[cold]
fn unreachable_outcome() -> CheckOutcome {
    // Only a bug in this crate could get here; a temperror is the honest
    // answer, and no panic reaches the host.
    let o = crate::Outcome {
        result: crate::SpfResult::TempError,
        identity: crate::Identity::MailFrom,
        domain: String::new(),
        sender: String::new(),
        explanation: None,
        mechanism: None,
        reason: Some("internal error: evaluation stalled".to_owned()),
        counters: crate::Counters::default(),
        trace: Vec::new(),
    };
    CheckOutcome {
        ip: core::net::IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
        helo: String::new(),
        mail_from: String::new(),
        receiver: String::new(),
        helo_outcome: None,
        mail_from_outcome: Some(o),
        decided_by: crate::Identity::MailFrom,
    }
}

/// check() for a connection with a blocking resolver: §2.3/§2.4's sequence.
///
/// ```
/// use spfkit::{Answer, Options, Query, RData, Request, SpfResult};
/// let resolver = |q: &Query| match q.name.as_str() {
///     "example.com" => Answer::Records(vec![RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec())]),
///     _ => Answer::NxDomain,
/// };
/// let req = Request::new("192.0.2.7".parse().unwrap(), "bob@example.com", "mx.example.org");
/// assert_eq!(spfkit::check(req, Options::default(), &resolver).result(), SpfResult::Pass);
/// ```
pub fn check<R: Resolver + ?Sized>(request: Request, options: Options, resolver: &R) -> CheckOutcome {
    Evaluation::new(request, options).run(resolver)
}

/// check() with an async resolver.
pub async fn check_async<R: AsyncResolver + ?Sized>(request: Request, options: Options, resolver: &R) -> CheckOutcome {
    Evaluation::new(request, options).run_async(resolver).await
}

/// Awaits futures together; output in input order. A minimal `join_all`
/// so the crate depends on no async library.
struct JoinAll<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> JoinAll<F> {
    fn new(futures: Vec<F>) -> Self {
        let outputs = futures.iter().map(|_| None).collect();
        JoinAll { futures: futures.into_iter().map(|f| Some(Box::pin(f))).collect(), outputs }
    }
}

impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut pending = false;
        for (slot, out) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect()) }
    }
}
