"""The migrated schema is exactly the tables the code declares, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from consentgate.errors import ConfigError, Unavailable
from consentgate.store import Database
from consentgate.store.migrate import current, head, upgrade
from consentgate.store.schema import metadata


def test_migrations_reach_head_and_match_the_declared_schema(database: Database) -> None:
    assert current(database) == head()
    with database.read() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []


def test_upgrading_twice_changes_nothing(database: Database) -> None:
    before = sorted(inspect(database.engine).get_table_names())
    assert upgrade(database) == head()
    assert sorted(inspect(database.engine).get_table_names()) == before


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    db = Database.connect(f"sqlite:///{tmp_path}/wal.db")
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_a_failed_migration_leaves_an_empty_database_empty(tmp_path: object) -> None:
    # A table in the way makes the first migration fail half-way; nothing of it may remain.
    db = Database.connect(f"sqlite:///{tmp_path}/half.db")
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE grants (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Unavailable, match="nothing was changed"):
        upgrade(db)
    assert sorted(inspect(db.engine).get_table_names()) == ["grants"]
    assert current(db) is None
    db.dispose()


def test_a_database_from_another_version_is_refused_by_name_and_left_as_it_was(
    tmp_path: object,
) -> None:
    db = Database.connect(f"sqlite:///{tmp_path}/newer.db")
    upgrade(db)
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError, match=r"'9999'.*nothing was changed"):
        upgrade(db)
    with db.read() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    db.dispose()
