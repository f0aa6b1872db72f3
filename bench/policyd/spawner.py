#!/usr/bin/env python3
"""A process per connection, the way Postfix's spawn(8) runs a policy
service: accepts TCP connections on 127.0.0.1 and starts COMMAND for each
with the connection as its standard input and output.

    python3 bench/policyd/spawner.py [--stderr FILE] -- COMMAND [ARG...]

Prints the port on one line, serves until standard input closes (or
SIGTERM), then terminates the commands still running and exits.
"""

import os
import select
import signal
import socket
import sys


def main(argv):
    stderr = os.devnull
    if argv[:1] == ["--stderr"]:
        stderr, argv = argv[1], argv[2:]
    if argv[:1] != ["--"] or len(argv) < 2:
        sys.exit("usage: spawner.py [--stderr FILE] -- COMMAND [ARG...]")
    command = argv[1:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    children = set()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(listener.getsockname()[1], flush=True)
    err = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while not stopping:
            try:
                ready, _, _ = select.select([listener, sys.stdin], [], [], 0.5)
            except InterruptedError:
                continue
            if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
                break
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                children.discard(pid)
            if listener in ready:
                conn, _ = listener.accept()
                pid = os.fork()
                if pid == 0:
                    # As spawn(8): the connection on 0 and 1; nothing else open.
                    os.dup2(conn.fileno(), 0)
                    os.dup2(conn.fileno(), 1)
                    os.dup2(err, 2)
                    os.closerange(3, 65536)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    try:
                        os.execv(command[0], command)
                    finally:
                        os._exit(127)
                children.add(pid)
                conn.close()
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in list(children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
