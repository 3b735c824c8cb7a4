"""Log entries: one canonical byte form per entry, and people only as keyed references."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentgate.errors import InvalidInput
from consentgate.ledger.entries import (
    AccessDecision,
    DeletionConfirmation,
    Revocation,
    decode_entry,
    format_time,
    person_reference,
)

SECRET = b"a log secret of 32 bytes........"


def _decision() -> AccessDecision:
    return AccessDecision(
        time=format_time(datetime(2017, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        request_id="req-1",
        partner="devicemaker",
        client="dm-app",
        person_ref=person_reference(SECRET, "alice"),
        category="contacts",
        action="read",
        purpose="essential.service",
        decision="deny",
        reasons=("settings.sharing_off",),
        records_returned=0,
        records_filtered=12,
        grant_id="g-1",
        receipt_id=None,
    )


def test_an_access_decision_encodes_canonically() -> None:
    data = _decision().encode()
    assert data.startswith(b'{"action":"read","category":"contacts","client":"dm-app"')
    assert b'"time":"2017-03-01T12:00:00.123Z","type":"access","v":1}' in data
    assert b" " not in data.replace(b"essential.service", b"")
    assert 250 <= len(data) <= 400
    assert decode_entry(data) == _decision()


def test_the_person_is_a_keyed_hash_not_a_name() -> None:
    ref = person_reference(SECRET, "alice")
    assert ref == hmac.new(SECRET, b"alice", hashlib.sha256).hexdigest()
    assert b"alice" not in _decision().encode()
    assert person_reference(b"another secret of 32 bytes......", "alice") != ref
    with pytest.raises(InvalidInput):
        person_reference(b"short", "alice")


def test_times_are_utc_with_milliseconds() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2010, 1, 1, 2, 0, tzinfo=plus_two)) == "2010-01-01T00:00:00.000Z"
    with pytest.raises(InvalidInput):
        format_time(datetime(2010, 1, 1))


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(0))]),
    )
)
def test_a_time_is_rfc_3339_utc_cut_to_the_millisecond(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    expected = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    assert format_time(moment) == expected


def test_every_entry_type_round_trips() -> None:
    for entry in [
        Revocation(
            time="2026-01-01T00:00:00.000Z",
            request_id="r",
            grant_id="g",
            partner="p",
            person_ref="ab",
            by="person",
        ),
        DeletionConfirmation(
            time="2026-01-01T00:00:00.000Z",
            request_id="r",
            obligation_id="o",
            partner="p",
            person_ref=None,
            grant_id=None,
            agreement_id="a",
        ),
    ]:
        assert decode_entry(entry.encode()) == entry


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"v":2,"type":"access"}',
        b'{"type":"nothing","v":1}',
        b'{"by":"person","grant_id":"g","partner":"p","person_ref":"ab","request_id":"r",'
        b'"time":"t","type":"revocation","v":1, "extra":1}',
        b'{"v":1,"type":"revocation","by":"person","grant_id":"g","partner":"p",'
        b'"person_ref":"ab","request_id":"r","time":"t"}',
    ],
)
def test_non_canonical_or_unknown_entries_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        decode_entry(data)
