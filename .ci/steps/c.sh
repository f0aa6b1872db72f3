#!/usr/bin/env bash
# The C library: header checks, the API tests, the suite (step API and
# callback) and the vectors, each plain, under valgrind and with
# ASan/UBSan, pkg-config, and the example against NSD (make c-test).
source "$(dirname "$0")/../lib.sh"
fresh_counts c
make --no-print-directory c-test
counts expect "$SPFKIT_COUNTS" c/suite/step-api=suitex3 c/suite/callback=suitex3 \
    c/vectors/parse=vectors.parsex3 c/vectors/check=vectors.checkx3
