"""Alembic migrations, run programmatically: ``consentgate db upgrade`` and start-up call these.

The whole upgrade runs in one transaction (PostgreSQL and SQLite both have transactional DDL), so a
failed migration leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from consentgate.errors import ConfigError, Unavailable
from consentgate.store.db import Database

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(db: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> str:
    """Bring the schema to ``revision`` in one transaction; return the revision reached."""
    config = _config()
    try:
        with db.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    except (SQLAlchemyError, Unavailable) as err:
        cause = err.orig if isinstance(err, DBAPIError) else err
        raise Unavailable(f"migration failed, nothing was changed: {cause}") from err
    except CommandError as err:  # the database names a revision this code does not have
        raise ConfigError(
            f"the database's schema is at a revision this consentgate does not know ({err}); "
            "it was made or upgraded by another version: nothing was changed"
        ) from err
    reached = current(db)
    assert reached is not None
    return reached
