"""A real consentgate server (uvicorn on 127.0.0.1) on a migrated SQLite file holding the demo
population: the README's demo people (alice, bob, carol, dave) and partners, and the demo OAuth
clients. A fresh server per test module, so one module's revocations and settings changes do not
leak into another's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.e2e.pages import demo_site

from consentgate.api.app import create_app
from consentgate.demo.clients import register_demo_clients
from consentgate.services.wiring import Services
from consentgate.testing import serving

from .center import World


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root: Path = tmp_path_factory.mktemp("privacy-center")
    settings, db = demo_site(root, "e2e.example", people=40, seed=7, as_of=datetime.now(UTC))
    services = Services(settings, db)
    register_demo_clients(services)
    app = create_app(settings, services)
    with serving(app) as base:
        yield World(base, services, app)
    db.dispose()
