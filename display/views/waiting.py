"""The waiting count of each service of the zone, a page at a time when they do not fit.

Never cut off: a long service name wraps to a second line (a little smaller when two lines
at full size are not enough), each row is as tall as its name needs, and a page takes
the rows that the list's height has room for. The pages turn every :data:`PAGE_MS` with
"Trang 1/2 · Page 1/2" under them.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt, QTimer
from PyQt6.QtGui import QFont, QFontMetrics, QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from display.model import ServiceRow
from display.timers import timer
from display.views import style

PAGE_MS = 6000
# A name is set smaller, down to this share of its size, to keep it within two lines.
SMALLEST = 0.75
NAME_LINES = 2


class WaitingRow(QWidget):
    """One service: its name (wrapped), its counters, its waiting count."""

    # Margins and spacing at 1080p.
    MARGIN_X = 16
    MARGIN_Y = 8
    SPACING = 12

    def __init__(self, row: ServiceRow, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingRow")
        self.setProperty("hasWaiting", row.waiting > 0)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.service_id = row.service_id
        self.full_name = row.name_vi
        self.scale = scale
        self.name = style.label(row.name_vi, "waitingName")
        self.name.setWordWrap(True)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.counters = style.label(
            "Quầy " + ", ".join(str(n) for n in row.counters), "waitingCounters"
        )
        self.counters.setWordWrap(True)
        self.counters.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count = style.label(str(row.waiting), "waitingCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.name)
        text.addWidget(self.counters)
        layout = self.row_layout = QHBoxLayout(self)
        mx, my = style.px(self.MARGIN_X, scale), style.px(self.MARGIN_Y, scale)
        layout.setContentsMargins(mx, my, mx, my)
        layout.setSpacing(style.px(self.SPACING, scale))
        layout.addLayout(text, 1)
        layout.addWidget(self.count)

    def fit(self, width: int) -> int:
        """Set the name's size for a row `width` pixels wide; answers the row's height."""
        for label in (self.name, self.counters, self.count):
            label.setStyleSheet("")
            label.ensurePolished()
        margins = self.row_layout.contentsMargins()
        count_width = max(self.count.sizeHint().width(), self.count.minimumWidth())
        text_width = max(
            10,
            width - margins.left() - margins.right() - self.row_layout.spacing() - count_width,
        )
        font = QFont(self.name.font())
        full = font.pixelSize()
        name_height = _height(font, self.full_name, text_width)
        if full > 0 and _lines(font, self.full_name, text_width) > NAME_LINES:
            for size in range(full - 1, int(full * SMALLEST) - 1, -1):
                font.setPixelSize(size)
                if _lines(font, self.full_name, text_width) <= NAME_LINES:
                    break
            self.name.setStyleSheet(f"font-size: {font.pixelSize()}px;")
            name_height = _height(font, self.full_name, text_width)
        counters_height = _height(self.counters.font(), self.counters.text(), text_width)
        text_height = name_height + counters_height
        height = max(text_height, self.count.sizeHint().height())
        self.setFixedHeight(height + margins.top() + margins.bottom())
        return self.height()


def _height(font: QFont, text: str, width: int) -> int:
    flags = int(Qt.TextFlag.TextWordWrap.value)
    return QFontMetrics(font).boundingRect(QRect(0, 0, width, 100_000), flags, text).height()


def _lines(font: QFont, text: str, width: int) -> int:
    return round(_height(font, text, width) / max(1, QFontMetrics(font).lineSpacing()))


class WaitingPanel(QWidget):
    """Title, the rows of the page on screen, and the page number when there are pages."""

    def __init__(self, parent: QWidget | None = None, *, english: bool = True) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.english = english
        self.rows: list[ServiceRow] = []
        self.row_widgets: list[WaitingRow] = []
        self.row_heights: list[int] = []
        self.page = 0
        self.pages = 1
        self._starts = [0]
        self.title = style.label(
            style.both(
                "Đang chờ theo dịch vụ",
                "<br><span style='font-weight:400'>Waiting by service</span>",
                english,
                separator="",
            ),
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

    # Spacing between rows, at 1080p.
    SPACING = 10

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.list_layout.setSpacing(style.px(self.SPACING, scale))
        self._relayout()

    def set_rows(self, rows: list[ServiceRow]) -> None:
        self.rows = list(rows)
        self._relayout()

    def page_start(self, page: int) -> int:
        """The index in :attr:`rows` of the first row of `page`."""
        return self._starts[page] if page < len(self._starts) else len(self.rows)

    def visible_rows(self) -> list[ServiceRow]:
        return self.rows[self.page_start(self.page) : self.page_start(self.page + 1)]

    def _relayout(self) -> None:
        for widget in self.row_widgets:
            self.list_layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.row_widgets = [WaitingRow(row, self.scale, self.list) for row in self.rows]
        width = self.list.width()
        self.row_heights = [widget.fit(width) for widget in self.row_widgets]
        # Pages: as many rows as the list's height holds, in order.
        room, spacing = self.list.height(), self.list_layout.spacing()
        self._starts, used = [0], 0
        for index, height in enumerate(self.row_heights):
            if index > self._starts[-1] and used + spacing + height > room:
                self._starts.append(index)
                used = height
            else:
                used += height + (spacing if index > self._starts[-1] else 0)
        self.pages = len(self._starts)
        if self.page >= self.pages:
            self.page = 0
        self._show_page()

    def _show_page(self) -> None:
        while self.list_layout.count():
            self.list_layout.takeAt(0)
        first, end = self.page_start(self.page), self.page_start(self.page + 1)
        for index, widget in enumerate(self.row_widgets):
            if first <= index < end:
                self.list_layout.addWidget(widget)
                widget.show()
            else:
                widget.hide()
        text = f"{self.page + 1}/{self.pages}"
        # The label keeps its line even with one page, so that the list's height (and so
        # the number of rows that fit) does not depend on whether there are pages.
        self.page_label.setText(
            style.both(f"Trang {text}", f"Page {text}", self.english) if self.pages > 1 else " "
        )

    def on_next_page(self) -> None:
        if self.pages < 2:
            return
        self.page = (self.page + 1) % self.pages
        self._show_page()

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # The list's new height is known once the layout has run: measure then.
        QTimer.singleShot(0, self._relayout)
