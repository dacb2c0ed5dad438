"""The hall screen: 1080p, landscape or portrait, with the web display's content.

The newest call big (or, while a call is being announced, that call) and blinking for a
few seconds when it changes; the recent calls with their counters; the waiting count of
each service of the zone (paged, never cut off); the clock in Vietnam time; an optional
media area; the administrator's scrolling notice; the connection state.

Sizes are designed for 1920×1080 (1080×1920 standing) and scaled to the widget.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from display.model import RECENT, Call, ServiceRow
from display.timers import timer
from display.views import style
from display.views.clock import ClockWidget
from display.views.media import MediaArea
from display.views.ticker import TickerWidget
from display.views.waiting import WaitingPanel

BLINK_MS = 10_000  # the newest call blinks this long
BLINK_STEP_MS = 500

LANDSCAPE = "landscape"
PORTRAIT = "portrait"
AUTO = "auto"
ORIENTATIONS = (AUTO, LANDSCAPE, PORTRAIT)


def _stylesheet(scale: float) -> str:
    def p(size: float) -> int:
        return style.px(size, scale)

    return f"""
    HallView {{ background: {style.GROUND}; }}
    QLabel {{ color: {style.INK}; }}
    #head {{ background: {style.NAVY}; }}
    #head QLabel {{ color: white; }}
    #siteName {{ font-size: {p(40)}px; font-weight: 700; }}
    #zoneName {{ font-size: {p(26)}px; color: #dbe6fb; }}
    #clockTime {{ font-size: {p(64)}px; font-weight: 800; }}
    #clockDate {{ font-size: {p(24)}px; }}
    #now {{ background: {style.PAPER}; border-radius: {p(18)}px; border-top: {p(10)}px solid {style.RED}; }}
    #now[blink="true"] {{ background: #fff4c2; border: {p(8)}px solid {style.YELLOW}; border-top: {p(10)}px solid {style.RED}; }}
    #now[speaking="true"] #nowLabel {{ color: {style.RED}; }}
    #nowLabel {{ font-size: {p(34)}px; font-weight: 600; color: {style.MUTED}; }}
    #nowNumber {{ font-size: {p(230)}px; font-weight: 800; color: {style.NAVY}; }}
    #nowCounter {{ font-size: {p(60)}px; font-weight: 700; color: {style.INK}; }}
    #nowService {{ font-size: {p(30)}px; color: {style.MUTED}; }}
    #sectionTitle {{ font-size: {p(28)}px; font-weight: 700; color: {style.NAVY}; }}
    #recentRow {{ background: {style.PAPER}; border-radius: {p(10)}px; }}
    #recentRow[speaking="true"] {{ background: {style.YELLOW}; }}
    #recentNumber {{ font-size: {p(50)}px; font-weight: 800; color: {style.NAVY}; }}
    #recentArrow {{ font-size: {p(40)}px; color: {style.MUTED}; }}
    #recentCounter {{ font-size: {p(50)}px; font-weight: 800; color: {style.RED}; }}
    #recentHead {{ font-size: {p(22)}px; color: {style.MUTED}; }}
    #recentEmpty {{ font-size: {p(26)}px; color: {style.MUTED}; }}
    #waitingRow {{ background: {style.PAPER}; border-radius: {p(10)}px; }}
    #waitingName {{ font-size: {p(28)}px; font-weight: 600; }}
    #waitingCounters {{ font-size: {p(21)}px; color: {style.MUTED}; }}
    #waitingCount {{ font-size: {p(48)}px; font-weight: 800; color: {style.MUTED}; min-width: {p(90)}px; }}
    #waitingRow[hasWaiting="true"] #waitingCount {{ color: {style.RED}; }}
    #waitingPage {{ font-size: {p(22)}px; color: {style.MUTED}; }}
    #foot {{ background: {style.PAPER}; border-top: 1px solid {style.LINE}; }}
    #statusText {{ font-size: {p(22)}px; color: {style.MUTED}; }}
    #hint {{ font-size: {p(22)}px; color: {style.MUTED}; }}
    #media {{ background: black; border-radius: {p(12)}px; }}
    """


class RecentRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.number = style.label("", "recentNumber")
        self.arrow = style.label("→", "recentArrow")
        self.counter = style.label("", "recentCounter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.addWidget(self.number, 1)
        layout.addWidget(self.arrow)
        layout.addWidget(self.counter, 1)

    def show_call(self, call: Call | None, speaking: bool) -> None:
        self.number.setText(call.number if call else "")
        self.counter.setText(str(call.counter_number) if call else "")
        self.arrow.setVisible(call is not None)
        self.setProperty("ticketId", call.ticket_id if call else None)
        _restyle(self, "speaking", speaking)


def _restyle(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the stylesheet selects on, and apply it at once."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    for w in [widget, *widget.findChildren(QWidget)]:
        w.style().unpolish(w)  # type: ignore[union-attr]
        w.style().polish(w)  # type: ignore[union-attr]


class HallView(QWidget):
    """The whole hall screen. Feed it with :meth:`show_calls`, :meth:`show_waiting`,
    :meth:`set_status`, :meth:`set_ticker`, :meth:`set_titles`."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        orientation: str = AUTO,
        media_folder: Path | None = None,
        english: bool = True,
    ) -> None:
        super().__init__(parent)
        self.english = english
        if orientation not in ORIENTATIONS:
            raise ValueError(f"orientation: one of {ORIENTATIONS}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.requested_orientation = orientation
        self.orientation = LANDSCAPE if orientation == AUTO else orientation
        self.scale = 0.0
        self.calls: list[Call] = []
        self.featured: Call | None = None
        self.speaking: Call | None = None
        self.status = style.CONNECTING
        self.site_title = self.zone_title = ""

        # Header: the site and the zone, the clock.
        self.head = style.panel("head")
        self.head.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.site_label = style.label("", "siteName")
        self.zone_label = style.label("", "zoneName")
        self.clock = ClockWidget()
        titles = QVBoxLayout()
        titles.addWidget(self.site_label)
        titles.addWidget(self.zone_label)
        head = self.head_layout = QHBoxLayout(self.head)
        head.addLayout(titles, 1)
        head.addWidget(self.clock)

        # The call on show.
        self.now = style.panel("now")
        self.now.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.now_label = style.label(
            style.both("Mời công dân có số", "Now serving", english), "nowLabel"
        )
        self.now_number = style.label("–", "nowNumber")
        self.now_counter = style.label("", "nowCounter")
        self.now_service = style.label("", "nowService")
        self.now_service.setWordWrap(True)
        now = QVBoxLayout(self.now)
        for label in (self.now_label, self.now_number, self.now_counter, self.now_service):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            now.addWidget(label)
        self.now.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for label in (
            self.now_label,
            self.now_counter,
            self.now_service,
            self.site_label,
            self.zone_label,
        ):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        # Recent calls.
        self.recent = style.panel("recent")
        self.recent_title = style.label(
            style.both(
                "Các số vừa gọi",
                "<br><span style='font-weight:400'>Recent calls</span>",
                english,
                separator="",
            ),
            "sectionTitle",
        )
        self.recent_head = style.label(
            f"{style.both('Số', 'No.', english)}  →  {style.both('Quầy', 'Counter', english)}",
            "recentHead",
        )
        self.recent_rows = [RecentRow() for _ in range(RECENT)]
        # Before the day's first call, a quiet line instead of empty boxes.
        self.recent_empty = style.label(
            style.both("Chưa có lượt gọi", "No calls yet", english), "recentEmpty"
        )
        self.recent_empty.setWordWrap(True)
        recent = QVBoxLayout(self.recent)
        recent.setContentsMargins(0, 0, 0, 0)
        recent.addWidget(self.recent_title)
        recent.addWidget(self.recent_head)
        recent.addWidget(self.recent_empty)
        for row in self.recent_rows:
            recent.addWidget(row)
        recent.addStretch(1)

        self.waiting = WaitingPanel(english=english)
        self.media = MediaArea(media_folder) if media_folder is not None else None
        self.ticker = TickerWidget()

        # Footer: the connection state and the hint.
        self.foot = style.panel("foot")
        self.foot.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.status_dot = style.label("●", "statusDot")
        self.status_text = style.label("", "statusText")
        self.hint = style.label(
            style.both(
                "Vui lòng theo dõi số thứ tự trên màn hình", "Please watch for your number", english
            ),
            "hint",
        )
        self.hint.setWordWrap(True)
        foot = self.foot_layout = QHBoxLayout(self.foot)
        foot.addWidget(self.status_dot)
        foot.addWidget(self.status_text)
        foot.addWidget(self.hint, 1)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for label in (self.hint, self.recent_head):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._blink_timer = timer(self, BLINK_STEP_MS, self.on_blink_step)
        self._blink_steps = 0
        self.body: QWidget | None = None
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(0)
        self._outer.addWidget(self.head)
        self._build_body()
        self._outer.addWidget(self.ticker)
        self._outer.addWidget(self.foot)
        self.set_status(style.CONNECTING)
        self.show_calls([])
        self._apply_scale()

    # ------------------------------------------------------------------ layout

    def _build_body(self) -> None:
        body = QWidget()
        grid = self.grid = QGridLayout(body)
        if self.orientation == LANDSCAPE:
            # | now            | recent | waiting |
            # | now or (media) | recent | waiting |
            if self.media is None:
                grid.addWidget(self.now, 0, 0, 2, 1)
            else:
                grid.addWidget(self.now, 0, 0)
                grid.addWidget(self.media, 1, 0)
            grid.addWidget(self.recent, 0, 1, 2, 1)
            grid.addWidget(self.waiting, 0, 2, 2, 1)
            grid.setColumnStretch(0, 9)
            grid.setColumnStretch(1, 5)
            grid.setColumnStretch(2, 7)
            grid.setRowStretch(0, 1)
            grid.setRowStretch(1, 1)
        else:
            # now / recent | waiting / (media)
            grid.addWidget(self.now, 0, 0, 1, 2)
            grid.addWidget(self.recent, 1, 0)
            grid.addWidget(self.waiting, 1, 1)
            grid.setColumnStretch(0, 4)
            grid.setColumnStretch(1, 5)
            grid.setRowStretch(0, 4)
            grid.setRowStretch(1, 7)
            if self.media is not None:
                grid.addWidget(self.media, 2, 0, 1, 2)
                grid.setRowStretch(2, 4)
        old = self.body
        self.body = body
        if old is None:
            self._outer.addWidget(body, 1)
        else:
            self._outer.replaceWidget(old, body)
            old.deleteLater()
        self.setProperty("orientation", self.orientation)

    def _apply_scale(self) -> None:
        width, height = max(1, self.width()), max(1, self.height())
        if self.requested_orientation == AUTO:
            orientation = LANDSCAPE if width >= height else PORTRAIT
            if orientation != self.orientation:
                self.orientation = orientation
                self._build_body()
        if self.orientation == LANDSCAPE:
            scale = min(width / 1920, height / 1080)
        else:
            scale = min(width / 1080, height / 1920)
        scale = round(max(scale, 0.2), 3)
        if scale == self.scale:
            return
        self.scale = scale
        self.setStyleSheet(_stylesheet(scale))
        margin = style.px(24, scale)
        self.grid.setContentsMargins(margin, margin, margin, margin)
        self.grid.setSpacing(margin)
        self.head_layout.setContentsMargins(
            margin, style.px(12, scale), margin, style.px(12, scale)
        )
        self.foot_layout.setContentsMargins(margin, style.px(8, scale), margin, style.px(8, scale))
        for row in self.recent_rows:
            row.setFixedHeight(style.px(80, scale))
        self.ticker.set_scale(scale)
        self.waiting.set_scale(scale)

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._apply_scale()
        # The labels' widths are known once the layout has run.
        QTimer.singleShot(0, self._fit_titles)

    # ------------------------------------------------------------------ content

    def set_titles(self, site: str, zone: str) -> None:
        self.site_title, self.zone_title = site, zone
        self._fit_titles()

    def _fit_titles(self) -> None:
        style.fit_text(self.site_label, self.site_title, self.site_label.width(), smallest=0.6)
        style.fit_text(self.zone_label, self.zone_title, self.zone_label.width())

    def set_status(self, status: str) -> None:
        self.status = status
        self.status_text.setText(style.status_text(status, self.english))
        colour = style.STATUS_COLOUR.get(status, style.MUTED)
        self.status_dot.setStyleSheet(
            f"color: {colour}; font-size: {style.px(26, self.scale or 1)}px;"
        )

    def set_ticker(self, text: str | None) -> None:
        self.ticker.set_text(text)

    def show_waiting(self, rows: list[ServiceRow]) -> None:
        self.waiting.set_rows(rows)

    def show_calls(
        self, calls: list[Call], speaking: Call | None = None, *, blink: bool = False
    ) -> None:
        """The calls newest first; `speaking` (the call being announced) takes the big card.
        `blink`: blink the big card if its call changed (not for a snapshot on start)."""
        self.calls = list(calls)
        self.speaking = speaking
        featured = speaking or (calls[0] if calls else None)
        changed = featured is not None and (
            self.featured is None or featured.key != self.featured.key
        )
        self.featured = featured
        if featured is None:
            self.now_number.setText("–")
            self.now_counter.setText("")
            self.now_service.setText("")
        else:
            self.now_number.setText(featured.number)
            n = featured.counter_number
            english = (
                f" <span style='font-size:{style.px(34, self.scale or 1)}px;"
                f" font-weight:400'>· counter {n}</span>"
            )
            self.now_counter.setText(f"đến quầy số {n}{english if self.english else ''}")
            self.now_service.setText(featured.service_vi)
        _restyle(self.now, "speaking", speaking is not None)
        others = [c for c in calls if featured is None or c.ticket_id != featured.ticket_id][
            :RECENT
        ]
        for index, row in enumerate(self.recent_rows):
            call = others[index] if index < len(others) else None
            row.show_call(
                call, speaking is not None and call is not None and call.key == speaking.key
            )
            row.setVisible(call is not None)  # an empty row would be an empty white box
        self.recent_head.setVisible(bool(others))
        self.recent_empty.setVisible(not calls)
        if changed and blink:
            self.blink()

    # ------------------------------------------------------------------ blinking

    def blink(self) -> None:
        self._blink_steps = BLINK_MS // BLINK_STEP_MS
        _restyle(self.now, "blink", True)
        self._blink_timer.start()

    @property
    def blinking(self) -> bool:
        return self._blink_timer.isActive()

    def on_blink_step(self) -> None:
        self._blink_steps -= 1
        if self._blink_steps <= 0:
            self._blink_timer.stop()
            _restyle(self.now, "blink", False)
            return
        _restyle(self.now, "blink", not self.now.property("blink"))

    # ------------------------------------------------------------------ sound

    def set_announcing(self, announcing: bool) -> None:
        """Mute the media area's videos while a call is being announced."""
        if self.media is not None:
            self.media.set_announcing(announcing)
