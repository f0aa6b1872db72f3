#!/usr/bin/env bash
# spfkit policyd with the real mail components: a private Debian Postfix on
# 127.0.0.1 asking it over TCP and through spawn(8), NSD serving the zones
# (tests/postfix); and the same policy requests sent to spfkit policyd and
# to postfix-policyd-spf-python side by side, their decisions compared
# against tests/policyd/expected-differences (tests/policyd); spfkit srsd
# beside Debian's postsrsd 1.10 under one faked clock, and forwarding with
# SRS through a private Postfix over socketmap (unix, chrooted; inet) and
# tcp_table (tests/srsd).
source "$(dirname "$0")/../lib.sh"
fresh_counts postfix
rm -f "$CI/postfix.xml"
cargo build -p spfkit-cli
.venv/bin/python -m pytest -q -p no:cacheprovider --junitxml="$CI/postfix.xml" tests/postfix tests/policyd tests/srsd
counts junit "$CI/postfix.xml"
# Every request of the side-by-side corpus (203 RFC 7208 suite tests, 51
# forwarder requests) was sent to both servers and compared.
counts expect "$SPFKIT_COUNTS" postfix/compare/requests=254
