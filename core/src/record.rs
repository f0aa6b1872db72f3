//! SPF records: the grammar of RFC 7208 §4.6 and §12, parsed with byte spans.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::macros::MacroSummary;

/// A byte range in a record's text, `start..end`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The bytes of `text` this span covers, when it lies on character
    /// boundaries.
    pub fn of<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.start..self.end)
    }
}

/// A directive's qualifier (§4.6.2), and the result it produces on a match.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Qualifier {
    /// `+`, the default.
    Pass,
    /// `-`
    Fail,
    /// `~`
    SoftFail,
    /// `?`
    Neutral,
}

impl Qualifier {
    /// The qualifier's character.
    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// A `domain-spec` (§7.1): a macro string ending in a domain. Checked when
/// the record is parsed; expanded when the evaluation reaches it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DomainSpec {
    text: Box<str>,
    has_macros: bool,
    uses_p: bool,
    uses_local_part: bool,
}

impl DomainSpec {
    /// Parses a stand-alone domain-spec, e.g. an `include:` target.
    ///
    /// ```
    /// let spec = spfkit::DomainSpec::parse("%{ir}.%{v}._spf.%{d2}").unwrap();
    /// assert!(spec.has_macros());
    /// assert!(spfkit::DomainSpec::parse("example").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<DomainSpec, ParseError> {
        domain_spec(text, 0).map_err(|(kind, span)| ParseError { kind, span, term: text.to_owned() })
    }

    /// The text as written in the record.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when expansion can change the text (it holds a `%{…}`).
    pub fn has_macros(&self) -> bool {
        self.has_macros
    }

    pub(crate) fn uses_p(&self) -> bool {
        self.uses_p
    }

    pub(crate) fn uses_local_part(&self) -> bool {
        self.uses_local_part
    }
}

impl fmt::Display for DomainSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Dual CIDR prefix lengths of `a` and `mx` (§5.6). `None` is the default:
/// /32 for IPv4, /128 for IPv6.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DualCidr {
    /// `ip4-cidr-length`
    pub v4: Option<u8>,
    /// `ip6-cidr-length`
    pub v6: Option<u8>,
}

impl DualCidr {
    /// The prefix length that applies to IPv4 addresses.
    pub fn v4_len(&self) -> u8 {
        self.v4.unwrap_or(32)
    }
    /// The prefix length that applies to IPv6 addresses.
    pub fn v6_len(&self) -> u8 {
        self.v6.unwrap_or(128)
    }
}

impl fmt::Display for DualCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v4) = self.v4 {
            write!(f, "/{v4}")?;
        }
        if let Some(v6) = self.v6 {
            write!(f, "//{v6}")?;
        }
        Ok(())
    }
}

/// A mechanism (§5).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Mechanism {
    /// `all` (§5.1)
    All,
    /// `include:<domain-spec>` (§5.2)
    Include(DomainSpec),
    /// `a[:<domain-spec>][<dual-cidr>]` (§5.3)
    A {
        /// The target; `None` means `<domain>`.
        domain: Option<DomainSpec>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `mx[:<domain-spec>][<dual-cidr>]` (§5.4)
    Mx {
        /// The target; `None` means `<domain>`.
        domain: Option<DomainSpec>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `ptr[:<domain-spec>]` (§5.5), discouraged.
    Ptr(Option<DomainSpec>),
    /// `ip4:<network>[/<len>]` (§5.6)
    Ip4 {
        /// The address as written.
        addr: Ipv4Addr,
        /// `None` when no length was written (/32).
        prefix: Option<u8>,
    },
    /// `ip6:<network>[/<len>]` (§5.6)
    Ip6 {
        /// The address as written.
        addr: Ipv6Addr,
        /// `None` when no length was written (/128).
        prefix: Option<u8>,
    },
    /// `exists:<domain-spec>` (§5.7)
    Exists(DomainSpec),
}

impl Mechanism {
    /// The mechanism's name as the RFC spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include(_) => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr(_) => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it queries DNS, and so counts toward the limit of
    /// 10 (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mechanism::All => f.write_str("all"),
            Mechanism::Include(d) => write!(f, "include:{d}"),
            Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => {
                f.write_str(self.name())?;
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                write!(f, "{cidr}")
            }
            Mechanism::Ptr(d) => match d {
                Some(d) => write!(f, "ptr:{d}"),
                None => f.write_str("ptr"),
            },
            Mechanism::Ip4 { addr, prefix } => {
                write!(f, "ip4:{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Mechanism::Ip6 { addr, prefix } => {
                write!(f, "ip6:{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Mechanism::Exists(d) => write!(f, "exists:{d}"),
        }
    }
}

/// A directive: an optional qualifier and a mechanism (§4.6.1).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Directive {
    /// The qualifier as written; `None` means the implicit `+`.
    pub qualifier: Option<Qualifier>,
    /// The mechanism.
    pub mechanism: Mechanism,
}

impl Directive {
    /// The qualifier that applies, explicit or not.
    pub fn effective_qualifier(&self) -> Qualifier {
        self.qualifier.unwrap_or(Qualifier::Pass)
    }
}

impl Directive {
    /// The directive as [`Display`](fmt::Display) writes it, without the
    /// formatting machinery: an evaluation makes one for every outcome.
    ///
    /// ```
    /// let r = spfkit::Record::parse("v=spf1 -IP4:192.0.2.0/24 a:%{d}.example//64").unwrap();
    /// let texts: Vec<String> = r.directives().map(|(d, _)| d.text()).collect();
    /// assert_eq!(texts, ["-ip4:192.0.2.0/24", "a:%{d}.example//64"]);
    /// ```
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(24);
        if let Some(q) = self.qualifier {
            out.push(q.as_char());
        }
        out.push_str(self.mechanism.name());
        let push_u8 = |out: &mut String, n: u8| {
            if n >= 100 {
                out.push(char::from(b'0' + n / 100));
            }
            if n >= 10 {
                out.push(char::from(b'0' + n / 10 % 10));
            }
            out.push(char::from(b'0' + n % 10));
        };
        match &self.mechanism {
            Mechanism::All => {}
            Mechanism::Include(d) | Mechanism::Exists(d) | Mechanism::Ptr(Some(d)) => {
                out.push(':');
                out.push_str(d.as_str());
            }
            Mechanism::Ptr(None) => {}
            Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => {
                if let Some(d) = domain {
                    out.push(':');
                    out.push_str(d.as_str());
                }
                if let Some(v4) = cidr.v4 {
                    out.push('/');
                    push_u8(&mut out, v4);
                }
                if let Some(v6) = cidr.v6 {
                    out.push_str("//");
                    push_u8(&mut out, v6);
                }
            }
            Mechanism::Ip4 { addr, prefix } => {
                out.push(':');
                for (i, o) in addr.octets().into_iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    push_u8(&mut out, o);
                }
                if let Some(p) = prefix {
                    out.push('/');
                    push_u8(&mut out, *p);
                }
            }
            Mechanism::Ip6 { addr, prefix } => {
                use core::fmt::Write;
                let _ = write!(out, ":{addr}");
                if let Some(p) = prefix {
                    out.push('/');
                    push_u8(&mut out, *p);
                }
            }
        }
        out
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}", q.as_char())?;
        }
        write!(f, "{}", self.mechanism)
    }
}

/// A modifier (§6).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Modifier {
    /// `redirect=<domain-spec>` (§6.1)
    Redirect(DomainSpec),
    /// `exp=<domain-spec>` (§6.2)
    Explanation(DomainSpec),
    /// `name=<macro-string>`, ignored by evaluation (§6).
    Unknown {
        /// The modifier's name as written.
        name: Box<str>,
        /// Its value, a syntactically valid macro string.
        value: Box<str>,
    },
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Modifier::Redirect(d) => write!(f, "redirect={d}"),
            Modifier::Explanation(d) => write!(f, "exp={d}"),
            Modifier::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

/// One term of a record with where it stands in the record's text.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Term {
    /// A directive.
    Directive(Directive, Span),
    /// A modifier.
    Modifier(Modifier, Span),
}

impl Term {
    /// The term's bytes in the record.
    pub fn span(&self) -> Span {
        match self {
            Term::Directive(_, s) | Term::Modifier(_, s) => *s,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Directive(d, _) => d.fmt(f),
            Term::Modifier(m, _) => m.fmt(f),
        }
    }
}

/// A parsed SPF record (§4.6, §12).
///
/// ```
/// use spfkit::Record;
/// let r = Record::parse("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all").unwrap();
/// assert_eq!(r.terms().len(), 3);
/// assert_eq!(r.to_string(), "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all");
///
/// let err = Record::parse("v=spf1 ip4:192.0.2.300 -all").unwrap_err();
/// assert_eq!(err.term, "ip4:192.0.2.300");
/// assert_eq!((err.span.start, err.span.end), (7, 22));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Record {
    terms: Vec<Term>,
    redirect: Option<usize>,
    explanation: Option<usize>,
}

/// What is wrong with a record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text does not begin with `v=spf1` followed by a space or its end.
    NotSpf,
    /// A byte that is not printable ASCII (§4.5: records are ASCII).
    InvalidCharacter,
    /// A term that is neither a known mechanism nor a `name=value` modifier.
    UnknownMechanism,
    /// A qualifier before a modifier.
    QualifiedModifier,
    /// A mechanism that requires `:<domain-spec>` lacks it.
    MissingArgument,
    /// Text after a mechanism that takes none (`all:x`, `ptr/24`).
    UnexpectedArgument,
    /// A domain-spec that does not end in a valid domain (§7.1 domain-end).
    InvalidDomainSpec,
    /// A malformed macro.
    InvalidMacro,
    /// A malformed IPv4 network.
    InvalidIp4,
    /// A malformed IPv6 network.
    InvalidIp6,
    /// A prefix length that is malformed or too long.
    InvalidCidr,
    /// `redirect=` or `exp=` appears twice (§6).
    DuplicateModifier,
}

impl ParseErrorKind {
    /// A stable short code for tools and bindings.
    pub fn code(self) -> &'static str {
        match self {
            ParseErrorKind::NotSpf => "not-spf",
            ParseErrorKind::InvalidCharacter => "invalid-character",
            ParseErrorKind::UnknownMechanism => "unknown-mechanism",
            ParseErrorKind::QualifiedModifier => "qualified-modifier",
            ParseErrorKind::MissingArgument => "missing-argument",
            ParseErrorKind::UnexpectedArgument => "unexpected-argument",
            ParseErrorKind::InvalidDomainSpec => "invalid-domain-spec",
            ParseErrorKind::InvalidMacro => "invalid-macro",
            ParseErrorKind::InvalidIp4 => "invalid-ip4",
            ParseErrorKind::InvalidIp6 => "invalid-ip6",
            ParseErrorKind::InvalidCidr => "invalid-cidr",
            ParseErrorKind::DuplicateModifier => "duplicate-modifier",
        }
    }

    fn message(self) -> &'static str {
        match self {
            ParseErrorKind::NotSpf => "not an SPF record: it must begin with \"v=spf1\"",
            ParseErrorKind::InvalidCharacter => "character outside printable ASCII",
            ParseErrorKind::UnknownMechanism => "unknown mechanism",
            ParseErrorKind::QualifiedModifier => "a modifier cannot take a qualifier",
            ParseErrorKind::MissingArgument => "mechanism requires \":<domain-spec>\"",
            ParseErrorKind::UnexpectedArgument => "unexpected text after the mechanism",
            ParseErrorKind::InvalidDomainSpec => "domain-spec does not end in a valid domain",
            ParseErrorKind::InvalidMacro => "invalid macro",
            ParseErrorKind::InvalidIp4 => "invalid IPv4 network",
            ParseErrorKind::InvalidIp6 => "invalid IPv6 network",
            ParseErrorKind::InvalidCidr => "invalid CIDR prefix length",
            ParseErrorKind::DuplicateModifier => "modifier appears more than once",
        }
    }
}

/// A syntax error: what, in which term, and where (byte offsets into the
/// record text).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The offending term's bytes in the record, or the narrower part of it
    /// that is wrong when that is known (a bad macro, a bad prefix length).
    pub span: Span,
    /// The offending term as written (lossily decoded if it is not UTF-8).
    pub term: String,
}

impl ParseError {
    /// The stable short code of the error (`"invalid-ip4"`), the `code`
    /// every host's syntax error carries: [`ParseErrorKind::code`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The term as the message shows it: at most 120 bytes, ending in
    /// `[truncated]` when cut (the `term` field keeps it whole: a 60 KB
    /// term helps no reader of a log line or a header's `problem=`).
    pub fn shown_term(&self) -> std::borrow::Cow<'_, str> {
        crate::outcome::clip(&self.term, 120)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in term {:?} (bytes {}..{})",
            self.kind.message(),
            self.shown_term(),
            self.span.start,
            self.span.end
        )
    }
}

impl std::error::Error for ParseError {}

/// True when a TXT record's text is an SPF record by §4.5: `v=spf1`
/// (any case) followed by a space or nothing.
pub fn is_spf_record(text: &[u8]) -> bool {
    text.len() >= 6 && text[..6].eq_ignore_ascii_case(b"v=spf1") && (text.len() == 6 || text[6] == b' ')
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for t in &self.terms {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

impl core::str::FromStr for Record {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Record, ParseError> {
        Record::parse(s)
    }
}

mod parse;

use parse::domain_spec;
