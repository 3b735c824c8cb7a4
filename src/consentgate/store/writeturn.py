"""Writers of one SQLite file take turns through a lock the kernel hands over, not by polling.

SQLite has one write lock per database. A writer that finds it taken (``BEGIN IMMEDIATE`` while
another process commits) does not wait on it: its busy handler sleeps and tries again, sleeping
longer each time (1, 2, 5, 10 … up to 100 ms). With several server processes appending to one
log, the loser of each race slept past many commits: measured with ``consentgate bench api`` at
2 workers, the p99 of the governed read was several times the 1-worker one. So each write
transaction first takes an exclusive ``flock`` on a file beside the database: a process waiting
for it is woken by the kernel the moment the holder lets go (or dies: the kernel drops a dead
process's locks), and SQLite's own lock is then free. Threads of one process queue on a lock of
their own first, since ``flock`` is held per open file, not per thread.

This only orders writers; SQLite's lock still guarantees the writes (a process without the turn
file, such as the ``sqlite3`` shell, still waits on SQLite's lock as before).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from consentgate.errors import Unavailable

#: How long a thread waits for its process's turn before it gives up (SQLite's busy timeout).
WAIT_SECONDS = 30.0


class WriteTurn:
    """The turn to write to the SQLite file at ``database``: :meth:`hold` around a transaction."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writer.lock")
        self._lock = threading.RLock()  # a transaction inside another in one thread is one turn
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=WAIT_SECONDS):
            raise Unavailable("the database is busy: no turn to write within 30 s")
        try:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)  # blocks without the GIL
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _file(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as err:
                raise Unavailable(
                    f"the database's write turn file cannot be opened: {err}"
                ) from err
        return self._fd

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
