//! Records: parsing, printing, terms and syntax errors.

use std::ffi::c_char;

use spfkit_core as spf;

use crate::error::spfkit_status::{self, *};
use crate::ffi::{CText, bytes, clear, give, give_string, handle, put, put_opt};
use crate::panic::{boundary, free};

/// A parsed SPF record. Owned by the caller; free with spfkit_record_free().
pub struct spfkit_record {
    record: spf::Record,
}

/// A syntax error in a record: a stable code, a message and the byte span
/// of the offending text. Owned by the caller; free with
/// spfkit_parse_error_free().
pub struct spfkit_parse_error {
    error: spf::ParseError,
    code: CText,
}

/// Byte offsets [start, end) into the text that was parsed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct spfkit_span {
    pub start: usize,
    pub end: usize,
}

/// Parses `len` bytes at `text` (a TXT record's strings joined; any bytes,
/// borrowed for the call) as an SPF record (RFC 7208 §12). On success
/// `*record_out` owns the record and `*error_out` (if `error_out` is not
/// NULL) is NULL. On a syntax error returns SPFKIT_ERR_SYNTAX, `*record_out`
/// is NULL and `*error_out` owns the error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_parse(
    text: *const u8,
    len: usize,
    record_out: *mut *mut spfkit_record,
    error_out: *mut *mut spfkit_parse_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(record_out);
            clear(error_out);
        }
        if record_out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match spf::Record::parse_bytes(unsafe { bytes(text, len) }?) {
            Ok(record) => unsafe { give(record_out, spfkit_record { record }) },
            Err(error) => {
                if !error_out.is_null() {
                    let code = CText::new(error.kind.code().as_bytes());
                    unsafe { give(error_out, spfkit_parse_error { error, code }) }?;
                }
                Err(SPFKIT_ERR_SYNTAX)
            }
        }
    })
}

/// Frees a record; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_free(record: *mut spfkit_record) {
    // SAFETY: made by spfkit_record_parse (documented).
    unsafe { free(record) }
}

/// The record printed back ("v=spf1 ..."), equivalent to what was parsed,
/// as a new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_to_string(
    record: *const spfkit_record,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        unsafe { give_string(r.record.to_string().as_bytes(), out, len_out) }
    })
}

/// The number of terms (mechanisms and modifiers) after "v=spf1".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_term_count(
    record: *const spfkit_record,
    count_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        unsafe { put(count_out, r.record.terms().len()) }
    })
}

/// Term `index` (from 0): its text as a new string in `*out`, and, if
/// `span_out` is not NULL, where it stood in the parsed text.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_term(
    record: *const spfkit_record,
    index: usize,
    out: *mut *mut c_char,
    len_out: *mut usize,
    span_out: *mut spfkit_span,
) -> spfkit_status {
    boundary(|| {
        let r = unsafe { handle(record) }?;
        let term = r.record.terms().get(index).ok_or(SPFKIT_ERR_OUT_OF_RANGE)?;
        unsafe {
            give_string(term.to_string().as_bytes(), out, len_out)?;
            let span = term.span();
            put_opt(span_out, spfkit_span { start: span.start, end: span.end });
        }
        Ok(())
    })
}

/// Frees a parse error; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_free(error: *mut spfkit_parse_error) {
    // SAFETY: made by spfkit_record_parse (documented).
    unsafe { free(error) }
}

/// The error's stable code ("invalid-ip4", "unknown-mechanism", ...),
/// borrowed from the error: valid until spfkit_parse_error_free(); do not
/// free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_code(
    error: *const spfkit_parse_error,
    code_out: *mut *const c_char,
) -> spfkit_status {
    boundary(|| {
        let p = unsafe { handle(error) }?.code.ptr();
        unsafe { put(code_out, p) }
    })
}

/// The error as a sentence, with the offending term and its byte span, as a
/// new string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_message(
    error: *const spfkit_parse_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.to_string().as_bytes(), out, len_out) }
    })
}

/// The offending term as written, as a new string (free with
/// spfkit_string_free()); the same `term` every spfkit host gives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_term(
    error: *const spfkit_parse_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.term.as_bytes(), out, len_out) }
    })
}

/// The bytes at fault in the parsed text: the offending term, or the
/// narrower part of it that is wrong (a bad macro, a bad prefix length).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_parse_error_span(
    error: *const spfkit_parse_error,
    span_out: *mut spfkit_span,
) -> spfkit_status {
    boundary(|| {
        let s = unsafe { handle(error) }?.error.span;
        unsafe { put(span_out, spfkit_span { start: s.start, end: s.end }) }
    })
}
