"""`consentgate log vkey`: the verifier key of the log, from the key made on first start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentgate.cli.log import app
from consentgate.errors import ConfigError
from consentgate.ledger.note import NoteVerifier


def test_vkey_creates_the_key_once_and_prints_its_verifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONSENTGATE_LOG_ORIGIN", "people.example/log")
    first = CliRunner().invoke(app, ["vkey"])
    assert first.exit_code == 0, first.output
    verifier = NoteVerifier.parse(first.output.strip())
    assert verifier.name == "people.example/log"
    key_file = tmp_path / "log-ed25519.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert CliRunner().invoke(app, ["vkey"]).output == first.output


def test_vkey_with_a_corrupt_key_file_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "broken.key"
    key_file.write_text("PRIVATE+KEY+people.example/log+0000+nonsense\n")
    monkeypatch.setenv("CONSENTGATE_LOG_KEY_FILE", str(key_file))
    monkeypatch.setenv("CONSENTGATE_LOG_ORIGIN", "people.example/log")
    result = CliRunner().invoke(app, ["vkey"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "is corrupt" in str(result.exception)
