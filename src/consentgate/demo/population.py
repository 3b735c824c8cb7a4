"""Deterministic rows of the demo population, generated in chunks so a million people fit in memory.

Everything comes from one ``random.Random(seed)`` per chunk (seeded from the seed and the chunk
number), so a seed always yields the same population whatever the chunk size of the loader.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from consentgate.domain import Category

Rows = dict[str, list[dict[str, Any]]]
T = TypeVar("T")

_FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "June",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
_LAST = [
    "Abara",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Novak",
    "Okafor",
    "Petrov",
    "Quint",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
_CITIES = [
    "Lisbon",
    "Accra",
    "Osaka",
    "Toronto",
    "Berlin",
    "Lima",
    "Pune",
    "Nairobi",
    "Oslo",
    "Austin",
]
_WORDS = [
    "see",
    "you",
    "at",
    "the",
    "concert",
    "tomorrow",
    "did",
    "you",
    "hear",
    "this",
    "song",
    "movie",
    "tonight",
    "lunch",
    "on",
    "friday",
    "send",
    "me",
    "the",
    "photos",
    "thanks",
    "for",
    "dinner",
    "running",
    "late",
    "call",
    "me",
    "later",
    "happy",
    "birthday",
]
_TITLES = [
    "Dentist",
    "Team sync",
    "Dinner",
    "Flight",
    "Yoga",
    "Book club",
    "Parents' evening",
    "Gym",
    "Coffee",
    "Concert",
]
ALL = [c.value for c in Category]

#: People per chunk: bounds memory and transaction batch size, not the population's content.
CHUNK = 10_000


class _Draw:
    """Fast draws from one ``random.Random``: ``randint``/``choice`` cost several times ``random()``
    and the generator makes tens of millions of draws for a million people."""

    __slots__ = ("rng", "u")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.u = rng.random

    def int(self, low: int, high: int) -> int:
        return low + int(self.u() * (high - low + 1))

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.u() * len(seq))]


def person_id(n: int) -> str:
    return f"p{n:07d}"


@dataclass(frozen=True)
class Counters:
    """Where each chunk starts numbering its rows, so ids are the same for any chunking."""

    contact: int
    thread: int
    message: int
    event: int
    attendee: int


def _counters(chunk: int) -> Counters:
    # Each chunk owns a disjoint id range, large enough for the most a chunk can generate.
    base = chunk * CHUNK
    return Counters(base * 16, base * 2, base * 40, base * 4, base * 16)


def people_rows(seed: int, chunk: int, total: int, as_of: datetime) -> Rows:
    """People and their settings, for people ``chunk*CHUNK`` … of ``total``."""
    rng = random.Random(f"{seed}/people/{chunk}")
    d = _Draw(rng)
    rows: Rows = {"people": [], "privacy_settings": []}
    for n in range(chunk * CHUNK, min(total, (chunk + 1) * CHUNK)):
        pid = person_id(n)
        first, last = d.pick(_FIRST), d.pick(_LAST)
        created = as_of - timedelta(days=d.int(30, 5000))
        rows["people"].append(
            {
                "id": pid,
                "handle": f"{first.lower()}.{last.lower()}.{n}",
                "display_name": f"{first} {last}",
                "password_hash": None,
                "birth_year": d.int(1950, 2008),
                "city": d.pick(_CITIES),
                "bio": None,
                "created_at": created,
            }
        )
        sharing = d.u() >= 0.2  # about one in five switched sharing off
        categories = frozenset(c for c in ALL if d.u() < 0.8)
        via_others = frozenset(c for c in ALL if c != "profile" and d.u() < 0.35)
        rows["privacy_settings"].append(
            {
                "person_id": pid,
                "share_with_partners": sharing,
                "categories": categories,
                "via_others": via_others,
                "updated_at": created,
            }
        )
    return rows


#: The tables of people's data (:func:`record_rows`), in the order their foreign keys need.
RECORD_TABLES = (
    "friendships",
    "contacts",
    "threads",
    "thread_participants",
    "messages",
    "events",
    "event_attendees",
)


def record_rows(seed: int, chunk: int, total: int, as_of: datetime, partner_ids: list[str]) -> Rows:
    """Friends, contacts, threads with messages, and events of the people in ``chunk``."""
    rng = random.Random(f"{seed}/records/{chunk}")
    d = _Draw(rng)
    ids = _counters(chunk)
    contact, thread, message, event, attendee = (
        ids.contact,
        ids.thread,
        ids.message,
        ids.event,
        ids.attendee,
    )
    rows: Rows = {table: [] for table in RECORD_TABLES}
    span = max(1, min(200, total - 1))
    for n in range(chunk * CHUNK, min(total, (chunk + 1) * CHUNK)):
        me = person_id(n)
        # Friends: people nearby in numbering, like a community; each pair once, both directions.
        offsets = {d.int(1, span) for _ in range(d.int(0, 6))}
        friends = [person_id(n + o) for o in sorted(offsets) if n + o < total]
        for friend in friends:
            since = as_of - timedelta(days=d.int(1, 3000))
            rows["friendships"].append({"person_id": me, "friend_id": friend, "since": since})
            rows["friendships"].append({"person_id": friend, "friend_id": me, "since": since})
        for _ in range(d.int(0, 8)):
            linked = d.pick(friends) if friends and d.u() < 0.4 else None
            first, last = d.pick(_FIRST), d.pick(_LAST)
            rows["contacts"].append(
                {
                    "id": contact,
                    "owner_id": me,
                    "name": f"{first} {last}",
                    "email": f"{first.lower()}.{last.lower()}@mail.example",
                    "phone": f"+1555{d.int(1000000, 9999999)}",
                    "linked_person_id": linked,
                    "created_at": as_of - timedelta(days=d.int(1, 2000)),
                    "created_by_partner": None,
                }
            )
            contact += 1
        if friends and d.u() < 0.6:
            members = [me, *rng.sample(friends, k=min(len(friends), d.int(1, 3)))]
            started = as_of - timedelta(days=d.int(1, 700))
            via = d.pick(partner_ids) if partner_ids and d.u() < 0.1 else None
            rows["threads"].append(
                {
                    "id": thread,
                    "subject": " ".join(rng.sample(_WORDS, 3)),
                    "created_at": started,
                    "created_by_partner": via,
                }
            )
            rows["thread_participants"].extend(
                {"thread_id": thread, "person_id": p} for p in members
            )
            for k in range(d.int(1, 8)):
                rows["messages"].append(
                    {
                        "id": message,
                        "thread_id": thread,
                        "sender_id": d.pick(members),
                        "body": " ".join(rng.choices(_WORDS, k=d.int(3, 12))),
                        "sent_at": started + timedelta(minutes=17 * k + d.int(0, 16)),
                        "created_by_partner": via if k == 0 else None,
                    }
                )
                message += 1
            thread += 1
        for _ in range(d.int(0, 3)):
            starts = as_of + timedelta(days=d.int(-200, 120), hours=d.int(7, 20))
            rows["events"].append(
                {
                    "id": event,
                    "owner_id": me,
                    "title": d.pick(_TITLES),
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "location": d.pick(_CITIES),
                    "created_at": starts - timedelta(days=d.int(1, 30)),
                    "created_by_partner": None,
                }
            )
            for _ in range(d.int(0, 3)):
                guest = d.pick(friends) if friends and d.u() < 0.6 else None
                rows["event_attendees"].append(
                    {
                        "id": attendee,
                        "event_id": event,
                        "person_id": guest,
                        "name": f"member {guest}" if guest else f"{d.pick(_FIRST)} {d.pick(_LAST)}",
                        "email": None if guest else "guest@mail.example",
                    }
                )
                attendee += 1
            event += 1
    return rows


def chunk_size(chunk: int, total: int) -> int:
    """How many of ``total`` people chunk number ``chunk`` holds."""
    return max(0, min(CHUNK, total - chunk * CHUNK))


def chunks(total: int) -> Iterator[int]:
    return iter(range((total + CHUNK - 1) // CHUNK))
