#!/usr/bin/env bash
# The Rust tests: unit, doc, the RFC 7208 suite (step API, the YAML zone
# loader, the command), tests/vectors, tests/srs (core and the command),
# the command against NSD; then core without the idna crate (as the npm
# package builds it). Verdicts come from
# libtest's JSON and the counts the suites record, not printed lines.
source "$(dirname "$0")/../lib.sh"
fresh_counts rust
rm -f "$CI/rust.json" "$CI/rust-no-idna.json"
# libtest's JSON output is unstable: RUSTC_BOOTSTRAP lets the stable test
# binaries give it.
RUSTC_BOOTSTRAP=1 cargo test --workspace -- -Z unstable-options --format json >"$CI/rust.json"
RUSTC_BOOTSTRAP=1 cargo test -p spfkit --no-default-features --features wire --lib \
    -- -Z unstable-options --format json >"$CI/rust-no-idna.json"
counts libtest "$CI/rust.json" "$CI/rust-no-idna.json"
counts expect "$SPFKIT_COUNTS" rust/suite/step-api=suite rust/suite/yaml-loader=suite rust/suite/cli=suite \
    rust/vectors/parse=vectors.parse rust/vectors/check=vectors.check \
    rust/policy/cases=policy.cases rust/policy/bad-settings=policy.bad_settings \
    rust/srs/vectors=srs.vectors rust/srs/cli=srs.vectors
# cargo built spfkit-c above, whose build.rs rewrites the header when stale.
git diff --exit-code -- include/spfkit.h \
    || { echo "include/spfkit.h is stale: commit the regenerated header"; exit 1; }
