"""The package's types: its stub matches the built native module
(mypy.stubtest), and a user file type-checks under mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE)


def test_stubtest() -> None:
    r = run("mypy.stubtest", "spfkit._spfkit")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_on_a_user_file() -> None:
    r = run("mypy", "--strict", "--no-incremental", "typed_user.py")
    assert r.returncode == 0, r.stdout + r.stderr


def test_user_file_runs() -> None:
    r = subprocess.run([sys.executable, str(HERE / "typed_user.py")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "('pass', None) pass ('v=spf1', 0)\n"
        "['reject', 'never-reject', '550', 'Received-SPF', 'mail-from-reject'] accept-with-headers\n"
        "['SRS0+pfQg=7G=example.com=alice@fwd.example', 'alice@example.com', 'not-srs', 'local-domain', '0', 'True', '32']\n"
    )
