"""Days out of a site's history: a recorded day to replay (its visitors as they came, its
counters as they were staffed), and a day profile learned from past days (arrivals per
service and hour, handling times, no-shows, transfers, priority), for the what-if."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import TicketState
from server.models import Counter, CounterService, EventLog, Service, Site, Ticket
from server.services.clock import WEEKDAYS, zone
from server.services.simulation.model import CounterSpec, DayProfile, ServiceSpec, hhmm


@dataclass(frozen=True)
class RecordedWait:
    """A ticket of a recorded day and the wait it really had (minutes; None: never called)."""

    number: str
    service: str
    issued_minute: float
    wait: float | None


def _local_minute(at: dt.datetime, tz: str) -> float:
    local = at.astimezone(zone(tz))
    return local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6


def _minutes(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60


def _day_tickets(session: Session, site_id: int, day: dt.date) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.site_id == site_id, Ticket.business_day == day)
            .order_by(Ticket.issued_at, Ticket.id)
        )
    )


def _site_services(session: Session, site_id: int) -> dict[int, Service]:
    return {
        s.id: s
        for s in session.scalars(select(Service).where(Service.site_id == site_id, Service.active))
    }


def _hours_of(site: Site, day: dt.date) -> tuple[tuple[str, str], ...]:
    if site.opening_hours is None:
        return (("00:00", "23:59"),)
    return tuple((a, b) for a, b in site.opening_hours.get(WEEKDAYS[day.weekday()], []))


def _counters(
    session: Session, site_id: int, codes: dict[int, str]
) -> dict[int, tuple[int, tuple[str, ...]]]:
    """counter id -> (number, its services' codes, first choice first)."""
    out: dict[int, tuple[int, tuple[str, ...]]] = {}
    for counter in session.scalars(
        select(Counter).where(Counter.site_id == site_id).order_by(Counter.number)
    ):
        links = session.scalars(
            select(CounterService)
            .where(CounterService.counter_id == counter.id)
            .order_by(CounterService.rank)
        )
        services = tuple(codes[link.service_id] for link in links if link.service_id in codes)
        if services:
            out[counter.id] = (counter.number, services)
    return out


def _shifts(
    session: Session, site: Site, day: dt.date, tickets: Sequence[Ticket]
) -> dict[int, list[tuple[str, str]]]:
    """When each counter was open that day: from its counter.changed events (open → paused
    or closed), or, when the event log no longer has them, from its first call to its last
    release."""
    tz = site.timezone
    start = dt.datetime.combine(day, dt.time(0), zone(tz)).astimezone(dt.UTC)
    rows = session.scalars(
        select(EventLog)
        .where(
            EventLog.site_id == site.id,
            EventLog.name == ev.COUNTER_CHANGED,
            EventLog.at >= start,
            EventLog.at < start + dt.timedelta(days=1),
        )
        .order_by(EventLog.seq)
    )
    spans: dict[int, list[tuple[str, str]]] = defaultdict(list)
    opened: dict[int, float] = {}
    for row in rows:
        counter_id = row.data["counter"]["id"]
        minute = _local_minute(row.at, tz)
        if row.data["state"] == "open":
            opened.setdefault(counter_id, minute)
        elif counter_id in opened:
            spans[counter_id].append((hhmm(opened.pop(counter_id)), hhmm(minute)))
    for counter_id, minute in opened.items():
        spans[counter_id].append((hhmm(minute), "23:59"))
    if spans:
        return dict(spans)
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for t in tickets:
        if t.counter_id is None or t.called_at is None:
            continue
        first[t.counter_id] = min(first.get(t.counter_id, 1e9), _local_minute(t.called_at, tz))
        end = t.finished_at or t.called_at
        last[t.counter_id] = max(last.get(t.counter_id, 0.0), _local_minute(end, tz))
    return {c: [(hhmm(first[c]), hhmm(last[c] + 1))] for c in first}


def recorded_day(
    session: Session, site_id: int, day: dt.date
) -> tuple[DayProfile, list[RecordedWait]]:
    """A recorded day as a profile to replay (the same visitors at the same minutes, with
    the handling time, no-show or transfer each had, the counters as they were staffed)
    and the waits its visitors really had."""
    site = session.get(Site, site_id)
    assert site is not None
    services = _site_services(session, site_id)
    codes = {sid: s.code for sid, s in services.items()}
    tickets = _day_tickets(session, site_id, day)
    by_id = {t.id: t for t in tickets}
    child = {t.transferred_from_id: t for t in tickets if t.transferred_from_id is not None}
    tz = site.timezone
    arrivals = []
    waits = []
    walks, no_shows, gaps = [], [], []
    for t in tickets:
        if t.transferred_from_id is not None or t.service_id not in codes:
            continue
        waits.append(
            RecordedWait(
                t.number,
                codes[t.service_id],
                _local_minute(t.issued_at, tz),
                _minutes(t.issued_at, t.called_at),
            )
        )
        behaviour, minutes, then = "", 0.0, None
        if t.state == TicketState.NO_SHOW:
            behaviour = "no_show"
            no_shows.append(_minutes(t.called_at, t.finished_at) or 0.0)
        elif t.state == TicketState.TRANSFERRED and t.id in child:
            nxt = child[t.id]
            behaviour = f"transfer:{codes[nxt.service_id]}"
            minutes = _minutes(t.started_at or t.called_at, t.finished_at) or 0.0
            then = (
                _minutes(nxt.started_at, nxt.finished_at)
                or services[nxt.service_id].expected_service_minutes
            )
        elif t.state == TicketState.DONE:
            minutes = _minutes(t.started_at, t.finished_at) or 0.0
        else:
            minutes = float(services[t.service_id].expected_service_minutes)
        if t.started_at is not None and t.called_at is not None:
            walks.append(_minutes(t.called_at, t.started_at) or 0.0)
        arrivals.append(
            (
                _local_minute(t.issued_at, tz),
                codes[t.service_id],
                t.priority_category_id is not None,
                minutes,
                behaviour,
                then,
            )
        )
    del by_id
    # The officers' pause between releasing a ticket and calling the next, when someone
    # was already waiting for it.
    by_counter: dict[int, list[Ticket]] = defaultdict(list)
    for t in tickets:
        if t.counter_id is not None and t.called_at is not None:
            by_counter[t.counter_id].append(t)
    for calls in by_counter.values():
        calls.sort(key=lambda t: t.called_at or t.issued_at)
        for before, after in zip(calls, calls[1:], strict=False):
            gap = _minutes(before.finished_at, after.called_at)
            if (
                gap is not None
                and 0 <= gap < 10
                and after.queued_at <= (before.finished_at or after.queued_at)
            ):
                gaps.append(gap)
    counters = _counters(session, site_id, codes)
    shifts = _shifts(session, site, day, tickets)
    specs = tuple(
        CounterSpec(number, services_, tuple(shifts[cid]))
        for cid, (number, services_) in counters.items()
        if shifts.get(cid)
    )
    profile = DayProfile(
        f"replay-{day.isoformat()}",
        f"Ngày {day.strftime('%d/%m/%Y')} (phát lại)",
        f"{day.isoformat()} (replayed)",
        tuple(
            ServiceSpec(
                s.code,
                s.name_vi,
                s.name_en,
                {},
                minutes=float(s.expected_service_minutes),
                nominal_minutes=s.expected_service_minutes,
                target_wait_minutes=s.target_wait_minutes,
            )
            for s in services.values()
        ),
        specs,
        hours=_hours_of(site, day),
        day=day,
        timezone=tz,
        max_priority_in_row=site.max_priority_in_row,
        no_show_after_calls=site.no_show_after_calls,
        no_show_minutes=sum(no_shows) / len(no_shows) if no_shows else 2.0,
        walk_minutes=sum(walks) / len(walks) if walks else 0.5,
        call_gap_minutes=sum(gaps) / len(gaps) if gaps else 0.0,
        fixed_arrivals=tuple(arrivals),
    )
    return profile, waits


def learned_profile(
    session: Session,
    site_id: int,
    days: Sequence[dt.date],
    *,
    name: str,
    title_vi: str,
    title_en: str,
) -> DayProfile:
    """A typical day learned from past days of a site: arrivals per service and local hour
    (the mean over `days`), handling times drawn from those observed, the shares of
    no-shows, transfers (to the most frequent target) and priority tickets; the counters
    as configured, staffed through the opening hours of the first day's weekday."""
    site = session.get(Site, site_id)
    assert site is not None
    services = _site_services(session, site_id)
    tz = site.timezone
    arrivals: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    samples: dict[int, list[float]] = defaultdict(list)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    targets: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for day in days:
        tickets = _day_tickets(session, site_id, day)
        child = {t.transferred_from_id: t for t in tickets if t.transferred_from_id is not None}
        for t in tickets:
            if t.transferred_from_id is not None or t.service_id not in services:
                continue
            hour = t.issued_at.astimezone(zone(tz)).hour
            arrivals[t.service_id][hour] += 1 / len(days)
            seen = counts[t.service_id]
            seen["all"] += 1
            seen["priority"] += t.priority_category_id is not None
            if t.state == TicketState.NO_SHOW:
                seen["no_show"] += 1
            elif t.state == TicketState.TRANSFERRED and t.id in child:
                seen["transfer"] += 1
                targets[t.service_id][child[t.id].service_id] += 1
            elif t.state == TicketState.DONE and t.started_at and t.finished_at:
                samples[t.service_id].append(_minutes(t.started_at, t.finished_at) or 0.0)
    specs = []
    for sid, s in services.items():
        seen = counts[sid]
        total = max(1, seen["all"])
        target = max(targets[sid], key=lambda k: targets[sid][k]) if targets[sid] else None
        observed = tuple(round(m, 2) for m in samples[sid] if m > 0)
        specs.append(
            ServiceSpec(
                s.code,
                s.name_vi,
                s.name_en,
                dict(arrivals[sid]),
                minutes=sum(observed) / len(observed)
                if observed
                else float(s.expected_service_minutes),
                nominal_minutes=s.expected_service_minutes,
                samples=observed if len(observed) >= 5 else (),
                priority_share=seen["priority"] / total,
                no_show_share=seen["no_show"] / total,
                transfer_share=seen["transfer"] / total if target else 0.0,
                transfer_to=services[target].code if target in services else None,
                target_wait_minutes=s.target_wait_minutes,
            )
        )
    day = days[0] if days else dt.date.today()
    hours = _hours_of(site, day)
    codes = {sid: s.code for sid, s in services.items()}
    counters = tuple(
        CounterSpec(number, codes_, hours)
        for number, codes_ in _counters(session, site_id, codes).values()
    )
    return DayProfile(
        name,
        title_vi,
        title_en,
        tuple(specs),
        counters,
        hours=hours,
        day=day,
        timezone=tz,
        max_priority_in_row=site.max_priority_in_row,
        no_show_after_calls=site.no_show_after_calls,
    )
