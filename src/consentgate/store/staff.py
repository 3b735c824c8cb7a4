"""Staff accounts, their API tokens, the audit trail of their admin writes, and log
verification runs (``services/staff.py`` and ``services/console.py`` hold the rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from consentgate.domain.staff import ApiToken, Role, StaffMember
from consentgate.store import rows
from consentgate.store.tables import log_verifications, staff, staff_audit, staff_tokens


def _member(row: RowMapping) -> StaffMember:
    return rows.from_row(StaffMember, row, role=Role(row["role"]))


def _token(row: RowMapping) -> ApiToken:
    return rows.from_row(ApiToken, row, role=Role(row["role"]))


# --- staff -----------------------------------------------------------------------------------------
def insert_staff(conn: Connection, member: StaffMember, password_hash: str) -> None:
    values = rows.values(member, staff, role=member.role.value, password_hash=password_hash)
    conn.execute(insert(staff).values(values))


def get_staff(conn: Connection, staff_id: str) -> StaffMember | None:
    return rows.one(conn, staff.c.id, staff_id, _member)


def find_staff(conn: Connection, handle: str) -> tuple[StaffMember, str] | None:
    """The staff member with ``handle`` and their password hash."""
    row = conn.execute(select(staff).where(staff.c.handle == handle)).mappings().first()
    return (_member(row), row["password_hash"]) if row else None


def list_staff(conn: Connection) -> list[StaffMember]:
    return rows.every(conn, staff, _member, staff.c.handle)


def set_disabled(conn: Connection, staff_id: str, at: datetime | None) -> None:
    conn.execute(update(staff).where(staff.c.id == staff_id).values(disabled_at=at))


def set_password(conn: Connection, staff_id: str, password_hash: str) -> None:
    conn.execute(update(staff).where(staff.c.id == staff_id).values(password_hash=password_hash))


# --- API tokens ------------------------------------------------------------------------------------
def insert_token(conn: Connection, token: ApiToken, token_hash: str) -> None:
    values = rows.values(token, staff_tokens, role=token.role.value, token_hash=token_hash)
    conn.execute(insert(staff_tokens).values(values))


def token_by_hash(conn: Connection, token_hash: str) -> tuple[ApiToken, StaffMember] | None:
    """The token with this hash and its owner."""
    query = select(staff_tokens).where(staff_tokens.c.token_hash == token_hash)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    owner = get_staff(conn, row["staff_id"])
    return (_token(row), owner) if owner is not None else None


def tokens_of(conn: Connection, staff_id: str) -> list[ApiToken]:
    query = (
        select(staff_tokens)
        .where(staff_tokens.c.staff_id == staff_id)
        .order_by(staff_tokens.c.created_at, staff_tokens.c.id)
    )
    return [_token(r) for r in conn.execute(query).mappings()]


def token_name_taken(conn: Connection, staff_id: str, name: str) -> bool:
    query = select(staff_tokens.c.id).where(
        staff_tokens.c.staff_id == staff_id, staff_tokens.c.name == name
    )
    return conn.execute(query).first() is not None


def revoke_token(conn: Connection, staff_id: str, token_id: str, at: datetime) -> bool:
    """Revoke one of ``staff_id``'s tokens; whether it was theirs and still unrevoked."""
    where = (staff_tokens.c.id == token_id, staff_tokens.c.staff_id == staff_id)
    return bool(rows.revoke(conn, staff_tokens, at, *where))


# --- the audit trail -------------------------------------------------------------------------------
def record(conn: Connection, **values: Any) -> None:
    """One line of the audit trail (``at``, ``actor``, ``role``, ``method``, ``target``,
    ``outcome``, ``status``)."""
    conn.execute(insert(staff_audit).values(**values))


def audit_trail(conn: Connection, limit: int) -> list[RowMapping]:
    query = select(staff_audit).order_by(staff_audit.c.id.desc()).limit(limit)
    return list(conn.execute(query).mappings())


def count_audit(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(staff_audit)).scalar_one())


# --- log verification runs -------------------------------------------------------------------------
def start_verification(conn: Connection, at: datetime, started_by: str) -> int:
    done = conn.execute(insert(log_verifications).values(started_at=at, started_by=started_by))
    key = done.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_verification(
    conn: Connection, run_id: int, at: datetime, *, size: int | None, ok: bool, message: str
) -> None:
    conn.execute(
        update(log_verifications)
        .where(log_verifications.c.id == run_id)
        .values(finished_at=at, size=size, ok=ok, message=message[:2000])
    )


def last_verification(conn: Connection, *, finished: bool) -> RowMapping | None:
    query = select(log_verifications).order_by(log_verifications.c.id.desc()).limit(1)
    if finished:
        query = query.where(log_verifications.c.finished_at.is_not(None))
    return conn.execute(query).mappings().first()
