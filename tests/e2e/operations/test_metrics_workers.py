"""`consentgate serve --workers 2`: /metrics, asked of any process, sums the counts of both, and
names the one process that holds the log's integration lease."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from consentgate.testing import free_port

from .conftest import PURPOSE, seeded_file, wait_until_ready

ROUTE = "/v1/threads/{thread_id}/messages"


def test_two_workers_count_into_one_sum_and_one_of_them_integrates(tmp_path: Path) -> None:
    url, token = seeded_file(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"CONSENTGATE_DATABASE_URL": url, "CONSENTGATE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", "from consentgate.cli.main import main; main()"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, within=90)
        statuses = [
            httpx.get(
                f"{base}/v1/threads/1/messages?purpose={PURPOSE}",
                headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            ).status_code
            for _ in range(30)
        ]
        scrapes = [_scrape(base) for _ in range(6)]  # on fresh connections: either worker answers
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)

    assert statuses == [200] * 30
    for samples in scrapes:
        key = ("consentgate_http_requests_total", ROUTE, "200")
        assert samples[key] == 30
        assert samples[("consentgate_decisions_total", "allow", "ok")] == 30
        holders = [k for k in samples if k[0] == "consentgate_log_integrator"]
        assert len(holders) == 1
        assert samples[holders[0]] == 1


def _scrape(base: str) -> dict[tuple[str, ...], float]:
    text = httpx.get(f"{base}/metrics", headers={"Connection": "close"}).text
    found: dict[tuple[str, ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "consentgate_http_requests_total":
                found[(sample.name, labels["route"], labels["status"])] = sample.value
            elif sample.name == "consentgate_decisions_total":
                found[(sample.name, labels["outcome"], labels["reason"])] = sample.value
            elif sample.name == "consentgate_log_integrator":
                found[(sample.name, labels["holder"])] = sample.value
    return found
