"""The demo's documented OAuth clients and staff accounts exist after seeding, and never in production
mode."""

from __future__ import annotations

import pytest

from consentgate.config import Settings
from consentgate.demo.clients import DEMO_CLIENTS, DEMO_REDIRECT_URI, register_demo_clients
from consentgate.demo.seed import seed_demo
from consentgate.demo.staff import DEMO_STAFF, register_demo_staff
from consentgate.errors import ConfigError
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.testing import FrozenClock


@pytest.fixture
def production(settings: Settings, database: Database, clock: FrozenClock) -> Services:
    """The services of a deployment in production mode, on the test's database."""
    return Services(settings.model_copy(update={"mode": "production"}), database, clock=clock)


def test_the_demo_clients_authenticate_with_their_documented_secrets(
    services: Services, database: Database, clock: FrozenClock
) -> None:
    seed_demo(database, people=20, seed=1, as_of=clock.now)
    created = register_demo_clients(services)
    assert {c.client_id for c in created} == {client_id for _, client_id, _, _ in DEMO_CLIENTS}
    for partner_id, client_id, secret, _name in DEMO_CLIENTS:
        client = services.clients.authenticate(client_id, secret)
        assert client is not None
        assert client.partner_id == partner_id
        assert client.redirect_uris == (DEMO_REDIRECT_URI,)


def test_demo_clients_are_refused_in_production(production: Services) -> None:
    with pytest.raises(ConfigError, match="production"):
        register_demo_clients(production)


def test_the_demo_staff_sign_in_with_their_documented_passwords_once(services: Services) -> None:
    made = register_demo_staff(services)
    assert {(m.handle, m.role) for m in made} == {(h, r) for h, _, r in DEMO_STAFF}
    for handle, password, role in DEMO_STAFF:
        member = services.staff.authenticate(handle, password)
        assert member is not None
        assert member.role is role
    assert register_demo_staff(services) == []  # a second run leaves them as they are


def test_demo_staff_are_refused_in_production(production: Services) -> None:
    with pytest.raises(ConfigError, match="production"):
        register_demo_staff(production)
    assert production.staff.members() == []
