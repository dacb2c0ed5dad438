"""The managers' live dashboard: today's figures of one site, computed from today's events
with the same definitions as the reports (so a ticket being served counts its wait now,
not only once it ends), with its kiosks' and displays' reported health; and today's row of
every site for a province-wide manager (:func:`sites_today`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import TicketState
from server.models import Counter, ReportStep, Service, Site, Ticket, TicketEvent, User, utcnow
from server.services.clock import business_day
from server.services.devices import device_status, site_devices
from server.services.reports.definitions import Distribution, EventView, measure_step
from server.services.reports.queries import Filters, figures_of, tally

S = TicketState


def dashboard(
    session: Session,
    site: Site,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    day = business_day(now, site.timezone)
    services = list(
        session.scalars(
            select(Service)
            .where(Service.site_id == site.id, Service.active.is_(True))
            .order_by(Service.position, Service.id)
        )
    )
    tickets: dict[int, tuple[int, str, str]] = {}
    events: dict[int, list[EventView]] = defaultdict(list)
    for row in session.execute(
        select(
            Ticket.id,
            Ticket.service_id,
            Ticket.state,
            Ticket.number,
            TicketEvent.action,
            TicketEvent.to_state,
            TicketEvent.at,
            TicketEvent.counter_id,
            TicketEvent.user_id,
        )
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(Ticket.site_id == site.id, Ticket.business_day == day)
        .order_by(Ticket.id, TicketEvent.at, TicketEvent.id)
    ):
        tickets[row.id] = (row.service_id, row.state, row.number)
        events[row.id].append(
            EventView(row.action, row.to_state, row.at, row.counter_id, row.user_id)
        )
    waits: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    served: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    oldest: dict[int, dt.datetime] = {}
    in_target: dict[int, int] = defaultdict(int)
    serving_since: dict[int, dt.datetime] = {}
    targets = {s.id: s.target_wait_minutes * 60 for s in services}
    for ticket_id, (service_id, state, _number) in tickets.items():
        steps = events[ticket_id]
        figures = measure_step(steps)
        if figures.wait_seconds is not None:
            waits[service_id][figures.wait_seconds] += 1
            if figures.wait_seconds <= targets.get(service_id, 0):
                in_target[service_id] += 1
        if state == S.DONE:
            served[service_id] += 1
        if state == S.WAITING:
            waiting[service_id] += 1
            entered = steps[-1].at  # issue, transfer in, or return: the last event
            if service_id not in oldest or entered < oldest[service_id]:
                oldest[service_id] = entered
        if state == S.SERVING:
            serving_since[ticket_id] = steps[-1].at
    service_rows = []
    for service in services:
        wait = Distribution.of(waits[service.id].items())
        longest = (now - oldest[service.id]).total_seconds() if service.id in oldest else None
        service_rows.append(
            {
                "service_id": service.id,
                "code": service.code,
                "name_vi": service.name_vi,
                "name_en": service.name_en,
                "target_wait_seconds": targets[service.id],
                "waiting": waiting[service.id],
                "longest_wait_seconds": int(longest) if longest is not None else None,
                "past_target": longest is not None and longest > targets[service.id],
                "served": served[service.id],
                "wait_mean": wait.mean,
                "wait_p90": wait.p90,
                "service_level": in_target[service.id] / wait.count if wait.count else None,
            }
        )
    counters = list(
        session.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number))
    )
    officers = {
        u.id: u.full_name
        for u in session.scalars(
            select(User).where(User.id.in_([c.officer_id for c in counters if c.officer_id]))
        )
    }
    counter_rows = []
    for counter in counters:
        current = tickets.get(counter.current_ticket_id) if counter.current_ticket_id else None
        since = serving_since.get(counter.current_ticket_id or 0)
        counter_rows.append(
            {
                "counter_id": counter.id,
                "number": counter.number,
                "name_vi": counter.name_vi,
                "state": counter.state,
                "officer_name": officers.get(counter.officer_id) if counter.officer_id else None,
                "current_number": current[2] if current else None,
                "current_state": current[1] if current else None,
                "serving_seconds": int((now - since).total_seconds()) if since else None,
            }
        )
    devices = [
        {**row, "status": device_status(row["online"], row["reported_at"], now)}
        for row in site_devices(session, site.id, now)
        if not row["revoked"]
    ]
    return {
        "site": {
            "id": site.id,
            "code": site.code,
            "name_vi": site.name_vi,
            "name_en": site.name_en,
            "timezone": site.timezone,
        },
        "day": day.isoformat(),
        "at": now.isoformat(),
        "services": service_rows,
        "counters": counter_rows,
        "devices": devices,
        "device_stale_after_seconds": ev.DEVICE_STALE_AFTER_SECONDS,
        "device_offline_after_seconds": ev.DEVICE_OFFLINE_AFTER_SECONDS,
    }


def sites_today(
    session: Session, site_ids: Sequence[int] | None = None, *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Today's row of each site (every site when `site_ids` is None), in site order: the
    tickets issued today (transfers excluded), waiting now and the longest of those waits,
    served and no-shows, from the tickets as they stand; the mean and p90 wait and the share
    called within target from the ended steps, as the sites report counts them. The
    province-wide dashboard's table, and each of its live updates (``site.today``)."""
    now = now or utcnow()
    query = select(Site).order_by(Site.id)
    if site_ids is not None:
        query = query.where(Site.id.in_(site_ids))
    sites = list(session.scalars(query))
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for site in sites:
        by_day[business_day(now, site.timezone)].append(site.id)
    counts: dict[int, Any] = {}
    report: dict[int, dict[str, Any]] = {}
    W = TicketState.WAITING.value
    for day, ids in by_day.items():
        for row in session.execute(
            select(
                Ticket.site_id,
                func.sum(case((Ticket.transferred_from_id.is_(None), 1), else_=0)),
                func.sum(case((Ticket.state == W, 1), else_=0)),
                func.min(case((Ticket.state == W, Ticket.queued_at), else_=None)),
                func.sum(case((Ticket.state == TicketState.DONE.value, 1), else_=0)),
                func.sum(case((Ticket.state == TicketState.NO_SHOW.value, 1), else_=0)),
            )
            .where(Ticket.site_id.in_(ids), Ticket.business_day == day)
            .group_by(Ticket.site_id)
        ):
            counts[row[0]] = row
        found = figures_of(
            tally(session, Filters(start=day, end=day, site_ids=tuple(ids)), [ReportStep.site_id])
        )
        report.update({key[0]: value for key, value in found.items()})
    rows = []
    for site in sites:
        _, issued, waiting, oldest, done, no_show = counts.get(site.id) or (
            site.id,
            0,
            0,
            None,
            0,
            0,
        )
        figures_of_site = report.get(site.id, {})
        rows.append(
            {
                "site_id": site.id,
                "code": site.code,
                "name_vi": site.name_vi,
                "name_en": site.name_en,
                "day": business_day(now, site.timezone).isoformat(),
                "at": now.isoformat(),
                "issued": int(issued or 0),
                "waiting": int(waiting or 0),
                "longest_wait_seconds": _seconds_since(oldest, now),
                "done": int(done or 0),
                "no_show": int(no_show or 0),
                "wait_mean": figures_of_site.get("wait_mean"),
                "wait_p90": figures_of_site.get("wait_p90"),
                "service_level": figures_of_site.get("service_level"),
            }
        )
    return rows


def _seconds_since(moment: Any, now: dt.datetime) -> int | None:
    """Whole seconds from `moment` (a UTC datetime, naive on SQLite's MIN()) to `now`."""
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite's MIN() over a typed column gives its text
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0, int((now - moment).total_seconds()))
