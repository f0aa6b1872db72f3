#!/usr/bin/env bash
# The C library: header checks, the API tests, the suite (step API and
# callback), the vectors, the receiver-policy table (every case by steps
# and blocking, every refused setting) and the SRS vectors, each plain,
# under valgrind and with ASan/UBSan, pkg-config, and the examples
# (spfcheck against NSD; policy.c and srs.c against their output) (make
# c-test).
source "$(dirname "$0")/../lib.sh"
fresh_counts c
make --no-print-directory c-test
counts expect "$SPFKIT_COUNTS" c/suite/step-api=suitex3 c/suite/callback=suitex3 \
    c/vectors/parse=vectors.parsex3 c/vectors/check=vectors.checkx3 \
    c/policy/cases=policy.casesx3 c/policy/bad-settings=policy.bad_settingsx3 \
    c/srs/vectors=srs.vectorsx3
