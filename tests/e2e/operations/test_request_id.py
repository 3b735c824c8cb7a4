"""Every answer carries a request id, and a partner call's access entry in the log carries the same
one: a partner (or an operator) can name the exact entry a request produced."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import Served


def _entry(served: Served, index: int) -> dict[str, object]:
    ((_, data),) = served.running.log.store.entries(index, index + 1)
    entry: dict[str, object] = json.loads(data)
    return entry


def test_a_well_formed_request_id_is_answered_and_written_into_the_access_entry(
    served: Served,
) -> None:
    answer = httpx.get(served.thread, headers={**served.auth, "X-Request-Id": "partner-run.42_a"})

    assert answer.status_code == 200
    assert answer.headers["X-Request-Id"] == "partner-run.42_a"
    entry = _entry(served, int(answer.headers["Log-Index"]))
    assert entry["type"] == "access"
    assert entry["request_id"] == "partner-run.42_a"


def test_a_refused_call_carries_its_request_id_into_its_entry_too(served: Served) -> None:
    url = served.thread.replace("music.share", "ads.targeting")

    answer = httpx.get(url, headers={**served.auth, "X-Request-Id": "refused-1"})

    assert answer.status_code == 403
    entry = _entry(served, answer.json()["log_index"])
    assert (entry["decision"], entry["request_id"]) == ("deny", "refused-1")


@pytest.mark.parametrize(
    "offered", ["", "has space", "x" * 65, "semi;colon", "ünïcode", "a\tb", "../../etc"]
)
def test_a_malformed_request_id_is_replaced_by_a_fresh_one(served: Served, offered: str) -> None:
    headers = [*served.auth.items(), ("X-Request-Id", offered.encode("utf-8"))]

    answer = httpx.get(served.thread, headers=headers)

    given = answer.headers["X-Request-Id"]
    assert given != offered
    assert len(given) == 16
    assert all(c in "0123456789abcdef" for c in given)
    assert _entry(served, int(answer.headers["Log-Index"]))["request_id"] == given


def test_requests_without_an_id_get_distinct_ones(served: Served) -> None:
    ids = {httpx.get(f"{served.base}/healthz").headers["X-Request-Id"] for _ in range(5)}

    assert len(ids) == 5
