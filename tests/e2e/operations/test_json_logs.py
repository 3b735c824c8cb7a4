"""CONSENTGATE_LOG_FORMAT=json: `consentgate serve` writes one JSON object a line, each request's
line carrying the same request id as its answer and its entry in the transparency log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from consentgate.store import Database
from consentgate.store.log import SqlLogStore
from consentgate.testing import free_port

from .conftest import PURPOSE, seeded_file, wait_until_ready


def test_json_log_lines_carry_the_request_id_of_the_answer_and_the_log_entry(
    tmp_path: Path,
) -> None:
    url, token = seeded_file(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "CONSENTGATE_DATABASE_URL": url,
        "CONSENTGATE_DATA_DIR": str(tmp_path),
        "CONSENTGATE_LOG_FORMAT": "json",
        "CONSENTGATE_WORKERS": "1",
    }
    command = [sys.executable, "-c", "from consentgate.cli.main import main; main()"]
    errors = (tmp_path / "stderr").open("w")
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=errors
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, within=60)
        answer = httpx.get(
            f"{base}/v1/threads/1/messages?purpose={PURPOSE}",
            headers={"Authorization": f"Bearer {token}", "X-Request-Id": "trace-7"},
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors.close()

    assert answer.headers["X-Request-Id"] == "trace-7"
    lines = [json.loads(line) for line in (tmp_path / "stderr").read_text().splitlines() if line]
    (line,) = [x for x in lines if x.get("request_id") == "trace-7"]
    assert line["logger"] == "consentgate.access"
    assert (line["route"], line["status"]) == ("/v1/threads/{thread_id}/messages", 200)
    assert line["time"].endswith("+00:00")
    assert line["level"] == "info"
    index = int(answer.headers["Log-Index"])
    db = Database.connect(url)
    try:
        ((_, data),) = SqlLogStore(db).entries(index, index + 1)
    finally:
        db.dispose()
    assert json.loads(data)["request_id"] == "trace-7"
