"""The panel under the bar: the waiting tickets in call order, the held tickets, the day's
figures and the last actions (with an undo hint where the state machine allows one), and,
when the hotkeys work only while the bar has the focus, why and what would change it."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from contract.tickets import ACTION_LABELS, TicketAction
from counter_client.actions import ACTIONS
from counter_client.session import Done
from counter_client.views.format import contract_label, duration, local_time, waiting_line
from desktop import theme
from desktop.i18n import Catalog

_ = Catalog("counter_client").gettext

ACTION_OF = {
    "call_next": TicketAction.CALL,
    "call_number": TicketAction.CALL,
    "recall": TicketAction.RECALL,
    "start": TicketAction.START,
    "finish": TicketAction.FINISH,
    "no_show": TicketAction.NO_SHOW,
    "hold": TicketAction.HOLD,
    "transfer": TicketAction.TRANSFER,
    "resume_held": TicketAction.RESUME,
    "return_held": TicketAction.RETURN,
    "undo_call": TicketAction.RETURN,
}


class Panel(QWidget):
    """The fold-out panel.

    Signals:
        held_move_requested(str, int): "resume" (call it back) or "return" (to the queue)
            for the held ticket of that id.
        undo_requested(int): put the ticket just called back in the queue.
    """

    held_move_requested = pyqtSignal(str, int)
    undo_requested = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._undo_ticket: int | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 8)
        self.waiting_title = QLabel(self)
        self.waiting_title.setFont(theme.font(10, bold=True))
        self.waiting_list = QListWidget(self)
        self.waiting_list.setMinimumHeight(160)
        self.waiting_list.setWordWrap(True)  # a long service name on two lines, not cut
        self.held_title = QLabel(self)
        self.held_title.setFont(theme.font(10, bold=True))
        self.held_list = QListWidget(self)
        held_buttons = QHBoxLayout()
        self.resume_button = QPushButton(self)
        self.return_button = QPushButton(self)
        held_buttons.addWidget(self.resume_button)
        held_buttons.addWidget(self.return_button)
        self.day_title = QLabel(self)
        self.day_title.setFont(theme.font(10, bold=True))
        self.day_label = QLabel(self)
        self.history_title = QLabel(self)
        self.history_title.setFont(theme.font(10, bold=True))
        self.history_list = QListWidget(self)
        self.undo_label = QLabel(self)
        self.undo_label.setWordWrap(True)
        self.undo_label.setProperty("role", "muted")
        self.undo_button = QPushButton(self)
        # Each column a box of its own, title on top: in rows of the grid shared with the
        # other columns, the title sat in the middle of a row as tall as theirs.
        waiting = QVBoxLayout()
        waiting.addWidget(self.waiting_title)
        waiting.addWidget(self.waiting_list, 1)
        grid.addLayout(waiting, 0, 0, 4, 1)
        held = QVBoxLayout()
        held.addWidget(self.held_title)
        held.addWidget(self.held_list)
        held.addLayout(held_buttons)
        self.hotkeys_title = QLabel(self)
        self.hotkeys_title.setFont(theme.font(10, bold=True))
        self.hotkeys_label = QLabel(self)
        self.hotkeys_label.setWordWrap(True)
        self.hotkeys_label.setProperty("role", "warning")
        held.addWidget(self.hotkeys_title)
        held.addWidget(self.hotkeys_label)
        self.show_hotkeys(None)
        grid.addLayout(held, 0, 1, 4, 1)
        right = QVBoxLayout()
        right.addWidget(self.day_title)
        right.addWidget(self.day_label)
        right.addWidget(self.history_title)
        right.addWidget(self.history_list)
        right.addWidget(self.undo_label)
        right.addWidget(self.undo_button)
        grid.addLayout(right, 0, 2, 4, 1)
        self._connect_signals()
        self.retranslate()
        self.show_day([], [], 0, None, [], False)

    def _connect_signals(self) -> None:
        self.resume_button.clicked.connect(lambda: self.on_held_move("resume"))
        self.return_button.clicked.connect(lambda: self.on_held_move("return"))
        self.undo_button.clicked.connect(self.on_undo)
        self.held_list.currentRowChanged.connect(self.on_held_selected)

    def retranslate(self) -> None:
        self.waiting_title.setText(_("Waiting, in call order"))
        self.held_title.setText(_("Held"))
        self.resume_button.setText(_("Call back"))
        self.return_button.setText(_("Return to queue"))
        self.day_title.setText(_("Today at this counter"))
        self.history_title.setText(_("Last actions"))
        self.undo_button.setText(_("Return to queue"))
        self.hotkeys_title.setText(_("Hotkeys"))

    def show_day(
        self,
        waiting: list[dict[str, Any]],
        held: list[dict[str, Any]],
        served: int,
        mean_seconds: int | None,
        history: list[Done],
        counter_free: bool,
        undo_ticket: int | None = None,
    ) -> None:
        self.waiting_list.clear()
        for ticket in waiting:
            item = QListWidgetItem(waiting_line(ticket))
            if ticket.get("priority_category"):
                item.setForeground(Qt.GlobalColor.magenta)
            self.waiting_list.addItem(item)
        if not waiting:
            self.waiting_list.addItem(_("Nobody is waiting."))
        selected = self.held_list.currentRow()
        self.held_list.clear()
        for ticket in held:
            item = QListWidgetItem(
                f"{ticket.get('number')} · {local_time(ticket.get('called_at'))}"
            )
            item.setData(Qt.ItemDataRole.UserRole, ticket.get("id"))
            self.held_list.addItem(item)
        if held:
            self.held_list.setCurrentRow(min(max(selected, 0), len(held) - 1))
        self._counter_free = counter_free
        self.on_held_selected(self.held_list.currentRow())
        mean = duration(mean_seconds) if mean_seconds is not None else "—"
        self.day_label.setText(
            _("Served: {served} · mean service time: {mean}").format(served=served, mean=mean)
        )
        self.history_list.clear()
        for done in history:
            name = _action_name(done.action)
            number = f" {done.number}" if done.number else ""
            self.history_list.addItem(f"{local_time(done.at.isoformat())} {name}{number}")
        self._undo_ticket = undo_ticket
        if undo_ticket is not None:
            self.undo_label.setText(
                _("Called the wrong number? Put it back in the queue at its place.")
            )
        else:
            self.undo_label.setText("")
        self.undo_button.setVisible(undo_ticket is not None)

    def show_hotkeys(self, notice: str | None) -> None:
        """Why the hotkeys are limited (None: they work everywhere, nothing is shown)."""
        if notice:
            advice = _(
                "To use them while you work in another program, the counter client needs "
                "Windows or an X11 desktop session, with global hotkeys on "
                '("global_hotkeys": true in counter_client.json). '
                "The buttons of the bar always work."
            )
            self.hotkeys_label.setText(f"{notice}\n{advice}")
        else:
            self.hotkeys_label.setText("")
        self.hotkeys_title.setVisible(bool(notice))
        self.hotkeys_label.setVisible(bool(notice))

    def on_held_selected(self, row: int) -> None:
        has = row >= 0 and self.held_list.count() > 0
        self.return_button.setEnabled(has)
        self.resume_button.setEnabled(has and getattr(self, "_counter_free", False))

    def on_held_move(self, move: str) -> None:
        item = self.held_list.currentItem()
        if item is not None:
            self.held_move_requested.emit(move, int(item.data(Qt.ItemDataRole.UserRole)))

    def on_undo(self) -> None:
        if self._undo_ticket is not None:
            self.undo_requested.emit(self._undo_ticket)


def _action_name(action: str) -> str:
    move = ACTION_OF.get(action)
    if move is not None:
        return contract_label(ACTION_LABELS[move])
    if action in ACTIONS:
        return _(ACTIONS[action].label)
    return action
