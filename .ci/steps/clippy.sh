#!/usr/bin/env bash
# Lints, warnings as errors, every crate and target of the workspace.
source "$(dirname "$0")/../lib.sh"
cargo clippy --workspace --all-targets -- -D warnings
