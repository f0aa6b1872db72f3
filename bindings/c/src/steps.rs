//! The step API's C side, written once for every computation core drives
//! the same way (its `Steps` trait): an SPF evaluation, a receiver-policy
//! decision. Keeps the query names lent to C and the last step's batch.

use std::ops::Range;

use spfkit_core as spf;

use crate::answer::{empty_answer, records_answer, spfkit_query, spfkit_rdata};
use crate::enums::spfkit_step;
use crate::error::Status;
use crate::error::spfkit_status::*;
use crate::ffi::{CText, bytes, put, put_opt};

/// A computation driven by C one step at a time.
pub(crate) struct Stepper<S> {
    /// The computation; it keeps every query handed out (`query(id)`) and
    /// decodes raw answer messages against them.
    pub(crate) steps: S,
    /// The id and the NUL-terminated name of every query handed out, in
    /// order: the names lent to C live as long as the stepper. As many as
    /// the computation asks, which its processing limits bound.
    names: Vec<(u32, CText)>,
    /// The last Lookup step's queries: their part of `names`.
    batch: Range<usize>,
}

/// Core's refusal of an answer as a status.
pub(crate) fn answered(result: Result<(), spf::AnswerError>) -> Status {
    result.map_err(|err| match err {
        spf::AnswerError::UnknownId => SPFKIT_ERR_UNKNOWN_ID,
        spf::AnswerError::AlreadyAnswered => SPFKIT_ERR_ALREADY_ANSWERED,
    })
}

impl<S: spf::Steps> Stepper<S> {
    pub(crate) fn new(steps: S) -> Stepper<S> {
        Stepper { steps, names: Vec::new(), batch: 0..0 }
    }

    /// Advances; writes the step and, if wanted, the number of new queries.
    pub(crate) unsafe fn next(&mut self, step_out: *mut spfkit_step, query_count_out: *mut usize) -> Status {
        if step_out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let start = self.names.len();
        let step = match self.steps.next() {
            spf::Step::Lookup(queries) => {
                self.names.extend(queries.iter().map(|q| (q.id.0, CText::new(q.name.as_bytes()))));
                spfkit_step::SPFKIT_STEP_LOOKUP
            }
            spf::Step::Pending => spfkit_step::SPFKIT_STEP_PENDING,
            spf::Step::Done(_) => spfkit_step::SPFKIT_STEP_DONE,
        };
        self.batch = start..self.names.len();
        unsafe {
            put(step_out, step)?;
            put_opt(query_count_out, self.batch.len());
        }
        Ok(())
    }

    /// Writes query `index` of the last Lookup step, its name lent.
    pub(crate) unsafe fn query(&self, index: usize, query_out: *mut spfkit_query) -> Status {
        let (id, name) = self.names[self.batch.clone()].get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        let query = self.steps.query(spf::QueryId(*id)).expect("core keeps every query it handed out");
        unsafe { put(query_out, spfkit_query::lend(query, name)) }
    }

    /// Answers `id` with `count` records at `records`.
    pub(crate) unsafe fn answer_records(&mut self, id: u32, records: *const spfkit_rdata, count: usize) -> Status {
        let answer = unsafe { records_answer(records, count) }?;
        answered(self.steps.answer(spf::QueryId(id), answer))
    }

    /// Answers `id` with a raw DNS response message.
    pub(crate) unsafe fn answer_message(&mut self, id: u32, message: *const u8, message_len: usize) -> Status {
        let id = spf::QueryId(id);
        // An unknown id is reported before a bad message pointer.
        let message = unsafe { bytes(message, message_len) }
            .map_err(|status| if self.steps.query(id).is_some() { status } else { SPFKIT_ERR_UNKNOWN_ID })?;
        answered(self.steps.answer_message(id, message))
    }

    /// Answers `id` with no records, an spfkit_answer_kind number.
    pub(crate) fn answer_empty(&mut self, id: u32, kind: u32) -> Status {
        answered(self.steps.answer(spf::QueryId(id), empty_answer(kind)?))
    }
}
