"""What every move of the queue shares: finding what a request acts on and checking
that the actor may, and applying one transition (its log row and its event)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import (
    ACTION_LABELS,
    COUNTER_STATE_LABELS,
    FINAL_STATES,
    STATE_LABELS,
    CounterState,
    TicketAction,
    TicketState,
    next_state,
)
from server.errors import DomainError, Forbidden, not_found
from server.events import publish
from server.models import Counter, Service, Site, Ticket, TicketEvent
from server.services.accounts import DEVICE_TOKEN_PREFIX, USER_TOKEN_PREFIX
from server.services.actor import Actor, Role
from server.services.counts import queue_moved
from server.services.estimates import counters_moved
from server.services.payloads import announcement, counter_info, ticket_info
from server.services.reports.record import record_step

A = TicketAction
S = TicketState

EVENT_FOR_ACTION: dict[TicketAction, str] = {
    A.ISSUE: ev.TICKET_ISSUED,
    A.CALL: ev.TICKET_CALLED,
    A.RECALL: ev.TICKET_RECALLED,
    A.START: ev.TICKET_SERVING,
    A.FINISH: ev.TICKET_FINISHED,
    A.NO_SHOW: ev.TICKET_NO_SHOW,
    A.HOLD: ev.TICKET_HELD,
    A.RETURN: ev.TICKET_RETURNED,
    A.RESUME: ev.TICKET_CALLED,
    A.TRANSFER: ev.TICKET_TRANSFERRED,
    A.CANCEL: ev.TICKET_CANCELLED,
    A.EXPIRE: ev.TICKET_EXPIRED,
}


def new_tracking_token() -> str:
    """The unguessable token of a ticket's phone page (256 bits), never one that starts
    like a user's or a device's token (credentials tell the kinds apart by prefix)."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith((USER_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX)):
            return token


def _illegal(ticket: Ticket, action: TicketAction) -> DomainError:
    state = TicketState(ticket.state)
    state_vi, state_en = STATE_LABELS[state]
    action_vi, action_en = ACTION_LABELS[action]
    return DomainError(
        "illegal_transition",
        f"Số {ticket.number} đang ở trạng thái «{state_vi}», không thể {action_vi}.",
        f"Ticket {ticket.number} is {state_en}; it cannot be given the action '{action_en}'.",
        ticket=ticket.number,
        state=state.value,
        action=action.value,
    )


def _move(
    session: Session,
    ticket: Ticket,
    action: TicketAction,
    actor: Actor,
    now: dt.datetime,
    *,
    counter: Counter | None = None,
    note: str | None = None,
    tracking_token: str | None = None,
    **extra: object,
) -> None:
    """Apply one transition to `ticket`, log it and queue its event.

    `tracking_token`: the phone's room to tell, when the ticket's own token has just been
    handed on (a transfer).
    """
    from_state = ticket.state
    to_state = next_state(action, TicketState(from_state))
    if to_state is None:
        raise _illegal(ticket, action)
    ticket.state = to_state
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            site_id=ticket.site_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            at=now,
            user_id=actor.user_id,
            device_id=actor.device_id,
            counter_id=counter.id if counter is not None else ticket.counter_id,
            note=note,
        )
    )
    if to_state in FINAL_STATES:
        record_step(session, ticket)
    if S.WAITING in (from_state, to_state):
        queue_moved(session, ticket.site_id, ticket.service_id, ticket.business_day, now)
    if action != A.ISSUE:
        # A counter took or let go of a ticket: the paces cached before are out of date.
        counters_moved(session, ticket.site_id)
    _publish_ticket_event(
        session,
        ticket,
        action,
        from_state,
        counter,
        note,
        tracking_token or ticket.tracking_token,
        now=now,
        **extra,
    )


def _publish_ticket_event(
    session: Session,
    ticket: Ticket,
    action: TicketAction,
    from_state: str | None,
    counter: Counter | None,
    note: str | None,
    tracking_token: str,
    *,
    now: dt.datetime,
    **extra: object,
) -> None:
    data: dict[str, object] = {
        "ticket": ticket_info(session, ticket),
        "action": action.value,
        "from_state": from_state,
        "counter": counter_info(counter) if counter is not None else None,
        "note": note,
        **extra,
    }
    if action in (A.CALL, A.RECALL, A.RESUME) and counter is not None:
        data["announcement"] = announcement(session, ticket, counter)
    # Not to the service room: phones there follow queue.changed, and a call would
    # otherwise reach every phone of the service three times (call, start, finish).
    rooms = [ev.ticket_room(tracking_token)]
    if counter is not None:
        rooms.append(ev.counter_room(counter.id))
        if counter.zone:
            rooms.append(ev.zone_room(counter.site_id, counter.zone))
    publish(session, EVENT_FOR_ACTION[action], ticket.site_id, data, *rooms, now=now)


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise not_found("điểm phục vụ", "site", site_id)
    return site


def _service(session: Session, actor: Actor, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None or not actor.may_see_site(service.site_id):
        raise not_found("dịch vụ", "service", service_id)
    return service


def _ticket(session: Session, actor: Actor, ticket_id: int, *, lock: bool = False) -> Ticket:
    ticket = session.get(Ticket, ticket_id, with_for_update=lock or None)
    if ticket is None or not actor.may_see_site(ticket.site_id):
        raise not_found("số", "ticket", ticket_id)
    return ticket


def _counter(session: Session, actor: Actor, counter_id: int, *, lock: bool = True) -> Counter:
    # The counter row is locked first in every counter action, so two requests for one
    # counter (a double click, two windows) run one after the other.
    counter = session.get(Counter, counter_id, with_for_update=lock or None)
    if counter is None or not actor.may_see_site(counter.site_id):
        raise not_found("quầy", "counter", counter_id)
    return counter


def _require_counter_officer(counter: Counter, actor: Actor) -> None:
    """Only the officer who opened a counter acts at it."""
    if (
        actor.role != Role.OFFICER
        or counter.state == CounterState.CLOSED
        or counter.officer_id != actor.user_id
    ):
        raise Forbidden(
            "not_your_counter",
            f"Bạn chưa mở quầy số {counter.number}. Hãy mở quầy trước khi gọi số.",
            f"You have not opened counter {counter.number}. Open it before calling tickets.",
            counter=counter.number,
        )


def _require_open(counter: Counter) -> None:
    if counter.state != CounterState.OPEN:
        state_vi, state_en = COUNTER_STATE_LABELS[CounterState(counter.state)]
        raise DomainError(
            "counter_not_open",
            f"Quầy số {counter.number} đang {state_vi}; hãy mở lại quầy để gọi số.",
            f"Counter {counter.number} is {state_en}; reopen it to call tickets.",
            counter=counter.number,
        )


def _require_free(session: Session, counter: Counter) -> None:
    if counter.current_ticket_id is not None:
        current = session.get(Ticket, counter.current_ticket_id)
        number = current.number if current else "?"
        raise DomainError(
            "counter_busy",
            f"Quầy số {counter.number} đang phục vụ số {number}. Hãy kết thúc, báo vắng mặt "
            "hoặc tạm giữ số này trước.",
            f"Counter {counter.number} still has ticket {number}. Finish it, mark it as a "
            "no-show or put it on hold first.",
            counter=counter.number,
            ticket=number,
        )


def _current_ticket(session: Session, counter: Counter, action: TicketAction) -> Ticket:
    if counter.current_ticket_id is None:
        action_vi, action_en = ACTION_LABELS[action]
        raise DomainError(
            "no_current_ticket",
            f"Quầy số {counter.number} chưa gọi số nào nên không thể {action_vi}.",
            f"Counter {counter.number} has no current ticket to {action_en}.",
            counter=counter.number,
        )
    ticket = session.get(Ticket, counter.current_ticket_id, with_for_update=True)
    assert ticket is not None  # a foreign key
    return ticket


def _release(counter: Counter) -> None:
    counter.current_ticket_id = None


def _held_elsewhere(ticket: Ticket, counter: Counter) -> DomainError:
    return DomainError(
        "held_at_other_counter",
        f"Số {ticket.number} đang được tạm giữ ở quầy khác; quầy đó gọi lại hoặc trả số về hàng chờ.",
        f"Ticket {ticket.number} is on hold at another counter; that counter resumes it or "
        "returns it to the queue.",
        ticket=ticket.number,
    )


def _require_staff_of_site(actor: Actor, site_id: int) -> None:
    if not actor.is_user or not actor.may_see_site(site_id):
        raise Forbidden(
            "staff_only",
            "Chỉ cán bộ của điểm phục vụ này mới làm được việc này.",
            "Only staff of this site may do this.",
        )
