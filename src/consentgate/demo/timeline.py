"""The replay's simulated time: a clock the replay moves, and the platform's data as it stood then."""

from __future__ import annotations

from datetime import datetime

from consentgate.domain import Category, Record
from consentgate.store.records import StoreDataSource

#: The most records one replayed request reads (far more than any person of the replay has).
READ_LIMIT = 10_000


class ReplayClock:
    """The replay's simulated clock: it only moves forward, when the replay moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, when: datetime) -> None:
        if when < self.now:
            raise ValueError("the replay's clock only moves forward")
        self.now = when


class TimedDataSource:
    """The store's data as it stood at the clock's "now": records created later are not there yet.

    A replay of 2012 must not hand out a message sent in 2016. Reads ask for everything
    (:data:`READ_LIMIT`) and drop what did not exist yet.
    """

    def __init__(self, inner: StoreDataSource, clock: ReplayClock) -> None:
        self.inner = inner
        self.clock = clock

    def fetch(
        self,
        person_id: str,
        category: Category,
        *,
        thread_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Record]:
        now = self.clock()
        found = self.inner.fetch(
            person_id, category, thread_id=thread_id, limit=limit, offset=offset
        )
        return [r for r in found if r.created_at <= now]

    def write_message(
        self, person_id: str, thread_id: int, body: str, partner_id: str, at: datetime
    ) -> Record:
        return self.inner.write_message(person_id, thread_id, body, partner_id, at)
