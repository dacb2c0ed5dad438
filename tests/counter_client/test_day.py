"""The counter client against the real server: log in, choose and open a counter, a whole
day's cycle with every action (from hotkeys, buttons and dialogs), the panel, leaving.
Screenshots of the bar, the panel and every dialog go to tests/output/counter/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from counter_client import actions as act
from counter_client.app import CounterApp
from counter_client.views.dialogs import (
    CallNumberDialog,
    FinishDialog,
    HeldDialog,
    LeaveDialog,
    PauseDialog,
    TransferDialog,
)
from desktop import i18n
from tests.counter_client.conftest import AppFactory, api, issue, officer_token
from tests.server.live import OFFICER_PASSWORD, LiveServer

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
COUNTER = 6  # serves services 15, 16; counter 7 (closed) serves 16, 15, 11
SERVICES = (15, 16)


def shot(widget: QWidget, folder: Path, name: str) -> None:
    QApplication.processEvents()
    widget.grab().save(str(folder / f"{name}-{i18n.language()}.png"))


def log_in(qtbot: QtBot, app: CounterApp, username: str, password: str = OFFICER_PASSWORD) -> None:
    assert app.stage == "login" and app.login is not None
    app.login.username.setText(username)
    app.login.password.setText(password)
    with qtbot.waitSignal(app.stage_changed, timeout=15000):
        qtbot.keyClick(app.login.password, Qt.Key.Key_Return)


def open_counter(qtbot: QtBot, app: CounterApp, counter_id: int) -> None:
    assert app.stage == "choose" and app.choice is not None
    for row in range(app.choice.list.count()):
        item = app.choice.list.item(row)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == counter_id:
            app.choice.list.setCurrentRow(row)
    with qtbot.waitSignal(app.stage_changed, timeout=15000):
        app.choice.on_open()
    assert app.stage == "bar"
    qtbot.waitUntil(
        lambda: app.session is not None and app.session.connection == "connected", timeout=15000
    )


def current(app: CounterApp) -> dict[str, Any] | None:
    assert app.session is not None
    return app.session.view.current


def wait_idle(qtbot: QtBot, app: CounterApp) -> None:
    qtbot.waitUntil(lambda: app.session is not None and not app.session.busy, timeout=15000)


def hotkey(qtbot: QtBot, app: CounterApp, key: Qt.Key) -> None:
    """A key press at the hotkey layer (the bar's shortcuts: offscreen has no global keys)."""
    assert app.bar is not None
    if not app.bar.isActiveWindow():
        app.bar.activateWindow()
        qtbot.waitUntil(app.bar.isActiveWindow, timeout=5000)
    qtbot.keyClick(app.bar, key, CTRL_ALT)


def test_a_whole_day_at_the_counter(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory, shots: Path
) -> None:
    app = make_app("--server", server.url)
    shot(app.login, shots, "login")
    log_in(qtbot, app, "desk1")
    assert app.choice is not None
    shot(app.choice, shots, "choose")
    open_counter(qtbot, app, COUNTER)
    session, bar = app.session, app.bar
    assert session is not None and bar is not None
    assert app.hotkeys is not None and app.hotkeys.mode == "focused"
    # Why the hotkeys are limited: a line of the bar's status strip, the details in the panel.
    assert "Phím tắt chỉ hoạt động" in bar.hotkeys_label.text() and bar.hotkeys_label.isVisible()
    assert "Windows" in bar.panel.hotkeys_label.text()

    # Tickets arrive live: the waiting count follows without a poll.
    tickets = [issue(server, SERVICES[0]) for _ in range(4)]
    elderly = issue(server, SERVICES[1], priority_category="elderly", dossier_code="HS-0001")
    qtbot.waitUntil(lambda: session.view.waiting_count == 5, timeout=10000)
    assert "5" in bar.waiting_label.text()
    assert bar.buttons[act.START].isEnabled() is False  # nothing called: no start

    # Call next (hotkey): the priority ticket comes first.
    hotkey(qtbot, app, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == elderly["id"], timeout=10000)
    wait_idle(qtbot, app)
    assert bar.number_label.text() == elderly["number"]
    assert "HS-0001" in bar.ticket_label.text() and "Ưu tiên" in bar.ticket_label.text()
    enabled = session.enabled()
    assert {act.RECALL, act.START, act.NO_SHOW, act.HOLD, act.TRANSFER} <= enabled
    assert act.FINISH not in enabled and act.CALL_NEXT not in enabled
    shot(bar, shots, "bar-called")

    # Recall (hotkey) counts the call; a second press at once is refused by the cool-down.
    hotkey(qtbot, app, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: (current(app) or {}).get("call_count") == 2, timeout=10000)
    wait_idle(qtbot, app)
    assert act.RECALL not in session.enabled()
    assert not session.press(act.RECALL)

    # Start, then finish with the outcome chosen from the keyboard.
    hotkey(qtbot, app, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: (current(app) or {}).get("state") == "serving", timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_F)
    dialog = app.dialog
    assert isinstance(dialog, FinishDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_2)
    assert dialog.outcome() == "incomplete"
    shot(dialog, shots, "finish")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    qtbot.waitUntil(lambda: session.view.served_today == 1, timeout=10000)

    # Call next (button), a wrong call: the panel offers to put it back at its place.
    qtbot.mouseClick(bar.buttons[act.CALL_NEXT], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == tickets[0]["id"], timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_D)  # the panel
    assert bar.panel.isVisible() and bar.panel.undo_button.isVisible()
    shot(bar, shots, "panel")
    qtbot.mouseClick(bar.panel.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    back = api(server, app.api.token, "GET", f"/tickets/{tickets[0]['id']}").json()  # type: ignore[union-attr]
    assert back["state"] == "waiting"

    # Call it again, mark it a no-show.
    hotkey(qtbot, app, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == tickets[0]["id"], timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)

    # Call next, hold it; the held dialog calls it back; hold again and return it (panel).
    hotkey(qtbot, app, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == tickets[1]["id"], timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: len(session.view.held) == 1 and current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_B)
    held = app.dialog
    assert isinstance(held, HeldDialog) and held.resume.isEnabled()
    shot(held, shots, "held")
    qtbot.mouseClick(held.resume, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == tickets[1]["id"], timeout=10000)
    wait_idle(qtbot, app)
    hotkey(qtbot, app, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: len(session.view.held) == 1 and current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    bar.panel.held_list.setCurrentRow(0)
    qtbot.mouseClick(bar.panel.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not session.view.held, timeout=10000)
    wait_idle(qtbot, app)

    # Call a given number: the list of waiting tickets, searched by typing.
    hotkey(qtbot, app, Qt.Key.Key_G)
    call = app.dialog
    assert isinstance(call, CallNumberDialog)
    assert call.list.count() == 3  # tickets 1, 2 (returned) and 3 wait
    qtbot.keyClicks(call.search, tickets[3]["number"])
    shot(call, shots, "call-number")
    assert call.number() == tickets[3]["number"]
    qtbot.keyClick(call.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == tickets[3]["id"], timeout=10000)
    wait_idle(qtbot, app)

    # Transfer it to another service (counter 7 serves 11), keeping its place, with a note.
    hotkey(qtbot, app, Qt.Key.Key_T)
    transfer = app.dialog
    assert isinstance(transfer, TransferDialog)
    transfer.service.setCurrentIndex(transfer.service.findData(11))
    transfer.note.setText("Hồ sơ đất đai: chuyển quầy 7")
    shot(transfer, shots, "transfer")
    qtbot.keyClick(transfer.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    moved = api(server, app.api.token, "GET", f"/tickets/{tickets[3]['id']}").json()  # type: ignore[union-attr]
    assert moved["state"] == "transferred"

    # Pause with a reason, then resume.
    hotkey(qtbot, app, Qt.Key.Key_P)
    pause = app.dialog
    assert isinstance(pause, PauseDialog)
    pause.reason.setCurrentIndex(1)
    shot(pause, shots, "pause")
    qtbot.keyClick(pause.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.view.state == "paused", timeout=10000)
    wait_idle(qtbot, app)
    assert "Họp" in bar.counter_label.text()
    assert act.CALL_NEXT not in session.enabled() and act.RESUME_COUNTER in session.enabled()
    shot(bar, shots, "bar-paused")
    hotkey(qtbot, app, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: session.view.state == "open", timeout=10000)
    wait_idle(qtbot, app)

    # Quitting asks: pause or close. Close.
    app.quit()
    leave = app.dialog
    assert isinstance(leave, LeaveDialog)
    shot(leave, shots, "leave")
    with qtbot.waitSignal(app.stage_changed, timeout=15000):
        qtbot.mouseClick(leave.close_, Qt.MouseButton.LeftButton)
    assert app.stage == "quit"
    token = officer_token(server, "desk1")
    counter = api(server, token, "GET", f"/counters/{COUNTER}").json()
    assert counter["state"] == "closed"
    # The server saw each press once: every action of the day in the ticket's history.
    mine = requests.get(
        server.url + "/api/v1/sites/1/tickets",
        params={"limit": 1000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    states = {t["id"]: t["state"] for t in mine}
    assert states[elderly["id"]] == "done" and states[tickets[0]["id"]] == "no_show"
    assert states[tickets[1]["id"]] == "waiting" and states[tickets[2]["id"]] == "waiting"
