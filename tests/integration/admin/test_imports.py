"""Bulk import of reference data: everything or nothing, and every bad line named by its number."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from consentgate.domain import Category
from consentgate.errors import Conflict, InvalidInput
from consentgate.services import imports
from consentgate.services.base import ChangeKind
from consentgate.services.imports import ImportService
from consentgate.services.wiring import Services
from consentgate.store import imports as import_rows
from consentgate.store.changes import changes_after
from consentgate.store.tables import metadata

#: Every table an import writes to.
TABLES = tuple(metadata.tables[name] for name in imports.TABLES)
T0 = "2026-01-02T10:00:00Z"


def jsonl(*objects: dict[str, Any]) -> str:
    return "\n".join(json.dumps(o) for o in objects) + "\n"


def person(pid: str, handle: str) -> dict[str, Any]:
    return {"type": "person", "id": pid, "handle": handle, "display_name": handle.title()}


WORLD = [
    person("p-ann", "ann"),
    person("p-ben", "ben"),
    {"type": "friendship", "person_id": "p-ann", "friend_id": "p-ben", "since": T0},
    {
        "type": "contact",
        "id": 1,
        "owner_id": "p-ann",
        "name": "Ben",
        "phone": "+1 555 0101",
        "linked_person_id": "p-ben",
        "created_at": T0,
    },
    {
        "type": "thread",
        "id": 7,
        "subject": "lunch",
        "created_at": T0,
        "participants": ["p-ann", "p-ben"],
    },
    {
        "type": "message",
        "id": 70,
        "thread_id": 7,
        "sender_id": "p-ben",
        "body": "noon?",
        "sent_at": T0,
    },
    {
        "type": "event",
        "id": 9,
        "owner_id": "p-ann",
        "title": "Lunch",
        "starts_at": "2026-01-03T12:00:00+01:00",
        "ends_at": "2026-01-03T13:00:00+01:00",
        "created_at": T0,
        "attendees": [{"name": "Ben", "person_id": "p-ben"}, {"name": "Eve (not a user)"}],
    },
]


def importer(services: Services) -> ImportService:
    return ImportService(services.db, services.clock, services.listeners)


def counts(services: Services) -> dict[str, int]:
    with services.db.read() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in TABLES
        }


def test_an_import_creates_people_and_their_data_as_the_data_source_serves_it(
    services: Services,
) -> None:
    report = importer(services).import_jsonl(jsonl(*WORLD))

    assert report.counts == {
        "person": 2,
        "contact": 1,
        "friendship": 1,
        "thread": 1,
        "message": 1,
        "event": 1,
    }
    source = services.data_source
    assert [r.fields["friend_id"] for r in source.fetch("p-ben", Category.FRIENDS)] == ["p-ann"]
    assert [r.fields["body"] for r in source.fetch("p-ann", Category.MESSAGES, thread_id=7)] == [
        "noon?"
    ]
    [event] = source.fetch("p-ann", Category.CALENDAR)
    assert event.others["attendees"] == ("p-ben", None)
    assert source.fetch("p-ann", Category.CONTACTS)[0].subject_id == "p-ben"
    # Imported people start with nothing shared, and the decision index hears about them.
    assert not services.people.get_settings("p-ann").share_with_partners
    with services.db.read() as conn:
        noted = {c.person_id for c in changes_after(conn, 0) if c.kind == ChangeKind.PERSON}
    assert noted == {"p-ann", "p-ben"}


def test_an_import_may_refer_to_people_and_threads_already_in_the_store(
    services: Services,
) -> None:
    importer(services).import_jsonl(jsonl(*WORLD))
    later = jsonl(
        person("p-cy", "cy"),
        {
            "type": "message",
            "id": 71,
            "thread_id": 7,
            "sender_id": "p-ann",
            "body": "ok",
            "sent_at": T0,
        },
        {"type": "friendship", "person_id": "p-cy", "friend_id": "p-ann", "since": T0},
    )
    assert importer(services).import_jsonl(later).total == 3
    assert len(services.data_source.fetch("p-ben", Category.MESSAGES, thread_id=7)) == 2


BAD = [
    pytest.param("{not json", "not JSON", id="malformed-json"),
    pytest.param(person("p-cy", "c\u0000y"), "NUL characters", id="nul-in-text"),
    pytest.param("[1, 2]", "expected a JSON object", id="not-an-object"),
    pytest.param('{"type": "grant", "id": "g"}', "'type' must be one of", id="unknown-type"),
    pytest.param(
        {**person("p-cy", "cy"), "is_admin": True}, "is_admin: Extra inputs", id="unknown-field"
    ),
    pytest.param(
        {"type": "thread", "id": "8", "subject": "s", "created_at": T0, "participants": ["p-ann"]},
        "id: Input should be a valid integer",
        id="string-for-integer",
    ),
    pytest.param(
        {
            "type": "friendship",
            "person_id": "p-ann",
            "friend_id": "p-zed",
            "since": "2026-01-02T10:00:00",
        },
        "needs a time zone",
        id="naive-date",
    ),
    pytest.param(
        {"type": "friendship", "person_id": "p-ann", "friend_id": "p-zed", "since": "soon"},
        "not an ISO 8601",
        id="bad-date",
    ),
    pytest.param(person("p-ann", "ann2"), "person 'p-ann' already appears on line 1", id="dup-id"),
    pytest.param(person("p-new", "ann"), "handle 'ann' already appears on line 1", id="dup-handle"),
    pytest.param(
        {"type": "friendship", "person_id": "p-ann", "friend_id": "p-zed", "since": T0},
        "unknown person 'p-zed'",
        id="unknown-person",
    ),
    pytest.param(
        {"type": "friendship", "person_id": "p-ben", "friend_id": "p-ann", "since": T0},
        "already appears on line 3",
        id="same-friendship-reversed",
    ),
    pytest.param(
        {
            "type": "message",
            "id": 5,
            "thread_id": 99,
            "sender_id": "p-ann",
            "body": "x",
            "sent_at": T0,
        },
        "unknown thread 99",
        id="unknown-thread",
    ),
    pytest.param(
        {
            "type": "event",
            "id": 3,
            "owner_id": "p-ann",
            "title": "t",
            "starts_at": T0,
            "ends_at": "2026-01-01T00:00:00Z",
            "created_at": T0,
        },
        "ends before it starts",
        id="event-ends-first",
    ),
]


@pytest.mark.parametrize(("line", "message"), BAD)
def test_a_bad_line_names_its_number_and_nothing_is_written(
    services: Services, line: str | dict[str, Any], message: str
) -> None:
    before = counts(services)
    good = jsonl(
        person("p-ann", "ann"),
        person("p-ben", "ben"),
        {"type": "friendship", "person_id": "p-ann", "friend_id": "p-ben", "since": T0},
    )
    bad = line if isinstance(line, str) else json.dumps(line)
    with pytest.raises(InvalidInput, match=f"^line 4: .*{message}"):
        importer(services).import_jsonl(good + bad + "\n" + jsonl(person("p-cy", "cy")))
    assert counts(services) == before


def test_ids_and_handles_already_in_the_store_are_refused_with_their_line(
    services: Services,
) -> None:
    importer(services).import_jsonl(jsonl(*WORLD))
    before = counts(services)
    for line, message in [
        (person("p-ann", "ann9"), "person 'p-ann' already exists in the store"),
        (person("p-other", "ben"), "handle 'ben' is taken"),
        ({**WORLD[3], "owner_id": "p-ben"}, "contact 1 already exists in the store"),
        (
            {"type": "friendship", "person_id": "p-ben", "friend_id": "p-ann", "since": T0},
            "'p-ann' and 'p-ben' are already friends",
        ),
        (
            {
                "type": "message",
                "id": 72,
                "thread_id": 7,
                "sender_id": "p-new",
                "body": "x",
                "sent_at": T0,
            },
            "'p-new' is not a participant of thread 7",
        ),
    ]:
        with pytest.raises(InvalidInput, match=f"^line 2: {message}"):
            importer(services).import_jsonl(jsonl(person("p-new", "new"), line))
        assert counts(services) == before


def test_an_empty_import_is_refused(services: Services) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        importer(services).import_jsonl("\n  \n")


def test_a_clash_found_only_while_writing_is_a_conflict_and_rolls_back(services: Services) -> None:
    """Another writer took an id between the checks and the write: nothing of ours stays."""
    importer(services).import_jsonl(jsonl(person("p-ann", "ann")))
    before = counts(services)
    rows: dict[str, list[dict[str, Any]]] = {
        "threads": [
            {"id": 5, "subject": "s", "created_at": services.clock(), "created_by_partner": None}
        ],
        "thread_participants": [{"thread_id": 5, "person_id": "p-ann"}] * 2,
    }
    with pytest.raises(Conflict, match="nothing was written"), services.db.begin() as conn:
        import_rows.insert_all(conn, rows)
    assert counts(services) == before


def test_unicode_line_separators_inside_strings_and_windows_line_ends_are_data(
    services: Services,
) -> None:
    name = "Ann\u2028Marie"
    text = json.dumps(person("p-ann", "ann") | {"display_name": name}, ensure_ascii=False)
    importer(services).import_jsonl(text + "\r\n" + json.dumps(person("p-ben", "ben")) + "\r\n")
    assert services.people.get_person("p-ann").display_name == name
    assert services.people.get_person("p-ben").handle == "ben"
