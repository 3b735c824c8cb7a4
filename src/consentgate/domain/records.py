"""Records a data source hands out, and the fields each category has.

A record is what would leave the platform if every rule allows it. It says which *other* platform
people appear in it, so the engine can apply their consent (DESIGN.md, rule 4):

- ``subject_id``: the other person the whole record belongs to (a friend in a friend list, a
  contact who is a platform user, the author of a message in a shared thread). If that person
  does not allow it, the record is dropped.
- ``others``: per list-valued field, the platform person behind each entry (``None`` for someone
  who is not a platform user), e.g. a thread's participants or an event's attendees. Entries of
  people who do not allow it are redacted, the record itself stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from consentgate.domain.categories import Category

#: The fields a record of each category carries; an agreement can allow a subset.
FIELDS: Mapping[Category, frozenset[str]] = {
    Category.PROFILE: frozenset({"id", "handle", "display_name", "birth_year", "city", "bio"}),
    Category.CONTACTS: frozenset({"id", "name", "email", "phone", "linked_person"}),
    Category.FRIENDS: frozenset({"id", "friend_id", "display_name", "since"}),
    Category.MESSAGES: frozenset(
        {"id", "thread_id", "sender_id", "body", "sent_at", "participants", "created_by_partner"}
    ),
    Category.CALENDAR: frozenset({"id", "title", "starts_at", "ends_at", "location", "attendees"}),
}


@dataclass(frozen=True, slots=True, init=False)
class Record:
    """One record of one person's data, in one category."""

    id: str
    category: Category
    owner_id: str
    created_at: datetime
    fields: Mapping[str, Any]
    created_by_partner: str | None = None
    subject_id: str | None = None
    others: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)

    def __init__(
        self,
        id: str,
        category: Category,
        owner_id: str,
        created_at: datetime,
        fields: Mapping[str, Any],
        created_by_partner: str | None = None,
        subject_id: str | None = None,
        others: Mapping[str, tuple[str | None, ...]] | None = None,
    ) -> None:
        # Written by hand: a frozen dataclass's own __init__ sets each field through
        # object.__setattr__, about 2 µs a record, and a page of the hottest read builds 50 of
        # them (8 % of its time on the event loop, measured with py-spy). This sets the same
        # slots through their descriptors; the record stays frozen (assignment still raises).
        _SET_ID(self, id)
        _SET_CATEGORY(self, category)
        _SET_OWNER(self, owner_id)
        _SET_CREATED_AT(self, created_at)
        _SET_FIELDS(self, fields)
        _SET_CREATED_BY(self, created_by_partner)
        _SET_SUBJECT(self, subject_id)
        _SET_OTHERS(self, {} if others is None else others)

    def people(self) -> frozenset[str]:
        """Every other platform person who appears in this record."""
        found = {p for entries in self.others.values() for p in entries if p is not None}
        if self.subject_id is not None:
            found.add(self.subject_id)
        found.discard(self.owner_id)
        return frozenset(found)


# The slots' setters (the class that ``dataclass(slots=True)`` returns holds the descriptors).
_SLOTS = vars(Record)
_SET_ID = _SLOTS["id"].__set__
_SET_CATEGORY = _SLOTS["category"].__set__
_SET_OWNER = _SLOTS["owner_id"].__set__
_SET_CREATED_AT = _SLOTS["created_at"].__set__
_SET_FIELDS = _SLOTS["fields"].__set__
_SET_CREATED_BY = _SLOTS["created_by_partner"].__set__
_SET_SUBJECT = _SLOTS["subject_id"].__set__
_SET_OTHERS = _SLOTS["others"].__set__


def people_in(records: Iterable[Record]) -> set[str]:
    """Every platform person who appears in any of ``records`` other than its owner: the union
    of :meth:`Record.people`, gathered per owner (a page of a thread names the same people on
    every message, so this is one set update a message, not one new set)."""
    by_owner: dict[str, set[str | None]] = {}
    for record in records:
        found = by_owner.get(record.owner_id)
        if found is None:
            found = by_owner[record.owner_id] = set()
        for entries in record.others.values():
            found.update(entries)
        if record.subject_id is not None:
            found.add(record.subject_id)
    return {p for owner, found in by_owner.items() for p in found if p is not None and p != owner}


class DataSource(Protocol):
    """Where a person's records come from. The built-in one reads the store's reference tables
    (``consentgate.store.records.StoreDataSource``); a platform plugs in its own by implementing
    these two methods. A data source never decides anything: the engine's obligations run on what
    it returns, before anything leaves.
    """

    def fetch(
        self,
        person_id: str,
        category: Category,
        *,
        thread_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Record]:
        """Up to ``limit`` records of ``person_id`` in ``category``, oldest first, after ``offset``.

        For messages, ``thread_id`` narrows to one thread the person takes part in; a thread they
        are not in yields no records.
        """
        ...

    def write_message(
        self, person_id: str, thread_id: int, body: str, partner_id: str, at: datetime
    ) -> Record:
        """Send a message as ``person_id`` into ``thread_id``, created through ``partner_id``."""
        ...
