"""The fixed demo people a newcomer can sign in as, and their corner of the data.

Each shows one part of the story: Alice shares everything, Bob is filtered out of her threads,
Carol switched sharing off but still holds an old grant, Dave shares friends only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from consentgate.demo import population
from consentgate.domain import Category
from consentgate.services.people import hash_password
from consentgate.store.bulk import insert_rows

DEMO_PEOPLE = [
    (
        "alice",
        "alice-demo-pass",
        "Alice Example",
        "shares everything, also through her friends' grants",
    ),
    (
        "bob",
        "bob-demo-pass",
        "Bob Example",
        "shares his own data but not through others: filtered from Alice's threads",
    ),
    (
        "carol",
        "carol-demo-pass",
        "Carol Example",
        "switched sharing off; has an old grant to the device maker",
    ),
    ("dave", "dave-demo-pass", "Dave Example", "shares friends only"),
]


def load_demo_people(conn: Connection, as_of: datetime, total: int) -> int:
    everything = frozenset(c.value for c in Category)
    settings = {
        "alice": (True, everything, everything - {"profile"}),
        "bob": (True, everything, frozenset()),
        "carol": (False, everything, everything - {"profile"}),
        "dave": (True, frozenset({"friends"}), frozenset({"friends"})),
    }
    rows: population.Rows = {
        k: []
        for k in (
            "people",
            "privacy_settings",
            "friendships",
            "threads",
            "thread_participants",
            "messages",
            "contacts",
            "events",
            "event_attendees",
        )
    }
    ids = [f"p-{handle}" for handle, *_ in DEMO_PEOPLE]
    for handle, password, name, _story in DEMO_PEOPLE:
        pid = f"p-{handle}"
        rows["people"].append(
            {
                "id": pid,
                "handle": handle,
                "display_name": name,
                "password_hash": hash_password(password),
                "birth_year": 1990,
                "city": "Lisbon",
                "bio": _story,
                "created_at": as_of - timedelta(days=900),
            }
        )
        share, categories, via = settings[handle]
        rows["privacy_settings"].append(
            {
                "person_id": pid,
                "share_with_partners": share,
                "categories": categories,
                "via_others": via,
                "updated_at": as_of - timedelta(days=30),
            }
        )
    for a in ids:
        for b in ids:
            if a != b:
                rows["friendships"].append(
                    {"person_id": a, "friend_id": b, "since": as_of - timedelta(days=400)}
                )
    base = 10**12  # above every generated id
    started = as_of - timedelta(days=3)
    rows["threads"].append(
        {"id": base, "subject": "weekend plans", "created_at": started, "created_by_partner": None}
    )
    rows["threads"].append(
        {
            "id": base + 1,
            "subject": "song for you",
            "created_at": started,
            "created_by_partner": "tunes",
        }
    )
    rows["thread_participants"] += [{"thread_id": base, "person_id": p} for p in ids] + [
        {"thread_id": base + 1, "person_id": p} for p in ids[:2]
    ]
    lines = [
        (base, "p-alice", "Shall we hike on Saturday?", None),
        (base, "p-bob", "Yes! My new address is 12 Elm St.", None),
        (base, "p-carol", "I'm in, call me at +1 555 0100", None),
        (base, "p-dave", "Count me in", None),
        (base + 1, "p-alice", "Listen to this one: Tunes track 42", "tunes"),
        (base + 1, "p-bob", "Love it", None),
    ]
    for k, (thread, sender, body, through) in enumerate(lines):
        rows["messages"].append(
            {
                "id": base + k,
                "thread_id": thread,
                "sender_id": sender,
                "body": body,
                "sent_at": started + timedelta(minutes=10 * k),
                "created_by_partner": through,
            }
        )
    for k, (owner, name, linked) in enumerate(
        [
            ("p-alice", "Bob Example", "p-bob"),
            ("p-alice", "Carol Example", "p-carol"),
            ("p-alice", "Plumber", None),
            ("p-carol", "Alice Example", "p-alice"),
        ]
    ):
        rows["contacts"].append(
            {
                "id": base + k,
                "owner_id": owner,
                "name": name,
                "email": None,
                "phone": "+1 555 0100",
                "linked_person_id": linked,
                "created_at": as_of - timedelta(days=100),
                "created_by_partner": None,
            }
        )
    rows["events"].append(
        {
            "id": base,
            "owner_id": "p-alice",
            "title": "Hike",
            "starts_at": as_of + timedelta(days=2),
            "ends_at": as_of + timedelta(days=2, hours=4),
            "location": "Sintra",
            "created_at": as_of,
            "created_by_partner": None,
        }
    )
    rows["event_attendees"] += [
        {"id": base + k, "event_id": base, "person_id": p, "name": n, "email": None}
        for k, (p, n) in enumerate(
            [
                ("p-bob", "Bob Example"),
                ("p-carol", "Carol Example"),
                (None, "Eve (not on the platform)"),
            ]
        )
    ]
    # Alice's friends among the generated population, so her lists are not only demo people.
    if total:
        rows["friendships"] += [
            {
                "person_id": "p-alice",
                "friend_id": population.person_id(0),
                "since": as_of - timedelta(days=50),
            },
            {
                "person_id": population.person_id(0),
                "friend_id": "p-alice",
                "since": as_of - timedelta(days=50),
            },
        ]
    for table, values in rows.items():
        insert_rows(conn, table, values)
    return sum(len(v) for v in rows.values())
