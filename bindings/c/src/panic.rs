//! The panic boundary: nothing unwinds into C.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::free_handle;

/// Runs `f`, turning a panic into SPFKIT_ERR_PANIC. Every exported function
/// that returns a status runs its body in here.
pub(crate) fn boundary(f: impl FnOnce() -> Status) -> spfkit_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SPFKIT_OK,
        Ok(Err(status)) => status,
        Err(_) => SPFKIT_ERR_PANIC,
    }
}

/// Boxes what `make` gives for C, for the `_new` functions that return a
/// handle: NULL if it panicked.
pub(crate) fn new_handle<T>(make: impl FnOnce() -> T) -> *mut T {
    catch_unwind(AssertUnwindSafe(|| Box::into_raw(Box::new(make())))).unwrap_or(ptr::null_mut())
}

/// Frees a handle for the `_free` functions: NULL is fine, and a panic in a
/// destructor stops here.
///
/// # Safety
/// `p` is NULL or a handle made by this library and not yet freed.
pub(crate) unsafe fn free<T>(p: *mut T) {
    // SAFETY: the caller's promise, passed on.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { free_handle(p) }));
}
