"""``consentgate db``: the schema."""

from __future__ import annotations

import typer

from consentgate.cli.common import DatabaseOption, console, settings_from
from consentgate.store import Database
from consentgate.store.migrate import current, head, upgrade

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(
    database: DatabaseOption = None,
) -> None:
    """Migrate the database to the newest schema (one transaction: all or nothing)."""
    settings = settings_from(database)
    db = Database.connect(settings.database_url)
    before = current(db)
    reached = upgrade(db)
    if before == reached:
        console.print(f"database already at revision {reached}")
    else:
        console.print(f"database migrated from {before or 'empty'} to {reached}")


@app.command("status")
def status_command(
    database: DatabaseOption = None,
) -> None:
    """Show the database's schema revision and the newest one this version knows."""
    settings = settings_from(database)
    db = Database.connect(settings.database_url)
    console.print(f"database revision: {current(db) or 'empty'}; newest: {head()}")
