"""The demo's OAuth clients: documented, demo-only credentials for trying the consent flow.

These secrets are published on purpose, in this file and the README, so anyone can walk the flow
against a local demo. ``register_demo_clients`` refuses to run in production mode.
"""

from __future__ import annotations

from consentgate.errors import ConfigError
from consentgate.services.wiring import Services
from consentgate.store.clients import ClientRow

#: Where the demo's partner apps receive the person back (a local page of consentgate's demo).
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/demo/callback"

#: (partner id, client id, demo-only secret, name)
DEMO_CLIENTS = [
    ("tunes", "tunes-demo", "tunes-demo-secret-not-for-production", "Tunes Music (demo app)"),
    (
        "handset",
        "handset-demo",
        "handset-demo-secret-not-for-production",
        "Handset Sync (demo app)",
    ),
    (
        "northbank",
        "northbank-demo",
        "northbank-demo-secret-not-for-production",
        "North Bank (demo app)",
    ),
]


def register_demo_clients(services: Services) -> list[ClientRow]:
    """Create the documented demo clients (after ``demo seed`` created their partners)."""
    if services.settings.mode == "production":
        raise ConfigError("demo clients with published secrets are refused in production mode")
    return [
        services.clients.register_known_client(
            partner_id, client_id, secret, name, [DEMO_REDIRECT_URI]
        )
        for partner_id, client_id, secret, name in DEMO_CLIENTS
    ]
