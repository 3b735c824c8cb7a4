"""Browser sessions: a signed cookie holding who is signed in and a CSRF token, honoured only
while the server keeps the session (``services/signin.py``). People (the privacy center) and
staff (the console, cookie ``consentgate_console`` sent only to ``/console``) use the same
mechanism, each with its own cookie.

The cookie is ``base64url(JSON) "." base64url(HMAC-SHA256(key, name NUL JSON))``: the cookie's
name is under the MAC, so a person's cookie can never pass for a staff member's. The key is 32 random
bytes in ``<data_dir>/session.key``, created with mode 0600 on first use and refused if others can
read it. The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (no cross-site POST
carries it) and ``Secure`` in production mode. Each form also carries the session's CSRF token in
a hidden field (the synchronizer-token pattern); signing in starts a new session, so a token
planted before sign-in is worthless after it.

A signed-in cookie is also checked against the server's session rows on every request
(:func:`current_session`): signing out, or signing out everywhere, deletes them, so a copy of the
cookie stops working at once, in every server process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from consentgate.config import Settings
from consentgate.errors import ConfigError
from consentgate.secretfiles import secret_file
from consentgate.services.signin import PERSON, SessionService

COOKIE_NAME = "consentgate_session"
#: The console's cookie (staff), sent only with requests under ``/console``.
CONSOLE_COOKIE_NAME = "consentgate_console"
CONSOLE_PATH = "/console"
#: A session lasts at most this long after sign-in (or after it was opened, when signed out).
SESSION_SECONDS = 8 * 3600
_KEY_FILE = "session.key"
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class PersonSession:
    """One browser's session. ``person_id`` (the subject: a person, or a staff member in the
    console's cookie) is None until someone signs in."""

    sid: str
    csrf: str
    person_id: str | None
    issued_at: int

    def csrf_matches(self, token: str | None) -> bool:
        """Whether a submitted form's CSRF token is this session's (constant-time compare).

        Compared as UTF-8 bytes: ``hmac.compare_digest`` refuses ``str`` with non-ASCII
        characters (TypeError), and a form may carry anything.
        """
        return token is not None and hmac.compare_digest(
            self.csrf.encode("utf-8"), token.encode("utf-8", "surrogatepass")
        )


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
    """The session key in ``data_dir``, created on first use (a secret file)."""
    path = data_dir / _KEY_FILE
    key = secret_file(
        path, setting="CONSENTGATE_DATA_DIR", make=lambda: secrets.token_bytes(_KEY_BYTES)
    )
    if len(key) != _KEY_BYTES:
        raise ConfigError(f"{path} is not a session key ({_KEY_BYTES} bytes)")
    return key


class SessionCookies:
    """Signs, reads and sets the session cookie."""

    def __init__(
        self, key: bytes, *, secure: bool, name: str = COOKIE_NAME, path: str = "/"
    ) -> None:
        self._key = key
        self.secure = secure
        self.name = name
        self.path = path

    @classmethod
    def from_settings(
        cls, settings: Settings, *, name: str = COOKIE_NAME, path: str = "/"
    ) -> SessionCookies:
        secure = settings.mode == "production"
        return cls(load_key(settings.data_dir), secure=secure, name=name, path=path)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, self.name.encode() + b"\0" + payload, hashlib.sha256).digest()

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
        return self.load(request.cookies.get(self.name), now)

    def set(self, response: Response, session: PersonSession) -> None:
        response.set_cookie(
            self.name,
            self.dump(session),
            max_age=SESSION_SECONDS,
            path=self.path,
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            self.name, path=self.path, httponly=True, samesite="lax", secure=self.secure
        )


def current_session(
    request: Request, cookies: SessionCookies, sessions: SessionService, kind: str = PERSON
) -> PersonSession | None:
    """The browser's session: None when there is no valid cookie, or when it names a subject
    (of ``kind``) whose session the server has ended (signed out, everywhere, or run out).
    Reads the database, so async routes call it in a worker thread."""
    session = cookies.read(request, sessions.clock())
    if session is None or session.person_id is None:
        return session
    if not sessions.is_live(session.sid, kind, session.person_id):
        return None
    return session
