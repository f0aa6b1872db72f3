#!/usr/bin/env bash
# examples/c/spfcheck (glibc res_nsend, raw answers) against NSD serving
# the project's zones on 127.0.0.1 (tests/dns/serve.py) and a hostile zone
# (a TXT answer too big for TCP, CNAME loops), then against a port nobody
# answers on.
#   example.sh path/to/spfcheck
set -euo pipefail
cd "$(dirname "$0")/../../.."
spfcheck="$1"
work="$(mktemp -d)"
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT

# 4,150 TXT records at one name: NSD can send them even over TCP only
# truncated. Written here: no fixture worth reading.
python3 - "$work/hostile.zone" <<'PY'
import sys
lines = ["$ORIGIN hostile.example.", "$TTL 300", "@ IN SOA ns hostmaster 1 3600 600 86400 60", "@ IN NS ns",
         "ns IN A 192.0.2.53", 'inc IN TXT "v=spf1 include:big.hostile.example -all"',
         "loop IN CNAME loop2", "loop2 IN CNAME loop", "self IN CNAME self"]
lines += ['big IN TXT "t%05d"' % i for i in range(4150)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

# serve.py serves while its stdin is open: hold a FIFO's write end on fd 3.
mkfifo "$work/stdin"
python3 tests/dns/serve.py examples/zones/example.zone tests/dns/e2e.zone "$work/hostile.zone" \
    <"$work/stdin" >"$work/port" &
server=$!
exec 3>"$work/stdin"
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
port="$(cat "$work/port")"
[ -n "$port" ] || { echo "serve.py printed no port"; exit 1; }

failed=0
expect() { # expect ARGS... -- LINE: spfcheck's output must contain LINE
    local args=() line
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    line="$2"
    out="$("$spfcheck" -s "127.0.0.1:$port" "${args[@]}")"
    if ! grep -qxF -- "$line" <<<"$out"; then
        echo "FAIL spfcheck ${args[*]}: no line \"$line\" in:"; echo "$out"; failed=1
    fi
}
expect 192.0.2.99 alice@example.com mail.example.org -- "result: fail"
expect 192.0.2.99 alice@example.com mail.example.org -- \
    "explanation: 192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
expect 192.0.2.99 alice@example.com mail.example.org -- \
    "smtp: 550 5.7.23 192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com"
expect 203.0.113.5 alice@example.com mail.example.org -- "result: pass"
expect 192.0.2.11 alice@example.com mail.example.org -- "result: pass"
expect 192.0.2.1 a@void2.e2e.example x -- "result: pass"
expect 192.0.2.1 a@void3.e2e.example x -- "result: permerror"
expect 192.0.2.1 a@void3.e2e.example x -- \
    "smtp: 550 5.7.24 SPF validation error: more than 2 void lookups (RFC 7208 section 4.6.4)"
expect 192.0.2.1 a@refusing.e2e.example x -- "result: temperror"
expect 192.0.2.1 a@nothing.example.com x -- "result: none"
# RFC 7208 §4.4: a truncated answer and a CNAME loop are DNS errors.
for domain in big inc loop self; do
    expect 192.0.2.1 "a@$domain.hostile.example" x -- "result: temperror"
done

# Stop the server by closing its stdin; it must exit cleanly.
exec 3>&-
wait "$server" || { echo "serve.py exited with $?"; failed=1; }
# Nobody answers on that port now: a temperror, not a hang.
out="$("$spfcheck" -s "127.0.0.1:$port" 192.0.2.1 a@example.com x)"
grep -qxF "result: temperror" <<<"$out" || { echo "FAIL: dead server: $out"; failed=1; }

[ "$failed" = 0 ] && echo "spfcheck against NSD: all passed"
exit "$failed"
