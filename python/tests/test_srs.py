"""spfkit.srs through the installed wheel: every entry of
tests/srs/vectors.json (what postsrsd 1.10 wrote; core/tests/srs.rs runs
the same in Rust), what postsrsd cannot show (URL-safe writing, refusing
long local parts, settings errors), the clock, and hostile input: wrong
types, NUL, lone surrogates, huge strings and numbers."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import pickle
import re
import secrets
import threading
import time
from typing import Any

import pytest

import spfkit
from spfkit.srs import ErrorKind, Forwarded, Settings, Srs, SrsError, SrsSettingsError, SrsWarning, Unchanged, keygen
from suite_zone import ROOT, record_count

DOC = json.loads((ROOT / "tests" / "srs" / "vectors.json").read_text(encoding="utf-8"))
#: 2026-01-01T12:00:00Z, day slot 998 ("7G").
NOW = 1_767_268_800
DAY = 86_400
SECRET = "test-secret-one"


def settings_from(config: dict[str, Any]) -> Settings:
    options = {k: config[k] for k in ("separator", "hash_length", "hash_min", "local_domains") if k in config}
    return Settings(config["domain"], config["secrets"], **options)


def outcome(call: Any) -> dict[str, Any]:
    """A forward or reverse outcome in the vectors' form."""
    try:
        got = call()
    except SrsError as e:
        return {"outcome": "error", "kind": e.kind.value}
    if isinstance(got, str):
        return {"outcome": "ok", "address": got}
    assert isinstance(got, Forwarded)
    if got.reason is not None:
        return {"outcome": "unchanged", "reason": got.reason.value}
    return {"outcome": "ok", "address": got.address, "warnings": [w.kind for w in got.warnings]}


def test_postsrsd_vectors() -> None:
    rewriters = {name: Srs(settings_from(c)) for name, c in DOC["configs"].items()}
    failed = []
    for v in DOC["vectors"]:
        srs = rewriters[v["config"]]
        op = srs.forward if v["op"] == "forward" else srs.reverse
        got = outcome(lambda: op(v["input"], v["now"]))
        if got != v["expected"]:
            failed.append(f"{v['config']} {v['op']} {v['input']!r}: got {got}, want {v['expected']}")
        elif got["outcome"] == "unchanged":
            # The sender as given, the very object.
            again = srs.forward(v["input"], v["now"])
            assert again.address is v["input"]
    n = len(DOC["vectors"])
    record_count("python/srs/vectors", n, n - len(failed))
    assert not failed, f"{len(failed)} of {n} vectors failed:\n" + "\n".join(failed)
    assert n >= 90, n


def srs(**options: Any) -> Srs:
    return Srs(domain="fwd.example", secrets=SECRET, **options)


def kind(call: Any) -> ErrorKind:
    with pytest.raises(SrsError) as e:
        call()
    return e.value.kind


def test_core_doc_example() -> None:
    s = srs()
    now = 1_767_225_600  # 2026-01-01T00:00:00Z
    fwd = s.forward("alice@example.com", now)
    assert (fwd.address, fwd.rewritten, fwd.reason, fwd.warnings) == (
        "SRS0=pfQg=7G=example.com=alice@fwd.example", True, None, ())
    assert str(fwd) == fwd.address
    assert s.reverse(fwd.address, now + 7 * DAY) == "alice@example.com"
    assert kind(lambda: s.reverse(fwd.address, now + 22 * DAY)) is ErrorKind.EXPIRED
    assert kind(lambda: s.reverse("SRS0=AAAA=7G=example.com=alice@fwd.example", now)) is ErrorKind.BAD_HASH
    assert kind(lambda: s.reverse("bob@fwd.example", now)) == "not-srs"
    local = s.forward("carol@FWD.example", now)
    assert (local.rewritten, local.reason, local.address) == (False, Unchanged.LOCAL_DOMAIN, "carol@FWD.example")
    again = s.forward(fwd.address, now)
    assert again.reason is Unchanged.ALREADY_REWRITTEN and again.address == fwd.address


def test_url_safe_writes_dash_and_underscore() -> None:
    url = srs(url_safe=True)
    a = url.forward("urlsafe2@example.com", NOW).address
    assert a == "SRS0=f-Bb=7G=example.com=urlsafe2@fwd.example"
    for given in [a, "SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example", "srs0=F-BB=7g=example.com=urlsafe2@x"]:
        assert url.reverse(given, NOW) == "urlsafe2@example.com"
        assert srs().reverse(given, NOW) == "urlsafe2@example.com"


def test_long_local_parts_warn_or_are_refused() -> None:
    long = "a" * 40 + "@example.com"
    fwd = srs().forward(long, NOW)
    assert fwd.warnings == (SrsWarning("long-local-part", 65, fwd.warnings[0].message),)
    assert str(fwd.warnings[0]) == "long-local-part: the rewritten local part has 65 octets, more than RFC 5321's 64"
    strict = srs(refuse_long=True)
    with pytest.raises(SrsError) as e:
        strict.forward(long, NOW)
    assert e.value.kind is ErrorKind.TOO_LONG
    assert str(e.value) == "too-long: the rewritten local part passes 64 octets"
    assert e.value.message == "the rewritten local part passes 64 octets"
    assert strict.forward("a" * 39 + "@example.com", NOW).warnings == ()
    assert strict.reverse(fwd.address, NOW) == long


def test_lengths_at_the_buffer_edge() -> None:
    s = srs()
    assert spfkit.srs.MAX_ADDRESS_LEN == 1023

    def at(n: int) -> str:
        return "u" * (n - 12) + "@example.com"

    assert len(s.forward(at(998), NOW).address) == spfkit.srs.MAX_ADDRESS_LEN
    for n in [999, 1024, 100_000]:
        assert kind(lambda: s.forward(at(n), NOW)) is ErrorKind.TOO_LONG
    local = "b" * 1011 + "@fwd.example"
    assert s.forward(local, NOW).address == local
    assert kind(lambda: s.forward("b" + local, NOW)) is ErrorKind.TOO_LONG
    assert kind(lambda: s.reverse(f"SRS0=pfQg=7G=example.com={'a' * 1000}@fwd.example", NOW)) is ErrorKind.TOO_LONG
    assert kind(lambda: s.reverse("a" * 5000 + "@x", NOW)) is ErrorKind.NOT_SRS


def test_two_secrets_sign_with_the_first() -> None:
    old = srs()
    both = Srs(domain="fwd.example", secrets=["test-secret-new", SECRET])
    assert Srs(domain="fwd.example", secrets=[b"test-secret-new", SECRET.encode()]).settings == both.settings
    made_old = old.forward("x@example.com", NOW).address
    made_new = both.forward("x@example.com", NOW).address
    assert made_old != made_new
    assert both.reverse(made_old, NOW) == both.reverse(made_new, NOW) == "x@example.com"
    assert kind(lambda: old.reverse(made_new, NOW)) is ErrorKind.BAD_HASH


def test_max_age_and_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    a = "SRS0=pfQg=7G=example.com=alice@fwd.example"
    strict = srs(max_age_days=0)
    assert strict.reverse(a, NOW + DAY - 1 - 12 * 3600) == "alice@example.com"
    assert kind(lambda: strict.reverse(a, NOW + DAY)) is ErrorKind.EXPIRED
    # No now: the clock, read by the binding (core never reads it).
    monkeypatch.setattr(time, "time", lambda: NOW + 0.9)
    assert srs().forward("alice@example.com").address == a
    assert srs().reverse(a) == "alice@example.com"
    monkeypatch.setattr(time, "time", lambda: NOW + 30 * DAY)
    assert kind(lambda: srs().reverse(a)) is ErrorKind.EXPIRED
    # A float is floored, as the clock is.
    assert srs().forward("alice@example.com", NOW + 0.5).address == a
    assert srs().reverse(a, float(NOW)) == "alice@example.com"


def test_now_is_checked() -> None:
    s = srs()
    for bad in [-1, 2**64, 10**400, -0.5, 1e300, float("nan"), float("inf"), -float("inf")]:
        with pytest.raises(spfkit.InvalidArgumentError, match="now must be Unix seconds from 0"):
            s.forward("a@example.com", bad)
        with pytest.raises(spfkit.InvalidArgumentError):
            s.reverse("SRS0=pfQg=7G=example.com=alice@fwd.example", bad)
    for bad_type in [True, "1767268800", b"1", [NOW]]:
        with pytest.raises(TypeError, match="now is Unix seconds"):
            s.forward("a@example.com", bad_type)  # type: ignore[arg-type]
    # The largest is taken: the day wraps modulo 1024 like any other.
    assert s.forward("a@example.com", 2**64 - 1).rewritten


def test_keygen_uses_the_systems_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    made = {keygen() for _ in range(8)}
    assert len(made) == 8
    for k in made:
        assert len(k) == 32 and len(base64.b64decode(k, validate=True)) == 24
        s = Srs(domain="fwd.example", secrets=k)
        assert s.reverse(s.forward("x@example.com", NOW).address, NOW) == "x@example.com"
    # The octets come from secrets.token_bytes; the text is core's base64.
    asked = []

    def token_bytes(n: int) -> bytes:
        asked.append(n)
        return bytes(n)

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    assert keygen() == "A" * 32 and asked == [24]
    assert spfkit._spfkit._srs_secret(b"foob") == "Zm9vYg=="


def test_error_and_reason_names_are_cores() -> None:
    # ErrorKind, Unchanged and the settings errors copy core's names: read
    # core's as_str() tables, so a name core adds or renames fails here.
    def names(path: str, enum: str) -> list[str]:
        text = (ROOT / path).read_text(encoding="utf-8")
        return re.findall(enum + r'::\w+(?: \{ \.\. \})? => "([a-z-]+)"', text)

    assert [k.value for k in ErrorKind] == names("core/src/srs/error.rs", "ErrorKind")
    assert [u.value for u in Unchanged] == names("core/src/srs.rs", "Unchanged")
    assert names("core/src/srs/error.rs", "Warning") == ["long-local-part"]
    settings_kinds = names("core/src/srs/settings.rs", "SettingsError")
    assert len(settings_kinds) == 8
    doc = SrsSettingsError.__doc__ or ""
    assert re.findall(r'``"([a-z-]+)"``', doc) == settings_kinds
    assert {kind_of(**bad) for bad in BAD_SETTINGS} == set(settings_kinds)
    # What each kind of error and warning says is core's.
    e = pytest.raises(SrsError, srs().reverse, "SRS0=AAAA=7G=a=b@x", NOW).value
    assert (str(e), e.kind, e.message) == ("bad-hash: the hash is invalid", "bad-hash", "the hash is invalid")
    assert str(ErrorKind.BAD_HASH) == "bad-hash" and str(Unchanged.LOCAL_DOMAIN) == "local-domain"


#: Settings core refuses, each by one kind.
BAD_SETTINGS: list[dict[str, Any]] = [
    {"secrets": []},
    {"secrets": [""]},
    {"secrets": ["ok", b""]},
    {"secrets": "a\0b"},
    {"domain": ""},
    {"domain": "a@b"},
    {"domain": "f\u00fc.example"},
    {"domain": "fwd.\udcffexample"},
    {"domain": "fwd example"},
    {"separator": "/"},
    {"separator": ""},
    {"separator": "=="},
    {"separator": "\udcff"},
    {"hash_length": 0},
    {"hash_length": 28},
    {"hash_length": -1},
    {"hash_length": 2**100},
    {"hash_min": 0},
    {"hash_min": 5},
    {"hash_min": -(2**100)},
    {"max_age_days": 1024},
    {"max_age_days": -1},
    {"max_age_days": 2**32},
    {"local_domains": ["."]},
    {"local_domains": ["ok.example", " x"]},
    {"local_domains": [""]},
    {"local_domains": ["\udcff.example"]},
]


def refusal(**bad: Any) -> SrsSettingsError:
    """The error of Settings() and of Srs() with ``bad`` over good settings."""
    values: dict[str, Any] = {"domain": "fwd.example", "secrets": "s", **bad}
    with pytest.raises(SrsSettingsError) as e:
        Settings(**values)
    with pytest.raises(SrsSettingsError) as e2:
        Srs(**values)
    assert (e.value.kind, str(e.value)) == (e2.value.kind, str(e2.value))
    assert isinstance(e.value, ValueError) and isinstance(e.value, spfkit.SpfkitError)
    return e.value


def kind_of(**bad: Any) -> str:
    return refusal(**bad).kind


def test_settings_are_checked_by_core() -> None:
    # Core's sentences (core/src/srs/settings.rs), passed on as they are.
    want = {
        "no-secret": "no secret given",
        "bad-secret": "a secret is empty or holds a NUL octet",
        "bad-domain": "the domain is empty or holds '@', a space or a non-ASCII octet",
        "bad-separator": "the separator must be '=', '+' or '-'",
        "bad-hash-length": "the hash length must be 1 to 27",
        "bad-hash-min": "the minimum hash length must be 1 to the hash length",
        "bad-max-age": "the maximum age must be 0 to 1023 days",
        "bad-local-domain": "a local domain is empty or holds '@', a space or a non-ASCII octet",
    }
    seen = set()
    for bad in BAD_SETTINGS:
        e = refusal(**bad)
        assert str(e) == e.message == want[e.kind], bad
        seen.add(e.kind)
    assert seen == set(want)
    # The bounds themselves are taken.
    s = Settings("fwd.example", "s", hash_length=27, hash_min=1, max_age_days=1023, separator="-")
    assert (s.hash_length, s.hash_min, s.max_age_days, spfkit.srs.MAX_HASH_LENGTH, spfkit.srs.MAX_AGE_DAYS_LIMIT) == (
        27, 1, 1023, 27, 1023)
    a = Srs(s).forward("a@example.com", NOW).address
    hash27 = a[len("SRS0-"):].split("=")[0]
    assert a.startswith("SRS0-") and len(hash27) == 27
    assert Srs(s).reverse(a.replace(hash27, hash27[:1], 1), NOW) == "a@example.com"


def test_settings_are_a_frozen_value() -> None:
    s = Settings("fwd.example", ["new", b"old\xff"], local_domains=["a.example", ".b.example"])
    assert s.secrets == (b"new", b"old\xff") and s.local_domains == ("a.example", ".b.example")
    assert s == Settings("fwd.example", (b"new", "old\udcff"), local_domains=("a.example", ".b.example"))
    assert hash(s) == hash(copy.deepcopy(s))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.domain = "x.example"  # type: ignore[misc]
    plus = dataclasses.replace(s, separator="+")
    assert plus.separator == "+" and plus.secrets == s.secrets
    with pytest.raises(SrsSettingsError):
        dataclasses.replace(s, separator="/")
    # The secrets stay out of repr(), of the Settings and of the Srs.
    for shown in (repr(s), repr(Srs(s)), str(s)):
        assert "new" not in shown and "old" not in shown and "2 hidden" in shown
    assert pickle.loads(pickle.dumps(s)) == s
    # One Settings or keyword arguments, the same rewriter.
    assert Srs(s).settings is s
    assert Srs(domain="fwd.example", secrets=["new", b"old\xff"]).forward("a@example.com", NOW) == Srs(
        Settings("fwd.example", ["new", "old\udcff"])).forward("a@example.com", NOW)


def test_settings_types_are_checked() -> None:
    ok: dict[str, Any] = {"domain": "fwd.example", "secrets": "s"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"domain": b"fwd.example"}, "domain is a str, not bytes"),
        ({"domain": None}, "domain is a str, not NoneType"),
        ({"secrets": None}, "secrets is a str, bytes or a list of them, not NoneType"),
        ({"secrets": 5}, "secrets is a str, bytes or a list of them, not int"),
        ({"secrets": ["ok", 5]}, "a secret is a str or bytes, not int"),
        ({"separator": ord("=")}, "separator is a str, not int"),
        ({"hash_length": True}, "hash_length is an int, not bool"),
        ({"hash_min": 4.0}, "hash_min is an int, not float"),
        ({"max_age_days": "21"}, "max_age_days is an int, not str"),
        ({"url_safe": 1}, "url_safe is True or False, not int"),
        ({"refuse_long": "no"}, "refuse_long is True or False, not str"),
        ({"local_domains": "local.example"}, "local_domains is a list of domains, not str"),
        ({"local_domains": None}, "local_domains is a list of domains, not NoneType"),
        ({"local_domains": [b"local.example"]}, "a local domain is a str, not bytes"),
    ]
    for bad, message in cases:
        with pytest.raises(TypeError, match=re.escape(message)):
            Settings(**{**ok, **bad})
    with pytest.raises(TypeError):
        Settings("fwd.example", "s", "=")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Settings("fwd.example", "s", sep="=")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="not both"):
        Srs(Settings("fwd.example", "s"), domain="x.example")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="settings is a spfkit.srs.Settings, not dict"):
        Srs({"domain": "fwd.example", "secrets": "s"})  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        Srs()  # type: ignore[call-overload]
    # A lone surrogate that surrogateescape cannot give octets for.
    with pytest.raises(spfkit.InvalidArgumentError, match="lone surrogate"):
        Settings("fwd.example", "\ud800")
    # A generator of secrets is read once, into the tuple.
    assert Settings("fwd.example", (s for s in ["a", "b"])).secrets == (b"a", b"b")


def test_hostile_addresses_get_a_kind() -> None:
    s = srs()
    good = "SRS0=pfQg=7G=example.com=alice@fwd.example"
    for address, want in [
        ("SRS0=pfQg=7G=example.com=al\0ice@fwd.example", ErrorKind.MALFORMED),
        ("SRS0=pfQg=7G=example.com=alice\n@fwd.example", ErrorKind.MALFORMED),
        ("SRS0=pfQg=7G=example.com=alic\u00e9@fwd.example", ErrorKind.MALFORMED),
        ("SRS0=pfQg=7G=example.com=alic\udcff@fwd.example", ErrorKind.MALFORMED),
        ("SRS0=pfQg=7\ud800=example.com=alice@fwd.example", ErrorKind.MALFORMED),
        ("SRS0=pfQg=" + "7" * 900 + "=example.com=alice@fwd.example", ErrorKind.BAD_TIMESTAMP),
        ("SRS0=pfQg=7G=example.com", ErrorKind.MALFORMED),
        ("SRS0=", ErrorKind.MALFORMED),
        ("", ErrorKind.NOT_SRS),
        ("\0", ErrorKind.NOT_SRS),
        ("\udcff@fwd.example", ErrorKind.NOT_SRS),
        ("SRS0=p=7G=example.com=alice@fwd.example", ErrorKind.BAD_HASH),
        ("SRS0=pf.g=7G=example.com=alice@fwd.example", ErrorKind.BAD_HASH),
        (good[:-1] * 1000, ErrorKind.TOO_LONG),
    ]:
        assert kind(lambda: s.reverse(address, NOW)) is want, address[:80]
    for sender, want in [
        ("a\0b@example.com", ErrorKind.MALFORMED),
        ("a@exa\0mple.com", ErrorKind.MALFORMED),
        ("\udcff@example.com", ErrorKind.MALFORMED),
        ("\ud800\udc00@example.com", ErrorKind.MALFORMED),
        ("", ErrorKind.MALFORMED),
        ("@", ErrorKind.MALFORMED),
        ("no-at-sign", ErrorKind.MALFORMED),
    ]:
        assert kind(lambda: s.forward(sender, NOW)) is want, sender
    # Local mail is left alone before its characters are looked at, and
    # comes back as given, lone surrogate and all.
    for local in ["j\u00f6rg@FWD.example", "j\udcf6rg@fwd.example", "a\0b@fwd.example"]:
        got = s.forward(local, NOW)
        assert got.reason is Unchanged.LOCAL_DOMAIN and got.address is local


def test_huge_input_is_refused() -> None:
    s = srs()
    huge = "a" * 20_000_000 + "@example.com"
    assert kind(lambda: s.forward(huge, NOW)) is ErrorKind.TOO_LONG
    assert kind(lambda: s.reverse("SRS0=" + huge, NOW)) is ErrorKind.TOO_LONG
    assert kind(lambda: s.reverse(huge, NOW)) is ErrorKind.NOT_SRS


def test_wrong_types_are_type_errors() -> None:
    s = srs()
    for bad in [None, b"alice@example.com", 5, ["alice@example.com"], bytearray(b"a@b")]:
        with pytest.raises(TypeError, match="the address is a str, not"):
            s.forward(bad, NOW)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="the address is a str, not"):
            s.reverse(bad, NOW)  # type: ignore[arg-type]

    class Text(str):
        def __str__(self) -> str:
            return "evil@example.org"

    # A str subclass is its characters, whatever its methods say.
    assert s.forward(Text("alice@example.com"), NOW).address.endswith("=example.com=alice@fwd.example")


def test_the_native_class_refuses_junk_without_panicking() -> None:
    # spfkit.srs.Settings checks types first; the native class must still
    # refuse junk handed to it directly, with Python errors.
    core = spfkit._spfkit._SrsCore
    ok: dict[str, Any] = {
        "domain": "fwd.example", "secrets": (SECRET.encode(),), "separator": "=", "hash_length": 4, "hash_min": 4,
        "max_age_days": 21, "url_safe": False, "local_domains": (), "refuse_long": False,
    }
    assert core(**ok).reverse("SRS0=pfQg=7G=example.com=alice@fwd.example", NOW) == "alice@example.com"
    junk: list[dict[str, Any]] = [
        {"secrets": "s"}, {"secrets": ("s",)}, {"secrets": None}, {"domain": 5}, {"separator": None},
        {"hash_length": "4"}, {"hash_min": 4.5}, {"max_age_days": None}, {"url_safe": None},
        {"local_domains": "x"}, {"local_domains": (5,)},
    ]
    for bad in junk:
        with pytest.raises(TypeError):
            core(**{**ok, **bad})
    with pytest.raises(OverflowError):
        core(**ok).forward("a@example.com", -1)
    with pytest.raises(TypeError):
        spfkit._spfkit._srs_secret("not bytes")  # type: ignore[arg-type]


def test_errors_are_values_and_threads_share_a_rewriter() -> None:
    e = pytest.raises(SrsError, srs().reverse, "SRS0=pfQg=5G=example.com=alice@fwd.example", NOW).value
    assert isinstance(e, ValueError) and isinstance(e, spfkit.SpfkitError) and spfkit.SrsError is SrsError
    for back in (pickle.loads(pickle.dumps(e)), copy.copy(e)):
        assert (type(back), str(back), back.kind, back.message) == (SrsError, str(e), ErrorKind.EXPIRED, e.message)
    se = pytest.raises(SrsSettingsError, Settings, "", "s").value
    back_s = pickle.loads(pickle.dumps(se))
    assert (str(back_s), back_s.kind) == (str(se), "bad-domain") and spfkit.SrsSettingsError is SrsSettingsError
    s = srs()
    want = s.forward("t@example.com", NOW).address
    got: list[str] = []

    def work() -> None:
        for _ in range(500):
            got.append(s.reverse(s.forward("t@example.com", NOW).address, NOW))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["t@example.com"] * 2000 and s.forward("t@example.com", NOW).address == want


def test_module_doctest() -> None:
    import doctest

    result = doctest.testmod(spfkit.srs)
    assert result.attempted >= 5 and result.failed == 0


def python_block(path: str, heading: str) -> str:
    """The first ```python block under ``heading`` in ``path``, before the
    next heading."""
    text = (ROOT / path).read_text(encoding="utf-8")
    section = text[text.index("\n" + heading + "\n") + len(heading) + 2 :]
    match = re.search(r"```python\n(.*?)```|^#{1,4} ", section, re.S | re.M)
    assert match and match.group(1), f"{path} lost its Python SRS example under {heading!r}"
    return match.group(1)


@pytest.mark.parametrize(
    "path,heading", [("docs/srs.md", "## From Python"), ("README.md", "#### SRS from Python"),
                     ("python/README.md", "## SRS for forwarders")])
def test_documented_examples_run(path: str, heading: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(python_block(path, heading), path, "exec"), {})
    out = capsys.readouterr().out
    assert "@" in out
