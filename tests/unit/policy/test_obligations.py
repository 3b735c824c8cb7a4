"""Obligations: fields, record scope, and other people's consent, applied before anything leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from consentgate.domain import Category, Record, RecordScope
from consentgate.policy import Obligations, apply_obligations

from .world import NOW

ISSUED = NOW - timedelta(days=1)


def obligations(
    scope: RecordScope = RecordScope.ALL, fields: set[str] | None = None
) -> Obligations:
    return Obligations(
        partner_id="search-engine",
        person_id="alice",
        category="friends",
        fields=frozenset(fields or {"id", "friend_id", "display_name"}),
        scope=scope,
        grant_issued_at=ISSUED.timestamp(),
    )


def friend(friend_id: str, **kw: Any) -> Record:
    return Record(
        id=f"f-{friend_id}", category=Category.FRIENDS, owner_id="alice",
        created_at=kw.pop("created_at", NOW - timedelta(days=10)),
        fields={"id": f"f-{friend_id}", "friend_id": friend_id, "display_name": friend_id.title(),
                "since": "2015"},
        subject_id=friend_id, **kw,
    )  # fmt: skip


def consent(*people: str) -> Any:
    return lambda person, category: person in people


def test_a_search_engine_does_not_collect_names_of_friends_who_did_not_allow_it() -> None:
    out = apply_obligations(obligations(), [friend("bob"), friend("carol")], consent("bob"))
    assert [rec["friend_id"] for rec in out.records] == ["bob"]
    assert out.third_party_dropped == 1
    assert out.reasons == ("third_party.filtered",)


def test_only_the_allowed_fields_leave() -> None:
    out = apply_obligations(obligations(fields={"id"}), [friend("bob")], consent("bob"))
    assert out.records == ({"id": "f-bob"},)


def test_records_created_through_another_partner_are_out_of_scope() -> None:
    mine = friend("bob", created_by_partner="search-engine")
    theirs = friend("dan", created_by_partner="device-maker")
    out = apply_obligations(
        obligations(RecordScope.CREATED_BY_PARTNER), [mine, theirs], consent("bob", "dan")
    )
    assert [rec["friend_id"] for rec in out.records] == ["bob"]
    assert out.out_of_scope == 1
    assert out.reasons == ()


def test_records_from_before_the_grant_are_out_of_scope_for_since_grant() -> None:
    old = friend("bob", created_at=ISSUED - timedelta(seconds=1))
    new = friend("dan", created_at=ISSUED)
    out = apply_obligations(obligations(RecordScope.SINCE_GRANT), [old, new], consent("bob", "dan"))
    assert [rec["friend_id"] for rec in out.records] == ["dan"]


def test_a_record_of_another_person_or_category_is_never_let_out() -> None:
    stranger = Record("x", Category.FRIENDS, "mallory", NOW, {"id": "x"})
    message = Record("m", Category.MESSAGES, "alice", NOW, {"id": "m"})
    out = apply_obligations(obligations(), [stranger, message], consent())
    assert out.records == ()
    assert out.out_of_scope == 2


def message(participants: list[str | None]) -> Record:
    return Record(
        id="m1", category=Category.MESSAGES, owner_id="alice", created_at=NOW,
        fields={"id": "m1", "body": "hi", "participants": list(participants)},
        others={"participants": tuple(participants)},
    )  # fmt: skip


def message_obligations() -> Obligations:
    return Obligations(
        "maker",
        "alice",
        "messages",
        frozenset({"id", "body", "participants"}),
        RecordScope.ALL,
        0.0,
    )


def test_thread_participants_who_did_not_allow_it_are_redacted() -> None:
    out = apply_obligations(
        message_obligations(), [message(["alice", "bob", "carol", None])], consent("bob")
    )
    assert out.records[0]["participants"] == ["alice", "bob", None, None]
    assert out.third_party_redacted == 1


def test_a_malformed_others_list_drops_the_record() -> None:
    broken = Record(
        "m2", Category.MESSAGES, "alice", NOW,
        {"id": "m2", "participants": ["bob"]}, others={"participants": ("bob", "carol")},
    )  # fmt: skip
    out = apply_obligations(message_obligations(), [broken], consent("bob", "carol"))
    assert out.records == ()
    assert out.third_party_dropped == 1


PEOPLE = ["bob", "carol", "dan", "erin"]


@settings(max_examples=200, deadline=None)
@given(
    allowing=st.sets(st.sampled_from(PEOPLE)),
    threads=st.lists(st.lists(st.sampled_from([*PEOPLE, None]), max_size=4), max_size=5),
    friends=st.lists(st.sampled_from(PEOPLE), max_size=4),
)
def test_no_record_of_a_person_without_consent_ever_leaves_in_someone_elses_output(
    allowing: set[str], threads: list[list[str | None]], friends: list[str]
) -> None:
    msgs = apply_obligations(
        message_obligations(), [message(t) for t in threads], consent(*allowing)
    )
    fr = apply_obligations(obligations(), [friend(f) for f in friends], consent(*allowing))
    leaked = {str(v) for rec in (*msgs.records, *fr.records) for value in rec.values()
              for v in (value if isinstance(value, list) else [value])}  # fmt: skip
    for person in set(PEOPLE) - allowing:
        assert person not in leaked
        assert person.title() not in leaked


@settings(max_examples=200, deadline=None)
@given(
    allowing=st.sets(st.sampled_from(PEOPLE)),
    threads=st.lists(
        st.lists(st.sampled_from([*PEOPLE, "alice", None]), max_size=5), min_size=1, max_size=6
    ),
)
def test_each_entry_is_redacted_exactly_when_its_person_does_not_allow_it(
    allowing: set[str], threads: list[list[str | None]]
) -> None:
    # Messages of one page often name the same people: each message's list is redacted on its own.
    out = apply_obligations(
        message_obligations(), [message(t) for t in threads], consent(*allowing)
    )
    assert len(out.records) == len(threads)
    hidden = 0
    for record, people in zip(out.records, threads, strict=True):
        for entry, person in zip(record["participants"], people, strict=True):
            shown = person is None or person == "alice" or person in allowing
            assert entry == (person if shown else None)
            hidden += not shown
    assert out.third_party_redacted == hidden
    assert out.third_party_dropped == 0
