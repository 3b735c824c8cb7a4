"""A real consentgate server (uvicorn on 127.0.0.1) on a migrated SQLite file, with a small world:
a music partner whose agreement covers messages and friends for ``music.share``, a device maker
for ``device.sync``, their OAuth clients, and people who share and who do not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category, PartnerStatus, RecordScope
from consentgate.domain.records import FIELDS
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import free_port, serving

from .flow import CLIENTS, REDIRECT_URI, World


def _seed(services: Services) -> None:
    now = datetime.now(UTC)
    partners = services.partners
    partners.register_purpose(
        "music.share", "Share a song with a friend in a message", "essential.service"
    )
    partners.register_purpose(
        "device.sync", "Show your contacts on your phone", "essential.service"
    )
    partners.register_partner("tunes", "Tunes Music", "music streamer")
    partners.register_partner("handset", "Handset Devices", "device maker")
    fields = {"id", "thread_id", "body", "sent_at"}
    partners.sign_agreement(
        "tunes",
        (
            Capability(
                Category.MESSAGES,
                Action.READ,
                "music.share",
                frozenset(fields),
                RecordScope.CREATED_BY_PARTNER,
            ),
            Capability(Category.MESSAGES, Action.WRITE, "music.share", frozenset(fields)),
            Capability(
                Category.FRIENDS,
                Action.READ,
                "music.share",
                frozenset({"id", "friend_id", "display_name"}),
            ),
        ),
        valid_from=now - timedelta(days=300),
        valid_until=now + timedelta(days=700),
    )
    partners.sign_agreement(
        "handset",
        (Capability(Category.CONTACTS, Action.READ, "device.sync", FIELDS[Category.CONTACTS]),),
        valid_from=now - timedelta(days=30),
        valid_until=now + timedelta(days=60),
    )
    # A search engine whose agreement was ended early, and a video partner that was suspended.
    partners.register_purpose(
        "search.social", "Show friends in search results", "personalize.content"
    )
    partners.register_partner("findit", "FindIt Search", "search engine")
    ended = partners.sign_agreement(
        "findit",
        (
            Capability(
                Category.FRIENDS, Action.READ, "search.social", frozenset({"id", "friend_id"})
            ),
        ),
        valid_from=now - timedelta(days=400),
        valid_until=now + timedelta(days=30),
    )
    partners.register_partner("reelview", "ReelView", "video streamer")
    partners.sign_agreement(
        "reelview",
        (Capability(Category.FRIENDS, Action.READ, "music.share", frozenset({"id", "friend_id"})),),
        valid_from=now - timedelta(days=10),
        valid_until=now + timedelta(days=300),
    )
    people = services.people
    people.register_person(
        "alice", "Alice Example", password="alice-test-pass", person_id="p-alice"
    )
    people.set_settings(
        "p-alice",
        share_with_partners=True,
        categories=frozenset({Category.MESSAGES, Category.FRIENDS}),
    )
    people.register_person("bob", "Bob Example", password="bob-test-pass", person_id="p-bob")
    people.set_settings("p-bob", share_with_partners=True, categories=frozenset({Category.FRIENDS}))
    people.register_person(
        "carol", "Carol Example", password="carol-test-pass", person_id="p-carol"
    )
    for partner_id, client_id, secret in CLIENTS.values():
        services.clients.register_known_client(
            partner_id, client_id, secret, client_id, [REDIRECT_URI]
        )
    partners.end_agreement(ended.id)
    partners.set_status("reelview", PartnerStatus.SUSPENDED, "investigation")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root: Path = tmp_path_factory.mktemp("oauth-e2e")
    url = f"sqlite:///{root / 'consentgate.db'}"
    port = free_port()
    settings = Settings(
        database_url=url, data_dir=root / "data", log_origin="e2e.example/log", port=port
    )
    db = Database.connect(url)
    upgrade(db)
    services = Services(settings, db)
    _seed(services)
    app = create_app(settings, services)
    with serving(app, port=port) as base:
        yield World(base, services, app)
    db.dispose()
