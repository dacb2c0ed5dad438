"""Ticket states, the one table of allowed transitions, and counter states.

The server enforces the table; the clients read it to know which buttons make sense.
"""

from __future__ import annotations

from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    # Closed by the nightly close-out while still open.
    EXPIRED = "expired"


class TicketAction(StrEnum):
    """What happened to a ticket: the name of one row in the ticket's event log."""

    ISSUE = "issue"
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    HOLD = "hold"
    RETURN = "return"
    RESUME = "resume"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    EXPIRE = "expire"


class CounterState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


S = TicketState
A = TicketAction

# (action, from state) -> to state. Every other move is illegal.
TRANSITIONS: dict[tuple[TicketAction, TicketState], TicketState] = {
    (A.CALL, S.WAITING): S.CALLED,
    (A.RECALL, S.CALLED): S.CALLED,
    (A.START, S.CALLED): S.SERVING,
    (A.FINISH, S.SERVING): S.DONE,
    (A.NO_SHOW, S.CALLED): S.NO_SHOW,
    (A.HOLD, S.CALLED): S.HELD,
    (A.HOLD, S.SERVING): S.HELD,
    (A.RETURN, S.HELD): S.WAITING,
    (A.RESUME, S.HELD): S.CALLED,
    (A.TRANSFER, S.WAITING): S.TRANSFERRED,
    (A.TRANSFER, S.CALLED): S.TRANSFERRED,
    (A.TRANSFER, S.SERVING): S.TRANSFERRED,
    (A.CANCEL, S.WAITING): S.CANCELLED,
    (A.EXPIRE, S.WAITING): S.EXPIRED,
    (A.EXPIRE, S.CALLED): S.EXPIRED,
    (A.EXPIRE, S.SERVING): S.EXPIRED,
    (A.EXPIRE, S.HELD): S.EXPIRED,
}

# States a ticket can still leave.
OPEN_STATES: frozenset[TicketState] = frozenset(src for (_, src) in TRANSITIONS)
FINAL_STATES: frozenset[TicketState] = frozenset(TicketState) - OPEN_STATES
# States in which a ticket belongs to a counter (the counter's current ticket).
AT_COUNTER_STATES: frozenset[TicketState] = frozenset({S.CALLED, S.SERVING})


def next_state(action: TicketAction, state: TicketState) -> TicketState | None:
    """The state `action` moves a ticket in `state` to, or None if the move is illegal."""
    return TRANSITIONS.get((action, state))


def allowed_actions(state: TicketState) -> list[TicketAction]:
    """The actions that are legal for a ticket in `state`, in table order."""
    return [action for (action, src) in TRANSITIONS if src == state]


# Outcomes an officer can record when finishing a ticket.
class Outcome(StrEnum):
    COMPLETED = "completed"  # dossier received / result handed over
    INCOMPLETE = "incomplete"  # dossier missing papers, visitor told what to bring
    INFORMATION = "information"  # advice only
    REFUSED = "refused"  # out of the centre's remit


# How states and actions read to a person: (Vietnamese, English).
STATE_LABELS: dict[TicketState, tuple[str, str]] = {
    S.WAITING: ("đang chờ", "waiting"),
    S.CALLED: ("đã được gọi", "called"),
    S.SERVING: ("đang được phục vụ", "being served"),
    S.HELD: ("đang tạm giữ", "on hold"),
    S.DONE: ("đã xong", "done"),
    S.NO_SHOW: ("vắng mặt", "no-show"),
    S.TRANSFERRED: ("đã chuyển", "transferred"),
    S.CANCELLED: ("đã huỷ", "cancelled"),
    S.EXPIRED: ("đã hết hiệu lực", "expired"),
}

ACTION_LABELS: dict[TicketAction, tuple[str, str]] = {
    A.ISSUE: ("cấp số", "issue"),
    A.CALL: ("gọi", "call"),
    A.RECALL: ("gọi lại", "recall"),
    A.START: ("bắt đầu phục vụ", "start serving"),
    A.FINISH: ("kết thúc", "finish"),
    A.NO_SHOW: ("báo vắng mặt", "mark as no-show"),
    A.HOLD: ("tạm giữ", "hold"),
    A.RETURN: ("trả về hàng chờ", "return to the queue"),
    A.RESUME: ("gọi lại từ tạm giữ", "resume from hold"),
    A.TRANSFER: ("chuyển", "transfer"),
    A.CANCEL: ("huỷ", "cancel"),
    A.EXPIRE: ("đóng cuối ngày", "close out"),
}

COUNTER_STATE_LABELS: dict[CounterState, tuple[str, str]] = {
    CounterState.OPEN: ("đang mở", "open"),
    CounterState.PAUSED: ("tạm dừng", "paused"),
    CounterState.CLOSED: ("đã đóng", "closed"),
}
