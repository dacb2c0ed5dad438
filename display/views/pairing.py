"""The pairing screen: the server's address and the display's device token (``hdd_…``).

The zone comes from the token. The controller answers :attr:`PairingView.pair_requested`
by checking the token with the server; a refusal (or a token revoked later) comes back
here with its message (:meth:`PairingView.show_error`).

Signals:
    pair_requested(str server, str token)
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from display.views import style

STYLE = f"""
PairingView {{ background: {style.GROUND}; }}
#pairCard {{ background: {style.PAPER}; border-radius: 16px; }}
#pairTitle {{ font-size: 34px; font-weight: 700; color: {style.NAVY}; }}
#pairHelp {{ font-size: 18px; color: {style.MUTED}; }}
QLabel {{ font-size: 20px; color: {style.INK}; }}
QLineEdit {{ font-size: 22px; padding: 10px; border: 2px solid {style.LINE}; border-radius: 8px; }}
QLineEdit:focus {{ border-color: {style.NAVY}; }}
QPushButton {{ font-size: 22px; font-weight: 600; padding: 12px 24px; border-radius: 10px;
              background: {style.NAVY}; color: white; }}
QPushButton:disabled {{ background: {style.MUTED}; }}
#pairError {{ color: {style.RED}; font-weight: 600; }}
"""


class PairingView(QWidget):
    pair_requested = pyqtSignal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        card = style.panel("pairCard")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        card.setFixedWidth(900)
        title = style.label("Ghép nối màn hình · Pair this display", "pairTitle")
        help_text = style.label(
            "Nhập địa chỉ máy chủ và mã thiết bị màn hình (hdd_…) do quản trị viên cấp. "
            "Màn hình sẽ hiển thị các số gọi của khu vực gắn với mã đó.<br>"
            "<i>Type the server address and the display device token (hdd_…) from the "
            "administrator. The display shows the calls of that token's zone.</i>",
            "pairHelp",
        )
        help_text.setWordWrap(True)
        self.server = QLineEdit()
        self.server.setPlaceholderText("http://192.168.1.10:8000")
        self.token = QLineEdit()
        self.token.setPlaceholderText("hdd_…")
        self.token.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        for field in (self.server, self.token):
            field.setMinimumHeight(56)
        self.connect_button = QPushButton("Kết nối · Connect")
        self.error = style.label("", "pairError")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Máy chủ · Server", self.server)
        form.addRow("Mã thiết bị · Token", self.token)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(40, 36, 40, 36)
        inner.setSpacing(18)
        inner.addWidget(title)
        inner.addWidget(help_text)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.connect_button, alignment=Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, alignment=Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.connect_button.clicked.connect(self.on_submit)
        self.token.returnPressed.connect(self.on_submit)
        self.server.returnPressed.connect(self.token.setFocus)

    def set_values(self, server: str, token: str = "") -> None:
        self.server.setText(server)
        self.token.setText(token)

    def set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText("Đang kết nối… · Connecting…" if busy else "Kết nối · Connect")

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.set_busy(False)

    def on_submit(self) -> None:
        server, token = self.server.text().strip(), self.token.text().strip()
        if not server or not token:
            self.show_error(
                "Hãy nhập cả địa chỉ máy chủ và mã thiết bị. · Type both the server address and the token."
            )
            return
        self.show_error("")
        self.set_busy(True)
        self.pair_requested.emit(server, token)
