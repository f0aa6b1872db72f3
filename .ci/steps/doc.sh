#!/usr/bin/env bash
# The API documentation builds without a warning: the docs lean on
# intra-doc links, and a broken one is a warning.
source "$(dirname "$0")/../lib.sh"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
