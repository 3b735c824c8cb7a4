"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, stored as a naive UTC timestamp on every backend.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` round-trips differently, so the
    store normalizes once here: naive values are refused (a bug, not a guess), aware ones are
    converted to UTC.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return utc_from_db(value)


def utc_from_db(value: Any) -> datetime | None:
    """A stored :class:`UTCDateTime` as the aware datetime it stands for: drivers give a naive
    datetime (PostgreSQL, SQLAlchemy's SQLite type) or ISO text (SQLite read through the driver)."""
    if value is None:
        return None
    if isinstance(value, str):
        # Parsed with its offset in one step: several times faster than parsing and then
        # replacing the zone, on every row of the hot reads (a stored text that carries an
        # offset already, which this module never writes, fails to parse: nothing is guessed).
        return datetime.fromisoformat(value + "+00:00")
    if not isinstance(value, datetime):
        raise TypeError(f"not a stored timestamp: {value!r}")
    return value.replace(tzinfo=UTC)


def _stored_form(text: str) -> bool:
    """Whether ``text``, which ``fromisoformat`` took, is the form a :class:`UTCDateTime` is
    stored in on SQLite: ``YYYY-MM-DD HH:MM:SS.ffffff`` as SQLAlchemy writes it, or without a zero
    fraction as the driver's own adapter writes it (``store.bulk``, like ``str(datetime)``).
    ``fromisoformat`` takes other forms too (a week date, a comma before the fraction, fewer
    digits), whose ISO text is not this text. Checked by position: a regular expression cost
    most of what making the text this way saves."""
    size = len(text)
    return (
        (size == 19 or (size == 26 and text[19] == "."))
        and text[4] == text[7] == "-"
        and text[10] == " "
        and text[13] == text[16] == ":"
    )


def utc_and_iso_from_db(value: Any) -> tuple[datetime, str]:
    """A stored :class:`UTCDateTime` as its aware datetime and that datetime's ``isoformat()``.

    The hot reads put both in a record (the datetime for the obligations, the text for the
    partner). On SQLite the driver gives the stored text (:func:`_stored_form`), and the ISO
    text is made from it: less than half the cost of formatting an aware datetime, on every row
    of a page. It is exactly what ``isoformat()`` gives (which leaves out a zero fraction). On
    PostgreSQL the driver gives a naive UTC datetime, whose own ``isoformat()`` plus the UTC offset
    is the same text, for less than formatting the aware one. Any other value is formatted from
    the aware datetime.
    """
    moment = utc_from_db(value)
    if moment is None:
        raise TypeError("not a stored timestamp: None")
    if isinstance(value, str) and _stored_form(value):
        clock = value[11:19] if value.endswith(".000000") else value[11:]
        return moment, f"{value[:10]}T{clock}+00:00"
    if isinstance(value, datetime) and value.tzinfo is None:
        return moment, value.isoformat() + "+00:00"
    return moment, moment.isoformat()


class NameSet(TypeDecorator[frozenset[str]]):
    """A small set of names (categories, fields), stored as sorted comma-separated text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: frozenset[str] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ",".join(sorted(str(v) for v in value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> frozenset[str] | None:
        if value is None:
            return None
        return frozenset(v for v in value.split(",") if v)
