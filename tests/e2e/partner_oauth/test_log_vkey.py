"""The log's verifier key is public: served at /log/vkey, the same as the CLI prints, and named in
every consent receipt, so a person can check the log their accesses are written to."""

from __future__ import annotations

import pytest
import requests
from typer.testing import CliRunner

from consentgate.cli import log as log_cli
from consentgate.ledger.note import NoteVerifier, open_checkpoint
from consentgate.store import grants as grant_rows

from .flow import Browser, World, consent_page, decide, partner, start


def _vkey(world: World) -> str:
    answer = requests.get(world.url("/log/vkey"), timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text.strip()


def test_the_verifier_key_is_served_and_verifies_the_checkpoint(world: World) -> None:
    verifier = NoteVerifier.parse(_vkey(world))
    assert verifier.name == "e2e.example/log"
    note = requests.get(world.url("/log/checkpoint"), timeout=10).content
    assert open_checkpoint(note, verifier, "e2e.example/log").size >= 0


def test_the_served_key_is_the_one_the_cli_prints(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = world.services.settings
    monkeypatch.setenv("CONSENTGATE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CONSENTGATE_LOG_ORIGIN", settings.origin)
    printed = CliRunner().invoke(log_cli.app, ["vkey"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() == _vkey(world)


def test_the_consent_receipt_names_the_verifier_key(world: World) -> None:
    vkey = _vkey(world)
    browser = Browser(world)
    page = consent_page(
        browser,
        start(
            world,
            partner(world, "handset"),
            details=[
                {
                    "type": "consentgate_access",
                    "categories": ["contacts"],
                    "actions": ["read"],
                    "purpose": "device.sync",
                }
            ],
        ),
    )
    assert vkey in page.text
    answer = decide(browser, page)
    assert answer.status_code == 302, answer.text
    newest = max(
        (g for g in world.services.grants.grants_of_person("p-alice") if g.partner_id == "handset"),
        key=lambda g: g.issued_at,
    )
    with world.services.db.read() as conn:
        receipt = grant_rows.receipt_text(conn, newest.id)
    assert receipt is not None
    assert f"with the key {vkey} (published at /log/vkey)" in receipt
