"""A device app (the kiosk, a hall display) tells the server how it is
(``POST /api/v1/devices/health``): at start, on every change, and every minute; a device
silent for three minutes is shown offline (``contract.events.DEVICE_OFFLINE_AFTER_SECONDS``).

    reporter = HealthReporter(ApiClient(server, device_token), app_version="0.1.0")
    reporter.refused.connect(back_to_pairing)
    reporter.start()
    reporter.update(printer_state="paper_out", paper_out=True, last_error="…")
"""

from __future__ import annotations

import logging
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from contract import events as ev
from desktop.api import ApiClient, ApiError
from desktop.tasks import Runner

log = logging.getLogger(__name__)


class HealthReporter(QObject):
    """Keeps the kiosk's state and sends it when it changes and every minute.

    Its own HTTP session and worker, so that a report never waits behind a ticket nor a
    ticket behind a report.

    Signals:
        refused(): the server refused the device's token (revoked): back to pairing.
    """

    refused = pyqtSignal()

    def __init__(self, api: ApiClient, app_version: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.runner = Runner(serial=True)
        self.state: dict[str, Any] = {
            "app_version": app_version,
            "online": True,
            "printer_state": ev.PrinterState.NONE,
            "paper_low": False,
            "paper_out": False,
            "last_error": None,
        }
        self.sent: dict[str, Any] | None = None
        self.failures = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.send)

    def start(self, every_ms: int = ev.DEVICE_REPORT_EVERY_SECONDS * 1000) -> None:
        self.send()
        self._timer.start(every_ms)

    def stop(self) -> None:
        self._timer.stop()
        self.runner.wait(5000)

    def update(self, **changes: Any) -> None:
        """Change some fields; sent at once when anything changed."""
        new = {**self.state, **changes}
        if new != self.state:
            self.state = new
            if self._timer.isActive():
                self.send()

    def send(self) -> None:
        state = dict(self.state)
        if state["last_error"]:
            state["last_error"] = str(state["last_error"])[:500]
        self.runner.run(
            lambda: self.api.post("/devices/health", state),
            lambda _answer: self._on_sent(state),
            self._on_failed,
        )

    def _on_sent(self, state: dict[str, Any]) -> None:
        self.sent = state

    def _on_failed(self, error: Exception) -> None:
        # The server is down or the token revoked: the kiosk's screens say so already.
        self.failures += 1
        if isinstance(error, ApiError) and error.unauthorized:
            self.refused.emit()
        elif not isinstance(error, ApiError):
            log.warning("health report failed: %r", error)
