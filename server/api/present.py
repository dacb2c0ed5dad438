"""Turn models into the dictionaries the response schemas dump (one place, so every
route shows a ticket the same way)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from contract.tickets import TicketState
from server import fastjson
from server.models import (
    Counter,
    CounterService,
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
from server.services.estimates import estimate, people_ahead_of, service_pace, wait_fields
from server.services.queue import Issued

_Row = TypeVar("_Row", Counter, PriorityCategory, User)


def tracking_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/t/{token}"


def _counter_brief(counter: Counter | None) -> dict[str, Any] | None:
    if counter is None:
        return None
    return {
        "id": counter.id,
        "number": counter.number,
        "name_vi": counter.name_vi,
        "name_en": counter.name_en,
        "zone": counter.zone,
    }


def _by_id(session: Session, model: type[_Row], ids: set[int | None]) -> dict[int, _Row]:
    """Rows by id: those the session holds already without a query, the others in one."""
    found: dict[int, _Row] = {}
    wanted = [ident for ident in ids if ident is not None]
    if len(wanted) == 1:
        # One (a route answering one ticket): the session's own lookup by primary key,
        # whose statement SQLAlchemy builds once; an IN query is built and expanded anew.
        row = session.get(model, wanted[0])
        return {wanted[0]: row} if row is not None else found
    missing = []
    for ident in wanted:
        row = session.identity_map.get(identity_key(model, ident))
        if row is None:
            missing.append(ident)
        else:
            found[ident] = row
    if missing:
        found.update(
            {row.id: row for row in session.scalars(select(model).where(model.id.in_(missing)))}
        )
    return found


def ticket(
    session: Session,
    ticket: Ticket,
    *,
    with_tracking: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    return tickets(session, [ticket], with_tracking=with_tracking, now=now)[0]


def tickets(
    session: Session,
    rows: Sequence[Ticket],
    *,
    with_tracking: bool = False,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Tickets as TicketOut shows them, read in a fixed number of queries however many
    there are: the places of the waiting ones in one, their categories and counters in one
    each (services and rates come from their per-process caches)."""
    now = now or utcnow()
    conn = session.connection()
    ahead_of = people_ahead_of(conn, [t.id for t in rows if t.state == TicketState.WAITING])
    categories = {
        i: c.code
        for i, c in _by_id(
            session, PriorityCategory, {t.priority_category_id for t in rows}
        ).items()
    }
    counters = _by_id(
        session, Counter, {i for t in rows for i in (t.counter_id, t.target_counter_id)}
    )
    return [_ticket(session, t, ahead_of, categories, counters, with_tracking, now) for t in rows]


def _ticket(
    session: Session,
    ticket: Ticket,
    ahead_of: dict[int, int],
    categories: dict[int, str],
    counters: dict[int, Counter],
    with_tracking: bool,
    now: dt.datetime,
) -> dict[str, Any]:
    info = catalog.service_info(session, ticket.service_id)
    ahead, wait = 0, None
    if ticket.state == TicketState.WAITING:
        ahead = ahead_of.get(ticket.id, 0)
        wait = estimate(
            ahead,
            ticket.priority_category_id is not None,
            service_pace(session, ticket.service_id, now),
            now,
        )
    brief = info.brief()
    return {
        "id": ticket.id,
        "number": ticket.number,
        "state": ticket.state,
        "site_id": ticket.site_id,
        "service": {
            **brief,
            "department_vi": info.department_vi,
            "department_en": info.department_en,
        },
        "priority_category": categories.get(ticket.priority_category_id)
        if ticket.priority_category_id
        else None,
        "dossier_code": ticket.dossier_code,
        "business_day": ticket.business_day,
        "issued_at": ticket.issued_at,
        "issued_at_local": ticket.issued_at.astimezone(zone(info.timezone)).isoformat(
            timespec="seconds"
        ),
        "queued_at": ticket.queued_at,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
        "call_count": ticket.call_count,
        "outcome": ticket.outcome,
        "counter": _counter_brief(counters.get(ticket.counter_id) if ticket.counter_id else None),
        "target_counter": _counter_brief(
            counters.get(ticket.target_counter_id) if ticket.target_counter_id else None
        ),
        "transferred_from_id": ticket.transferred_from_id,
        "people_ahead": ahead,
        **wait_fields(wait),
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
        "id": t.id,
        "number": t.number,
        "state": t.state,
        "site_id": t.site_id,
        "service": {
            "id": service["id"],
            "code": service["code"],
            "name_vi": service["name_vi"],
            "name_en": service["name_en"],
            "department_vi": service["department"]["name_vi"],
            "department_en": service["department"]["name_en"],
        },
        "priority_category": issued.priority_category,
        "dossier_code": t.dossier_code,
        "business_day": t.business_day.isoformat(),
        "issued_at": fastjson.isoformat(t.issued_at),
        "issued_at_local": fastjson.isoformat_seconds(
            t.issued_at.astimezone(zone(issued.timezone))
        ),
        "queued_at": fastjson.isoformat(t.queued_at),
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "call_count": 0,
        "outcome": None,
        "counter": None,
        "target_counter": None,
        "transferred_from_id": None,
        "people_ahead": issued.people_ahead,
        **issued.estimate.fields(),
        "serving_counters": issued.serving_counters,
        "tracking_url": tracking_url(t.tracking_token),
    }


def waiting_by_service(
    session: Session,
    site_id: int,
    service_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Waiting count and longest wait for each active service of a site (or the given ones)."""
    site = session.get(Site, site_id)
    assert site is not None
    rows = queues(session, site, now or utcnow(), service_ids)
    services = {
        s.id: s
        for s in session.scalars(
            select(Service).where(Service.id.in_([r["service_id"] for r in rows]))
        )
    }
    return [
        {
            **row,
            "code": services[row["service_id"]].code,
            "name_vi": services[row["service_id"]].name_vi,
            "name_en": services[row["service_id"]].name_en,
        }
        for row in rows
    ]


def counter(session: Session, counter: Counter) -> dict[str, Any]:
    return counters(session, [counter])[0]


def counters(session: Session, rows: Sequence[Counter]) -> list[dict[str, Any]]:
    """Counters as CounterOut shows them, read in a fixed number of queries however many
    there are: their services, officers, current and held tickets in one each, the
    tickets as :func:`tickets` reads them, the queues in one per site."""
    if not rows:
        return []
    ids = [c.id for c in rows]
    services_of: dict[int, list[int]] = {i: [] for i in ids}
    for counter_id, service_id in session.execute(
        select(CounterService.counter_id, CounterService.service_id)
        .where(CounterService.counter_id.in_(ids))
        .order_by(CounterService.counter_id, CounterService.rank)
    ):
        services_of[counter_id].append(service_id)
    officers = {
        i: u.full_name for i, u in _by_id(session, User, {c.officer_id for c in rows}).items()
    }
    current_ids = [c.current_ticket_id for c in rows if c.current_ticket_id]
    held_or_current = session.scalars(
        select(Ticket)
        .where(
            or_(
                Ticket.id.in_(current_ids),
                and_(Ticket.counter_id.in_(ids), Ticket.state == TicketState.HELD.value),
            )
        )
        .order_by(Ticket.id)
    ).all()
    shown = dict(
        zip([t.id for t in held_or_current], tickets(session, held_or_current), strict=True)
    )
    held: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for t in held_or_current:
        if t.state == TicketState.HELD and t.counter_id in held:
            held[t.counter_id].append(shown[t.id])
    waiting: dict[int, dict[int, dict[str, Any]]] = {}
    for site_id in {c.site_id for c in rows}:
        service_ids = sorted({s for c in rows if c.site_id == site_id for s in services_of[c.id]})
        waiting[site_id] = {
            row["service_id"]: row for row in waiting_by_service(session, site_id, service_ids)
        }
    return [
        {
            **(_counter_brief(c) or {}),
            "state": c.state,
            "officer_id": c.officer_id,
            "officer_name": officers.get(c.officer_id) if c.officer_id else None,
            "pause_reason": c.pause_reason,
            "services": services_of[c.id],
            "current_ticket": shown.get(c.current_ticket_id) if c.current_ticket_id else None,
            "held_tickets": held[c.id],
            "waiting": [
                waiting[c.site_id][s] for s in services_of[c.id] if s in waiting[c.site_id]
            ],
        }
        for c in rows
    ]
