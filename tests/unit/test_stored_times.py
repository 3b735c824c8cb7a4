"""``store.types.utc_and_iso_from_db``: the ISO text made from SQLite's stored text is the text
``isoformat()`` gives, for every instant and both forms the store writes; any other form the
parser takes is formatted from the datetime."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from consentgate.store.types import utc_and_iso_from_db

#: How SQLAlchemy's SQLite dialect writes a datetime (the column type's own bind processor).
_SQLALCHEMY_FORM = sqlite.DATETIME().bind_processor(sqlite.dialect())

naive = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))


@given(naive | naive.map(lambda d: d.replace(microsecond=0)))
def test_both_stored_forms_give_isoformats_text(moment: datetime) -> None:
    expected = moment.replace(tzinfo=UTC)
    assert _SQLALCHEMY_FORM is not None
    for stored in (_SQLALCHEMY_FORM(moment), str(moment)):  # SQLAlchemy; the driver's adapter
        assert utc_and_iso_from_db(stored) == (expected, expected.isoformat())


@pytest.mark.parametrize(
    "text",
    [
        "2026-W49-4 10:00:00",  # a week date
        "2026-12-03 10:00:00,123456",  # a comma before the fraction
        "2026-12-03 10:00:00.123",  # milliseconds
        "2026-12-03T10:00:00",  # the T separator
        "2026-12-03 10:00",  # no seconds
    ],
)
def test_other_forms_are_formatted_from_the_datetime(text: str) -> None:
    moment, iso = utc_and_iso_from_db(text)
    assert iso == moment.isoformat()


@given(naive | naive.map(lambda d: d.replace(microsecond=0)))
def test_a_driver_datetime_is_taken_as_utc(moment: datetime) -> None:
    expected = moment.replace(tzinfo=UTC)  # PostgreSQL's driver gives the naive UTC datetime
    assert utc_and_iso_from_db(moment) == (expected, expected.isoformat())
    assert utc_and_iso_from_db(expected) == (expected, expected.isoformat())


def test_a_driver_datetime_keeps_its_microseconds() -> None:
    moment, iso = utc_and_iso_from_db(datetime(2026, 12, 3, 10, 0, 0, 5))
    assert moment == datetime(2026, 12, 3, 10, 0, 0, 5, tzinfo=UTC)
    assert iso == "2026-12-03T10:00:00.000005+00:00"


def test_a_missing_time_is_an_error() -> None:
    with pytest.raises(TypeError):
        utc_and_iso_from_db(None)
