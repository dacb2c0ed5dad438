"""The bar's rules without a server: the enabled actions follow the transition table, the
waiting threshold notifies once per crossing, the tray draws the count."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from contract.tickets import CounterState, TicketState, next_state
from counter_client import actions as act
from counter_client.session import CounterSession
from counter_client.views.tray import Tray, count_icon
from desktop.api import ApiClient


@pytest.mark.parametrize("state", [None, *TicketState])
def test_moves_on_the_current_ticket_follow_the_transition_table(state: TicketState | None) -> None:
    enabled = act.enabled_actions(CounterState.OPEN, state, held=1)
    for action in act.ACTIONS.values():
        if action.ticket_action is None:
            continue
        allowed = state is not None and next_state(action.ticket_action, state) is not None
        assert (action.name in enabled) == allowed, (action.name, state)
    assert (act.CALL_NEXT in enabled) == (state is None)
    assert (act.HELD in enabled) == (state is None)


def test_a_paused_or_closed_counter_calls_nobody() -> None:
    paused = act.enabled_actions(CounterState.PAUSED, None, held=0)
    assert act.CALL_NEXT not in paused and act.RESUME_COUNTER in paused and act.PAUSE not in paused
    closed = act.enabled_actions(CounterState.CLOSED, None, held=2)
    assert closed == {act.PANEL, act.RESUME_COUNTER}
    assert act.enabled_actions(CounterState.OPEN, None, held=0, busy=True) == {act.PANEL}


def _counter(waiting: int) -> dict[str, Any]:
    return {
        "id": 1,
        "number": 1,
        "state": "open",
        "current_ticket": None,
        "held_tickets": [],
        "waiting": [{"service_id": 1, "waiting": waiting}, {"service_id": 2, "waiting": 0}],
    }


def test_the_threshold_notifies_once_per_crossing(qtbot: QtBot) -> None:
    session = CounterSession(ApiClient("http://127.0.0.1:9"), 1, 1, threshold=3)
    passed: list[int] = []
    counts: list[int] = []
    session.threshold_passed.connect(passed.append)
    session.waiting_changed.connect(counts.append)
    for waiting in (1, 3, 4, 6, 2, 5):
        session.apply(_counter(waiting), None)
    assert counts == [1, 3, 4, 6, 2, 5]
    assert passed == [4, 5]
    session.stop()


def test_the_tray_shows_the_count(qtbot: QtBot) -> None:
    tray = Tray()
    qtbot.addWidget(tray)
    tray.set_count(12)
    assert "12" in tray.icon.toolTip()
    assert not count_icon(150).isNull()
    assert tray.notify("x", "y") is False  # offscreen: no tray, the bar says it instead
