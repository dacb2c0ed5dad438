"""The clock and date in Vietnam time (the site's zone, Asia/Ho_Chi_Minh by default)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from display.timers import timer
from display.views import style

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def time_text(now: dt.datetime, zone: ZoneInfo = VIETNAM) -> str:
    return now.astimezone(zone).strftime("%H:%M")


def date_text(now: dt.datetime, zone: ZoneInfo = VIETNAM) -> str:
    """``Chủ Nhật, 06/12/2026``: as the web display writes it (vi-VN)."""
    local = now.astimezone(zone)
    return f"{WEEKDAYS_VI[local.weekday()]}, {local:%d/%m/%Y}"


class ClockWidget(QWidget):
    """Hour and minute above the weekday and date; refreshed every second."""

    def __init__(self, parent: QWidget | None = None, zone: ZoneInfo = VIETNAM) -> None:
        super().__init__(parent)
        self.zone = zone
        self.time_label = style.label("", "clockTime")
        self.date_label = style.label("", "clockDate")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.time_label)
        layout.addWidget(self.date_label)
        for label in (self.time_label, self.date_label):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._timer = timer(self, 1000, self.on_tick)
        self._timer.start()
        self.on_tick()

    def on_tick(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.time_label.setText(time_text(now, self.zone))
        self.date_label.setText(date_text(now, self.zone))
