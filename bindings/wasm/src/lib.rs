//! The WebAssembly half of the npm package `spfkit` (js/).
//!
//! A thin layer: JS values in, checked, core types out, plain objects back.
//! The public API (async `check`, resolvers, error classes) is the ES
//! module in js/src, which drives the step classes here. Errors leave as JS
//! `Error`s carrying a `code` the JS layer turns into its own classes.
//! Words (identity, plan, type, result), limits, answer bounds and the
//! queries handed out are core's: what is here translates.
//!
//! Nothing here may panic: on wasm32 a panic is a trap, and a trap inside a
//! method leaves that object unusable. Every input is checked and every
//! size bounded instead.
//!
//! Modules, one concern each:
//! - `errors`: JS errors with a `code`, and values shown in messages;
//! - `values`: string arguments, options objects in, plain objects out;
//! - `idna`: A-labels by the platform's URL parser;
//! - `options`: options objects as core's `Options`, `AnalysisOptions`;
//! - `steps`: the step classes `Evaluation` and `Analysis`;
//! - `answers`: a resolver's value as core's answer;
//! - `outcome`, `report`: what a check or an analysis gives, as objects;
//! - `records`: `checkDomain`, `parseRecord`;
//! - `policy` (feature `policy`): receiver policy, the classes `Policy`,
//!   `PolicyMessage` and `PolicyDecide` (settings from a snapshot tree,
//!   decisions out);
//! - `srs`: SRS for forwarders, the class `Srs` and `srsSecret` (in the
//!   default module: a forwarder needs no policy);
//! - `wire`: `queryMessage`, for DNS over HTTPS;
//! - `bounds`: core's bounds for the JS layer.

mod answers;
mod bounds;
mod errors;
mod idna;
mod options;
mod outcome;
#[cfg(feature = "policy")]
mod policy;
mod records;
mod report;
mod srs;
mod steps;
mod values;
mod wire;

use wasm_bindgen::prelude::*;

/// The version of the Rust crates inside.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Whether this module holds the receiver policy (feature `policy`).
#[wasm_bindgen(js_name = hasPolicy)]
pub fn has_policy() -> bool {
    cfg!(feature = "policy")
}
