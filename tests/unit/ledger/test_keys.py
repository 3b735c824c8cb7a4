"""The log key: created once with mode 0600, refused loudly when it is damaged."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from consentgate.errors import ConfigError
from consentgate.ledger.keys import load_signer

ORIGIN = "example.com/log"


def test_the_key_is_created_private_and_reloaded_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "data" / "log.key"
    created = load_signer(path, ORIGIN, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer(path, ORIGIN, create=True).public == created.public


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage", b"PRIVATE+KEY+example.com/log+00000000+AQ==", b"\xff\xfe"],
)
def test_a_corrupt_key_file_stops_the_start_with_a_clear_message(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "log.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=r"CONSENTGATE_LOG_KEY_FILE: .*log\.key.* corrupt"):
        load_signer(path, ORIGIN, create=True)


def test_a_configured_key_file_that_is_missing_is_not_replaced_and_keygen_is_named(
    tmp_path: Path,
) -> None:
    with pytest.raises(
        ConfigError, match=r"no log key file .*; create one with: consentgate log keygen --out "
    ):
        load_signer(tmp_path / "missing.key", ORIGIN, create=False)
    assert not (tmp_path / "missing.key").exists()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    load_signer(path, ORIGIN, create=True)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"CONSENTGATE_LOG_KEY_FILE: .* \(chmod 600"):
        load_signer(path, ORIGIN, create=False)


def test_a_key_for_another_origin_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    load_signer(path, "other.example/log", create=True)
    with pytest.raises(ConfigError, match=r"signs for 'other\.example/log'"):
        load_signer(path, ORIGIN, create=True)
