"""A message's time leaves as its datetime's ISO text, on every backend and every read path.

The thread page (the data API's hottest read) makes the text from what the driver gives rather
than formatting the datetime (``store.types.utc_and_iso_from_db``); the partner must not be able
to tell: same text, same instant, whichever way the page was read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from consentgate.domain import Category
from consentgate.store import Database
from consentgate.store.bulk import insert_rows
from consentgate.store.records import StoreDataSource
from consentgate.store.tables import messages, people

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Instants whose ISO text differs in form: no fraction (isoformat leaves ".000000" out), one
#: microsecond, the last one of a second, the first year the column takes, another offset.
MOMENTS = [
    T0,
    T0.replace(microsecond=1),
    T0.replace(microsecond=999_999),
    T0.replace(microsecond=120_000),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 1, 23, 30, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
]


def _thread(database: Database) -> None:
    with database.begin() as conn:
        conn.execute(
            people.insert(),
            [{"id": "p-alice", "handle": "alice", "display_name": "Alice", "created_at": T0}],
        )
        insert_rows(
            conn,
            "threads",
            [{"id": 1, "subject": "times", "created_at": T0, "created_by_partner": None}],
        )
        insert_rows(conn, "thread_participants", [{"thread_id": 1, "person_id": "p-alice"}])
        rows = [
            {
                "id": n + 1,
                "thread_id": 1,
                "sender_id": "p-alice",
                "body": f"message {n}",
                "sent_at": moment,
                "created_by_partner": None,
            }
            for n, moment in enumerate(MOMENTS + MOMENTS)
        ]
        # Both ways rows are written, which store times as different text on SQLite: the bulk
        # loader (demo, imports) and SQLAlchemy's column type (a partner's message).
        insert_rows(conn, "messages", rows[: len(MOMENTS)])
        conn.execute(messages.insert(), rows[len(MOMENTS) :])


def test_a_thread_page_and_the_messages_list_give_each_time_as_isoformat_would(
    database: Database,
) -> None:
    _thread(database)
    source = StoreDataSource(database)
    thread_page = source.fetch("p-alice", Category.MESSAGES, thread_id=1, limit=100)
    every_thread = source.fetch("p-alice", Category.MESSAGES, limit=100)

    expected = {str(n + 1): m.astimezone(UTC) for n, m in enumerate(MOMENTS + MOMENTS)}
    for page in (thread_page, every_thread):
        assert {r.id: r.created_at for r in page} == expected
        for record in page:
            assert record.created_at.tzinfo is UTC
            assert record.fields["sent_at"] == expected[record.id].isoformat()
    assert [r.fields for r in thread_page] == [r.fields for r in every_thread]
