"""The estimator the product used before issue #15, kept for bench/eta.py's comparison only
(the product does not call it): people ahead ÷ (tickets of the service finished in the
last 60 minutes ÷ 60) when at least 3 were finished, else people ahead × the nominal
minutes ÷ the open counters serving the service (at least one)."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contract.tickets import CounterState, TicketState
from server.models import Counter, CounterService, Ticket

WINDOW = dt.timedelta(hours=1)
MIN_OBSERVATIONS = 3


def legacy_wait_minutes(
    session: Session, service_id: int, ahead: int, minutes_per_ticket: int, now: dt.datetime
) -> int:
    if ahead == 0:
        return 0
    since = now - WINDOW
    finished = (
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.service_id == service_id,
                Ticket.state == TicketState.DONE,
                Ticket.business_day >= since.date() - dt.timedelta(days=1),
                Ticket.finished_at >= since,
                Ticket.finished_at <= now,
            )
        )
        or 0
    )
    if finished >= MIN_OBSERVATIONS:
        return math.ceil(ahead / (finished / (WINDOW.total_seconds() / 60)))
    open_counters = (
        session.scalar(
            select(func.count(Counter.id))
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service_id, Counter.state == CounterState.OPEN)
        )
        or 0
    )
    return math.ceil(ahead * minutes_per_ticket / max(1, open_counters))
