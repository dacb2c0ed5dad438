"""Log-in (server address, username, password) and the choice of a counter."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from contract.tickets import COUNTER_STATE_LABELS, CounterState
from counter_client.views.format import contract_label
from desktop.i18n import Catalog, language

_ = Catalog("counter_client").gettext


class LoginDialog(QDialog):
    """First run, or after the token was refused.

    Signals:
        submitted(str, str, str): server address, username, password.
        quit_requested(): the officer closed it.
    """

    submitted = pyqtSignal(str, str, str)
    quit_requested = pyqtSignal()

    def __init__(self, server: str = "", username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("hangdoi: log in to the counter"))
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.server = QLineEdit(server, self)
        self.server.setPlaceholderText("http://192.168.1.10:8000")
        self.username = QLineEdit(username, self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Server address"), self.server)
        form.addRow(_("Username"), self.username)
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.login_button = QPushButton(_("Log in"), self)
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = QPushButton(_("Quit"), self)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self._connect_signals()
        (self.password if server and username else self.server).setFocus()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.on_submit)
        self.buttons.rejected.connect(self.quit_requested)

    def on_submit(self) -> None:
        if not self.server.text().strip() or not self.username.text().strip():
            self.show_error(_("Enter the server address and your username."))
            return
        self.set_busy(True)
        self.submitted.emit(
            self.server.text().strip(), self.username.text().strip(), self.password.text()
        )

    def set_busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        if busy:
            self.message.setText(_("Logging in…"))

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.message.setText(text)
        self.password.clear()
        self.password.setFocus()

    def accept(self) -> None:  # Enter submits; the dialog closes when the log-in succeeds
        self.on_submit()


class CounterChoiceDialog(QDialog):
    """The counters of the officer's site; the last one used is preselected.

    Signals:
        chosen(int): the counter's id.
        logout_requested(): log out instead.
    """

    chosen = pyqtSignal(int)
    logout_requested = pyqtSignal()

    def __init__(
        self,
        counters: list[dict[str, Any]],
        user_id: int | None,
        last: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Choose your counter"))
        self.resize(480, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Which counter do you open?"), self))
        self.list = QListWidget(self)
        preselect = None
        for counter in counters:
            state = CounterState(counter["state"])
            name = counter.get("name_en" if language() == "en" else "name_vi") or counter["number"]
            text = f"{name} · {contract_label(COUNTER_STATE_LABELS[state])}"
            mine = counter.get("officer_id") in (None, user_id)
            if state != CounterState.CLOSED and counter.get("officer_name") and not mine:
                text += " · " + _("taken by {name}").format(name=counter["officer_name"])
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, counter["id"])
            free = state == CounterState.CLOSED or mine
            if not free:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
            if free and (preselect is None or counter["id"] == last):
                preselect = self.list.count() - 1
        if preselect is not None:
            self.list.setCurrentRow(preselect)
        layout.addWidget(self.list)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.open_button = QPushButton(_("Open the counter"), self)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.logout_button = QPushButton(_("Log out"), self)
        self.buttons.addButton(self.logout_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.on_open)
        self.buttons.rejected.connect(self.logout_requested)
        self.list.itemDoubleClicked.connect(lambda _item: self.on_open())

    def on_open(self) -> None:
        item = self.list.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.show_error(_("Choose a counter that is free."))
            return
        self.chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_error(self, text: str) -> None:
        self.message.setText(text)

    def accept(self) -> None:
        self.on_open()
