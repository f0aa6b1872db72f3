//! Any bytes as a DNS response: decoding never panics, and an answer that
//! decodes re-encodes into a message that decodes to the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spfkit::wire::{decode_answer, response_message};
use spfkit::{Answer, Query, QueryId, QueryType};

const TYPES: [QueryType; 5] = [QueryType::Txt, QueryType::A, QueryType::Aaaa, QueryType::Mx, QueryType::Ptr];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, message)) = data.split_first() else { return };
    let name = ["example.com", "a.example.com", "25.2.0.192.in-addr.arpa"][usize::from(sel >> 4) % 3];
    let query = Query { id: QueryId(1), name: name.into(), qtype: TYPES[usize::from(sel & 0xf) % TYPES.len()] };
    let answer = decode_answer(&query, message);
    if let Answer::Records(_) | Answer::NxDomain | Answer::NoData = answer {
        if let Ok(again) = response_message(&query, 7, &answer) {
            assert_eq!(decode_answer(&query, &again), answer);
        }
    }
});
