"""The person's browser session: a signed cookie holding who is signed in and a CSRF token.

The cookie is ``base64url(JSON) "." base64url(HMAC-SHA256(key, JSON))``. The key is 32 random
bytes in ``<data_dir>/session.key``, created with mode 0600 on first use and refused if others can
read it. The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (no cross-site POST
carries it) and ``Secure`` in production mode. Each form also carries the session's CSRF token in
a hidden field (the synchronizer-token pattern); signing in starts a new session, so a token
planted before sign-in is worthless after it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from consentgate.config import Settings
from consentgate.errors import ConfigError

COOKIE_NAME = "consentgate_session"
#: A session lasts at most this long after sign-in (or after it was opened, when signed out).
SESSION_SECONDS = 8 * 3600
_KEY_FILE = "session.key"
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class PersonSession:
    """One browser's session. ``person_id`` is None until someone signs in."""

    sid: str
    csrf: str
    person_id: str | None
    issued_at: int

    def csrf_matches(self, token: str | None) -> bool:
        """Whether a submitted form's CSRF token is this session's (constant-time compare)."""
        return token is not None and hmac.compare_digest(self.csrf, token)


def new_session(now: datetime, person_id: str | None = None) -> PersonSession:
    """A fresh session with a fresh id and CSRF token."""
    return PersonSession(
        sid=secrets.token_urlsafe(16),
        csrf=secrets.token_urlsafe(32),
        person_id=person_id,
        issued_at=int(now.timestamp()),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(data_dir: Path) -> bytes:
    """The session key in ``data_dir``, created (mode 0600) on first use."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / _KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"{path} must be readable by its owner only (chmod 600)") from None
        key = path.read_bytes()
        if len(key) != _KEY_BYTES:
            raise ConfigError(f"{path} is not a session key ({_KEY_BYTES} bytes)") from None
        return key
    key = secrets.token_bytes(_KEY_BYTES)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


class SessionCookies:
    """Signs, reads and sets the session cookie."""

    def __init__(self, key: bytes, *, secure: bool) -> None:
        self._key = key
        self.secure = secure

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionCookies:
        return cls(load_key(settings.data_dir), secure=settings.mode == "production")

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def dump(self, session: PersonSession) -> str:
        payload = json.dumps(
            [session.sid, session.csrf, session.person_id, session.issued_at],
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def load(self, value: str | None, now: datetime) -> PersonSession | None:
        """The session in a cookie value, or None if it is missing, forged, malformed or old."""
        if not value or len(value) > 1024 or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        try:
            payload, given = _unb64(body), _unb64(mac)
        except ValueError:
            return None
        if not hmac.compare_digest(self._mac(payload), given):
            return None
        try:
            sid, csrf, person_id, issued_at = json.loads(payload)
        except ValueError:
            return None
        if not (isinstance(sid, str) and isinstance(csrf, str) and isinstance(issued_at, int)):
            return None
        if person_id is not None and not isinstance(person_id, str):
            return None
        if not 0 <= now.timestamp() - issued_at < SESSION_SECONDS:
            return None
        return PersonSession(sid, csrf, person_id, issued_at)

    def read(self, request: Request, now: datetime) -> PersonSession | None:
        return self.load(request.cookies.get(COOKIE_NAME), now)

    def set(self, response: Response, session: PersonSession) -> None:
        response.set_cookie(
            COOKIE_NAME,
            self.dump(session),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=self.secure
        )
