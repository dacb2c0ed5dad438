"""The kiosk's one window: every screen in a stack, sizes that follow the window (portrait
1080×1920, landscape 1920×1080, 1366×768), the idle timer and the hidden way into the
settings (five taps in the top-left corner)."""

from __future__ import annotations

import time

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QKeyEvent, QResizeEvent
from PyQt6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from kiosk.views.attract import AttractView
from kiosk.views.choose import DepartmentsView, PriorityView, ServicesView
from kiosk.views.common import Metrics, stylesheet
from kiosk.views.dossier import DossierView
from kiosk.views.notice import NoticeView
from kiosk.views.settings import PinView, SettingsView
from kiosk.views.ticket import TicketView

# The hidden gesture: this many taps within GESTURE_SECONDS in the corner square. Every
# screen keeps a margin at least this wide, so the square holds nothing a visitor uses;
# touches in it are the gesture's only (a visitor's tap there does nothing).
GESTURE_TAPS = 5
GESTURE_SECONDS = 4.0
GESTURE_CORNER = 32

_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
}


class KioskWindow(QWidget):
    """Signals:
    secret_gesture(): five taps in the top-left corner: ask for the PIN.
    idle_timeout(): nobody touched anything for `idle_seconds`.
    """

    secret_gesture = pyqtSignal()
    idle_timeout = pyqtSignal()

    def __init__(self, idle_seconds: int = 30, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("hangdoi")
        self.stack = QStackedWidget()
        self.attract = AttractView()
        self.departments = DepartmentsView()
        self.services = ServicesView()
        self.priority = PriorityView()
        self.dossier = DossierView()
        self.ticket = TicketView()
        self.notice = NoticeView()
        self.settings = SettingsView()
        self.pin = PinView()
        for view in self.views():
            self.stack.addWidget(view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.timeout.connect(self.idle_timeout)
        self.set_idle_seconds(idle_seconds)
        self._taps: list[float] = []
        self._last_press: tuple[int, int] | None = None
        self.allow_close = False
        self.metrics = Metrics(1080, 1920)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def views(self) -> list[QWidget]:
        return [
            self.attract,
            self.departments,
            self.services,
            self.priority,
            self.dossier,
            self.ticket,
            self.notice,
            self.settings,
            self.pin,
        ]

    def set_idle_seconds(self, seconds: int) -> None:
        self.idle.setInterval(max(1, seconds) * 1000)
        self.idle.start()

    def show_view(self, view: QWidget) -> None:
        self.stack.setCurrentWidget(view)
        self.idle.start()

    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def retranslate(self) -> None:
        for view in self.views():
            view.retranslate()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ Qt

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        size = self.size()
        metrics = Metrics(size.width(), size.height())
        if metrics != self.metrics or not self.styleSheet():
            self.metrics = metrics
            self.setStyleSheet(stylesheet(metrics))
            for view in (self.departments, self.services, self.priority, self.ticket):
                view.set_metrics(metrics)
        super().resizeEvent(event)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is None:
            return False
        kind = event.type()
        if kind in _ACTIVITY:
            self.idle.start()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            position = getattr(event, "globalPosition", None)
            if position is not None and self.isVisible():
                where = self.mapFromGlobal(position().toPoint())
                in_corner = 0 <= where.x() < GESTURE_CORNER and 0 <= where.y() < GESTURE_CORNER
                # A press reaches the filter once for the window, then again for each widget
                # it propagates to: the tap is counted once.
                stamp = (id(event), getattr(event, "timestamp", lambda: 0)())
                if kind == QEvent.Type.MouseButtonPress and stamp != self._last_press:
                    self._last_press = stamp
                    self._tap(in_corner)
                return in_corner
        return False

    def _tap(self, in_corner: bool) -> None:
        if not in_corner:
            self._taps.clear()
            return
        now = time.monotonic()
        self._taps = [t for t in self._taps if now - t < GESTURE_SECONDS] + [now]
        if len(self._taps) >= GESTURE_TAPS:
            self._taps.clear()
            self.secret_gesture.emit()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802 - Qt's name
        # No way out by keyboard: Escape and the like do nothing here.
        if event is not None:
            event.accept()

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802 - Qt's name
        # Alt+F4 and the window manager's close: refused unless the PIN's exit was chosen.
        if event is not None:
            if self.allow_close:
                event.accept()
            else:
                event.ignore()

    def lock_down(self, *, hide_cursor: bool) -> None:
        """Frameless, full screen, on top; the cursor hidden if asked."""
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        if hide_cursor:
            QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
        self.showFullScreen()
