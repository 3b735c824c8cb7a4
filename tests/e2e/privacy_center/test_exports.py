"""The history's filters, pages and exports (CSV and JSON) hold the same rows as the log."""

from __future__ import annotations

import csv
import io
import re

import pytest

from consentgate.ledger.entries import AccessDecision
from consentgate.web import history_page

from .center import World, call, entry, partner_token, signed_in


def test_csv_and_json_exports_hold_the_filtered_accesses_as_logged(world: World) -> None:
    token = partner_token(world)
    allowed = call(world, token, "/v1/messages")
    denied = call(world, token, "/v1/messages", purpose="ads.targeting")
    assert allowed.status_code == 200
    assert denied.status_code == 403
    browser = signed_in(world, "alice")
    filters = "partner=tunes&category=messages&period=7"
    body = browser.get(f"/me/history.json?{filters}").json()
    assert body["filters"] == {
        "partner": "tunes",
        "category": "messages",
        "decision": None,
        "period": "7",
    }
    by_index = {a["log_index"]: a for a in body["accesses"]}
    for answer in (allowed, denied):
        index = int(answer.headers["log-index"])
        logged = entry(world, index)
        assert isinstance(logged, AccessDecision)
        row = by_index[index]
        assert row["time"] == logged.time
        assert row["decision"] == logged.decision
        assert row["purpose"] == logged.purpose
        assert row["reasons"] == list(logged.reasons)
        assert row["records_returned"] == logged.records_returned
        assert row["role"] == "subject"
    assert all(a["partner"] == "tunes" and a["category"] == "messages" for a in body["accesses"])
    assert body["total"] == len(body["accesses"])

    sheet = browser.get(f"/me/history.csv?{filters}&decision=deny")
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert rows
    assert {r["decision"] for r in rows} == {"deny"}
    denied_row = next(r for r in rows if r["log_index"] == denied.headers["log-index"])
    assert denied_row["partner_name"] == "Tunes Music"
    assert denied_row["reasons"] == "token.not_covered"


def test_the_history_filters_page_and_refuse_unknown_values(world: World) -> None:
    browser = signed_in(world, "alice")
    page = browser.get("/me/history?decision=deny&period=30")
    assert page.status_code == 200
    assert 'data-decision="allow"' not in page.text
    for bad in ("category=diary", "decision=maybe", "period=9", "page=0", "partner=%3Cx%3E"):
        answer = browser.get(f"/me/history?{bad}")
        assert answer.status_code == 400, bad
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_history_pages_through_every_access_newest_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = partner_token(world)
    for _ in range(3):
        assert call(world, token, "/v1/messages").status_code == 200
    monkeypatch.setattr(history_page, "PAGE_SIZE", 2)
    browser = signed_in(world, "alice")
    total = browser.get("/me/history.json").json()["total"]
    seen: list[int] = []
    page_number = 1
    while True:
        page = browser.get(f"/me/history?page={page_number}").text
        seen += [int(i) for i in re.findall(r'<tr data-log-index="(\d+)"', page)]
        if 'rel="next"' not in page:
            break
        page_number += 1
    assert page_number == -(-total // 2)
    assert len(seen) == total
    assert seen == sorted(seen, reverse=True)
