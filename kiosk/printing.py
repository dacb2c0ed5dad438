"""The kiosk's printer: slips printed and statuses asked in a worker, never on the GUI
thread, one at a time (a printer takes one connection), each within the printer's own
deadline (:func:`printers.print_ticket` and :func:`printers.check_printer` never raise).

The status is asked at start, every minute, and before each ticket (print_ticket asks it
where the transport can answer). What the kiosk knows is one of
:class:`contract.events.PrinterState`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from contract.events import PrinterState
from desktop.tasks import Runner
from printers import (
    CoverOpen,
    PaperOut,
    PrinterConfig,
    PrinterOffline,
    PrintError,
    PrinterTimeout,
    PrinterUnreachable,
    PrintResult,
    Slip,
    SlipLayout,
    StatusCheck,
    TransportError,
    check_printer,
    print_ticket,
)

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 60_000
NOT_READY = frozenset(
    {PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.OFFLINE, PrinterState.ERROR}
)


def state_of(error: PrintError | None, ready: bool | None, paper_low: bool) -> str:
    """The PrinterState a status check or a print outcome means."""
    if error is None:
        if ready is None:
            return PrinterState.UNKNOWN
        return PrinterState.PAPER_LOW if paper_low else PrinterState.READY
    if isinstance(error, PaperOut):
        return PrinterState.PAPER_OUT
    if isinstance(error, CoverOpen):
        return PrinterState.COVER_OPEN
    if isinstance(error, PrinterOffline | PrinterUnreachable | PrinterTimeout | TransportError):
        return PrinterState.OFFLINE
    return PrinterState.ERROR


class PrintService(QObject):
    """Signals:
    state_changed(str): a new PrinterState (and ``error`` holds the last error, if any).
    printed(int, object): a job's number and its :class:`printers.PrintResult`.
    """

    state_changed = pyqtSignal(str)
    printed = pyqtSignal(int, object)

    def __init__(
        self,
        config: PrinterConfig | None,
        *,
        preview_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.preview_dir = preview_dir
        self.state: str = PrinterState.NONE if config is None else PrinterState.UNKNOWN
        self.error: PrintError | None = None
        self.runner = Runner(serial=True)
        self._jobs = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)

    @property
    def has_printer(self) -> bool:
        return self.config is not None

    @property
    def known_not_ready(self) -> bool:
        """The printer is known not to print now: out of paper, cover open, offline."""
        return self.config is None or self.state in NOT_READY

    @property
    def paper_low(self) -> bool:
        return self.state == PrinterState.PAPER_LOW

    def start(self, every_ms: int = CHECK_EVERY_MS) -> None:
        """Ask the status now and every minute."""
        self.check()
        self._timer.start(every_ms)

    def stop(self) -> None:
        self._timer.stop()
        self.runner.wait(10_000)

    def set_config(self, config: PrinterConfig | None) -> None:
        self.config = config
        self.error = None
        self._set_state(PrinterState.NONE if config is None else PrinterState.UNKNOWN)
        if config is not None:
            self.check()

    def check(self) -> None:
        config = self.config
        if config is None or self.runner.busy:
            return  # a print under way asks the status itself
        self.runner.run(lambda: check_printer(config), self._on_checked, self._on_crash)

    def print_slip(
        self, slip: Slip, config: PrinterConfig | None = None, layout: SlipLayout | None = None
    ) -> int:
        """Queue a print of `slip` (on `config`, for a test slip); answers the job number
        that printed() will carry."""
        self._jobs += 1
        job = self._jobs
        target = config or self.config
        if target is None:
            raise ValueError("no printer configured")
        own = config is None
        self.runner.run(
            lambda: print_ticket(slip, target, layout),
            lambda result: self._on_printed(job, result, own),
            lambda error: self._on_print_crash(job, error, own),
        )
        return job

    def _on_checked(self, check: StatusCheck) -> None:
        self.error = check.error
        self._set_state(state_of(check.error, check.ready, bool(check.warnings)))

    def _on_printed(self, job: int, result: PrintResult, own: bool) -> None:
        if own:
            self.error = result.error
            ready = True if result.printed and result.status is not None else None
            self._set_state(state_of(result.error, ready, bool(result.warnings)))
        if self.preview_dir is not None and result.preview is not None:
            self.preview_dir.mkdir(parents=True, exist_ok=True)
            path = self.preview_dir / "last-slip.png"
            result.preview.image.save(path)
            log.info("slip preview saved to %s", path)
        self.printed.emit(job, result)

    def _on_print_crash(self, job: int, error: Exception, own: bool) -> None:
        self._on_crash(error)
        failed = TransportError(
            "Lỗi không xác định khi in phiếu.",
            "Unexpected error while printing.",
            detail=repr(error),
        )
        self._on_printed(job, PrintResult(printed=False, error=failed), own)

    def _on_crash(self, error: Exception) -> None:
        # print_ticket and check_printer never raise for a printer fault: this is a bug.
        log.error("printer worker failed: %r", error)
        self._set_state(PrinterState.ERROR)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
