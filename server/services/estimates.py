"""How many people are ahead of a ticket, and how long it will wait.

People ahead: the waiting tickets of the same service and day that the call-next policy
serves first (priority tickets before ordinary ones, then queue order).

Estimated wait: people ahead divided by the service's observed rate (tickets of that
service finished per minute over the last hour, by all counters that serve it), when at
least :data:`MIN_OBSERVATIONS` were finished; else people ahead times the service's
nominal minutes per ticket, divided by the open counters that serve it (at least one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from contract.tickets import CounterState, TicketState
from server.models import Counter, CounterService, Service, Ticket
from server.services import catalog
from server.services.counts import WAITING_COUNTS
from server.services.timed import TimedCache

WINDOW = dt.timedelta(hours=1)
MIN_OBSERVATIONS = 3
# The rate is re-read at most this often per service and app: it moves slowly, and the
# issue path should not pay for an aggregate query each time.
RATE_TTL_SECONDS = 30.0
MAX_SERVICES = 4096
_CACHE = "hangdoi_service_rates"


@dataclass(frozen=True)
class Rate:
    # Tickets per minute, or None when there are too few observations.
    observed_per_minute: float | None
    open_counters: int


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = TimedCache[int, Rate](MAX_SERVICES, RATE_TTL_SECONDS)


def clear_cache() -> None:
    """Forget the app's rates: the next estimate reads them afresh."""
    current_app.extensions[_CACHE].clear()


# The rule, stated once over "me" (the ticket whose place is asked): the waiting general
# tickets of my service and day (or those sent to my counter, if I was), priority ones
# earlier than me if I am priority, else every priority one and the ordinary ones before me.
_ME = aliased(Ticket, name="me")
_EARLIER = or_(
    Ticket.queued_at < _ME.queued_at, and_(Ticket.queued_at == _ME.queued_at, Ticket.id < _ME.id)
)
_AHEAD = (
    select(func.count(Ticket.id))
    .where(
        Ticket.service_id == _ME.service_id,
        Ticket.state == TicketState.WAITING.value,
        Ticket.business_day == _ME.business_day,
        Ticket.id != _ME.id,
        or_(Ticket.target_counter_id.is_(None), Ticket.target_counter_id == _ME.target_counter_id),
        or_(
            and_(
                _ME.priority_category_id.is_not(None),
                Ticket.priority_category_id.is_not(None),
                _EARLIER,
            ),
            and_(
                _ME.priority_category_id.is_(None),
                or_(Ticket.priority_category_id.is_not(None), _EARLIER),
            ),
        ),
    )
    .correlate(_ME)
    .scalar_subquery()
)
# Built once: this runs on every ticket read and, for a whole batch, on every issue.
_PEOPLE_AHEAD = select(_ME.id, _AHEAD).where(
    _ME.id.in_(bindparam("ids", expanding=True)), _ME.state == TicketState.WAITING.value
)


def people_ahead_of(conn: Connection, ticket_ids: Sequence[int]) -> dict[int, int]:
    """People ahead of each of these tickets as the database has them now, in one read;
    tickets that are not waiting are left out."""
    if not ticket_ids:
        return {}
    return {
        ticket_id: ahead
        for ticket_id, ahead in conn.execute(_PEOPLE_AHEAD, {"ids": list(ticket_ids)})
    }


def _ahead(
    priority: bool, *, priority_before: int, priority_total: int, ordinary_before: int
) -> int:
    """The rule of _AHEAD in numbers, for the forms that count in Python: a priority ticket
    has the priority tickets before it ahead; an ordinary one, every priority ticket and the
    ordinary ones before it (of the tickets that count for it: see _AHEAD)."""
    return priority_before if priority else priority_total + ordinary_before


# The batch form, for tickets just issued together: one pass over each of their services'
# queues gives both the waiting counts (queue.changed) and, by counting on from the
# tickets that were already there, each new ticket's place. It rests on the new tickets
# being the last in queue order; where a ticket already waiting is not earlier than a new
# one, that new ticket is counted by _PEOPLE_AHEAD instead. Tests check it agrees.
_GENERAL = Ticket.target_counter_id.is_(None)
_PRIORITY = Ticket.priority_category_id.is_not(None)
# The waiting counts of queue.changed, with the general priority and ordinary tickets
# counted apart (conditional counts: grouping by the flags made SQLite sort the queue).
_QUEUE_COUNTS = WAITING_COUNTS.add_columns(
    func.count(case((and_(_GENERAL, _PRIORITY), 1))),
    func.count(case((and_(_GENERAL, ~_PRIORITY), 1))),
)
# The services where a ticket already waiting is not earlier than the batch: a seek to the
# end of each queue in the index, not a scan.
_NOT_EARLIER = (
    WAITING_COUNTS.with_only_columns(Ticket.service_id)
    .group_by(None)
    .distinct()
    .where(
        Ticket.queued_at >= bindparam("since"),
        Ticket.id.not_in(bindparam("new_ids", expanding=True)),
    )
)


@dataclass(frozen=True)
class NewInQueue:
    """A ticket just issued, as the batch counts it."""

    id: int
    service_id: int
    business_day: dt.date
    priority: bool
    queued_at: dt.datetime


def places_of_new_tickets(
    conn: Connection, tickets: Sequence[NewInQueue]
) -> tuple[dict[int, int], dict[tuple[int, dt.date], tuple[int, dt.datetime | None]]]:
    """(people ahead of each new ticket, (waiting, oldest queued_at) of each of their
    services and days), read after the tickets were inserted, in one pass per day."""
    ahead: dict[int, int] = {}
    queues: dict[tuple[int, dt.date], tuple[int, dt.datetime | None]] = {}
    exact: list[int] = []
    by_day: dict[dt.date, list[NewInQueue]] = {}
    for ticket in tickets:
        by_day.setdefault(ticket.business_day, []).append(ticket)
    for day, new in by_day.items():
        service_ids = sorted({t.service_id for t in new})
        params = {"service_ids": service_ids, "day": day}
        general: dict[tuple[int, bool], int] = {}
        for service_id, count, oldest, priority, ordinary in conn.execute(_QUEUE_COUNTS, params):
            queues[(service_id, day)] = (count, oldest)
            general[(service_id, True)], general[(service_id, False)] = priority, ordinary
        not_earlier = set(
            conn.execute(
                _NOT_EARLIER,
                {
                    **params,
                    "since": min(t.queued_at for t in new),
                    "new_ids": [t.id for t in new],
                },
            ).scalars()
        )
        new_count: dict[tuple[int, bool], int] = {}
        for t in new:
            new_count[(t.service_id, t.priority)] = new_count.get((t.service_id, t.priority), 0) + 1
        seen: dict[tuple[int, bool], int] = {}
        for t in new:
            if t.service_id in not_earlier:
                exact.append(t.id)
                continue
            before = seen.get((t.service_id, t.priority), 0)
            seen[(t.service_id, t.priority)] = before + 1
            # Those already there are all before the batch; of the batch, those before me.
            old = {
                p: general.get((t.service_id, p), 0) - new_count.get((t.service_id, p), 0)
                for p in (True, False)
            }
            ahead[t.id] = _ahead(
                t.priority,
                priority_before=old[True] + (before if t.priority else 0),
                priority_total=general.get((t.service_id, True), 0),
                ordinary_before=old[False] + (0 if t.priority else before),
            )
    if exact:
        ahead.update(people_ahead_of(conn, exact))
    return ahead, queues


def people_ahead(session: Session, ticket: Any) -> int:
    """The waiting tickets of the same service and day that the call-next policy serves
    before `ticket` (as stored: call it after the change that moved it is flushed)."""
    if ticket.state != TicketState.WAITING:
        return 0
    return people_ahead_of(session.connection(), [ticket.id]).get(ticket.id, 0)


def service_rate(session: Session, service_id: int, now: dt.datetime) -> Rate:
    cache: TimedCache[int, Rate] = current_app.extensions[_CACHE]
    cached = cache.get(service_id)
    if cached is not None:
        return cached
    since = now - WINDOW
    finished = (
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.service_id == service_id,
                Ticket.state == TicketState.DONE,
                # Bounds the index range to the last days, however long the history.
                Ticket.business_day >= since.date() - dt.timedelta(days=1),
                Ticket.finished_at >= since,
            )
        )
        or 0
    )
    open_counters = (
        session.scalar(
            select(func.count(Counter.id))
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service_id, Counter.state == CounterState.OPEN)
        )
        or 0
    )
    rate = Rate(
        finished / (WINDOW.total_seconds() / 60) if finished >= MIN_OBSERVATIONS else None,
        open_counters,
    )
    cache.put(service_id, rate)
    return rate


def estimated_wait_minutes(ahead: int, rate: Rate, minutes_per_ticket: int) -> int:
    """`minutes_per_ticket`: the service's nominal time, used until there are observations."""
    if ahead == 0:
        return 0
    if rate.observed_per_minute:
        return math.ceil(ahead / rate.observed_per_minute)
    return math.ceil(ahead * minutes_per_ticket / max(1, rate.open_counters))


@dataclass(frozen=True)
class Standing:
    people_ahead: int
    estimated_wait_minutes: int


def standing(session: Session, ticket: Ticket, service: Service, now: dt.datetime) -> Standing:
    """Where a ticket stands in its queue now."""
    ahead = people_ahead(session, ticket)
    if ticket.state != TicketState.WAITING:
        return Standing(0, 0)
    rate = service_rate(session, service.id, now)
    return Standing(ahead, estimated_wait_minutes(ahead, rate, service.expected_service_minutes))


def standings(
    session: Session, service_id: int, day: dt.date, now: dt.datetime
) -> list[tuple[str, int, int]]:
    """(tracking token, people ahead, estimated wait) of every waiting ticket of a service,
    in one read: what the phones of that service are told when the queue moves."""
    rows = session.execute(
        select(
            Ticket.tracking_token,
            Ticket.priority_category_id.is_not(None),
            Ticket.target_counter_id,
        )
        .where(
            Ticket.service_id == service_id,
            Ticket.state == TicketState.WAITING,
            Ticket.business_day == day,
        )
        .order_by(Ticket.queued_at, Ticket.id)
    ).all()
    minutes = catalog.service_info(session, service_id).expected_service_minutes
    rate = service_rate(session, service_id, now)
    # By _AHEAD: a general ticket counts the general ones; one sent to a counter counts the
    # general ones and those sent to the same counter. So each group (None: general) is
    # counted on its own, in queue order, and a ticket adds up its own group and, if it was
    # sent to a counter, the general one.
    priority_total: dict[int | None, int] = {}
    for _, priority, target in rows:
        if priority:
            priority_total[target] = priority_total.get(target, 0) + 1
    priority_seen: dict[int | None, int] = {}
    ordinary_seen: dict[int | None, int] = {}
    result = []
    for token, priority, target in rows:
        groups = (None,) if target is None else (None, target)
        ahead = _ahead(
            priority,
            priority_before=sum(priority_seen.get(g, 0) for g in groups),
            priority_total=sum(priority_total.get(g, 0) for g in groups),
            ordinary_before=sum(ordinary_seen.get(g, 0) for g in groups),
        )
        result.append((token, ahead, estimated_wait_minutes(ahead, rate, minutes)))
        seen = priority_seen if priority else ordinary_seen
        seen[target] = seen.get(target, 0) + 1
    return result
