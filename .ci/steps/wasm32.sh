#!/usr/bin/env bash
# Core builds for wasm32-unknown-unknown, with and without its default
# features.
source "$(dirname "$0")/../lib.sh"
cargo build -p spfkit --release --target wasm32-unknown-unknown
cargo build -p spfkit --release --target wasm32-unknown-unknown --no-default-features
