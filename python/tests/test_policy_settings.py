"""spfkit.policy.Settings: from a dict, keyword arguments, TOML text or a
TOML file; every refusal a PolicySettingsError naming file, line and key;
hostile values (wrong types, huge, nested, self-holding, non-UTF-8)."""

from __future__ import annotations

import copy
import pickle
import re
import time
import types
from pathlib import Path
from typing import Any

import pytest

import spfkit
from policy_table import BAD_SETTINGS
from spfkit.policy import Policy, Settings
from suite_zone import ROOT

ZONE = {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"]}


def resolve(name: str, rdtype: str) -> Any:
    return ZONE.get((name, rdtype), spfkit.NXDOMAIN)


def action(settings: Settings, ip: str = "198.51.100.7") -> str:
    m = Policy(settings, resolver=resolve).message(ip=ip, helo="", mail_from="alice@example.com")
    return m.decide("bob@example.net").action.value


def refused(make: Any) -> spfkit.PolicySettingsError:
    with pytest.raises(spfkit.PolicySettingsError) as e:
        make()
    return e.value


def test_dict_keywords_and_toml_are_the_same_settings() -> None:
    tree = {"authserv_id": "mx.example.net", "mail_from": {"reject": ["fail", "softfail"]}}
    toml = 'authserv_id = "mx.example.net"\n[mail_from]\nreject = ["fail", "softfail"]\n'
    forms = [
        Settings(tree),
        Settings(**tree),
        Settings({"authserv_id": "mx.example.net"}, mail_from={"reject": ["fail", "softfail"]}),
        Settings.from_dict(tree, file="policy.json"),
        Settings.from_toml(toml),
        Settings.from_toml(toml.encode()),
    ]
    for s in forms:
        assert s.authserv_id == "mx.example.net"
        assert action(s) == "reject"  # softfail rejects here
    assert action(Settings()) == "accept-with-headers"  # not by default
    assert repr(forms[0]) == '<Settings authserv_id="mx.example.net", 0 domain and 0 address overrides>'
    # A Policy takes a dict too.
    assert Policy(tree).settings.authserv_id == "mx.example.net"


def test_settings_are_a_copy() -> None:
    tree: dict[str, Any] = {"mail_from": {"reject": ["fail", "softfail"]}}
    s = Settings(tree)
    tree["mail_from"]["reject"] = ["fail"]
    assert action(s) == "reject"


def test_the_documented_example_loads(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "policy-settings.md").read_text(encoding="utf-8")
    match = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert match
    path = tmp_path / "policy.toml"
    path.write_text(match.group(1), encoding="utf-8")
    for p in (path, str(path), bytes(path)):
        s = Settings.load(p)
        assert s.authserv_id == "mx.example.net"
    assert repr(s) == '<Settings authserv_id="mx.example.net", 1 domain and 1 address overrides>'


def test_toml_errors_carry_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('authserv_id = "mx.example.net"\n\n[mail_from]\nrejcet = []\n', encoding="utf-8")
    e = refused(lambda: Settings.load(path))
    assert (e.file, e.line, e.key, e.message) == (str(path), 4, "mail_from.rejcet", "unknown key")
    assert str(e) == f"{path}:4: mail_from.rejcet: unknown key"
    assert isinstance(e, ValueError) and isinstance(e, spfkit.SpfkitError)
    # It pickles and copies with its attributes.
    for again in (pickle.loads(pickle.dumps(e)), copy.copy(e)):
        assert (again.file, again.line, again.key, str(again)) == (e.file, e.line, e.key, str(e))

    e = refused(lambda: Settings.from_toml('log_only = true\nheader = "all"\n', file="p.toml"))
    assert (e.line, e.key) == (2, "header")
    assert str(e) == 'p.toml:2: header: "all" is not received-spf, authentication-results, both or none'

    e = refused(lambda: Settings.from_toml("log_only = true\n[mail_from\n"))
    assert (e.file, e.line, e.key) == ("<string>", 2, "(syntax)")
    assert "\n" not in str(e)

    e = refused(lambda: Settings.from_toml("log_only = 1.5\n"))
    assert (e.key, e.message) == ("log_only", "must be true or false, not a float")


def test_a_file_that_is_not_utf8_or_too_big(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'log_only = true\n# caf\xe9\n')
    e = refused(lambda: Settings.load(path))
    assert (e.line, e.key, e.message) == (2, "(file)", "not UTF-8 (byte 21)")
    e = refused(lambda: Settings.from_toml(b"\xff"))
    assert (e.file, e.line, e.key) == ("<string>", 1, "(file)")

    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.write(b"# " + b"x" * (16 << 20) + b"\n")
    e = refused(lambda: Settings.load(big))
    assert (e.line, e.key, e.message) == (None, "(file)", f"larger than {16 << 20} bytes")
    e = refused(lambda: Settings.from_toml("#" * ((16 << 20) + 1)))
    assert e.key == "(file)"

    with pytest.raises(FileNotFoundError):
        Settings.load(tmp_path / "missing.toml")
    with pytest.raises(IsADirectoryError):
        Settings.load(tmp_path)
    with pytest.raises(TypeError):
        Settings.from_toml(42)  # type: ignore[arg-type]


def test_dict_errors_name_the_key() -> None:
    e = refused(lambda: Settings({"mail_from": {"reject": ["pass"]}}))
    assert (e.file, e.line, e.key) == ("<settings>", None, "mail_from.reject[0]")
    assert str(e).startswith("<settings>: mail_from.reject[0]: pass cannot reject here")
    e = refused(lambda: Settings.from_dict({"address": {"bob@example.net": {"log_only": 1}}}, file="users.json"))
    assert str(e) == 'users.json: address."bob@example.net".log_only: must be true or false, not an integer'
    # The same key twice (a dict and a keyword): refused, not one silently winning.
    e = refused(lambda: Settings({"log_only": True}, log_only=False))
    assert (e.key, e.message) == ("log_only", "set twice")
    # A domain that differs only in case is the same.
    e = refused(lambda: Settings(domain={"Example.org": {}, "example.org": {}}))
    assert e.key == 'domain."example.org"'


@pytest.mark.parametrize(
    "value, named",
    [
        (1.5, "a float"),
        (None, "None"),
        (b"true", "bytes"),
        ({1, 2}, "a value of another type"),
        (object(), "a value of another type"),
        ("true", "a string"),
        (1, "an integer"),
        ([True], "a list"),
        ({"x": True}, "a table"),
    ],
)
def test_values_of_the_wrong_type(value: Any, named: str) -> None:
    e = refused(lambda: Settings(log_only=value))
    assert (e.key, e.message) == ("log_only", f"must be true or false, not {named}")


def test_hostile_shapes() -> None:
    # Keys are str; the argument is a mapping.
    with pytest.raises(TypeError, match="keys are str"):
        Settings({1: True})
    with pytest.raises(TypeError, match="keys are str"):
        Settings(domain={("example.org",): {}})
    for bad in (42, "log_only = true", [("log_only", True)], None.__class__):
        with pytest.raises(TypeError):
            Settings(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Settings.from_dict([])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Policy(42)  # type: ignore[arg-type]
    # Any Mapping, and tuples as lists.
    s = Settings(types.MappingProxyType({"mail_from": types.MappingProxyType({"reject": ("fail", "softfail")})}))
    assert action(s) == "reject"
    # An int beyond 64 bits, a negative count.
    e = refused(lambda: Settings(unacceptable_pass={"max_addresses": 2**80}))
    assert e.message == "must be an integer, not an integer out of range"
    e = refused(lambda: Settings(unacceptable_pass={"max_addresses": -1}))
    assert e.message == "must be 0 (off) or more"
    # A dict that holds itself, and nesting deeper than any setting.
    loop: dict[str, Any] = {}
    loop["mail_from"] = loop
    e = refused(lambda: Settings(loop))
    assert e.key == "mail_from.mail_from"
    deep: Any = True
    for _ in range(100_000):
        deep = [deep]
    e = refused(lambda: Settings(skip_networks=deep))
    assert e.key == "skip_networks[0]"
    # Lone surrogates are no domain.
    e = refused(lambda: Settings(mail_from={"must_pass": ["bank\udcff.example"]}))
    assert e.key == "mail_from.must_pass[0]"
    # A control character in a string that may reach a header.
    e = refused(lambda: Settings(authserv_id="mx\r\nX-Evil: 1"))
    assert e.key == "authserv_id" and "\n" not in str(e)
    e = refused(lambda: Settings(domain={"a\nb.example": {}}))
    assert e.key == 'domain."a\\u000Ab.example"' and "\n" not in str(e)


def test_huge_values_are_refused_quickly() -> None:
    t = time.monotonic()
    e = refused(lambda: Settings(skip_networks=["192.0.2.1"] * 10_000_000))
    assert (e.key, e.message) == ("skip_networks", "more than 1024 entries")
    e = refused(lambda: Settings(authserv_id="a" * 50_000_000))
    assert (e.key, e.message) == ("authserv_id", "must be a string, not more than a settings file may hold (16 MiB)")
    # Shallow but endless: a list holding itself 1,024 times. The tree
    # costs what a file may hold in all, then core refuses where it stopped.
    loop: list[Any] = []
    loop.extend([loop] * 1024)
    e = refused(lambda: Settings(skip_networks=loop))
    assert e.key.startswith("skip_networks[0]")
    e = refused(lambda: Settings(address={f"u{i}@example.net": {} for i in range(100_001)}))
    assert (e.key, e.message) == ("address", "more than 100000 entries")
    e = refused(lambda: Settings({f"k{i}": True for i in range(1_000_000)}))
    assert e.key == "k0"
    assert time.monotonic() - t < 30


def test_the_key_named_does_not_depend_on_key_order() -> None:
    # A forwarder with two kinds is named as a whole, whichever order a
    # dict keeps its keys in.
    (case,) = [c for c in BAD_SETTINGS if c["name"] == "forwarder-two-kinds"]
    assert case["error_key"] == "forwarder[0]"
    for fw in ({"name": "mixed", "networks": ["198.51.100.0/24"], "domain": "pobox.example"},
               {"name": "mixed", "domain": "pobox.example", "networks": ["bad"]}):
        assert refused(lambda: Settings(forwarder=[fw])).key == "forwarder[0]"