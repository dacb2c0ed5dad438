"""Counter-top mode: the small screen above one counter ("Quầy 5 · A012", "Tạm nghỉ", "Đóng")."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontMetrics, QResizeEvent
from PyQt6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from contract.tickets import CounterState
from display.model import CounterStatus
from display.timers import timer
from display.views import style

BLINK_MS = 6000
BLINK_STEP_MS = 500

STATE_TEXT = {
    CounterState.PAUSED: ("Tạm nghỉ", "Paused"),
    CounterState.CLOSED: ("Đóng", "Closed"),
}


def headline(status: CounterStatus) -> str:
    """What the big line says: the number being served, or the counter's state."""
    if status.state in STATE_TEXT and not (
        status.state == CounterState.PAUSED and status.current_number
    ):
        return STATE_TEXT[CounterState(status.state)][0]
    return status.current_number or "–"


class CounterTopView(QWidget):
    """``Quầy 5`` above the current number (or ``Tạm nghỉ`` / ``Đóng``), then the state in
    Vietnamese (and English when the screen shows it) and the connection state."""

    def __init__(
        self, counter_number: int, parent: QWidget | None = None, *, english: bool = True
    ) -> None:
        super().__init__(parent)
        self.english = english
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.counter_number = counter_number
        self.status_value = CounterStatus(counter_number)
        self.title = style.label("", "counterTitle")
        self.number = style.label("", "counterNumber")
        self.detail = style.label("", "counterDetail")
        self.connection = style.label("", "counterConnection")
        layout = QVBoxLayout(self)
        for label in (self.title, self.number, self.detail, self.connection):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.title)
        layout.addWidget(self.number, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.connection)
        self._blink = timer(self, BLINK_STEP_MS, self.on_blink_step)
        self._blink_steps = 0
        self._inverse = False
        self.connection_state = style.CONNECTING
        self.show_status(self.status_value)
        self.set_status(style.CONNECTING)

    def text(self) -> str:
        """The screen's words in one line, e.g. ``Quầy 5 · A012`` (for tests and logs)."""
        return f"{self.title.text()} · {self.number.text()}"

    def show_status(self, status: CounterStatus, *, blink: bool = False) -> None:
        previous = self.status_value.current_number
        self.status_value = status
        self.title.setText(f"Quầy {status.number}")
        self.number.setText(headline(status))
        english = self.english
        if status.state == CounterState.CLOSED:
            self.detail.setText(style.both("Quầy đóng", "Counter closed", english))
        elif status.state == CounterState.PAUSED:
            if status.current_number:
                self.detail.setText(style.both("Tạm nghỉ", "Paused", english))
            else:
                self.detail.setText(style.both("Quầy tạm nghỉ", "Counter paused", english))
        elif status.current_number:
            self.detail.setText(
                style.both(f"Mời số {status.current_number}", "Now serving", english)
            )
        else:
            self.detail.setText(style.both("Chưa gọi số", "No number called", english))
        self._restyle()
        if blink and status.current_number and status.current_number != previous:
            self._blink_steps = BLINK_MS // BLINK_STEP_MS
            self._blink.start()

    def set_status(self, connection: str) -> None:
        self.connection_state = connection
        self.connection.setText(
            "" if connection == style.LIVE else style.status_text(connection, self.english)
        )

    def on_blink_step(self) -> None:
        self._blink_steps -= 1
        self._inverse = self._blink_steps > 0 and not self._inverse
        if self._blink_steps <= 0:
            self._blink.stop()
        self._restyle()

    def _restyle(self) -> None:
        scale = max(0.2, min(self.width() / 1280, self.height() / 720)) if self.width() > 1 else 1.0
        serving = self.status_value.state == CounterState.OPEN or (
            self.status_value.state == CounterState.PAUSED and self.status_value.current_number
        )
        background = style.NAVY if serving else "#2d3748"
        number_colour = style.YELLOW if serving else "#e2e8f0"
        if self._inverse:
            background, number_colour = style.YELLOW, style.NAVY
        self.setStyleSheet(
            f"CounterTopView {{ background: {background}; }}"
            f"#counterTitle {{ color: white; font-size: {style.px(96, scale)}px; font-weight: 700; }}"
            f"#counterNumber {{ color: {number_colour}; font-size: {self._number_px(scale)}px; font-weight: 800; }}"
            f"#counterDetail {{ color: #dbe6fb; font-size: {style.px(44, scale)}px; }}"
            f"#counterConnection {{ color: {style.YELLOW}; font-size: {style.px(30, scale)}px; }}"
        )

    def _number_px(self, scale: float) -> int:
        """The big line's size: 300 px at 1080p, smaller when its text would be wider than
        the screen ("Tạm nghỉ" at 300 px is wider than 1280 pixels)."""
        size = style.px(300, scale)
        font = QFont(self.number.font())
        font.setPixelSize(size)
        font.setWeight(QFont.Weight.ExtraBold)
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else None
        room = self.width() - (margins.left() + margins.right() if margins else 0)
        needed = QFontMetrics(font).horizontalAdvance(self.number.text())
        if needed > room > 0:
            size = max(1, int(size * room / needed))
        return size

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._restyle()
