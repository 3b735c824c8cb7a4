"""People and their privacy settings."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from sqlalchemy import Connection, func, insert, select, update

from consentgate.domain import Person, PrivacySettings
from consentgate.store import rows
from consentgate.store.tables import people, privacy_settings


class Profile(TypedDict, total=False):
    """The profile fields of a person's row, each optional: what they tell about themselves."""

    birth_year: int | None
    city: str | None
    bio: str | None


def insert_person(
    conn: Connection,
    person: Person,
    *,
    password_hash: str | None = None,
    **profile: Unpack[Profile],
) -> None:
    conn.execute(
        insert(people).values(
            id=person.id,
            handle=person.handle,
            display_name=person.display_name,
            password_hash=password_hash,
            birth_year=profile.get("birth_year"),
            city=profile.get("city"),
            bio=profile.get("bio"),
            created_at=person.created_at,
        )
    )
    put_settings(conn, PrivacySettings.default(person.id), person.created_at, new=True)


def get_person(conn: Connection, person_id: str) -> Person | None:
    row = conn.execute(select(people).where(people.c.id == person_id)).mappings().first()
    return rows.person(row) if row else None


def find_by_handle(conn: Connection, handle: str) -> tuple[Person, str | None] | None:
    """The person with ``handle`` and their password hash (None: no built-in login)."""
    row = conn.execute(select(people).where(people.c.handle == handle)).mappings().first()
    return (rows.person(row), row["password_hash"]) if row else None


def person_exists(conn: Connection, person_id: str) -> bool:
    return conn.execute(select(people.c.id).where(people.c.id == person_id)).first() is not None


def count_people(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def get_settings(conn: Connection, person_id: str) -> PrivacySettings | None:
    row = (
        conn.execute(select(privacy_settings).where(privacy_settings.c.person_id == person_id))
        .mappings()
        .first()
    )
    return rows.settings(row) if row else None


def put_settings(
    conn: Connection, settings: PrivacySettings, at: datetime, *, new: bool = False
) -> None:
    values = {
        "share_with_partners": settings.share_with_partners,
        "categories": frozenset(c.value for c in settings.categories),
        "via_others": frozenset(c.value for c in settings.via_others),
        "updated_at": at,
    }
    if new:
        conn.execute(insert(privacy_settings).values(person_id=settings.person_id, **values))
    else:
        conn.execute(
            update(privacy_settings)
            .where(privacy_settings.c.person_id == settings.person_id)
            .values(**values)
        )
