"""Turn models into the dictionaries the response schemas dump (one place, so every
route shows a ticket the same way)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.tickets import TicketState
from server.models import (
    Counter,
    PriorityCategory,
    Service,
    Site,
    Ticket,
    User,
    utcnow,
)
from server.services import catalog
from server.services.clock import zone
from server.services.counts import queues
from server.services.estimates import estimated_wait_minutes, people_ahead, service_rate
from server.services.queue import Issued


def tracking_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/t/{token}"


def _counter_brief(counter: Counter | None) -> dict[str, Any] | None:
    if counter is None:
        return None
    return {"id": counter.id, "number": counter.number, "name_vi": counter.name_vi,
            "name_en": counter.name_en, "zone": counter.zone}


def ticket(
    session: Session,
    ticket: Ticket,
    *,
    with_tracking: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    info = catalog.service_info(session, ticket.service_id)
    ahead, wait = 0, 0
    if ticket.state == TicketState.WAITING:
        ahead = people_ahead(session, ticket)
        wait = estimated_wait_minutes(ahead, service_rate(session, ticket.service_id, now),
                                      info.expected_service_minutes)
    category = (
        session.get(PriorityCategory, ticket.priority_category_id) if ticket.priority_category_id else None
    )
    brief = info.brief()
    return {
        "id": ticket.id,
        "number": ticket.number,
        "state": ticket.state,
        "site_id": ticket.site_id,
        "service": {**brief, "department_vi": info.department_vi, "department_en": info.department_en},
        "priority_category": category.code if category else None,
        "dossier_code": ticket.dossier_code,
        "business_day": ticket.business_day,
        "issued_at": ticket.issued_at,
        "issued_at_local": ticket.issued_at.astimezone(zone(info.timezone)).isoformat(timespec="seconds"),
        "queued_at": ticket.queued_at,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
        "call_count": ticket.call_count,
        "outcome": ticket.outcome,
        "counter": _counter_brief(session.get(Counter, ticket.counter_id) if ticket.counter_id else None),
        "target_counter": _counter_brief(
            session.get(Counter, ticket.target_counter_id) if ticket.target_counter_id else None
        ),
        "transferred_from_id": ticket.transferred_from_id,
        "people_ahead": ahead,
        "estimated_wait_minutes": wait,
        "serving_counters": list(info.serving_counters),
        "tracking_url": tracking_url(ticket.tracking_token) if with_tracking else None,
    }


def issued(issued: Issued) -> dict[str, Any]:
    """A ticket just issued, from what issuing already knows (no further reads), as TicketOut
    would dump it: the kiosk's hot path answers it without marshmallow (tests hold the two
    to the same output)."""
    t = issued.ticket
    service = issued.service
    return {
        "id": t.id, "number": t.number, "state": t.state, "site_id": t.site_id,
        "service": {"id": service["id"], "code": service["code"], "name_vi": service["name_vi"],
                    "name_en": service["name_en"], "department_vi": service["department"]["name_vi"],
                    "department_en": service["department"]["name_en"]},
        "priority_category": issued.priority_category, "dossier_code": t.dossier_code,
        "business_day": t.business_day.isoformat(), "issued_at": t.issued_at.isoformat(),
        "issued_at_local": t.issued_at.astimezone(zone(issued.timezone)).isoformat(timespec="seconds"),
        "queued_at": t.queued_at.isoformat(), "called_at": None, "started_at": None, "finished_at": None,
        "call_count": 0, "outcome": None, "counter": None, "target_counter": None, "transferred_from_id": None,
        "people_ahead": issued.people_ahead, "estimated_wait_minutes": issued.estimated_wait_minutes,
        "serving_counters": issued.serving_counters, "tracking_url": tracking_url(t.tracking_token),
    }


def waiting_by_service(
    session: Session, site_id: int, service_ids: list[int] | None = None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Waiting count and longest wait for each active service of a site (or the given ones)."""
    site = session.get(Site, site_id)
    assert site is not None
    rows = queues(session, site, now or utcnow(), service_ids)
    services = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_([r["service_id"] for r in rows])))}
    return [
        {**row, "code": services[row["service_id"]].code, "name_vi": services[row["service_id"]].name_vi,
         "name_en": services[row["service_id"]].name_en}
        for row in rows
    ]


def counter(session: Session, counter: Counter) -> dict[str, Any]:
    service_ids = [link.service_id for link in counter.services]
    officer = session.get(User, counter.officer_id) if counter.officer_id else None
    current = session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    held = session.scalars(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.state == TicketState.HELD).order_by(Ticket.id)
    ).all()
    by_service = {row["service_id"]: row for row in waiting_by_service(session, counter.site_id, service_ids)}
    return {
        **(_counter_brief(counter) or {}),
        "state": counter.state,
        "officer_id": counter.officer_id,
        "officer_name": officer.full_name if officer else None,
        "services": service_ids,
        "current_ticket": ticket(session, current) if current else None,
        "held_tickets": [ticket(session, t) for t in held],
        "waiting": [by_service[s] for s in service_ids if s in by_service],
    }
