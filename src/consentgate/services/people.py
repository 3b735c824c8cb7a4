"""People of the built-in data source, their logins and their privacy settings."""

from __future__ import annotations

import contextlib
import functools
import re
from typing import Unpack

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from consentgate.domain import Category, Person, PrivacySettings
from consentgate.errors import Conflict, InvalidInput
from consentgate.services.base import ChangeKind, Service, existing, new_id
from consentgate.store import history as history_rows
from consentgate.store import people as people_rows

#: What a handle may be: 2-64 characters of a-z, 0-9, '_', '.', '-'.
HANDLE_PATTERN = re.compile(r"^[a-z0-9_.-]{2,64}$")
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (argon2-cffi's recommended parameters)."""
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    return _hasher.hash(password)


class PeopleService(Service):
    """Register people, check their built-in login, read and change their settings."""

    def register_person(
        self,
        handle: str,
        display_name: str,
        *,
        password: str | None = None,
        person_id: str | None = None,
        **profile: Unpack[people_rows.Profile],
    ) -> Person:
        """Register a person with every sharing switch off; ``profile`` is what they tell about
        themselves (see :class:`~consentgate.store.people.Profile`)."""
        if not HANDLE_PATTERN.match(handle):
            raise InvalidInput(
                f"handle {handle!r} must be 2-64 characters of a-z, 0-9, '_', '.', '-'"
            )
        if not display_name.strip():
            raise InvalidInput("a person needs a display name")
        password_hash = hash_password(password) if password is not None else None
        now = self.clock()
        person = Person(
            id=person_id or new_id("p"), handle=handle, display_name=display_name, created_at=now
        )
        with self.write() as w:
            if people_rows.find_by_handle(w.conn, handle) is not None:
                raise Conflict(f"handle {handle!r} is taken")
            if people_rows.person_exists(w.conn, person.id):
                raise Conflict(f"person {person.id!r} already exists")
            people_rows.insert_person(w.conn, person, password_hash=password_hash, **profile)
            w.note(ChangeKind.PERSON, now, person_id=person.id)
        return person

    def get_person(self, person_id: str) -> Person:
        return self.lookup("person", person_id, people_rows.get_person)

    def authenticate(self, handle: str, password: str) -> Person | None:
        """The person whose built-in login this is, or None. Slow on purpose (argon2)."""
        with self.db.read() as conn:
            found = people_rows.find_by_handle(conn, handle)
        if found is None or found[1] is None:
            _hasher_dummy_verify()
            return None
        person, password_hash = found
        assert password_hash is not None
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return person

    def get_settings(self, person_id: str) -> PrivacySettings:
        return self.lookup("person", person_id, people_rows.get_settings)

    def set_settings(
        self,
        person_id: str,
        *,
        share_with_partners: bool | None = None,
        categories: frozenset[Category] | None = None,
        via_others: frozenset[Category] | None = None,
    ) -> PrivacySettings:
        """Change a person's settings; every later decision sees them at once."""
        with self.write() as w:
            current = existing("person", person_id, people_rows.get_settings(w.conn, person_id))
            updated = PrivacySettings(
                person_id=person_id,
                share_with_partners=current.share_with_partners
                if share_with_partners is None
                else share_with_partners,
                categories=current.categories if categories is None else categories,
                via_others=current.via_others if via_others is None else via_others,
            )
            now = self.clock()
            people_rows.put_settings(w.conn, updated, now)
            w.note(ChangeKind.SETTINGS, now, person_id=person_id)
        return updated

    def access_history(
        self, person_id: str, *, before: int | None, limit: int
    ) -> list[history_rows.AccessRow]:
        """The newest ``limit`` accesses to the person's data, below log index ``before``."""
        with self.db.read() as conn:
            return history_rows.history_of(conn, person_id, before=before, limit=limit)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


def _hasher_dummy_verify() -> None:
    # Spend the same time on an unknown handle as on a wrong password, so login timing does not
    # tell which handles exist. (Hashed on first use, not at import: every CLI command imports this.)
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), "wrong-password")
