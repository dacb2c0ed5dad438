"""desktop.tasks: work off the GUI thread, outcomes back in it."""

from __future__ import annotations

import threading

from PyQt6.QtCore import QThread

from desktop.tasks import Runner


def test_a_task_runs_off_the_gui_thread_and_answers_in_it(qtbot) -> None:
    runner = Runner(serial=True)
    gui = QThread.currentThread()
    seen: list[tuple[str, object, bool]] = []
    ran_on: list[threading.Thread] = []

    def work() -> int:
        ran_on.append(threading.current_thread())
        return 42

    def boom() -> int:
        raise ValueError("no")

    runner.run(work, lambda r: seen.append(("done", r, QThread.currentThread() is gui)), print)
    runner.run(boom, print, lambda e: seen.append(("failed", e, QThread.currentThread() is gui)))
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert ran_on[0] is not threading.main_thread()
    assert seen[0] == ("done", 42, True)
    assert seen[1][0] == "failed" and isinstance(seen[1][1], ValueError) and seen[1][2]
    # Closed: what finishes later is not delivered (its receivers are going away).
    late: list[object] = []
    runner.run(lambda: 1, late.append, late.append)
    runner.close()
    qtbot.wait(50)
    assert late == []
