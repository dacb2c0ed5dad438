"""The bar without a server: it fits a 1366-pixel screen with the demo centre's longest
service and priority names in both languages, and every action is still there, as a button
or an entry of the "More" menu, enabled exactly when ``enabled_actions`` allows it."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from contract.tickets import CounterState, TicketState
from counter_client import actions as act
from counter_client.views.bar import BAR_BUTTONS, Bar
from desktop import i18n
from server import demo_data
from tests.desktop.legibility import unreadable

# The smallest screen the bar must fit: a 1366×768 laptop.
pytestmark = pytest.mark.usefixtures("themed")  # the bar as the app dresses it

SCREEN_WIDTH = 1366
KEYS = {name: action.hotkey for name, action in act.ACTIONS.items()}
SERVICES = [s for department in demo_data.DEPARTMENTS for s in department["services"]]
PRIORITIES = {p["code"]: (p["name_vi"], p["name_en"]) for p in demo_data.PRIORITY_CATEGORIES}


def make_bar(qtbot: QtBot) -> Bar:
    bar = Bar(KEYS)
    qtbot.addWidget(bar)
    bar.priority_names = PRIORITIES
    return bar


def widest_counter(lang: str) -> dict[str, Any]:
    """A counter with the longest service name and the longest priority category of the
    demo, a dossier code, called three times: the ticket's lines at their longest."""
    name = "name_vi" if lang == "vi" else "name_en"
    service = max(SERVICES, key=lambda s: len(s[name]))
    priority = max(demo_data.PRIORITY_CATEGORIES, key=lambda p: len(p[name]))
    now = dt.datetime.now(dt.UTC)
    return {
        "id": 1,
        "number": 12,
        "state": "open",
        "held_tickets": [{"id": 9}, {"id": 10}],
        "current_ticket": {
            "id": 3,
            "number": "D1005",
            "state": "called",
            "service": {"name_vi": service["name_vi"], "name_en": service["name_en"]},
            "priority_category": priority["code"],
            "dossier_code": "HS-2026-000123",
            "call_count": 3,
            "queued_at": (now - dt.timedelta(hours=2, minutes=5)).isoformat(),
            "called_at": (now - dt.timedelta(minutes=12)).isoformat(),
        },
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_bar_fits_a_1366_pixel_screen(qtbot: QtBot, shots: Path, lang: str) -> None:
    i18n.set_language(lang)
    bar = make_bar(qtbot)
    counter = widest_counter(lang)
    enabled = act.enabled_actions("open", "called", held=2)
    bar.show_counter(counter, enabled, waiting_count=1234)
    bar.show_hotkeys("Hotkeys work only while the bar has the focus on this system (offscreen).")
    bar.show()
    qtbot.waitExposed(bar)
    QApplication.processEvents()
    bar.grab().save(str(shots / f"bar-widest-{lang}.png"))
    name = "name_vi" if lang == "vi" else "name_en"
    assert counter["current_ticket"]["service"][name] in bar.ticket_label.text().replace("\n", " ")
    assert bar.sizeHint().width() <= SCREEN_WIDTH, bar.sizeHint()
    assert bar.minimumSizeHint().width() <= SCREEN_WIDTH, bar.minimumSizeHint()
    assert bar.width() <= SCREEN_WIDTH, bar.width()
    assert bar.row.height() == 56  # the ticket's lines fit in the row: it did not grow
    assert unreadable(bar) == []
    # A paused counter says why, on the counter's own label: still within the screen.
    paused = {**counter, "state": "paused", "current_ticket": None}
    bar.show_counter(paused, act.enabled_actions("paused", None, held=2), 0, "Officer away")
    QApplication.processEvents()
    assert bar.width() <= SCREEN_WIDTH and unreadable(bar) == []


def widget_enabled(bar: Bar, name: str) -> bool:
    if name in bar.buttons:
        return bar.buttons[name].isEnabled()
    return bar.menu_actions[name].isEnabled()


STATES = list(
    itertools.product(
        [CounterState.OPEN, CounterState.PAUSED, CounterState.CLOSED],
        [None, TicketState.CALLED, TicketState.SERVING],
        [0, 2],
        [False, True],
    )
)


def test_every_action_is_a_button_or_an_entry_enabled_as_the_table_says(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    reachable = set(bar.buttons) | set(bar.menu_actions)
    assert reachable == set(act.ACTIONS) - {act.MORE}
    assert not set(bar.buttons) & set(bar.menu_actions)
    assert set(BAR_BUTTONS) == {
        act.CALL_NEXT,
        act.RECALL,
        act.START,
        act.FINISH,
        act.NO_SHOW,
        act.TRANSFER,
    }
    # Every entry shows its hotkey after the tab (Qt's shortcut column), as the buttons do.
    for name, entry in bar.menu_actions.items():
        assert entry.text().endswith("\t" + KEYS[name]), entry.text()
        assert entry.shortcut().isEmpty()  # the Hotkeys own the keys: no second, ambiguous one
    seen: set[str] = set()
    for counter_state, ticket_state, held, busy in STATES:
        enabled = act.enabled_actions(counter_state, ticket_state, held, busy)
        seen |= enabled
        current = {"id": 3, "number": "A1", "state": ticket_state} if ticket_state else None
        counter = {
            "number": 1,
            "state": counter_state,
            "current_ticket": current,
            "held_tickets": [{"id": i} for i in range(held)],
        }
        bar.show_counter(counter, enabled, 0)
        for name in reachable:
            assert widget_enabled(bar, name) == (name in enabled), (
                name,
                counter_state,
                ticket_state,
                held,
                busy,
            )
        assert bar.more_button.isEnabled()  # the menu opens whatever its entries allow
    assert seen == reachable  # each action was enabled in some state
    assert bar.menu_actions[act.HELD].text().startswith("Số tạm giữ (2)\t")


def test_the_more_menu_is_worked_from_the_keyboard(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    counter = widest_counter("vi")
    bar.show_counter(counter, act.enabled_actions("open", "called", held=2), 0)
    bar.show()
    qtbot.waitExposed(bar)
    # Its hotkey opens it; the arrows go to the first enabled entry; Enter chooses it.
    bar.open_more()
    qtbot.waitUntil(bar.more_menu.isVisible, timeout=5000)
    qtbot.keyClick(bar.more_menu, Qt.Key.Key_Down)
    assert bar.more_menu.activeAction() is bar.menu_actions[act.HOLD]
    with qtbot.waitSignal(bar.action_requested, timeout=5000) as chosen:
        qtbot.keyClick(bar.more_menu, Qt.Key.Key_Return)
    assert chosen.args == [act.HOLD]
    qtbot.waitUntil(lambda: not bar.more_menu.isVisible(), timeout=5000)
    # "Details" folds the panel out and back, and stays checked while it is out.
    bar.menu_actions[act.PANEL].trigger()
    assert bar.panel.isVisible() and bar.menu_actions[act.PANEL].isChecked()
    bar.toggle_panel()  # its hotkey
    assert not bar.panel.isVisible() and not bar.menu_actions[act.PANEL].isChecked()
    # A disabled entry sends nothing.
    with qtbot.assertNotEmitted(bar.action_requested):
        bar.menu_actions[act.RESUME_COUNTER].trigger()
