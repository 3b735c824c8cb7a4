"""The admin token: configured, or generated once in development; never a default password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from consentgate.api.admin import TOKEN_FILE, resolve_admin_token
from consentgate.config import Settings
from consentgate.errors import ConfigError


def test_a_configured_token_is_used_as_is(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, admin_token="configured-token-0123456789")
    assert resolve_admin_token(settings) == "configured-token-0123456789"
    assert not (tmp_path / TOKEN_FILE).exists()


def test_development_without_a_token_generates_one_private_file_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = resolve_admin_token(settings)
    path = tmp_path / "data" / TOKEN_FILE
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == first
    assert resolve_admin_token(settings) == first


def test_two_development_installs_never_share_a_token(tmp_path: Path) -> None:
    one = resolve_admin_token(Settings(data_dir=tmp_path / "one"))
    two = resolve_admin_token(Settings(data_dir=tmp_path / "two"))
    assert one != two


def test_production_without_a_token_refuses(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CONSENTGATE_ADMIN_TOKEN is required"):
        resolve_admin_token(Settings(data_dir=tmp_path, mode="production"))
    assert not (tmp_path / TOKEN_FILE).exists()
