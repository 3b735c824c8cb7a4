"""The `consentgate` command as a newcomer meets it: migrate, seed, and clear errors on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consentgate.store import Database
from consentgate.store.tables import friendships, grants, messages, people

#: The installed command, beside the interpreter running the tests (the .venv).
EXE = str(Path(sys.executable).parent / "consentgate")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def counts(url: str) -> dict[str, int]:
    db = Database.connect(url)
    with db.read() as conn:
        found = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (people, friendships, messages, grants)
        }
    db.dispose()
    return found


def test_a_malformed_database_url_is_named_not_a_traceback(tmp_path: Path) -> None:
    done = run("db", "upgrade", env={"CONSENTGATE_DATABASE_URL": "mysql://nope"})
    assert done.returncode == 1
    assert done.stderr.strip().startswith("consentgate: error: CONSENTGATE_DATABASE_URL")
    assert "Traceback" not in done.stderr


def test_the_demo_seed_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path}/{name}.db" for name in ("a", "b", "c")]
    for url, seed in zip(urls, ("7", "7", "8"), strict=True):
        done = run("demo", "seed", "--people", "300", "--seed", seed, "--database", url)
        assert done.returncode == 0, done.stderr
    a, b, c = (counts(u) for u in urls)
    assert a == b
    assert a != c
    assert a["people"] == 304  # the four documented demo people on top


def test_seeding_a_store_that_holds_people_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/full.db"
    assert run("demo", "seed", "--people", "50", "--database", url).returncode == 0
    before = counts(url)
    again = run("demo", "seed", "--people", "50", "--database", url)
    assert again.returncode == 1
    assert "already holds people" in again.stderr
    assert counts(url) == before
    assert run("demo", "seed", "--if-empty", "--database", url).returncode == 0
    assert counts(url) == before


@pytest.mark.parametrize("args", [("--people", "0"), ("--people", "-5"), ("--seed", "-1")])
def test_out_of_range_seed_arguments_write_nothing(tmp_path: Path, args: tuple[str, str]) -> None:
    url = f"sqlite:///{tmp_path}/none.db"
    done = run("demo", "seed", *args, "--database", url)
    assert done.returncode != 0
    assert not (tmp_path / "none.db").exists()


def test_a_bad_public_url_stops_the_server_with_the_variable_named() -> None:
    done = run("serve", env={"CONSENTGATE_PUBLIC_URL": "consent.example.com/?x"})
    assert done.returncode == 1
    assert done.stderr.strip().startswith("consentgate: error: CONSENTGATE_PUBLIC_URL")
    assert "Traceback" not in done.stderr
