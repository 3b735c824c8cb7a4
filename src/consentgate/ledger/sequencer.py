"""The sequencer: durable appends with group commit, then integration and signed checkpoints.

* **Group commit.** :meth:`Sequencer.append` queues an entry and blocks until the transaction that
  stores it has committed; only then is its index returned. One writer thread drains the queue
  into batches of at most ``batch_max`` entries, waiting at most ``batch_wait`` seconds for a batch
  to fill, so concurrent callers share one commit. Callers wait on a :class:`PendingAppend` (one
  lock each) and the callers of one commit wake one another in turn (see
  :mod:`consentgate.ledger.pending`): with dozens of writer threads, handing each its result
  costs more than the commit does unless it is cheap. Callers on an event loop
  (:meth:`Sequencer.append_async`) await a future of their loop, all of one commit's settled
  with one call.
* **No leader for appends.** The store assigns the indexes inside the transaction that stores
  the batch (the log's head row is read and moved by one ``UPDATE … RETURNING``, under the row's
  write lock on PostgreSQL and the database's after ``BEGIN IMMEDIATE`` on SQLite), as
  Trillian's and Tessera's database back ends do, so any number of processes append to one log,
  each with its own group commit.
* **Integration.** Exactly one process at a time integrates: the one holding the store's lease
  (:mod:`consentgate.ledger.lease`), which a second thread renews every ``RENEW_SECONDS`` and the
  other processes ask for as often. At most every ``checkpoint_interval`` seconds the holder reads
  the leaf hashes committed by any process since the last checkpoint, adds them to the tiles (C2SP
  tlog-tiles) and signs a checkpoint (C2SP tlog-checkpoint); tiles and checkpoint are written in
  one transaction, which the store refuses unless the lease is still held and the latest
  checkpoint is still the one the new one was checked against.
* **One history.** Before signing, the new tree is checked against the last signed checkpoint:
  its root at the old size must be the old root (RFC 9162 §2.1.4 consistency). If not, nothing is
  signed and :class:`IntegrityError` is raised (and logged), and appends keep failing closed.
* A row written behind the log's back at the head collides with the next append, which fails,
  and so does every later one in this process.

A store failure fails the waiting appends with :class:`Unavailable`; nothing is acknowledged that
was not committed.
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections import deque

from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import Conflict, Error, IntegrityError, InvalidInput, Unavailable
from consentgate.ledger import tree
from consentgate.ledger.entries import MAX_ENTRY_BYTES
from consentgate.ledger.lease import LEASE_SECONDS, RENEW_SECONDS
from consentgate.ledger.logstore import (
    Integration,
    LogReader,
    LogStore,
    NewEntries,
    SignedCheckpoint,
)
from consentgate.ledger.note import Checkpoint, NoteSigner
from consentgate.ledger.pending import PendingAppend, WakeChain
from consentgate.ledger.tiles import (
    TileBuilder,
    edge_tiles,
    inner_levels,
)

log = logging.getLogger(__name__)

#: A queue length never reached: the writer is not waiting, so submitters need not wake it.
_NEVER = 1 << 62
#: The most leaf hashes read from the store at once.
_READ_MAX = 1 << 16


def process_name() -> str:
    """A name for this process in the lease: host, process id and a random part (unique even
    when a process id is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class _LoopAppend:
    """A queued append for async callers: a future of the caller's event loop.

    The writer settles all of one commit's futures on a loop with one ``call_soon_threadsafe``
    (:func:`_settle`): one wake-up of the loop per commit, not one per append as a
    :class:`concurrent.futures.Future` wrapped by :func:`asyncio.wrap_future` costs (a lock,
    a condition and a thread-safe call each).
    """

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[int] = loop.create_future()


def _settle(settled: list[tuple[asyncio.Future[int], int | Error]]) -> None:
    """On the event loop: give each waiting future its index or its error (one a timeout has
    cancelled is left alone)."""
    for future, outcome in settled:
        if future.done():
            continue
        if isinstance(outcome, Error):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


#: A queued append: the entry, its annotation (or None) and what the caller waits on.
_Item = tuple[bytes, object, PendingAppend | _LoopAppend]


class Sequencer:
    """Appends entries durably and keeps signed checkpoints over them. Start with :meth:`start`."""

    def __init__(
        self,
        store: LogStore,
        signer: NoteSigner,
        *,
        checkpoint_interval: float = 1.0,
        batch_max: int = 512,
        batch_wait: float = 0.010,
        clock: Clock = system_clock,
    ) -> None:
        if batch_max < 1 or batch_wait < 0 or checkpoint_interval <= 0:
            raise InvalidInput("batch_max ≥ 1, batch_wait ≥ 0 and checkpoint_interval > 0")
        self.store = store
        self.signer = signer
        self.reader = LogReader(store)
        self.checkpoint_interval = checkpoint_interval
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.clock = clock
        # The queue of appends: a deque (appends and pops are atomic) plus a wake-up lock, rather
        # than a queue.SimpleQueue, so that the writer is woken once when the batch it waits for
        # is there, not once per entry (each wake-up is a GIL hand-off between two threads).
        self._queue: deque[_Item | None] = deque()
        self._wakeup = _thread.allocate_lock()  # released to wake the writer; see _signal
        self._wanted = _NEVER  # queue length at which submitters wake the writer
        self._closing = False
        self.holder = process_name()
        self._leader = False  # whether this process held the lease at its last renewal
        self._last_signed = 0.0  # monotonic time of the last try to integrate
        self._integrate_lock = threading.Lock()  # one integration at a time
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failure: Error | None = None
        self._last_batch = 1
        self._last_chain = WakeChain()  # the waiters of the last commit (see ledger.pending)
        self._builder = TileBuilder()
        self._stale = False

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> Sequencer:
        """Check the stored tiles against the signed checkpoint, take the lease if it is free,
        integrate anything committed but unsigned, and start."""
        latest = self.store.latest_checkpoint()
        size = latest.size if latest else 0
        self._builder = self._load_builder(size)
        if latest is not None and self._builder.root() != latest.root:
            raise IntegrityError(f"the stored tiles do not match the signed checkpoint of {size}")
        if self.store.committed_size() < size:
            raise IntegrityError(f"entries of the signed log of size {size} are missing")
        if self._renew() and self.integrate() is None and latest is None:
            # A new, empty log still has a signed head (RFC 9162 §2.1.1: the hash of the empty
            # string), so /log/checkpoint answers from the first start and witnesses can begin.
            with self._integrate_lock:
                self._integrate(empty=True)
        self._threads = [
            threading.Thread(target=self._write_loop, name="log-writer", daemon=True),
            threading.Thread(target=self._integrate_loop, name="log-integrator", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Finish queued appends, integrate them, and stop the threads."""
        self._queue.append(None)
        self._closing = True  # after the None: the writer stops waiting for a batch to fill
        self._signal()
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
        try:
            if self._failure is None:
                self.integrate()
        finally:
            with contextlib.suppress(Error):
                self.store.release_lease(self.holder)
            self._leader = False

    def _load_builder(self, size: int) -> TileBuilder:
        edge = self.reader.read_nodes(tree.range_nodes(0, size)) if size else []
        partial_ids = edge_tiles(size)
        stored = self.store.tiles([(t.level, t.index) for t in partial_ids])
        partial = {}
        for tile_id in partial_ids:
            found = stored.get((tile_id.level, tile_id.index))
            if found is None or found.width < tile_id.width:
                raise IntegrityError(f"the store lacks hash tile {tile_id.path()}")
            if inner_levels(found.hashes) != found.inner:
                raise IntegrityError(f"stored hash tile {tile_id.path()} is not self-consistent")
            partial[(tile_id.level, tile_id.index)] = found.hashes[: tile_id.width * 32]
        return TileBuilder(size, edge, partial)

    @property
    def accepting(self) -> bool:
        """Whether appends are taken now: started, not stopping, and not stopped by a failure."""
        return self._failure is None and bool(self._threads) and not self._closing

    # --- appends ----------------------------------------------------------------------------
    def submit(self, data: bytes, annotation: object = None) -> PendingAppend:
        """Queue ``data``; the returned :class:`PendingAppend` gives its index once committed.

        ``annotation``, if any, is handed to the store with the entry's index and written in the
        same transaction (see :meth:`LogStore.append`).
        """
        pending = PendingAppend()
        self._enqueue(data, annotation, pending)
        return pending

    def append(self, data: bytes, timeout: float | None = 30.0, annotation: object = None) -> int:
        """Append ``data`` and return its index, after the commit that made it durable."""
        return self.submit(data, annotation).result(timeout)

    async def append_async(
        self, data: bytes, timeout: float | None = 30.0, annotation: object = None
    ) -> int:
        """:meth:`append` for async code: awaits the commit without holding a thread."""
        waiter = _LoopAppend(asyncio.get_running_loop())
        self._enqueue(data, annotation, waiter)
        # asyncio.timeout, not wait_for: no extra task per append (Python 3.11+).
        async with asyncio.timeout(timeout):
            return await waiter.future

    def _enqueue(
        self, data: bytes, annotation: object, waiter: PendingAppend | _LoopAppend
    ) -> None:
        if not data or len(data) > MAX_ENTRY_BYTES:
            raise InvalidInput(f"a log entry is 1 to {MAX_ENTRY_BYTES} bytes")
        if self._failure is not None:
            raise self._failure
        if not self._threads:
            raise Unavailable("the log sequencer is not running")
        self._queue.append((data, annotation, waiter))
        if len(self._queue) >= self._wanted:
            self._signal()

    def _signal(self) -> None:
        # The wake-up lock is a binary semaphore: releasing it twice is harmless (the writer
        # re-checks the queue whenever it wakes, so a stale release only costs one spin).
        with contextlib.suppress(RuntimeError):  # already released: the writer wakes anyway
            self._wakeup.release()

    def _wait_for(self, count: int, deadline: float | None) -> bool:
        """Wait until ``count`` appends are queued or the sequencer stops (True), or until
        ``deadline`` passes (False)."""
        queued = self._queue
        while len(queued) < count and not self._closing:
            self._wanted = count  # published before the check below, so no signal is lost
            if len(queued) >= count:
                break
            if deadline is None:
                self._wakeup.acquire()
            else:
                left = deadline - time.monotonic()
                if left <= 0 or not self._wakeup.acquire(timeout=left):
                    self._wanted = _NEVER
                    return len(queued) >= count
        self._wanted = _NEVER
        return True

    def _write_loop(self) -> None:
        queued = self._queue
        while True:
            if not self._wait_for(1, time.monotonic() + self.batch_wait):
                # Idle: wake the waiters of the last commit whose wake-up was not passed on.
                self._last_chain.wake_all()
                self._wait_for(1, None)
            # Wait for more only until the batch is as big as the last one: the callers that
            # were waiting then are back, and waiting longer would only add latency.
            target = min(self.batch_max, self._last_batch)
            if target > 1:
                self._wait_for(target, time.monotonic() + self.batch_wait)
            batch: list[_Item] = []
            stop = False
            # Only this thread pops, so the queue holds at least what was counted.
            for _ in range(min(len(queued), self.batch_max)):
                item = queued.popleft()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            if batch:
                self._last_batch = len(batch)
                self._commit(batch)
            if stop:
                self._last_chain.wake_all()
                return

    def _commit(self, batch: list[_Item]) -> None:
        """Store ``batch`` in one transaction, then let its callers go: the committed get their
        index, and on any failure every one of them gets the error (fail closed)."""
        first, error = self._store(batch)
        # Callers of the previous commit still waiting were left by a caller that stopped the
        # chain; they have had this whole commit to wake one another, so wake them now.
        self._last_chain.wake_all()
        chain = self._last_chain = WakeChain()
        loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], int | Error]]] = {}
        for offset, (_, _, waiter) in enumerate(batch):
            if isinstance(waiter, _LoopAppend):
                settled = error if error is not None else first + offset
                loops.setdefault(waiter.loop, []).append((waiter.future, settled))
            elif error is None:
                waiter._resolve(first + offset, chain)
            else:
                waiter._fail(error, chain)
        for loop, settled_here in loops.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting there
                loop.call_soon_threadsafe(_settle, settled_here)
        chain.wake_next()

    def _store(self, batch: list[_Item]) -> tuple[int, Error | None]:
        """Append ``batch`` to the store: the index of its first entry, or the error every one of
        its callers gets."""
        if self._failure is not None:
            return 0, self._failure
        entries = [data for data, _, _ in batch]
        hashes = tree.leaf_hashes(entries)
        try:
            annotations = [(i, a) for i, (_, a, _) in enumerate(batch) if a is not None]
            return self.store.append(NewEntries(entries, hashes, annotations)), None
        except Conflict as err:
            self._fail(IntegrityError(f"{err}: written outside the log; refusing to append"))
            return 0, self._failure or Unavailable("the log failed")
        except Error as err:
            return 0, err if isinstance(err, Unavailable) else Unavailable(str(err))
        except Exception as err:  # any driver failure must fail the waiters, not hang them
            log.exception("log append failed")
            return 0, Unavailable(f"the log could not store the entry: {err}")

    def _fail(self, err: Error) -> None:
        log.error("the transparency log stopped: %s", err)
        self._failure = err

    # --- integration ------------------------------------------------------------------------
    def _integrate_loop(self) -> None:
        while not self._stopping.wait(min(RENEW_SECONDS, self.checkpoint_interval)):
            if not self._renew():
                continue
            if time.monotonic() - self._last_signed < self.checkpoint_interval:
                continue
            try:
                self.integrate()
            except IntegrityError:
                # Stop integrating and give the lease up: whoever takes it checks the history
                # again (and refuses to sign just the same if it is not one history).
                with contextlib.suppress(Error):
                    self.store.release_lease(self.holder)
                self._leader = False
                return
            except Error as err:
                log.warning("log integration failed, will retry: %s", err)

    def _renew(self) -> bool:
        """Take or renew the integration lease; a process that just took it over reloads the
        tiles from the store (another process signed meanwhile) and integrates at once."""
        try:
            held = self.store.hold_lease(self.holder, LEASE_SECONDS)
        except Error as err:
            log.warning("the integration lease could not be renewed: %s", err)
            held = False
        if held and not self._leader:
            log.info("this process integrates the log now (%s)", self.holder)
            self._stale = True
            self._last_signed = 0.0
        self._leader = held
        return held

    @property
    def integrating(self) -> bool:
        """Whether this process held the integration lease at its last renewal."""
        return self._leader

    def integrate(self) -> SignedCheckpoint | None:
        """Integrate the entries committed by any process and sign a checkpoint; ``None`` when
        nothing is new or another process holds the lease."""
        with self._integrate_lock:
            if not self._renew():
                return None
            return self._integrate()

    def _integrate(self, *, empty: bool = False) -> SignedCheckpoint | None:
        self._last_signed = time.monotonic()  # at most one try per interval, signed or not
        try:
            previous = self.store.latest_checkpoint()
            signed_size = previous.size if previous else 0
            if self._stale or self._builder.size != signed_size:
                self._builder = self._load_builder(signed_size)
                self._stale = False
            head = self.store.committed_size()
            if head <= signed_size and not (empty and previous is None):
                return None
            for start in range(signed_size, head, _READ_MAX):
                end = min(head, start + _READ_MAX)
                new = self.store.leaf_hashes(start, end)
                if len(new) != end - start:
                    raise IntegrityError(f"entries {start}…{end - 1} of the log are missing")
                self._builder.add(new)
            tiles = self._builder.flush()
            size, root = self._builder.size, self._builder.root()
            candidate = Checkpoint(self.signer.name, size, root)
            signed = SignedCheckpoint(size, root, self.signer.sign(candidate.text()), self.clock())
            self.reader.check_extends(previous, signed, tiles)
            after = previous.size if previous else None
            self.store.integrate(Integration(tiles, signed, after, self.holder))
        except IntegrityError as err:
            self._stale = True
            self._fail(err)
            raise
        except Exception:
            # Nothing was signed durably: rebuild from the store and try again later.
            self._stale = True
            raise
        return signed

    def checkpoint(self) -> SignedCheckpoint:
        return self.reader.checkpoint()

    @property
    def verifier_key(self) -> str:
        """The log's C2SP note verifier key, ``<origin>+<hex key id>+<base64 key>``: what anyone
        needs to check its checkpoints (published at ``/log/vkey``)."""
        return self.signer.verifier.encode()
