"""A record is a frozen value: its hand-written initializer (``domain.records``) must make the
same object a dataclass's would, and nothing may change it afterwards."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from consentgate.domain import Category, Record

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _message(**more: object) -> Record:
    return Record("7", Category.MESSAGES, "p-alice", AT, {"id": "7", "body": "hi"}, **more)  # type: ignore[arg-type]


def test_a_record_holds_what_it_was_given_and_defaults_the_rest() -> None:
    record = _message(subject_id="p-bob")
    assert dataclasses.asdict(record) == {
        "id": "7",
        "category": Category.MESSAGES,
        "owner_id": "p-alice",
        "created_at": AT,
        "fields": {"id": "7", "body": "hi"},
        "created_by_partner": None,
        "subject_id": "p-bob",
        "others": {},
    }
    assert record == Record(
        id="7",
        category=Category.MESSAGES,
        owner_id="p-alice",
        created_at=AT,
        fields={"id": "7", "body": "hi"},
        subject_id="p-bob",
    )
    assert record.people() == {"p-bob"}


def test_records_without_people_do_not_share_one_mapping() -> None:
    assert _message().others is not _message().others


def test_a_record_cannot_be_changed_but_can_be_copied_with_changes() -> None:
    record = _message()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.owner_id = "p-mallory"  # type: ignore[misc]
    copy = dataclasses.replace(record, others={"participants": ("p-bob",)})
    assert copy.others == {"participants": ("p-bob",)}
    assert copy.owner_id == "p-alice"
    assert record.others == {}


def test_a_record_needs_its_required_fields() -> None:
    with pytest.raises(TypeError):
        Record("7", Category.MESSAGES)  # type: ignore[call-arg]
