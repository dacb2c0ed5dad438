"""Blocking work (an HTTP call, a print) off the GUI thread: a QRunnable on a QThreadPool
whose outcome comes back as a Qt signal, so the callbacks run in the GUI thread.

    calls = Runner(serial=True)  # one at a time, in order (one HTTP session, one printer)
    calls.run(lambda: api.get("/sites/1"), on_site, on_error)
    ...
    calls.close()  # at exit: waits for the running task, drops late outcomes
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

log = logging.getLogger(__name__)


class _Outcome(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(object)


class Task(QRunnable):
    """Runs `work()` on a pool thread; `done(result)` or `failed(exception)` follow in the
    thread that made the task (the GUI thread)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        # Made here, in the caller's thread: queued connections deliver to it.
        self.outcome = _Outcome()

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # handed to the caller, whatever it is
            log.debug("task failed", exc_info=True)
            self.outcome.failed.emit(error)
        else:
            self.outcome.done.emit(result)


class Runner:
    """Runs tasks on one pool and keeps each alive until its outcome has been delivered.

    ``serial``: one task at a time, in order (one printer, one HTTP session)."""

    def __init__(self, serial: bool = True) -> None:
        self.pool = QThreadPool()
        if serial:
            self.pool.setMaxThreadCount(1)
        self._running: set[Task] = set()
        self.closed = False

    def close(self, msecs: int = 10_000) -> None:
        """Wait for the running tasks; their outcomes are dropped, not delivered (the
        receivers are going away)."""
        self.closed = True
        self.pool.waitForDone(msecs)

    def run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> Task:
        task = Task(work)
        task.setAutoDelete(False)
        self._running.add(task)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._running.discard(task)
            if not self.closed:
                callback(value)

        task.outcome.done.connect(lambda result: finish(done, result))
        task.outcome.failed.connect(lambda error: finish(failed, error))
        self.pool.start(task)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
