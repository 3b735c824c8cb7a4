"""A small world from the seed story, on a real database, with the server's running parts started."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from consentgate.domain import (
    Action,
    Capability,
    Category,
    GrantScope,
    Quota,
    RecordScope,
    TokenContext,
)
from consentgate.services.wiring import Running, Services
from consentgate.store.bulk import insert_rows
from consentgate.testing import FrozenClock

MUSIC = "music.share"
SYNC = "device.sync"
SEARCH = "search.social"


def token_for(services: Services, grant_id: str, client_id: str = "client-x") -> TokenContext:
    """The context a valid bearer token of this grant resolves to (the OAuth layer's job)."""
    grant = services.grants.get_grant(grant_id)
    return TokenContext(
        token_id="tok-" + grant_id,
        client_id=client_id,
        partner_id=grant.partner_id,
        person_id=grant.person_id,
        grant_id=grant.id,
        scopes=grant.scopes,
        expires_at=grant.expires_at,
    )


@pytest.fixture
def running(services: Services, clock: FrozenClock) -> Iterator[Running]:
    """The world seeded, and the server's running parts (decision index, log) started on it."""
    s = services
    for pid, text in [
        (MUSIC, "Share a song with a friend"),
        (SYNC, "Sync to your phone"),
        (SEARCH, "Friends in search"),
    ]:
        s.partners.register_purpose(pid, text, "essential.service")
    year = timedelta(days=365)
    agreements = {
        ("tunes", "Tunes", "music streamer"): (
            Capability(
                Category.MESSAGES,
                Action.READ,
                MUSIC,
                frozenset({"id", "body", "sender_id", "participants"}),
                RecordScope.CREATED_BY_PARTNER,
            ),
            Capability(Category.MESSAGES, Action.WRITE, MUSIC, frozenset({"id", "body"})),
        ),
        ("handset", "Handset", "device maker"): (
            Capability(
                Category.CONTACTS, Action.READ, SYNC, frozenset({"id", "name", "linked_person"})
            ),
            Capability(
                Category.CALENDAR,
                Action.READ,
                SYNC,
                frozenset({"id", "title", "attendees"}),
                quota=Quota(2, 3600),
            ),
        ),
        ("findit", "FindIt", "search engine"): (
            Capability(
                Category.FRIENDS,
                Action.READ,
                SEARCH,
                frozenset({"id", "friend_id", "display_name"}),
            ),
        ),
    }
    for (partner_id, name, kind), capabilities in agreements.items():
        s.partners.register_partner(partner_id, name, kind)
        s.partners.sign_agreement(
            partner_id, capabilities, valid_from=clock.now - year, valid_until=clock.now + year
        )
    everything = frozenset(Category)
    for handle, via in [("alice", everything), ("bob", frozenset()), ("carol", everything)]:
        s.people.register_person(handle, handle.title(), person_id=f"p-{handle}")
        s.people.set_settings(
            f"p-{handle}", share_with_partners=True, categories=everything, via_others=via
        )
    with s.db.begin() as conn:
        insert_rows(
            conn,
            "friendships",
            [
                {"person_id": "p-alice", "friend_id": f, "since": clock.now - year}
                for f in ("p-bob", "p-carol")
            ],
        )
        insert_rows(
            conn,
            "threads",
            [
                {"id": 1, "subject": "plans", "created_at": clock.now, "created_by_partner": None},
                {
                    "id": 2,
                    "subject": "a song",
                    "created_at": clock.now,
                    "created_by_partner": "tunes",
                },
            ],
        )
        insert_rows(
            conn,
            "thread_participants",
            [{"thread_id": t, "person_id": p} for t in (1, 2) for p in ("p-alice", "p-bob")],
        )
        insert_rows(
            conn,
            "messages",
            [
                {
                    "id": 1,
                    "thread_id": 1,
                    "sender_id": "p-alice",
                    "body": "private plans",
                    "sent_at": clock.now,
                    "created_by_partner": None,
                },
                {
                    "id": 2,
                    "thread_id": 2,
                    "sender_id": "p-alice",
                    "body": "listen: track 42",
                    "sent_at": clock.now,
                    "created_by_partner": "tunes",
                },
                {
                    "id": 3,
                    "thread_id": 2,
                    "sender_id": "p-bob",
                    "body": "bob's reply",
                    "sent_at": clock.now,
                    "created_by_partner": "tunes",
                },
            ],
        )
        insert_rows(
            conn,
            "contacts",
            [
                {
                    "id": 1,
                    "owner_id": "p-alice",
                    "name": "Bob",
                    "linked_person_id": "p-bob",
                    "created_at": clock.now,
                },
                {
                    "id": 2,
                    "owner_id": "p-alice",
                    "name": "Carol",
                    "linked_person_id": "p-carol",
                    "created_at": clock.now,
                },
                {
                    "id": 3,
                    "owner_id": "p-alice",
                    "name": "Plumber",
                    "linked_person_id": None,
                    "created_at": clock.now,
                },
            ],
        )
    started = s.start()
    yield started
    started.stop()


@pytest.fixture
def world(services: Services, running: Running) -> Services:
    """The seeded world's services, with its running parts started."""
    return services


def grant(
    services: Services, person: str, partner: str, *scopes: tuple[Category, Action, str]
) -> str:
    return services.grants.record_grant(
        person,
        partner,
        frozenset(GrantScope(c, a, p) for c, a, p in scopes),
        receipt_text=f"{partner} may use your data",
    ).id
