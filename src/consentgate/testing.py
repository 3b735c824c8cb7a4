"""Helpers for people testing consentgate or code built on it: a clock you move by hand, a real
HTTP server for end-to-end tests, a partner's access token without the OAuth flow, and a small
world of one partner reading one thread, for load and operations tests."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import uvicorn

from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.store.bulk import insert_rows

if TYPE_CHECKING:
    from consentgate.services.wiring import Services

__all__ = [
    "MUSIC_SHARE",
    "FrozenClock",
    "free_port",
    "issue_token",
    "seed_music_thread",
    "serving",
]

#: The purpose for which :func:`seed_music_thread`'s partner reads the thread.
MUSIC_SHARE = "music.share"

#: An ASGI application (FastAPI, Starlette, …).
ASGIApplication = Any


class FrozenClock:
    """A clock the test moves by hand. Starts at a fixed date so stories can say 'today'."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by ``timedelta(**delta)`` and return the new time."""
        self.now += timedelta(**delta)
        return self.now


def free_port() -> int:
    """A TCP port of 127.0.0.1 that was free a moment ago: for an app whose settings must name
    its own URL (``Settings(port=free_port())``) before :func:`serving` starts it there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: ASGIApplication, *, port: int = 0, timeout_seconds: float = 20.0) -> Iterator[str]:
    """Run ``app`` with uvicorn on ``port`` of 127.0.0.1 (0: any free one), in a thread; yield
    its base URL.

    The app's lifespan runs (so a consentgate app starts its decision index and log) and ends
    when the block does. For end-to-end tests against a real HTTP server.
    """
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_seconds
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped while starting")
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start in time")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_seconds)


def issue_token(
    services: Services,
    person_id: str,
    partner_id: str,
    scopes: frozenset[GrantScope],
    *,
    label: str,
) -> str:
    """An access token (no refresh token) of a new client of ``partner_id``, on a new grant of
    ``scopes`` from ``person_id``: what a completed OAuth flow leaves behind, without the flow
    (for load and outage tests). ``label`` names the client, the receipt and the token's start."""
    client = services.clients.create_client(partner_id, label, ["http://127.0.0.1/callback"])
    grant = services.grants.record_grant(
        person_id, partner_id, scopes, receipt_text=label, client_id=client.client.client_id
    )
    token = f"{label}-{uuid.uuid4().hex}"
    services.tokens.save_tokens(
        access_token=token,
        refresh_token=None,
        client_id=client.client.client_id,
        person_id=person_id,
        grant_id=grant.id,
        scopes=scopes,
    )
    return token


def seed_music_thread(
    services: Services, people: Sequence[str], *, messages: int, label: str
) -> str:
    """One partner reading one thread: Tunes, a music streamer, may read messages for
    :data:`MUSIC_SHARE` for a year; ``people`` (person ids ``p-<handle>``) share every category,
    messages through others too, and one thread (id 1, subject ``label``) of ``messages``
    messages, sent in turn a minute apart until a minute ago. The first of them granted Tunes:
    returns that person's access token (see :func:`issue_token`; ``label`` names it)."""
    now = services.clock()
    services.partners.register_purpose(
        MUSIC_SHARE, "Share a song with a friend", "essential.service"
    )
    services.partners.register_partner("tunes", "Tunes", "music streamer")
    fields = frozenset({"id", "thread_id", "sender_id", "body", "sent_at", "participants"})
    services.partners.sign_agreement(
        "tunes",
        (Capability(Category.MESSAGES, Action.READ, MUSIC_SHARE, fields),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    for pid in people:
        services.people.register_person(pid.removeprefix("p-"), pid, person_id=pid)
        services.people.set_settings(
            pid,
            share_with_partners=True,
            categories=frozenset(Category),
            via_others=frozenset({Category.MESSAGES}),
        )
    with services.db.begin() as conn:
        insert_rows(
            conn,
            "threads",
            [{"id": 1, "subject": label, "created_at": now, "created_by_partner": None}],
        )
        insert_rows(conn, "thread_participants", [{"thread_id": 1, "person_id": p} for p in people])
        insert_rows(
            conn,
            "messages",
            [
                {
                    "id": n + 1,
                    "thread_id": 1,
                    "sender_id": people[n % len(people)],
                    "body": f"message {n}: see you at the concert tomorrow, bring the tickets",
                    "sent_at": now - timedelta(minutes=messages - n),
                    "created_by_partner": None,
                }
                for n in range(messages)
            ],
        )
    scope = GrantScope(Category.MESSAGES, Action.READ, MUSIC_SHARE)
    return issue_token(services, people[0], "tunes", frozenset({scope}), label=label)
