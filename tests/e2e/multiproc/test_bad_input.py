"""What ``consentgate serve`` refuses before serving: a worker count out of range, a second server
whose log key is not the database's, and a SQLite file on a network file system."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from consentgate.errors import ConfigError
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.coordination import SqliteLease, check_one_machine
from consentgate.store.db import network_file_system

from .servers import EXE, ORIGIN, make_world


def serve(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--workers", "0"], {}),
        (["--workers", "257"], {}),
        ([], {"CONSENTGATE_WORKERS": "-3"}),
        ([], {"CONSENTGATE_WORKERS": "1000"}),
    ],
)
def test_a_worker_count_out_of_range_is_refused_in_one_line(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    done = serve(*args, env={**env, "CONSENTGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cg.db"})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "consentgate: error: CONSENTGATE_WORKERS: the number of server processes is between 1 "
        "and 256"
    )
    assert not (tmp_path / "cg.db").exists()  # refused before anything was written


@pytest.mark.parametrize("threads", ["0", "65", "many"])
def test_a_thread_count_out_of_range_is_refused_in_one_line(threads: str, tmp_path: Path) -> None:
    env = {
        "CONSENTGATE_THREADS": threads,
        "CONSENTGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cg.db",
    }
    done = serve(env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("consentgate: error: CONSENTGATE_THREADS: ")
    assert not (tmp_path / "cg.db").exists()


def test_a_second_server_with_another_log_key_refuses_to_start(
    database_url: str, tmp_path: Path
) -> None:
    first = make_world(database_url, tmp_path / "first")
    _, signer = first.services.prepare()  # the first server's start records its key
    first.services.db.dispose()
    done = serve(
        "--workers",
        "1",
        env={
            "CONSENTGATE_DATABASE_URL": database_url,
            "CONSENTGATE_DATA_DIR": str(tmp_path / "second"),  # a new key is made there
            "CONSENTGATE_LOG_ORIGIN": ORIGIN,
            "CONSENTGATE_ADMIN_TOKEN": "bad-input-admin-token",
        },
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "log key mismatch" in done.stderr
    assert signer.verifier.encode() in done.stderr
    # The first server's key is still accepted (another process or host with the same key).
    again = Services(first.settings, Database.connect(database_url))
    assert again.prepare()[1].verifier == signer.verifier
    again.db.dispose()


def test_a_sqlite_file_on_a_network_share_is_refused(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    share.mkdir()
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nserver:/export {share} nfs4 rw 0 0\n")
    assert network_file_system(share / "cg.db", mounts) == "nfs4"
    assert network_file_system(tmp_path / "local.db", mounts) is None


def test_a_sqlite_log_integrated_on_another_machine_is_refused(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path}/cg.db", tmp_path)
    db: Database = world.services.db
    assert SqliteLease(db).hold("other-host:4242:abcd", 30)
    with pytest.raises(ConfigError, match="another machine"):
        check_one_machine(db, "this-host")
    check_one_machine(db, "other-host")  # the same machine may run more processes
    db.dispose()
