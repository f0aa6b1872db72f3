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

use hickory_proto::op::{Message, MessageType, OpCode, Query as WireQuery, ResponseCode};
use hickory_proto::rr::{Name, RData as WireRData, Record as WireRecord, RecordType};

use crate::dns::{Answer, Query, QueryType, RData};

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
    let mut n = Name::from_ascii(name).map_err(|e| WireError(format!("invalid name {name:?}: {e}")))?;
    n.set_fqdn(true);
    Ok(n)
}

/// The RFC 1035 query message for `query`, recursion desired, with
/// message id `id`.
pub fn query_message(query: &Query, id: u16) -> Result<Vec<u8>, WireError> {
    let mut m = Message::new();
    m.set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .add_query(WireQuery::query(fqdn(&query.name)?, record_type(query.qtype)));
    m.to_vec().map_err(|e| WireError(format!("cannot encode the query: {e}")))
}

/// Decodes a response message into the answer to `query`: NXDOMAIN is
/// [`Answer::NxDomain`]; SERVFAIL, REFUSED, any other error code, a
/// truncated, malformed or mismatched message is [`Answer::TempError`];
/// NOERROR without records of the asked type is [`Answer::NoData`].
/// CNAMEs in the answer section are followed from the query name.
pub fn decode_answer(query: &Query, message: &[u8]) -> Answer {
    let Ok(m) = Message::from_vec(message) else { return Answer::TempError };
    if m.message_type() != MessageType::Response || m.truncated() {
        return Answer::TempError;
    }
    let Ok(qname) = fqdn(&query.name) else { return Answer::TempError };
    let rtype = record_type(query.qtype);
    // A response to another question is not an answer to this one.
    if let Some(q) = m.queries().first() {
        if q.query_type() != rtype || !q.name().eq_case(&qname) && q.name() != &qname {
            return Answer::TempError;
        }
    }
    match m.response_code() {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Answer::NxDomain,
        _ => return Answer::TempError,
    }
    let answers = m.answers();
    // Follow CNAMEs from the query name; records count only at the end of
    // the chain.
    let mut owner = qname;
    for _ in 0..MAX_CNAME_CHAIN {
        let next = answers.iter().find_map(|r| match r.data() {
            WireRData::CNAME(c) if r.name() == &owner && rtype != RecordType::CNAME => Some(c.0.clone()),
            _ => None,
        });
        match next {
            Some(target) => owner = target,
            None => break,
        }
    }
    let records: Vec<RData> = answers.iter().filter(|r| r.name() == &owner).filter_map(|r| convert(r, rtype)).collect();
    if records.is_empty() { Answer::NoData } else { Answer::Records(records) }
}

fn name_text(n: &Name) -> String {
    let mut s = n.to_ascii();
    if s.len() > 1 && s.ends_with('.') {
        s.pop();
    }
    s
}

fn convert(r: &WireRecord, rtype: RecordType) -> Option<RData> {
    if r.record_type() != rtype {
        return None;
    }
    Some(match r.data() {
        WireRData::A(a) => RData::A(a.0),
        WireRData::AAAA(a) => RData::Aaaa(a.0),
        WireRData::MX(mx) => RData::Mx { preference: mx.preference(), exchange: name_text(mx.exchange()) },
        WireRData::PTR(p) => RData::Ptr(name_text(&p.0)),
        WireRData::TXT(t) => RData::txt_from_strings(t.txt_data().iter()),
        _ => return None,
    })
}

/// The response message a server would send for `query` with `answer`;
/// for tests, fuzzing and hosts that serve answers as bytes.
pub fn response_message(query: &Query, id: u16, answer: &Answer) -> Result<Vec<u8>, WireError> {
    use hickory_proto::rr::rdata::{A, AAAA, MX, PTR, TXT};
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
}
