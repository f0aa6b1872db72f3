//! The `spfkit` command's pieces, as a library so they can be tested:
//! argument parsing, zone loading ([`zonefile`]) and output rendering.
//!
//! ```
//! use spfkit_cli::{parse_args, Command};
//! let cmd = parse_args(["check", "--ip", "192.0.2.25", "--sender", "a@example.com",
//!                       "--helo", "mail.example.com", "--zone", "z.zone"].map(String::from)).unwrap();
//! assert!(matches!(cmd, Command::Check(_)));
//! ```

#[cfg(unix)]
pub mod daemon;
#[cfg(unix)]
pub mod policyd;
pub mod resolver;
pub mod srs;
#[cfg(unix)]
pub mod srsd;
pub mod zonefile;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

use resolver::StubResolver;
use spfkit::{
    Analysis, AnalysisOptions, CheckOutcome, Evaluation, Options, Outcome, Report, Request, Resolver, Scope, Step,
    TraceEvent,
};

/// Exit status for a completed check, whatever its SPF result.
pub const EXIT_OK: i32 = 0;
/// Exit status for bad arguments.
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a zone file that cannot be read or parsed.
pub const EXIT_ZONE: i32 = 3;
/// Exit status when real DNS was asked and no name server answered.
pub const EXIT_DNS: i32 = 4;

/// The usage lines, once for both texts below (`concat!` takes literals).
macro_rules! usage_lines {
    () => {
        "\
usage: spfkit check --ip IP --sender ADDR --helo NAME [DNS]
                    [--receiver NAME] [--identity both|mailfrom|helo]
                    [--authserv-id ID] [--trace] [--json]
       spfkit lint DOMAIN [DNS] [--record TEXT] [--json]
       spfkit policyd [POLICYD OPTIONS] (spfkit policyd --help)
       spfkit srs forward|reverse|keygen [SRS ARGUMENTS] (spfkit srs --help)
       spfkit srsd [SRSD OPTIONS] (spfkit srsd --help)
       spfkit --help | --version
DNS:   --zone FILE | [--nameserver ADDR[:PORT]] [--timeout SECONDS]
"
    };
}

/// The usage lines, printed after an argument error.
pub const SHORT_USAGE: &str = usage_lines!();

/// The usage text of `--help`.
pub const USAGE: &str = concat!(
    usage_lines!(),
    "
Checks an SMTP connection against SPF (RFC 7208). DNS answers come from
FILE with --zone (an RFC 1035 master file, or a JSON/YAML map in the RFC
7208 test suite's zonedata form, by extension .json/.yaml/.yml); otherwise
from real DNS: the name servers of /etc/resolv.conf, or --nameserver, with
an overall --timeout (default 20 seconds, RFC 7208 section 4.6.4).

  --ip IP            the SMTP client's address
  --sender ADDR      the MAIL FROM address; \"\" or \"<>\" for the null
                     reverse-path (checked as postmaster@HELO)
  --helo NAME        the HELO/EHLO name
  --receiver NAME    this host's name (the r macro, receiver=); default
                     \"unknown\"
  --identity WHICH   both (default): HELO, then MAIL FROM unless HELO
                     passed or failed; mailfrom or helo: that one alone
  --authserv-id ID   for Authentication-Results; default the receiver
  --trace            list every term evaluated
  --json             one JSON object on stdout

lint walks DOMAIN's SPF tree (or TEXT, a record not yet published, with
the rest of the tree from FILE) and prints each record with its DNS cost,
the worst-case DNS-term and void-lookup counts, the networks authorised
and warnings with stable codes.

Exit status: 0 when the check ran (whatever its result) or the tree has
no warnings, 1 when lint found warnings, 2 for bad arguments, 3 for a zone
file that cannot be read, 4 when no name server answered at all.

policyd is a Postfix policy server deciding each recipient by spfkit's
receiver policy; `spfkit policyd --help` lists its options.

srs rewrites a sender for forwarding (SRS0/SRS1, as postsrsd writes them),
undoes it for a bounce, or makes a secret; `spfkit srs --help` lists its
options and exit statuses.

srsd is a Postfix map server (socketmap and tcp_table) doing the same for
sender_canonical_maps and recipient_canonical_maps, in place of postsrsd;
`spfkit srsd --help` lists its options.
",
);

/// The arguments of `spfkit check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckArgs {
    /// The client address.
    pub ip: IpAddr,
    /// MAIL FROM, empty for the null reverse-path.
    pub sender: String,
    /// HELO/EHLO name.
    pub helo: String,
    /// The zone file; `None` for real DNS.
    pub zone: Option<PathBuf>,
    /// The name server for real DNS; the system's when `None`.
    pub nameserver: Option<SocketAddr>,
    /// The overall DNS timeout for real DNS.
    pub timeout: Duration,
    /// This host's name.
    pub receiver: Option<String>,
    /// Which identities to check.
    pub identity: Scope,
    /// authserv-id for Authentication-Results.
    pub authserv_id: Option<String>,
    /// List the terms evaluated.
    pub trace: bool,
    /// JSON output.
    pub json: bool,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `spfkit check …`
    Check(CheckArgs),
    /// `spfkit lint …`
    Lint(LintArgs),
    /// `spfkit policyd …`
    #[cfg(unix)]
    Policyd(policyd::PolicydArgs),
    /// `spfkit srs …`
    Srs(srs::SrsArgs),
    /// `spfkit srsd …`
    #[cfg(unix)]
    Srsd(srsd::settings::SrsdArgs),
    /// `--help`/`-h`/`help`
    Help,
    /// `--version`/`-V`
    Version,
}

/// The arguments of the command line as text: `Err` names one that is not
/// UTF-8 (shown with U+FFFD for what is not), a usage error.
pub fn utf8_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Vec<String>, String> {
    args.into_iter()
        .map(|a| a.into_string().map_err(|a| format!("argument {:?} is not valid UTF-8", a.to_string_lossy())))
        .collect()
}

/// Parses the arguments after the program name. The error is a message
/// for the user.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("check") => {}
        Some("lint") => return parse_lint(args),
        #[cfg(unix)]
        Some("policyd") => return policyd::parse_args(args).map(Command::Policyd),
        Some("srs") => return srs::parse_args(args).map(Command::Srs),
        #[cfg(unix)]
        Some("srsd") => return srsd::parse_args(args).map(Command::Srsd),
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some(other) => {
            return Err(format!(
                "unknown command {other:?}; the commands are `check`, `lint`, `policyd`, `srs` and `srsd`"
            ));
        }
        None => return Err("missing command; the commands are `check`, `lint`, `policyd`, `srs` and `srsd`".into()),
    }
    let (mut ip, mut sender, mut helo) = (None, None, None);
    let mut out = CheckArgs {
        ip: IpAddr::from([0, 0, 0, 0]),
        sender: String::new(),
        helo: String::new(),
        zone: None,
        nameserver: None,
        timeout: DEFAULT_TIMEOUT,
        receiver: None,
        identity: Scope::Both,
        authserv_id: None,
        trace: false,
        json: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--ip" => {
                let v = value()?;
                ip = Some(v.trim().parse::<IpAddr>().map_err(|_| format!("--ip: {v:?} is not an IP address"))?);
            }
            "--sender" => sender = Some(value()?),
            "--helo" => helo = Some(value()?),
            "--zone" => out.zone = Some(PathBuf::from(value()?)),
            "--nameserver" => out.nameserver = Some(resolver::parse_nameserver(&value()?).map_err(|e| e.0)?),
            "--timeout" => out.timeout = parse_timeout(&value()?)?,
            "--receiver" => out.receiver = Some(value()?),
            "--authserv-id" => out.authserv_id = Some(value()?),
            // Core's words and core's message for a wrong one.
            "--identity" => out.identity = value()?.parse::<Scope>().map_err(|e| format!("--identity: {e}"))?,
            "--trace" if inline.is_none() => out.trace = true,
            "--json" if inline.is_none() => out.json = true,
            "-h" | "--help" => return Ok(Command::Help),
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    out.ip = ip.ok_or("--ip is required")?;
    let sender = sender.ok_or("--sender is required (\"\" for the null reverse-path)")?;
    // `<addr>` as SMTP writes it is accepted: Request::new drops the brackets.
    out.sender = sender;
    out.helo = helo.ok_or("--helo is required")?;
    // The bounds every binding applies (spfkit::Request::MAX_LENGTH).
    out.request().check_bounds().map_err(|e| format!("--{e}"))?;
    if let Some(r) = &out.receiver {
        if r.len() > Request::MAX_LENGTH {
            return Err(format!("--receiver is longer than {} bytes", Request::MAX_LENGTH));
        }
    }
    if out.zone.is_some() && out.nameserver.is_some() {
        return Err("--zone and --nameserver exclude each other".into());
    }
    Ok(Command::Check(out))
}

/// The arguments of `spfkit lint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintArgs {
    /// The domain whose tree to analyse.
    pub domain: String,
    /// A draft record for the domain, not yet published.
    pub record: Option<String>,
    /// The zone file; `None` for real DNS.
    pub zone: Option<PathBuf>,
    /// The name server for real DNS; the system's when `None`.
    pub nameserver: Option<SocketAddr>,
    /// The overall DNS timeout for real DNS.
    pub timeout: Duration,
    /// JSON output.
    pub json: bool,
}

/// RFC 7208 §4.6.4's advice for a whole evaluation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

fn parse_timeout(v: &str) -> Result<Duration, String> {
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("--timeout: {v:?} is not a number of seconds between 0 and 3600"))
}

/// `--flag=value` as (`--flag`, `Some(value)`); anything else whole, so
/// both `--ip X` and `--ip=X` work.
fn split_flag(arg: &str) -> (String, Option<String>) {
    match arg.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
        _ => (arg.to_owned(), None),
    }
}

fn parse_lint(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut domain, mut record, mut zone, mut json) = (None, None, None, false);
    let (mut nameserver, mut timeout) = (None, DEFAULT_TIMEOUT);
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--record" => record = Some(value()?),
            "--zone" => zone = Some(PathBuf::from(value()?)),
            "--nameserver" => nameserver = Some(resolver::parse_nameserver(&value()?).map_err(|e| e.0)?),
            "--timeout" => timeout = parse_timeout(&value()?)?,
            "--json" if inline.is_none() => json = true,
            "-h" | "--help" => return Ok(Command::Help),
            f if f.starts_with('-') => return Err(format!("unknown option {arg:?}")),
            _ if domain.is_none() => domain = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}: lint takes one domain")),
        }
    }
    if zone.is_some() && nameserver.is_some() {
        return Err("--zone and --nameserver exclude each other".into());
    }
    let domain = domain.ok_or("lint needs a domain")?;
    // A bad argument is a usage error here, not a report about "no record".
    spfkit::check_domain(&domain).map_err(|why| format!("{domain:?}: {why}"))?;
    Ok(Command::Lint(LintArgs { domain, record, zone, nameserver, timeout, json }))
}

impl LintArgs {
    fn options(&self) -> AnalysisOptions {
        AnalysisOptions { draft: self.record.clone(), ..AnalysisOptions::default() }
    }

    /// Analyses the domain's tree against `resolver`.
    pub fn run(&self, resolver: &impl Resolver) -> Report {
        spfkit::analyze(&self.domain, self.options(), resolver)
    }

    /// Analyses over real DNS, each step's queries sent together.
    pub fn run_dns(&self, dns: &mut StubResolver) -> Report {
        let mut an = Analysis::new(&self.domain, self.options());
        while let Step::Lookup(q) = an.next() {
            let queries = q.to_vec();
            for (q, a) in queries.iter().zip(dns.resolve(&queries)) {
                let _ = an.answer(q.id, a);
            }
        }
        an.into_report().unwrap_or_else(|| {
            spfkit::analyze(&self.domain, self.options(), &|_: &spfkit::Query| spfkit::Answer::TempError)
        })
    }
}

/// The `lint --json` output: every field of the report, warnings with
/// their stable codes and byte spans.
pub fn render_report_json(r: &Report) -> Value {
    let span = |s: Option<spfkit::Span>| s.map(|s| json!([s.start, s.end]));
    json!({
        "domain": r.domain,
        "dns_terms": r.dns_terms,
        "void_lookups": r.void_lookups,
        "limits": {"dns_terms": r.limits.dns_terms, "void_lookups": r.limits.void_lookups},
        "exceeds_dns_terms": r.exceeds_dns_terms(),
        "exceeds_void_lookups": r.exceeds_void_lookups(),
        "nodes": r.nodes.iter().map(|n| json!({
            "domain": n.domain,
            "parent": n.parent,
            "via": n.via.as_str(),
            "term": n.term,
            "depth": n.depth,
            "source": n.source.as_str(),
            "record": n.record,
            "dns_terms": n.dns_terms,
            "void_lookups": n.void_lookups,
        })).collect::<Vec<_>>(),
        "networks": r.networks.iter().map(|n| json!({
            "network": format!("{}/{}", n.addr, n.prefix),
            "node": n.node,
            "term": n.term,
            "qualifier": n.qualifier.as_char().to_string(),
        })).collect::<Vec<_>>(),
        // A number: at most 2^32, exact in every JSON reader.
        "ipv4_addresses": r.ipv4_addresses,
        // A decimal string: up to 2^128, past the 2^53 a JSON number
        // holds exactly in JavaScript and many other readers.
        "ipv6_addresses": r.ipv6_addresses.to_string(),
        "client_dependent": r.client_dependent.iter().map(|c| json!({
            "node": c.node, "term": c.term, "span": span(Some(c.span)),
        })).collect::<Vec<_>>(),
        "warnings": r.warnings.iter().map(|w| json!({
            "code": w.code.code(), "node": w.node, "span": span(w.span), "message": w.message,
        })).collect::<Vec<_>>(),
    })
}

/// Exit status of `lint` when the tree has warnings.
pub const EXIT_WARNINGS: i32 = 1;

impl CheckArgs {
    /// The authserv-id used for Authentication-Results.
    pub fn authserv_id(&self) -> &str {
        self.authserv_id.as_deref().or(self.receiver.as_deref()).unwrap_or("unknown")
    }

    fn options(&self) -> Options {
        Options {
            scope: self.identity,
            receiver: self.receiver.as_deref().unwrap_or("unknown").into(),
            trace: self.trace,
            ..Options::default()
        }
    }

    fn request(&self) -> Request {
        Request::new(self.ip, self.sender.clone(), self.helo.clone())
    }

    /// Runs check() (or one identity) against `resolver`.
    pub fn run(&self, resolver: &impl Resolver) -> CheckOutcome {
        spfkit::check(self.request(), self.options(), resolver)
    }

    /// Runs it over real DNS, each step's queries sent together.
    pub fn run_dns(&self, dns: &mut StubResolver) -> CheckOutcome {
        let mut ev = Evaluation::new(self.request(), self.options());
        while let Step::Lookup(q) = ev.next() {
            let queries = q.to_vec();
            for (q, a) in queries.iter().zip(dns.resolve(&queries)) {
                let _ = ev.answer(q.id, a);
            }
        }
        // The loop ends only when done; the blocking driver finishes any
        // stalled evaluation with temporary errors all the same.
        ev.into_outcome().unwrap_or_else(|| self.run(&|_: &spfkit::Query| spfkit::Answer::TempError))
    }
}

fn identity_json(o: &Outcome) -> Value {
    json!({
        "identity": o.identity.as_str(),
        "result": o.result.as_str(),
        "domain": o.domain,
        "sender": o.sender,
        "mechanism": o.mechanism,
        "explanation": o.explanation,
        "reason": o.reason,
        "counters": {
            "dns_terms": o.counters.dns_terms,
            "void_lookups": o.counters.void_lookups,
            "queries": o.counters.queries,
            "round_trips": o.counters.round_trips,
        },
        "trace": o.trace.iter().map(trace_json).collect::<Vec<_>>(),
    })
}

fn trace_json(e: &TraceEvent) -> Value {
    match e {
        TraceEvent::Record { depth, domain, record } => {
            json!({"event": "record", "depth": depth, "domain": domain, "record": record})
        }
        TraceEvent::Term { depth, domain, term, matched, note } => {
            json!({"event": "term", "depth": depth, "domain": domain, "term": term, "matched": matched, "note": note})
        }
        TraceEvent::Error { depth, domain, term, message } => {
            json!({"event": "error", "depth": depth, "domain": domain, "term": term, "message": message})
        }
    }
}

/// The `--json` output: top-level `result` and `explanation` are the
/// deciding identity's; `identities` holds each one checked.
pub fn render_json(o: &CheckOutcome, authserv_id: &str) -> Value {
    let deciding = o.outcome();
    json!({
        "ip": o.ip.to_string(),
        "sender": o.mail_from,
        "helo": o.helo,
        "receiver": o.receiver,
        "decided_by": o.decided_by.as_str(),
        "result": deciding.result.as_str(),
        "explanation": deciding.explanation,
        "identities": {
            "helo": o.helo_outcome.as_ref().map(identity_json),
            "mailfrom": o.mail_from_outcome.as_ref().map(identity_json),
        },
        "received_spf": o.received_spf(),
        "authentication_results": o.authentication_results(authserv_id),
        "smtp_reply": o.smtp_reply().map(|r| json!({"code": r.code, "enhanced": r.enhanced, "text": r.text})),
    })
}

/// `1 query`, `2 queries`.
fn counted(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The human-readable output.
pub fn render_text(o: &CheckOutcome, authserv_id: &str) -> String {
    let mut s = String::new();
    for i in o.outcomes() {
        let _ = write!(s, "{:<9} {:<9} domain {}", i.identity.as_str(), i.result.as_str(), i.domain);
        if let Some(m) = &i.mechanism {
            let _ = write!(s, ", matched {m}");
        }
        if let Some(r) = &i.reason {
            let _ = write!(s, " ({r})");
        }
        let c = i.counters;
        let _ = writeln!(
            s,
            "; {}, {}, {} in {}",
            counted(c.dns_terms, "DNS term", "DNS terms"),
            counted(c.void_lookups, "void lookup", "void lookups"),
            counted(c.queries, "query", "queries"),
            counted(c.round_trips, "round trip", "round trips")
        );
        for e in &i.trace {
            let _ = match e {
                TraceEvent::Record { depth, domain, record } => {
                    writeln!(s, "  {:indent$}{domain}: {record}", "", indent = 2 * *depth as usize)
                }
                TraceEvent::Term { depth, term, matched, note, .. } => {
                    let mark = if *matched { "match" } else { "-" };
                    let note = note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                    writeln!(s, "  {:indent$}  {term:<40} {mark}{note}", "", indent = 2 * *depth as usize)
                }
                TraceEvent::Error { depth, term, message, .. } => writeln!(
                    s,
                    "  {:indent$}  {} error: {message}",
                    "",
                    term.as_deref().unwrap_or(""),
                    indent = 2 * *depth as usize
                ),
            };
        }
    }
    let d = o.outcome();
    let _ = writeln!(s, "decided by: {}", o.decided_by.as_str());
    let _ = writeln!(s, "result: {}", d.result.as_str());
    if let Some(e) = &d.explanation {
        let _ = writeln!(s, "explanation: {e}");
    }
    // A folded header (a hostile sender's) shows its folds as lines.
    let _ = writeln!(s, "{}", o.received_spf().replace("\r\n", "\n"));
    let _ = writeln!(s, "{}", o.authentication_results(authserv_id).replace("\r\n", "\n"));
    match o.smtp_reply() {
        Some(r) => {
            let _ = writeln!(s, "SMTP reply: {r}");
        }
        None => s.push_str("SMTP reply: none (accept)\n"),
    }
    s
}
