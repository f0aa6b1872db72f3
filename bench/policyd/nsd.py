#!/usr/bin/env python3
"""tests/dns/serve.py, with NSD's response rate limiting off.

    python3 bench/policyd/nsd.py ZONEFILE... [--port N]

Debian's NSD is built with --enable-ratelimit, and then answers at most
200 queries a second per (source /24, name) bucket (`rrl-ratelimit`'s
default): past that it drops answers or sends them truncated (`rrl-slip`),
so a benchmark whose every query comes from 127.0.0.1 would measure the
rate limiter (2 s resolver timeouts and TCP retries), not the servers.
Measured: 1,000 queries in a row for one name got 981 answers, 11
truncated and 8 none. Everything else is serve.py's own code, unchanged.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SERVE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests/dns/serve.py")

spec = importlib.util.spec_from_file_location("serve", SERVE)
serve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)

_config = serve.config


def config(directory, port, zones):
    path = _config(directory, port, zones)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("server:\n", "server:\n    rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n", 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


serve.config = config

if __name__ == "__main__":
    sys.exit(serve.main(sys.argv[1:]))
