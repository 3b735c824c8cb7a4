"""The people of the replay and their data from 2009 to 2018, and who used which partner's app.

Deterministic for (seed, people): one ``random.Random`` per part, seeded from the seed. Every
record carries the time it came into being (a friendship's start, a message's sending), so the
replay's data source can hand out only what existed at the replay's "now", and the 2017 platform's
answer to a request can be counted from :class:`Legacy` without asking the database.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from consentgate.demo import population
from consentgate.demo.story import END, StoryPartner, at, months
from consentgate.domain import Category

Rows = dict[str, list[dict[str, Any]]]
CATEGORIES = [c.value for c in Category]
#: Months between two sessions of an app user with a partner's app.
SESSION_MONTHS = 6
#: The partners whose app could start a message thread (a shared song, a watch party, a payment).
MESSAGING = ("tunes", "reelview", "northbank")
_DATA_START = at(2009)


def person_id(n: int) -> str:
    return f"r{n:06d}"


def _moment(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A whole minute between ``first`` and ``last``."""
    span = int((last - first).total_seconds() // 60)
    return first + timedelta(minutes=rng.randrange(max(1, span)))


@dataclass
class Legacy:
    """When each record of each person came into being: what the 2017 platform would hand out.

    ``times[(person, category)]`` are creation times (POSIX seconds, sorted) of the person's own
    records; messages are counted through the threads the person takes part in, since a message
    written into a thread reaches every participant.
    """

    times: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    threads_of: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    thread_times: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))

    def count(self, person: str, category: str, now: datetime) -> int:
        """How many records of ``category`` ``person`` had at ``now``."""
        t = now.timestamp()
        if category == Category.MESSAGES.value:
            return sum(bisect_right(self.thread_times[th], t) for th in self.threads_of[person])
        return bisect_right(self.times[(person, category)], t)

    def message_written(self, thread: int, now: datetime) -> None:
        """The 2017 platform let every write through: one more message in ``thread``."""
        self.thread_times[thread].append(now.timestamp())

    def seal(self) -> None:
        for found in (self.times, self.thread_times):
            for times in found.values():
                times.sort()


@dataclass
class World:
    """Everything the replay starts from."""

    people: list[str]
    rows: Rows
    friends: dict[str, list[str]]
    #: People who switch sharing off during the story, and when.
    switch_off: dict[str, datetime]
    #: Per partner, its app users and the tick index of each one's first session.
    users: dict[str, list[tuple[str, int]]]
    legacy: Legacy


def _people_rows(rng: random.Random, count: int, rows: Rows) -> dict[str, datetime]:
    joined = {}
    for n in range(count):
        pid = person_id(n)
        first, last = rng.choice(population._FIRST), rng.choice(population._LAST)
        created = _moment(rng, at(2008), at(2012))
        joined[pid] = created
        rows["people"].append(
            {
                "id": pid,
                "handle": f"{first.lower()}.{last.lower()}.r{n}",
                "display_name": f"{first} {last}",
                "password_hash": None,
                "birth_year": rng.randint(1950, 2000),
                "city": rng.choice(population._CITIES),
                "bio": None,
                "created_at": created,
            }
        )
        rows["privacy_settings"].append(
            {
                "person_id": pid,
                "share_with_partners": rng.random() >= 0.05,
                "categories": frozenset(c for c in CATEGORIES if rng.random() < 0.9),
                "via_others": frozenset(
                    c for c in CATEGORIES if c != "profile" and rng.random() < 0.4
                ),
                "updated_at": created,
            }
        )
    return joined


def _friends(
    rng: random.Random, count: int, joined: dict[str, datetime], rows: Rows
) -> dict[str, list[str]]:
    friends: dict[str, list[str]] = defaultdict(list)
    span = max(1, min(50, count - 1))
    for n in range(count):
        me = person_id(n)
        for offset in sorted({rng.randint(1, span) for _ in range(rng.randint(0, 4))}):
            if n + offset >= count:
                continue
            other = person_id(n + offset)
            since = _moment(rng, max(joined[me], joined[other]), at(2017))
            for a, b in ((me, other), (other, me)):
                rows["friendships"].append({"person_id": a, "friend_id": b, "since": since})
                friends[a].append(b)
    return friends


class _Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = defaultdict(lambda: 1)

    def __call__(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value


def _records(
    rng: random.Random, people: list[str], friends: dict[str, list[str]], rows: Rows, legacy: Legacy
) -> None:
    ids = _Ids()
    for me in people:
        mine = friends.get(me, [])
        for _ in range(rng.randint(0, 6)):
            linked = rng.choice(mine) if mine and rng.random() < 0.4 else None
            created = _moment(rng, _DATA_START, END)
            rows["contacts"].append(
                {
                    "id": ids("contact"),
                    "owner_id": me,
                    "name": f"{rng.choice(population._FIRST)} {rng.choice(population._LAST)}",
                    "email": "someone@mail.example",
                    "phone": f"+1555{rng.randint(1000000, 9999999)}",
                    "linked_person_id": linked,
                    "created_at": created,
                    "created_by_partner": None,
                }
            )
            legacy.times[(me, "contacts")].append(created.timestamp())
        if mine:
            for _ in range(rng.randint(0, 2)):
                _thread(rng, ids, [me, *rng.sample(mine, k=min(len(mine), 2))], rows, legacy)
        for _ in range(rng.randint(0, 3)):
            _event(rng, ids, me, mine, rows, legacy)


def _thread(rng: random.Random, ids: _Ids, members: list[str], rows: Rows, legacy: Legacy) -> None:
    thread = ids("thread")
    started = _moment(rng, _DATA_START, at(2018))
    via = rng.choice(MESSAGING) if started >= at(2013) and rng.random() < 0.25 else None
    rows["threads"].append(
        {"id": thread, "subject": "catching up", "created_at": started, "created_by_partner": via}
    )
    rows["thread_participants"].extend({"thread_id": thread, "person_id": p} for p in members)
    sent = started
    for k in range(rng.randint(1, 6)):
        rows["messages"].append(
            {
                "id": ids("message"),
                "thread_id": thread,
                "sender_id": rng.choice(members),
                "body": " ".join(rng.choices(population._WORDS, k=6)),
                "sent_at": sent,
                "created_by_partner": via if k == 0 else None,
            }
        )
        legacy.thread_times[thread].append(sent.timestamp())
        sent += timedelta(days=rng.randint(1, 120))
    for p in members:
        legacy.threads_of[p].append(thread)


def _event(
    rng: random.Random, ids: _Ids, me: str, mine: list[str], rows: Rows, legacy: Legacy
) -> None:
    event = ids("event")
    created = _moment(rng, _DATA_START, END)
    starts = created + timedelta(days=rng.randint(1, 60))
    rows["events"].append(
        {
            "id": event,
            "owner_id": me,
            "title": rng.choice(population._TITLES),
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=1),
            "location": rng.choice(population._CITIES),
            "created_at": created,
            "created_by_partner": None,
        }
    )
    legacy.times[(me, "calendar")].append(created.timestamp())
    for _ in range(rng.randint(0, 3)):
        guest = rng.choice(mine) if mine and rng.random() < 0.6 else None
        rows["event_attendees"].append(
            {
                "id": ids("attendee"),
                "event_id": event,
                "person_id": guest,
                "name": f"member {guest}" if guest else "A guest",
                "email": None if guest else "guest@mail.example",
            }
        )


def _users(
    rng: random.Random, people: list[str], partners: list[StoryPartner]
) -> dict[str, list[tuple[str, int]]]:
    """Each partner's app users, and the month each first used the app (during its first deal,
    or later, up to 2016)."""
    ticks = months()
    found: dict[str, list[tuple[str, int]]] = {}
    for partner in partners:
        first = ticks.index(partner.terms[0].start)
        last = ticks.index(at(2016))
        chosen = [p for p in people if rng.random() < partner.reach]
        found[partner.id] = [(p, rng.randint(first, max(first, last))) for p in chosen]
    return found


def build_world(seed: int, count: int, partners: list[StoryPartner]) -> World:
    """The replay's people, their data and their use of the partners' apps (deterministic)."""
    rng = random.Random(f"{seed}/replay/world")
    rows: Rows = defaultdict(list)
    legacy = Legacy()
    joined = _people_rows(rng, count, rows)
    people = list(joined)
    for pid, created in joined.items():
        legacy.times[(pid, "profile")].append(created.timestamp())
    friends = _friends(rng, count, joined, rows)
    for row in rows["friendships"]:
        legacy.times[(row["person_id"], "friends")].append(row["since"].timestamp())
    _records(rng, people, friends, rows, legacy)
    legacy.seal()
    sharing = [r["person_id"] for r in rows["privacy_settings"] if r["share_with_partners"]]
    switch_off = {
        p: at(rng.randint(2012, 2016), rng.randint(1, 12)) for p in sharing if rng.random() < 0.15
    }
    users = _users(rng, people, partners)
    return World(people, dict(rows), dict(friends), switch_off, users, legacy)
