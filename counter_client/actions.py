"""What the officer can do from the bar: each action's label, default hotkey, and whether
the counter's state and the transition table of ``contract.tickets`` allow it now.

The hotkeys default to Ctrl+Alt+letter: office software (Word, Excel, the one-stop
system in a browser) leaves those free, unlike Ctrl+letter or F-keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.tickets import CounterState, TicketAction, TicketState, next_state
from desktop.i18n import N_


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # msgid, translated where shown
    hotkey: str  # Qt's portable key sequence text
    ticket_action: TicketAction | None = None  # the move on the current ticket, if any


CALL_NEXT = "call_next"
RECALL = "recall"
START = "start"
FINISH = "finish"
NO_SHOW = "no_show"
HOLD = "hold"
HELD = "held"  # return or resume a held ticket (a dialog)
TRANSFER = "transfer"
CALL_NUMBER = "call_number"
PAUSE = "pause"
RESUME_COUNTER = "resume_counter"
CLOSE = "close"
PANEL = "panel"
MORE = "more"  # open the bar's menu of the less frequent actions

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(CALL_NEXT, N_("Call next"), "Ctrl+Alt+N"),
        Action(RECALL, N_("Recall"), "Ctrl+Alt+R", TicketAction.RECALL),
        Action(START, N_("Start"), "Ctrl+Alt+S", TicketAction.START),
        Action(FINISH, N_("Finish"), "Ctrl+Alt+F", TicketAction.FINISH),
        Action(NO_SHOW, N_("No-show"), "Ctrl+Alt+V", TicketAction.NO_SHOW),
        Action(HOLD, N_("Hold"), "Ctrl+Alt+H", TicketAction.HOLD),
        Action(HELD, N_("Held tickets"), "Ctrl+Alt+B"),
        Action(TRANSFER, N_("Transfer"), "Ctrl+Alt+T", TicketAction.TRANSFER),
        Action(CALL_NUMBER, N_("Call a number"), "Ctrl+Alt+G"),
        Action(PAUSE, N_("Pause"), "Ctrl+Alt+P"),
        Action(RESUME_COUNTER, N_("Resume"), "Ctrl+Alt+O"),
        Action(CLOSE, N_("Close counter"), "Ctrl+Alt+Q"),
        Action(PANEL, N_("Details"), "Ctrl+Alt+D"),
        Action(MORE, N_("More"), "Ctrl+Alt+M"),
    )
}

# Outcomes of a finish, with the key that chooses each in the dialog.
OUTCOMES = (
    ("completed", N_("Completed"), "1"),
    ("incomplete", N_("Incomplete: papers missing"), "2"),
    ("information", N_("Information only"), "3"),
    ("refused", N_("Refused: not our remit"), "4"),
)


def enabled_actions(
    counter_state: str | None,
    ticket_state: str | None,
    held: int,
    busy: bool = False,
) -> set[str]:
    """The actions that make sense now. Moves on the current ticket follow the transition
    table; calling needs an open counter without a current ticket (the server's rule)."""
    if busy or counter_state is None:
        return {PANEL}
    allowed = {PANEL}
    state = CounterState(counter_state)
    if state == CounterState.OPEN:
        allowed.add(PAUSE)
    if state in (CounterState.PAUSED, CounterState.CLOSED):
        allowed.add(RESUME_COUNTER)  # reopen: the server's open works from both
    if state != CounterState.CLOSED:
        allowed.add(CLOSE)
    current = TicketState(ticket_state) if ticket_state else None
    if current is None:
        if state == CounterState.OPEN:
            allowed |= {CALL_NEXT, CALL_NUMBER}
        if held and state != CounterState.CLOSED:
            allowed.add(HELD)
        return allowed
    for action in ACTIONS.values():
        if action.ticket_action is not None and next_state(action.ticket_action, current):
            allowed.add(action.name)
    return allowed


def held_moves(ticket: dict[str, Any], counter_free: bool, counter_open: bool) -> set[str]:
    """What can be done with a held ticket: return it to the queue, or call it back
    (resume) when the counter is open and free."""
    state = TicketState(ticket["state"])
    moves = set()
    if next_state(TicketAction.RETURN, state):
        moves.add("return")
    if next_state(TicketAction.RESUME, state) and counter_free and counter_open:
        moves.add("resume")
    return moves
