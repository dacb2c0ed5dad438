"""How many people are ahead of a ticket, and how long it will wait.

People ahead: the waiting tickets of the same service and day that the call-next policy
serves first (priority tickets before ordinary ones, then queue order).

Estimated wait (README, "Estimated wait", states the rule and how it was chosen): the
queue moves by calls, so the estimate counts the calls the counters working for the
service give it now, not the tickets finished over a fixed past hour.

- *Minutes per call* of each service: the mean time a called ticket of it keeps a counter
  (call to finish, no-show or transfer) over the calls released in the last
  :data:`HANDLE_WINDOW` of today, with the nominal minutes weighing as
  :data:`PRIOR_CALLS` calls: the nominal figure alone at opening, the observed one within
  a few calls, so the first hour and the hour after lunch are not diluted.
- *Calls per minute* for the service: the sum over its counters that are open or paused
  now (a paused counter comes back; a closed one does not) of what each gives it: a
  counter serving one service gives one call per minute-per-call; a counter shared with
  other services gives the service its share of the calls it made in the last
  :data:`SHARE_WINDOW` (one call's worth split evenly before any), each call weighed by
  its service's minutes. No such counter: every counter configured for the service.
- *Open minutes*: ``(people ahead + 0.5) / (calls per minute - priority arrivals per
  minute)`` (for an ordinary ticket, later priority tickets pass it), carried through the
  site's opening hours: a wait that reaches the lunch break resumes after it.
- *Range*: the open minutes ± :data:`RANGE_Z` standard deviations, the spread of
  ``people ahead + 1`` calls (each with :data:`CALL_VARIANCE` times the squared mean
  interval) and a :data:`RELATIVE_ERROR` of the pace itself, rounded outward by
  :func:`contract.waits.round_range`. The point figure is never 0 while people are ahead.

A service's pace is read at most every :data:`PACE_TTL` of the caller's `now` (so that the
simulator, which runs on a virtual clock, ages it as a server would).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cachetools import LRUCache
from flask import Flask, current_app
from sqlalchemy import Connection, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from contract.tickets import CounterState, TicketState
from contract.waits import WaitEstimate, not_waiting, round_range, wait_text
from server.models import Counter, CounterService, Service, Site, Ticket
from server.services import catalog
from server.services.clock import WEEKDAYS, business_day, zone

HANDLE_WINDOW = dt.timedelta(hours=2)
SHARE_WINDOW = dt.timedelta(minutes=30)
PRIORITY_WINDOW = dt.timedelta(hours=1)
PRIOR_CALLS = 3.0
# Chosen with bench/eta.py (README): ~80% of the real waits inside the range shown.
RANGE_Z = 1.0
CALL_VARIANCE = 0.7
RELATIVE_ERROR = 0.12
# The pace is re-read at most this often per service and app (of the `now` given): it
# moves slowly, and the issue path should not pay for its reads each time.
PACE_TTL = dt.timedelta(seconds=30)
MAX_SERVICES = 4096
_CACHE = "hangdoi_service_paces"


@dataclass
class _Cache:
    # An LRUCache is not safe to share between threads without a lock.
    paces: LRUCache[int, Pace] = field(default_factory=lambda: LRUCache(MAX_SERVICES))
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = _Cache()


def clear_cache() -> None:
    """Forget the app's paces: the next estimate reads them afresh."""
    cache: _Cache = current_app.extensions[_CACHE]
    with cache.lock:
        cache.paces.clear()


# (service, waiting, oldest queued_at) of some services' queues of a business day, in
# index order; issuing adds columns to it (places_of_new_tickets).
WAITING_COUNTS = (
    select(Ticket.service_id, func.count(Ticket.id), func.min(Ticket.queued_at))
    .where(
        Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
        Ticket.state == TicketState.WAITING.value,
        Ticket.business_day == bindparam("day"),
    )
    .group_by(Ticket.service_id)
)


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


@dataclass(frozen=True)
class Pace:
    """What a service's estimates rest on at one moment."""

    computed_at: dt.datetime
    # Calls per minute the counters working for the service give it now (> 0).
    calls_per_minute: float
    # Releases per minute of those counters, whatever they call (the first to free).
    frees_per_minute: float
    minutes_per_call: float
    # The chance that every counter working for the service is busy (from how busy they
    # were over the share window): a newcomer with nobody ahead waits only then.
    all_busy: float
    priority_per_minute: float
    # The site's open spans from the business day of `computed_at` on, as UTC
    # (start, end) pairs; None: open around the clock.
    open_spans: tuple[tuple[dt.datetime, dt.datetime], ...] | None
    # (people ahead, priority) -> (low, point, high) open minutes: what estimate() works
    # out from the pace alone, before the clock and the opening hours. A pace is never
    # changed (a new one replaces it), so this never goes stale; one push of places to a
    # service's phones, and each issue, then costs a look-up per ticket (bench/profile_issue.py).
    _open_minutes: dict[tuple[int, bool], tuple[float, float, float]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # (people ahead, priority) -> the Estimate, when the site is open around the clock (the
    # clock then changes nothing).
    _estimates: dict[tuple[int, bool], Estimate] = field(
        default_factory=dict, compare=False, repr=False
    )


_COUNTERS_OF = (
    select(Counter.id, Counter.state)
    .join(CounterService, CounterService.counter_id == Counter.id)
    .where(CounterService.service_id == bindparam("service_id"))
)
_LINKS = select(CounterService.counter_id, CounterService.service_id, CounterService.rank).where(
    CounterService.counter_id.in_(bindparam("counter_ids", expanding=True))
)
# The calls of the day that the pace counts: who called what, when, and when it left.
_RECENT_CALLS = select(
    Ticket.service_id, Ticket.counter_id, Ticket.called_at, Ticket.finished_at
).where(
    Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
    Ticket.business_day == bindparam("day"),
    Ticket.called_at >= bindparam("since"),
)
_PRIORITY_ARRIVALS = select(func.count(Ticket.id)).where(
    Ticket.service_id == bindparam("service_id"),
    Ticket.business_day == bindparam("day"),
    Ticket.priority_category_id.is_not(None),
    Ticket.issued_at >= bindparam("since"),
    Ticket.issued_at <= bindparam("now"),
    Ticket.transferred_from_id.is_(None),
)
_HOURS = select(Site.opening_hours).where(Site.id == bindparam("site_id"))


def service_pace(session: Session, service_id: int, now: dt.datetime) -> Pace:
    """The service's pace as of `now`, read at most every PACE_TTL (of `now`)."""
    cache: _Cache = current_app.extensions[_CACHE]
    with cache.lock:
        cached = cache.paces.get(service_id)
    if cached is not None and dt.timedelta(0) <= now - cached.computed_at < PACE_TTL:
        return cached
    pace = read_pace(session.connection(), session, service_id, now)
    with cache.lock:
        cache.paces[service_id] = pace
    return pace


def service_paces(
    session: Session, service_ids: Sequence[int], now: dt.datetime
) -> dict[int, Pace]:
    """:func:`service_pace` of several services (an issue batch's), the cached ones in one
    look-up."""
    cache: _Cache = current_app.extensions[_CACHE]
    with cache.lock:
        cached = {sid: cache.paces.get(sid) for sid in service_ids}
    paces = {}
    for sid, pace in cached.items():
        if pace is not None and dt.timedelta(0) <= now - pace.computed_at < PACE_TTL:
            paces[sid] = pace
        else:
            paces[sid] = service_pace(session, sid, now)
    return paces


def read_pace(conn: Connection, session: Session, service_id: int, now: dt.datetime) -> Pace:
    """The service's pace as the database has it at `now` (no cache)."""
    info = catalog.service_info(session, service_id)
    day = business_day(now, info.timezone)
    counters = conn.execute(_COUNTERS_OF, {"service_id": service_id}).all()
    working = [cid for cid, state in counters if state != CounterState.CLOSED]
    if not working:
        # Nobody at a counter yet: the counters configured for the service, as if open.
        working = [cid for cid, _ in counters]
    services_of: dict[int, list[int]] = {}
    if working:
        links = sorted(conn.execute(_LINKS, {"counter_ids": working}), key=lambda r: r[2])
        for linked_counter, linked_service, _rank in links:
            services_of.setdefault(linked_counter, []).append(linked_service)
    involved = sorted({s for served in services_of.values() for s in served} | {service_id})
    since = now - max(HANDLE_WINDOW, SHARE_WINDOW)
    handled: dict[int, list[float]] = {s: [] for s in involved}
    calls: dict[tuple[int, int], int] = {}
    busy: dict[int, float] = {}
    first_call: dt.datetime | None = None
    share_since = now - SHARE_WINDOW
    handle_since = now - HANDLE_WINDOW
    for sid, counter_id, called_at, finished_at in conn.execute(
        _RECENT_CALLS, {"service_ids": involved, "day": day, "since": since}
    ):
        if called_at is None or called_at > now:
            continue
        if finished_at is not None and handle_since <= finished_at <= now:
            handled[sid].append((finished_at - called_at).total_seconds() / 60)
        if counter_id is None or (finished_at is not None and finished_at < share_since):
            continue
        left = now if finished_at is None or finished_at > now else finished_at
        busy[counter_id] = (
            busy.get(counter_id, 0.0) + (left - max(called_at, share_since)).total_seconds() / 60
        )
        if called_at >= share_since:
            calls[(counter_id, sid)] = calls.get((counter_id, sid), 0) + 1
            first_call = called_at if first_call is None else min(first_call, called_at)
    minutes: dict[int, float] = {}
    for sid in involved:
        nominal = float(catalog.service_info(session, sid).expected_service_minutes)
        seen = handled[sid]
        minutes[sid] = max(0.5, (sum(seen) + PRIOR_CALLS * nominal) / (len(seen) + PRIOR_CALLS))
    # What each counter gives the service: all its time when the service is its first
    # choice; else the time its better-ranked services leave, by the calls it made (one
    # call of each service assumed before any).
    per_minute = 0.0
    # How soon the first of them frees: each counter frees at the pace of the mix of
    # tickets it has been calling (a long one of another service holds it as well).
    frees = 0.0
    for counter_id in working:
        linked = services_of.get(counter_id) or [service_id]
        if service_id not in linked:
            continue
        rank = linked.index(service_id)
        made = {s: calls.get((counter_id, s), 0) + 1.0 for s in linked}
        work = {s: made[s] * minutes[s] for s in linked}
        taken = sum(work[s] for s in linked[:rank]) / sum(work.values())
        per_minute += (1.0 - taken) / minutes[service_id]
        frees += sum(made.values()) / sum(work.values())
    if per_minute <= 0:
        per_minute = 1.0 / minutes[service_id]
    if frees <= 0:
        frees = per_minute
    # How busy those counters were (the chance that a newcomer finds none free).
    span = SHARE_WINDOW.total_seconds() / 60
    if first_call is not None:
        span = min(span, max(1.0, (now - first_call).total_seconds() / 60))
    load = min(1.0, sum(busy.get(c, 0.0) for c in working) / (span * max(1, len(working))))
    priority = (
        conn.execute(
            _PRIORITY_ARRIVALS,
            {"service_id": service_id, "day": day, "since": now - PRIORITY_WINDOW, "now": now},
        ).scalar_one()
        or 0
    )
    hours = conn.execute(_HOURS, {"site_id": info.site_id}).scalar_one_or_none()
    return Pace(
        computed_at=now,
        calls_per_minute=per_minute,
        frees_per_minute=frees,
        minutes_per_call=minutes[service_id],
        all_busy=load ** max(1, len(working)) if first_call is not None else 1.0,
        priority_per_minute=priority / (PRIORITY_WINDOW.total_seconds() / 60),
        open_spans=open_spans(hours, day, info.timezone),
    )


def open_spans(
    hours: dict[str, list[list[str]]] | None, day: dt.date, tz: str, days: int = 1
) -> tuple[tuple[dt.datetime, dt.datetime], ...] | None:
    """The open spans of `days` business days from `day` on, as UTC (start, end) pairs
    (a ticket is for its business day: one day by default)."""
    if hours is None:
        return None
    local = zone(tz)
    spans = []
    for offset in range(days):
        date = day + dt.timedelta(days=offset)
        for start, end in hours.get(WEEKDAYS[date.weekday()], []):
            spans.append(
                (
                    dt.datetime.combine(date, dt.time.fromisoformat(start), local).astimezone(
                        dt.UTC
                    ),
                    dt.datetime.combine(date, dt.time.fromisoformat(end), local).astimezone(dt.UTC),
                )
            )
    return tuple(spans)


def through_hours(
    now: dt.datetime, open_minutes: float, spans: Sequence[tuple[dt.datetime, dt.datetime]] | None
) -> float:
    """Wall-clock minutes from `now` until `open_minutes` of opening hours have passed."""
    if spans is None or open_minutes <= 0:
        return open_minutes
    left = dt.timedelta(minutes=open_minutes)
    last = now
    for start, end in spans:
        if end <= now:
            continue
        begin = max(start, now)
        if begin + left <= end:
            return (begin + left - now).total_seconds() / 60
        left -= end - begin
        last = end
    # Past the day's last closing: those still waiting are served after it.
    return (last + left - now).total_seconds() / 60


class Estimate(NamedTuple):
    """A waiting ticket's estimated wait: the point figure and the range shown.

    A named tuple rather than a frozen dataclass: made for every waiting phone of a
    service each time its queue moves, and a tuple is made several times faster."""

    minutes: int
    low: int
    high: int

    def range_fields(self) -> dict[str, Any]:
        text_vi, text_en = wait_text(self.low, self.high)
        return {
            "estimated_wait_range": [self.low, self.high],
            "estimated_wait_text_vi": text_vi,
            "estimated_wait_text_en": text_en,
        }

    def fields(self) -> WaitEstimate:
        text_vi, text_en = wait_text(self.low, self.high)
        return {
            "estimated_wait_minutes": self.minutes,
            "estimated_wait_range": [self.low, self.high],
            "estimated_wait_text_vi": text_vi,
            "estimated_wait_text_en": text_en,
        }


# Memoised per pace: the queues a pace serves are at most a few thousand long.
MAX_MEMO = 4096


def estimate(ahead: int, priority: bool, pace: Pace, now: dt.datetime) -> Estimate:
    """The wait of a ticket with `ahead` people ahead, at `now`, by the rule above."""
    spans = pace.open_spans
    if spans is None:
        made = pace._estimates.get((ahead, priority))
        if made is None:
            made = _in_minutes(*_open_minutes(ahead, priority, pace), ahead)
            if len(pace._estimates) < MAX_MEMO:
                pace._estimates[(ahead, priority)] = made
        return made
    memo = pace._open_minutes
    minutes = memo.get((ahead, priority))
    if minutes is None:
        minutes = _open_minutes(ahead, priority, pace)
        if len(memo) < MAX_MEMO:
            memo[(ahead, priority)] = minutes
    low, point, high = minutes
    return _in_minutes(
        through_hours(now, low, spans),
        through_hours(now, point, spans),
        through_hours(now, high, spans),
        ahead,
    )


def _in_minutes(low: float, point: float, high: float, ahead: int) -> Estimate:
    """The estimate shown, from the wall-clock minutes of the range and the point figure."""
    lo, hi = round_range(low, high)
    if ahead > 0:
        return Estimate(max(math.ceil(point), 1), lo, hi)
    return Estimate(round(point), lo, hi)


def _open_minutes(ahead: int, priority: bool, pace: Pace) -> tuple[float, float, float]:
    """(low, point, high) minutes of opening hours that `ahead` people take at `pace`."""
    rate = pace.calls_per_minute
    if not priority:
        rate = max(rate - pace.priority_per_minute, rate / 2)
    # Somebody ahead means every counter is busy (a free one would have called them):
    # half an interval until the next call, then one per person. Nobody ahead: the same
    # half interval, if no counter is free.
    first = 0.5 / pace.frees_per_minute
    open_minutes = first + ahead / rate if ahead > 0 else pace.all_busy * first
    spread = math.sqrt((ahead + 1) * CALL_VARIANCE / rate**2 + (RELATIVE_ERROR * open_minutes) ** 2)
    return (
        max(0.0, open_minutes - RANGE_Z * spread),
        open_minutes,
        open_minutes + RANGE_Z * spread,
    )


def wait_fields(estimate_: Estimate | None) -> WaitEstimate:
    """The four wait fields of a payload (contract.waits), for a ticket waiting or not."""
    return estimate_.fields() if estimate_ is not None else not_waiting()


@dataclass(frozen=True)
class Standing:
    people_ahead: int
    estimate: Estimate | None  # None: not waiting

    @property
    def estimated_wait_minutes(self) -> int:
        return self.estimate.minutes if self.estimate is not None else 0


def standing(session: Session, ticket: Ticket, service: Service, now: dt.datetime) -> Standing:
    """Where a ticket stands in its queue now."""
    if ticket.state != TicketState.WAITING:
        return Standing(0, None)
    ahead = people_ahead(session, ticket)
    pace = service_pace(session, service.id, now)
    return Standing(ahead, estimate(ahead, ticket.priority_category_id is not None, pace, now))


def standings(
    session: Session, service_id: int, day: dt.date, now: dt.datetime
) -> list[tuple[str, int, Estimate]]:
    """(tracking token, people ahead, estimate) of every waiting ticket of a service, in
    one read: what the phones of that service are told when the queue moves."""
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
    pace = service_pace(session, service_id, now)
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
        if target is None:  # most tickets: their own group only (no sums to make)
            ahead = _ahead(
                priority,
                priority_before=priority_seen.get(None, 0),
                priority_total=priority_total.get(None, 0),
                ordinary_before=ordinary_seen.get(None, 0),
            )
        else:
            groups = (None, target)
            ahead = _ahead(
                priority,
                priority_before=sum(priority_seen.get(g, 0) for g in groups),
                priority_total=sum(priority_total.get(g, 0) for g in groups),
                ordinary_before=sum(ordinary_seen.get(g, 0) for g in groups),
            )
        result.append((token, ahead, estimate(ahead, priority, pace, now)))
        seen = priority_seen if priority else ordinary_seen
        seen[target] = seen.get(target, 0) + 1
    return result


def add_newcomer_waits(
    session: Session, rows: Sequence[Any], now: dt.datetime, paces: dict[int, Pace] | None = None
) -> None:
    """Add to each queue row (contract.events.ServiceQueue) the wait of an ordinary visitor
    who takes a number now: the kiosk's "khoảng 10–15 phút" before issuing, the display's.
    `paces`: the services' paces at `now` where the caller has them already."""
    for row in rows:
        pace = paces.get(row["service_id"]) if paces is not None else None
        if pace is None:
            pace = service_pace(session, row["service_id"], now)
        row.update(estimate(row["waiting"], False, pace, now).range_fields())
