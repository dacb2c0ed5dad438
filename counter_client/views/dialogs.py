"""The bar's dialogs: finish (outcome), transfer, call a number, pause, held tickets, and
leaving (pause or close the counter). Each is opened non-modally (``open()``), is driven
from the keyboard (Enter confirms, Esc cancels, digits choose) and says what was chosen
through its ``chosen`` signal."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from counter_client.actions import OUTCOMES
from counter_client.views.format import service_name, waiting_line
from desktop.i18n import N_, Catalog, language

_ = Catalog("counter_client").gettext

PAUSE_REASONS = (N_("Break"), N_("Meeting"), N_("Helping another counter"), N_("Technical problem"))


class _Dialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.layout_ = QVBoxLayout(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        for which, text in (
            (QDialogButtonBox.StandardButton.Ok, _("OK")),
            (QDialogButtonBox.StandardButton.Cancel, _("Cancel")),
        ):
            button = self.buttons.button(which)
            if button is not None:
                button.setText(text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.buttons)


class FinishDialog(_Dialog):
    """The outcome of the ticket being finished; keys 1–4 choose it.

    Signals:
        chosen(str, str, str): outcome, dossier code, note.
    """

    chosen = pyqtSignal(str, str, str)

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Finish {number}").format(number=number), parent)
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        self.keys: dict[str, str] = {}
        for index, (outcome, label, key) in enumerate(OUTCOMES):
            radio = QRadioButton(f"&{key}  {_(label)}", self)
            self.group.addButton(radio, index)
            self.radios[outcome] = radio
            self.keys[key] = outcome
            self.layout_.addWidget(radio)
        self.radios["completed"].setChecked(True)
        form = QFormLayout()
        self.dossier = QLineEdit(self)
        self.dossier.setMaxLength(64)
        self.note = QLineEdit(self)
        self.note.setMaxLength(500)
        form.addRow(_("Dossier code"), self.dossier)
        form.addRow(_("Note"), self.note)
        self.layout_.addLayout(form)
        self.finish_layout()
        self.accepted.connect(self.on_accepted)

    def outcome(self) -> str:
        return next(o for o, radio in self.radios.items() if radio.isChecked())

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802 - Qt's name
        # A digit chooses the outcome, unless one is typing a dossier code or a note.
        typing = self.dossier.hasFocus() or self.note.hasFocus()
        if event is not None and not typing and event.text() in self.keys:
            self.radios[self.keys[event.text()]].setChecked(True)
            return
        super().keyPressEvent(event)

    def on_accepted(self) -> None:
        self.chosen.emit(self.outcome(), self.dossier.text().strip(), self.note.text().strip())


class TransferDialog(_Dialog):
    """Send the current ticket to another service or to a given counter.

    Signals:
        chosen(dict): ``service_id`` or ``counter_id``, ``keep_position``, ``note``.
    """

    chosen = pyqtSignal(dict)

    def __init__(
        self,
        number: str,
        services: list[dict[str, Any]],
        counters: list[dict[str, Any]],
        own_counter: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Transfer {number}").format(number=number), parent)
        self.to_service = QRadioButton(_("To a service"), self)
        self.to_counter = QRadioButton(_("To a counter"), self)
        self.to_service.setChecked(True)
        self.service = QComboBox(self)
        for service in services:
            self.service.addItem(
                f"{service.get('code')} · {service_name({'service': service})}", service["id"]
            )
        self.counter = QComboBox(self)
        for counter in counters:
            if counter["id"] == own_counter:
                continue
            name = counter.get("name_en" if language() == "en" else "name_vi") or counter.get(
                "number"
            )
            self.counter.addItem(str(name), counter["id"])
        self.keep = QCheckBox(_("Keep the original place in the queue"), self)
        self.keep.setChecked(True)
        self.note = QLineEdit(self)
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("Note for the next officer"))
        form = QFormLayout()
        form.addRow(self.to_service, self.service)
        form.addRow(self.to_counter, self.counter)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.keep)
        self.layout_.addWidget(self.note)
        self.finish_layout()
        self.accepted.connect(self.on_accepted)

    def choice(self) -> dict[str, Any]:
        choice: dict[str, Any] = {
            "keep_position": self.keep.isChecked(),
            "note": self.note.text().strip(),
        }
        if self.to_counter.isChecked():
            choice["counter_id"] = self.counter.currentData()
        else:
            choice["service_id"] = self.service.currentData()
        return choice

    def on_accepted(self) -> None:
        self.chosen.emit(self.choice())


class CallNumberDialog(_Dialog):
    """Call a given number: the waiting tickets of the counter's services, filtered as one
    types; Enter calls the selected one, or the number typed.

    Signals:
        chosen(str): the number to call.
    """

    chosen = pyqtSignal(str)

    def __init__(self, waiting: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(_("Call a number"), parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Number, e.g. A012"))
        self.list = QListWidget(self)
        for ticket in waiting:
            item = QListWidgetItem(waiting_line(ticket))
            item.setData(Qt.ItemDataRole.UserRole, ticket.get("number"))
            self.list.addItem(item)
        self.layout_.addWidget(self.search)
        self.layout_.addWidget(self.list)
        self.finish_layout()
        self.search.textChanged.connect(self.on_search)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.accepted.connect(self.on_accepted)
        self.on_search("")

    def on_search(self, text: str) -> None:
        text = text.strip().upper()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            assert item is not None
            hidden = bool(text) and text not in str(item.data(Qt.ItemDataRole.UserRole)).upper()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        self.list.setCurrentRow(first if first is not None else -1)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802 - Qt's name
        # Up and Down move in the list while the search field has the focus.
        if event is not None and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.list.keyPressEvent(event)
            return
        super().keyPressEvent(event)

    def number(self) -> str:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            return str(item.data(Qt.ItemDataRole.UserRole))
        return self.search.text().strip().upper()

    def on_accepted(self) -> None:
        if self.number():
            self.chosen.emit(self.number())


class PauseDialog(_Dialog):
    """Pause the counter, with a reason (a choice or one's own words).

    Signals:
        chosen(str): the reason.
    """

    chosen = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Pause the counter"), parent)
        self.layout_.addWidget(QLabel(_("Reason"), self))
        self.reason = QComboBox(self)
        self.reason.setEditable(True)
        for reason in PAUSE_REASONS:
            self.reason.addItem(_(reason))
        self.layout_.addWidget(self.reason)
        self.finish_layout()
        self.accepted.connect(self.on_accepted)

    def on_accepted(self) -> None:
        self.chosen.emit(self.reason.currentText().strip())


class HeldDialog(_Dialog):
    """The counter's held tickets: call one back, or return it to the queue.

    Signals:
        chosen(str, int): "resume" or "return", and the ticket's id.
    """

    chosen = pyqtSignal(str, int)

    def __init__(
        self, held: list[dict[str, Any]], can_resume: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Held tickets"), parent)
        self.list = QListWidget(self)
        for ticket in held:
            item = QListWidgetItem(f"{ticket.get('number')} · {service_name(ticket)}")
            item.setData(Qt.ItemDataRole.UserRole, ticket.get("id"))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.layout_.addWidget(self.list)
        self.resume = QPushButton(_("&Call back"), self)
        self.resume.setEnabled(can_resume)
        self.back = QPushButton(_("&Return to queue"), self)
        self.layout_.addWidget(self.resume)
        self.layout_.addWidget(self.back)
        self.buttons.removeButton(self.buttons.button(QDialogButtonBox.StandardButton.Ok))
        self.finish_layout()
        self.resume.clicked.connect(lambda: self.on_move("resume"))
        self.back.clicked.connect(lambda: self.on_move("return"))

    def on_move(self, move: str) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen.emit(move, int(item.data(Qt.ItemDataRole.UserRole)))
            self.accept()


class LeaveDialog(QDialog):
    """Logging out or quitting: pause the counter, or close it.

    Signals:
        chosen(str): "pause" or "close".
    """

    chosen = pyqtSignal(str)

    def __init__(self, counter_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Leaving the counter"))
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(_("What happens to {counter}?").format(counter=counter_label), self)
        )
        self.pause = QPushButton(_("&Pause it (I will be back)"), self)
        self.close_ = QPushButton(_("C&lose it for today"), self)
        self.cancel = QPushButton(_("Cancel"), self)
        for button in (self.pause, self.close_, self.cancel):
            layout.addWidget(button)
        self.pause.clicked.connect(lambda: self.on_choice("pause"))
        self.close_.clicked.connect(lambda: self.on_choice("close"))
        self.cancel.clicked.connect(self.reject)

    def on_choice(self, choice: str) -> None:
        self.chosen.emit(choice)
        self.accept()
