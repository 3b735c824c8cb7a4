"""The log's key is recorded by the first server to start; a server with another key is refused,
and two servers starting at once on a new database with the same key both start."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert
from tests.backends import POSTGRESQL

from consentgate.errors import ConfigError
from consentgate.ledger.note import NoteSigner
from consentgate.store import Database
from consentgate.store.coordination import claim_log_key, log_identity


def test_the_first_key_is_recorded_and_another_is_refused(database: Database) -> None:
    first, other = NoteSigner.generate("test/log"), NoteSigner.generate("test/log")
    claim_log_key(database, first.verifier)
    claim_log_key(database, first.verifier)  # the same key again: starts
    with pytest.raises(ConfigError, match="log key mismatch"):
        claim_log_key(database, other.verifier)


# PostgreSQL only: SQLite's writers take turns, so there the second always reads the first's key.
@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
@pytest.mark.parametrize("same_key", [True, False])
def test_a_server_that_loses_the_race_to_record_the_key_compares_with_the_winners(
    database: Database, same_key: bool
) -> None:
    winner = NoteSigner.generate("test/log")
    loser = winner if same_key else NoteSigner.generate("test/log")
    outcome: list[BaseException | None] = []

    def start_loser() -> None:
        try:
            claim_log_key(database, loser.verifier)
            outcome.append(None)
        except BaseException as err:  # the test reports whatever the thread raised
            outcome.append(err)

    # The winner's insert is not committed yet when the loser finds no key and inserts its own,
    # which waits on the winner's row and then fails on its key.
    with database.engine.connect() as conn, conn.begin():
        conn.execute(insert(log_identity).values(id=1, vkey=winner.verifier.encode()))
        loser_thread = threading.Thread(target=start_loser)
        loser_thread.start()
        loser_thread.join(timeout=1.0)
        assert loser_thread.is_alive()  # waiting on the winner's uncommitted row
    loser_thread.join(timeout=30)

    assert len(outcome) == 1
    if same_key:
        assert outcome[0] is None
    else:
        assert isinstance(outcome[0], ConfigError)
        assert "log key mismatch" in str(outcome[0])
