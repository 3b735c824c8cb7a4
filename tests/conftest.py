"""Shared fixtures: a freshly migrated database per test, on SQLite and (when configured) PostgreSQL.

``CONSENTGATE_TEST_DATABASE_URL`` names a PostgreSQL server where the tests may create and drop
databases (``.ci/run`` starts one). Without it the PostgreSQL half is skipped; ``.ci/run`` refuses
to run without it, so CI never skips it.

``CONSENTGATE_EXPECT_ENGINE`` (``compiled`` or ``interpreted``) says which build of the decision
engine this run must test: ``make test`` runs the suite on the editable source (interpreted) and
the engine's tests again on the compiled wheel installed in ``.venv-compiled``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.backends import BACKENDS, PG_URL

import consentgate
from consentgate.config import Settings
from consentgate.policy.compiled import engine_build
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import FrozenClock


def _pg_admin_url() -> str:
    assert PG_URL is not None
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _pg_execute(sql: str) -> None:
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database.connect(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"cg_template_{uuid.uuid4().hex[:10]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    db = Database.connect(
        make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    )
    upgrade(db)
    db.dispose()
    yield name
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a freshly migrated, empty database of each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "consentgate.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"cg_test_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.connect(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data", log_origin="test.example/log"
    )


@pytest.fixture
def services(settings: Settings, database: Database, clock: FrozenClock) -> Services:
    return Services(settings, database, clock=clock)


def pytest_configure(config: pytest.Config) -> None:
    """CI sets CONSENTGATE_REQUIRE_POSTGRES: then running without PostgreSQL is an error, not a skip.

    Testing another build of the engine than ``CONSENTGATE_EXPECT_ENGINE`` names is an error too:
    the compiled run must not quietly test the source, nor the source run a stray extension.
    """
    if os.environ.get("CONSENTGATE_REQUIRE_POSTGRES") and PG_URL is None:
        raise pytest.UsageError(
            "CONSENTGATE_REQUIRE_POSTGRES is set but CONSENTGATE_TEST_DATABASE_URL is not"
        )
    expected = os.environ.get("CONSENTGATE_EXPECT_ENGINE")
    package = Path(consentgate.__file__).resolve().parent
    if expected is not None and expected != engine_build():
        raise pytest.UsageError(
            f"CONSENTGATE_EXPECT_ENGINE={expected}, but the engine imported from {package} "
            f"runs {engine_build()}"
        )
    if expected == "compiled" and package.is_relative_to(config.rootpath / "src"):
        raise pytest.UsageError(f"the compiled run must test an installed wheel, not {package}")


def pytest_report_header() -> str:
    """Which package, and which build of its engine, this run tests."""
    return f"consentgate: {Path(consentgate.__file__).resolve().parent} (engine {engine_build()})"
