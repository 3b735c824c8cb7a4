"""An outside fuzzer against the running app: Schemathesis (v4), every check, the app's own OpenAPI.

A real server on 127.0.0.1 with a small seeded demo population, the admin token and a partner's
access token (Alice's grant to the music partner) and client credentials, each given to the
operations whose security scheme asks for it. Schemathesis generates valid and invalid requests
for every documented operation, then stateful sequences, and checks every answer: no server error,
status codes, content types, headers and bodies as documented, invalid data refused, valid data
accepted, ``Allow`` on 405. The run must find nothing.

What the configuration below relaxes, and why, is written next to each line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.pages import demo_site

from consentgate.api.app import create_app
from consentgate.demo.clients import DEMO_CLIENTS, register_demo_clients
from consentgate.services.wiring import Services
from consentgate.testing import serving

ADMIN_TOKEN = "fuzz-admin-token-not-a-default-0123456789"
PARTNER_TOKEN = "fuzz-partner-access-token-0123456789"
#: Test cases per operation and phase; the whole run stays well under 5 minutes on 2 cores.
MAX_EXAMPLES = 25
SEED = 20261202
BUDGET_SECONDS = 300
#: Checks that never get an exception: server errors and responses that break their schema.
NEVER_EXCUSED = {"ST101", "ST102", "ST108", "ST109"}
#: Failures excused by check code and operation: none. Kept as the one place to name one, with
#: the issue that tracks it, should a check ever need an exception.
KNOWN_ELSEWHERE: set[tuple[str, str]] = set()

_, CLIENT_ID, CLIENT_SECRET, _ = DEMO_CLIENTS[0]  # the music partner's demo client

HOOKS = """
import schemathesis

# The JSON Lines import's body is text: send it as text.
schemathesis.serializer.alias("application/jsonl", "text/plain")
"""

CONFIG = f"""
seed = {SEED}
workers = 1  # with 2, Hypothesis' internal caches race in Schemathesis' coverage phase
hooks = "{{hooks}}"

[cache]
enabled = false  # every run starts fresh: no crash file replays an earlier run's failures

[generation]
max-examples = {MAX_EXAMPLES}
# Text with NUL is refused (422): PostgreSQL cannot store it, which JSON Schema cannot say.
allow-x00 = false

[checks.positive_data_acceptance]
# 400 answers a request the schema admits but a documented domain rule refuses, which JSON Schema
# cannot express: an agreement's end after its start, a proof's index below its tree size, a
# registered purpose or data use, an https redirect URI, a partner id's and a handle's spelling.
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

[checks.negative_data_rejection]
# Schemathesis' list, plus 413: a body over the documented size limit is refused unread.
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[auth.openapi.admin]
bearer = "{ADMIN_TOKEN}"

[auth.openapi.partner]
bearer = "{PARTNER_TOKEN}"

[auth.openapi.partner_client]
username = "{CLIENT_ID}"
password = "{CLIENT_SECRET}"

[[operations]]
include-path = "/v1/partner/certification"
include-method = "POST"

[operations.checks.positive_data_acceptance]
# A certification naming capabilities the partner's agreement lacks is a 422 listing them (the
# documented bad input of certification); JSON Schema cannot say what an agreement holds.
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    settings, db = demo_site(
        root, "fuzz.example", people=40, seed=1, as_of=today, admin_token=ADMIN_TOKEN
    )
    services = Services(settings, db)
    register_demo_clients(services)
    grant = services.grants.get_grant("grant_demo_alice_tunes")
    services.tokens.save_tokens(
        access_token=PARTNER_TOKEN,
        refresh_token=None,
        client_id=CLIENT_ID,
        person_id=grant.person_id,
        grant_id=grant.id,
        scopes=grant.scopes,
    )
    with serving(create_app(settings, services)) as base:
        yield base
    db.dispose()


@pytest.mark.slow
def test_schemathesis_finds_nothing_in_the_documented_api(server: str, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks.py"
    hooks.write_text(HOOKS, encoding="utf-8")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.replace("{hooks}", str(hooks)), encoding="utf-8")
    report_file = tmp_path / "report.json"
    st = Path(sys.executable).with_name("st")
    started = time.monotonic()

    run = subprocess.run(
        [
            str(st),
            "--config-file",
            str(config),
            "run",
            f"{server}/openapi.json",
            "--checks",
            "all",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report_file),
        ],
        cwd=tmp_path,  # anything Schemathesis writes stays out of the checkout
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS,
        check=False,
    )

    elapsed = time.monotonic() - started
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    cases = report["test_cases"]
    operations = report["operations"]["tested"]
    found = {(f["code"], op) for f in report["failures"] for op in f["operations"]}
    print(  # the figures for the README: pytest -s shows them
        f"schemathesis: {operations} operations, {cases['generated']} cases, "
        f"{elapsed:.0f} s, {len(report['failures'])} failures, {len(report['errors'])} errors"
    )
    # What went wrong, as Schemathesis tells it: the whole output stays next to the report.
    (tmp_path / "schemathesis.txt").write_text(run.stdout, encoding="utf-8")
    told = f"{tmp_path / 'schemathesis.txt'}:\n" + run.stdout[-5_000:]
    assert not {code for code, _ in found} & NEVER_EXCUSED, told
    assert found <= KNOWN_ELSEWHERE, told
    assert report["errors"] == [], told
    assert operations >= 40  # every documented operation was tried
    assert cases["generated"] > 1000
    assert elapsed < BUDGET_SECONDS
