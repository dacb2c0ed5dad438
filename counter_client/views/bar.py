"""The bar: always on top, a row with the current ticket, the counter's figures, a button
for each move of a ticket's cycle (its hotkey on it) and a "More" menu for the rest, and
under it a one-line status strip (the connection, why the hotkeys are limited when they
are, the last message); the panel folds out under both.

Nothing on it is cut: the ticket's service name wraps (at a smaller size when it must), and
the row grows when even that is not enough. The bar fits a 1366-pixel screen (an officer's
laptop): a button for every action would make it some 2,100 pixels wide.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PyQt6.QtCore import QPoint, QRect, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QFontMetrics, QKeySequence, QMouseEvent
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from contract.tickets import COUNTER_STATE_LABELS, CounterState
from counter_client import actions as act
from counter_client.views.format import contract_label, duration, parse_time, ticket_line
from counter_client.views.panel import Panel
from desktop import theme
from desktop.i18n import Catalog

_ = Catalog("counter_client").gettext

# The row's height when the ticket's lines fit in it; it grows when they do not.
BAR_HEIGHT = 56
ROW_MARGIN = 2  # above and below the row's content
# Within this many pixels of a screen's top or bottom edge, the bar docks to it.
DOCK_DISTANCE = 32
MESSAGE_MS = 8000
TICKET_WIDTH = 320
# Point sizes tried for the ticket's lines, largest first: the first at which they fit in
# the row is taken; below the last, the row grows instead (an officer reads it at arm's length).
TICKET_SIZES = (9.0, 8.5, 8.0)

# The moves an officer makes for every ticket: a button each.
BAR_BUTTONS = (
    act.CALL_NEXT,
    act.RECALL,
    act.START,
    act.FINISH,
    act.NO_SHOW,
    act.TRANSFER,
)
# The rest, a few times a day: entries of the "More" menu (None: a separator), each with its
# hotkey and enabled as its button was.
MORE_ENTRIES = (
    act.HOLD,
    act.HELD,
    act.CALL_NUMBER,
    None,
    act.PAUSE,
    act.RESUME_COUNTER,
    act.CLOSE,
    None,
    act.PANEL,
)
# The bar's buttons are narrower than the shared style's (4px 10px): the hotkey line is
# the widest, and eight buttons share the row.
BUTTON_STYLE = "QToolButton { padding: 2px 5px; }"


class Bar(QWidget):
    """The officer's bar.

    Signals:
        action_requested(str): a button of an action (see counter_client.actions) was pressed.
        held_move_requested(str, int): "resume" or "return" of a held ticket, from the panel.
        undo_requested(int): "return to queue" of the ticket just called (a wrong call).
        moved(str, int, int): the bar was dragged and dropped: screen name, x, y.
        close_requested(): the window's close button (quit asks pause or close first).
    """

    action_requested = pyqtSignal(str)
    held_move_requested = pyqtSignal(str, int)
    undo_requested = pyqtSignal(int)
    moved = pyqtSignal(str, int, int)
    close_requested = pyqtSignal()

    def __init__(self, hotkeys: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Counter"))
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.FramelessWindowHint
        )
        self.hotkeys = hotkeys
        self._drag_from: QPoint | None = None
        self._current: dict[str, Any] | None = None
        self.priority_names: dict[str, tuple[str, str]] = {}
        self._build()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.setInterval(MESSAGE_MS)
        self._connect_signals()
        self._clock.start()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # The window is always as big as its content: it grows and shrinks with the panel,
        # a taller row and a message of two lines.
        outer.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.row = QFrame(self)
        self.row.setFixedHeight(BAR_HEIGHT)
        layout = QHBoxLayout(self.row)
        layout.setContentsMargins(8, ROW_MARGIN, 4, ROW_MARGIN)
        layout.setSpacing(6)
        self.counter_label = QLabel(self.row)
        self.counter_label.setFont(theme.font(10, bold=True))
        self.number_label = QLabel("—", self.row)
        self.number_label.setProperty("role", "number")
        self.number_label.setFont(theme.font(22, bold=True))
        self.number_label.setMinimumWidth(90)
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_label = QLabel(self.row)
        self.ticket_label.setFont(theme.font(TICKET_SIZES[0]))
        self.ticket_label.setWordWrap(True)
        self.ticket_label.setFixedWidth(TICKET_WIDTH)
        self.timer_label = QLabel(self.row)
        self.timer_label.setFont(theme.font(9))
        self.timer_label.setMinimumWidth(110)
        self.waiting_label = QLabel(self.row)
        self.waiting_label.setFont(theme.font(10, bold=True))
        self.waiting_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for widget in (
            self.counter_label,
            self.number_label,
            self.ticket_label,
            self.timer_label,
            self.waiting_label,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.row.setStyleSheet(BUTTON_STYLE)
        self.buttons: dict[str, QToolButton] = {}
        for name in BAR_BUTTONS:
            self.buttons[name] = self._button()
            layout.addWidget(self.buttons[name])
        self.more_button = self._button()
        self.more_button.setObjectName("more")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self.more_button)
        self.more_menu.setFont(theme.font(10))
        self.more_button.setMenu(self.more_menu)
        self.menu_actions: dict[str, QAction] = {}
        for entry in MORE_ENTRIES:
            if entry is None:
                self.more_menu.addSeparator()
                continue
            action = self.more_menu.addAction("")
            assert action is not None
            # No QAction shortcut: the hotkeys are the Hotkeys object's (a second, Qt's,
            # would make the key ambiguous). The key is shown after the tab.
            action.setCheckable(entry == act.PANEL)
            self.menu_actions[entry] = action
        layout.addWidget(self.more_button)
        outer.addWidget(self.row)
        # The status strip: one line, the whole width of the bar.
        self.status_row = QFrame(self)
        self.status_row.setObjectName("statusStrip")
        status = QHBoxLayout(self.status_row)
        status.setContentsMargins(8, 0, 8, 2)
        status.setSpacing(16)
        self.connection_label = QLabel(self.status_row)
        self.connection_label.setFont(theme.font(9))
        self.hotkeys_label = QLabel(self.status_row)
        self.hotkeys_label.setFont(theme.font(9))
        self.hotkeys_label.setProperty("role", "warning")
        self.hotkeys_label.hide()
        self.message_label = _Message(self.status_row)
        self.message_label.setFont(theme.font(9))
        status.addWidget(self.connection_label)
        status.addWidget(self.hotkeys_label)
        status.addWidget(self.message_label, 1)
        outer.addWidget(self.status_row)
        self.panel = Panel(self)
        self.panel.hide()
        outer.addWidget(self.panel)
        self.retranslate()

    def _button(self) -> QToolButton:
        button = QToolButton(self.row)
        button.setFont(theme.font(8))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the hotkeys, not Tab, drive it
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        return button

    def _connect_signals(self) -> None:
        for name, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, n=name: self.on_button(n))
        for name, action in self.menu_actions.items():
            action.triggered.connect(lambda _checked=False, n=name: self.on_button(n))
        self.panel.held_move_requested.connect(self.held_move_requested)
        self.panel.undo_requested.connect(self.undo_requested)
        self._clock.timeout.connect(self.on_tick)
        self._message_timer.timeout.connect(self.on_message_timeout)

    def retranslate(self) -> None:
        for name, button in self.buttons.items():
            label, shown = _(act.ACTIONS[name].label), self._key_text(name)
            button.setText(f"{label}\n{shown}" if shown else label)
            button.setToolTip(f"{label} ({shown})" if shown else "")
        more, shown = f"⋯ {_(act.ACTIONS[act.MORE].label)}", self._key_text(act.MORE)
        self.more_button.setText(f"{more}\n{shown}" if shown else more)
        self.more_button.setToolTip(f"{more} ({shown})" if shown else more)
        for name in self.menu_actions:
            self._name_entry(name, _(act.ACTIONS[name].label))
        self.panel.retranslate()

    def _key_text(self, name: str) -> str:
        """The hotkey of action `name` as the platform writes it ("" if it has none)."""
        key = self.hotkeys.get(name, "")
        return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)

    def _name_entry(self, name: str, label: str) -> None:
        shown = self._key_text(name)
        self.menu_actions[name].setText(f"{label}\t{shown}" if shown else label)

    # ------------------------------------------------------------------ slots

    def on_button(self, name: str) -> None:
        if name == act.PANEL:
            self.toggle_panel(self.menu_actions[act.PANEL].isChecked())
            return
        self.action_requested.emit(name)

    def open_more(self) -> None:
        """Open the "More" menu under its button (its hotkey): arrows and Enter choose."""
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.more_menu.popup(self.more_button.mapToGlobal(self.more_button.rect().bottomLeft()))

    def toggle_panel(self, shown: bool | None = None) -> None:
        shown = not self.panel.isVisible() if shown is None else shown
        self.menu_actions[act.PANEL].setChecked(shown)
        self.panel.setVisible(shown)
        self.adjustSize()

    def on_tick(self) -> None:
        self._show_timer()

    def on_message_timeout(self) -> None:
        self.message_label.clear()

    # ------------------------------------------------------------------ rendering

    def show_counter(
        self,
        counter: dict[str, Any],
        enabled: set[str],
        waiting_count: int,
        pause_reason: str | None = None,
    ) -> None:
        """Show the counter as the server last said it."""
        state = counter.get("state")
        label = _("Counter {number}").format(number=counter.get("number", "?"))
        if state:
            label += "\n" + contract_label(COUNTER_STATE_LABELS[CounterState(state)])
            if state == CounterState.PAUSED and pause_reason:
                label += f": {pause_reason}"
        self.counter_label.setText(label)
        self._current = counter.get("current_ticket")
        if self._current:
            self.number_label.setText(str(self._current.get("number")))
            text = ticket_line(self._current, self.priority_names)
            self._show_ticket_text(text)
            self.ticket_label.setToolTip(text)
        else:
            self.number_label.setText("—")
            self._show_ticket_text(_("No ticket at the counter"))
            self.ticket_label.setToolTip("")
        self._show_timer()
        # Two lines, the count under the word: narrower than "Waiting: 123" on one.
        self.waiting_label.setText(f"{_('Waiting')}\n{waiting_count}")
        for name, button in self.buttons.items():
            button.setEnabled(name in enabled)
        for name, action in self.menu_actions.items():
            action.setEnabled(name in enabled)
        held = len(counter.get("held_tickets") or [])
        self._name_entry(act.HELD, f"{_(act.ACTIONS[act.HELD].label)} ({held})")

    def _show_ticket_text(self, text: str) -> None:
        """The ticket's lines, word-wrapped in the ticket's width: at the largest of
        TICKET_SIZES at which they fit in the row, or at the smallest in a taller row."""
        room = BAR_HEIGHT - 2 * ROW_MARGIN
        flags = int(Qt.TextFlag.TextWordWrap.value)
        for size in TICKET_SIZES:
            font = theme.font(size)
            needed = (
                QFontMetrics(font).boundingRect(QRect(0, 0, TICKET_WIDTH, 10_000), flags, text)
            ).height()
            if needed <= room:
                break
        self.ticket_label.setFont(font)
        self.ticket_label.setText(text)
        height = max(BAR_HEIGHT, needed + 2 * ROW_MARGIN)
        if height != self.row.height():
            self.row.setFixedHeight(height)
            self.adjustSize()

    def show_hotkeys(self, notice: str | None) -> None:
        """Why the hotkeys work only while the bar has the focus (None: they work
        everywhere): one line in the status strip, the details in the panel."""
        self.hotkeys_label.setText(notice or "")
        self.hotkeys_label.setVisible(bool(notice))
        self.panel.show_hotkeys(notice)

    def _show_timer(self) -> None:
        ticket = self._current
        if not ticket:
            self.timer_label.setText("")
            return
        now = dt.datetime.now(dt.UTC)
        queued = parse_time(ticket.get("queued_at"))
        called = parse_time(ticket.get("called_at"))
        started = parse_time(ticket.get("started_at"))
        lines = []
        if queued and called:
            lines.append(
                _("Waited {time}").format(time=duration((called - queued).total_seconds()))
            )
        if started:
            lines.append(_("Serving {time}").format(time=duration((now - started).total_seconds())))
        elif called:
            lines.append(
                _("Called {time} ago").format(time=duration((now - called).total_seconds()))
            )
        self.timer_label.setText("\n".join(lines))

    def show_connection(self, text: str, ok: bool) -> None:
        self.connection_label.setText(text)
        self.connection_label.setProperty("role", "muted" if ok else "error")
        _repolish(self.connection_label)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setProperty("role", "error" if error else "")
        _repolish(self.message_label)
        self._message_timer.start()

    # ------------------------------------------------------------------ dragging and docking

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 - Qt's name
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802
        if event is not None and self._drag_from is not None:
            self.move(event.globalPosition().toPoint() - self._drag_from)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802
        if self._drag_from is not None:
            self._drag_from = None
            self.dock()
            screen = self.screen()
            self.moved.emit(screen.name() if screen else "", self.x(), self.y())
        super().mouseReleaseEvent(event)

    def dock(self) -> None:
        """Snap to the top or bottom edge of the screen when near it."""
        screen = self.screen()
        if screen is None:
            return
        area: QRect = screen.availableGeometry()
        x = min(max(self.x(), area.left()), max(area.left(), area.right() - self.width() + 1))
        y = self.y()
        if abs(y - area.top()) <= DOCK_DISTANCE:
            y = area.top()
        elif abs(y + self.height() - area.bottom() - 1) <= DOCK_DISTANCE:
            y = area.bottom() + 1 - self.height()
        self.move(x, y)

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802
        if event is not None:
            event.ignore()  # quitting asks whether to pause or close the counter first
        self.close_requested.emit()


class _Message(QLabel):
    """A label that takes the width the bar has and wraps in it (a long message makes the
    strip taller, never the bar wider)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())


def _repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a change of the widget's ``role`` property."""
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)
