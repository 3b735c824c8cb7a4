"""Rows changed behind the sequencer's back: `log verify` fails and names the index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from consentgate.cli.log import DatabaseLogSource, app
from consentgate.errors import IntegrityError
from consentgate.ledger import tree
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.sequencer import Sequencer
from consentgate.ledger.verify import LogTampered, UnsignedEntries, verify_log
from consentgate.store import Database
from consentgate.store.coordination import log_head
from consentgate.store.log import SqlLogStore, log_checkpoints, log_entries, log_tiles

ORIGIN = "tamper.example/log"


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def log(database: Database, signer: NoteSigner) -> SqlLogStore:
    store = SqlLogStore(database)
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    pending = [seq.submit(f"decision {i:04d}".encode()) for i in range(600)]
    assert [p.result(30) for p in pending] == list(range(600))
    seq.stop()
    return store


def _set_data(db: Database, index: int, data: bytes) -> None:
    with db.begin() as conn:
        conn.execute(
            update(log_entries)
            .where(log_entries.c.idx == index)
            .values(data=data, leaf_hash=tree.leaf_hash(data))
        )


def test_the_untouched_log_verifies(
    log: SqlLogStore, signer: NoteSigner, database_url: str
) -> None:
    assert verify_log(DatabaseLogSource(database_url), signer.verifier).size == 600


def test_a_changed_row_is_named(log: SqlLogStore, signer: NoteSigner, database_url: str) -> None:
    _set_data(log.db, 417, b"decision 0417 (allowed after all)")
    with pytest.raises(LogTampered, match="entry 417") as caught:
        verify_log(DatabaseLogSource(database_url), signer.verifier)
    assert caught.value.index == 417


def _slip_in(db: Database, index: int) -> None:
    """Write an entry row behind the sequencer's back, as an attacker with database access would."""
    with db.begin() as conn:
        conn.execute(
            insert(log_entries).values(
                idx=index,
                data=b"slipped in",
                leaf_hash=tree.leaf_hash(b"slipped in"),
                created_at=conn.execute(select(log_checkpoints.c.signed_at)).scalars().first(),
            )
        )


def test_a_deleted_row_is_named(log: SqlLogStore, signer: NoteSigner, database_url: str) -> None:
    with log.db.begin() as conn:
        conn.execute(delete(log_entries).where(log_entries.c.idx == 300))
    with pytest.raises(IntegrityError, match="entry 300"):
        verify_log(DatabaseLogSource(database_url), signer.verifier)


def test_reordered_rows_are_named(log: SqlLogStore, signer: NoteSigner, database_url: str) -> None:
    _set_data(log.db, 12, b"decision 0013")
    _set_data(log.db, 13, b"decision 0012")
    with pytest.raises(LogTampered, match="entry 12"):
        verify_log(DatabaseLogSource(database_url), signer.verifier)


def test_an_appended_row_is_named(log: SqlLogStore, signer: NoteSigner, database_url: str) -> None:
    _slip_in(log.db, 600)
    with pytest.raises(UnsignedEntries, match="entry 600"):
        verify_log(DatabaseLogSource(database_url), signer.verifier)


def test_the_sequencer_refuses_an_index_written_behind_its_back(
    log: SqlLogStore, signer: NoteSigner
) -> None:
    seq = Sequencer(log, signer, checkpoint_interval=3600).start()
    try:
        _slip_in(log.db, 600)
        with pytest.raises(IntegrityError, match="index 600 was written outside the log"):
            seq.append(b"an honest decision")
        with pytest.raises(IntegrityError):
            seq.append(b"and it stays closed")
    finally:
        seq.stop()
    latest = log.latest_checkpoint()
    assert latest is not None
    assert latest.size == 600


@pytest.fixture
def verify_args(signer: NoteSigner, database_url: str, tmp_path: Path) -> list[str]:
    """``log verify`` of the test's database with the log's verifier key, remembering the last
    checkpoint it verified in a state file."""
    args = ["verify", "--database", database_url, "--vkey", signer.verifier.encode()]
    return [*args, "--state-file", str(tmp_path / "state.json")]


def test_the_cli_exits_non_zero_naming_the_index(log: SqlLogStore, verify_args: list[str]) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, verify_args)
    assert ok.exit_code == 0, ok.output
    assert "600 entries" in ok.output
    _set_data(log.db, 5, b"rewritten")
    bad = runner.invoke(app, verify_args)
    assert bad.exit_code != 0
    assert isinstance(bad.exception, LogTampered)
    assert "entry 5" in str(bad.exception)


def test_the_cli_remembers_the_last_checkpoint_and_catches_a_rewrite(
    log: SqlLogStore, signer: NoteSigner, database_url: str, verify_args: list[str]
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, verify_args).exit_code == 0
    # Someone with the key rebuilds the whole log with entry 3 changed, and re-signs it.
    with log.db.begin() as conn:
        for table in (log_checkpoints, log_tiles, log_entries):
            conn.execute(table.delete())
        conn.execute(log_head.update().values(size=0))
    forged = Sequencer(log, signer, checkpoint_interval=3600).start()
    for i in range(700):
        forged.append(b"forged" if i == 3 else f"decision {i:04d}".encode())
    forged.stop()
    assert verify_log(DatabaseLogSource(database_url), signer.verifier).size == 700
    again = runner.invoke(app, verify_args)
    assert again.exit_code != 0
    assert "not consistent with the checkpoint of size 600" in str(again.exception)


def test_the_command_prints_one_line_and_exits_1(
    log: SqlLogStore, signer: NoteSigner, database_url: str, tmp_path: Path
) -> None:
    _set_data(log.db, 5, b"rewritten")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "consentgate.cli.log",
            "verify",
            "--database",
            database_url,
            "--vkey",
            signer.verifier.encode(),
            "--state-file",
            str(tmp_path / "state.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "entry 5" in done.stderr
