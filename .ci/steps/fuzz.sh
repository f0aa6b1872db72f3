#!/usr/bin/env bash
# Each fuzz target for FUZZ_SECONDS (default 60) from fuzz/corpus; longer
# runs: bash fuzz/run.sh SECONDS.
source "$(dirname "$0")/../lib.sh"
bash fuzz/run.sh "${FUZZ_SECONDS:-60}"
