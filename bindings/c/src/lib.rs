//! The C ABI of spfkit: `libspfkit.so` / `libspfkit.a` and
//! `include/spfkit.h` (generated from these sources by cbindgen).
//!
//! A thin layer over the `spfkit` crate: C values in, checked, the core's
//! types out. Every exported function runs inside `panic::boundary`, so a panic
//! becomes `SPFKIT_ERR_PANIC` instead of unwinding into C, and every pointer
//! from C is checked for NULL and every string for UTF-8 before use.
//! The conventions the header's preamble states (ownership, `_free`,
//! threads) are implemented here; each function's doc comment, copied into
//! the header, says who owns what.
//!
//! One module per concern, in the header's order of topics:
//!
//! - `error`: `spfkit_status`, its messages, the version;
//! - `panic`: the boundary every exported function runs in;
//! - `ffi`: checking pointers, strings and handles from C, and handing
//!   strings and handles back;
//! - `c_enum` and `enums`: the C enumerations, each number written once;
//! - `options` and `cache`: how to evaluate, the shared record cache;
//! - `answer`: queries for C and the answers C gives;
//! - `evaluation`: the step API (`steps`: its C side, shared with
//!   `policy_decide`);
//! - `check`: the blocking convenience with a resolver callback;
//! - `outcome`: results, headers, SMTP reply, trace;
//! - `record`: parsing records and their syntax errors;
//! - `policy_settings`, `policy`, `policy_decide`, `policy_decision`:
//!   receiver policy (settings and their errors; the policy, its
//!   per-recipient callback and messages; deciding a recipient, by steps
//!   or blocking; the decision).
//! - `srs_settings`, `srs`: the Sender Rewriting Scheme (settings and
//!   their refusals; the rewriter, forward, reverse, new secrets).

#![allow(non_camel_case_types)]
// Every exported function has the same safety contract, stated once in the
// header's preamble (cbindgen.toml): pointers are NULL or valid for what the
// doc comment says, handles come from this library and are not yet freed.
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

#[macro_use]
mod c_enum;

// Declared in the header's order (cbindgen reads the modules in this
// order), in groups, since rustfmt sorts the declarations within a group.
mod error;
mod panic;

mod ffi;

mod enums;
mod options;

mod cache;

mod answer;
mod evaluation;
mod steps;

mod check;
mod outcome;
mod record;

mod policy_settings;

mod policy;

mod policy_decide;
mod policy_decision;

mod srs_settings;

mod srs;

use cache::spfkit_record_cache;
use evaluation::spfkit_evaluation;
use options::spfkit_options;
use outcome::spfkit_outcome;
use record::{spfkit_parse_error, spfkit_record};

// What the header promises about threads, checked: every handle may move
// between threads, and the ones C may share read-only across threads
// (options, record cache, outcome, record) are Sync.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync>() {}
    send::<spfkit_options>();
    send::<spfkit_evaluation>();
    send::<spfkit_outcome>();
    send::<spfkit_record>();
    send::<spfkit_parse_error>();
    send::<spfkit_record_cache>();
    sync::<spfkit_options>();
    sync::<spfkit_record_cache>();
    sync::<spfkit_outcome>();
    sync::<spfkit_record>();
};
