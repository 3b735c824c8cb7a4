"""What every command shares: settings from the environment and flags, the database, output.

Every command that works on the database takes the same ``--database`` option
(:data:`DatabaseOption`) and gets its services from :func:`connect`, the one place where the CLI
connects, migrates (where the command needs it) and wires the services.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from consentgate.config import Settings, load_settings
from consentgate.services.wiring import Services

console = Console()
err_console = Console(stderr=True)


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    """The settings, with CLI flags overriding the environment."""
    return load_settings(database_url=database_url, **overrides)


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


DATABASE_HELP = "Database URL (default: $CONSENTGATE_DATABASE_URL or sqlite:///var/consentgate.db)."
#: ``--database``: the same option on every command that opens the database.
DatabaseOption = Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)]


def connect(database: str | None, *, migrate: bool) -> Services:
    """The services on the database named by ``--database`` (or the environment).

    ``migrate`` brings the schema up to date first: the commands that write (the admin commands,
    the demo seed) need it; the ones that only read (``explain``, ``exposure``) leave the
    database as it is.
    """
    return Services.connect(settings_from(database), migrate=migrate)
