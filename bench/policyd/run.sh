#!/bin/sh
# The policy-server benchmark (bench/policyd/README.md). From the repository root:
#   bench/policyd/run.sh
# Environment: BENCH_ROUNDS (3), BENCH_REQUESTS (10000), BENCH_CONNECTIONS (1,10,100),
# BENCH_SERVERS (spfkit,policyd-spf,spfkit-spawn), CARGO_TARGET_DIR (target),
# CARGO_LOCK (a file to flock(1) around cargo, for machines that share their cores).
set -eu
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}

command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || { echo "run.sh: needs NSD (apt-get install nsd)" >&2; exit 1; }
/usr/bin/python3 -c 'import spf_engine.policyd_spf' 2>/dev/null ||
    { echo "run.sh: needs postfix-policyd-spf-python (apt-get install postfix-policyd-spf-python)" >&2; exit 1; }

${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo build --release -j2 -p spfkit-cli -p spfkit-bench \
    --bin spfkit --bin policyd-load

exec python3 bench/policyd/bench.py --spfkit "$target/release/spfkit" --load "$target/release/policyd-load" \
    --out "$target/bench-policyd" --rounds "${BENCH_ROUNDS:-3}" --requests "${BENCH_REQUESTS:-10000}" \
    --connections "${BENCH_CONNECTIONS:-1,10,100}" --servers "${BENCH_SERVERS:-spfkit,policyd-spf,spfkit-spawn}"
