"""The session cookie: signed, bounded in time, and its key kept private."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from consentgate.errors import ConfigError
from consentgate.testing import FrozenClock
from consentgate.web.login import safe_next
from consentgate.web.session import SESSION_SECONDS, SessionCookies, load_key, new_session


def test_a_session_reads_back_only_unaltered_and_in_time(tmp_path: Path) -> None:
    clock = FrozenClock()
    cookies = SessionCookies(load_key(tmp_path), secure=True)
    session = new_session(clock.now, "p-alice")
    value = cookies.dump(session)
    assert cookies.load(value, clock.now) == session
    body, mac = value.split(".")
    forged = cookies.dump(new_session(clock.now, "p-bob")).split(".")[0] + "." + mac
    assert cookies.load(forged, clock.now) is None
    assert cookies.load(body + ".", clock.now) is None
    assert cookies.load("garbage", clock.now) is None
    assert cookies.load(value, clock.now + timedelta(seconds=SESSION_SECONDS)) is None
    other = SessionCookies(b"k" * 32, secure=True)
    assert other.load(value, clock.now) is None


def test_the_csrf_token_must_match_exactly() -> None:
    session = new_session(FrozenClock().now)
    assert session.csrf_matches(session.csrf)
    assert not session.csrf_matches(None)
    assert not session.csrf_matches(session.csrf + "x")


def test_the_key_is_created_private_and_reused(tmp_path: Path) -> None:
    key = load_key(tmp_path / "data")
    assert (tmp_path / "data" / "session.key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path / "data") == key
    os.chmod(tmp_path / "data" / "session.key", 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_key(tmp_path / "data")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/oauth/authorize?x=1", "/oauth/authorize?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\nSet-Cookie: x", "/"),
        (None, "/"),
    ],
)
def test_after_sign_in_only_local_pages(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
