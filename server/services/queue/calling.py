"""Calling tickets to a counter: the call-next policy, calling a given number, recalling,
and calling back a held ticket."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.tickets import TicketAction
from server.db import write_transaction
from server.errors import NotFound
from server.models import Counter, CounterService, Site, Ticket, utcnow
from server.services.actor import Actor
from server.services.clock import business_day
from server.services.queue.common import (
    A,
    S,
    _counter,
    _current_ticket,
    _held_elsewhere,
    _move,
    _release,
    _require_counter_officer,
    _require_free,
    _require_open,
    _site,
    _ticket,
)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _claim_first(session: Session, query) -> Ticket | None:
    query = query.order_by(Ticket.queued_at, Ticket.id).limit(1)
    if _is_postgres(session):
        # Skip rows another counter has just claimed instead of waiting for them.
        query = query.with_for_update(skip_locked=True, of=Ticket)
    return session.scalars(query).first()


def pick_next(session: Session, counter: Counter, site: Site, day: dt.date) -> Ticket | None:
    """The ticket `counter` should call now, by the call-next policy (see README):

    1. tickets transferred to this very counter;
    2. priority tickets of its services, oldest first, unless the counter has already
       called `site.max_priority_in_row` priority tickets in a row;
    3. the oldest waiting ticket of its first-choice service, then of each next one.
    """
    waiting_today = (Ticket.state == S.WAITING, Ticket.business_day == day)
    ticket = _claim_first(
        session, select(Ticket).where(Ticket.target_counter_id == counter.id, *waiting_today)
    )
    if ticket is not None:
        return ticket
    service_ids = list(
        session.scalars(
            select(CounterService.service_id)
            .where(CounterService.counter_id == counter.id)
            .order_by(CounterService.rank)
        )
    )
    if not service_ids:
        return None
    general = (Ticket.target_counter_id.is_(None), *waiting_today)
    if counter.priority_streak < site.max_priority_in_row:
        ticket = _claim_first(
            session,
            select(Ticket).where(
                Ticket.service_id.in_(service_ids),
                Ticket.priority_category_id.is_not(None),
                *general,
            ),
        )
        if ticket is not None:
            return ticket
    for service_id in service_ids:
        ticket = _claim_first(
            session, select(Ticket).where(Ticket.service_id == service_id, *general)
        )
        if ticket is not None:
            return ticket
    return None


def _call(
    session: Session,
    counter: Counter,
    ticket: Ticket,
    actor: Actor,
    now: dt.datetime,
    action: TicketAction = A.CALL,
    note: str | None = None,
) -> None:
    ticket.counter_id = counter.id
    ticket.call_count = ticket.call_count + 1
    ticket.called_at = now
    _move(session, ticket, action, actor, now, counter=counter, note=note)
    counter.current_ticket_id = ticket.id
    if ticket.priority_category_id is not None:
        counter.priority_streak = counter.priority_streak + 1
    else:
        counter.priority_streak = 0


def call_next(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Ticket | None:
    """Call the next ticket to a counter; None when nobody waits for its services."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_open(counter)
        _require_free(session, counter)
        site = _site(session, counter.site_id)
        ticket = pick_next(session, counter, site, business_day(now, site.timezone))
        if ticket is None:
            return None
        _call(session, counter, ticket, actor, now)
    return ticket


def call_number(
    session: Session, actor: Actor, counter_id: int, number: str, *, now: dt.datetime | None = None
) -> Ticket:
    """Call one given number of today to a counter (waiting, or held at this counter)."""
    now = now or utcnow()
    number = number.strip().upper()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_open(counter)
        _require_free(session, counter)
        site = _site(session, counter.site_id)
        day = business_day(now, site.timezone)
        candidates = list(
            session.scalars(
                select(Ticket)
                .where(
                    Ticket.site_id == site.id, Ticket.business_day == day, Ticket.number == number
                )
                .order_by(Ticket.id)
                .with_for_update()
            )
        )
        if not candidates:
            raise NotFound(
                "number_not_found",
                f"Hôm nay chưa cấp số {number}.",
                f"Ticket {number} has not been issued today.",
                ticket=number,
            )
        # A transferred ticket keeps its number: the newest of the chain is the live one.
        ticket = candidates[-1]
        if ticket.state == S.HELD:
            if ticket.counter_id != counter.id:
                raise _held_elsewhere(ticket, counter)
            _call(session, counter, ticket, actor, now, action=A.RESUME)
        else:
            _call(session, counter, ticket, actor, now)
    return ticket


def recall(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Ticket:
    """Call the counter's current ticket again. Past the site's limit it becomes a no-show."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.RECALL)
        site = _site(session, counter.site_id)
        if ticket.state == S.CALLED and ticket.call_count >= site.no_show_after_calls:
            ticket.finished_at = now  # before the move: one UPDATE of the ticket, not two
            _move(
                session,
                ticket,
                A.NO_SHOW,
                actor,
                now,
                counter=counter,
                note=f"auto: {ticket.call_count} calls without answer",
            )
            _release(counter)
        else:
            if ticket.state == S.CALLED:
                ticket.call_count = ticket.call_count + 1
                ticket.called_at = now
            _move(session, ticket, A.RECALL, actor, now, counter=counter)
    return ticket


def resume_held(
    session: Session,
    actor: Actor,
    counter_id: int,
    ticket_id: int,
    *,
    now: dt.datetime | None = None,
) -> Ticket:
    """Call a ticket this counter put on hold back to it."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_free(session, counter)
        ticket = _ticket(session, actor, ticket_id, lock=True)
        if ticket.state == S.HELD and ticket.counter_id != counter.id:
            raise _held_elsewhere(ticket, counter)
        _call(session, counter, ticket, actor, now, action=A.RESUME)
    return ticket


def call_order(
    session: Session, counter: Counter, site: Site, day: dt.date, limit: int = 50
) -> list[Ticket]:
    """The waiting tickets `counter` would call, in the order :func:`pick_next` would call
    them if nothing changed meanwhile (the officer's panel): the tickets sent to it, then
    the call-next policy played forward from the counter's priority streak. Read only."""
    waiting_today = (Ticket.state == S.WAITING, Ticket.business_day == day)
    order = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.target_counter_id == counter.id, *waiting_today)
            .order_by(Ticket.queued_at, Ticket.id)
            .limit(limit)
        )
    )
    service_ids = list(
        session.scalars(
            select(CounterService.service_id)
            .where(CounterService.counter_id == counter.id)
            .order_by(CounterService.rank)
        )
    )
    if not service_ids or len(order) >= limit:
        return order[:limit]
    general = list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.service_id.in_(service_ids),
                Ticket.target_counter_id.is_(None),
                *waiting_today,
            )
            .order_by(Ticket.queued_at, Ticket.id)
        )
    )
    streak = counter.priority_streak
    for ticket in order:
        streak = streak + 1 if ticket.priority_category_id is not None else 0
    left = {t.id: t for t in general}
    while left and len(order) < limit:
        chosen: Ticket | None = None
        if streak < site.max_priority_in_row:
            chosen = next((t for t in left.values() if t.priority_category_id is not None), None)
        ticket = chosen or next(
            t for service_id in service_ids for t in left.values() if t.service_id == service_id
        )
        del left[ticket.id]
        order.append(ticket)
        streak = streak + 1 if ticket.priority_category_id is not None else 0
    return order


def served_today(
    session: Session, counter: Counter, site: Site, day: dt.date
) -> tuple[int, int | None]:
    """(tickets this counter finished on `day`, their mean service time in seconds or None)."""
    rows = session.execute(
        select(Ticket.started_at, Ticket.finished_at).where(
            Ticket.counter_id == counter.id,
            Ticket.business_day == day,
            Ticket.state == S.DONE,
        )
    ).all()
    spans = [
        (finished - started).total_seconds() for started, finished in rows if started and finished
    ]
    return len(rows), round(sum(spans) / len(spans)) if spans else None
