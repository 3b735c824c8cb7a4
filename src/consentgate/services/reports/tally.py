"""Reports counted from log entries, one entry at a time (pure: entries in, tables out).

Each tally reads decoded version-1 entries (``consentgate.ledger.entries``) in log order and keeps
only what its tables need, never the entries: its memory grows with the number of partners,
categories and people reached, not with the length of the log.

What the entries cannot tell, a tally does not claim. In particular, deletion obligations are not
entries of their own: the log implies them. An obligation opens for each category a grant could
read when the grant ends — revoked (a ``revocation`` entry) or expired (its ``grant`` entry's
``expires`` passed, within the time the log covers) — which is exactly when the service opens them
(``services/revocation.py``). A ``deletion`` entry confirms one.

The transparency tally is here; the partner's and the person's are in ``partner_tally`` and
``person_tally``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from consentgate.services.reports.document import Cell, Table

Entry = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` as RFC 3339 strings in the entries' own format, so that comparing the
    strings compares the times."""

    start: str
    end: str

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, str) and self.start <= moment < self.end


def _read_categories(scopes: list[str]) -> int:
    return len({s.split(":", 2)[0] for s in scopes if s.split(":", 2)[1:2] == ["read"]})


@dataclass(frozen=True, slots=True)
class Ended:
    """A grant ended at ``time``, opening ``obligations`` deletion obligations."""

    time: str
    partner: str
    person_ref: str
    obligations: int


class GrantEnds:
    """Follows the grants that can still end (live ones) and says when each does."""

    def __init__(self) -> None:
        self._live: dict[str, Ended] = {}  # grant id -> its end by expiry
        #: (expires, grant id) of live grants, a heap: its first is the next to end.
        self.expiries: list[tuple[str, str]] = []

    def grant(self, entry: Entry) -> None:
        count = _read_categories(entry["scopes"])
        if count:
            grant_id, expires = entry["grant_id"], entry["expires"]
            self._live[grant_id] = Ended(expires, entry["partner"], entry["person_ref"], count)
            heapq.heappush(self.expiries, (expires, grant_id))

    def expired(self, now: str) -> Iterator[Ended]:
        """The live grants whose expiry is at or before ``now``, in order."""
        heap = self.expiries
        while heap and heap[0][0] <= now:
            expires, grant_id = heapq.heappop(heap)
            ended = self._live.get(grant_id)
            if ended is not None and ended.time == expires:
                del self._live[grant_id]
                yield ended

    def revoked(self, entry: Entry) -> Ended | None:
        ended = self._live.pop(entry["grant_id"], None)
        return None if ended is None else Ended(entry["time"], *_rest(ended))


def _rest(ended: Ended) -> tuple[str, str, int]:
    return ended.partner, ended.person_ref, ended.obligations


class Tally:
    """The common loop: ends grants as time passes, then hands each entry to its type's method."""

    def __init__(self) -> None:
        self.ends = GrantEnds()
        self.log_time = ""  # the latest entry time seen: how far the log's clock went

    def add(self, entry: Entry) -> None:
        moment = entry["time"]
        if moment > self.log_time:
            self.log_time = moment
        expiries = self.ends.expiries  # on the path of every entry: no call unless one is due
        if expiries and expiries[0][0] <= moment:
            self.end_expired(moment)
        kind = entry["type"]
        if kind == "access":
            self.on_access(entry)
        elif kind == "grant":
            self.on_grant(entry)
            self.ends.grant(entry)
        elif kind == "revocation":
            self.on_revocation(entry)
            revoked = self.ends.revoked(entry)
            if revoked is not None:
                self.on_end(revoked)
        elif kind == "deletion":
            self.on_deletion(entry)
        elif kind == "agreement":
            self.on_agreement(entry)
        elif kind == "certification":
            self.on_certification(entry)

    def add_all(self, batch: list[bytes], loads: Callable[[bytes], Any]) -> None:
        """Decode (with ``loads``) and add each entry of a batch, in order."""
        add = self.add
        for data in batch:
            add(loads(data))

    def end_expired(self, now: str) -> None:
        """End the grants whose expiry is at or before ``now``, in order."""
        for ended in self.ends.expired(now):
            self.on_end(ended)

    def finish(self) -> dict[str, Table]:
        """End the grants that expired within the log's time, then the tables."""
        self.end_expired(self.log_time)
        return self.tables()

    def on_access(self, entry: Entry) -> None: ...
    def on_grant(self, entry: Entry) -> None: ...
    def on_revocation(self, entry: Entry) -> None: ...
    def on_deletion(self, entry: Entry) -> None: ...
    def on_agreement(self, entry: Entry) -> None: ...
    def on_certification(self, entry: Entry) -> None: ...
    def on_end(self, ended: Ended) -> None: ...

    def tables(self) -> dict[str, Table]:
        raise NotImplementedError


def table(columns: tuple[str, ...], keys: int, rows: Any) -> Table:
    return Table(columns, keys, tuple(sorted(rows, key=lambda r: tuple(str(c) for c in r[:keys]))))


@dataclass
class Use:
    """Decisions of one row: allowed, denied, records returned and filtered, people, times."""

    allowed: int = 0
    denied: int = 0
    returned: int = 0
    filtered: int = 0
    people: set[int] = field(default_factory=set)
    first: str | None = None
    last: str | None = None

    def add(self, entry: Entry, person: int) -> None:
        if entry["decision"] == "allow":
            self.allowed += 1
            self.people.add(person)
        else:
            self.denied += 1
        self.returned += entry["records_returned"]
        self.filtered += entry["records_filtered"]
        moment = entry["time"]
        if self.first is None or moment < self.first:
            self.first = moment
        if self.last is None or moment > self.last:
            self.last = moment


class People:
    """Small numbers for person references, so that sets of people stay small."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __call__(self, ref: str) -> int:
        found = self._ids.get(ref)
        if found is None:
            found = self._ids[ref] = len(self._ids)
        return found


TRANSPARENCY_COLUMNS = (
    "partner", "category", "action",
    "allowed", "denied", "records_returned", "records_filtered", "people",
)  # fmt: skip
TOTAL_COLUMNS = (
    "allowed", "denied", "records_returned", "records_filtered", "people",
    "grants", "revocations", "deletions_opened", "deletions_confirmed",
)  # fmt: skip


class TransparencyTally(Tally):
    """Per partner × category × action in a period: decisions, records, people; and the totals.

    The access path runs once per entry of the log, so it keeps plain lists per row
    (allowed, denied, records returned, records filtered, the set of people) and small numbers
    for people rather than their 64-character references.
    """

    def __init__(self, period: Period) -> None:
        super().__init__()
        self.start, self.end = period.start, period.end
        self.period = period
        self.rows: dict[tuple[str, str, str], list[Any]] = {}
        self.ids: dict[str, int] = {}
        self.grants = self.revocations = self.opened = self.confirmed = 0

    def add(self, entry: Entry) -> None:
        """One entry, by the same path as a batch's (so no ``on_access`` of its own)."""
        self._add_entries((entry,))

    def add_all(self, batch: list[bytes], loads: Callable[[bytes], Any]) -> None:
        self._add_entries(map(loads, batch))

    def _add_entries(self, entries: Iterable[Entry]) -> None:
        """:meth:`Tally.add` for each entry, with the access path (nearly every entry) inlined
        and its names local: over ten million entries, each call and attribute read counts."""
        start, end, rows, ids = self.start, self.end, self.rows, self.ids
        expiries, add = self.ends.expiries, super().add
        for entry in entries:
            if entry["type"] != "access":
                add(entry)
                continue
            moment = entry["time"]
            if moment > self.log_time:
                self.log_time = moment
            if expiries and expiries[0][0] <= moment:
                self.end_expired(moment)
            if not start <= moment < end:
                continue
            key = (entry["partner"], entry["category"], entry["action"])
            row = rows.get(key)
            if row is None:
                row = rows[key] = [0, 0, 0, 0, set()]
            if entry["decision"] == "allow":
                row[0] += 1
                ref = entry["person_ref"]
                person = ids.get(ref)
                if person is None:
                    person = ids[ref] = len(ids)
                row[4].add(person)
            else:
                row[1] += 1
            row[2] += entry["records_returned"]
            row[3] += entry["records_filtered"]

    def on_grant(self, entry: Entry) -> None:
        self.grants += entry["time"] in self.period

    def on_revocation(self, entry: Entry) -> None:
        self.revocations += entry["time"] in self.period

    def on_deletion(self, entry: Entry) -> None:
        self.confirmed += entry["time"] in self.period

    def on_end(self, ended: Ended) -> None:
        if ended.time in self.period:
            self.opened += ended.obligations

    def tables(self) -> dict[str, Table]:
        rows = [(*key, a, d, r, f, len(people)) for key, (a, d, r, f, people) in self.rows.items()]
        people: set[int] = set().union(*(row[4] for row in self.rows.values()))
        total: tuple[Cell, ...] = (
            sum(r[3] for r in rows),
            sum(r[4] for r in rows),
            sum(r[5] for r in rows),
            sum(r[6] for r in rows),
            len(people),
            self.grants,
            self.revocations,
            self.opened,
            self.confirmed,
        )
        return {
            "decisions": table(TRANSPARENCY_COLUMNS, 3, rows),
            "totals": Table(TOTAL_COLUMNS, 0, (total,)),
        }
