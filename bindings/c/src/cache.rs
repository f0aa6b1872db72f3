//! The record cache shared between evaluations.

use std::sync::Arc;

use spfkit_core as spf;

use crate::error::spfkit_status;
use crate::ffi::handle_mut;
use crate::options::spfkit_options;
use crate::panic::{boundary, free, new_handle};

/// Parsed records shared between evaluations, keyed by the exact record
/// bytes, so a hit can never change a result. Thread-safe: one cache may
/// serve evaluations on many threads at once.
pub struct spfkit_record_cache {
    cache: Arc<spf::RecordCache>,
}

/// A cache holding at most `capacity` parsed records (it starts over when
/// full). Free with spfkit_record_cache_free(); options that use it keep
/// it alive as long as they need it. NULL only on an internal failure.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_record_cache_new(capacity: usize) -> *mut spfkit_record_cache {
    new_handle(|| spfkit_record_cache { cache: Arc::new(spf::RecordCache::new(capacity)) })
}

/// Releases the caller's reference to a cache; NULL is fine. Options and
/// evaluations that use it keep their own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_record_cache_free(cache: *mut spfkit_record_cache) {
    // SAFETY: made by spfkit_record_cache_new (documented).
    unsafe { free(cache) }
}

/// Makes evaluations from these options use `cache` (NULL: no cache).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_options_set_cache(
    options: *mut spfkit_options,
    cache: *const spfkit_record_cache,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(options) }?;
        // SAFETY: NULL or a live cache (documented).
        o.options.cache = unsafe { cache.as_ref() }.map(|c| Arc::clone(&c.cache));
        Ok(())
    })
}
