//! RFC 1035 messages for hosts that move raw DNS bytes (DNS-over-HTTPS,
//! `res_query`, c-ares, libunbound). Built on hickory-proto.
//!
//! ```
//! use spfkit::{Answer, Query, QueryId, QueryType, RData, wire};
//!
//! let q = Query { id: QueryId(0), name: "example.com".into(), qtype: QueryType::Txt };
//! let message = wire::query_message(&q, 0x1234).unwrap();
//! assert_eq!(&message[..2], &[0x12, 0x34]);
//! // A message that is not DNS is a temporary error, never a panic.
//! assert_eq!(wire::decode_answer(&q, b"junk"), Answer::TempError);
//! ```

use hickory_proto::op::{Header, Message, MessageType, OpCode, Query as WireQuery, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX};
use hickory_proto::rr::record_data::RData as WireRData;
use hickory_proto::rr::{Name, Record as WireRecord, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};

use crate::dns::{Answer, Query, QueryType, RData};

// Responses are decoded with hickory's readers for the header, the
// question, names and the types SPF asks, not Message::from_vec: that one
// decodes every record type hickory knows (CAA's URL parsing brings
// UTS #46's tables), which more than doubled the WebAssembly module.

/// Why a query message could not be built.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WireError(String);

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// The most CNAME links followed inside one response.
const MAX_CNAME_CHAIN: usize = 16;

fn record_type(q: QueryType) -> RecordType {
    match q {
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
        QueryType::Mx => RecordType::MX,
        QueryType::Txt => RecordType::TXT,
        QueryType::Ptr => RecordType::PTR,
    }
}

fn fqdn(name: &str) -> Result<Name, WireError> {
    // hickory's errors are not shown: formatting them reaches its UTF-8
    // name display, and with it the IDNA tables, for no news worth having.
    let mut n = Name::from_ascii(name).map_err(|_| WireError(format!("invalid name {name:?}")))?;
    n.set_fqdn(true);
    Ok(n)
}

/// The RFC 1035 query message for `query`, recursion desired, with
/// message id `id`.
pub fn query_message(query: &Query, id: u16) -> Result<Vec<u8>, WireError> {
    let mut header = Header::new();
    header
        .set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .set_query_count(1);
    let cannot = |_| WireError(format!("cannot encode the query for {:?}", query.name));
    let mut bytes = Vec::with_capacity(12 + query.name.len() + 6);
    let mut e = BinEncoder::new(&mut bytes);
    header.emit(&mut e).map_err(cannot)?;
    // The question's name by hand rather than through hickory's Name: its
    // parser's error path formats names in Unicode, which links in the IDNA
    // tables (most of the WebAssembly module) for nothing.
    let labels = labels(&query.name).ok_or_else(|| WireError(format!("invalid name {:?}", query.name)))?;
    for label in labels {
        e.emit_character_data(label).map_err(cannot)?;
    }
    e.emit(0).map_err(cannot)?;
    e.emit_u16(u16::from(record_type(query.qtype))).map_err(cannot)?;
    e.emit_u16(1).map_err(cannot)?; // class IN
    Ok(bytes)
}

/// A query name's labels (none for the root), if it is one a DNS message
/// can carry: ASCII, labels of 1 to 63 bytes, at most 253 bytes without
/// the root dot.
fn labels(name: &str) -> Option<impl Iterator<Item = &[u8]> + Clone> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels = name.split('.').filter(|_| !name.is_empty()).map(str::as_bytes);
    let ok = name.len() <= crate::domain::MAX_NAME
        && name.is_ascii()
        && labels.clone().all(|l| !l.is_empty() && l.len() <= 63);
    ok.then_some(labels)
}

/// Decodes a response message into the answer to `query`: NXDOMAIN is
/// [`Answer::NxDomain`]; SERVFAIL, REFUSED, any other error code, a
/// truncated, malformed or mismatched message is [`Answer::TempError`];
/// NOERROR without records of the asked type is [`Answer::NoData`].
/// CNAMEs in the answer section are followed from the query name; a chain
/// that loops or passes 16 links is [`Answer::TempError`], and so is a
/// message longer than [`MAX_MESSAGE`]. The
/// authority and additional sections are not read: SPF needs none of them,
/// so an EDNS extended RCODE (in the OPT record) is not seen either; spfkit's
/// own query messages carry no OPT record, and servers send extended codes
/// only to queries that do.
pub fn decode_answer(query: &Query, message: &[u8]) -> Answer {
    if message.len() > MAX_MESSAGE {
        return Answer::TempError;
    }
    decode(query, message).unwrap_or(Answer::TempError)
}

/// The longest DNS message (TCP's two-byte length, RFC 1035 §4.2.2): a
/// longer one is no DNS message, and a host need not copy it to find out.
pub const MAX_MESSAGE: usize = 65_535;

/// An answer-section record of a type SPF reads.
enum Answered {
    Cname(Vec<u8>),
    Data(RData),
}

/// A name for comparing: its labels length-prefixed (so a label holding a
/// dot is not two labels) in ASCII lower case, as on the wire.
fn key(n: &Name) -> Vec<u8> {
    key_of(n.iter())
}

/// Labels of at most 63 bytes (wire names and [`labels`] hold no others).
fn key_of<'a>(labels: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut k = Vec::new();
    for label in labels {
        k.push(label.len() as u8);
        k.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    k
}

fn decode(query: &Query, message: &[u8]) -> Option<Answer> {
    let mut d = BinDecoder::new(message);
    let header = Header::read(&mut d).ok()?;
    if header.message_type() != MessageType::Response || header.truncated() {
        return None;
    }
    // A name no message can carry gets no answer, whatever the message.
    let qname = key_of(labels(&query.name)?);
    let rtype = record_type(query.qtype);
    for i in 0..header.query_count() {
        let q = WireQuery::read(&mut d).ok()?;
        // A response to another question is not an answer to this one.
        if i == 0 && (q.query_type() != rtype || key(q.name()) != qname) {
            return None;
        }
    }
    match header.response_code() {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Some(Answer::NxDomain),
        _ => return None,
    }
    let mut answers = Vec::with_capacity(usize::from(header.answer_count()).min(64));
    for _ in 0..header.answer_count() {
        let owner = Name::read(&mut d).ok()?;
        let t = RecordType::from(d.read_u16().ok()?.unverified());
        let _class = d.read_u16().ok()?;
        let _ttl = d.read_u32().ok()?;
        let length = d.read_u16().ok()?.unverified();
        let start = d.index();
        let end = start + usize::from(length);
        let data = match t {
            RecordType::CNAME => Some(Answered::Cname(key(&Name::read(&mut d).ok()?))),
            _ if t != rtype => None,
            RecordType::A if length == 4 => Some(Answered::Data(RData::A(A::read(&mut d).ok()?.0))),
            RecordType::AAAA if length == 16 => Some(Answered::Data(RData::Aaaa(AAAA::read(&mut d).ok()?.0))),
            // A target that is no host name is skipped, its data still read.
            RecordType::MX => {
                let mx = MX::read(&mut d).ok()?;
                name_text(mx.exchange())
                    .map(|exchange| Answered::Data(RData::Mx { preference: mx.preference(), exchange }))
            }
            RecordType::PTR => name_text(&Name::read(&mut d).ok()?).map(|p| Answered::Data(RData::Ptr(p))),
            RecordType::TXT => {
                // Character-strings to the end of the RDATA (RFC 1035 §3.3.14).
                let mut strings = Vec::with_capacity(1);
                while d.index() < end {
                    let n = d.read_u8().ok()?.unverified();
                    strings.push(d.read_slice(usize::from(n)).ok()?.unverified());
                }
                Some(Answered::Data(RData::txt_from_strings(strings.iter())))
            }
            // An A or AAAA record of the wrong length is malformed.
            _ => return None,
        };
        // Read data must fill its RDLENGTH exactly; other types are skipped.
        if d.index() == start {
            d.read_slice(usize::from(length)).ok()?;
        } else if d.index() != end {
            return None;
        }
        if let Some(data) = data {
            answers.push((key(&owner), data));
        }
    }
    // Follow CNAMEs from the query name; records count only at the end of
    // the chain. A chain that loops or outruns MAX_CNAME_CHAIN is an error
    // (RFC 1034 §3.6.2), which a recursive resolver gives as SERVFAIL:
    // temperror under RFC 7208 §4.4, whatever the message's source.
    let mut owner = qname;
    let mut links = 0;
    while let Some(target) = answers.iter().find_map(|(name, data)| match data {
        Answered::Cname(target) if *name == owner => Some(target),
        _ => None,
    }) {
        links += 1;
        if links > MAX_CNAME_CHAIN {
            return None;
        }
        owner = target.clone();
    }
    let records: Vec<RData> = answers
        .into_iter()
        .filter(|(name, _)| *name == owner)
        .filter_map(|(_, data)| match data {
            Answered::Data(r) => Some(r),
            Answered::Cname(_) => None,
        })
        .collect();
    Some(if records.is_empty() { Answer::NoData } else { Answer::Records(records) })
}

/// A host name from a record's data as text, without the root dot; `None`
/// when a label holds a dot, a backslash, a space or a byte that is not printable ASCII,
/// as no host name does (the caller keeps such a record, nameless). (hickory's `Name::to_ascii` would escape those,
/// and its code path links in the IDNA tables through an `unwrap`.)
fn name_text(n: &Name) -> Option<String> {
    let mut s = String::with_capacity(n.len());
    for (i, label) in n.iter().enumerate() {
        // A backslash too: text names use it for escapes.
        if !label.iter().all(|&b| b.is_ascii_graphic() && b != b'.' && b != b'\\') {
            return None;
        }
        if i > 0 {
            s.push('.');
        }
        s.extend(label.iter().map(|&b| char::from(b)));
    }
    Some(s)
}

/// The response message a server would send for `query` with `answer`;
/// for tests, fuzzing and hosts that serve answers as bytes.
pub fn response_message(query: &Query, id: u16, answer: &Answer) -> Result<Vec<u8>, WireError> {
    use hickory_proto::rr::rdata::{PTR, TXT};
    let qname = fqdn(&query.name)?;
    let mut m = Message::new();
    m.set_id(id)
        .set_message_type(MessageType::Response)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .set_recursion_available(true)
        .add_query(WireQuery::query(qname.clone(), record_type(query.qtype)));
    match answer {
        Answer::NxDomain => {
            m.set_response_code(ResponseCode::NXDomain);
        }
        Answer::TempError => {
            m.set_response_code(ResponseCode::ServFail);
        }
        Answer::NoData => {}
        Answer::Records(records) => {
            for r in records {
                let data = match r {
                    RData::A(a) => WireRData::A(A(*a)),
                    RData::Aaaa(a) => WireRData::AAAA(AAAA(*a)),
                    RData::Mx { preference, exchange } => WireRData::MX(MX::new(*preference, fqdn(exchange)?)),
                    RData::Ptr(p) => WireRData::PTR(PTR(fqdn(p)?)),
                    // An empty TXT record is one empty string, not none.
                    RData::Txt(t) if t.is_empty() => WireRData::TXT(TXT::from_bytes(vec![&[][..]])),
                    RData::Txt(t) => WireRData::TXT(TXT::from_bytes(t.chunks(255).collect())),
                };
                m.add_answer(WireRecord::from_rdata(qname.clone(), 300, data));
            }
        }
    }
    m.to_vec().map_err(|e| WireError(format!("cannot encode the response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QueryId;

    fn q(name: &str, qtype: QueryType) -> Query {
        Query { id: QueryId(7), name: name.into(), qtype }
    }

    #[test]
    fn round_trip() {
        let cases = [
            (q("example.com", QueryType::Txt), Answer::Records(vec![RData::Txt(b"v=spf1 -all".to_vec())])),
            (q("example.com", QueryType::Txt), Answer::Records(vec![RData::Txt(vec![b'x'; 600])])),
            // Found by fuzzing: an empty TXT record went out with no strings.
            (q("example.com", QueryType::Txt), Answer::Records(vec![RData::Txt(Vec::new())])),
            (q("example.com", QueryType::A), Answer::Records(vec![RData::A([192, 0, 2, 1].into())])),
            (q("example.com", QueryType::Aaaa), Answer::Records(vec![RData::Aaaa("2001:db8::1".parse().unwrap())])),
            (
                q("example.com", QueryType::Mx),
                Answer::Records(vec![RData::Mx { preference: 5, exchange: "mx.example.com".into() }]),
            ),
            (q("1.2.0.192.in-addr.arpa", QueryType::Ptr), Answer::Records(vec![RData::Ptr("h.example.com".into())])),
            (q("example.com", QueryType::A), Answer::NxDomain),
            (q("example.com", QueryType::A), Answer::NoData),
            (q("example.com", QueryType::A), Answer::TempError),
        ];
        for (query, answer) in cases {
            let bytes = response_message(&query, 1, &answer).unwrap();
            assert_eq!(decode_answer(&query, &bytes), answer);
        }
    }

    #[test]
    fn hostile_messages() {
        let query = q("example.com", QueryType::Txt);
        // A query name no message can carry has no query message.
        let long = q(&format!("{}.example", "a".repeat(64)), QueryType::Txt);
        assert!(query_message(&long, 1).is_err());
        let good = response_message(&query, 1, &Answer::Records(vec![RData::Txt(b"v=spf1".to_vec())])).unwrap();
        // Every truncation of a valid message decodes to something.
        for n in 0..good.len() {
            let _ = decode_answer(&query, &good[..n]);
        }
        assert_eq!(decode_answer(&query, &[]), Answer::TempError);
        // A query message is not a response.
        let qm = query_message(&query, 1).unwrap();
        assert_eq!(decode_answer(&query, &qm), Answer::TempError);
        // TC set: temporary error.
        let mut tc = good.clone();
        tc[2] |= 0x02;
        assert_eq!(decode_answer(&query, &tc), Answer::TempError);
        // REFUSED.
        let mut refused = good.clone();
        refused[3] = (refused[3] & 0xf0) | 5;
        assert_eq!(decode_answer(&query, &refused), Answer::TempError);
        // An answer to another question.
        assert_eq!(decode_answer(&q("other.example", QueryType::Txt), &good), Answer::TempError);
        assert_eq!(decode_answer(&q("example.com", QueryType::A), &good), Answer::TempError);
    }

    #[test]
    fn cname_chain() {
        use hickory_proto::rr::rdata::{A, CNAME};
        let query = q("alias.example.com", QueryType::A);
        let mut m = Message::new();
        m.set_id(1)
            .set_message_type(MessageType::Response)
            .add_query(WireQuery::query(fqdn("alias.example.com").unwrap(), RecordType::A));
        m.add_answer(WireRecord::from_rdata(
            fqdn("alias.example.com").unwrap(),
            60,
            WireRData::CNAME(CNAME(fqdn("real.example.com").unwrap())),
        ));
        m.add_answer(WireRecord::from_rdata(
            fqdn("real.example.com").unwrap(),
            60,
            WireRData::A(A([192, 0, 2, 9].into())),
        ));
        m.add_answer(WireRecord::from_rdata(
            fqdn("stray.example.com").unwrap(),
            60,
            WireRData::A(A([192, 0, 2, 10].into())),
        ));
        let bytes = m.to_vec().unwrap();
        assert_eq!(decode_answer(&query, &bytes), Answer::Records(vec![RData::A([192, 0, 2, 9].into())]));
    }

    #[test]
    fn cname_loops_are_errors() {
        let txt = q("loop.example", QueryType::Txt);
        // Two names aliasing each other, the record at neither.
        let m = raw_response(
            "loop.example",
            16,
            &[("loop.example", 5, b"\x03one\x07example\x00"), ("one.example", 5, b"\x04loop\x07example\x00")],
        );
        assert_eq!(decode_answer(&txt, &m), Answer::TempError);
        // A name its own alias.
        let m = raw_response("loop.example", 16, &[("loop.example", 5, b"\x04loop\x07example\x00")]);
        assert_eq!(decode_answer(&txt, &m), Answer::TempError);
        // A chain that ends, at a name with no TXT record: no data.
        let m = raw_response("loop.example", 16, &[("loop.example", 5, b"\x03one\x07example\x00")]);
        assert_eq!(decode_answer(&txt, &m), Answer::NoData);
    }

    /// A response with `answers` (owner, type, RDATA) built by hand, so
    /// the RDATA can be wrong in ways hickory's encoder would not write.
    fn raw_response(qname: &str, qtype: u16, answers: &[(&str, u16, &[u8])]) -> Vec<u8> {
        let name = |n: &str| -> Vec<u8> {
            let mut out = Vec::new();
            for l in n.split('.') {
                out.push(l.len() as u8);
                out.extend_from_slice(l.as_bytes());
            }
            out.push(0);
            out
        };
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, answers.len() as u8, 0, 0, 0, 0];
        m.extend(name(qname));
        m.extend([(qtype >> 8) as u8, qtype as u8, 0, 1]);
        for (owner, t, rdata) in answers {
            m.extend(name(owner));
            m.extend([(t >> 8) as u8, *t as u8, 0, 1, 0, 0, 0, 60, 0, rdata.len() as u8]);
            m.extend_from_slice(rdata);
        }
        m
    }

    #[test]
    fn record_data_is_read_exactly() {
        let a = q("example.com", QueryType::A);
        // Other types are skipped; the A record after them is read.
        let m =
            raw_response("example.com", 1, &[("example.com", 99, b"\x05junk!"), ("example.com", 1, &[192, 0, 2, 1])]);
        assert_eq!(decode_answer(&a, &m), Answer::Records(vec![RData::A([192, 0, 2, 1].into())]));
        // An A record of 5 bytes, or 3, is malformed.
        assert_eq!(
            decode_answer(&a, &raw_response("example.com", 1, &[("example.com", 1, &[1, 2, 3, 4, 5])])),
            Answer::TempError
        );
        assert_eq!(
            decode_answer(&a, &raw_response("example.com", 1, &[("example.com", 1, &[1, 2, 3])])),
            Answer::TempError
        );
        // TXT strings that run past RDLENGTH are malformed; an empty RDATA is an empty record.
        let t = q("example.com", QueryType::Txt);
        assert_eq!(
            decode_answer(&t, &raw_response("example.com", 16, &[("example.com", 16, b"\x09v=spf1")])),
            Answer::TempError
        );
        assert_eq!(
            decode_answer(&t, &raw_response("example.com", 16, &[("example.com", 16, b"")])),
            Answer::Records(vec![RData::Txt(Vec::new())])
        );
        assert_eq!(
            decode_answer(&t, &raw_response("example.com", 16, &[("example.com", 16, b"\x03v=s\x04pf1 ")])),
            Answer::Records(vec![RData::Txt(b"v=spf1 ".to_vec())])
        );
        // Owner names compare without regard to ASCII case.
        assert_eq!(
            decode_answer(&a, &raw_response("EXAMPLE.com", 1, &[("Example.COM", 1, &[192, 0, 2, 2])])),
            Answer::Records(vec![RData::A([192, 0, 2, 2].into())])
        );
    }

    #[test]
    fn targets_that_are_no_host_names_stay_nameless() {
        let mx = q("example.com", QueryType::Mx);
        // Preference 10, then "a b.example" (a space) and "mx.example".
        let m = raw_response(
            "example.com",
            15,
            &[
                ("example.com", 15, b"\x00\x0a\x03a b\x07example\x00"),
                ("example.com", 15, b"\x00\x14\x02mx\x07example\x00"),
            ],
        );
        assert_eq!(
            decode_answer(&mx, &m),
            Answer::Records(vec![RData::Mx { preference: 20, exchange: "mx.example".into() }])
        );
        let ptr = q("1.2.0.192.in-addr.arpa", QueryType::Ptr);
        let m =
            raw_response("1.2.0.192.in-addr.arpa", 12, &[("1.2.0.192.in-addr.arpa", 12, b"\x03h\xffx\x07example\x00")]);
        assert_eq!(decode_answer(&ptr, &m), Answer::NoData);
    }
}
