"""tests/policy/cases.json (the receiver-policy table every host runs, see
tests/policy/README.md) and what the Python harness needs to read it."""

from __future__ import annotations

import json
from typing import Any

from spfkit.policy import Decision
from suite_zone import ROOT

TABLE = json.loads((ROOT / "tests" / "policy" / "cases.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]
BAD_SETTINGS: list[dict[str, Any]] = TABLE["bad_settings"]

#: The clock of the Rust harness (no case uses %{t}).
TIMESTAMP = 1_700_000_000


def bad_tree(case: dict[str, Any]) -> dict[str, Any]:
    """A bad_settings entry's settings with its `generate` applied, in the
    file's own key order (core names the same key whatever the order)."""
    settings = dict(case["settings"])
    g = case.get("generate")
    if g is not None:
        settings[g["key"]] = [g["value"]] * g["count"]
    return settings


def _toml_string(s: str) -> str:
    # A TOML basic string: JSON's escapes are TOML's, and every control
    # character (DEL too, which JSON leaves as it is) is escaped.
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007F")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"no TOML for {v!r}")


def to_toml(tree: dict[str, Any]) -> str:
    """The same tree as a TOML file: one top-level key per line, tables
    inline (so every error's line is its key's line)."""
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in tree.items())


def _reply(r: Any) -> Any:
    return None if r is None else f"{r.code} {r.enhanced} {r.text}"


def _clean(d: Decision) -> bool:
    def controls(s: str) -> bool:
        return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in s)

    headers = all(not controls(n) and not controls(v.replace("\r\n ", " ")) for n, v in d.headers)
    return headers and (d.reply is None or not controls(d.reply.text))


def differences(d: Decision, expect: dict[str, Any]) -> list[str]:
    """What a decision has where the case expects something else."""
    out = []
    for key, want in expect.items():
        if key == "note":
            continue
        got = {
            "action": lambda: d.action.value,
            "reply": lambda: _reply(d.reply),
            "intended": lambda: _reply(d.intended),
            "rule": lambda: d.rule.value,
            "forwarder": lambda: d.forwarder,
            "reputation_key": lambda: d.reputation_key,
            "headers": lambda: [[n, v] for n, v in d.headers],
            "no_controls": lambda: _clean(d),
        }.get(key)
        assert got is not None, f"unknown expectation {key}"
        if got() != want:
            out.append(f"{key}: got {got()!r}, want {want!r}")
    # The typed values agree with the strings the table compares.
    if d.reply is not None:
        assert str(d.reply) == _reply(d.reply)
    assert d.action == d.action.value and d.rule == d.rule.value
    assert d.refuses == (d.action in ("reject", "defer"))
    return out


def connection(case: dict[str, Any]) -> dict[str, Any]:
    c = case["connection"]
    return {
        "ip": c["ip"],
        "helo": c.get("helo", ""),
        "mail_from": c.get("mail_from", ""),
        "authenticated": c.get("authenticated", False),
    }


__all__ = ["BAD_SETTINGS", "CASES", "TIMESTAMP", "bad_tree", "connection", "differences", "to_toml"]
