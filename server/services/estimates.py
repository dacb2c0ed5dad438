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
- *When each counter calls next*: a free counter at once; one holding a ticket when that
  ticket's service's minutes per call have passed since it was called (at least
  :data:`RESIDUAL` of them more, if they have); a paused one an interval on. A counter
  that prefers other services comes to this one only after its share of their waiting
  tickets (each service's waiting tickets × its minutes, split over its counters).
- *Open minutes*: the time of the ``people ahead + 1``-th call when each counter calls
  when it next can and then at its own interval (1 / what it gives the service), slowed
  for an ordinary ticket by the priority tickets that will pass it (the day's share of
  priority visitors, with :data:`PRIOR_PRIORITY_SHARE` weighing as
  :data:`PRIOR_ARRIVALS` arrivals, times the arrivals per minute of the last
  :data:`PRIORITY_WINDOW`), carried through the site's opening hours: a wait that reaches
  the lunch break resumes after it.
- *Range*: the open minutes ± :data:`RANGE_Z` standard deviations, the spread of
  ``people ahead + 1`` calls (each with :data:`CALL_VARIANCE` times the squared mean
  interval) and a :data:`RELATIVE_ERROR` of the pace itself, but no more than
  :data:`WIDTH_CAP` of the figure (or :data:`MIN_HALF_WIDTH` minutes) either side; kept to
  the open span where the figure falls (not across the lunch break); rounded outward by
  :func:`contract.waits.round_range`. The point figure is never 0 while people are ahead.

A service's pace is read at most every :data:`PACE_TTL` of the caller's `now` (so that the
simulator, which runs on a virtual clock, ages it as a server would), and afresh after a
counter of its site called or released a ticket or changed state: once that is committed
(:func:`counters_moved`), and in the other server processes when its event reaches them
(:func:`site_moved`).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cachetools import LRUCache
from flask import Flask, current_app, has_app_context
from sqlalchemy import Connection, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from contract.tickets import CounterState, TicketState
from contract.waits import WaitEstimate, not_waiting, round_range, wait_text
from server.events import after_commit, after_commit_pending
from server.models import Counter, CounterService, Service, Site, Ticket
from server.services import catalog
from server.services.clock import WEEKDAYS, business_day, zone

HANDLE_WINDOW = dt.timedelta(hours=2)
SHARE_WINDOW = dt.timedelta(minutes=30)
PRIORITY_WINDOW = dt.timedelta(hours=1)
PRIOR_CALLS = 3.0
# A ticket held past its mean minutes is still expected to keep the counter this share of
# them.
RESIDUAL = 0.25
# The share of priority visitors before today's are known, weighing as PRIOR_ARRIVALS
# arrivals; their arrival rate is read over at least MIN_ARRIVAL_WINDOW.
PRIOR_PRIORITY_SHARE = 0.05
PRIOR_ARRIVALS = 20.0
MIN_ARRIVAL_WINDOW = dt.timedelta(minutes=15)
# Chosen with bench/eta.py (README): ~80% of the real waits inside the range shown.
RANGE_Z = 1.0
# The range shown: at most WIDTH_CAP of the figure either side, or MIN_HALF_WIDTH minutes
# when that is more (chosen with bench/eta.py: >= 80% of real waits inside on every day).
WIDTH_CAP = 0.4
MIN_HALF_WIDTH = 5.0
CALL_VARIANCE = 0.7
RELATIVE_ERROR = 0.12
# The pace is re-read at most this often per service and app (of the `now` given): it
# moves slowly, and the issue path should not pay for its reads each time.
PACE_TTL = dt.timedelta(seconds=30)
MAX_SERVICES = 4096
_CACHE = "hangdoi_service_paces"


@dataclass
class _Cache:
    # An LRUCache is not safe to share between threads without a lock. Each pace is kept
    # with its site and the site's generation when it was read (counters_moved).
    paces: LRUCache[int, tuple[Pace, int, int]] = field(
        default_factory=lambda: LRUCache(MAX_SERVICES)
    )
    generations: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = _Cache()


def clear_cache() -> None:
    """Forget the app's paces: the next estimate reads them afresh."""
    cache: _Cache = current_app.extensions[_CACHE]
    with cache.lock:
        cache.paces.clear()


def counters_moved(session: Session, site_id: int) -> None:
    """A counter of the site called or released a ticket, or opened, paused or closed, in
    `session`'s transaction: once it commits, the site's cached paces are dropped by this
    app (not kept up to PACE_TTL), so that a visitor who takes a number just after a call
    is not told the counter is free. After the commit, not before: an issue that read the
    paces meanwhile would cache the old rows as new. The paces the transaction itself
    reads (its own rows: the queue.changed it sends) take their place. (The other server
    processes hear of the move by its event: server.realtime calls :func:`site_moved`.)"""
    if not has_app_context():
        return
    cache: _Cache | None = current_app.extensions.get(_CACHE)
    if cache is not None:
        after_commit(session, (_CACHE, site_id), _SiteMoved(cache, site_id))


class _SiteMoved:
    """What a transaction that moved a site's counters does once committed: a new
    generation of the site's paces, holding those the transaction read of its own rows
    (now the committed ones) unless another move of the site was committed in between."""

    def __init__(self, cache: _Cache, site_id: int) -> None:
        self.cache = cache
        self.site_id = site_id
        # service -> (pace read in the transaction, the site's generation before the read)
        self.read: dict[int, tuple[Pace, int]] = {}

    def __call__(self) -> None:
        with self.cache.lock:
            before = self.cache.generations.get(self.site_id, 0)
            self.cache.generations[self.site_id] = before + 1
            for service_id, (pace, generation) in self.read.items():
                if generation == before:
                    self.cache.paces[service_id] = (pace, self.site_id, before + 1)


def site_moved(app: Flask, site_id: int) -> None:
    """A site's counters moved (as another process told by its event): its paces are read
    afresh by `app`."""
    cache: _Cache | None = app.extensions.get(_CACHE)
    if cache is not None:
        with cache.lock:
            cache.generations[site_id] = cache.generations.get(site_id, 0) + 1


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
class CounterPace:
    """One counter working for a service, as the estimate sees it."""

    # Minutes between two of its calls of the service (its time for other services too).
    interval: float
    # When it called the ticket it holds and that ticket's service's mean minutes per
    # call; None: it holds none (free, or paused: it calls when it comes back).
    holding_since: dt.datetime | None
    holding_minutes: float
    paused: bool
    # Closed, counted as if open because none of the service's counters is: nobody knows
    # when it opens; half an interval is assumed.
    closed: bool = False
    # Minutes of work waiting now for the services it prefers to this one (its share).
    backlog: float = 0.0


@dataclass(frozen=True)
class Pace:
    """What a service's estimates rest on at one moment."""

    computed_at: dt.datetime
    # Calls per minute the counters working for the service give it now (> 0).
    calls_per_minute: float
    counters: tuple[CounterPace, ...]
    minutes_per_call: float
    priority_per_minute: float
    # The site's open spans from the business day of `computed_at` on, as UTC
    # (start, end) pairs; None: open around the clock.
    open_spans: tuple[tuple[dt.datetime, dt.datetime], ...] | None


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
# Today's arrivals of the service (transfers aside): how many, how many of them priority,
# how many in the last PRIORITY_WINDOW, and the first one.
_ARRIVALS = select(
    func.count(Ticket.id),
    func.count(Ticket.priority_category_id),
    func.sum(case((Ticket.issued_at >= bindparam("since"), 1), else_=0)),
    func.min(Ticket.issued_at),
).where(
    Ticket.service_id == bindparam("service_id"),
    Ticket.business_day == bindparam("day"),
    Ticket.issued_at <= bindparam("now"),
    Ticket.transferred_from_id.is_(None),
)
# What some counters hold now: (counter, state, when the ticket was called, its service).
_HOLDING = (
    select(Counter.id, Counter.state, Ticket.called_at, Ticket.service_id)
    .outerjoin(Ticket, Ticket.id == Counter.current_ticket_id)
    .where(Counter.id.in_(bindparam("counter_ids", expanding=True)))
)
# The counters serving some services, with their state.
_SERVING = (
    select(CounterService.service_id, Counter.id, Counter.state)
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(CounterService.service_id.in_(bindparam("service_ids", expanding=True)))
)
_HOURS = select(Site.opening_hours).where(Site.id == bindparam("site_id"))


def service_pace(session: Session, service_id: int, now: dt.datetime) -> Pace:
    """The service's pace as of `now`, read at most every PACE_TTL (of `now`)."""
    cache: _Cache = current_app.extensions[_CACHE]
    site_id = None
    if after_commit_pending(session) is not None:
        site_id = catalog.service_info(session, service_id).site_id
        moved = after_commit_pending(session, (_CACHE, site_id))
        if isinstance(moved, _SiteMoved):
            # This transaction moved a counter of the site: its own view of the rows (the
            # queue.changed it sends), cached once it commits (the last read of each).
            with cache.lock:
                generation = cache.generations.get(site_id, 0)
            own = read_pace(session.connection(), session, service_id, now)
            moved.read[service_id] = (own, generation)
            return own
    cached = _cached_pace(cache, service_id, now)
    if cached is not None:
        return cached
    if site_id is None:
        site_id = catalog.service_info(session, service_id).site_id
    with cache.lock:
        generation = cache.generations.get(site_id, 0)
    pace = read_pace(session.connection(), session, service_id, now)
    with cache.lock:
        cache.paces[service_id] = (pace, site_id, generation)
    return pace


def service_paces(
    session: Session, service_ids: Sequence[int], now: dt.datetime
) -> dict[int, Pace]:
    """:func:`service_pace` of several services (an issue batch's)."""
    return {sid: service_pace(session, sid, now) for sid in service_ids}


def _cached_pace(cache: _Cache, service_id: int, now: dt.datetime) -> Pace | None:
    """The service's cached pace if still good at `now`: read less than PACE_TTL before,
    and no counter of its site moved since."""
    with cache.lock:
        cached = cache.paces.get(service_id)
        if cached is None:
            return None
        pace, site_id, read_in = cached
        if read_in != cache.generations.get(site_id, 0):
            return None
    return pace if dt.timedelta(0) <= now - pace.computed_at < PACE_TTL else None


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
    share_since = now - SHARE_WINDOW
    handle_since = now - HANDLE_WINDOW
    for sid, counter_id, called_at, finished_at in conn.execute(
        _RECENT_CALLS, {"service_ids": involved, "day": day, "since": since}
    ):
        if called_at is None or called_at > now:
            continue
        if finished_at is not None and handle_since <= finished_at <= now:
            handled[sid].append((finished_at - called_at).total_seconds() / 60)
        if counter_id is not None and called_at >= share_since:
            calls[(counter_id, sid)] = calls.get((counter_id, sid), 0) + 1
    minutes: dict[int, float] = {}
    for sid in involved:
        nominal = float(catalog.service_info(session, sid).expected_service_minutes)
        seen = handled[sid]
        minutes[sid] = max(0.5, (sum(seen) + PRIOR_CALLS * nominal) / (len(seen) + PRIOR_CALLS))
    holding = {
        counter_id: (state, called_at, held)
        for counter_id, state, called_at, held in conn.execute(_HOLDING, {"counter_ids": working})
    }
    waiting = {
        sid: count
        for sid, count, _oldest in conn.execute(
            WAITING_COUNTS, {"service_ids": involved, "day": day}
        )
    }
    # How many counters share each service's queue: those open or paused, else configured.
    serving: dict[int, int] = {}
    configured: dict[int, int] = {}
    for sid, _counter_id, state in conn.execute(_SERVING, {"service_ids": involved}):
        configured[sid] = configured.get(sid, 0) + 1
        if state != CounterState.CLOSED:
            serving[sid] = serving.get(sid, 0) + 1
    # What each counter gives the service: all its time when the service is its first
    # choice; else the time its better-ranked services leave, by the calls it made (one
    # call of each service assumed before any).
    per_minute = 0.0
    paces: list[CounterPace] = []
    for counter_id in working:
        linked = services_of.get(counter_id) or [service_id]
        if service_id not in linked:
            continue
        rank = linked.index(service_id)
        made = {s: calls.get((counter_id, s), 0) + 1.0 for s in linked}
        work = {s: made[s] * minutes[s] for s in linked}
        taken = sum(work[s] for s in linked[:rank]) / sum(work.values())
        gives = (1.0 - taken) / minutes[service_id]
        per_minute += gives
        state, called_at, held = holding.get(counter_id, (CounterState.CLOSED, None, None))
        held_minutes = minutes.get(held, 0.0) if held is not None else 0.0
        holds = called_at is not None and held_minutes > 0 and called_at <= now
        paces.append(
            CounterPace(
                interval=1.0 / gives,
                holding_since=called_at if holds else None,
                holding_minutes=held_minutes if holds else 0.0,
                paused=state == CounterState.PAUSED,
                closed=state == CounterState.CLOSED,
                backlog=sum(
                    waiting.get(s, 0) * minutes[s] / (serving.get(s) or configured.get(s) or 1)
                    for s in linked[:rank]
                ),
            )
        )
    if not paces:
        per_minute = 1.0 / minutes[service_id]
        paces.append(CounterPace(minutes[service_id], None, 0.0, False))
    # Today's arrivals: the share of priority visitors over the whole day (a few in an
    # hour are chance), times the arrivals per minute over the last hour, or since the
    # first of the day.
    arrived, priority, recent, first = conn.execute(
        _ARRIVALS,
        {"service_id": service_id, "day": day, "since": now - PRIORITY_WINDOW, "now": now},
    ).one()
    priority_per_minute = 0.0
    if arrived:
        share = (priority + PRIOR_PRIORITY_SHARE * PRIOR_ARRIVALS) / (arrived + PRIOR_ARRIVALS)
        window = min(PRIORITY_WINDOW, max(MIN_ARRIVAL_WINDOW, now - first))
        priority_per_minute = share * (recent or 0) / (window.total_seconds() / 60)
    hours = conn.execute(_HOURS, {"site_id": info.site_id}).scalar_one_or_none()
    return Pace(
        computed_at=now,
        calls_per_minute=per_minute,
        counters=tuple(paces),
        minutes_per_call=minutes[service_id],
        priority_per_minute=priority_per_minute,
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
    if spans is None:
        return open_minutes
    left = dt.timedelta(minutes=max(0.0, open_minutes))
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


def within_span(
    now: dt.datetime,
    point: float,
    low: float,
    high: float,
    spans: Sequence[tuple[dt.datetime, dt.datetime]] | None,
) -> tuple[float, float]:
    """[low, high] wall-clock minutes from `now` cut to the open span in which `point`
    falls (the last span is not cut at its end: those still waiting are served after it)."""
    if spans is None:
        return low, high
    at = now + dt.timedelta(minutes=point)
    for index, (start, end) in enumerate(spans):
        if start <= at <= end:
            low = max(low, (start - now).total_seconds() / 60)
            if index < len(spans) - 1:
                high = min(high, (end - now).total_seconds() / 60)
            break
    return low, max(low, high)


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


def _frees_in(counter: CounterPace, now: dt.datetime) -> float:
    """Minutes from `now` until the counter next calls: at once if free; a paused one, an
    interval on (half of one, if closed); one holding a ticket, the ticket's mean minutes less those it has held,
    but at least RESIDUAL of them (a ticket held past its mean is still expected to take a
    while)."""
    if counter.paused:
        return counter.interval + counter.backlog
    if counter.closed:
        return counter.interval / 2 + counter.backlog
    if counter.holding_since is None:
        return counter.backlog
    held = (now - counter.holding_since).total_seconds() / 60
    return counter.backlog + max(counter.holding_minutes - held, RESIDUAL * counter.holding_minutes)


def minutes_until_call(place: int, pace: Pace, now: dt.datetime, scale: float = 1.0) -> float:
    """Open minutes until the `place`-th next call of the service (1: the next one): each
    counter calls when it frees and then every interval (divided by `scale`)."""
    return _CallSchedule(pace, now, scale, place).minutes_until(place)


class _CallSchedule:
    """The service's next calls, worked out once for as many places as asked (a queue's
    standings ask for every place; one ticket's estimate, for its own)."""

    __slots__ = ("times", "rounds", "starts")

    def __init__(self, pace: Pace, now: dt.datetime, scale: float, places: int) -> None:
        # (when it next calls, its interval) of each counter, soonest first.
        self.starts = [(_frees_in(c, now), c.interval / scale) for c in pace.counters]
        heap = self.starts[:]
        heapq.heapify(heap)
        # Beyond a few rounds the counters' phases no longer matter: their total pace does.
        self.rounds = 3 * len(heap)
        self.times: list[float] = []
        for _ in range(min(places, self.rounds)):
            at, interval = heap[0]
            heapq.heapreplace(heap, (at + interval, interval))
            self.times.append(at)

    def minutes_until(self, place: int) -> float:
        if place <= self.rounds:
            return self.times[place - 1] if place > 0 else 0.0
        # Summed soonest first, as it always was (the same figure to the last digit).
        rate = sum(1.0 / interval for _, interval in sorted(self.starts))
        return self.times[-1] + (place - self.rounds) / rate


def _scale(priority: bool, pace: Pace) -> float:
    """The share of the calls an ordinary ticket gets: priority tickets that come meanwhile
    pass it (1 for a priority ticket)."""
    if priority:
        return 1.0
    rate = pace.calls_per_minute
    return max(rate - pace.priority_per_minute, rate / 2) / rate


def estimate(ahead: int, priority: bool, pace: Pace, now: dt.datetime) -> Estimate:
    """The wait of a ticket with `ahead` people ahead, at `now`, by the rule above."""
    scale = _scale(priority, pace)
    return _estimate(ahead, pace, now, scale, minutes_until_call(ahead + 1, pace, now, scale))


def _estimate(
    ahead: int, pace: Pace, now: dt.datetime, scale: float, open_minutes: float
) -> Estimate:
    """:func:`estimate`, the minutes until the ticket's call (`open_minutes`) known."""
    rate = pace.calls_per_minute * scale
    spread = math.sqrt((ahead + 1) * CALL_VARIANCE / rate**2 + (RELATIVE_ERROR * open_minutes) ** 2)
    # Shown to a visitor: no wider than WIDTH_CAP of the figure itself either side (with no
    # history the spread of the nominal minutes alone reads "40–100 phút").
    half = min(RANGE_Z * spread, max(WIDTH_CAP * open_minutes, MIN_HALF_WIDTH))
    low = through_hours(now, max(0.0, open_minutes - half), pace.open_spans)
    point = through_hours(now, open_minutes, pace.open_spans)
    high = through_hours(now, open_minutes + half, pace.open_spans)
    # A range that would span a break keeps to the side of it where the figure falls.
    low, high = within_span(now, point, low, high, pace.open_spans)
    lo, hi = round_range(low, high)
    minutes = math.ceil(point) if ahead > 0 else round(point)
    return Estimate(max(minutes, 1) if ahead > 0 else minutes, lo, hi)


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
    # The calls to come, worked out once for every place of the queue (per share of calls:
    # an ordinary ticket's, a priority one's).
    schedules: dict[bool, tuple[float, _CallSchedule]] = {}
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
        schedule = schedules.get(priority)
        if schedule is None:
            scale = _scale(priority, pace)
            schedule = schedules[priority] = (scale, _CallSchedule(pace, now, scale, len(rows)))
        scale, calls = schedule
        result.append(
            (token, ahead, _estimate(ahead, pace, now, scale, calls.minutes_until(ahead + 1)))
        )
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
