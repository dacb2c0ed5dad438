"""Every word of the bar and of the panel is readable with the demo centre's longest service
name (in Vietnamese and in English), a priority category and a dossier code, and with the
notice that the hotkeys work only while the bar has the focus: nothing shortened with "…",
nothing cut by the bar's height, and the bar no wider than a 1366-pixel screen. Screenshots: tests/output/counter/legible-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_client import actions as act
from tests.counter_client.conftest import AppFactory, api, issue, officer_token
from tests.counter_client.test_bar import SCREEN_WIDTH
from tests.counter_client.test_day import current, hotkey, shot, wait_idle
from tests.desktop.legibility import unreadable
from tests.server.live import LiveServer


@pytest.mark.parametrize(("lang", "officer"), [("vi", "desk5"), ("en", "desk6")])
def test_the_bar_and_the_panel_show_every_word(
    qtbot: QtBot, server: LiveServer, make_app: AppFactory, shots: Path, lang: str, officer: str
) -> None:
    token = officer_token(server, officer)
    services = api(server, token, "GET", "/sites/1/services").json()
    name = "name_vi" if lang == "vi" else "name_en"
    longest = max(services, key=lambda s: len(s[name]))
    counters = api(server, token, "GET", "/sites/1/counters").json()
    counter = next(c for c in counters if c["number"] == longest["counters"][-1])
    app = make_app(
        "--server", server.url, "--counter", str(counter["id"]), "--lang", lang, "--token", token
    )
    qtbot.waitUntil(lambda: app.stage == "bar", timeout=15000)
    session, bar = app.session, app.bar
    assert session is not None and bar is not None
    qtbot.waitUntil(lambda: session.connection == "connected", timeout=15000)
    first = issue(
        server,
        longest["id"],
        priority_category="small_child",
        dossier_code="HS-2026-000123",
    )
    issue(server, longest["id"])
    qtbot.waitUntil(lambda: session.view.waiting_count >= 2, timeout=10000)
    assert session.press(act.CALL_NEXT)
    qtbot.waitUntil(lambda: (current(app) or {}).get("id") == first["id"], timeout=10000)
    wait_idle(qtbot, app)
    qtbot.waitUntil(lambda: bool(bar.priority_names), timeout=10000)
    qtbot.wait(50)
    # The hotkeys are off (the tests switch global hotkeys off): the bar says why.
    assert app.hotkeys is not None and app.hotkeys.mode == "focused"
    assert app.hotkeys.notice and app.hotkeys.notice in bar.panel.hotkeys_label.text()
    shot(bar, shots, "legible-bar")
    assert longest[name] in bar.ticket_label.text().replace("\n", " ")
    assert unreadable(bar) == []
    # It fits an officer's 1366-pixel laptop screen.
    assert bar.width() <= SCREEN_WIDTH and bar.sizeHint().width() <= SCREEN_WIDTH
    assert bar.minimumSizeHint().width() <= SCREEN_WIDTH
    # Ctrl+Alt+M opens the "More" menu: every entry with its hotkey.
    hotkey(qtbot, app, Qt.Key.Key_M)
    qtbot.waitUntil(bar.more_menu.isVisible, timeout=5000)
    shot(bar.more_menu, shots, "legible-more")
    assert all(a.text().split("\t")[1] for a in bar.menu_actions.values())
    qtbot.keyClick(bar.more_menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not bar.more_menu.isVisible(), timeout=5000)
    bar.toggle_panel(True)
    qtbot.wait(50)
    shot(bar, shots, "legible-panel")
    assert unreadable(bar) == []
    bar.toggle_panel(False)
    # Leave nothing behind for the other tests: serve one ticket, no-show the other, close.
    assert session.press(act.START)
    qtbot.waitUntil(lambda: (current(app) or {}).get("state") == "serving", timeout=10000)
    wait_idle(qtbot, app)
    assert session.press(act.FINISH, outcome="completed")
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    assert session.press(act.CALL_NEXT)
    qtbot.waitUntil(lambda: current(app) is not None, timeout=10000)
    wait_idle(qtbot, app)
    assert session.press(act.NO_SHOW)
    qtbot.waitUntil(lambda: current(app) is None, timeout=10000)
    wait_idle(qtbot, app)
    assert session.press(act.CLOSE)
    qtbot.waitUntil(lambda: session.view.state == "closed", timeout=10000)
