#!/usr/bin/env bash
# The npm package: built (wasm with no imports from env, within its size
# budget), type-checked, packed, installed into a fresh project and tested
# there with node --test: Node, NSD, and the record tester and a Web Worker
# in Chromium; SRS against postsrsd's vectors (tests/srs).
source "$(dirname "$0")/../lib.sh"
fresh_counts js
rm -f "$CI/js.xml"
(cd js && npm run --silent build && npm run --silent typecheck)
(cd js && SPFKIT_JUNIT="$CI/js.xml" node scripts/test-packed.js)
counts junit "$CI/js.xml"
counts expect "$SPFKIT_COUNTS" js/suite/checkhost=suite js/suite/step-api=suite js/suite/web-worker=suite \
    js/vectors/parse=vectors.parse js/vectors/check=vectors.check \
    js/policy/cases=policy.cases js/policy/bad-settings=policy.bad_settings \
    js/srs/vectors=srs.vectors
