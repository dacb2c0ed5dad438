"""Writing what the reports read, in the transaction of the move that causes it: a step's
row and its part of the roll-up when the step ends (:func:`record_step`), a counter's state change
(:func:`log_counter`), and rebuilding the steps from ``ticket_event`` (:func:`rebuild`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from contract.tickets import FINAL_STATES, TicketState
from server.db import write_transaction
from server.models import Counter, CounterLog, ReportStep, Service, Site, Ticket, TicketEvent
from server.services import catalog
from server.services.clock import zone
from server.services.reports import rollup
from server.services.reports.definitions import (
    CHANNEL_WALK_IN,
    EventView,
    local_slot,
    measure_step,
    month_start,
    week_start,
    within_target,
)


def step_row(
    ticket: Any,
    events: Sequence[EventView],
    *,
    department_id: int,
    target_wait_minutes: int,
    timezone: str,
) -> dict[str, Any] | None:
    """The report_step row of an ended step (None while it is open). `ticket` is a Ticket or
    any object with its columns."""
    figures = measure_step(events)
    if figures.end_state is None or figures.ended_at is None:
        return None
    tz = zone(timezone)
    day: dt.date = ticket.business_day
    arrived_local = figures.arrived_at.astimezone(tz)
    left = figures.first_called_at or figures.ended_at
    target = target_wait_minutes * 60
    return {
        "ticket_id": ticket.id,
        "site_id": ticket.site_id,
        "service_id": ticket.service_id,
        "department_id": department_id,
        "counter_id": figures.counter_id,
        "officer_id": figures.officer_id,
        "priority_category_id": ticket.priority_category_id,
        "channel": CHANNEL_WALK_IN,
        "transferred_in": ticket.transferred_from_id is not None,
        "has_dossier": bool(ticket.dossier_code),
        "business_day": day,
        "week_start": week_start(day),
        "month_start": month_start(day),
        "weekday": arrived_local.weekday(),
        "arrival_slot": local_slot(figures.arrived_at, day, tz),
        "left_queue_slot": local_slot(left, day, tz),
        "arrived_at": figures.arrived_at,
        "first_called_at": figures.first_called_at,
        "ended_at": figures.ended_at,
        "end_state": figures.end_state,
        "outcome": ticket.outcome if figures.end_state == TicketState.DONE else None,
        "calls": figures.calls,
        "wait_seconds": figures.wait_seconds,
        "service_seconds": figures.service_seconds,
        "hold_seconds": figures.hold_seconds,
        "target_wait_seconds": target,
        "within_target": within_target(figures.wait_seconds, target),
    }


def _views(rows: Iterable[Any]) -> list[EventView]:
    return [EventView(r.action, r.to_state, r.at, r.counter_id, r.user_id) for r in rows]


_EVENT_COLUMNS = (
    TicketEvent.ticket_id,
    TicketEvent.action,
    TicketEvent.to_state,
    TicketEvent.at,
    TicketEvent.counter_id,
    TicketEvent.user_id,
)


# Built once: a step ends on every call's last move (a finish, a no-show).
_STEP_EVENTS = (
    select(*_EVENT_COLUMNS)
    .where(TicketEvent.ticket_id == bindparam("ticket_id"))
    .order_by(TicketEvent.at, TicketEvent.id)
)
_INSERT_STEP = insert(ReportStep)


def record_step(session: Session, ticket: Ticket) -> None:
    """Write the report row of `ticket`'s step, which has just ended (its final event is
    in the session). Called by the queue's one transition function."""
    events = session.execute(_STEP_EVENTS, {"ticket_id": ticket.id}).all()
    # The catalogue's cached row (emptied by every catalog.changed), not two reads per step.
    service = catalog.service_info(session, ticket.service_id)
    row = step_row(
        ticket,
        _views(events),
        department_id=service.department_id,
        target_wait_minutes=service.target_wait_minutes,
        timezone=service.timezone,
    )
    if row is not None:
        # On the session's connection: the ORM's bulk insert sets each column through the
        # mapper, for a row that is plain data already.
        session.connection().execute(_INSERT_STEP, row)
        rollup.write(session, [row])


def log_counter(session: Session, counter: Counter, now: dt.datetime) -> None:
    """Log a counter's new state (its officer while open or paused); when it was open
    until now, add that stretch to the roll-up's open time."""
    before = session.execute(
        select(CounterLog.state, CounterLog.officer_id, CounterLog.at)
        .where(CounterLog.counter_id == counter.id)
        .order_by(CounterLog.at.desc(), CounterLog.id.desc())
        .limit(1)
    ).first()
    if before is not None and before.state == "open":
        site = session.get(Site, counter.site_id)
        assert site is not None  # a foreign key
        spent = now - before.at
        rollup.add_open_time(
            session,
            counter.site_id,
            before.at.astimezone(zone(site.timezone)).date(),
            counter.id,
            before.officer_id,
            (spent.days * 86400 + spent.seconds) * 10**6 + spent.microseconds,
        )
    session.add(
        CounterLog(
            counter_id=counter.id,
            site_id=counter.site_id,
            state=counter.state,
            officer_id=counter.officer_id,
            at=now,
        )
    )


def rebuild(session: Session, site_id: int | None = None, batch: int = 5000) -> int:
    """Recompute every report step from ``ticket_event`` (after an upgrade, or to check the
    rows kept as tickets end), then the roll-up from them; returns how many steps it
    wrote. One transaction."""
    with write_transaction(session):
        gone = delete(ReportStep)
        if site_id is not None:
            gone = gone.where(ReportStep.site_id == site_id)
        session.execute(gone)
        services = {s.id: s for s in session.scalars(select(Service))}
        timezones = dict(session.execute(select(Site.id, Site.timezone)).all())
        final = [s.value for s in FINAL_STATES]
        query = select(Ticket).where(Ticket.state.in_(final)).order_by(Ticket.id)
        if site_id is not None:
            query = query.where(Ticket.site_id == site_id)
        written = 0
        last_id = 0
        while True:
            tickets = session.scalars(query.where(Ticket.id > last_id).limit(batch)).all()
            if not tickets:
                break
            last_id = tickets[-1].id
            by_ticket: dict[int, list[Any]] = defaultdict(list)
            for row in session.execute(
                select(*_EVENT_COLUMNS)
                .where(TicketEvent.ticket_id.in_([t.id for t in tickets]))
                .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
            ):
                by_ticket[row.ticket_id].append(row)
            rows = []
            for ticket in tickets:
                service = services[ticket.service_id]
                made = step_row(
                    ticket,
                    _views(by_ticket[ticket.id]),
                    department_id=service.department_id,
                    target_wait_minutes=service.target_wait_minutes,
                    timezone=timezones[ticket.site_id],
                )
                if made is not None:
                    rows.append(made)
            if rows:
                session.execute(insert(ReportStep), rows)
                written += len(rows)
            session.expunge_all()
        rollup.rebuild(session, site_id=site_id)
    return written
