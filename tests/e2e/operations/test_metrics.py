"""/metrics in the Prometheus text format: requests by route and status, decisions by outcome and
reason code, log appends and how long they took, the log's size and its checkpoint's age."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from .conftest import Served

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ROUTE = "/v1/threads/{thread_id}/messages"


def scrape(served: Served) -> Samples:
    answer = httpx.get(f"{served.base}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def change(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_partner_calls_are_counted_by_route_status_decision_and_log_append(served: Served) -> None:
    before = scrape(served)

    for _ in range(3):
        assert httpx.get(served.thread, headers=served.auth).status_code == 200
    refused = httpx.get(served.thread.replace("music.share", "ads.targeting"), headers=served.auth)
    anonymous = httpx.get(served.thread)
    after = scrape(served)

    assert (refused.status_code, anonymous.status_code) == (403, 401)
    requests = "consentgate_http_requests_total"
    assert change(before, after, requests, route=ROUTE, method="GET", status="200") == 3
    assert change(before, after, requests, route=ROUTE, method="GET", status="403") == 1
    assert change(before, after, requests, route=ROUTE, method="GET", status="401") == 1
    decisions = "consentgate_decisions_total"
    assert change(before, after, decisions, outcome="allow", reason="ok") == 3
    assert change(before, after, decisions, outcome="deny", reason="token.not_covered") == 1
    assert change(before, after, "consentgate_log_appends_total", source="access") == 4
    assert change(before, after, "consentgate_log_append_seconds_count", source="access") == 4
    size = after[("consentgate_log_size", frozenset())]
    assert size == before[("consentgate_log_size", frozenset())] + 4


def test_the_checkpoint_age_is_seconds_since_the_latest_signed_checkpoint(served: Served) -> None:
    httpx.get(served.thread, headers=served.auth)
    served.running.log.integrate()

    after = scrape(served)

    assert 0 <= after[("consentgate_log_checkpoint_age_seconds", frozenset())] < 60
    assert (
        after[("consentgate_log_checkpoint_size", frozenset())]
        == after[("consentgate_log_size", frozenset())]
    )


def test_unknown_paths_are_counted_under_one_label(served: Served) -> None:
    before = scrape(served)

    for n in range(3):
        assert httpx.get(f"{served.base}/no/such/path/{n}").status_code == 404
    after = scrape(served)

    assert (
        change(
            before,
            after,
            "consentgate_http_requests_total",
            route="unmatched",
            method="GET",
            status="404",
        )
        == 3
    )
    assert not any("/no/such" in str(labels) for _, labels in after)
