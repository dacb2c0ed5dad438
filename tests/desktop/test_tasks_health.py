"""desktop.tasks (work off the GUI thread, outcomes back in it) and desktop.health (a
device's reports, against the real server)."""

from __future__ import annotations

import threading

import requests
from PyQt6.QtCore import QThread

from desktop.api import ApiClient
from desktop.health import HealthReporter
from desktop.tasks import Runner
from tests.server.live import LiveServer


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


def test_a_device_reports_its_health_on_change_and_is_listed(qtbot, server: LiveServer) -> None:
    display = next(d for d in server.devices if d["kind"] == "display")
    reporter = HealthReporter(ApiClient(server.url, str(display["token"])), "9.9.9")
    reporter.start(every_ms=60_000)
    qtbot.waitUntil(lambda: reporter.sent is not None, timeout=10_000)
    reporter.update(last_error="Mất kết nối loa")
    qtbot.waitUntil(
        lambda: (reporter.sent or {}).get("last_error") == "Mất kết nối loa", timeout=10_000
    )
    manager = server.login("lanhdao", "lanhdao123")
    listed = requests.get(
        server.url + "/api/v1/sites/1/devices",
        headers={"Authorization": f"Bearer {manager}"},
        timeout=10,
    ).json()
    [row] = [d for d in listed if d["name"] == display["name"]]
    assert (
        row["app_version"] == "9.9.9" and row["online"] and row["last_error"] == "Mất kết nối loa"
    )
    reporter.stop()


def test_a_refused_token_is_said(qtbot, server: LiveServer) -> None:
    reporter = HealthReporter(ApiClient(server.url, "hdd_revoked-or-never-was"), "1")
    with qtbot.waitSignal(reporter.refused, timeout=10_000):
        reporter.start()
    reporter.stop()
