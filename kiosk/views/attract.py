"""The attract screen: the centre's name, the clock and "touch the screen to take a
number"; a banner when the printer is not ready (numbers are then shown on screen)."""

from __future__ import annotations

import datetime as dt

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.i18n import N_
from kiosk.views.common import _, button, label
from printers.slip import VIETNAM_TZ


class AttractView(QWidget):
    """Signals:
    touched(): the visitor touched the screen (anywhere but the language button).
    language(): the visitor switches between Vietnamese and English.
    """

    touched = pyqtSignal()
    language = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.centre = label(role="title")
        self.centre.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.address = label(role="muted")
        self.address.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock = label(role="title", wrap=False)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.date = label(role="muted")
        self.date.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = label()
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setStyleSheet("font-size: 150%; font-weight: bold;")
        self.banner = label(role="warning")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.language_button = button()
        self.language_button.clicked.connect(self.language)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.language_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addWidget(self.centre)
        layout.addWidget(self.address)
        layout.addStretch(1)
        layout.addWidget(self.clock)
        layout.addWidget(self.date)
        layout.addStretch(1)
        layout.addWidget(self.prompt)
        layout.addWidget(self.banner)
        layout.addStretch(2)
        layout.addLayout(bottom)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        self.tick()
        self.retranslate()

    def set_centre(self, name: str, address: str) -> None:
        self.centre.setText(name)
        self.address.setText(address)

    def set_banner(self, text: str) -> None:
        """A warning shown under the prompt (printer out of paper...); empty hides it."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def tick(self, now: dt.datetime | None = None) -> None:
        local = (now or dt.datetime.now(dt.UTC)).astimezone(VIETNAM_TZ)
        self.clock.setText(local.strftime("%H:%M"))
        self.date.setText(
            _("{weekday}, {day:02d}/{month:02d}/{year}").format(
                weekday=_(WEEKDAYS[local.weekday()]),
                day=local.day,
                month=local.month,
                year=local.year,
            )
        )

    def retranslate(self) -> None:
        self.prompt.setText(_("Touch the screen to take a number"))
        self.language_button.setText(_("English"))
        self.tick()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 - Qt's name
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self.touched.emit()
        super().mouseReleaseEvent(event)


WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
