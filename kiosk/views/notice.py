"""A calm full-screen message: "Tạm ngừng cấp số" (server unreachable, printer needed but
not ready), "Đang cấp số…" while a ticket is issued, or a refusal to read and dismiss."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from kiosk.views.common import label


class NoticeView(QWidget):
    """Signals:
    touched(): the visitor touched the screen (dismisses a dismissable notice).
    """

    touched = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(role="title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = label(role="muted")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 64, 64, 64)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(32)
        layout.addWidget(self.text)
        layout.addSpacing(32)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self.kind = ""

    def show_notice(self, kind: str, title: str, text: str, detail: str = "") -> None:
        """`kind` names the notice for the app and the tests (unreachable, paused, issuing,
        refused)."""
        self.kind = kind
        self.title.setText(title)
        self.text.setText(text)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def retranslate(self) -> None:
        """Its words are given in the language of the moment by the app (show_notice)."""

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 - Qt's name
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self.touched.emit()
        super().mouseReleaseEvent(event)
