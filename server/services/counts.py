"""How many wait in each service's queue of a business day, and since when: the counts of
the snapshot, of a counter's screen, and of queue.changed, which goes out once per
transaction that moved a queue (:func:`queue_moved`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from contract import events as ev
from server.events import publish, summary
from server.models import Service, Site
from server.services.clock import business_day
from server.services.estimates import WAITING_COUNTS, add_newcomer_waits
from server.services.payloads import queue_row


def waiting_counts(
    conn: Connection, service_ids: list[int], day: dt.date, now: dt.datetime
) -> list[ev.ServiceQueue]:
    """Waiting count and longest wait of each of `service_ids` on a business day."""
    rows = {
        service_id: (count, oldest)
        for service_id, count, oldest in conn.execute(
            WAITING_COUNTS, {"service_ids": service_ids, "day": day}
        )
    }
    empty: tuple[int, dt.datetime | None] = (0, None)
    return [queue_row(service_id, *rows.get(service_id, empty), now) for service_id in service_ids]


def with_newcomer_waits(
    session: Session, rows: list[ev.ServiceQueue], now: dt.datetime
) -> list[ev.ServiceQueue]:
    """The rows, each with the wait of a visitor who takes a number now (contract.events)."""
    add_newcomer_waits(session, rows, now)
    return rows


def queues(
    session: Session,
    site: Site,
    now: dt.datetime,
    service_ids: list[int] | None = None,
    day: dt.date | None = None,
) -> list[ev.ServiceQueue]:
    """Waiting count and longest wait of each active service of a site (or of the given
    services, active or not), on a business day (today by default)."""
    if service_ids is None:
        service_ids = list(
            session.scalars(
                select(Service.id)
                .where(Service.site_id == site.id, Service.active.is_(True))
                .order_by(Service.position, Service.id)
            )
        )
    return with_newcomer_waits(
        session,
        waiting_counts(
            session.connection(), service_ids, day or business_day(now, site.timezone), now
        ),
        now,
    )


# One queue's moves in a transaction: (site, business day) -> (services, latest now).
_Moved = dict[tuple[int, dt.date], tuple[set[int], dt.datetime]]


def queue_moved(
    session: Session, site_id: int, service_id: int, day: dt.date, now: dt.datetime
) -> None:
    """Note that a service's queue of a business day changed at `now`: one queue.changed
    per service goes out at commit, its waits counted up to the latest such `now`."""
    moved: _Moved = summary(session, "queue_moved", dict, _publish_moved)
    service_ids, latest = moved.get((site_id, day), (set(), now))
    service_ids.add(service_id)
    moved[(site_id, day)] = (service_ids, max(latest, now))


def _publish_moved(session: Session, moved: _Moved) -> None:
    for (site_id, day), (service_ids, now) in moved.items():
        counts = with_newcomer_waits(
            session, waiting_counts(session.connection(), sorted(service_ids), day, now), now
        )
        publish_queue_changed(session, site_id, day, counts, now=now)


def publish_queue_changed(
    session: Session,
    site_id: int,
    day: dt.date,
    services: list[ev.ServiceQueue],
    *,
    now: dt.datetime,
) -> None:
    """Queue the queue.changed of these services, counted by the caller in this transaction
    after its last change to them (issuing counts them anyway; others use queue_moved)."""
    rooms = [ev.queue_room(site_id), *(ev.service_room(s["service_id"]) for s in services)]
    publish(
        session,
        ev.QUEUE_CHANGED,
        site_id,
        {"services": services, "day": day.isoformat()},
        *rooms,
        now=now,
    )
