"""A site's live state in one read: current calls, queues, counters (contract.events.Snapshot).

What a client gets on connect when it cannot be replayed what it missed, and what the
REST snapshot route answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Counter, Service, Site, Ticket, User, utcnow
from server.services.counts import queues
from server.services.estimates import standing, wait_fields
from server.services.payloads import counter_info, ticket_info


def site_snapshot(
    session: Session,
    site_id: int,
    *,
    rooms: list[str] | None = None,
    zone: str | None = None,
    ticket_id: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The snapshot of `site_id`; with a zone (or a display's zone room), only its counters."""
    now = now or utcnow()
    site = session.get(Site, site_id)
    assert site is not None
    if zone is None and rooms:
        prefix = f"zone:{site_id}:"
        zone = next((r[len(prefix) :] for r in rooms if r.startswith(prefix)), None)
    # Read the sequence number first: the state below is at least that new.
    seq = session.scalar(select(Site.event_seq).where(Site.id == site_id)) or 0
    counters_query = select(Counter).where(Counter.site_id == site_id).order_by(Counter.number)
    if zone is not None:
        counters_query = counters_query.where(Counter.zone == zone)
    counters = session.scalars(counters_query).all()
    current_ids = [c.current_ticket_id for c in counters if c.current_ticket_id]
    current = (
        {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(current_ids)))}
        if current_ids
        else {}
    )
    officers = {
        u.id: u.full_name
        for u in session.scalars(
            select(User).where(User.id.in_([c.officer_id for c in counters if c.officer_id]))
        )
    }
    calls: list[dict[str, Any]] = []
    for counter in counters:
        ticket = current.get(counter.current_ticket_id or -1)
        if ticket is not None and ticket.called_at is not None:
            calls.append(
                {
                    "counter": counter_info(counter),
                    "ticket": ticket_info(session, ticket),
                    "called_at": ticket.called_at.isoformat(),
                }
            )
    calls.sort(key=lambda call: call["called_at"], reverse=True)
    state: dict[str, Any] = {
        "seq": seq,
        "site_id": site_id,
        "at": now.isoformat(),
        "calls": calls,
        "queues": queues(session, site, now),
        "counters": [
            {
                "counter": counter_info(c),
                "state": c.state,
                "officer_name": officers.get(c.officer_id or -1),
                "pause_reason": c.pause_reason,
                "current_number": current[c.current_ticket_id].number
                if c.current_ticket_id in current
                else None,
            }
            for c in counters
        ],
    }
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            service = session.get(Service, ticket.service_id)
            assert service is not None
            place = standing(session, ticket, service, now)
            state["ticket"] = {
                **ticket_info(session, ticket),
                "people_ahead": place.people_ahead,
                **wait_fields(place.estimate),
            }
    return state
