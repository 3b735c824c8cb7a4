"""/healthz says the process answers; /readyz says its answers can be trusted."""

from __future__ import annotations

import httpx
from sqlalchemy import event

from .conftest import Served


def test_a_running_server_is_live_and_ready(served: Served) -> None:
    assert httpx.get(f"{served.base}/healthz").text == "ok"

    ready = httpx.get(f"{served.base}/readyz")

    assert ready.status_code == 200
    assert ready.text == "ready"


def test_a_server_whose_log_takes_no_appends_is_live_but_not_ready(served: Served) -> None:
    served.running.log.stop()

    ready = httpx.get(f"{served.base}/readyz")
    read = httpx.get(served.thread, headers=served.auth)

    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["reasons"] == ["log"]
    assert "log" in ready.json()["detail"]
    assert read.status_code == 503  # and indeed no data leaves without its entry
    assert httpx.get(f"{served.base}/healthz").text == "ok"


def test_a_server_whose_database_does_not_answer_is_not_ready(served: Served) -> None:
    engine = served.running.decisions.db.engine
    gone = engine.dialect.loaded_dbapi.OperationalError  # what the driver raises for a lost server

    def _refuse(*_args: object) -> None:
        raise gone("the database is gone")

    event.listen(engine, "do_connect", _refuse)  # every new connection is refused from here on
    engine.dispose()  # and the open ones are closed
    try:
        ready = httpx.get(f"{served.base}/readyz")
    finally:
        event.remove(engine, "do_connect", _refuse)  # back, so the server can stop cleanly

    assert ready.status_code == 503
    assert ready.json()["reasons"][0] == "database"
