"""The ticket screen: the number huge, the service, the counters, people ahead, the wait,
the QR code (a phone can scan it off the screen) and what the printer is doing."""

from __future__ import annotations

from enum import StrEnum

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.model import pick
from kiosk.views.common import Metrics, _, label, qr_pixmap, repolish


class PrintState(StrEnum):
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"  # the print failed after the ticket was issued
    SCREEN_ONLY = "screen_only"  # the printer was known not ready: no print tried


class TicketView(QWidget):
    """Signals:
    dismissed(): the visitor touched the screen (they have their number).
    """

    dismissed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = label()
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = label(role="number", wrap=False)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.service = label(role="title")
        self.service.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.facts = label()
        self.facts.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = label(role="muted")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = label()
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label(role="muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        qr_box = QVBoxLayout()
        qr_box.addWidget(self.qr)
        qr_box.addWidget(self.qr_caption)
        self.body = QHBoxLayout()
        texts = QVBoxLayout()
        texts.addWidget(self.heading)
        texts.addWidget(self.number)
        texts.addWidget(self.service)
        texts.addWidget(self.facts)
        self.body.addLayout(texts, 3)
        self.body.addLayout(qr_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addStretch(1)
        layout.addLayout(self.body)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.hint)
        self.ticket: dict = {}
        self.lang = "vi"
        self.state = PrintState.PRINTING
        self.error = ("", "")
        self.metrics = Metrics(1080, 1920)

    def set_metrics(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.body.setDirection(
            QHBoxLayout.Direction.TopToBottom
            if metrics.portrait
            else QHBoxLayout.Direction.LeftToRight
        )
        if self.ticket:
            self._draw_qr()

    def show_ticket(self, ticket: dict, lang: str, state: PrintState) -> None:
        """`ticket`: POST /tickets' answer."""
        self.ticket, self.lang = ticket, lang
        self.error = ("", "")
        self.number.setText(ticket["number"])
        self._draw_qr()
        self.set_state(state)

    def _draw_qr(self) -> None:
        url = self.ticket.get("tracking_url") or ""
        self.qr.setVisible(bool(url))
        self.qr_caption.setVisible(bool(url))
        if url:
            self.qr.setPixmap(qr_pixmap(url, self.metrics.qr))

    def set_state(self, state: PrintState, error_vi: str = "", error_en: str = "") -> None:
        self.state = state
        if error_vi or error_en:
            self.error = (error_vi, error_en)
        self.retranslate()

    def retranslate(self) -> None:
        if not self.ticket:
            return
        t = self.ticket
        service = t["service"]
        self.heading.setText(_("Your number"))
        self.service.setText(pick(self.lang, service["name_vi"], service.get("name_en") or ""))
        lines = []
        if t.get("serving_counters"):
            lines.append(
                _("Counters: {counters}").format(
                    counters=", ".join(str(c) for c in t["serving_counters"])
                )
            )
        wait = pick(
            self.lang, t.get("estimated_wait_text_vi") or "", t.get("estimated_wait_text_en") or ""
        )
        if wait:
            lines.append(
                _("People ahead: {ahead} · Estimated wait: {wait}").format(
                    ahead=t.get("people_ahead", 0), wait=wait
                )
            )
        else:
            lines.append(_("People ahead: {ahead}").format(ahead=t.get("people_ahead", 0)))
        self.facts.setText("\n".join(lines))
        self.qr_caption.setText(_("Scan to follow your turn on your phone"))
        role, text, hint = "", "", ""
        if self.state == PrintState.PRINTING:
            role, text = "warning", _("Printing your ticket…")
        elif self.state == PrintState.PRINTED:
            role, text = "ok", _("Please take your ticket below.")
            hint = _("Touch the screen when you are done.")
        elif self.state == PrintState.FAILED:
            role = "error"
            text = _(
                "The ticket could not be printed. Please remember your number or scan the QR code."
            )
            reason = pick(self.lang, *self.error)
            hint = (reason + "\n" if reason else "") + _("Touch the screen when you are done.")
        else:
            role = "warning"
            text = _(
                "The printer is not available. Please remember your number or scan the QR code."
            )
            hint = _("Touch the screen when you are done.")
        self.status.setProperty("role", role)
        self.status.setText(text)
        repolish(self.status)
        self.hint.setText(hint)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 - Qt's name
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self.dismissed.emit()
        super().mouseReleaseEvent(event)
