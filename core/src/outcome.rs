//! What an evaluation reports (RFC 7208 §2.6, §9).

use core::fmt;
use core::net::IpAddr;

/// The result of check_host() (§2.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SpfResult {
    /// No record, or no valid domain to check (§2.6.1).
    None,
    /// The record states nothing about the client (§2.6.2).
    Neutral,
    /// The client is authorised (§2.6.3).
    Pass,
    /// The client is not authorised (§2.6.4).
    Fail,
    /// Probably not authorised (§2.6.5).
    SoftFail,
    /// A transient DNS error (§2.6.6).
    TempError,
    /// The record could not be interpreted (§2.6.7).
    PermError,
}

impl SpfResult {
    /// All results, in the order of §2.6.
    pub const ALL: [SpfResult; 7] = [
        SpfResult::None,
        SpfResult::Neutral,
        SpfResult::Pass,
        SpfResult::Fail,
        SpfResult::SoftFail,
        SpfResult::TempError,
        SpfResult::PermError,
    ];

    /// The result's name as it appears in headers: `pass`, `permerror`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    /// Reads a result name, any case.
    pub fn from_name(s: &str) -> Option<SpfResult> {
        SpfResult::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(s))
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of results, e.g. which HELO results are definitive for check().
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ResultSet(u8);

impl ResultSet {
    /// The empty set.
    pub const EMPTY: ResultSet = ResultSet(0);

    /// The set of the given results.
    pub fn of(results: &[SpfResult]) -> ResultSet {
        ResultSet(results.iter().fold(0, |acc, r| acc | r.bit()))
    }

    /// Whether `r` is in the set.
    pub fn contains(self, r: SpfResult) -> bool {
        self.0 & r.bit() != 0
    }
}

/// Which identity a check_host() evaluation was about (§2.3, §2.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Identity {
    /// The HELO/EHLO domain.
    Helo,
    /// The MAIL FROM reverse-path (or postmaster@HELO when it is null).
    MailFrom,
}

impl Identity {
    /// The name used in `Received-SPF`'s `identity=` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Identity::Helo => "helo",
            Identity::MailFrom => "mailfrom",
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of one check_host() evaluation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Counters {
    /// Terms that query DNS (`include a mx ptr exists redirect`), §4.6.4.
    pub dns_terms: u32,
    /// Lookups that gave Name Error or no records, §4.6.4.
    pub void_lookups: u32,
    /// Queries handed to the host, including batched ones never used.
    pub queries: u32,
    /// Times the evaluation waited for the host: steps with queries.
    pub round_trips: u32,
}

/// What happened at one step of the evaluation, for the trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TraceEvent {
    /// A record was selected for a domain.
    Record {
        /// Include/redirect nesting; 0 is the checked domain.
        depth: u32,
        /// The domain whose record this is.
        domain: String,
        /// The record's text.
        record: String,
    },
    /// A term was evaluated.
    Term {
        /// Include/redirect nesting.
        depth: u32,
        /// The domain whose record holds the term.
        domain: String,
        /// The term as written.
        term: String,
        /// Whether it matched (for `redirect=`: whether it was followed).
        matched: bool,
        /// Why it asked DNS nothing, when its name could not be formed:
        /// an expansion that is no valid domain (§4.8), a local part that
        /// is not ASCII.
        note: Option<String>,
    },
    /// Evaluation stopped with an error at this point.
    Error {
        /// Include/redirect nesting.
        depth: u32,
        /// The domain being evaluated.
        domain: String,
        /// The term being evaluated, if any.
        term: Option<String>,
        /// What went wrong.
        message: String,
    },
}

/// The outcome of one check_host() evaluation (§4).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outcome {
    /// The result.
    pub result: SpfResult,
    /// Which identity was checked.
    pub identity: Identity,
    /// `<domain>`: the domain whose policy was checked (A-labels).
    pub domain: String,
    /// `<sender>` as check_host() used it (`postmaster@…` filled in).
    pub sender: String,
    /// For `fail` only: the explanation (§6.2), from `exp=` or the default.
    pub explanation: Option<String>,
    /// The directive that matched in `<domain>`'s record, as written
    /// (for a match inside an include, the `include:` itself).
    pub mechanism: Option<String>,
    /// For `permerror`/`temperror`/`none`: why.
    pub reason: Option<String>,
    /// Lookup and limit counters.
    pub counters: Counters,
    /// Every term evaluated, when [`Options::trace`](crate::Options::trace)
    /// was set; empty otherwise.
    pub trace: Vec<TraceEvent>,
}

/// What check() found for a connection: each identity checked, and which
/// one decides (§2.3, §2.4).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CheckOutcome {
    /// The client address as evaluated (IPv4-mapped addresses unmapped).
    pub ip: IpAddr,
    /// The HELO/EHLO name as given.
    pub helo: String,
    /// The MAIL FROM as given; empty for the null reverse-path.
    pub mail_from: String,
    /// The receiving host's name (the `r` macro; `receiver=` in headers).
    pub receiver: String,
    /// The HELO identity's outcome, when it was checked.
    pub helo_outcome: Option<Outcome>,
    /// The MAIL FROM identity's outcome, when it was checked.
    pub mail_from_outcome: Option<Outcome>,
    /// The identity whose result decides.
    pub decided_by: Identity,
}

impl CheckOutcome {
    /// The deciding identity's outcome.
    pub fn outcome(&self) -> &Outcome {
        let (first, second) = match self.decided_by {
            Identity::Helo => (&self.helo_outcome, &self.mail_from_outcome),
            Identity::MailFrom => (&self.mail_from_outcome, &self.helo_outcome),
        };
        // The evaluation always fills the deciding one; fall back rather
        // than panic should a caller build a CheckOutcome by hand.
        first.as_ref().or(second.as_ref()).unwrap_or(&FALLBACK)
    }

    /// The deciding result.
    pub fn result(&self) -> SpfResult {
        self.outcome().result
    }

    /// Every identity's outcome, HELO first.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        self.helo_outcome.iter().chain(self.mail_from_outcome.iter())
    }
}

static FALLBACK: Outcome = Outcome {
    result: SpfResult::None,
    identity: Identity::MailFrom,
    domain: String::new(),
    sender: String::new(),
    explanation: None,
    mechanism: None,
    reason: None,
    counters: Counters { dns_terms: 0, void_lookups: 0, queries: 0, round_trips: 0 },
    trace: Vec::new(),
};

/// What a text cut short ends with, in headers and messages.
pub(crate) const TRUNCATED: &str = "[truncated]";

/// `v` cut to at most `max` bytes (at a character boundary), ending in
/// [`TRUNCATED`] when cut: a stranger's text bounded for a header comment
/// or a message.
pub(crate) fn clip(v: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if v.len() <= max {
        return v.into();
    }
    let mut end = max.saturating_sub(TRUNCATED.len());
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATED}", &v[..end]).into()
}

/// Whether `s` holds a control character: C0 and DEL are single bytes, C1
/// (U+0080 to U+009F) starts with 0xC2 in UTF-8, so a byte scan rules out
/// the usual case before any character is decoded (this runs on every
/// outcome).
fn has_control(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES << 7;
    // A byte below n (n at most 0x80) sets its high bit here; as a whole,
    // exactly when some byte is below n.
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    let mut hit = 0u64;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let w = u64::from_le_bytes(word);
        hit |= below(w, 0x20) | below(w ^ (ONES * 0x7f), 1) | below(w ^ (ONES * 0xc2), 1);
    }
    let tail = chunks.remainder().iter().any(|&b| b < 0x20 || b == 0x7f || b == 0xc2);
    (hit != 0 || tail) && s.chars().any(char::is_control)
}

/// Replaces each control character (CR, LF, NUL among them) with `?`, in
/// place: nothing spfkit returns may end a line of a header, an SMTP reply
/// or a log, whatever a sender, a record or a host put into it.
pub(crate) fn scrub_controls(s: &mut String) {
    if has_control(s) {
        *s = s.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    }
}

/// As [`scrub_controls`], but each control character becomes as many `?`
/// as its UTF-8 bytes, so byte spans into the text stay true (a report's
/// warnings point into its records by bytes).
pub(crate) fn scrub_controls_in_place(s: &mut String) {
    if has_control(s) {
        *s = s.chars().map(|c| if c.is_control() { "?".repeat(c.len_utf8()) } else { c.to_string() }).collect();
    }
}

/// Explanation text as §6.2 allows it: US-ASCII, printable, one line.
/// Anything else (a control, a non-ASCII character from `%{s}`) becomes `?`.
pub(crate) fn ascii_text(s: &mut String) {
    if !s.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        *s = s.chars().map(|c| if c == ' ' || c.is_ascii_graphic() { c } else { '?' }).collect();
    }
}

impl Outcome {
    /// Scrubs every text of the outcome: see [`scrub_controls`].
    pub(crate) fn scrub(&mut self) {
        scrub_controls(&mut self.domain);
        scrub_controls(&mut self.sender);
        if let Some(e) = &mut self.explanation {
            ascii_text(e);
        }
        for t in [&mut self.mechanism, &mut self.reason].into_iter().flatten() {
            scrub_controls(t);
        }
        for event in &mut self.trace {
            match event {
                TraceEvent::Record { domain, record, .. } => {
                    scrub_controls(domain);
                    scrub_controls(record);
                }
                TraceEvent::Term { domain, term, note, .. } => {
                    scrub_controls(domain);
                    scrub_controls(term);
                    if let Some(n) = note {
                        scrub_controls(n);
                    }
                }
                TraceEvent::Error { domain, term, message, .. } => {
                    scrub_controls(domain);
                    if let Some(t) = term {
                        scrub_controls(t);
                    }
                    scrub_controls(message);
                }
            }
        }
    }
}
