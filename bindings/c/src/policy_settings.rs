//! Receiver-policy settings for C: built from a TOML text or key by key
//! (core's `Value::set_path`), the per-recipient overrides a callback fills
//! the same way, and the error that names the file, line and key.

use std::ffi::c_char;

use spf::policy::{SettingsError, Value};
use spfkit_core as spf;

use crate::error::Status;
use crate::error::spfkit_status::{self, *};
use crate::ffi::{array, bytes, clear, give, give_string, handle, handle_mut, put, text};
use crate::panic::{boundary, free, new_handle};

/// Receiver-policy settings (docs/policy-settings.md) being put together:
/// from a TOML file's text (spfkit_policy_settings_from_toml()) or key by
/// key (spfkit_policy_settings_new() and spfkit_policy_settings_set_*()),
/// or both: keys set after reading a file replace the file's. Checked
/// when a policy is made from them (spfkit_policy_new()), which copies
/// them: free with spfkit_policy_settings_free() whenever convenient.
pub struct spfkit_policy_settings {
    pub(crate) tree: Value,
    /// What errors call the source: the file's name, or "(settings)".
    pub(crate) file: String,
}

/// The overrides for one recipient, filled by a spfkit_recipient_rules_fn
/// with spfkit_policy_overrides_set_*(): the keys of an `[address."..."]`
/// table of the settings (docs/policy-settings.md). Lent to the callback
/// for the call only; never made or freed by the caller.
pub struct spfkit_policy_overrides {
    pub(crate) tree: Value,
}

/// Why settings (or a callback's overrides) were refused: the file, the
/// line (when known), the key's path and what is wrong. Owned by the
/// caller; free with spfkit_settings_error_free().
pub struct spfkit_settings_error {
    pub(crate) error: SettingsError,
}

/// Gives `error` to C through `error_out` (if not NULL) and fails with
/// SPFKIT_ERR_SETTINGS.
pub(crate) unsafe fn refuse(error: SettingsError, error_out: *mut *mut spfkit_settings_error) -> Status {
    if !error_out.is_null() {
        unsafe { give(error_out, spfkit_settings_error { error }) }?;
    }
    Err(SPFKIT_ERR_SETTINGS)
}

/// New, empty settings: every key at its default until set. Errors name
/// their source "(settings)". Free with spfkit_policy_settings_free().
/// Returns NULL only if spfkit failed internally.
#[unsafe(no_mangle)]
pub extern "C" fn spfkit_policy_settings_new() -> *mut spfkit_policy_settings {
    new_handle(|| spfkit_policy_settings { tree: Value::table(), file: "(settings)".to_owned() })
}

/// Settings from the TOML text of a settings file: `text_len` bytes of
/// UTF-8 at `text` (borrowed for the call; NUL-terminated or not; at most
/// 16 MiB), and `file`, its name for errors (copied). On success `*out`
/// owns the settings and `*error_out` (if `error_out` is not NULL) is
/// NULL. Text that is not TOML, or over 16 MiB, gives SPFKIT_ERR_SETTINGS
/// with `*out` NULL and `*error_out` owning the error (key "(syntax)" or
/// "(file)", with the line). Only the syntax is checked here; the keys and
/// values are checked by spfkit_policy_new().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_from_toml(
    text: *const c_char,
    text_len: usize,
    file: *const c_char,
    out: *mut *mut spfkit_policy_settings,
    error_out: *mut *mut spfkit_settings_error,
) -> spfkit_status {
    boundary(|| {
        unsafe {
            clear(out);
            clear(error_out);
        }
        let toml =
            std::str::from_utf8(unsafe { bytes(text.cast(), text_len) }?).map_err(|_| SPFKIT_ERR_INVALID_UTF8)?;
        let file = unsafe { crate::ffi::text(file) }?;
        if out.is_null() {
            return Err(SPFKIT_ERR_NULL_PARAMETER);
        }
        match spf::policy::value_from_toml(toml, file) {
            Ok(tree) => unsafe { give(out, spfkit_policy_settings { tree, file: file.to_owned() }) },
            Err(error) => unsafe { refuse(error, error_out) },
        }
    })
}

/// Frees settings; NULL is fine. Policies made from them are unaffected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_free(settings: *mut spfkit_policy_settings) {
    // SAFETY: made by spfkit_policy_settings_new/_from_toml (documented).
    unsafe { free(settings) }
}

/// Sets `path` to `value` in `tree`: a refused path is
/// SPFKIT_ERR_INVALID_ARGUMENT and changes nothing.
unsafe fn set(tree: &mut Value, path: *const c_char, value: Value) -> Status {
    let path = unsafe { text(path) }?;
    tree.set_path(path, value).map_err(|_| SPFKIT_ERR_INVALID_ARGUMENT)
}

/// `count` strings at `values` as a list.
unsafe fn strings(values: *const *const c_char, count: usize) -> Result<Value, spfkit_status> {
    let list = unsafe { array(values, count) }?;
    let items = list.iter().map(|&p| Ok(Value::String(unsafe { text(p) }?.to_owned())));
    Ok(Value::Array(items.collect::<Result<_, spfkit_status>>()?))
}

/// Sets the key at `path` to the string `value` (copied).
///
/// A path is the keys from the top joined by ".", as in the settings
/// file: "authserv_id", "mail_from.temperror",
/// "address.\"bob@example.net\".log_only" (a key holding anything but
/// letters, digits, "_" and "-" in double quotes, `\"` and `\\` inside),
/// "forwarder[0].name" (`[N]`: element N of a list; N one past the end
/// appends, so a `[[forwarder]]` table is built key by key from index 0).
/// The tables and lists on the way are made. Setting a key again replaces
/// its value. A malformed path, or one through a key that holds no table
/// or list (or past a list's end), gives SPFKIT_ERR_INVALID_ARGUMENT and
/// changes nothing. Keys and values are checked by spfkit_policy_new();
/// keys set here have no line for its errors.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_set_string(
    settings: *mut spfkit_policy_settings,
    path: *const c_char,
    value: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let s = unsafe { handle_mut(settings) }?;
        let value = Value::String(unsafe { text(value) }?.to_owned());
        unsafe { set(&mut s.tree, path, value) }
    })
}

/// Sets the key at `path` to true or false; paths as for
/// spfkit_policy_settings_set_string().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_set_bool(
    settings: *mut spfkit_policy_settings,
    path: *const c_char,
    value: bool,
) -> spfkit_status {
    boundary(|| unsafe { set(&mut handle_mut(settings)?.tree, path, Value::Bool(value)) })
}

/// Sets the key at `path` to an integer; paths as for
/// spfkit_policy_settings_set_string().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_set_integer(
    settings: *mut spfkit_policy_settings,
    path: *const c_char,
    value: i64,
) -> spfkit_status {
    boundary(|| unsafe { set(&mut handle_mut(settings)?.tree, path, Value::Integer(value)) })
}

/// Sets the key at `path` to a list of `count` strings (`values` and the
/// strings are borrowed for the call and copied; `values` may be NULL when
/// `count` is 0, for an empty list); paths as for
/// spfkit_policy_settings_set_string(). A NULL or non-UTF-8 string changes
/// nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_settings_set_strings(
    settings: *mut spfkit_policy_settings,
    path: *const c_char,
    values: *const *const c_char,
    count: usize,
) -> spfkit_status {
    boundary(|| {
        let s = unsafe { handle_mut(settings) }?;
        let list = unsafe { strings(values, count) }?;
        unsafe { set(&mut s.tree, path, list) }
    })
}

/// Sets the key at `path` of a recipient's overrides to a string; as
/// spfkit_policy_settings_set_string(), with the keys of an
/// `[address."..."]` table ("log_only", "mail_from.reject",
/// "forwarder[0].name", "prospective.forward_path", ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_overrides_set_string(
    overrides: *mut spfkit_policy_overrides,
    path: *const c_char,
    value: *const c_char,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(overrides) }?;
        let value = Value::String(unsafe { text(value) }?.to_owned());
        unsafe { set(&mut o.tree, path, value) }
    })
}

/// Sets the key at `path` of a recipient's overrides to true or false.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_overrides_set_bool(
    overrides: *mut spfkit_policy_overrides,
    path: *const c_char,
    value: bool,
) -> spfkit_status {
    boundary(|| unsafe { set(&mut handle_mut(overrides)?.tree, path, Value::Bool(value)) })
}

/// Sets the key at `path` of a recipient's overrides to an integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_overrides_set_integer(
    overrides: *mut spfkit_policy_overrides,
    path: *const c_char,
    value: i64,
) -> spfkit_status {
    boundary(|| unsafe { set(&mut handle_mut(overrides)?.tree, path, Value::Integer(value)) })
}

/// Sets the key at `path` of a recipient's overrides to a list of `count`
/// strings; as spfkit_policy_settings_set_strings().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_policy_overrides_set_strings(
    overrides: *mut spfkit_policy_overrides,
    path: *const c_char,
    values: *const *const c_char,
    count: usize,
) -> spfkit_status {
    boundary(|| {
        let o = unsafe { handle_mut(overrides) }?;
        let list = unsafe { strings(values, count) }?;
        unsafe { set(&mut o.tree, path, list) }
    })
}

/// Frees a settings error; NULL is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_free(error: *mut spfkit_settings_error) {
    // SAFETY: made by this library (documented).
    unsafe { free(error) }
}

/// The whole error as one line, "policy.toml:12: mail_from.reject[0]:
/// \"pass\" cannot reject here" (without ":12" when the line is unknown),
/// as a new string. Never holds a control character, whatever the
/// settings held.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_to_string(
    error: *const spfkit_settings_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.to_string().as_bytes(), out, len_out) }
    })
}

/// The file (or source) the error is in, as a new string: the name given
/// to spfkit_policy_settings_from_toml(), "(settings)" for settings built
/// key by key, "(recipient rules)" for a callback's overrides.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_file(
    error: *const spfkit_settings_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.file.as_bytes(), out, len_out) }
    })
}

/// The line of the key at fault (from 1) in `*line_out`; 0 when unknown
/// (keys set with spfkit_policy_settings_set_*()).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_line(
    error: *const spfkit_settings_error,
    line_out: *mut u32,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { put(line_out, e.error.line.unwrap_or(0)) }
    })
}

/// The path of the key at fault as a new string, in the form paths take
/// in spfkit_policy_settings_set_*(): "mail_from.reject[1]",
/// "address.\"bob@example.net\".prospective.forward_path",
/// "forwarder[0].name" (a list over its bound is named by the list);
/// "(syntax)" for TOML that does not parse, "(file)" for one too large,
/// "(top level)" otherwise outside any key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_key(
    error: *const spfkit_settings_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.key.as_bytes(), out, len_out) }
    })
}

/// What is wrong, as a new string ("unknown key", "must be true or
/// false, not a string", ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn spfkit_settings_error_message(
    error: *const spfkit_settings_error,
    out: *mut *mut c_char,
    len_out: *mut usize,
) -> spfkit_status {
    boundary(|| {
        let e = unsafe { handle(error) }?;
        unsafe { give_string(e.error.message.as_bytes(), out, len_out) }
    })
}
