#!/usr/bin/env bash
# Runs each fuzz target for $1 seconds (default 60) from the corpus kept in
# fuzz/corpus/<target>; new inputs found go to a scratch copy, not the repo.
# Needs nightly and cargo-fuzz (.ci/run installs both).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
cargo +nightly fuzz build -O
# Every target cargo-fuzz knows: a new one cannot be left out.
targets="$(cargo +nightly fuzz list)"
[ -n "$targets" ] || { echo "no fuzz targets"; exit 1; }
for target in $targets; do
    work="$(mktemp -d)"
    mkdir -p "corpus/$target"
    cp -r "corpus/$target/." "$work/"
    echo "fuzz $target: ${seconds}s from $(ls "corpus/$target" | wc -l) corpus inputs"
    log="$work.log"
    status=0
    cargo +nightly fuzz run -O "$target" "$work" -- -max_total_time="$seconds" -max_len=4096 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E "stat::number_of_executed_units|^Done" "$log" || true
    if [ "$status" != 0 ]; then tail -40 "$log"; fi
    # libFuzzer's own count, not a printed sentence, says the target ran.
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    if [ "$status" = 0 ] && ! [ "${runs:-0}" -gt 0 ]; then
        echo "fuzz $target executed no input"; status=1
    fi
    rm -rf "$work" "$log"
    if [ "$status" != 0 ]; then
        echo "fuzz $target failed (artifacts in fuzz/artifacts/$target)"
        exit 1
    fi
done
