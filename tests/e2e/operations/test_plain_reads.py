"""A data API read answers the same whether the plain-read middleware takes it (api/reads.py) or,
spelled unusually, the FastAPI routes do: the same records, headers, problems and counts."""

from __future__ import annotations

from typing import Any

import httpx

from consentgate.api.reads import plain_read

from .conftest import Served
from .test_metrics import ROUTE, change, scrape

#: The same parameters, once plainly and once with a leading zero the routes' validation accepts
#: (and the middleware leaves to them).
PLAIN = "/v1/threads/1/messages?purpose={purpose}&limit=5&offset=1"
UNUSUAL = "/v1/threads/1/messages?purpose={purpose}&limit=05&offset=01"


def ask(served: Served, path: str, purpose: str, auth: dict[str, str]) -> httpx.Response:
    return httpx.get(served.base + path.format(purpose=purpose), headers=auth)


def same_answer(plain: httpx.Response, routed: httpx.Response) -> dict[str, Any]:
    assert plain.status_code == routed.status_code
    varying = {"log-index", "x-request-id", "date", "content-length"}
    assert {k: v for k, v in plain.headers.items() if k not in varying} == {
        k: v for k, v in routed.headers.items() if k not in varying
    }
    body, other = plain.json(), routed.json()
    for answer in (body, other):
        answer.pop("log_index", None)
    assert body == other
    return body


def test_the_two_spellings_really_take_the_two_paths() -> None:
    def scope(path: str) -> dict[str, Any]:
        where, _, query = path.format(purpose="music.share").partition("?")
        return {"method": "GET", "path": where, "query_string": query.encode(), "headers": []}

    assert plain_read(scope(PLAIN)) is not None
    assert plain_read(scope(UNUSUAL)) is None


def test_an_allowed_read_is_the_same_either_way(served: Served) -> None:
    before = scrape(served)
    body = same_answer(
        ask(served, PLAIN, "music.share", served.auth),
        ask(served, UNUSUAL, "music.share", served.auth),
    )
    after = scrape(served)
    assert len(body["records"]) == 5
    assert body["next_offset"] == 6
    requests = "consentgate_http_requests_total"
    assert change(before, after, requests, route=ROUTE, method="GET", status="200") == 2


def test_refusals_are_the_same_problems_either_way(served: Served) -> None:
    denied = same_answer(
        ask(served, PLAIN, "ads.targeting", served.auth),
        ask(served, UNUSUAL, "ads.targeting", served.auth),
    )
    assert denied["status"] == 403
    assert denied["reasons"] == ["token.not_covered"]
    unknown = {"Authorization": "Bearer not-a-token"}
    anonymous = same_answer(
        ask(served, PLAIN, "music.share", unknown), ask(served, UNUSUAL, "music.share", unknown)
    )
    assert anonymous["status"] == 401
