"""tests/policy/cases.json through the installed wheel, as
core/tests/policy.rs runs it in Rust: every case blocking (settings from a
dict, a sync recipient_rules callback) and under asyncio (settings from
the same tree written as TOML, a coroutine resolver and callback), and
every bad_settings entry refused as a dict, as keyword arguments and as
TOML, each error naming the entry's key on one line. Each run is counted
(SPFKIT_COUNTS, .ci/counts.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest

import spfkit
from policy_table import BAD_SETTINGS, CASES, TIMESTAMP, bad_tree, connection, differences, to_toml
from spfkit.policy import Policy, Settings
from suite_zone import SuiteZone, record_count


class HostRules:
    """The callback the harness gives: each recipient's `host_rules`, and
    a record of what it was asked."""

    def __init__(self) -> None:
        self.current: Optional[dict[str, Any]] = None
        self.asked: list[str] = []

    def __call__(self, recipient: str) -> Optional[dict[str, Any]]:
        self.asked.append(recipient)
        return self.current

    async def coroutine(self, recipient: str) -> Optional[dict[str, Any]]:
        await asyncio.sleep(0)
        return self(recipient)


def run_case(case: dict[str, Any], mode: str) -> list[str]:
    zone = SuiteZone(case["zone"])
    rules = HostRules()
    if mode == "blocking":
        settings = Settings.from_dict(case["settings"], file=case["name"])
        policy = Policy(settings, resolver=zone, recipient_rules=rules, timestamp=TIMESTAMP)
    else:
        settings = Settings.from_toml(to_toml(case["settings"]), file=case["name"])

        async def resolve(name: str, rdtype: str) -> Any:
            await asyncio.sleep(0)
            return zone(name, rdtype)

        policy = Policy(settings, resolver=resolve, recipient_rules=rules.coroutine, timestamp=TIMESTAMP)
    message = policy.message(**connection(case))
    problems = []
    for i, r in enumerate(case["recipients"]):
        rules.current = r.get("host_rules")
        before = len(rules.asked)
        if mode == "blocking":
            d = message.decide(r["address"])
        else:
            d = asyncio.run(message.decide_async(r["address"]))
        problems += [f"recipient {i} ({r['address']!r}): {p}" for p in differences(d, r["expect"])]
        # The callback is asked once for each recipient core checks.
        asked = rules.asked[before:]
        if d.rule == "bad-recipient":
            assert asked == [], case["name"]
        else:
            assert len(asked) == 1 and asked[0] == r["address"].strip("<>"), (case["name"], asked)
    return problems


@pytest.mark.parametrize("mode", ["blocking", "asyncio"])
def test_policy_cases(mode: str) -> None:
    failed = []
    for case in CASES:
        problems = run_case(case, mode)
        if problems:
            failed.append(f"{case['name']}:\n  " + "\n  ".join(problems))
    record_count(f"python/policy/cases/{mode}", len(CASES), len(CASES) - len(failed))
    print(f"policy cases (Python, {mode}): {len(CASES)} ran, {len(CASES) - len(failed)} passed")
    assert not failed, f"{len(failed)} of {len(CASES)} cases failed:\n" + "\n".join(failed)


def refused(form: str, tree: dict[str, Any]) -> spfkit.PolicySettingsError:
    with pytest.raises(spfkit.PolicySettingsError) as e:
        if form == "dict":
            Settings.from_dict(tree, file="policy.toml")
        elif form == "keywords":
            Settings(**tree)
        else:
            Settings.from_toml(to_toml(tree), file="policy.toml")
    return e.value


@pytest.mark.parametrize("form", ["dict", "keywords", "toml"])
def test_bad_settings_name_their_key(form: str) -> None:
    failed = []
    for case in BAD_SETTINGS:
        try:
            e = refused(form, bad_tree(case))
        except pytest.fail.Exception:
            failed.append(f"{case['name']}: accepted")
            continue
        if e.key != case["error_key"]:
            failed.append(f"{case['name']}: key {e.key!r}, want {case['error_key']!r} ({e})")
        text = str(e)
        if "\r" in text or "\n" in text:
            failed.append(f"{case['name']}: the message spans lines: {text!r}")
        # file:line: key: message, the line a TOML file's only.
        where = "policy.toml" if form != "keywords" else "<settings>"
        if form == "toml":
            assert isinstance(e.line, int) and e.line >= 1, case["name"]
            want = f"{where}:{e.line}: {e.key}: {e.message}"
        else:
            assert e.line is None, case["name"]
            want = f"{where}: {e.key}: {e.message}"
        if (e.file, text) != (where, want):
            failed.append(f"{case['name']}: {e.file!r} {text!r}, want {want!r}")
    name = "python/policy/bad-settings" + ("" if form == "dict" else f"/{form}")
    record_count(name, len(BAD_SETTINGS), len(BAD_SETTINGS) - len(failed))
    assert not failed, "\n".join(failed)
