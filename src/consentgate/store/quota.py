"""Quota counts shared by every server process: ``quota_usage`` rows of (agreement, scope, window).

A process claims part of what is left of a window's quota in one short transaction (the row is
locked: ``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), then allows that
many requests without asking again; the rule is :mod:`consentgate.policy.quota`'s. Claims are a
sixteenth of what is left (at least one, at most ``_CLAIM_MAX``), so near the end of a quota the
processes claim one request at a time and few claimed requests are left unused.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from consentgate.domain.agreements import Quota
from consentgate.policy.quota import QuotaKey
from consentgate.store.db import Database
from consentgate.store.tables import ID, metadata

quota_usage = Table(
    "quota_usage",
    metadata,
    Column("agreement_id", ID, primary_key=True),
    Column("scope", String(200), primary_key=True),
    Column("period", BigInteger, primary_key=True, autoincrement=False),
    Column("used", BigInteger, nullable=False),
)

#: The most requests one claim takes.
_CLAIM_MAX = 1024
#: A claim takes this fraction of what is left.
_CLAIM_SHARE = 16


def claim_size(limit: int, used: int) -> int:
    """How many requests one claim takes when ``used`` of ``limit`` are claimed already."""
    left = limit - used
    if left <= 0:
        return 0
    return min(left, _CLAIM_MAX, max(1, left // _CLAIM_SHARE))


class SqlQuotaShare:
    """A :class:`~consentgate.policy.quota.QuotaShare` on the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        self._insert = dialect.insert

    def claim(self, key: QuotaKey, quota: Quota, window: int) -> int:
        agreement_id, scope = key[0], "/".join(key[1])
        where = (
            quota_usage.c.agreement_id == agreement_id,
            quota_usage.c.scope == scope,
            quota_usage.c.period == window,
        )
        with self.db.begin() as conn:
            # Make the window's row first (ON CONFLICT leaves an existing one alone), so that
            # two processes claiming its first requests at once both lock the same row.
            made = conn.execute(
                self._insert(quota_usage)
                .values(agreement_id=agreement_id, scope=scope, period=window, used=0)
                .on_conflict_do_nothing()
            ).rowcount
            if made:  # a new window: the earlier ones of this key are done with
                conn.execute(
                    delete(quota_usage).where(
                        quota_usage.c.agreement_id == agreement_id,
                        quota_usage.c.scope == scope,
                        quota_usage.c.period < window,
                    )
                )
            query = select(quota_usage.c.used).where(*where)
            if self.db.dialect == "postgresql":  # SQLite: BEGIN IMMEDIATE holds the write lock
                query = query.with_for_update()
            used = int(conn.execute(query).scalar_one())
            taken = claim_size(quota.max_requests, used)
            if taken:
                conn.execute(update(quota_usage).where(*where).values(used=used + taken))
        return taken

    def used(self, key: QuotaKey, quota: Quota, window: int) -> int:
        query = select(quota_usage.c.used).where(
            quota_usage.c.agreement_id == key[0],
            quota_usage.c.scope == "/".join(key[1]),
            quota_usage.c.period == window,
        )
        with self.db.read() as conn:
            found = conn.execute(query).scalar()
        return 0 if found is None else int(found)
