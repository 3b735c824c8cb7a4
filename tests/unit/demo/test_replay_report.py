"""The replay's HTML report: one well-formed, self-contained file that escapes what it shows."""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

from consentgate.demo.replay_report import replay_html
from consentgate.demo.replay_rows import Outcome, Table
from consentgate.demo.story import StoryPartner

XHTML = "{http://www.w3.org/1999/xhtml}"
NASTY = '<script>alert("x")</script> & "Partner" <b>'


def _table() -> Table:
    partner = StoryPartner(NASTY, NASTY, "quiz <app>", (), (), (), 0.1, "", named=False)
    table = Table()
    when = datetime(2015, 3, 1, tzinfo=UTC)
    for outcome in (
        Outcome(7, True, ("third_party.filtered",), records_now=3, third_party_filtered=2),
        Outcome(5, False, ("agreement.expired", "grant.missing")),
    ):
        table.row(partner, "friends", "read", "ads.<targeting>").add(outcome, when)
        table.count_year(when, outcome)
    return table


def _parse(html: str) -> ET.Element:
    assert html.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))  # noqa: S314 - the report this test made


def test_the_report_is_well_formed_and_escapes_partner_names() -> None:
    html = replay_html(_table(), seed=1, people=20, partners=1, log_size=2)
    root = _parse(html)  # raises on anything not well-formed
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    cells = ["".join(td.itertext()) for td in root.iter(f"{XHTML}td")]
    assert any(NASTY in cell for cell in cells)  # shown as text, exactly as named
    assert any("ads.<targeting>" in cell for cell in cells)
    assert any("agreement.expired ×1" in cell for cell in cells)


def test_the_report_loads_nothing_and_allows_only_its_own_style() -> None:
    html = replay_html(_table(), seed=1, people=20, partners=1, log_size=2)
    root = _parse(html)
    (meta,) = [
        m for m in root.iter(f"{XHTML}meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    policy = meta.get("content") or ""
    assert "default-src 'none'" in policy
    (style,) = list(root.iter(f"{XHTML}style"))
    digest = base64.b64encode(hashlib.sha256((style.text or "").encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert not list(root.iter(f"{XHTML}script"))


def test_the_chart_draws_a_bar_for_each_side_of_each_year() -> None:
    root = _parse(replay_html(_table(), seed=1, people=20, partners=1, log_size=2))
    bars = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    assert Counter(b.get("class") for b in bars) == {"then": 1, "now": 1}
    titles = ["".join(b.itertext()) for b in bars]
    assert titles == ["2015, 2017 platform: 12 records", "2015, consentgate: 3 records"]
