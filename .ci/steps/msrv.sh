#!/usr/bin/env bash
# The declared minimum Rust version (workspace rust-version) builds the
# Rust library, the C library, the command and the zonedata crate, in a
# target directory of its own. .ci/run installs the toolchain.
source "$(dirname "$0")/../lib.sh"
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
CARGO_TARGET_DIR="$PWD/target/msrv" cargo "+$msrv" build -p spfkit -p spfkit-c -p spfkit-cli -p spfkit-zonedata
echo "builds with Rust $msrv"
