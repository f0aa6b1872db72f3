"""Words and limits are read by core (spfkit's Rust crate), so a wrong one
gets core's text in every host: the Python binding passes it on as
InvalidArgumentError, through the blocking functions, the asyncio ones and
the step classes alike."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable

import pytest

import spfkit

IP, SENDER, HELO = "192.0.2.1", "a@example.com", "h.example"

# Core's texts (core/src/names.rs, Limits::check in core/src/eval.rs).
SCOPE = "identity must be 'both', 'mailfrom' or 'helo', not \"{}\""
IDENTITY = "identity must be 'helo' or 'mailfrom', not \"{}\""
PLAN = "plan must be 'batched' or 'sequential', not \"{}\""
RESULT = "result must be 'none', 'neutral', 'pass', 'fail', 'softfail', 'temperror' or 'permerror', not \"{}\""


def nothing(name: str, rdtype: str) -> Any:
    return spfkit.NXDOMAIN


def refused(call: Callable[[], Any], text: str) -> None:
    """``call`` raises InvalidArgumentError whose message is ``text``
    (pytest's match also sees notes, so the whole message is compared)."""
    with pytest.raises(spfkit.InvalidArgumentError) as info:
        result = call()
        if asyncio.iscoroutine(result):
            result.close()
    assert str(info.value) == text


def test_identity_names_are_cores() -> None:
    # check_host(): one identity, blocking and asyncio; "both" is check()'s.
    for bad in ["both", "MAILFROM", "x", None]:
        refused(lambda: spfkit.check_host(IP, SENDER, HELO, identity=bad, resolver=nothing), IDENTITY.format(bad))  # type: ignore[arg-type]
        refused(lambda: spfkit.check_host_async(IP, SENDER, HELO, identity=bad, resolver=nothing), IDENTITY.format(bad))  # type: ignore[arg-type]
    # The step class also takes "both".
    for bad in ["all", "HELO", ""]:
        refused(lambda: spfkit.Evaluation(IP, SENDER, HELO, identity=bad), SCOPE.format(bad))
    for good in ["both", "mailfrom", "helo", spfkit.Identity.HELO, spfkit.Identity.MAIL_FROM]:
        assert spfkit.Evaluation(IP, SENDER, HELO, identity=good).next()
    for good in [spfkit.Identity.HELO, "helo", "mailfrom"]:
        assert spfkit.check_host(IP, SENDER, HELO, identity=good, resolver=nothing).identity == str(good)
        o = asyncio.run(spfkit.check_host_async(IP, SENDER, HELO, identity=good, resolver=nothing))
        assert o.identity == str(good)
    # An outcome's header for one identity.
    o = spfkit.check(IP, SENDER, HELO, resolver=nothing)
    refused(lambda: o.received_spf("both"), IDENTITY.format("both"))


def test_plan_names_are_cores() -> None:
    for bad in ["fast", "Batched", ""]:
        text = PLAN.format(bad)
        refused(lambda: spfkit.check(IP, SENDER, HELO, resolver=nothing, plan=bad), text)
        refused(lambda: spfkit.check_host(IP, SENDER, HELO, resolver=nothing, plan=bad), text)
        refused(lambda: spfkit.check_async(IP, SENDER, HELO, resolver=nothing, plan=bad), text)
        refused(lambda: spfkit.check_host_async(IP, SENDER, HELO, resolver=nothing, plan=bad), text)
        refused(lambda: spfkit.Evaluation(IP, SENDER, HELO, plan=bad), text)


def test_result_names_are_cores() -> None:
    refused(lambda: spfkit.check(IP, SENDER, HELO, resolver=nothing, definitive=["pass", "maybe"]), RESULT.format("maybe"))
    refused(lambda: spfkit.check_async(IP, SENDER, HELO, resolver=nothing, definitive=["maybe"]), RESULT.format("maybe"))


def test_limits_over_the_maximum_name_the_field() -> None:
    assert spfkit.Limits.MAX == 1000
    for field in ["dns_terms", "mx_names", "ptr_names", "void_lookups"]:
        text = f"limits.{field} is at most 1000, not 5000"
        refused(lambda: spfkit.Limits(**{field: 5000}), text)
        values = {"dns_terms": 10, "mx_names": 10, "ptr_names": 10, "void_lookups": 2, field: 5000}
        as_tuple = (values["dns_terms"], values["mx_names"], values["ptr_names"], values["void_lookups"])
        refused(lambda: spfkit.check(IP, SENDER, HELO, resolver=nothing, limits=as_tuple), text)
        refused(lambda: spfkit.check_host_async(IP, SENDER, HELO, resolver=nothing, limits=as_tuple), text)  # type: ignore[arg-type]
        refused(lambda: spfkit.Evaluation(IP, SENDER, HELO, limits=as_tuple), text)
        refused(lambda: spfkit.Analysis("example.com", limits=as_tuple), text)
        refused(lambda: spfkit.analyze("example.com", resolver=nothing, limits=as_tuple), text)  # type: ignore[arg-type]
    # At the maximum it is taken; a negative int is no count (named too).
    assert spfkit.Limits(mx_names=1000).mx_names == 1000
    with pytest.raises(spfkit.InvalidArgumentError, match=re.escape("limits.void_lookups must be an int from 0 to 1000, not -1")):
        spfkit.Evaluation(IP, SENDER, HELO, limits=(10, 10, 10, -1))
    with pytest.raises(spfkit.InvalidArgumentError, match=re.escape("limits.dns_terms must be an int from 0 to 1000, not -1")):
        spfkit.Limits(dns_terms=-1)
    # Not an int: the Python-side checks.
    with pytest.raises(spfkit.InvalidArgumentError, match="Limits.ptr_names must be an int"):
        spfkit.Limits(ptr_names=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limits must be a spfkit.Limits"):
        spfkit.Evaluation(IP, SENDER, HELO, limits=(1, 2, 3))  # type: ignore[arg-type]
