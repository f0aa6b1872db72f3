//! Deciding a recipient: the order of docs/policy-settings.md, as an
//! `async` computation on the step engine. What a message's recipients
//! share (the SPF outcomes, iprev, the forwarder checks) is looked up once
//! per message and kept in its [`Message`].

use core::net::IpAddr;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::decision::{Action, Decision, Rule};
use super::settings::Overrides;
use super::settings::{
    ForwarderKind, HeaderForm, IdentityRules, IprevPolicy, MAX_ADDRESS, Rules, Settings, TempErrorAction, any_holds,
};
use crate::analysis::{AnalysisOptions, walk};
use crate::dns::{Answer, QueryType, RData};
use crate::domain::{check_domain, is_within};
use crate::driver::{AsyncResolver, Resolver};
use crate::engine::{DnsHandle, Join, Machine, lock};
use crate::iprev::{IprevOutcome, IprevResult};
use crate::options::{Options, Scope};
use crate::outcome::{CheckOutcome, Identity, Outcome, SpfResult, scrub_controls};
use crate::record::{Mechanism, Qualifier, Record, Term, is_spf_record};
use crate::report::{SmtpReply, reply_text};
use crate::request::{Request, check_length};

/// Entries a message remembers per kind of extra check; past it, a check
/// is made again rather than remembered (settings bound how many distinct
/// ones there can be, a host callback might not).
const MAX_REMEMBERED: usize = 256;

/// The SMTP connection and transaction a message arrived with.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Connection {
    /// The client's address.
    pub ip: IpAddr,
    /// The HELO/EHLO name.
    pub helo: String,
    /// The MAIL FROM address, `""` for the null reverse-path.
    pub mail_from: String,
    /// Whether the client authenticated (SMTP AUTH).
    pub authenticated: bool,
}

/// A receiver's policy: settings and the evaluation options (limits, the
/// lookup plan, a record cache) used for every check.
#[derive(Clone)]
pub struct Policy {
    settings: Arc<Settings>,
    options: Options,
    recipient_rules: Option<Arc<RecipientRules>>,
}

/// A host's per-recipient settings (a database, LDAP): the recipient's
/// overrides, or `None` for the file's alone.
pub type RecipientRules = dyn Fn(&str) -> Option<Overrides> + Send + Sync;

impl core::fmt::Debug for Policy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Policy")
            .field("settings", &self.settings)
            .field("recipient_rules", &self.recipient_rules.is_some())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// A policy with `settings` and the default evaluation options.
    pub fn new(settings: Settings) -> Policy {
        Policy::with_options(settings, Options::default())
    }

    /// A policy with `settings` and `options` (its scope and receiver are
    /// the policy's own: HELO and MAIL FROM are checked as the rules say,
    /// the receiver is `authserv_id`).
    pub fn with_options(settings: Settings, mut options: Options) -> Policy {
        // `%{r}` in an explanation names the receiver (RFC 7208 §7.3),
        // unless its name is hidden.
        options.receiver = if settings.hide_receiver { "unknown".into() } else { settings.authserv_id.as_str().into() };
        options.trace = false;
        Policy { settings: Arc::new(settings), options, recipient_rules: None }
    }

    /// Asks `rules` for each recipient's overrides, applied over the
    /// settings file's (most specific wins). A lookup that does I/O of its
    /// own is better made by the host before [`Message::decide_with`].
    ///
    /// ```
    /// use spfkit::policy::{Action, Connection, Overrides, Policy, Settings};
    /// use spfkit::{RData, Zone};
    /// let mut zone = Zone::new();
    /// zone.add("example.com", RData::Txt(b"v=spf1 -all".to_vec()));
    /// // Users who chose never to reject on SPF (seed 003).
    /// let policy = Policy::new(Settings::default()).with_recipient_rules(|rcpt| {
    ///     (rcpt == "carol@example.net").then(|| Overrides {
    ///         never_reject_without_forwarders: Some(true),
    ///         ..Overrides::default()
    ///     })
    /// });
    /// let connection = Connection {
    ///     ip: "192.0.2.1".parse().unwrap(),
    ///     helo: "".into(),
    ///     mail_from: "alice@example.com".into(),
    ///     authenticated: false,
    /// };
    /// let message = policy.message(connection);
    /// assert_eq!(message.decide("bob@example.net").run(&zone).action, Action::Reject);
    /// assert_eq!(message.decide("carol@example.net").run(&zone).action, Action::AcceptWithHeaders);
    /// ```
    pub fn with_recipient_rules(mut self, rules: impl Fn(&str) -> Option<Overrides> + Send + Sync + 'static) -> Policy {
        self.recipient_rules = Some(Arc::new(rules));
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A message arriving on `connection`: decide its recipients with
    /// [`Message::decide`].
    pub fn message(&self, mut connection: Connection) -> Message {
        // As MTAs pass them: `<alice@example.com>`, `<>`.
        strip_brackets(&mut connection.mail_from);
        Message(Arc::new(Shared {
            recipient_rules: self.recipient_rules.clone(),
            settings: Arc::clone(&self.settings),
            options: self.options.clone(),
            connection,
            facts: Mutex::new(Facts::default()),
        }))
    }
}

/// One message: the SPF evaluation and the other checks its recipients
/// share are made once, by whichever recipient first needs them.
///
/// ```
/// use spfkit::policy::{Action, Connection, Policy, Settings};
/// use spfkit::{RData, Zone};
/// let mut zone = Zone::new();
/// zone.add("example.com", RData::Txt(b"v=spf1 ip4:192.0.2.0/24 -all".to_vec()));
/// let policy = Policy::new(Settings { authserv_id: "mx.example.net".into(), ..Settings::default() });
/// let message = policy.message(Connection {
///     ip: "198.51.100.7".parse().unwrap(),
///     helo: "mail.example.org".into(),
///     mail_from: "alice@example.com".into(),
///     authenticated: false,
/// });
/// let d = message.decide("bob@example.net").run(&zone);
/// assert_eq!(d.action, Action::Reject);
/// assert_eq!(d.reply.unwrap().to_string(),
///            "550 5.7.23 198.51.100.7 is not one of example.com's designated mail servers");
/// assert_eq!(d.reputation_key.as_deref(), Some("example.com:FAIL"));
/// ```
#[derive(Clone, Debug)]
pub struct Message(Arc<Shared>);

struct Shared {
    recipient_rules: Option<Arc<RecipientRules>>,
    settings: Arc<Settings>,
    options: Options,
    connection: Connection,
    facts: Mutex<Facts>,
}

impl core::fmt::Debug for Shared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message").field("connection", &self.connection).finish_non_exhaustive()
    }
}

/// What the message's recipients learnt so far.
#[derive(Default, Debug)]
struct Facts {
    /// `Some(None)`: HELO is not a domain to check.
    helo: Option<Option<Outcome>>,
    mail_from: Option<Outcome>,
    guess: Option<Outcome>,
    iprev: Option<IprevOutcome>,
    /// Whether a domain's record is exactly `v=spf1 -all`.
    minus_all: HashMap<String, bool>,
    /// Addresses a domain's record tree authorises, in the client's family.
    breadth: HashMap<String, u128>,
    /// SPF results of the client with another MAIL FROM (forwarders).
    as_sender: HashMap<String, SpfResult>,
    /// SPF results of the message's MAIL FROM from other addresses.
    prospective: HashMap<IpAddr, SpfResult>,
    headers_given: bool,
}

impl Message {
    /// Decides `recipient` (the RCPT TO address; any bytes: one that is not
    /// a UTF-8 `local@domain` is not checked), with the overrides of
    /// [`Policy::with_recipient_rules`] if set.
    pub fn decide(&self, recipient: impl AsRef<[u8]>) -> Decide {
        let recipient = valid_recipient(recipient.as_ref());
        let host = match (&recipient, &self.0.recipient_rules) {
            (Ok(r), Some(rules)) => rules(r),
            _ => None,
        };
        self.start(recipient, host)
    }

    /// Decides `recipient` with `host` overrides (a database's, LDAP's, as
    /// the host looked them up) applied last, over the settings file's.
    pub fn decide_with(&self, recipient: impl AsRef<[u8]>, host: Option<Overrides>) -> Decide {
        self.start(valid_recipient(recipient.as_ref()), host)
    }

    /// The recipient as [`decide`](Message::decide) reads it and as
    /// [`Policy::with_recipient_rules`]' function is given it (one pair of
    /// angle brackets removed), or `None` when it is not a UTF-8
    /// `local@domain` (decided `not-checked` without asking the rules). For
    /// a host whose per-recipient lookup is asynchronous: look this up,
    /// then [`decide_with`](Message::decide_with).
    ///
    /// ```
    /// use spfkit::policy::Message;
    /// assert_eq!(Message::recipient_address("<Bob@example.net>").as_deref(), Some("Bob@example.net"));
    /// assert_eq!(Message::recipient_address(b"\xff@example.net"), None);
    /// assert_eq!(Message::recipient_address("no-at-sign"), None);
    /// ```
    pub fn recipient_address(raw: impl AsRef<[u8]>) -> Option<String> {
        valid_recipient(raw.as_ref()).ok()
    }

    fn start(&self, recipient: Result<String, ()>, host: Option<Overrides>) -> Decide {
        let shared = Arc::clone(&self.0);
        Decide(Machine::new(move |dns| decide(Ctx { shared, dns }, recipient, host)))
    }

    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.0.connection
    }
}

/// One recipient's decision driven by the host, as an
/// [`Evaluation`](crate::Evaluation) is: queries out, answers in.
pub struct Decide(Machine<Decision>);

impl core::fmt::Debug for Decide {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decide").field("decision", &self.0.outcome()).finish_non_exhaustive()
    }
}

crate::engine::step_api!(Decide, Decision, decision, into_decision);

impl Decide {
    /// Runs to the decision with a blocking resolver.
    pub fn run<R: Resolver + ?Sized>(self, resolver: &R) -> Decision {
        self.0.run(resolver).unwrap_or_else(stalled)
    }

    /// Runs to the decision with an async resolver, each step's queries
    /// together.
    pub async fn run_async<R: AsyncResolver + ?Sized>(self, resolver: &R) -> Decision {
        self.0.run_async(resolver).await.unwrap_or_else(stalled)
    }
}

#[cold]
fn stalled() -> Decision {
    // Only a bug could get here: say so by deferring, never by accepting.
    let mut d = Decision::new(String::new(), Action::Defer, Rule::MailFromTempError);
    d.reply = Some(SmtpReply { code: 451, enhanced: "4.7.24", text: "SPF temporary error".to_owned() });
    d
}

/// An address without the angle brackets SMTP writes around it.
fn strip_brackets(a: &mut String) {
    if a.len() >= 2 && a.starts_with('<') && a.ends_with('>') {
        a.pop();
        a.remove(0);
    }
}

/// The recipient as text when it is `local@domain` (angle brackets, as a
/// milter passes it, removed).
fn valid_recipient(raw: &[u8]) -> Result<String, ()> {
    let raw = match raw {
        [b'<', inner @ .., b'>'] => inner,
        _ => raw,
    };
    if raw.len() > MAX_ADDRESS {
        return Err(());
    }
    let s = core::str::from_utf8(raw).map_err(|_| ())?;
    let (local, domain) = s.rsplit_once('@').ok_or(())?;
    if local.is_empty() || domain.is_empty() || s.chars().any(char::is_control) {
        return Err(());
    }
    Ok(s.to_owned())
}

/// Why a check refused the recipient.
struct Refusal {
    reply: SmtpReply,
    rule: Rule,
}

impl Refusal {
    fn new(code: u16, enhanced: &'static str, text: &str, rule: Rule) -> Refusal {
        Refusal { reply: SmtpReply { code, enhanced, text: reply_text(text) }, rule }
    }

    fn permanent(&self) -> bool {
        self.reply.code >= 500
    }

    /// Whether an SPF result refused (not a best guess, not local policy
    /// finding a pass unacceptable).
    fn authentication_failed(&self) -> bool {
        !matches!(self.rule, Rule::BestGuess | Rule::UnacceptablePass)
    }
}

struct Ctx {
    shared: Arc<Shared>,
    dns: DnsHandle,
}

impl Ctx {
    fn facts(&self) -> std::sync::MutexGuard<'_, Facts> {
        lock(&self.shared.facts)
    }

    fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    fn connection(&self) -> &Connection {
        &self.shared.connection
    }

    /// One identity's check_host() with the policy's options.
    async fn evaluate(&self, ip: IpAddr, sender: &str, scope: Scope, guess: Option<Arc<Record>>) -> CheckOutcome {
        let options = Options { scope, ..self.shared.options.clone() };
        let request = Request::new(ip, sender, self.connection().helo.as_str());
        crate::eval::run_with(self.dns.clone(), request, options, guess).await
    }

    /// HELO's outcome (§2.3), when HELO is a domain to check.
    async fn helo(&self) -> Option<Outcome> {
        if let Some(known) = self.facts().helo.clone() {
            return known;
        }
        let c = self.connection();
        let out = if check_domain(&c.helo).is_ok() {
            self.evaluate(c.ip, "", Scope::Helo, None).await.helo_outcome
        } else {
            None
        };
        self.facts().helo = Some(out.clone());
        out
    }

    /// MAIL FROM's outcome (§2.4): the null reverse-path is
    /// postmaster@HELO, which a HELO check already evaluated.
    async fn mail_from(&self) -> Outcome {
        if let Some(known) = self.facts().mail_from.clone() {
            return known;
        }
        let c = self.connection();
        let known_helo = if c.mail_from.is_empty() { self.facts().helo.clone().flatten() } else { None };
        let out = match known_helo {
            Some(h) => Outcome { identity: Identity::MailFrom, ..h },
            None => {
                let o = self.evaluate(c.ip, &c.mail_from, Scope::MailFrom, None).await;
                mail_from_of(o)
            }
        };
        self.facts().mail_from = Some(out.clone());
        out
    }

    /// The best guess for MAIL FROM's domain.
    async fn guess(&self, record: &Arc<Record>) -> Outcome {
        if let Some(known) = self.facts().guess.clone() {
            return known;
        }
        let c = self.connection();
        let o = self.evaluate(c.ip, &c.mail_from, Scope::MailFrom, Some(Arc::clone(record))).await;
        let out = mail_from_of(o);
        self.facts().guess = Some(out.clone());
        out
    }

    /// The client's SPF result with `sender` as MAIL FROM (a forwarder's
    /// domain or address).
    async fn as_sender(&self, sender: &str) -> SpfResult {
        if let Some(&r) = self.facts().as_sender.get(sender) {
            return r;
        }
        let r = self.evaluate(self.connection().ip, sender, Scope::MailFrom, None).await.result();
        remember(&mut self.facts().as_sender, sender.to_owned(), r);
        r
    }

    /// The message's MAIL FROM result were it sent from `ip`.
    async fn sent_from(&self, ip: IpAddr) -> SpfResult {
        if let Some(&r) = self.facts().prospective.get(&ip) {
            return r;
        }
        let r = self.evaluate(ip, &self.connection().mail_from, Scope::MailFrom, None).await.result();
        remember(&mut self.facts().prospective, ip, r);
        r
    }

    async fn iprev(&self) -> IprevOutcome {
        if let Some(known) = self.facts().iprev.clone() {
            return known;
        }
        let out = crate::iprev::run(self.dns.clone(), self.connection().ip).await;
        self.facts().iprev = Some(out.clone());
        out
    }

    /// Whether `domain`'s record is exactly `v=spf1 -all` (one directive,
    /// `-all`, no modifiers): a domain that sends no mail.
    async fn minus_all(&self, domain: &str) -> bool {
        if let Some(&b) = self.facts().minus_all.get(domain) {
            return b;
        }
        let answer = self.dns.lookup(domain, QueryType::Txt).await;
        let mut records = match &answer {
            Answer::Records(r) => r.iter().filter_map(|r| match r {
                RData::Txt(t) if is_spf_record(t) => Some(t),
                _ => None,
            }),
            _ => return false,
        };
        let only = match (records.next(), records.next()) {
            (Some(text), None) => Record::parse_bytes(text).is_ok_and(|r| {
                matches!(r.terms(), [Term::Directive(d, _)]
                    if d.qualifier == Some(Qualifier::Fail) && matches!(d.mechanism, Mechanism::All))
            }),
            _ => false,
        };
        remember(&mut self.facts().minus_all, domain.to_owned(), only);
        only
    }

    /// Addresses `domain`'s record tree authorises in the client's family
    /// (/64 networks for IPv6).
    async fn breadth(&self, domain: &str) -> u128 {
        if let Some(&n) = self.facts().breadth.get(domain) {
            return n;
        }
        // No more records fetched than an evaluation may (RFC 7208 §4.6.4's
        // ten DNS-querying terms, and the domain's own).
        let options = AnalysisOptions {
            max_nodes: self.shared.options.limits.dns_terms as usize + 1,
            ..AnalysisOptions::default()
        };
        let report = walk(self.dns.clone(), domain.to_owned(), options).await;
        let n = if self.connection().ip.is_ipv4() {
            u128::from(report.ipv4_addresses)
        } else {
            report.ipv6_addresses >> 64
        };
        remember(&mut self.facts().breadth, domain.to_owned(), n);
        n
    }

    /// Whether `o`'s result refuses the recipient under `rules`.
    async fn judge(&self, o: &Outcome, rules: &IdentityRules) -> Option<Refusal> {
        let helo = o.identity == Identity::Helo;
        let (reject, must_pass, temperror) = if helo {
            (Rule::HeloReject, Rule::HeloMustPass, Rule::HeloTempError)
        } else {
            (Rule::MailFromReject, Rule::MailFromMustPass, Rule::MailFromTempError)
        };
        let reason = o.reason.as_deref();
        if o.result == SpfResult::TempError {
            return (rules.temperror == TempErrorAction::Defer).then(|| {
                let text = format!("SPF temporary error: {}", reason.unwrap_or("DNS error"));
                Refusal::new(451, "4.7.24", &text, temperror)
            });
        }
        if o.result != SpfResult::Pass && rules.must_pass.iter().any(|d| is_within(&o.domain, d)) {
            let text = format!("SPF validation failed: {} must pass, got {}", o.domain, o.result);
            return Some(Refusal::new(550, "5.7.23", &text, must_pass));
        }
        if !rules.reject.contains(o.result) || (rules.only_minus_all && !self.minus_all(&o.domain).await) {
            return None;
        }
        Some(match o.result {
            SpfResult::Fail => {
                let text = o.explanation.as_deref().unwrap_or("SPF validation failed");
                Refusal::new(550, "5.7.23", text, reject)
            }
            SpfResult::PermError => {
                let text = format!("SPF validation error: {}", reason.unwrap_or("permanent error"));
                Refusal::new(550, "5.7.24", &text, reject)
            }
            r => Refusal::new(550, "5.7.23", &format!("SPF validation failed: {r} for {}", o.domain), reject),
        })
    }

    /// Why a pass is unacceptable, if it is (RFC 8601 §2.7.2).
    async fn unacceptable(&self, o: &Outcome, rules: &Rules) -> Option<&'static str> {
        let u = &rules.unacceptable_pass;
        let all =
            o.mechanism.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("all") || m.eq_ignore_ascii_case("+all"));
        if u.plus_all && all {
            return Some("plus-all");
        }
        if u.domains.iter().any(|d| is_within(&o.domain, d)) {
            return Some("domain");
        }
        if u.max_addresses > 0 && self.breadth(&o.domain).await > u128::from(u.max_addresses) {
            return Some("max-addresses");
        }
        None
    }
}

/// The MAIL FROM outcome of a MAIL FROM-scoped evaluation (always there).
fn mail_from_of(mut o: CheckOutcome) -> Outcome {
    o.mail_from_outcome.take().unwrap_or_else(|| o.outcome().clone())
}

fn remember<K: core::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() < MAX_REMEMBERED {
        map.insert(key, value);
    }
}

/// What decided, carried to the headers.
#[derive(Default)]
struct Findings {
    helo: Option<Outcome>,
    mail_from: Option<Outcome>,
    guess: Option<SpfResult>,
    unacceptable: Option<&'static str>,
    /// A rule that overrode the SPF result, and the forwarder's name.
    overridden: Option<(Rule, Option<String>)>,
    iprev: Option<IprevOutcome>,
}

async fn decide(ctx: Ctx, recipient: Result<String, ()>, host: Option<Overrides>) -> Decision {
    let (queries_before, trips_before, _) = ctx.dns.totals();
    let mut d = decide_counted(&ctx, recipient, host).await;
    let (queries, trips, _) = ctx.dns.totals();
    d.queries = queries - queries_before;
    d.round_trips = trips - trips_before;
    d
}

async fn decide_counted(ctx: &Ctx, recipient: Result<String, ()>, host: Option<Overrides>) -> Decision {
    let settings = ctx.settings();
    let c = ctx.connection();
    let Ok(recipient) = recipient else {
        return Decision::new(String::new(), Action::NotChecked, Rule::BadRecipient);
    };
    if any_holds(&settings.skip_networks, c.ip) {
        return Decision::new(recipient, Action::NotChecked, Rule::SkipNetwork);
    }
    if c.authenticated && settings.skip_authenticated {
        return Decision::new(recipient, Action::NotChecked, Rule::Authenticated);
    }
    // Far beyond what SMTP carries (a path is at most 256 bytes): an error
    // evaluating SPF for this message, never a reason to skip the check.
    if let Err(why) = check_length("sender", &c.mail_from).and_then(|()| check_length("helo", &c.helo)) {
        let mut d = Decision::new(recipient, Action::Reject, Rule::BadConnection);
        d.reply = Some(SmtpReply {
            code: 550,
            enhanced: "5.7.24",
            text: reply_text(&format!("SPF validation error: {why}")),
        });
        return d;
    }
    let rules = settings.rules_for(&recipient, host.as_ref());
    // iprev's queries go out with SPF's, step by step: one wait for both.
    let (mut f, spf, iprev) = if rules.iprev == IprevPolicy::Require {
        let ((f, spf), i) = Join::new(spf_checks(ctx, &rules), ctx.iprev()).await;
        (f, spf, Some(i))
    } else {
        let (f, spf) = spf_checks(ctx, &rules).await;
        (f, spf, None)
    };
    let iprev_refusal = iprev.as_ref().and_then(|i| match i.result {
        IprevResult::Pass => None,
        IprevResult::TempError => {
            Some(Refusal::new(451, "4.7.25", &format!("Reverse DNS validation error for {}", i.ip), Rule::Iprev))
        }
        _ => Some(Refusal::new(550, "5.7.25", &format!("Reverse DNS validation failed for {}", i.ip), Rule::Iprev)),
    });
    f.iprev = iprev;
    let mut refusal = match (spf, iprev_refusal) {
        // X.7.26 is for authentication checks that failed: a best guess or
        // a pass refused by local policy is neither.
        (Some(s), Some(i)) if s.permanent() && i.permanent() && s.authentication_failed() => {
            Some(Refusal::new(550, "5.7.26", "Multiple authentication checks failed", Rule::Multiple))
        }
        // A permanent failure outweighs a temporary one, an
        // authentication failure a local policy's refusal.
        (Some(s), Some(i)) => Some(if i.permanent() && (!s.permanent() || !s.authentication_failed()) { i } else { s }),
        (s, i) => s.or(i),
    };

    if refusal.is_none() {
        if let Some(p) = &rules.prospective {
            for &ip in &p.outbound {
                if ctx.sent_from(ip).await == SpfResult::Fail {
                    let text = format!("User not local; please try <{}>", p.forward_path);
                    refusal = Some(Refusal::new(551, "5.7.1", &text, Rule::Prospective));
                    break;
                }
            }
        }
    }

    let mut d = Decision::new(recipient, Action::Accept, Rule::Accept);
    match refusal {
        Some(r) if rules.log_only => {
            d.rule = r.rule;
            d.intended = Some(r.reply);
        }
        Some(r) => {
            d.action = if r.permanent() { Action::Reject } else { Action::Defer };
            d.rule = r.rule;
            d.reply = Some(r.reply);
        }
        None => {
            if let Some((rule, forwarder)) = &f.overridden {
                d.rule = *rule;
                d.forwarder.clone_from(forwarder);
            } else if f.unacceptable.is_some() {
                d.rule = Rule::UnacceptablePass;
            }
        }
    }

    if d.action == Action::Accept && settings.header != HeaderForm::None && !ctx.facts().headers_given {
        // The headers need what a refusal overridden early did not look up.
        if f.mail_from.is_none() && rules.mail_from.check {
            f.mail_from = Some(ctx.mail_from().await);
        }
        if rules.iprev == IprevPolicy::Report && f.iprev.is_none() {
            f.iprev = Some(ctx.iprev().await);
        }
        let headers = headers(ctx, &f, d.intended.is_some());
        // A recipient with nothing to report (both identities unchecked
        // for it) leaves the headers to the next one.
        if !headers.is_empty() && claim_headers(ctx) {
            d.headers = headers;
            d.action = Action::AcceptWithHeaders;
        }
    }
    // One key per message: MAIL FROM's whenever any recipient had it
    // evaluated, else HELO's; none for a name that is no domain.
    let known_mail_from = ctx.facts().mail_from.clone();
    let keyed = f.mail_from.as_ref().or(known_mail_from.as_ref()).or(f.helo.as_ref());
    d.reputation_key = keyed
        .filter(|o| check_domain(&o.domain).is_ok())
        .map(|o| format!("{}:{}", o.domain.to_ascii_lowercase(), o.result.as_str().to_ascii_uppercase()));
    d.helo = f.helo.as_ref().map(|o| o.result);
    d.mail_from = f.mail_from.as_ref().map(|o| o.result);
    d.best_guess = f.guess;
    d.unacceptable_pass = f.unacceptable.is_some();
    d.iprev = f.iprev.as_ref().map(|i| i.result);
    d
}

/// HELO, then MAIL FROM and what follows from its result; a refusal the
/// overrides do not lift.
async fn spf_checks(ctx: &Ctx, rules: &Rules) -> (Findings, Option<Refusal>) {
    let settings = ctx.settings();
    let mut f = Findings::default();

    // SPF: HELO first, and a HELO that refuses decides before MAIL FROM
    // is looked up (RFC 7208 §2.3).
    let mut spf = None;
    if rules.helo.check {
        f.helo = ctx.helo().await;
        if let Some(o) = &f.helo {
            spf = ctx.judge(o, &rules.helo).await;
        }
    }
    if spf.is_none() && rules.mail_from.check {
        let o = ctx.mail_from().await;
        spf = ctx.judge(&o, &rules.mail_from).await;
        if spf.is_none() && o.result == SpfResult::None {
            if let Some(record) = &settings.best_guess {
                let g = ctx.guess(record).await;
                f.guess = Some(g.result);
                if rules.best_guess_reject.contains(g.result) {
                    // Not an SPF result, so not RFC 7372's X.7.23: a refusal
                    // by local policy (RFC 3463 X.7.1).
                    let text = format!("Delivery not authorized: best guess {} for {}", g.result, g.domain);
                    spf = Some(Refusal::new(550, "5.7.1", &text, Rule::BestGuess));
                }
            }
        }
        if spf.is_none() && o.result == SpfResult::Pass {
            f.unacceptable = ctx.unacceptable(&o, rules).await;
            if f.unacceptable.is_some() && rules.unacceptable_pass.reject {
                // SPF passed: X.7.23 ("SPF validation failed") would be
                // untrue; local policy refuses it (RFC 3463 X.7.1).
                let text = format!("Delivery not authorized: SPF pass for {} not acceptable by local policy", o.domain);
                spf = Some(Refusal::new(550, "5.7.1", &text, Rule::UnacceptablePass));
            }
        }
        f.mail_from = Some(o);
    }

    // A refusal on SPF is what trusted relays and forwarders override
    // (seed 003): their mail fails SPF by the nature of forwarding.
    if spf.is_some() {
        f.overridden = spf_override(ctx, rules).await;
        if f.overridden.is_some() {
            spf = None;
        }
    }

    (f, spf)
}

/// The rule that overrides an SPF refusal, in the documented order.
async fn spf_override(ctx: &Ctx, rules: &Rules) -> Option<(Rule, Option<String>)> {
    let ip = ctx.connection().ip;
    if any_holds(&ctx.settings().trusted_relays, ip) {
        return Some((Rule::TrustedRelay, None));
    }
    // Networks first: they cost no lookup.
    for fw in &rules.forwarders {
        if let ForwarderKind::Networks(nets) = &fw.kind {
            if any_holds(nets, ip) {
                return Some((Rule::ForwarderNetwork, Some(fw.name.clone())));
            }
        }
    }
    for fw in &rules.forwarders {
        let (sender, rule) = match &fw.kind {
            ForwarderKind::Networks(_) => continue,
            ForwarderKind::Domain(d) => (format!("postmaster@{d}"), Rule::ForwarderDomain),
            ForwarderKind::Address(a) => (a.clone(), Rule::ForwarderAddress),
        };
        if ctx.as_sender(&sender).await == SpfResult::Pass {
            return Some((rule, Some(fw.name.clone())));
        }
    }
    (rules.forwarders.is_empty() && rules.never_reject_without_forwarders).then_some((Rule::NeverReject, None))
}

/// Whether this decision is the message's first to carry the headers.
fn claim_headers(ctx: &Ctx) -> bool {
    let mut facts = ctx.facts();
    !core::mem::replace(&mut facts.headers_given, true)
}

/// The header fields (docs/policy-settings.md, "Headers").
fn headers(ctx: &Ctx, f: &Findings, log_only: bool) -> Vec<(String, String)> {
    let s = ctx.settings();
    let c = ctx.connection();
    let Some(main) = f.mail_from.as_ref().or(f.helo.as_ref()) else {
        return Vec::new();
    };
    let ip = match c.ip {
        // As evaluated: client-ip= names the IPv4 address.
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let mut report = CheckOutcome {
        ip,
        helo: c.helo.clone(),
        mail_from: c.mail_from.clone(),
        receiver: s.authserv_id.clone(),
        helo_outcome: f.helo.clone(),
        mail_from_outcome: f.mail_from.clone(),
        decided_by: main.identity,
    };
    for t in [&mut report.helo, &mut report.mail_from, &mut report.receiver] {
        scrub_controls(t);
    }
    let mut out = Vec::with_capacity(2);
    if matches!(s.header, HeaderForm::ReceivedSpf | HeaderForm::Both) {
        let guess = f.guess.map(SpfResult::as_str);
        let extra: Vec<(&str, &str)> = guess.map(|g| ("best-guess", g)).into_iter().collect();
        out.push(split(report.received_spf_with(main, s.hide_receiver, &extra)));
    }
    if matches!(s.header, HeaderForm::AuthenticationResults | HeaderForm::Both) {
        let mut properties: Vec<(&str, &str)> = Vec::new();
        // One policy.rule: the rule that let the message in, else the
        // one that found its pass unacceptable.
        if let Some((rule, forwarder)) = &f.overridden {
            properties.push(("policy.rule", rule.as_str()));
            if let Some(name) = forwarder {
                properties.push(("policy.forwarder", name));
            }
        } else if log_only {
            properties.push(("policy.rule", "log-only"));
        } else if f.unacceptable.is_some() {
            properties.push(("policy.rule", Rule::UnacceptablePass.as_str()));
        }
        if let Some(why) = f.unacceptable {
            properties.push(("policy.unacceptable", why));
        }
        if let Some(g) = f.guess {
            properties.push(("policy.best-guess", g.as_str()));
        }
        let result = f.unacceptable.map(|_| "policy");
        let iprev = f.iprev.as_ref().map(IprevOutcome::resinfo);
        out.push(split(report.authentication_results_with(&s.authserv_id, result, &properties, iprev.as_deref())));
    }
    out
}

/// `Name: value` as (name, value).
fn split(field: String) -> (String, String) {
    match field.split_once(": ") {
        Some((name, value)) => (name.to_owned(), value.to_owned()),
        None => (field, String::new()),
    }
}
