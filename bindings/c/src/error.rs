//! The status every function returns, and the library's version.

use std::ffi::{CStr, c_char};

/// What a function did. SPFKIT_OK is 0; errors have their own range (7001
/// and up) so they are not mistaken for errno values.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum spfkit_status {
    /// Success.
    SPFKIT_OK = 0,
    /// A required pointer argument was NULL.
    SPFKIT_ERR_NULL_PARAMETER = 7001,
    /// A string argument is not valid UTF-8.
    SPFKIT_ERR_INVALID_UTF8 = 7002,
    /// The client address is not an IPv4 or IPv6 address.
    SPFKIT_ERR_INVALID_IP = 7003,
    /// An argument is out of its range (an unknown enum value, a bad length).
    SPFKIT_ERR_INVALID_ARGUMENT = 7004,
    /// No query with this id was handed out by this evaluation.
    SPFKIT_ERR_UNKNOWN_ID = 7005,
    /// This query was answered already.
    SPFKIT_ERR_ALREADY_ANSWERED = 7006,
    /// The evaluation has not finished: keep answering and calling next.
    SPFKIT_ERR_NOT_DONE = 7007,
    /// The record has a syntax error (see spfkit_parse_error).
    SPFKIT_ERR_SYNTAX = 7008,
    /// The identity asked for was not checked in this evaluation.
    SPFKIT_ERR_NOT_CHECKED = 7009,
    /// An index past the end of a list.
    SPFKIT_ERR_OUT_OF_RANGE = 7010,
    /// The caller's buffer is too small; the length needed was written.
    SPFKIT_ERR_BUFFER_TOO_SMALL = 7011,
    /// Memory for a returned string could not be allocated.
    SPFKIT_ERR_OUT_OF_MEMORY = 7012,
    /// Receiver-policy settings were refused (see spfkit_settings_error).
    SPFKIT_ERR_SETTINGS = 7013,
    /// A callback of the caller's reported a failure.
    SPFKIT_ERR_CALLBACK = 7014,
    /// SRS settings were refused (see spfkit_srs_settings_error).
    SPFKIT_ERR_SRS_SETTINGS = 7015,
    /// SRS refused the address (see spfkit_srs_error: its kind says why).
    SPFKIT_ERR_SRS = 7016,
    /// No random octets could be read (/dev/urandom).
    SPFKIT_ERR_RANDOM = 7017,
    /// A bug inside spfkit was caught at the boundary. The handles involved
    /// may be in any state; free them.
    SPFKIT_ERR_PANIC = 7099,
}

// Each status's message, by variant: the numbers are written once, above.
c_enum!(spfkit_status => &'static CStr {
    SPFKIT_OK = c"success",
    SPFKIT_ERR_NULL_PARAMETER = c"a required pointer argument was NULL",
    SPFKIT_ERR_INVALID_UTF8 = c"a string argument is not valid UTF-8",
    SPFKIT_ERR_INVALID_IP = c"not an IPv4 or IPv6 address",
    SPFKIT_ERR_INVALID_ARGUMENT = c"an argument is out of range",
    SPFKIT_ERR_UNKNOWN_ID = c"no query with this id was handed out",
    SPFKIT_ERR_ALREADY_ANSWERED = c"this query was answered already",
    SPFKIT_ERR_NOT_DONE = c"the evaluation has not finished",
    SPFKIT_ERR_SYNTAX = c"the record has a syntax error",
    SPFKIT_ERR_NOT_CHECKED = c"this identity was not checked",
    SPFKIT_ERR_OUT_OF_RANGE = c"index out of range",
    SPFKIT_ERR_BUFFER_TOO_SMALL = c"the buffer is too small",
    SPFKIT_ERR_OUT_OF_MEMORY = c"out of memory",
    SPFKIT_ERR_SETTINGS = c"the receiver-policy settings were refused",
    SPFKIT_ERR_CALLBACK = c"a callback reported a failure",
    SPFKIT_ERR_SRS_SETTINGS = c"the SRS settings were refused",
    SPFKIT_ERR_SRS = c"SRS refused the address",
    SPFKIT_ERR_RANDOM = c"no random octets could be read from /dev/urandom",
    SPFKIT_ERR_PANIC = c"internal error in spfkit (a bug): the handles involved should be freed",
});

/// What a fallible step inside an exported function gives.
pub(crate) type Status = Result<(), spfkit_status>;

/// A static, NUL-terminated English description of a status code. Any
/// number is accepted; unknown ones get "unknown status". Never NULL; do not
/// free.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_status_message(status: u32) -> *const c_char {
    spfkit_status::from_number(status).map_or(c"unknown status", spfkit_status::value).as_ptr()
}

/// The library's version, "MAJOR.MINOR.PATCH", static; compare with
/// SPFKIT_VERSION_STRING to catch a header/library mismatch. Do not free.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
