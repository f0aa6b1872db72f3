//! Checking what C hands us, and handing things back: borrowed strings,
//! bytes and arrays in; handles, out-parameters and owned strings out.

use std::ffi::{CStr, c_char};
use std::ptr;

use crate::error::Status;
use crate::error::spfkit_status::{self, *};

/// A NUL-terminated UTF-8 string, borrowed for the call.
pub(crate) unsafe fn text<'a>(p: *const c_char) -> Result<&'a str, spfkit_status> {
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: the caller promises a NUL-terminated string (documented).
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| SPFKIT_ERR_INVALID_UTF8)
}

/// `len` bytes at `p`, borrowed for the call; `p` may be NULL when `len` is 0.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], spfkit_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    if len > isize::MAX as usize {
        return Err(SPFKIT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: the caller promises `len` readable bytes at `p` (documented).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `count` values at `p`, borrowed for the call.
pub(crate) unsafe fn array<'a, T>(p: *const T, count: usize) -> Result<&'a [T], spfkit_status> {
    if count == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    if count > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(SPFKIT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: the caller promises `count` values at `p` (documented).
    Ok(unsafe { std::slice::from_raw_parts(p, count) })
}

/// A handle the caller passes in, borrowed.
pub(crate) unsafe fn handle<'a, T>(p: *const T) -> Result<&'a T, spfkit_status> {
    // SAFETY: a non-NULL handle was made by this library and not freed (documented).
    unsafe { p.as_ref() }.ok_or(SPFKIT_ERR_NULL_PARAMETER)
}

/// A handle the caller passes in, borrowed mutably.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T) -> Result<&'a mut T, spfkit_status> {
    // SAFETY: as for `handle`; one thread at a time (documented).
    unsafe { p.as_mut() }.ok_or(SPFKIT_ERR_NULL_PARAMETER)
}

/// Writes `value` through a required out-pointer.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: non-NULL and, as documented, writable.
    unsafe { out.write(value) };
    Ok(())
}

/// Writes `value` through an optional out-pointer.
pub(crate) unsafe fn put_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: as for `put`.
        unsafe { out.write(value) };
    }
}

/// Boxes `value` for C, writing the handle through `out`.
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: as for `put`.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
    Ok(())
}

/// Sets a handle out-parameter to NULL first, so a failed call leaves no
/// stale pointer behind.
pub(crate) unsafe fn clear<T>(out: *mut *mut T) {
    // SAFETY: as for `put_opt`.
    unsafe { put_opt(out, ptr::null_mut()) };
}

/// Frees a handle made by [`give`]; NULL is fine.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: made by Box::into_raw in `give`, freed once (documented).
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Copies `s` into a malloc'd, NUL-terminated string the caller owns (freed
/// with spfkit_string_free); `len_out`, if not NULL, gets the exact length.
pub(crate) unsafe fn give_string(s: &[u8], out: *mut *mut c_char, len_out: *mut usize) -> Status {
    if out.is_null() {
        return Err(SPFKIT_ERR_NULL_PARAMETER);
    }
    // SAFETY: malloc of len+1 bytes; checked for NULL below.
    let p = unsafe { libc::malloc(s.len() + 1) }.cast::<u8>();
    if p.is_null() {
        // SAFETY: out is non-NULL.
        unsafe { out.write(ptr::null_mut()) };
        return Err(SPFKIT_ERR_OUT_OF_MEMORY);
    }
    // SAFETY: p has s.len()+1 writable bytes; the regions do not overlap.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        p.add(s.len()).write(0);
        out.write(p.cast());
        put_opt(len_out, s.len());
    }
    Ok(())
}

/// Like [`give_string`] for an optional value: NULL (and length 0) for none.
pub(crate) unsafe fn give_opt_string(s: Option<&str>, out: *mut *mut c_char, len_out: *mut usize) -> Status {
    match s {
        Some(s) => unsafe { give_string(s.as_bytes(), out, len_out) },
        None => unsafe {
            put(out, ptr::null_mut())?;
            put_opt(len_out, 0);
            Ok(())
        },
    }
}

/// Frees a string this library returned through a `char **`. NULL is fine.
/// Do not pass anything else (not a static string such as
/// spfkit_version()'s, not memory of your own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: malloc'd by give_string (documented).
        unsafe { libc::free(s.cast()) };
    }
}

/// Bytes with a NUL after them, so C can read them as a string and still
/// learn their exact length.
pub(crate) struct CText(Box<[u8]>);

impl CText {
    pub(crate) fn new(s: &[u8]) -> CText {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s);
        v.push(0);
        CText(v.into_boxed_slice())
    }
    pub(crate) fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
    pub(crate) fn len(&self) -> usize {
        self.0.len() - 1
    }
}
