"""The scrolling text along the bottom of the hall screen (the administrator's notice)."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPainter, QPaintEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

from display.model import nfc
from display.timers import timer
from display.views import style

FRAME_MS = 33  # about 30 frames a second
GAP = "     •     "  # between two passes of the text


class TickerWidget(QWidget):
    """Draws its text moving right to left, over and over; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None, speed: float = 120.0) -> None:
        super().__init__(parent)
        self.speed = speed  # pixels a second at 1080p
        self.scale = 1.0
        self._text = ""
        self._offset = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._timer = timer(self, FRAME_MS, self.on_frame)
        self.setVisible(False)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str | None) -> None:
        text = nfc(text).strip().replace("\n", " ")
        if text == self._text:
            return
        self._text = text
        self._offset = 0.0
        self.setVisible(bool(text))
        if text:
            self._timer.start()
        else:
            self._timer.stop()
        self.update()

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.setFixedHeight(style.px(64, scale))
        font = self.font()
        font.setPixelSize(style.px(34, scale))
        font.setWeight(font.Weight.DemiBold)
        self.setFont(font)

    def on_frame(self) -> None:
        self._offset += self.speed * self.scale * FRAME_MS / 1000
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(style.NAVY_DARK))
        if not self._text:
            return
        painter.setPen(QColor(style.YELLOW))
        painter.setFont(self.font())
        metrics = painter.fontMetrics()
        unit = self._text + GAP
        width = max(1, metrics.horizontalAdvance(unit))
        # Start off the right edge, then wrap round every `width` pixels.
        if self._offset <= self.width():
            x = self.width() - self._offset
        else:
            x = -((self._offset - self.width()) % width)
        baseline = (self.height() + metrics.ascent() - metrics.descent()) // 2
        while x < self.width():
            painter.drawText(int(x), baseline, unit)
            x += width
