"""The demo's staff accounts: documented, demo-only passwords for trying the console.

Published on purpose (here and in the README), like the demo people's and clients'. An account
that exists already is left as it is; ``register_demo_staff`` refuses to run in production mode.
"""

from __future__ import annotations

from consentgate.domain.staff import Role, StaffMember
from consentgate.errors import ConfigError, NotFound
from consentgate.services.wiring import Services

#: (handle, demo-only password, role)
DEMO_STAFF = [
    ("admin", "admin-demo-pass", Role.ADMIN),
    ("auditor", "auditor-demo-pass", Role.AUDITOR),
]


def register_demo_staff(services: Services) -> list[StaffMember]:
    """Create the documented demo staff accounts that do not exist yet."""
    if services.settings.mode == "production":
        raise ConfigError(
            "demo staff accounts with published passwords are refused in production mode"
        )
    made = []
    for handle, password, role in DEMO_STAFF:
        try:
            services.staff.by_handle(handle)
        except NotFound:
            made.append(services.staff.create(handle, role, password))
    return made
