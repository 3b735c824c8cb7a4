"""Helpers for people testing consentgate or code built on it: a clock you move by hand, a real
HTTP server for end-to-end tests, and a partner's access token without the OAuth flow."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from consentgate.domain import GrantScope
    from consentgate.services.wiring import Services

__all__ = ["FrozenClock", "free_port", "issue_token", "serving"]

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
