"""The built-in data source: a person's records from the store's reference tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Connection, Select, bindparam, insert, select

from consentgate.domain import Category, Record
from consentgate.errors import InvalidInput, NotFound
from consentgate.store.db import Database
from consentgate.store.tables import (
    contacts,
    event_attendees,
    events,
    friendships,
    messages,
    people,
    thread_participants,
)
from consentgate.store.types import utc_and_iso_from_db


def _iso(value: datetime) -> str:
    return value.isoformat()


def _record(
    category: Category,
    person_id: str,
    row_id: object,
    created_at: datetime,
    fields: dict[str, Any],
    **more: Any,
) -> Record:
    """One of ``person_id``'s records; its id, as text, is also its first field."""
    record_id = str(row_id)
    return Record(
        id=record_id,
        category=category,
        owner_id=person_id,
        created_at=created_at,
        fields={"id": record_id, **fields},
        **more,
    )


class StoreDataSource:
    """Implements :class:`consentgate.domain.DataSource` over the reference tables."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # One thread's page, the data API's hottest read, runs on the raw path (store.raw).
        # Its times come as stored: :func:`_message` makes their ISO text from the stored text.
        self._thread_page = db.raw.compile(_THREAD_MESSAGES, as_stored=frozenset({"sent_at"}))
        self._thread_people = db.raw.compile(_THREAD_PARTICIPANTS)

    def fetch(
        self,
        person_id: str,
        category: Category,
        *,
        thread_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Record]:
        if limit < 1 or offset < 0:
            raise InvalidInput("limit must be positive and offset not negative")
        if category is Category.MESSAGES and thread_id is not None:
            return self._one_thread(person_id, thread_id, limit, offset)
        with self._db.read() as conn:
            if category is Category.PROFILE:
                return _profile(conn, person_id)
            if category is Category.CONTACTS:
                return _contacts(conn, person_id, limit, offset)
            if category is Category.FRIENDS:
                return _friends(conn, person_id, limit, offset)
            if category is Category.MESSAGES:
                return _messages(conn, person_id, thread_id, limit, offset)
            return _calendar(conn, person_id, limit, offset)

    def _one_thread(self, person_id: str, thread_id: int, limit: int, offset: int) -> list[Record]:
        params = {"person_id": person_id, "thread_id": thread_id, "limit": limit, "offset": offset}
        page = self._thread_page
        with self._db.raw.snapshot() as cursor:
            found = page.run(cursor, params)
            members = tuple(p for (p,) in self._thread_people.run(cursor, params)) if found else ()
        return [_message(person_id, members, *row) for row in found]

    def write_message(
        self, person_id: str, thread_id: int, body: str, partner_id: str, at: datetime
    ) -> Record:
        if not body.strip():
            raise InvalidInput("a message needs a body")
        with self._db.begin() as conn:
            if person_id not in _participants(conn, [thread_id]).get(thread_id, ()):
                raise NotFound(f"thread {thread_id} not found for this person")
            message_id = conn.execute(
                insert(messages)
                .values(
                    thread_id=thread_id,
                    sender_id=person_id,
                    body=body,
                    sent_at=at,
                    created_by_partner=partner_id,
                )
                .returning(messages.c.id)
            ).scalar_one()
            records = _message_records(
                conn, person_id, select(messages).where(messages.c.id == message_id)
            )
        return records[0]


def _profile(conn: Connection, person_id: str) -> list[Record]:
    row = conn.execute(select(people).where(people.c.id == person_id)).mappings().first()
    if row is None:
        return []
    fields = {k: row[k] for k in ("id", "handle", "display_name", "birth_year", "city", "bio")}
    return [Record(row["id"], Category.PROFILE, person_id, row["created_at"], fields)]


def _page(
    query: Select[Any],
    owner: ColumnElement[str],
    person_id: str,
    limit: int,
    offset: int,
    *order: ColumnElement[Any],
) -> Select[Any]:
    """One page of ``person_id``'s rows: ``query`` where ``owner`` is the person, in ``order``."""
    return query.where(owner == person_id).order_by(*order).limit(limit).offset(offset)


def _contacts(conn: Connection, person_id: str, limit: int, offset: int) -> list[Record]:
    query = _page(select(contacts), contacts.c.owner_id, person_id, limit, offset, contacts.c.id)
    return [
        _record(
            Category.CONTACTS,
            person_id,
            r["id"],
            r["created_at"],
            {
                "name": r["name"],
                "email": r["email"],
                "phone": r["phone"],
                "linked_person": r["linked_person_id"],
            },
            created_by_partner=r["created_by_partner"],
            subject_id=r["linked_person_id"],
        )
        for r in conn.execute(query).mappings()
    ]


def _friends(conn: Connection, person_id: str, limit: int, offset: int) -> list[Record]:
    query = _page(
        select(friendships.c.friend_id, friendships.c.since, people.c.display_name).join(
            people, people.c.id == friendships.c.friend_id
        ),
        friendships.c.person_id,
        person_id,
        limit,
        offset,
        friendships.c.friend_id,
    )
    return [
        _record(
            Category.FRIENDS,
            person_id,
            r["friend_id"],
            r["since"],
            {
                "friend_id": r["friend_id"],
                "display_name": r["display_name"],
                "since": _iso(r["since"]),
            },
            subject_id=r["friend_id"],
        )
        for r in conn.execute(query).mappings()
    ]


# The message queries are built once, with bound parameters: building a ``select()`` per call
# (and computing its cache key) cost more than SQLite spends running it.
_IN_THREADS: BindParameter[int] = bindparam("threads", expanding=True)
_PARTICIPANTS = (
    select(thread_participants.c.thread_id, thread_participants.c.person_id)
    .where(thread_participants.c.thread_id.in_(_IN_THREADS))
    .order_by(thread_participants.c.thread_id, thread_participants.c.person_id)
)
_THREAD_PARTICIPANTS = (
    select(thread_participants.c.person_id)
    .where(thread_participants.c.thread_id == bindparam("thread_id"))
    .order_by(thread_participants.c.person_id)
)
_MINE = select(thread_participants.c.thread_id).where(
    thread_participants.c.person_id == bindparam("person_id")
)
#: A message row's columns, in the order :func:`_message` takes them.
_MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.thread_id,
    messages.c.sender_id,
    messages.c.body,
    messages.c.sent_at,
    messages.c.created_by_partner,
)
_MESSAGES = (
    select(*_MESSAGE_COLUMNS)
    .where(messages.c.thread_id.in_(_MINE))
    .order_by(messages.c.sent_at, messages.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_THREAD_MESSAGES = _MESSAGES.where(messages.c.thread_id == bindparam("thread_id"))


def _participants(conn: Connection, thread_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for thread, person in conn.execute(_PARTICIPANTS, {"threads": thread_ids}):
        found[int(thread)].append(person)
    return {k: tuple(v) for k, v in found.items()}


def _message_records(
    conn: Connection, person_id: str, query: Any, params: dict[str, Any] | None = None
) -> list[Record]:
    found = conn.execute(query, params).mappings().all()
    participants = _participants(conn, sorted({int(r["thread_id"]) for r in found}))
    return [_message_record(person_id, r, participants.get(int(r["thread_id"]), ())) for r in found]


def _message_record(person_id: str, r: Mapping[Any, Any], members: tuple[str, ...]) -> Record:
    """One message row as ``person_id``'s record; ``members`` are its thread's participants."""
    return _message(person_id, members, *(r[c.name] for c in _MESSAGE_COLUMNS))


def _message(
    person_id: str,
    members: tuple[str, ...],
    message_id: object,
    thread_id: object,
    sender: str,
    body: str,
    stored_sent_at: object,
    created_by_partner: str | None,
) -> Record:
    """One message, given the columns of its row, as ``person_id``'s record (its time as the
    driver or the column type gives it: see :func:`utc_and_iso_from_db`)."""
    record_id = str(message_id)
    sent_at, sent_at_text = utc_and_iso_from_db(stored_sent_at)
    return Record(
        id=record_id,
        category=Category.MESSAGES,
        owner_id=person_id,
        created_at=sent_at,
        fields={
            "id": record_id,
            "thread_id": str(thread_id),
            "sender_id": sender,
            "body": body,
            "sent_at": sent_at_text,
            "participants": list(members),
            "created_by_partner": created_by_partner,
        },
        created_by_partner=created_by_partner,
        subject_id=sender if sender != person_id else None,
        others={"participants": members},
    )


def _messages(
    conn: Connection, person_id: str, thread_id: int | None, limit: int, offset: int
) -> list[Record]:
    params: dict[str, Any] = {"person_id": person_id, "limit": limit, "offset": offset}
    if thread_id is None:
        return _message_records(conn, person_id, _MESSAGES, params)
    params["thread_id"] = thread_id
    return _message_records(conn, person_id, _THREAD_MESSAGES, params)


def _calendar(conn: Connection, person_id: str, limit: int, offset: int) -> list[Record]:
    query = _page(
        select(events), events.c.owner_id, person_id, limit, offset, events.c.starts_at, events.c.id
    )
    found = conn.execute(query).mappings().all()
    attendees: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if found:
        rows = conn.execute(
            select(event_attendees)
            .where(event_attendees.c.event_id.in_([r["id"] for r in found]))
            .order_by(event_attendees.c.id)
        ).mappings()
        for a in rows:
            attendees[int(a["event_id"])].append(
                {"person_id": a["person_id"], "name": a["name"], "email": a["email"]}
            )
    return [
        _record(
            Category.CALENDAR,
            person_id,
            r["id"],
            r["created_at"],
            {
                "title": r["title"],
                "starts_at": _iso(r["starts_at"]),
                "ends_at": _iso(r["ends_at"]),
                "location": r["location"],
                "attendees": attendees[int(r["id"])],
            },
            created_by_partner=r["created_by_partner"],
            others={"attendees": tuple(a["person_id"] for a in attendees[int(r["id"])])},
        )
        for r in found
    ]
