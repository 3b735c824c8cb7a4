"""``consentgate db``: the schema."""

from __future__ import annotations

import typer

from consentgate.cli.common import DatabaseOption, console, settings_from
from consentgate.store import Database
from consentgate.store.migrate import current, head, upgrade

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


def _database(database: str | None) -> Database:
    """The database named by ``--database`` (or the environment), as it is: not migrated, since
    these commands report on or perform the migration themselves."""
    return Database.connect(settings_from(database).database_url)


@app.command("upgrade")
def upgrade_command(
    database: DatabaseOption = None,
) -> None:
    """Migrate the database to the newest schema (one transaction: all or nothing)."""
    db = _database(database)
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
    db = _database(database)
    console.print(f"database revision: {current(db) or 'empty'}; newest: {head()}")
