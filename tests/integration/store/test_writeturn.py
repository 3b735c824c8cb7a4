"""SQLite writers take turns through a file lock: one at a time across threads and processes, a
dead holder's turn is freed by the kernel, and a transaction inside another is one turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from consentgate.store import Database
from consentgate.store.writeturn import WriteTurn

_HOLDER = """
import sys, time
from pathlib import Path
from consentgate.store.writeturn import WriteTurn
with WriteTurn(Path(sys.argv[1])).hold():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(database: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the turn for ``seconds`` (it says so once it does)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_writer_waits_for_another_process_turn_and_goes_as_soon_as_it_ends(
    tmp_path: Path,
) -> None:
    database = tmp_path / "cg.db"
    holder = _holder(database, 0.6)
    started = time.monotonic()
    with WriteTurn(database).hold():
        waited = time.monotonic() - started
    holder.wait(10)
    assert 0.3 < waited < 5


def test_a_killed_holder_frees_the_turn(tmp_path: Path) -> None:
    database = tmp_path / "cg.db"
    holder = _holder(database, 600)
    threading.Timer(0.3, lambda: os.kill(holder.pid, signal.SIGKILL)).start()
    started = time.monotonic()
    with WriteTurn(database).hold():
        waited = time.monotonic() - started
    holder.wait(10)
    assert waited < 5


def test_threads_take_turns_and_a_nested_transaction_is_one_turn(tmp_path: Path) -> None:
    turn = WriteTurn(tmp_path / "cg.db")
    inside = 0
    most = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(20):
            with turn.hold(), turn.hold():  # nested: must not wait for itself
                with guard:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.001)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert most == 1
    turn.close()


def test_a_sqlite_database_writes_under_its_turn(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite:///{tmp_path}/cg.db")
    holder = _holder(tmp_path / "cg.db", 0.5)
    started = time.monotonic()
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    waited = time.monotonic() - started
    holder.wait(10)
    db.dispose()
    assert waited > 0.25
