"""The counter client when things go wrong: two counters racing for the last ticket, the
server restarted mid-shift, the token revoked, a bad server address; the hotkey layer;
the bar and its dialogs in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from counter_client import actions as act
from counter_client.hotkeys import Hotkeys, to_pynput
from counter_client.views.bar import Bar
from counter_client.views.dialogs import (
    CallNumberDialog,
    FinishDialog,
    HeldDialog,
    PauseDialog,
    TransferDialog,
)
from desktop import i18n
from tests.counter_client.conftest import AppFactory, api, issue, officer_token
from tests.counter_client.test_day import current, log_in, shot, wait_idle
from tests.server.live import LiveServer, free_port


def _ticket_events(server: LiveServer, token: str, ticket_id: int) -> list[str]:
    """The actions the server logged for a ticket, from the officer's side (its state and
    call count are enough to tell a doubled press)."""
    ticket = api(server, token, "GET", f"/tickets/{ticket_id}").json()
    return [ticket["state"], str(ticket["call_count"])]


def test_two_counters_race_for_the_last_ticket(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory
) -> None:
    # Counters 17 (services 19, 20) and 18 (21, 22, 19) share service 19.
    first = make_app(
        "--server", server.url, "--counter", "17", "--token", officer_token(server, "desk2")
    )
    second = make_app(
        "--server", server.url, "--counter", "18", "--token", officer_token(server, "desk3")
    )
    for app in (first, second):
        qtbot.waitUntil(lambda app=app: app.stage == "bar", timeout=15000)
        qtbot.waitUntil(lambda app=app: app.session.connection == "connected", timeout=15000)  # type: ignore[union-attr]
    last = issue(server, 19)
    for app in (first, second):
        qtbot.waitUntil(lambda app=app: app.session.view.waiting_count == 1, timeout=10000)  # type: ignore[union-attr]
    assert first.session is not None and second.session is not None
    assert first.session.press(act.CALL_NEXT) and second.session.press(act.CALL_NEXT)
    for app in (first, second):
        wait_idle(qtbot, app)
    winners = [app for app in (first, second) if (current(app) or {}).get("id") == last["id"]]
    losers = [app for app in (first, second) if current(app) is None]
    assert len(winners) == 1 and len(losers) == 1
    loser_bar = losers[0].bar
    assert loser_bar is not None
    qtbot.waitUntil(lambda: "Không còn ai chờ" in loser_bar.message_label.text(), timeout=5000)
    qtbot.waitUntil(lambda: losers[0].session.view.waiting_count == 0, timeout=10000)  # type: ignore[union-attr]
    assert _ticket_events(server, officer_token(server, "desk2"), last["id"]) == ["called", "1"]

    # A move the state no longer allows (started meanwhile from another window, before
    # this bar heard of it) is the server's 409: its message in the bar, then a refresh.
    winner = winners[0]
    assert winner.session is not None and winner.api is not None and winner.bar is not None
    assert winner.session.live is not None
    winner.session.live.stop()  # the bar does not hear of the start below
    answer = api(server, winner.api.token, "POST", f"/counters/{winner.session.counter_id}/start")
    assert answer.status_code == 200
    assert act.START in winner.session.enabled()
    assert winner.session.press(act.START)
    wait_idle(qtbot, winner)
    qtbot.waitUntil(lambda: (current(winner) or {}).get("state") == "serving", timeout=10000)
    message = winner.bar.message_label.text()
    assert message and winner.bar.message_label.property("role") == "error"


def test_the_server_restarts_mid_shift(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory
) -> None:
    # Counter 14 serves 12 and 13 (counter 15, closed, serves 12 too).
    app = make_app(
        "--server", server.url, "--counter", "14", "--token", officer_token(server, "desk4")
    )
    qtbot.waitUntil(lambda: app.stage == "bar", timeout=15000)
    session, bar = app.session, app.bar
    assert session is not None and bar is not None
    qtbot.waitUntil(lambda: session.connection == "connected", timeout=15000)
    before = session.view.waiting_count
    first = issue(server, 12)
    qtbot.waitUntil(lambda: session.view.waiting_count == before + 1, timeout=10000)
    server.kill()
    qtbot.waitUntil(lambda: bar.connection_label.text() == "Mất kết nối", timeout=15000)
    # A press while the server is away fails once, with a message, and is never re-sent.
    assert session.press(act.CALL_NEXT)
    wait_idle(qtbot, app)
    assert "Không kết nối được" in bar.message_label.text()
    server.start()
    missed = [issue(server, 13) for _ in range(2)]  # while the bar reconnects
    qtbot.waitUntil(lambda: session.connection == "connected", timeout=20000)
    qtbot.waitUntil(lambda: session.view.waiting_count == before + 3, timeout=10000)
    assert current(app) is None  # the press made while away was not replayed
    assert session.press(act.CALL_NEXT)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == first["id"], timeout=10000)
    token = officer_token(server, "desk4")
    assert _ticket_events(server, token, first["id"]) == ["called", "1"]
    assert all(_ticket_events(server, token, t["id"]) == ["waiting", "0"] for t in missed)


def test_a_revoked_token_goes_back_to_the_log_in(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory
) -> None:
    token = officer_token(server, "desk5")
    app = make_app("--server", server.url, "--counter", "19", "--token", token)
    qtbot.waitUntil(lambda: app.stage == "bar", timeout=15000)
    qtbot.waitUntil(lambda: app.session.connection == "connected", timeout=15000)  # type: ignore[union-attr]
    assert api(server, token, "POST", "/auth/logout").status_code == 204  # revoked elsewhere
    assert app.session is not None
    with qtbot.waitSignal(app.stage_changed, timeout=15000):
        app.session.press(act.CALL_NEXT)
    assert app.stage == "login" and app.login is not None
    assert "đăng nhập lại" in app.login.message.text()
    assert app.tokens.get(server.url) is None  # forgotten: the next start asks again


def test_a_bad_server_address_is_a_clear_message(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory
) -> None:
    app = make_app("--server", f"http://127.0.0.1:{free_port()}")
    assert app.stage == "login" and app.login is not None
    app.login.username.setText("desk6")
    app.login.password.setText("whatever")
    app.login.on_submit()
    qtbot.waitUntil(lambda: "Không kết nối được" in app.login.message.text(), timeout=15000)  # type: ignore[union-attr]
    app.login.server.setText("http://máy chủ:abc")
    app.login.on_submit()
    qtbot.waitUntil(lambda: "không hợp lệ" in app.login.message.text(), timeout=15000)  # type: ignore[union-attr]
    app.login.server.setText(server.url)
    app.login.password.setText("wrong")
    app.login.on_submit()
    qtbot.waitUntil(lambda: "Sai tên đăng nhập" in app.login.message.text(), timeout=15000)  # type: ignore[union-attr]
    assert "Traceback" not in app.login.message.text()


class FakeListener:
    """pynput's GlobalHotKeys as the hotkey layer sees it: a mapping, start and stop."""

    made: list[FakeListener] = []

    def __init__(self, mapping: dict[str, Any]) -> None:
        self.mapping = mapping
        self.running = False
        FakeListener.made.append(self)

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False


def test_global_hotkeys_reach_the_gui_thread(qtbot: QtBot, monkeypatch: Any) -> None:
    import threading

    from counter_client import hotkeys

    monkeypatch.setattr(
        hotkeys, "GLOBAL_PLATFORMS", frozenset({QCoreApplication.instance().platformName()})
    )  # type: ignore[union-attr]
    bar = Bar({})
    qtbot.addWidget(bar)
    keys = {"call_next": "Ctrl+Alt+N", "finish": "Ctrl+Alt+F5"}
    layer = Hotkeys(keys, bar, listener_factory=FakeListener)
    assert layer.start() == "global" and layer.notice is None
    listener = FakeListener.made[-1]
    assert set(listener.mapping) == {"<ctrl>+<alt>+n", "<ctrl>+<alt>+<f5>"}
    # pynput calls back on its own thread: the signal arrives on the GUI thread.
    with qtbot.waitSignal(layer.triggered, timeout=5000) as fired:
        threading.Thread(target=listener.mapping["<ctrl>+<alt>+n"]).start()
    assert fired.args == ["call_next"]
    layer.stop()
    assert not listener.running
    broken = Hotkeys({"call_next": "Ctrl+Alt+Nope"}, bar, listener_factory=FakeListener)
    assert broken.start() == "focused" and broken.notice  # the bar shows it
    broken.stop()
    assert to_pynput("Ctrl+Shift+Space") == "<ctrl>+<shift>+<space>"


def test_the_bar_and_its_dialogs_in_english(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory, shots: Path
) -> None:
    # Counter 8 serves 23, 24, 25.
    app = make_app(
        "--server",
        server.url,
        "--counter",
        "8",
        "--lang",
        "en",
        "--token",
        officer_token(server, "desk7"),
    )
    assert i18n.language() == "en"
    qtbot.waitUntil(lambda: app.stage == "bar", timeout=15000)
    session, bar = app.session, app.bar
    assert session is not None and bar is not None
    qtbot.waitUntil(lambda: session.connection == "connected", timeout=15000)
    issue(server, 23, dossier_code="HS-2026-0042")
    issue(server, 24, priority_category="elderly")
    issue(server, 25)
    qtbot.waitUntil(lambda: session.view.waiting_count >= 3, timeout=10000)
    assert session.press(act.CALL_NEXT)
    qtbot.waitUntil(lambda: current(app) is not None, timeout=10000)
    wait_idle(qtbot, app)
    assert bar.buttons[act.CALL_NEXT].text().startswith("Call next")
    assert bar.connection_label.text() == "Connected"
    shot(bar, shots, "bar-called")
    bar.toggle_panel(True)
    shot(bar, shots, "panel")
    bar.toggle_panel(False)
    app.on_action(act.TRANSFER)
    assert isinstance(app.dialog, TransferDialog)
    shot(app.dialog, shots, "transfer")
    app.dialog.reject()
    app.on_action(act.START)
    qtbot.waitUntil(lambda: (current(app) or {}).get("state") == "serving", timeout=10000)
    wait_idle(qtbot, app)
    app.on_action(act.FINISH)
    assert isinstance(app.dialog, FinishDialog)
    shot(app.dialog, shots, "finish")
    app.dialog.reject()
    app.on_action(act.HOLD)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    app.on_action(act.HELD)
    assert isinstance(app.dialog, HeldDialog)
    shot(app.dialog, shots, "held")
    app.dialog.reject()
    app.on_action(act.CALL_NUMBER)
    assert isinstance(app.dialog, CallNumberDialog)
    shot(app.dialog, shots, "call-number")
    app.dialog.reject()
    app.on_action(act.PAUSE)
    assert isinstance(app.dialog, PauseDialog)
    shot(app.dialog, shots, "pause")
    app.dialog.reject()
    other = make_app("--server", server.url, "--lang", "en")
    assert other.login is not None
    other.login.username.setText("desk8")
    shot(other.login, shots, "login")
    log_in(qtbot, other, "desk8")
    assert other.choice is not None
    shot(other.choice, shots, "choose")
    app.logout()
    assert app.dialog is not None
    shot(app.dialog, shots, "leave")
    app.dialog.reject()
    assert app.stage == "bar"
