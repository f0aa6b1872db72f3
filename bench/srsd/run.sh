#!/bin/sh
# The SRS benchmark (bench/srsd/README.md). From the repository root:
#   bench/srsd/run.sh
# Environment: BENCH_ROUNDS (3), BENCH_REQUESTS (50000), BENCH_LIB_SENDERS (500000),
# BENCH_CONNECTIONS (1,10), BENCH_SERVERS (spfkit-tcp,spfkit-socketmap,postsrsd),
# CARGO_TARGET_DIR (target), CARGO_LOCK (a file to flock(1) around cargo, for machines
# that share their cores).
set -eu
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}

case ",${BENCH_SERVERS:-postsrsd}," in
*,postsrsd,*) command -v postsrsd >/dev/null 2>&1 || [ -x /usr/sbin/postsrsd ] ||
    { echo "run.sh: needs Debian's postsrsd 1.x (apt-get install postsrsd)" >&2; exit 1; } ;;
esac

${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo build --release -j2 -p spfkit-cli -p spfkit-bench \
    --bin spfkit --bin srs-lib --bin srsd-load

exec python3 bench/srsd/bench.py --spfkit "$target/release/spfkit" --lib "$target/release/srs-lib" \
    --load "$target/release/srsd-load" --out "$target/bench-srsd" --rounds "${BENCH_ROUNDS:-3}" \
    --requests "${BENCH_REQUESTS:-50000}" --lib-senders "${BENCH_LIB_SENDERS:-500000}" \
    --connections "${BENCH_CONNECTIONS:-1,10}" --servers "${BENCH_SERVERS:-spfkit-tcp,spfkit-socketmap,postsrsd}"
