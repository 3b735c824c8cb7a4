"""The log as the console shows it: its size, the latest signed checkpoint and its age, and full
verifications run in the background (the console's "verify now").

A verification is exactly ``consentgate log verify --database``: every tile and the root are
re-derived from the stored entries and checked against the signed checkpoint
(:func:`consentgate.ledger.verify.verify_log`). It runs in one background thread (one run at a
time), reports its progress (entries checked of the checkpoint's size), and its start, end and
result are stored (``log_verifications``), so the console shows the last full verification to
everyone, in every process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from consentgate.domain.clock import Clock
from consentgate.errors import Conflict, Error
from consentgate.ledger.logstore import LogReader, SignedCheckpoint
from consentgate.ledger.note import NoteVerifier
from consentgate.ledger.tiles import TileId
from consentgate.ledger.verify import UnsignedEntries, verify_log
from consentgate.store import Database
from consentgate.store import staff as rows
from consentgate.store.log import SqlLogStore
from consentgate.store.rows import from_row

log = logging.getLogger(__name__)
#: Entries may be committed a moment before a checkpoint signs them: wait this long, once.
PENDING_GRACE_SECONDS = 3.0


class StoreLogSource:
    """Reads a log straight from its database, as an auditor with database access would."""

    def __init__(self, db: Database) -> None:
        self.store = SqlLogStore(db)
        self.reader = LogReader(self.store, cache_tiles=0)

    def checkpoint_note(self) -> bytes:
        return self.reader.checkpoint().note

    def tile(self, tile: TileId) -> bytes:
        return self.reader.tile(tile)

    def first_unsigned(self, size: int) -> int | None:
        top = self.store.stored_size()  # every row, whatever the log's head says
        if top <= size:
            return None
        return self.store.entries(size, top)[0][0]


@dataclass(frozen=True, slots=True)
class Verification:
    """One full verification: who started it, when, and (once finished) what it found."""

    id: int
    started_at: datetime
    started_by: str
    finished_at: datetime | None
    size: int | None
    ok: bool | None
    message: str | None


@dataclass(frozen=True, slots=True)
class LogStatus:
    """What the console's log page shows."""

    size: int
    checkpoint: SignedCheckpoint | None
    last: Verification | None
    #: The run going on in this process: (entries checked, of how many), else None.
    running: tuple[int, int] | None


class LogChecks:
    """The log's status, and full verifications in a background thread."""

    def __init__(self, db: Database, clock: Clock, verifier: NoteVerifier) -> None:
        self.db = db
        self.clock = clock
        self.verifier = verifier
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._progress: tuple[int, int] = (0, 0)

    def status(self) -> LogStatus:
        store = SqlLogStore(self.db)
        with self.db.read() as conn:
            last = rows.last_verification(conn, finished=True)
        with self._lock:
            running = self._progress if self._thread is not None else None
        return LogStatus(
            store.committed_size(),
            store.latest_checkpoint(),
            from_row(Verification, last) if last is not None else None,
            running,
        )

    def start(self, started_by: str) -> int:
        """Start a full verification in the background; Conflict if one is running here."""
        with self._lock:
            if self._thread is not None:
                raise Conflict("a verification of the log is running already")
            with self.db.begin() as conn:
                run_id = rows.start_verification(conn, self.clock(), started_by)
            self._progress = (0, 0)
            self._thread = threading.Thread(
                target=self._run, args=(run_id,), name="log-verify", daemon=True
            )
            self._thread.start()
        return run_id

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running verification to end (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _progressed(self, done: int, total: int) -> None:
        with self._lock:
            self._progress = (done, total)

    def _verify(self) -> int:
        source = StoreLogSource(self.db)
        try:
            return verify_log(source, self.verifier, None, self._progressed).size
        except UnsignedEntries:
            time.sleep(PENDING_GRACE_SECONDS)
            return verify_log(source, self.verifier, None, self._progressed).size

    def _run(self, run_id: int) -> None:
        size: int | None = None
        try:
            size = self._verify()
            ok, message = True, f"verified {size} entries against the signed checkpoint"
        except Error as err:
            ok, message = False, err.message
        except Exception as err:  # recorded as a failed run, never lost with the thread
            log.exception("the log verification %d failed unexpectedly", run_id)
            ok, message = False, f"the verification could not finish: {err}"
        try:
            with self.db.begin() as conn:
                rows.finish_verification(
                    conn, run_id, self.clock(), size=size, ok=ok, message=message
                )
        finally:
            with self._lock:
                self._thread = None
