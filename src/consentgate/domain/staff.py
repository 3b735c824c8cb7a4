"""Staff accounts: the platform's own people who run and audit consentgate (DESIGN.md, "Who uses
it"). An ``admin`` changes things; an ``auditor`` reads everything and changes nothing.

A staff member acts through the console (a browser session) or through a named API token, which
carries a role no higher than its owner's and always ends (``expires_at``). The admin API's own
bearer token (``CONSENTGATE_ADMIN_TOKEN``) stays, for automation: it acts as an admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consentgate.errors import InvalidInput

#: What a staff handle may be: 2-64 characters of a-z, 0-9, '_', '.', '-'.
STAFF_HANDLE = re.compile(r"^[a-z0-9_.-]{2,64}$")
#: What an API token's name may be (a label its owner chooses).
TOKEN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Role(StrEnum):
    """What a staff member may do: ``admin`` reads and writes, ``auditor`` only reads."""

    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def may_write(self) -> bool:
        return self is Role.ADMIN

    def covers(self, other: Role) -> bool:
        """Whether this role includes everything ``other`` may do."""
        return self is Role.ADMIN or other is Role.AUDITOR


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise InvalidInput(f"role must be 'admin' or 'auditor', not {text[:32]!r}") from None


def check_handle(handle: str) -> str:
    if not STAFF_HANDLE.match(handle):
        raise InvalidInput("a staff handle is 2-64 characters of a-z, 0-9, '_', '.' or '-'")
    return handle


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff account. A disabled one can neither sign in nor use its tokens."""

    id: str
    handle: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A named API token of a staff member: only its SHA-256 is stored."""

    id: str
    staff_id: str
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes an admin request or a console request, as the audit trail names them.

    ``kind`` is ``staff`` (a console session), ``token`` (a staff API token) or ``admin-token``
    (the configured admin bearer token, for automation).
    """

    kind: str
    name: str
    role: Role
    staff_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"
