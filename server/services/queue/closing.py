"""The nightly close-out: what is still open expires, every counter closes, old events go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contract.tickets import OPEN_STATES, CounterState
from server.db import write_transaction
from server.events import prune
from server.models import Counter, Site, Ticket, utcnow
from server.services.actor import SYSTEM
from server.services.clock import business_day
from server.services.queue.common import A, _move
from server.services.queue.counters import _set_counter_state

# Reconnecting clients are replayed from the event log; older gaps get a snapshot.
EVENT_LOG_KEPT = dt.timedelta(days=2)


@dataclass
class CloseOutResult:
    tickets_expired: int
    counters_closed: int
    events_pruned: int = 0


def close_out(
    session: Session,
    *,
    site_id: int | None = None,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> CloseOutResult:
    """End the day: every ticket still open of `day` or before expires, every counter closes.

    `day` defaults to each site's current business day. Safe to run twice: the second run
    finds nothing open.
    """
    now = now or utcnow()
    expired = closed = 0
    with write_transaction(session):
        sites = session.scalars(
            select(Site).where(Site.id == site_id) if site_id else select(Site)
        ).all()
        for site in sites:
            last_day = day or business_day(now, site.timezone)
            tickets = session.scalars(
                select(Ticket)
                .where(
                    Ticket.site_id == site.id,
                    Ticket.state.in_([s.value for s in OPEN_STATES]),
                    Ticket.business_day <= last_day,
                )
                .order_by(Ticket.id)
                .with_for_update()
            ).all()
            for ticket in tickets:
                _move(session, ticket, A.EXPIRE, SYSTEM, now, note="nightly close-out")
                ticket.finished_at = ticket.finished_at or now
                expired += 1
            counters = session.scalars(
                select(Counter).where(
                    Counter.site_id == site.id, Counter.state != CounterState.CLOSED
                )
            ).all()
            for counter in counters:
                _set_counter_state(session, counter, CounterState.CLOSED, now)
                closed += 1
            # Counters closed earlier may still point at a ticket that just expired.
            session.execute(
                update(Counter)
                .where(Counter.site_id == site.id, Counter.current_ticket_id.is_not(None))
                .values(current_ticket_id=None)
            )
        pruned = prune(session, now - EVENT_LOG_KEPT)
    return CloseOutResult(expired, closed, pruned)
