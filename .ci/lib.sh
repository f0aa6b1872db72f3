# Sourced by each step in .ci/steps: the repository root as the working
# directory, CARGO_BUILD_JOBS bounded for this 2-core kind of machine, and
# target/ci for machine-readable results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
mkdir -p target/ci
CI="$PWD/target/ci"

# A fresh SPFKIT_COUNTS file for this step: tests append their counts there.
fresh_counts() {
    export SPFKIT_COUNTS="$CI/$1.counts"
    rm -f "$SPFKIT_COUNTS"
}
counts() { python3 .ci/counts.py "$@"; }
