"""The kiosk's settings, behind the hidden gesture and the PIN: pairing (server address
and device token), the printer mapping with "print a test slip", the behaviour settings,
and the way out of the app. Also the first screen of a kiosk not yet paired."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.views.common import _, button, label, repolish, scroll_area
from printers.encode import MODES


class SettingsView(QWidget):
    """Signals:
    save_requested(dict): the settings as entered (see :meth:`values`): pair and save.
    test_print_requested(dict): print a test slip with the printer settings as entered.
    exit_requested(): leave the app (only reachable with the PIN).
    closed(): back to the visitor's screens without a change.
    """

    save_requested = pyqtSignal(dict)
    test_print_requested = pyqtSignal(dict)
    exit_requested = pyqtSignal()
    closed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(role="title")
        self.message = label()
        self.server = QLineEdit()
        self.server.setPlaceholderText("http://192.168.1.10:5000")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("hdd_…")
        self.printer = QLineEdit()
        self.printer.setPlaceholderText("network:192.168.1.50 · usb:04b8:0202 · file:/dev/usb/lp0")
        self.profile = QLineEdit()
        self.profile.setPlaceholderText("TM-T20II")
        self.mode = QComboBox()
        self.mode.addItems(list(MODES))
        self.printed_only = QCheckBox()
        self.skip_departments = QCheckBox()
        self.idle_seconds = QSpinBox()
        self.idle_seconds.setRange(10, 600)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.dossier_services = QLineEdit()
        self.dossier_services.setPlaceholderText("LLTP, HT")
        self.form = QFormLayout()
        self.form.setVerticalSpacing(16)
        self._labels: dict[str, Any] = {}
        for key, widget in (
            ("server", self.server),
            ("token", self.token),
            ("printer", self.printer),
            ("profile", self.profile),
            ("mode", self.mode),
            ("printed_only", self.printed_only),
            ("skip_departments", self.skip_departments),
            ("idle_seconds", self.idle_seconds),
            ("pin", self.pin),
            ("dossier_services", self.dossier_services),
        ):
            self._labels[key] = label(
                wrap=False
            )  # one line beside its field: a form row is one field high
            self.form.addRow(self._labels[key], widget)
        form_host = QWidget()
        form_host.setLayout(self.form)
        self.save_button = button(role="primary")
        self.test_button = button()
        self.close_button = button()
        self.exit_button = button()
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.values()))
        self.test_button.clicked.connect(lambda: self.test_print_requested.emit(self.values()))
        self.close_button.clicked.connect(self.closed)
        self.exit_button.clicked.connect(self.exit_requested)
        actions = QGridLayout()
        actions.addWidget(self.save_button, 0, 0)
        actions.addWidget(self.test_button, 0, 1)
        actions.addWidget(self.close_button, 1, 0)
        actions.addWidget(self.exit_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(scroll_area(form_host), 1)
        layout.addLayout(actions)
        self.retranslate()

    def load(self, values: dict[str, Any], *, paired: bool) -> None:
        """Fill the form; `paired`: the kiosk works already (it may go back without saving)."""
        self.server.setText(values.get("server") or "")
        self.token.setText(values.get("token") or "")
        self.printer.setText(values.get("printer") or "")
        self.profile.setText(values.get("printer_profile") or "")
        self.mode.setCurrentText(values.get("printer_mode") or "raster")
        self.printed_only.setChecked(bool(values.get("printed_only")))
        self.skip_departments.setChecked(bool(values.get("skip_departments")))
        self.idle_seconds.setValue(int(values.get("idle_seconds") or 30))
        self.pin.setText(values.get("pin") or "")
        self.dossier_services.setText(", ".join(values.get("dossier_services") or ()))
        self.close_button.setVisible(paired)

    def values(self) -> dict[str, Any]:
        return {
            "server": self.server.text().strip(),
            "token": self.token.text().strip(),
            "printer": self.printer.text().strip(),
            "printer_profile": self.profile.text().strip() or None,
            "printer_mode": self.mode.currentText(),
            "printed_only": self.printed_only.isChecked(),
            "skip_departments": self.skip_departments.isChecked(),
            "idle_seconds": self.idle_seconds.value(),
            "pin": self.pin.text().strip(),
            "dossier_services": [
                c.strip().upper() for c in self.dossier_services.text().split(",") if c.strip()
            ],
        }

    def set_message(self, text: str, role: str = "") -> None:
        self.message.setProperty("role", role)
        self.message.setText(text)
        repolish(self.message)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.save_button, self.test_button):
            widget.setEnabled(not busy)

    def retranslate(self) -> None:
        self.title.setText(_("Kiosk settings"))
        texts = {
            "server": _("Server address"),
            "token": _("Kiosk device token"),
            "printer": _("Printer (type:address)"),
            "profile": _("Printer profile"),
            "mode": _("Print mode"),
            "printed_only": _("Printed tickets only (no on-screen ticket)"),
            "skip_departments": _("Skip the department step"),
            "idle_seconds": _("Back to the start after (seconds)"),
            "pin": _("Settings PIN"),
            "dossier_services": _("Services that ask for a dossier code"),
        }
        for key, text in texts.items():
            self._labels[key].setText(text)
        self.save_button.setText(_("Save and connect"))
        self.test_button.setText(_("Print a test slip"))
        self.close_button.setText(_("Back to the kiosk"))
        self.exit_button.setText(_("Exit the app"))


class PinView(QWidget):
    """A numeric keypad for the settings PIN.

    Signals:
        entered(str): the digits typed, on OK.
        cancelled(): back to the visitor's screens.
    """

    entered = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(role="title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label(role="error")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.setMaxLength(8)
        self.field.returnPressed.connect(self._submit)
        pad = QGridLayout()
        for index, key in enumerate("123456789"):
            widget = button(key)
            widget.clicked.connect(lambda _checked=False, k=key: self.field.insert(k))
            pad.addWidget(widget, index // 3, index % 3)
        self.cancel_button = button()
        zero = button("0")
        zero.clicked.connect(lambda: self.field.insert("0"))
        self.ok_button = button(role="primary")
        pad.addWidget(self.cancel_button, 3, 0)
        pad.addWidget(zero, 3, 1)
        pad.addWidget(self.ok_button, 3, 2)
        self.cancel_button.clicked.connect(self.cancelled)
        self.ok_button.clicked.connect(self._submit)
        box = QVBoxLayout()
        box.addWidget(self.title)
        box.addWidget(self.message)
        box.addWidget(self.field)
        box.addLayout(pad)
        row = QHBoxLayout(self)
        row.addStretch(1)
        row.addLayout(box, 2)
        row.addStretch(1)
        self.retranslate()

    def start(self, message: str = "") -> None:
        self.field.clear()
        self.message.setText(message)

    def _submit(self) -> None:
        self.entered.emit(self.field.text())

    def retranslate(self) -> None:
        self.title.setText(_("Enter the settings PIN"))
        self.cancel_button.setText(_("Cancel"))
        self.ok_button.setText(_("OK"))
