"""What every command shares: settings from the environment and flags, the database, output."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from consentgate.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    """The settings, with CLI flags overriding the environment."""
    return load_settings(database_url=database_url, **overrides)


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


DATABASE_HELP = "Database URL (default: $CONSENTGATE_DATABASE_URL or sqlite:///var/consentgate.db)."
