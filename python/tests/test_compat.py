"""spfkit.compat: pyspf's check2/check shapes, names and codes."""

from __future__ import annotations

from typing import Any

import pytest

import spfkit
from spfkit import compat

ZONE = {
    ("pass.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    ("exp.example", "TXT"): ["v=spf1 -all exp=why.exp.example"],
    ("why.exp.example", "TXT"): ["%{i} is not welcome"],
    ("plain.example", "TXT"): ["v=spf1 -all"],
    ("soft.example", "TXT"): ["v=spf1 ~all"],
    ("broken.example", "TXT"): ["v=spf1 ip4:192.0.2.300 -all"],
}


def resolve(name: str, rdtype: str) -> Any:
    if name == "down.example":
        return spfkit.TEMPERROR
    return ZONE.get((name, rdtype), spfkit.NXDOMAIN)


@pytest.mark.parametrize(
    "sender,check2,check",
    [
        ("a@pass.example", ("pass", "sender SPF authorized"), ("pass", 250, "sender SPF authorized")),
        ("a@exp.example", ("fail", "192.0.2.1 is not welcome"), ("fail", 550, "192.0.2.1 is not welcome")),
        ("a@plain.example", ("fail", "SPF fail - not authorized"), ("fail", 550, "SPF fail - not authorized")),
        ("a@soft.example", ("softfail", "domain owner discourages use of this host"),
         ("softfail", 250, "domain owner discourages use of this host")),
        ("a@nothing.example", ("none", ""), ("none", 250, "")),
    ],
)
def test_shapes(sender: str, check2: tuple[str, str], check: tuple[str, int, str]) -> None:
    assert compat.check2("192.0.2.1", sender, "mx.example.org", resolver=resolve) == check2
    assert compat.check("192.0.2.1", sender, "mx.example.org", resolver=resolve) == check


def test_errors_keep_pyspf_names() -> None:
    result, explanation = compat.check2("192.0.2.1", "a@broken.example", "h", resolver=resolve)
    assert result == "permerror" and explanation.startswith("SPF Permanent Error: ")
    result, code, _ = compat.check("192.0.2.1", "a@broken.example", "h", resolver=resolve)
    assert (result, code) == ("unknown", 550)
    result, code, explanation = compat.check("192.0.2.1", "a@down.example", "h", resolver=resolve)
    assert (result, code) == ("temperror", 451) and explanation.startswith("SPF Temporary Error: ")
    with pytest.raises(spfkit.InvalidArgumentError):
        compat.check2("192.0.2.1", "a@pass.example", "h", local="v=spf1 a", resolver=resolve)
