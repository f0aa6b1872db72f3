//! What the fuzz targets that drive the step engine share: a script of
//! bytes that answers queries.
#![allow(dead_code)]

use spfkit::wire::decode_answer;
use spfkit::{Answer, Query, QueryType, RData};

pub struct Script<'a>(pub &'a [u8]);

impl<'a> Script<'a> {
    pub fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        b
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    pub fn short(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte());
        self.bytes(n)
    }
    pub fn name(&mut self) -> String {
        String::from_utf8_lossy(self.short()).into_owned()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What to do with a query: `None` holds it back for later.
pub fn answer(s: &mut Script<'_>, q: &Query) -> Option<Answer> {
    if s.is_empty() {
        return Some(Answer::NxDomain);
    }
    Some(match s.byte() % 8 {
        0 => Answer::NxDomain,
        1 => Answer::NoData,
        2 => Answer::TempError,
        3 => {
            let n = usize::from(s.bytes(2).iter().map(|&b| u16::from(b)).sum::<u16>() % 300);
            decode_answer(q, s.bytes(n))
        }
        4 => return None,
        _ => {
            let count = 1 + s.byte() % 3;
            let records = (0..count)
                .map(|_| match q.qtype {
                    QueryType::Txt => RData::Txt(s.short().to_vec()),
                    QueryType::A => {
                        let b = s.bytes(4);
                        RData::A(std::array::from_fn::<u8, 4, _>(|i| b.get(i).copied().unwrap_or(0)).into())
                    }
                    QueryType::Aaaa => {
                        let b = s.bytes(16);
                        RData::Aaaa(std::array::from_fn::<u8, 16, _>(|i| b.get(i).copied().unwrap_or(0)).into())
                    }
                    QueryType::Mx => RData::Mx { preference: u16::from(s.byte()), exchange: s.name() },
                    QueryType::Ptr => RData::Ptr(s.name()),
                })
                .collect();
            Answer::Records(records)
        }
    })
}

