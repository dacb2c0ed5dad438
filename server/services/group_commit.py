"""Group commit: many concurrent requests' writes in one transaction.

Issuing a ticket is a few small writes and a commit, and the commit (an fsync on SQLite,
a round trip and WAL flush on PostgreSQL) and the per-transaction bookkeeping (event
numbering, the queue-changed counts) cost more than the ticket itself. When kiosks issue
at the same time, one request (the *leader*) runs everyone's pending work as one batch in
one transaction on its own database session, and hands each the outcome of its part.

No background thread: the first request to arrive when no batch is running leads; it
lets the other ready requests run first (under gevent, until the event loop is idle, for
at most GATHER_AT_MOST: this is where a batch fills up) and takes everything queued.
Requests that arrive while a batch runs queue for the next one, which the first of them
leads. At concurrency 1 a batch is the one request. Works the same with greenlets (gevent
patches the ``threading`` primitives used here) and with threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import gevent
from gevent import monkey

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

# run(items) -> one outcome per item, in order: a result, or the exception to raise in
# that item's request.
BatchRunner = Callable[[Sequence[Item]], Sequence["Outcome | BaseException"]]


# The longest a leader waits for the event loop to go idle: a loop kept busy by other work
# (thousands of phones being pushed their places) must not hold the batch back.
GATHER_AT_MOST = 0.005


def _let_others_run() -> None:
    """Let the requests that are ready to run reach :meth:`GroupCommit.submit`.

    Under gevent, ``sleep(0)`` would resume this greenlet before the event loop polls the
    sockets; ``gevent.idle()`` waits until every greenlet that can run has (the sockets with
    a request waiting included), here for at most GATHER_AT_MOST. With threads, a plain
    yield."""
    if _gevent is not None:
        with _gevent.Timeout(GATHER_AT_MOST, False):
            _gevent.idle()
    else:
        time.sleep(0)


# gevent when it has patched threading (the production server), else None (threads).
_gevent: Any = gevent if monkey.is_module_patched("threading") else None


class _Waiter(Generic[Item, Outcome]):
    __slots__ = ("item", "outcome", "done", "lead", "event")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: Outcome | BaseException | None = None
        self.done = False
        self.lead = False
        self.event = threading.Event()


class GroupCommit(Generic[Item, Outcome]):
    """Combine concurrent :meth:`submit` calls into batches run by one of the callers.

    `max_batch` bounds a batch (and so the time one transaction holds the write lock).
    ``batches`` and ``items`` count what ran, for the benchmarks.
    """

    def __init__(self, max_batch: int = 128) -> None:
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Waiter[Item, Outcome]] = []
        self._leading = False
        self.batches = 0
        self.items = 0

    def submit(self, item: Item, run: BatchRunner) -> Outcome:
        """Run `item` in a batch, with `run` if this caller leads it; return its outcome or
        raise its exception. `run` must give one outcome per item: an exception that escapes
        it fails every item of the batch."""
        waiter: _Waiter[Item, Outcome] = _Waiter(item)
        with self._lock:
            self._pending.append(waiter)
            follow = self._leading
            self._leading = True
        if follow:
            waiter.event.wait()
            if not waiter.lead:
                return self._result(waiter)
        try:
            # Leading: let the other ready requests join this batch first.
            _let_others_run()
            with self._lock:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                outcomes = run([w.item for w in batch])
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} gave {len(outcomes)} outcomes")
            except BaseException as error:  # noqa: BLE001 - handed to every request of the batch
                outcomes = [error] * len(batch)
            self.batches += 1
            self.items += len(batch)
            for w, outcome in zip(batch, outcomes, strict=True):
                w.outcome, w.done = outcome, True
                if w is not waiter:
                    w.event.set()
        finally:
            with self._lock:
                if not waiter.done and waiter in self._pending:
                    self._pending.remove(waiter)  # interrupted before taking its batch
                if self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                    successor.event.set()
                else:
                    self._leading = False
        return self._result(waiter)

    @staticmethod
    def _result(waiter: _Waiter[Item, Outcome]) -> Outcome:
        assert waiter.done
        if isinstance(waiter.outcome, BaseException):
            raise waiter.outcome
        return waiter.outcome  # type: ignore[return-value]
