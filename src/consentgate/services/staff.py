"""Staff accounts (``admin`` and ``auditor``), their named API tokens, and the audit trail.

- Passwords are argon2id, exactly as people's (:func:`consentgate.services.people.hash_password`);
  a wrong password and an unknown or disabled handle take the same time.
- API tokens are 32 random bytes (``cgs_…``); only their SHA-256 is stored. A token has a name,
  a role no higher than its owner's and an expiry (at most :data:`MAX_TOKEN_DAYS` ahead).
- Everything is checked on every use: a disabled account, or a revoked or expired token, is
  refused at once, and disabling an account (or resetting its password) also ends its console
  sessions on the server (``services/signin.py``).
- The audit trail (``staff_audit``) has one line per write asked of the admin API or the console
  by anyone: who (:class:`~consentgate.domain.staff.Actor`), what (method and path), and whether
  it was done or refused. An auditor's write is refused (403) and still written here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from consentgate.domain.clock import Clock
from consentgate.domain.staff import (
    TOKEN_NAME,
    Actor,
    ApiToken,
    Role,
    StaffMember,
    check_handle,
)
from consentgate.errors import Conflict, Forbidden, InvalidInput, NotFound
from consentgate.services.base import new_id
from consentgate.services.people import hash_password
from consentgate.services.signin import SessionService
from consentgate.store import Database
from consentgate.store import staff as rows
from consentgate.store.rows import from_row

#: The subject kind of a staff member's console session.
STAFF = "staff"
#: The longest an API token may live.
MAX_TOKEN_DAYS = 366
TOKEN_PREFIX = "cgs_"  # noqa: S105 - the prefix of staff API tokens, not a secret
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Hashed on first use, not at import: every CLI command imports this module.
    return _hasher.hash("not-a-real-staff-password")


def token_hash(token: str) -> str:
    """What is stored of an API token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new API token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One write asked of the admin API or the console, and what became of it."""

    at: datetime
    actor: str
    role: str
    method: str
    target: str
    outcome: str
    status: int


class StaffService:
    """Create, list, disable staff accounts; check their passwords and tokens; keep the trail."""

    def __init__(self, db: Database, clock: Clock, sessions: SessionService) -> None:
        self.db = db
        self.clock = clock
        self.sessions = sessions

    # -- accounts ---------------------------------------------------------------------------
    def create(self, handle: str, role: Role, password: str) -> StaffMember:
        """A new active staff account; a handle already taken is a Conflict."""
        member = StaffMember(new_id("staff"), check_handle(handle), role, self.clock())
        password_hash = hash_password(password)
        try:
            with self.db.begin() as conn:
                if rows.find_staff(conn, handle) is not None:
                    raise Conflict(f"a staff account {handle!r} exists already")
                rows.insert_staff(conn, member, password_hash)
        except SQLIntegrityError:
            raise Conflict(f"a staff account {handle!r} exists already") from None
        return member

    def members(self) -> list[StaffMember]:
        with self.db.read() as conn:
            return rows.list_staff(conn)

    def by_handle(self, handle: str) -> StaffMember:
        with self.db.read() as conn:
            found = rows.find_staff(conn, handle)
        if found is None:
            raise NotFound(f"no staff account {handle[:64]!r}")
        return found[0]

    def disable(self, handle: str) -> StaffMember:
        """Disable the account: its sessions end and its tokens stop working, at once."""
        member = self.by_handle(handle)
        if member.disabled_at is None:
            with self.db.begin() as conn:
                rows.set_disabled(conn, member.id, self.clock())
        self.sessions.end_all(STAFF, member.id)
        return self.by_handle(handle)

    def reset_password(self, handle: str, password: str) -> StaffMember:
        """A new password; every console session of the account ends."""
        member = self.by_handle(handle)
        password_hash = hash_password(password)
        with self.db.begin() as conn:
            rows.set_password(conn, member.id, password_hash)
        self.sessions.end_all(STAFF, member.id)
        return member

    def authenticate(self, handle: str, password: str) -> StaffMember | None:
        """The active staff member with these credentials, or None (slow on purpose: argon2)."""
        with self.db.read() as conn:
            found = rows.find_staff(conn, handle)
        if found is None or not found[0].active:
            with contextlib.suppress(VerificationError, InvalidHashError):
                _hasher.verify(_dummy_hash(), password)
            return None
        member, password_hash = found
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return member

    def active(self, staff_id: str) -> StaffMember | None:
        """The staff member, if the account exists and is not disabled (checked per request)."""
        with self.db.read() as conn:
            member = rows.get_staff(conn, staff_id)
        return member if member is not None and member.active else None

    # -- API tokens -------------------------------------------------------------------------
    def create_token(
        self, member: StaffMember, name: str, role: Role, expires_at: datetime
    ) -> IssuedToken:
        """A named API token of ``member``, with ``role`` (no higher than theirs) until
        ``expires_at`` (in the future, at most :data:`MAX_TOKEN_DAYS` ahead)."""
        now = self.clock()
        if not TOKEN_NAME.match(name):
            raise InvalidInput("a token name is 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")
        if not member.role.covers(role):
            raise Forbidden(
                f"an account with the {member.role} role cannot create a token with the {role} role"
            )
        if not now < expires_at <= now + timedelta(days=MAX_TOKEN_DAYS):
            raise InvalidInput(
                f"a token expires in the future, at most {MAX_TOKEN_DAYS} days ahead"
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(new_id("token"), member.id, name, role, now, expires_at)
        try:
            with self.db.begin() as conn:
                if rows.token_name_taken(conn, member.id, name):
                    raise Conflict(f"you have a token named {name!r} already")
                rows.insert_token(conn, token, token_hash(secret))
        except SQLIntegrityError:
            raise Conflict(f"you have a token named {name!r} already") from None
        return IssuedToken(token, secret)

    def tokens_of(self, member: StaffMember) -> list[ApiToken]:
        with self.db.read() as conn:
            return rows.tokens_of(conn, member.id)

    def revoke_token(self, member: StaffMember, token_id: str) -> None:
        """Revoke one of ``member``'s own tokens (another's, or an unknown id: NotFound)."""
        with self.db.begin() as conn:
            if not rows.revoke_token(conn, member.id, token_id[:64], self.clock()):
                raise NotFound(f"you have no unrevoked token {token_id[:64]!r}")

    def authenticate_token(self, secret: str) -> Actor | None:
        """Who a bearer token stands for: None unless it is a known, unrevoked, unexpired token
        of an active staff account."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
            return None
        with self.db.read() as conn:
            found = rows.token_by_hash(conn, token_hash(secret))
        if found is None:
            return None
        token, owner = found
        if not owner.active or not token.usable(self.clock()):
            return None
        # A token never acts above its owner's role as it is now.
        role = token.role if owner.role.covers(token.role) else owner.role
        return Actor("token", f"{owner.handle}/{token.name}", role, owner.id)

    # -- the audit trail --------------------------------------------------------------------
    def record(self, actor: Actor, method: str, target: str, *, status: int) -> None:
        """Write one line of the audit trail: ``refused`` for 401/403, else ``done`` or
        ``failed`` by the status answered."""
        outcome = "refused" if status in (401, 403) else "done" if status < 400 else "failed"
        with self.db.begin() as conn:
            rows.record(
                conn,
                at=self.clock(),
                actor=actor.label[:160],
                role=actor.role.value,
                method=method[:16],
                target=target[:512],
                outcome=outcome,
                status=status,
            )

    def audit_trail(self, limit: int = 100) -> list[AuditLine]:
        """The newest ``limit`` lines, newest first."""
        with self.db.read() as conn:
            return [from_row(AuditLine, r) for r in rows.audit_trail(conn, limit)]
