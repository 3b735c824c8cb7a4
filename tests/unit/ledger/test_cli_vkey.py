"""`consentgate log vkey` and `log keygen`: the log's verifier key, and key files for production."""

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
    key_file.chmod(0o600)
    monkeypatch.setenv("CONSENTGATE_LOG_KEY_FILE", str(key_file))
    monkeypatch.setenv("CONSENTGATE_LOG_ORIGIN", "people.example/log")
    result = CliRunner().invoke(app, ["vkey"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "is corrupt" in str(result.exception)


def test_keygen_writes_a_private_key_file_once_and_prints_its_verifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CONSENTGATE_LOG_ORIGIN", "people.example/log")
    key_file = tmp_path / "keys" / "log.key"
    made = CliRunner().invoke(app, ["keygen", "--out", str(key_file)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    verifier = NoteVerifier.parse(made.output.strip())
    assert verifier.name == "people.example/log"
    before = key_file.read_bytes()
    again = CliRunner().invoke(app, ["keygen", "--out", str(key_file)])
    assert again.exit_code != 0
    assert isinstance(again.exception, ConfigError)
    assert "already exists" in str(again.exception)
    assert key_file.read_bytes() == before
    # The server and `log vkey` use the file once CONSENTGATE_LOG_KEY_FILE points to it.
    monkeypatch.setenv("CONSENTGATE_LOG_KEY_FILE", str(key_file))
    assert CliRunner().invoke(app, ["vkey"]).output == made.output
    assert not (tmp_path / "data" / "log-ed25519.key").exists()


def test_keygen_takes_the_origin_from_the_command_line(tmp_path: Path) -> None:
    made = CliRunner().invoke(
        app, ["keygen", "--out", str(tmp_path / "k"), "--origin", "log.example.org/2027"]
    )
    assert made.exit_code == 0, made.output
    assert NoteVerifier.parse(made.output.strip()).name == "log.example.org/2027"


def test_a_configured_key_file_that_is_missing_names_keygen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_LOG_KEY_FILE", str(tmp_path / "missing.key"))
    result = CliRunner().invoke(app, ["vkey"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert f"consentgate log keygen --out {tmp_path / 'missing.key'}" in str(result.exception)
    assert not (tmp_path / "missing.key").exists()
