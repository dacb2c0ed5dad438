"""Opening, pausing and closing counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import CounterState
from server.db import write_transaction
from server.errors import DomainError, Forbidden
from server.events import publish
from server.models import Counter, OfficerCounter, Ticket, User, utcnow
from server.services.actor import Actor, Role
from server.services.estimates import counters_moved
from server.services.payloads import counter_info
from server.services.queue.common import (
    _counter,
    _require_counter_officer,
    _require_free,
    _require_open,
)
from server.services.reports.record import log_counter


def _counter_changed(session: Session, counter: Counter, now: dt.datetime) -> None:
    officer = session.get(User, counter.officer_id) if counter.officer_id else None
    current = session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    publish(
        session,
        ev.COUNTER_CHANGED,
        counter.site_id,
        {
            "counter": counter_info(counter),
            "state": counter.state,
            "officer_name": officer.full_name if officer else None,
            "current_number": current.number if current else None,
            "pause_reason": counter.pause_reason,
        },
        ev.counter_room(counter.id),
        ev.queue_room(counter.site_id),
        *([ev.zone_room(counter.site_id, counter.zone)] if counter.zone else []),
        now=now,
    )


def _set_counter_state(
    session: Session, counter: Counter, state: CounterState, now: dt.datetime
) -> None:
    """Move a counter to `state` and tell its screens. Closing also frees it of its officer,
    its current ticket and its run of priority calls."""
    counter.state = state
    counter.state_changed_at = now
    counters_moved(session, counter.site_id)
    if state != CounterState.PAUSED:
        counter.pause_reason = None
    if state == CounterState.CLOSED:
        counter.officer_id = None
        counter.current_ticket_id = None
        counter.priority_streak = 0
    log_counter(session, counter, now)
    _counter_changed(session, counter, now)


def open_counter(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Counter:
    """An officer opens (or reopens after a pause) a counter and becomes its officer."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        if actor.role != Role.OFFICER:
            raise Forbidden(
                "officers_only", "Chỉ cán bộ một cửa mới mở quầy.", "Only officers open counters."
            )
        if not counter.active:
            raise DomainError(
                "counter_inactive",
                f"Quầy số {counter.number} đã ngừng sử dụng.",
                f"Counter {counter.number} is no longer in use.",
                counter=counter.number,
            )
        allowed = set(
            session.scalars(
                select(OfficerCounter.counter_id).where(OfficerCounter.user_id == actor.user_id)
            )
        )
        if allowed and counter.id not in allowed:
            raise Forbidden(
                "counter_not_assigned",
                f"Bạn không được giao quầy số {counter.number}.",
                f"You are not assigned to counter {counter.number}.",
                counter=counter.number,
            )
        if counter.state != CounterState.CLOSED and counter.officer_id not in (None, actor.user_id):
            raise DomainError(
                "counter_taken",
                f"Quầy số {counter.number} đang do cán bộ khác mở. Người đó cần đóng quầy trước.",
                f"Counter {counter.number} is open by another officer, who must close it first.",
                counter=counter.number,
            )
        other = session.scalar(
            select(Counter.number).where(
                Counter.officer_id == actor.user_id,
                Counter.id != counter.id,
                Counter.state != CounterState.CLOSED,
            )
        )
        if other is not None:
            raise DomainError(
                "officer_has_counter",
                f"Bạn đang mở quầy số {other}. Hãy đóng quầy đó trước khi mở quầy khác.",
                f"You have counter {other} open. Close it before opening another.",
                counter=other,
            )
        counter.officer_id = actor.user_id
        _set_counter_state(session, counter, CounterState.OPEN, now)
    return counter


def pause_counter(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> Counter:
    """Stop calling new tickets for a while, with the officer's reason (a break, a
    meeting...); the current ticket can still be finished."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        if counter.state != CounterState.OPEN:
            _require_open(counter)
        counter.pause_reason = reason or None
        _set_counter_state(session, counter, CounterState.PAUSED, now)
    return counter


def close_counter(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Counter:
    """Close a counter. Its officer may, and so may a manager or admin of the site."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        if actor.role not in (Role.MANAGER, Role.ADMIN):
            _require_counter_officer(counter, actor)
        if counter.state == CounterState.CLOSED:
            return counter
        _require_free(session, counter)
        _set_counter_state(session, counter, CounterState.CLOSED, now)
    return counter
