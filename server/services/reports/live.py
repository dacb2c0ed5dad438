"""The managers' live dashboard: today's figures of one site, computed from today's events
with the same definitions as the reports (so a ticket being served counts its wait now,
not only once it ends)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.tickets import TicketState
from server.models import Counter, Device, Service, Site, Ticket, TicketEvent, User, utcnow
from server.services.clock import business_day
from server.services.reports.definitions import Distribution, EventView, measure_step

S = TicketState


def dashboard(
    session: Session,
    site: Site,
    *,
    now: dt.datetime | None = None,
    online_devices: set[int] | None = None,
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
        {
            "device_id": d.id,
            "kind": d.kind,
            "name": d.name,
            "zone": d.zone,
            "online": d.id in online_devices if online_devices is not None else None,
        }
        for d in session.scalars(
            select(Device)
            .where(Device.site_id == site.id, Device.revoked_at.is_(None))
            .order_by(Device.kind, Device.id)
        )
    ]
    return {
        "site": {
            "id": site.id,
            "code": site.code,
            "name_vi": site.name_vi,
            "name_en": site.name_en,
        },
        "day": day.isoformat(),
        "at": now.isoformat(),
        "services": service_rows,
        "counters": counter_rows,
        "devices": devices,
    }
