#!/usr/bin/env bash
# The benchmarks compile (bench/README and ../shared/bench run them).
source "$(dirname "$0")/../lib.sh"
cargo bench --workspace --no-run
