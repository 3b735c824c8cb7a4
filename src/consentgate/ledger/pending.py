"""What a caller of :meth:`Sequencer.submit` waits on: one append's index, once committed.

Hand-written instead of :class:`concurrent.futures.Future`. A future is a ``threading.Condition``
(an RLock, a waiter lock allocated on every wait, a deque of waiters, a list of callbacks); with
dozens of threads each waiting for one append, that Python-level bookkeeping, paid on both sides
of every hand-off, limited append throughput. A :class:`PendingAppend` is one C lock, taken when
the append is queued and released once when its outcome is known, so a caller waits in C.

**Wake-ups are passed along.** After a group commit, the writer does not release every caller of
the batch itself: 64 threads made runnable at once all fight for the GIL, and on a small machine
most of a hand-off is then the kernel putting them back to sleep. Instead the batch's waiters form
a :class:`WakeChain`: the writer wakes the first, and each caller, as it wakes, wakes the next,
so one thread wakes while the one before it runs (measured with 64 threads: about half the time
per hand-off of waking them all at once). A caller that never asks for its result (it timed out,
or dropped the handle) would stop the chain, so the writer also calls :meth:`WakeChain.wake_all`
before its next commit and when it falls idle: a stopped chain costs at most the batch wait, and
never a lost wake-up.
"""

from __future__ import annotations

import _thread
from collections import deque


class WakeChain:
    """The waiters of one commit, woken one after the other (see the module docstring).

    Each waiter is popped exactly once, by whichever thread gets to it first (``deque.popleft``
    is atomic), so none is released twice.
    """

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: deque[PendingAppend] = deque()

    def __len__(self) -> int:
        """How many waiters are not yet released."""
        return len(self._waiters)

    def add(self, waiter: PendingAppend) -> None:
        self._waiters.append(waiter)
        waiter._chain = self

    def wake_next(self) -> None:
        """Release the next waiter not yet released, if any."""
        try:
            waiter = self._waiters.popleft()
        except IndexError:
            return
        waiter._done.release()

    def wake_all(self) -> None:
        """Release every waiter not yet released."""
        while self._waiters:
            self.wake_next()


class PendingAppend:
    """A queued append: :meth:`result` blocks until its commit and returns the entry's index."""

    __slots__ = ("_chain", "_done", "_error", "_index")

    def __init__(self) -> None:
        self._done = _thread.allocate_lock()
        self._done.acquire()  # released once, when the outcome is known
        self._index = -1
        self._error: BaseException | None = None
        self._chain: WakeChain | None = None

    def result(self, timeout: float | None = None) -> int:
        """The entry's index once committed, or the append's error if it failed.

        :class:`TimeoutError` if neither is known within ``timeout`` seconds; the entry may still
        be committed later.
        """
        if not self._done.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
            raise TimeoutError("the log append was not committed in time")
        self._done.release()  # leave it released, so that result() can be asked again
        chain = self._chain
        if chain is not None:
            self._chain = None
            chain.wake_next()
        if self._error is not None:
            raise self._error
        return self._index

    def _resolve(self, index: int, chain: WakeChain) -> None:
        self._index = index
        chain.add(self)

    def _fail(self, error: BaseException, chain: WakeChain) -> None:
        self._error = error
        chain.add(self)
