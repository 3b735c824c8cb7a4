"""The databases the suite runs on: SQLite always, PostgreSQL when ``CONSENTGATE_TEST_DATABASE_URL``
names a server (``.ci/run`` starts one and refuses to run without it, so CI never skips it).

``BACKENDS`` parametrizes the ``database_url`` fixture (tests/conftest.py); a test that means
PostgreSQL alone asks for ``[POSTGRESQL]`` with ``indirect=True``."""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("CONSENTGATE_TEST_DATABASE_URL")
POSTGRESQL = pytest.param(
    "postgresql",
    marks=pytest.mark.skipif(PG_URL is None, reason="CONSENTGATE_TEST_DATABASE_URL is not set"),
)
BACKENDS = ["sqlite", POSTGRESQL]
