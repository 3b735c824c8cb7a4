"""``GET /admin/reports/…`` over real HTTP: the reports of a running server verify against its log
(from its database, and over HTTP with ``consentgate report verify --url``); bad requests are RFC
9457 problems, never a 500."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Action, Category, GrantScope
from consentgate.domain.staff import Role
from consentgate.services.reports.document import ReportMismatch
from consentgate.services.wiring import Services
from consentgate.testing import issue_token, serving
from consentgate.web.state import state_of

TOKEN = "e2e-admin-token-for-reports-0123456789"
PROBLEM = "application/problem+json"
CONSENTGATE = str(Path(sys.executable).with_name("consentgate"))


@dataclass
class Served:
    base: str
    http: httpx.Client
    services: Services
    settings: Settings
    start: datetime


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("reports")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'consentgate.db'}",
        data_dir=tmp / "data",
        log_origin="reports.example/log",
        admin_token=TOKEN,
        checkpoint_interval_seconds=0.2,
    )
    app = create_app(settings)
    start = datetime.now(UTC) - timedelta(minutes=1)
    with serving(app) as url:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=auth, timeout=30) as http:
            services = state_of(app).services
            _activity(http, services)
            yield Served(url, http, services, settings, start)


def _activity(http: httpx.Client, services: Services) -> None:
    """A partner, an agreement (logged), two people, a grant and two reads through the API."""
    now = datetime.now(UTC)
    for path, body in [
        ("/admin/partners", {"id": "tunes", "name": "Tunes", "kind": "music streamer"}),
        (
            "/admin/purposes",
            {"id": "music.share", "description": "Share songs", "data_use": "essential.service"},
        ),
        ("/admin/people", {"handle": "alice", "display_name": "Alice", "id": "p-alice"}),
        ("/admin/people", {"handle": "bob", "display_name": "Bob", "id": "p-bob"}),
        (
            "/admin/partners/tunes/agreements",
            {
                "capabilities": [
                    {
                        "category": "friends",
                        "action": "read",
                        "purpose": "music.share",
                        "fields": ["id", "friend_id"],
                    }
                ],
                "valid_from": (now - timedelta(days=1)).isoformat(),
                "valid_until": (now + timedelta(days=300)).isoformat(),
                "retention_days": 7,
            },
        ),
    ]:
        answer = http.post(path, json=body)
        assert answer.status_code == 201, answer.text
    services.people.set_settings(
        "p-alice", share_with_partners=True, categories=frozenset({Category.FRIENDS})
    )
    scopes = frozenset({GrantScope(Category.FRIENDS, Action.READ, "music.share")})
    token = issue_token(services, "p-alice", "tunes", scopes, label="reports-e2e")
    for _ in range(2):
        read = httpx.get(
            str(http.base_url) + "/v1/friends",
            params={"purpose": "music.share"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert read.status_code == 200, read.text
    _wait_for_checkpoint(http, services)


def _wait_for_checkpoint(http: httpx.Client, services: Services) -> None:
    """Until the signed checkpoint covers every stored entry."""
    from consentgate.store.log import SqlLogStore

    store = SqlLogStore(services.db)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        latest = store.latest_checkpoint()
        if latest is not None and latest.size == store.committed_size():
            return
        time.sleep(0.05)
    raise AssertionError("the log did not sign its entries in time")


def _verify(served: Served, data: bytes) -> None:
    reports = served.services.reports()
    assert reports.signer is not None
    reports.verify(data, reports.signer.verifier)


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_each_report_is_served_signed_and_verifies_against_the_log(
    served: Served, fmt: str
) -> None:
    paths = {
        "transparency": (
            "/admin/reports/transparency",
            {
                "from": served.start.isoformat(),
                "to": (served.start + timedelta(days=1)).isoformat(),
            },
        ),
        "partner": ("/admin/reports/partner/tunes", {}),
        "person": ("/admin/reports/person/p-alice", {}),
    }
    for path, params in paths.values():
        answer = served.http.get(path, params={**params, "format": fmt})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(
            {"json": "application/json", "csv": "text/csv", "html": "text/html"}[fmt]
        )
        _verify(served, answer.content)
        if path.endswith("p-alice"):
            assert b"p-bob" not in answer.content  # the person's report names nobody else


def test_the_transparency_report_counts_the_reads(served: Served) -> None:
    body = served.http.get(
        "/admin/reports/transparency",
        params={
            "from": served.start.isoformat(),
            "to": (served.start + timedelta(days=1)).isoformat(),
        },
    ).json()["report"]
    assert body["tables"]["decisions"]["rows"] == [["tunes", "friends", "read", 2, 0, 0, 0, 1]]
    partner = served.http.get("/admin/reports/partner/tunes").json()["report"]
    [capability] = partner["tables"]["capabilities"]["rows"]
    assert capability[-2:] == [7, "yes"]  # retention days; the registry matches the logged digest


def test_a_report_fetched_over_http_verifies_with_the_cli_over_http(
    served: Served, tmp_path: Path
) -> None:
    answer = served.http.get("/admin/reports/person/p-alice", params={"format": "csv"})
    path = tmp_path / "alice.csv"
    path.write_bytes(answer.content)
    reports = served.services.reports()
    assert reports.signer is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTGATE_")}
    env["CONSENTGATE_DATA_DIR"] = str(tmp_path)  # no local key: the verifier key is given
    vkey = reports.signer.verifier.encode()
    done = subprocess.run(
        [CONSENTGATE, "report", "verify", str(path), "--url", served.base + "/log", "--vkey", vkey],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: person report matches the log at size ")
    assert "table through_others comes from the platform's database" in done.stdout
    path.write_text(
        path.read_text().replace(
            "row,tunes,friends,read,music.share,2,", "row,tunes,friends,read,music.share,3,"
        )
    )
    failed = subprocess.run(
        [CONSENTGATE, "report", "verify", str(path), "--url", served.base + "/log", "--vkey", vkey],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert failed.returncode == 1
    assert failed.stderr.strip().endswith("allowed is 3 in the report, 2 in the log")
    with pytest.raises(ReportMismatch):
        _verify(served, path.read_bytes())


def test_bad_requests_are_problems(served: Served) -> None:
    start, end = served.start.isoformat(), (served.start + timedelta(days=1)).isoformat()
    cases = [
        ("/admin/reports/transparency", {"from": end, "to": start}, 400, "--from must be before"),
        (
            "/admin/reports/transparency",
            {"from": "2026-01-01T00:00:00", "to": end},
            400,
            "time zone",
        ),
        ("/admin/reports/transparency", {"from": "yesterday", "to": end}, 422, ""),
        ("/admin/reports/partner/nobody", {}, 404, "unknown partner 'nobody'"),
        ("/admin/reports/person/nobody", {}, 404, "unknown person 'nobody'"),
        ("/admin/reports/person/p-alice", {"format": "pdf"}, 422, ""),
    ]
    for path, params, status, detail in cases:
        answer = served.http.get(path, params=params)
        assert answer.status_code == status, (path, params, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert detail in answer.json()["detail"]
    anonymous = httpx.get(served.base + "/admin/reports/person/p-alice", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM


def test_an_auditor_s_api_token_reads_the_reports(served: Served) -> None:
    member = served.services.staff.create("olga", Role.AUDITOR, "olga-auditor-pass")
    issued = served.services.staff.create_token(
        member, "reports", Role.AUDITOR, datetime.now(UTC) + timedelta(days=1)
    )
    answer = httpx.get(
        served.base + "/admin/reports/partner/tunes",
        headers={"Authorization": f"Bearer {issued.secret}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    _verify(served, answer.content)
