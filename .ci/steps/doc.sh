#!/usr/bin/env bash
# The API documentation builds without a warning: the docs lean on
# intra-doc links, and a broken one is a warning. The C library's crate is
# also named `spfkit` (its library file is libspfkit), so its docs are
# built apart.
source "$(dirname "$0")/../lib.sh"
export RUSTDOCFLAGS="-D warnings"
cargo doc --workspace --exclude spfkit-c --no-deps --lib
CARGO_TARGET_DIR="$PWD/target/doc-c" cargo doc -p spfkit-c --no-deps --lib
