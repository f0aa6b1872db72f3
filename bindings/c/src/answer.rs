//! Queries handed to C and the answers C gives back: spfkit_query,
//! spfkit_rdata, answers without records, and query messages for hosts
//! that send their own.

use std::ffi::c_char;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ptr;

use spfkit_core as spf;

use crate::enums::spfkit_answer_kind;
use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{CText, array, bytes, handle, put};
use crate::panic::boundary;

/// A DNS query the evaluation needs answered.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_query {
    /// Give this id back with the answer.
    pub id: u32,
    /// The record type: an spfkit_qtype value (its RFC 1035 code).
    pub qtype: u16,
    /// The name, ASCII (A-labels), without a trailing dot, NUL-terminated.
    /// Borrowed: see the function that gave the query for how long it lives.
    pub name: *const c_char,
    /// The name's length in bytes.
    pub name_len: usize,
}

impl spfkit_query {
    /// `query` for C, its name lent from `name` (the query's name with a NUL).
    pub(crate) fn lend(query: &spf::Query, name: &CText) -> spfkit_query {
        spfkit_query { id: query.id.0, qtype: query.qtype.code(), name: name.ptr(), name_len: name.len() }
    }
}

/// One resource record of an answer, as the caller parsed it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_rdata {
    /// The record's type: an spfkit_qtype value. Records of another type
    /// than the query's are ignored, as in a DNS answer.
    pub qtype: u16,
    /// MX only: the preference.
    pub preference: u16,
    /// TXT: the record's character-strings joined with nothing between
    /// (RFC 7208 §4.5), any bytes. A: 4 bytes, AAAA: 16 bytes, network
    /// order. MX: the exchange, PTR: the target, as UTF-8 text (a trailing
    /// dot is fine). Borrowed for the call.
    pub data: *const u8,
    /// The length of `data` in bytes.
    pub len: usize,
}

/// Adds record `r` to `answer`.
unsafe fn add_rdata(answer: &mut spf::AnswerBuilder, r: &spfkit_rdata) -> Status {
    let data = unsafe { bytes(r.data, r.len) }?;
    let name = || -> Result<String, spfkit_status> {
        // A trailing dot is fine: the core drops it before asking for the name.
        Ok(std::str::from_utf8(data).map_err(|_| SPFKIT_ERR_INVALID_UTF8)?.to_owned())
    };
    match spf::QueryType::from_code(r.qtype).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)? {
        // Counted against the bound before it is copied.
        spf::QueryType::Txt => {
            answer.txt_part(data);
            answer.end_txt();
        }
        spf::QueryType::A => {
            let a: [u8; 4] = data.try_into().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
            answer.push(spf::RData::A(Ipv4Addr::from(a)));
        }
        spf::QueryType::Aaaa => {
            let a: [u8; 16] = data.try_into().map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
            answer.push(spf::RData::Aaaa(Ipv6Addr::from(a)));
        }
        spf::QueryType::Mx => answer.push(spf::RData::Mx { preference: r.preference, exchange: name()? }),
        spf::QueryType::Ptr => answer.push(spf::RData::Ptr(name()?)),
    }
    Ok(())
}

/// The answer of `count` records at `records`, bounded by core's
/// [`spf::AnswerBuilder`]: more records, or more TXT bytes, than one DNS
/// message carries is no DNS answer but a temporary error, as in every
/// binding. A bad record (type, address length, UTF-8) is refused with its
/// status, unless the answer is over that bound anyway.
pub(crate) unsafe fn records_answer(records: *const spfkit_rdata, count: usize) -> Result<spf::Answer, spfkit_status> {
    let list = unsafe { array(records, count) }?;
    let mut answer = spf::AnswerBuilder::new(count);
    let mut refused = None;
    for r in list {
        if answer.is_over() {
            break;
        }
        // SAFETY: each record's data is borrowed for the call (documented).
        if let Err(status) = unsafe { add_rdata(&mut answer, r) } {
            refused.get_or_insert(status);
        }
    }
    match refused {
        Some(status) if !answer.is_over() => Err(status),
        _ => Ok(answer.finish()),
    }
}

/// The answer without records of `kind`, an spfkit_answer_kind number.
pub(crate) fn empty_answer(kind: u32) -> Result<spf::Answer, spfkit_status> {
    Ok(spfkit_answer_kind::from_number(kind).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)?.value())
}

/// Writes the RFC 1035 query message for `query` (recursion desired, the
/// given message id) into `buf`, and its length to `*len_out`. When `buf`
/// is NULL or `buf_len` too small, writes the length needed and returns
/// SPFKIT_ERR_BUFFER_TOO_SMALL. 512 bytes always suffice. For hosts that
/// send queries themselves (over UDP, TCP, DNS over HTTPS).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_query_message(
    query: *const spfkit_query,
    message_id: u16,
    buf: *mut u8,
    buf_len: usize,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let q = unsafe { handle(query) }?;
        if q.name.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        let name =
            std::str::from_utf8(unsafe { bytes(q.name.cast(), q.name_len) }?).map_err(|_| SPFKIT_ERR_INVALID_UTF8)?;
        if name.is_empty() {
            return Err(SPFKIT_ERR_INVALID_ARGUMENT);
        }
        let qtype = spf::QueryType::from_code(q.qtype).ok_or(SPFKIT_ERR_INVALID_ARGUMENT)?;
        let query = spf::Query { id: spf::QueryId(q.id), name: name.to_owned(), qtype };
        let message = spf::wire::query_message(&query, message_id).map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)?;
        unsafe { put(len_out, message.len()) }?;
        if buf.is_null() || buf_len < message.len() {
            return Err(SPFKIT_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: buf has buf_len >= message.len() writable bytes (documented).
        unsafe { ptr::copy_nonoverlapping(message.as_ptr(), buf, message.len()) };
        Ok(())
    })
}
