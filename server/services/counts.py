"""How many wait in each service's queue of a business day, and since when: the counts of
queue.changed (see :mod:`server.events`), of the snapshot, and of a counter's screen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import TicketState
from server.models import Service, Site, Ticket
from server.services.clock import business_day
from server.services.payloads import queue_row

# (service, waiting, oldest queued_at) of some services' queues of a business day, in
# index order; issuing adds columns to it (estimates.places_of_new_tickets).
WAITING_COUNTS = (
    select(Ticket.service_id, func.count(Ticket.id), func.min(Ticket.queued_at))
    .where(
        Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
        Ticket.state == TicketState.WAITING.value,
        Ticket.business_day == bindparam("day"),
    )
    .group_by(Ticket.service_id)
)


def waiting_counts(conn: Connection, service_ids: list[int], day: dt.date, now: dt.datetime) -> list[ev.ServiceQueue]:
    """Waiting count and longest wait of each of `service_ids` on a business day."""
    rows = {service_id: (count, oldest) for service_id, count, oldest in
            conn.execute(WAITING_COUNTS, {"service_ids": service_ids, "day": day})}
    empty: tuple[int, dt.datetime | None] = (0, None)
    return [queue_row(service_id, *rows.get(service_id, empty), now) for service_id in service_ids]


def queues(
    session: Session, site: Site, now: dt.datetime, service_ids: list[int] | None = None,
    day: dt.date | None = None,
) -> list[ev.ServiceQueue]:
    """Waiting count and longest wait of each active service of a site (or of the given
    services, active or not), on a business day (today by default)."""
    if service_ids is None:
        service_ids = list(session.scalars(
            select(Service.id).where(Service.site_id == site.id, Service.active.is_(True))
            .order_by(Service.position, Service.id)
        ))
    return waiting_counts(session.connection(), service_ids, day or business_day(now, site.timezone), now)
