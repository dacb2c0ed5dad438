"""The dossier code (mã hồ sơ): typed on an on-screen keyboard, or read by a barcode/QR
scanner that types like a keyboard (its characters and its Enter reach the field)."""

from __future__ import annotations

import unicodedata

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.views.common import Header, WrapButton, _, button, label

KEYS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM./_")
MAX_LENGTH = 64


class DossierView(QWidget):
    """Signals:
    entered(str): the code (stripped, NFC, upper case), on OK or a scanner's Enter.
    skipped(): the visitor has no code.
    back(), language(): see :class:`kiosk.views.common.Header`.
    """

    entered = pyqtSignal(str)
    skipped = pyqtSignal()
    back = pyqtSignal()
    language = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = Header()
        self.header.back.connect(self.back)
        self.header.language.connect(self.language)
        self.hint = label(role="muted")
        self.field = QLineEdit()
        self.field.setMaxLength(MAX_LENGTH)
        self.field.returnPressed.connect(self._submit)
        self.field.textChanged.connect(self._changed)
        keyboard = QGridLayout()
        keyboard.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for row, keys in enumerate(KEYS):
            for column, key in enumerate(keys):
                widget = button(key)
                widget.setStyleSheet("padding: 0; min-width: 0;")
                widget.setMinimumWidth(0)
                widget.clicked.connect(lambda _checked=False, k=key: self._type(k))
                keyboard.addWidget(widget, row, column)
                self.keys[key] = widget
        # The actions' column is narrow in portrait (a sixth of 1080 pixels): their words
        # wrap ("⌫" over "Delete").
        self.delete_button = WrapButton()
        self.clear_button = WrapButton()
        self.skip_button = WrapButton()
        self.ok_button = WrapButton(role="primary")
        self.delete_button.clicked.connect(self.field.backspace)
        self.clear_button.clicked.connect(self.field.clear)
        self.skip_button.clicked.connect(self.skipped)
        self.ok_button.clicked.connect(self._submit)
        # The actions in a column beside the keys: six rows of touch targets in all, so
        # that the screen fits 768 pixels of height.
        for row, widget in enumerate(
            (self.delete_button, self.clear_button, self.skip_button, self.ok_button)
        ):
            keyboard.addWidget(widget, row, len(KEYS[0]))
        for column in range(len(KEYS[0])):
            keyboard.setColumnStretch(column, 1)
        keyboard.setColumnStretch(len(KEYS[0]), 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(self.header)
        layout.addWidget(self.hint)
        layout.addWidget(self.field)
        layout.addLayout(keyboard, 1)
        self.retranslate()
        self._changed("")

    def start(self) -> None:
        """A new visitor: empty field, focused so that a scanner's keystrokes land in it."""
        self.field.clear()
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def code(self) -> str:
        return unicodedata.normalize("NFC", self.field.text()).strip().upper()

    def _type(self, key: str) -> None:
        self.field.insert(key)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _changed(self, _text: str) -> None:
        self.ok_button.setEnabled(bool(self.code()))

    def _submit(self) -> None:
        if self.code():
            self.entered.emit(self.code())

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.ok_button, self.skip_button, self.header.back_button):
            widget.setEnabled(enabled)
        if enabled:
            self._changed("")

    def retranslate(self) -> None:
        self.header.retranslate()
        self.header.title.setText(_("Dossier code"))
        self.hint.setText(_("Type the code of your dossier, or scan it. No code? Touch “No code”."))
        self.delete_button.set_text(_("⌫ Delete"))
        self.clear_button.set_text(_("Clear"))
        self.skip_button.set_text(_("No code"))
        self.ok_button.set_text(_("OK"))
