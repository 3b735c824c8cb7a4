"""Bulk import of reference data for the built-in data source, from JSON Lines.

One JSON object per line, each with a ``type``:

* ``person`` — ``id``, ``handle``, ``display_name`` [, ``city``, ``birth_year``, ``bio``,
  ``created_at``]; imported people start with every sharing switch off, like any new person.
* ``contact`` — ``id`` (integer), ``owner_id``, ``name`` [, ``email``, ``phone``,
  ``linked_person_id``], ``created_at``.
* ``friendship`` — ``person_id``, ``friend_id``, ``since``; a friendship is mutual, so both
  directions are stored.
* ``thread`` — ``id`` (integer), ``subject``, ``created_at``, ``participants`` (person ids).
* ``message`` — ``id`` (integer), ``thread_id``, ``sender_id`` (a participant), ``body``, ``sent_at``.
* ``event`` — ``id`` (integer), ``owner_id``, ``title``, ``starts_at``, ``ends_at`` [, ``location``],
  ``created_at`` [, ``attendees``: objects with ``name`` and optional ``person_id``, ``email``].

Dates are ISO 8601 strings with a time zone. Every line is parsed and every reference checked
(against the file and the store) before the first row is written, and all rows go in one
transaction: a bad line is an :class:`~consentgate.errors.InvalidInput` naming its line number, and
nothing is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import Connection

from consentgate.domain import PrivacySettings
from consentgate.errors import InvalidInput
from consentgate.services.base import ChangeKind, Service
from consentgate.services.json_input import MAX_JSON_DEPTH, has_nul, too_deep
from consentgate.services.people import HANDLE_PATTERN
from consentgate.store import imports as import_rows
from consentgate.validation import describe

#: The most lines one import may carry (the HTTP body limit is the other bound).
MAX_LINES = 200_000
#: Row ids are 64-bit signed integers in both databases (SQLite INTEGER, PostgreSQL BIGINT).
_MAX_ID = (1 << 63) - 1


# RFC 3339 §5.6 date-time (what OpenAPI's "date-time" format promises; a missing zone gets its own
# message below), ASCII digits only:
# datetime.fromisoformat alone also takes other ISO 8601 spellings such as 20260101T0000Z.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def _iso_datetime(value: object) -> object:
    """An ISO 8601 string with a time zone (or an aware datetime, e.g. from TOML)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        if not _RFC3339.fullmatch(value):
            raise ValueError(f"not an ISO 8601 date and time: {value[:40]!r}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date and time: {value[:40]!r}") from None
    else:
        # A ValueError (not a TypeError) is what pydantic turns into a field error.
        raise ValueError("expected an ISO 8601 date and time as a string")
    if parsed.tzinfo is None:
        raise ValueError("the date and time needs a time zone, e.g. 2026-01-01T00:00:00Z")
    return parsed


#: A date and time as consentgate accepts it everywhere: ISO 8601 with a time zone.
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_datetime)]
PersonId = Annotated[str, Field(min_length=1, max_length=64)]
RowId = Annotated[int, Field(ge=1, le=_MAX_ID)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PersonLine(_Line):
    type: Literal["person"]
    id: PersonId
    handle: Annotated[str, Field(pattern=HANDLE_PATTERN.pattern)]
    display_name: Text200
    city: Annotated[str, Field(max_length=100)] | None = None
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    bio: Annotated[str, Field(max_length=5000)] | None = None
    created_at: IsoDatetime | None = None


class ContactLine(_Line):
    type: Literal["contact"]
    id: RowId
    owner_id: PersonId
    name: Text200
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    linked_person_id: PersonId | None = None
    created_at: IsoDatetime


class FriendshipLine(_Line):
    type: Literal["friendship"]
    person_id: PersonId
    friend_id: PersonId
    since: IsoDatetime


class ThreadLine(_Line):
    type: Literal["thread"]
    id: RowId
    subject: Text200
    created_at: IsoDatetime
    participants: Annotated[list[PersonId], Field(min_length=1, max_length=1000)]


class MessageLine(_Line):
    type: Literal["message"]
    id: RowId
    thread_id: RowId
    sender_id: PersonId
    body: Annotated[str, Field(min_length=1, max_length=20_000)]
    sent_at: IsoDatetime


class AttendeeLine(_Line):
    name: Text200
    person_id: PersonId | None = None
    email: Annotated[str, Field(max_length=200)] | None = None


class EventLine(_Line):
    type: Literal["event"]
    id: RowId
    owner_id: PersonId
    title: Text200
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    location: Annotated[str, Field(max_length=200)] | None = None
    created_at: IsoDatetime
    attendees: Annotated[list[AttendeeLine], Field(max_length=1000)] = Field(default_factory=list)


Line = Annotated[
    PersonLine | ContactLine | FriendshipLine | ThreadLine | MessageLine | EventLine,
    Field(discriminator="type"),
]
_LINE = TypeAdapter[Line](Line)
TYPES = ("person", "contact", "friendship", "thread", "message", "event")
#: The tables an import writes, each before the ones that refer to it.
TABLES = (
    "people",
    "privacy_settings",
    "contacts",
    "friendships",
    "threads",
    "thread_participants",
    "messages",
    "events",
    "event_attendees",
)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """How many objects of each type one import wrote."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def parse_lines(text: str) -> list[tuple[int, Line]]:
    """Every non-blank line of ``text`` as a typed object with its line number (1-based)."""
    parsed: list[tuple[int, Line]] = []
    # Lines end at "\n" only: JSON strings may hold U+2028 and friends, which splitlines() breaks on.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        if len(parsed) >= MAX_LINES:
            raise InvalidInput(f"line {number}: an import holds at most {MAX_LINES} objects")
        if too_deep(raw):
            raise InvalidInput(f"line {number}: nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as err:
            raise InvalidInput(f"line {number}: not JSON: {err.msg}") from None
        if not isinstance(data, dict):
            raise InvalidInput(f"line {number}: expected a JSON object with a 'type'")
        if has_nul(data):
            raise InvalidInput(f"line {number}: text must not contain NUL characters")
        if data.get("type") not in TYPES:
            raise InvalidInput(
                f"line {number}: 'type' must be one of {', '.join(TYPES)}, not {data.get('type')!r}"
            )
        try:
            parsed.append((number, _LINE.validate_python(data)))
        except ValidationError as err:
            # The first part of the location is the line's type (the union's tag).
            raise InvalidInput(f"line {number}: {describe(err, skip=1, whole='object')}") from None
    if not parsed:
        raise InvalidInput("the import is empty: expected one JSON object per line")
    return parsed


def _once(seen: dict[Any, int], key: Any, number: int, what: str) -> None:
    if key in seen:
        raise InvalidInput(f"line {number}: {what} {key!r} already appears on line {seen[key]}")
    seen[key] = number


class ImportService(Service):
    """Validate a JSON Lines file of reference data completely, then write it in one transaction."""

    def import_jsonl(self, text: str) -> ImportReport:
        lines = parse_lines(text)
        with self.write() as w:
            rows, people_ids = _Plan(lines).check_and_build(w.conn)
            now = self.clock()
            for settings in rows["privacy_settings"]:
                settings["updated_at"] = now
            for person in rows["people"]:
                person["created_at"] = person["created_at"] or now
            import_rows.insert_all(w.conn, rows)
            for pid in people_ids:
                w.note(ChangeKind.PERSON, now, person_id=pid)
        counts = dict.fromkeys(TYPES, 0)
        for _, line in lines:
            counts[line.type] += 1
        return ImportReport(counts)


class _Plan:
    """The checks of one import, and the rows it becomes."""

    def __init__(self, lines: list[tuple[int, Line]]) -> None:
        self.lines = lines
        self.new: dict[str, dict[Any, int]] = {t: {} for t in import_rows.ID_COLUMNS}
        self.participants: dict[int, set[str]] = {}

    def check_and_build(
        self, conn: Connection
    ) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        handles: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        for number, line in self.lines:
            if isinstance(line, FriendshipLine):
                if line.person_id == line.friend_id:
                    raise InvalidInput(f"line {number}: a person cannot befriend themselves")
                _once(pairs, tuple(sorted((line.person_id, line.friend_id))), number, "friendship")
                continue
            _once(self.new[line.type], line.id, number, line.type)
            if isinstance(line, PersonLine):
                _once(handles, line.handle, number, "handle")
            elif isinstance(line, ThreadLine):
                self.participants[line.id] = set(line.participants)
            elif isinstance(line, EventLine) and line.ends_at <= line.starts_at:
                raise InvalidInput(f"line {number}: the event ends before it starts")
        for kind, column in import_rows.ID_COLUMNS.items():
            taken = import_rows.existing(conn, column, self.new[kind].keys())
            if taken:
                first = min(taken, key=lambda k: self.new[kind][k])
                raise InvalidInput(
                    f"line {self.new[kind][first]}: {kind} {first!r} already exists in the store"
                )
        taken_handles = import_rows.existing_handles(conn, handles.keys())
        if taken_handles:
            first = min(taken_handles, key=lambda h: handles[h])
            raise InvalidInput(f"line {handles[first]}: handle {first!r} is taken")
        self._check_references(conn)
        stored_pairs = import_rows.existing_friendships(conn, pairs.keys())
        if stored_pairs:
            first = min(stored_pairs, key=lambda p: pairs[p])
            raise InvalidInput(
                f"line {pairs[first]}: {first[0]!r} and {first[1]!r} are already friends"
            )
        return self._rows(conn), list(self.new["person"])

    def _check_references(self, conn: Connection) -> None:
        people = self._known(conn, "person", self._person_refs(), self.new["person"])
        threads = self._known(conn, "thread", self._thread_refs(), self.new["thread"])
        stored = import_rows.participants_of(conn, threads - self.new["thread"].keys())
        for number, line in self.lines:
            for ref in self._refs_of(line):
                if ref not in people:
                    raise InvalidInput(f"line {number}: unknown person {ref!r}")
            if isinstance(line, MessageLine):
                if line.thread_id not in threads:
                    raise InvalidInput(f"line {number}: unknown thread {line.thread_id}")
                members = self.participants.get(line.thread_id) or stored.get(line.thread_id, set())
                if line.sender_id not in members:
                    raise InvalidInput(
                        f"line {number}: {line.sender_id!r} is not a participant of thread "
                        f"{line.thread_id}"
                    )

    @staticmethod
    def _known(conn: Connection, kind: str, refs: Iterable[Any], new: dict[Any, int]) -> set[Any]:
        wanted = set(refs) - new.keys()
        return set(new) | import_rows.existing(conn, import_rows.ID_COLUMNS[kind], wanted)

    @staticmethod
    def _refs_of(line: Line) -> list[str]:
        if isinstance(line, ContactLine):
            return [line.owner_id] + ([line.linked_person_id] if line.linked_person_id else [])
        if isinstance(line, FriendshipLine):
            return [line.person_id, line.friend_id]
        if isinstance(line, ThreadLine):
            return list(line.participants)
        if isinstance(line, MessageLine):
            return [line.sender_id]
        if isinstance(line, EventLine):
            return [line.owner_id] + [a.person_id for a in line.attendees if a.person_id]
        return []

    def _person_refs(self) -> set[str]:
        return {ref for _, line in self.lines for ref in self._refs_of(line)}

    def _thread_refs(self) -> set[int]:
        return {line.thread_id for _, line in self.lines if isinstance(line, MessageLine)}

    def _rows(self, conn: Connection) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        attendee_id = import_rows.next_attendee_id(conn)
        for _, line in self.lines:
            if isinstance(line, PersonLine):
                rows["people"].append(line.model_dump(exclude={"type"}) | {"password_hash": None})
                off = PrivacySettings.default(line.id)
                rows["privacy_settings"].append(
                    {
                        "person_id": off.person_id,
                        "share_with_partners": off.share_with_partners,
                        "categories": frozenset(c.value for c in off.categories),
                        "via_others": frozenset(c.value for c in off.via_others),
                    }
                )
            elif isinstance(line, ContactLine):
                rows["contacts"].append(
                    line.model_dump(exclude={"type"}) | {"created_by_partner": None}
                )
            elif isinstance(line, FriendshipLine):
                for a, b in ((line.person_id, line.friend_id), (line.friend_id, line.person_id)):
                    rows["friendships"].append(
                        {"person_id": a, "friend_id": b, "since": line.since}
                    )
            elif isinstance(line, ThreadLine):
                rows["threads"].append(
                    {
                        "id": line.id,
                        "subject": line.subject,
                        "created_at": line.created_at,
                        "created_by_partner": None,
                    }
                )
                rows["thread_participants"] += [
                    {"thread_id": line.id, "person_id": p} for p in sorted(set(line.participants))
                ]
            elif isinstance(line, MessageLine):
                rows["messages"].append(
                    line.model_dump(exclude={"type"}) | {"created_by_partner": None}
                )
            else:
                rows["events"].append(
                    line.model_dump(exclude={"type", "attendees"}) | {"created_by_partner": None}
                )
                for attendee in line.attendees:
                    rows["event_attendees"].append(
                        {"id": attendee_id, "event_id": line.id} | attendee.model_dump()
                    )
                    attendee_id += 1
        return rows
