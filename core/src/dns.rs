//! What the evaluation asks of DNS, and what the host answers.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The record types SPF queries (§4.4, §5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum QueryType {
    /// IPv4 addresses.
    A,
    /// IPv6 addresses.
    Aaaa,
    /// Mail exchangers.
    Mx,
    /// Text records: SPF records and explanations.
    Txt,
    /// Reverse names.
    Ptr,
}

impl QueryType {
    /// The RR type's mnemonic.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Mx => "MX",
            QueryType::Txt => "TXT",
            QueryType::Ptr => "PTR",
        }
    }

    /// The RR type's number (RFC 1035, RFC 3596).
    pub fn code(self) -> u16 {
        match self {
            QueryType::A => 1,
            QueryType::Aaaa => 28,
            QueryType::Mx => 15,
            QueryType::Txt => 16,
            QueryType::Ptr => 12,
        }
    }

    /// Reads a mnemonic, any case.
    pub fn from_name(name: &str) -> Option<QueryType> {
        Some(match name.to_ascii_uppercase().as_str() {
            "A" => QueryType::A,
            "AAAA" => QueryType::Aaaa,
            "MX" => QueryType::Mx,
            "TXT" => QueryType::Txt,
            "PTR" => QueryType::Ptr,
            _ => return None,
        })
    }
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies a query within one evaluation; answers are matched by it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct QueryId(pub u32);

impl fmt::Display for QueryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A DNS question the evaluation needs answered.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Query {
    /// Pass this back with the answer.
    pub id: QueryId,
    /// The name to look up, ASCII (A-labels), without a trailing dot.
    pub name: String,
    /// The record type.
    pub qtype: QueryType,
}

/// One resource record of an answer.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RData {
    /// A TXT record: its character-strings joined with nothing between
    /// them (§4.5). Bytes, because DNS does not promise text.
    Txt(Vec<u8>),
    /// An A record.
    A(Ipv4Addr),
    /// An AAAA record.
    Aaaa(Ipv6Addr),
    /// An MX record; only the exchange matters to SPF.
    Mx {
        /// Preference; lower is preferred.
        preference: u16,
        /// The exchange's name.
        exchange: String,
    },
    /// A PTR record's target name.
    Ptr(String),
}

impl RData {
    /// Bytes of TXT data a binding accepts in one answer (and so in one
    /// record): what one DNS message can carry, so a hostile resolver
    /// cannot make an evaluation hold more. [`AnswerBuilder`] applies it.
    pub const MAX_TXT: usize = 65_535;

    /// The A or AAAA record of `ip` answering a `qtype` query; `None` when
    /// the address family does not match the type.
    ///
    /// ```
    /// use spfkit::{QueryType, RData};
    /// let ip = "192.0.2.1".parse().unwrap();
    /// assert_eq!(RData::address(QueryType::A, ip), Some(RData::A("192.0.2.1".parse().unwrap())));
    /// assert_eq!(RData::address(QueryType::Aaaa, ip), None);
    /// ```
    pub fn address(qtype: QueryType, ip: IpAddr) -> Option<RData> {
        match (qtype, ip) {
            (QueryType::A, IpAddr::V4(a)) => Some(RData::A(a)),
            (QueryType::Aaaa, IpAddr::V6(a)) => Some(RData::Aaaa(a)),
            _ => None,
        }
    }

    /// A TXT record from its character-strings, joined as §4.5 says.
    ///
    /// ```
    /// use spfkit::RData;
    /// let r = RData::txt_from_strings(["v=spf1 ip4:", "192.0.2.5 -all"]);
    /// assert_eq!(r, RData::Txt(b"v=spf1 ip4:192.0.2.5 -all".to_vec()));
    /// ```
    pub fn txt_from_strings<I, S>(strings: I) -> RData
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut joined = Vec::new();
        for s in strings {
            joined.extend_from_slice(s.as_ref());
        }
        RData::Txt(joined)
    }

    /// The record's type.
    pub fn qtype(&self) -> QueryType {
        match self {
            RData::Txt(_) => QueryType::Txt,
            RData::A(_) => QueryType::A,
            RData::Aaaa(_) => QueryType::Aaaa,
            RData::Mx { .. } => QueryType::Mx,
            RData::Ptr(_) => QueryType::Ptr,
        }
    }

    /// The address of an A or AAAA record.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            RData::A(a) => Some(IpAddr::V4(*a)),
            RData::Aaaa(a) => Some(IpAddr::V6(*a)),
            _ => None,
        }
    }
}

/// The host's answer to a [`Query`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Answer {
    /// RCODE 0 with records. Records of another type than asked are ignored;
    /// an empty list is the same as [`Answer::NoData`].
    Records(Vec<RData>),
    /// RCODE 3, Name Error.
    NxDomain,
    /// RCODE 0 with no records of the type asked.
    NoData,
    /// Timeout, SERVFAIL, REFUSED, a truncated or malformed message: anything
    /// that leaves the answer unknown (§2.6.6 temperror).
    TempError,
}

impl Answer {
    /// Records in one answer a binding accepts from its host: the most one
    /// DNS message can carry (65,535 bytes less a 12-byte header and a
    /// 5-byte question, at least 11 bytes a record), so every real answer
    /// fits and a hostile resolver cannot make an evaluation hold
    /// gigabytes. A longer list is no DNS answer: the bindings take it as
    /// a temporary error (§4.4), as a truncated message is.
    pub const MAX_RECORDS: usize = (65_535 - 12 - 5) / 11;

    /// True for a void lookup (§4.6.4): Name Error, or no records of the type.
    pub(crate) fn is_void(&self, qtype: QueryType) -> bool {
        match self {
            Answer::NxDomain | Answer::NoData => true,
            Answer::Records(r) => !r.iter().any(|r| r.qtype() == qtype),
            Answer::TempError => false,
        }
    }
}

/// The reverse-lookup name of an address: `4.3.2.1.in-addr.arpa` or the
/// 32 nibbles under `ip6.arpa` (§5.5).
pub fn reverse_name(ip: IpAddr) -> String {
    use core::fmt::Write as _;
    let mut s = String::with_capacity(72);
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            let _ = write!(s, "{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
        }
        IpAddr::V6(v6) => {
            for b in v6.octets().iter().rev() {
                let _ = write!(s, "{:x}.{:x}.", b & 0xf, b >> 4);
            }
            s.push_str("ip6.arpa");
        }
    }
    s
}

/// Builds an [`Answer`] from a host's records within what one DNS message
/// carries: more than [`Answer::MAX_RECORDS`] records, more than
/// [`RData::MAX_TXT`] bytes of TXT data in all, or more TXT
/// character-strings than that (each costs a byte on the wire), is no DNS
/// answer and
/// becomes [`Answer::TempError`] (§4.4), whatever else the host gives. A
/// binding feeds it as it reads its host's values, and can stop reading
/// once [`is_over`](AnswerBuilder::is_over).
///
/// ```
/// use spfkit::{Answer, AnswerBuilder, RData};
/// let mut b = AnswerBuilder::new(2);
/// b.txt_part(b"v=spf1 ");
/// b.txt_part(b"-all");
/// b.end_txt();
/// b.push(RData::A("192.0.2.1".parse().unwrap()));
/// assert_eq!(
///     b.finish(),
///     Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec()), RData::A("192.0.2.1".parse().unwrap())])
/// );
/// assert_eq!(AnswerBuilder::new(Answer::MAX_RECORDS + 1).finish(), Answer::TempError);
/// ```
#[derive(Debug, Default)]
pub struct AnswerBuilder {
    records: Vec<RData>,
    txt_bytes: usize,
    /// Character-strings given: each costs a length byte on the wire, so
    /// one message holds at most [`RData::MAX_TXT`] of them.
    txt_strings: usize,
    open_txt: Option<Vec<u8>>,
    over: bool,
}

impl AnswerBuilder {
    /// A builder for an answer of `count` records, as the host says; over
    /// [`Answer::MAX_RECORDS`] it is over from the start.
    pub fn new(count: usize) -> AnswerBuilder {
        AnswerBuilder {
            records: Vec::with_capacity(count.min(64)),
            over: count > Answer::MAX_RECORDS,
            ..AnswerBuilder::default()
        }
    }

    /// True once the answer can only be a temporary error: read no more.
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// Counts one character-string of `n` bytes; false once over.
    fn take_bytes(&mut self, n: usize) -> bool {
        if self.over || self.txt_bytes + n > RData::MAX_TXT || self.txt_strings >= RData::MAX_TXT {
            self.over = true;
            self.open_txt = None;
            return false;
        }
        self.txt_bytes += n;
        self.txt_strings += 1;
        true
    }

    /// Appends a character-string to the TXT record being read (§4.5: the
    /// strings of one record are joined with nothing between).
    pub fn txt_part(&mut self, part: &[u8]) {
        if self.take_bytes(part.len()) {
            self.open_txt.get_or_insert_with(Vec::new).extend_from_slice(part);
        }
    }

    /// Ends the TXT record being read (an empty one if no part was given).
    pub fn end_txt(&mut self) {
        if !self.over {
            let text = self.open_txt.take().unwrap_or_default();
            self.push_record(RData::Txt(text));
        }
    }

    /// Adds a record (TXT data counts toward the bound).
    pub fn push(&mut self, record: RData) {
        if let RData::Txt(t) = &record {
            if !self.take_bytes(t.len()) {
                return;
            }
        }
        self.push_record(record);
    }

    fn push_record(&mut self, record: RData) {
        if self.records.len() >= Answer::MAX_RECORDS {
            self.over = true;
            return;
        }
        self.records.push(record);
    }

    /// The answer: the records, or [`Answer::TempError`] when over. A TXT
    /// record still open is ended first.
    pub fn finish(mut self) -> Answer {
        if self.open_txt.is_some() {
            self.end_txt();
        }
        if self.over { Answer::TempError } else { Answer::Records(self.records) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_strings_are_counted_across_the_answer() {
        // 2 records of 40,000 empty strings: 80,000 length bytes, more than
        // any message holds, though no data at all.
        let mut b = AnswerBuilder::new(2);
        for _ in 0..2 {
            for _ in 0..40_000 {
                b.txt_part(b"");
            }
            b.end_txt();
        }
        assert!(b.is_over());
        assert_eq!(b.finish(), Answer::TempError);
        // At the bound, an answer.
        let mut b = AnswerBuilder::new(1);
        for _ in 0..RData::MAX_TXT {
            b.txt_part(b"");
        }
        assert_eq!(b.finish(), Answer::Records(vec![RData::Txt(Vec::new())]));
        // A record pushed whole counts one string.
        let mut b = AnswerBuilder::new(1);
        b.push(RData::Txt(vec![b'x'; RData::MAX_TXT]));
        assert!(!b.is_over());
    }
}
