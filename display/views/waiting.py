"""The waiting count of each service of the zone, a page at a time when they do not fit.

Never cut off: the rows that fit in the panel's height make a page (pages of even length),
and the pages turn every :data:`PAGE_MS` with "Trang 1/2 · Page 1/2" under them.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from display.model import ServiceRow
from display.timers import timer
from display.views import style

PAGE_MS = 6000


class WaitingRow(QWidget):
    def __init__(self, row: ServiceRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingRow")
        self.setProperty("hasWaiting", row.waiting > 0)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.service_id = row.service_id
        self.full_name = row.name_vi
        self.name = style.label(row.name_vi, "waitingName")
        self.name.setWordWrap(False)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.counters = style.label(
            "Quầy " + ", ".join(str(n) for n in row.counters), "waitingCounters"
        )
        self.counters.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count = style.label(str(row.waiting), "waitingCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.name)
        text.addWidget(self.counters)
        layout = QHBoxLayout(self)
        layout.addLayout(text, 1)
        layout.addWidget(self.count)

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        style.fit_text(self.name, self.full_name, self.name.width())


class WaitingPanel(QWidget):
    """Title, the rows of the page on screen, and the page number when there are pages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.rows: list[ServiceRow] = []
        self.page = 0
        self.pages = 1
        self.rows_per_page = 0
        self.title = style.label(
            "Đang chờ theo dịch vụ<br><span style='font-weight:400'>Waiting by service</span>",
            "sectionTitle",
        )
        self.list = style.panel("waitingList")
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.page_label = style.label("", "waitingPage")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.page_label)
        self.timer = timer(self, PAGE_MS, self.on_next_page)
        self.timer.start()

    # Row height and spacing, at 1080p.
    ROW = 92
    SPACING = 10

    def row_height(self) -> int:
        return style.px(self.ROW, self.scale)

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.list_layout.setSpacing(style.px(self.SPACING, scale))
        self._relayout()

    def set_rows(self, rows: list[ServiceRow]) -> None:
        self.rows = list(rows)
        self._relayout()

    def visible_rows(self) -> list[ServiceRow]:
        start = self.page * self.rows_per_page
        return self.rows[start : start + self.rows_per_page]

    def fitting_rows(self) -> int:
        """How many rows the list's height holds."""
        height = self.list.height()
        step = self.row_height() + style.px(self.SPACING, self.scale)
        return max(1, (height + style.px(self.SPACING, self.scale)) // step)

    def _relayout(self) -> None:
        fit = self.fitting_rows()
        if len(self.rows) > fit:
            self.pages = math.ceil(len(self.rows) / fit)
            self.rows_per_page = math.ceil(len(self.rows) / self.pages)  # pages of even length
        else:
            self.pages = 1
            self.rows_per_page = max(1, len(self.rows))
        if self.page >= self.pages:
            self.page = 0
        self._show_page()

    def _show_page(self) -> None:
        while self.list_layout.count():
            item = self.list_layout.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        for row in self.visible_rows():
            widget = WaitingRow(row)
            widget.setFixedHeight(self.row_height())
            self.list_layout.addWidget(widget)
        text = f"{self.page + 1}/{self.pages}"
        self.page_label.setText(f"Trang {text} · Page {text}")
        # The label keeps its line even with one page, so that the list's height (and so
        # the number of rows that fit) does not depend on whether there are pages.
        self.page_label.setProperty("single", self.pages < 2)
        self.page_label.setText(self.page_label.text() if self.pages > 1 else " ")

    def on_next_page(self) -> None:
        if self.pages < 2:
            return
        self.page = (self.page + 1) % self.pages
        self._show_page()

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # The list's new height is known once the layout has run: measure then.
        QTimer.singleShot(0, self._relayout)
