"""What spfkit hands back for mail headers and SMTP replies is safe to put
there: no raw CR, LF or NUL from a sender or a record (RFC 5321 §4.1.1,
RFC 5322 §2.2), header lines at most 998 characters (RFC 5322 §2.1.1).
The limits are core's (every host gets the same text)."""

from __future__ import annotations

import re
from typing import Any

import spfkit
import spfkit.compat

CONTROLS = re.compile("[\r\n\0]")


def unfolded(header: str) -> str:
    # A folded header field's line breaks are CRLF followed by a space or a tab.
    return re.sub("\r\n(?=[ \t])", "", header)


def test_no_cr_lf_or_nul_from_a_sender_in_an_explanation() -> None:
    zone = {
        ("example.com", "TXT"): ["v=spf1 -all exp=explain.example.com"],
        ("explain.example.com", "TXT"): ["%{s} is not allowed to send from %{i}"],
    }

    def resolve(name: str, rdtype: str) -> Any:
        return zone.get((name, rdtype), spfkit.NXDOMAIN)

    sender = "evil\r\nX-Injected: yes\r\n\r\n\0body@example.com"
    o = spfkit.check("192.0.2.1", sender, "h.example", resolver=resolve)
    assert o.result == "fail" and o.explanation is not None
    texts = {
        "Outcome.explanation": o.explanation,
        "mail_from.explanation": o.mail_from.explanation if o.mail_from else "",
        "smtp_reply().text": o.smtp_reply().text if o.smtp_reply() else "",
        "str(smtp_reply())": str(o.smtp_reply()),
        "compat.check2 explanation": spfkit.compat.check2("192.0.2.1", sender, "h.example", resolver=resolve)[1],
        "compat.check explanation": spfkit.compat.check("192.0.2.1", sender, "h.example", resolver=resolve)[2],
        "received_spf()": unfolded(o.received_spf()),
        "authentication_results()": unfolded(o.authentication_results("mx.example.org")),
    }
    for where, text in texts.items():
        assert not CONTROLS.search(text), (where, text)
    assert "X-Injected" in o.explanation  # the text is kept, only its control characters go


def test_header_lines_are_at_most_998_characters() -> None:
    record = "v=spf1 " + "z" * 63_000
    sender = "a" * (4000 - len("@example.com")) + "@example.com"
    assert len(sender) == 4000

    def resolve(name: str, rdtype: str) -> Any:
        return [record] if (name, rdtype) == ("example.com", "TXT") else spfkit.NXDOMAIN

    o = spfkit.check("192.0.2.1", sender, "h.example", resolver=resolve)
    for name, header in [("received_spf", o.received_spf()), ("authentication_results", o.authentication_results("mx"))]:
        lengths = [len(line) for line in header.split("\r\n")]
        assert max(lengths) <= 998, (name, lengths)
        assert not re.search("[\r\n\0]", unfolded(header)), name
