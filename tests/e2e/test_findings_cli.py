"""``consentgate findings`` as a shell runs it: a real process on a temporary SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.shell import Shell

from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    shell = Shell(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    db = Database.connect(shell.url)
    upgrade(db)
    services = Services(Settings(database_url=shell.url, data_dir=tmp_path), db)
    services.partners.register_purpose("device.sync", "Sync to your phone", "essential.service")
    services.partners.register_partner("handset", "Handset", "device maker")
    now = datetime.now(UTC)
    services.partners.sign_agreement(
        "handset",
        (Capability(Category.CONTACTS, Action.READ, "device.sync", frozenset({"id"})),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=20),
    )
    db.dispose()
    return shell


def test_findings_prints_the_open_findings_as_json(shell: Shell) -> None:
    done = shell.run("findings", "--json")
    assert done.returncode == 0, done.stderr
    rules = {f["rule"] for f in json.loads(done.stdout)["findings"]}
    assert rules == {"agreement_ending_soon", "certification_overdue"}


def test_findings_prints_a_table_and_what_it_did(shell: Shell) -> None:
    done = shell.run("findings")
    assert done.returncode == 0, done.stderr
    assert "handset" in done.stdout
    assert "2 open finding(s); 0 scope(s) lapsed; suspended: none" in done.stdout


def test_findings_at_a_time_before_the_agreement_finds_no_ending(shell: Shell) -> None:
    done = shell.run("findings", "--json", "--at", "2026-01-01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["evaluated_at"].startswith("2026-01-01T00:00:00")


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01", ""])
def test_a_bad_time_is_one_line_and_exit_1(shell: Shell, at: str) -> None:
    done = shell.run("findings", "--at", at)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("consentgate: error: --at")
    assert len(done.stderr.strip().splitlines()) == 1
