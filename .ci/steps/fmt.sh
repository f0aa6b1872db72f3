#!/usr/bin/env bash
# Formatting: rustfmt.toml's style, everywhere in the workspace.
source "$(dirname "$0")/../lib.sh"
cargo fmt --all --check
