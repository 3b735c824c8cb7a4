"""The sequencer: durable appends with group commit, then integration and signed checkpoints.

* **Group commit.** :meth:`Sequencer.append` queues an entry and blocks until the transaction that
  stores it has committed; only then is its index returned. One writer thread drains the queue
  into batches of at most ``batch_max`` entries, waiting at most ``batch_wait`` seconds for a batch
  to fill, so concurrent callers share one commit. Callers wait on a :class:`PendingAppend` (one
  lock each) and the callers of one commit wake one another in turn (see
  :mod:`consentgate.ledger.pending`): with dozens of writer threads, handing each its result
  costs more than the commit does unless it is cheap.
* **Integration.** At most every ``checkpoint_interval`` seconds, when there are new entries, a
  second thread adds the new leaf hashes to the tiles (C2SP tlog-tiles) and signs a checkpoint
  (C2SP tlog-checkpoint) over the new root; tiles and checkpoint are written in one transaction.
* **One history.** Before signing, the new tree is checked against the last signed checkpoint:
  its root at the old size must be the old root (RFC 9162 §2.1.4 consistency). If not, nothing is
  signed and :class:`IntegrityError` is raised (and logged), and appends keep failing closed.
* The leaf hashes integrated are the ones this process committed, never rows found in the
  database, so a row written behind the sequencer's back cannot be signed: its index collides
  with the next append, which then fails.

A store failure fails the waiting appends with :class:`Unavailable`; nothing is acknowledged that
was not committed.
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future

from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import Conflict, Error, IntegrityError, InvalidInput, Unavailable
from consentgate.ledger import tree
from consentgate.ledger.entries import MAX_ENTRY_BYTES
from consentgate.ledger.logstore import LogReader, LogStore, NewEntries, SignedCheckpoint
from consentgate.ledger.note import Checkpoint, NoteSigner
from consentgate.ledger.pending import PendingAppend, WakeChain
from consentgate.ledger.tiles import (
    StoredTile,
    TileBuilder,
    edge_tiles,
    inner_levels,
    node_location,
)

log = logging.getLogger(__name__)

#: A queue length never reached: the writer is not waiting, so submitters need not wake it.
_NEVER = 1 << 62


class _FutureAppend(Future[int]):
    """A queued append for async callers, who await it through :func:`asyncio.wrap_future`
    (its callbacks wake the event loop, so it needs no place in a wake-up chain)."""

    def _resolve(self, index: int, chain: WakeChain) -> None:
        self.set_result(index)

    def _fail(self, error: BaseException, chain: WakeChain) -> None:
        self.set_exception(error)


#: A queued append: the entry, its annotation (or None) and what the caller waits on.
_Item = tuple[bytes, object, PendingAppend | _FutureAppend]


class Sequencer:
    """Appends entries durably and keeps signed checkpoints over them. Start with :meth:`start`."""

    def __init__(
        self,
        store: LogStore,
        signer: NoteSigner,
        *,
        checkpoint_interval: float = 1.0,
        batch_max: int = 512,
        batch_wait: float = 0.002,
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
        self._pending: list[bytes] = []  # leaf hashes committed, not yet integrated
        self._pending_lock = threading.Lock()
        self._integrate_lock = threading.Lock()  # one integration at a time
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failure: Error | None = None
        self._next = 0
        self._last_batch = 1
        self._last_chain = WakeChain()  # the waiters of the last commit (see ledger.pending)
        self._builder = TileBuilder()
        self._stale = False

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> Sequencer:
        """Load the state from the store, integrate anything committed but unsigned, and start."""
        latest = self.store.latest_checkpoint()
        size = latest.size if latest else 0
        self._builder = self._load_builder(size)
        if latest is not None and self._builder.root() != latest.root:
            raise IntegrityError(f"the stored tiles do not match the signed checkpoint of {size}")
        self._next = self.store.committed_size()
        if self._next < size:
            raise IntegrityError(f"entries {self._next}…{size - 1} of the signed log are missing")
        self._pending = self.store.leaf_hashes(size, self._next)
        if self.integrate() is None and latest is None:
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
        self._wake.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self._failure is None:
            self.integrate()

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
        future = _FutureAppend()
        self._enqueue(data, annotation, future)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    def _enqueue(
        self, data: bytes, annotation: object, waiter: PendingAppend | _FutureAppend
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
        first = self._next
        error = self._store(batch)
        # Callers of the previous commit still waiting were left by a caller that stopped the
        # chain; they have had this whole commit to wake one another, so wake them now.
        self._last_chain.wake_all()
        chain = self._last_chain = WakeChain()
        if error is None:
            for offset, (_, _, waiter) in enumerate(batch):
                waiter._resolve(first + offset, chain)
        else:
            for _, _, waiter in batch:
                waiter._fail(error, chain)
        chain.wake_next()

    def _store(self, batch: list[_Item]) -> Error | None:
        """Append ``batch`` to the store; the error every one of its callers gets, if any."""
        if self._failure is not None:
            return self._failure
        entries = [data for data, _, _ in batch]
        hashes = tree.leaf_hashes(entries)
        first = self._next
        try:
            annotations = [(first + i, a) for i, (_, a, _) in enumerate(batch) if a is not None]
            self.store.append(NewEntries(first, entries, hashes, annotations))
        except Conflict:
            self._fail(
                IntegrityError(
                    f"log index {first} was written outside the sequencer; refusing to append"
                )
            )
            return self._failure or Unavailable("the log failed")
        except Error as err:
            return err if isinstance(err, Unavailable) else Unavailable(str(err))
        except Exception as err:  # any driver failure must fail the waiters, not hang them
            log.exception("log append failed")
            return Unavailable(f"the log could not store the entry: {err}")
        self._next = first + len(batch)
        with self._pending_lock:
            self._pending.extend(hashes)
        return None

    def _fail(self, err: Error) -> None:
        log.error("the transparency log stopped: %s", err)
        self._failure = err

    # --- integration ------------------------------------------------------------------------
    def _integrate_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.checkpoint_interval)
            if self._stopping.is_set():
                return
            try:
                self.integrate()
            except IntegrityError:
                return
            except Error as err:
                log.warning("log integration failed, will retry: %s", err)

    def integrate(self) -> SignedCheckpoint | None:
        """Integrate the committed entries and sign a checkpoint; ``None`` when nothing is new."""
        with self._integrate_lock:
            return self._integrate()

    def _integrate(self, *, empty: bool = False) -> SignedCheckpoint | None:
        with self._pending_lock:
            new = self._pending
            self._pending = []
        if not new and not empty:
            return None
        try:
            previous = self.store.latest_checkpoint()
            if self._stale:
                self._builder = self._load_builder(previous.size if previous else 0)
                self._stale = False
            self._builder.add(new)
            tiles = self._builder.flush()
            size, root = self._builder.size, self._builder.root()
            candidate = Checkpoint(self.signer.name, size, root)
            signed = SignedCheckpoint(size, root, self.signer.sign(candidate.text()), self.clock())
            self._check_consistent(previous, signed, tiles)
            self.store.integrate(tiles, signed)
        except IntegrityError as err:
            self._fail(err)
            raise
        except Exception:
            # Nothing was signed durably: rebuild from the store and retry these leaves later.
            with self._pending_lock:
                self._pending = new + self._pending
            self._stale = True  # reload the tiles from the store on the next try
            raise
        return signed

    def _check_consistent(
        self, previous: SignedCheckpoint | None, new: SignedCheckpoint, tiles: list[StoredTile]
    ) -> None:
        """Refuse to sign ``new`` unless an RFC 9162 consistency proof from the last signed
        checkpoint verifies, with the proof read from the tiles about to be written over the store.
        """
        if previous is None:
            return
        if new.size < previous.size or (new.size == previous.size and new.root != previous.root):
            raise IntegrityError(f"refusing to sign size {new.size} after size {previous.size}")
        if new.size == previous.size or previous.size == 0:
            return  # every tree extends the empty tree (RFC 9162 §2.1.4 defines no proof from 0)
        fresh = {(t.level, t.index): t for t in tiles}

        def read(nodes: Sequence[tuple[int, int]]) -> list[bytes]:
            out = []
            for level, index in nodes:
                tl, ti, sub, pos = node_location(level, index)
                tile = fresh.get((tl, ti))
                out.append(
                    tile.node(sub, pos) if tile else self.reader.read_nodes([(level, index)])[0]
                )
            return out

        proof = tree.consistency_proof(previous.size, new.size, read)
        try:
            tree.verify_consistency(previous.size, new.size, previous.root, new.root, proof)
        except tree.ProofError as err:
            raise IntegrityError(
                f"refusing to sign size {new.size}: not consistent with the checkpoint signed at "
                f"size {previous.size} ({err})"
            ) from None

    def checkpoint(self) -> SignedCheckpoint:
        return self.reader.checkpoint()

    @property
    def verifier_key(self) -> str:
        """The log's C2SP note verifier key, ``<origin>+<hex key id>+<base64 key>``: what anyone
        needs to check its checkpoints (published at ``/log/vkey``)."""
        return self.signer.verifier.encode()
