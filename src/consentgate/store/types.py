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


#: The lengths of the text a :class:`UTCDateTime` is stored as on SQLite: SQLAlchemy writes
#: ``YYYY-MM-DD HH:MM:SS.ffffff``; the driver's own adapter (``store.bulk``) leaves out a zero
#: fraction, as ``str(datetime)`` does.
_STORED_LENGTHS = (26, 19)


def utc_and_iso_from_db(value: Any) -> tuple[datetime, str]:
    """A stored :class:`UTCDateTime` as its aware datetime and that datetime's ``isoformat()``.

    The hot reads put both in a record (the datetime for the obligations, the text for the
    partner). On SQLite the driver gives the stored text (``_STORED_LENGTHS``), and the ISO text
    is made from it: about a tenth of the cost of formatting an aware datetime, on every row of a
    page. It is exactly what ``isoformat()`` gives (which leaves out a zero fraction); any other
    value is formatted from the datetime.
    """
    moment = utc_from_db(value)
    if moment is None:
        raise TypeError("not a stored timestamp: None")
    if isinstance(value, str) and len(value) in _STORED_LENGTHS and value[10] == " ":
        clock = value[11:19] if value.endswith(".000000") else value[11:]
        return moment, f"{value[:10]}T{clock}+00:00"
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
