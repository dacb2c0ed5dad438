"""Domain events: services queue them on the session, and they go out only after commit.

A service calls :func:`publish` (and :func:`queue_moved` when a ticket enters or leaves a
queue) inside its write transaction, with its `now`. Just before that transaction commits,
the queued events are numbered with the site's next sequence numbers and written to the
event log, in the same transaction; after the commit they are handed to the app's one
:class:`Publisher`, ``app.extensions[PUBLISHER]`` (Socket.IO in production, a recording
fake in tests). A rollback drops them, numbers included.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import bindparam, delete, event, insert, select, update
from sqlalchemy.orm import Session

from contract import events as ev
from server.models import EventLog, Site
from server.services.counts import waiting_counts

_PENDING = "hangdoi_pending_events"
_MOVED = "hangdoi_moved_queues"
_STAMPED = "hangdoi_stamped_events"


@dataclass(frozen=True)
class DomainEvent:
    name: str
    site_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    # Rooms of the contract (contract.events.*_room); the site's own room is always added.
    rooms: tuple[str, ...] = ()
    seq: int = 0
    at: str = ""

    def envelope(self) -> dict[str, Any]:
        return {"seq": self.seq, "site_id": self.site_id, "at": self.at, "name": self.name, "data": self.payload}


class Publisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...


# Where an app keeps its Publisher: server.realtime puts its Socket.IO publisher there, and
# tests a recording fake (tests/server/conftest.py).
PUBLISHER = "hangdoi_publisher"


def attach(session_factory: Any) -> None:
    """Number each committed transaction's events and hand them to the app's publisher."""
    if event.contains(session_factory, "after_commit", _after_commit):
        return
    event.listen(session_factory, "before_commit", _before_commit)
    event.listen(session_factory, "after_commit", _after_commit)
    event.listen(session_factory, "after_rollback", _after_rollback)


def _before_commit(session: Session) -> None:
    moved: dict[tuple[int, dt.date], tuple[set[int], dt.datetime]] | None = session.info.pop(_MOVED, None)
    if moved:
        # The counts below are Core reads: the ORM's pending changes must be in first.
        session.flush()
        for (site_id, day), (service_ids, now) in moved.items():
            _queue_changed(session, site_id, day, sorted(service_ids), now)
    pending: list[tuple[DomainEvent, dt.datetime]] | None = session.info.pop(_PENDING, None)
    if pending:
        session.info[_STAMPED] = _stamp(session, pending)


def _after_commit(session: Session) -> None:
    stamped = session.info.pop(_STAMPED, None)
    if stamped:
        current_app.extensions[PUBLISHER].publish(stamped)


def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _MOVED, _STAMPED):
        session.info.pop(key, None)


def publish(session: Session, name: str, site_id: int, payload: dict[str, Any], *rooms: str,
            now: dt.datetime) -> None:
    """Queue an event of the moment `now` to go out when `session`'s transaction commits."""
    session.info.setdefault(_PENDING, []).append((DomainEvent(name, site_id, payload, tuple(rooms)), now))


def queue_moved(session: Session, site_id: int, service_id: int, day: dt.date, now: dt.datetime) -> None:
    """Note that a service's queue of a business day changed at `now`: one queue.changed
    per service goes out at commit, its waits counted up to the latest such `now`."""
    moved = session.info.setdefault(_MOVED, {})
    service_ids, latest = moved.get((site_id, day), (set(), now))
    service_ids.add(service_id)
    moved[(site_id, day)] = (service_ids, max(latest, now))


def _queue_changed(session: Session, site_id: int, day: dt.date, service_ids: list[int], now: dt.datetime) -> None:
    publish_queue_changed(session, site_id, day, waiting_counts(session.connection(), service_ids, day, now),
                          now=now)


def publish_queue_changed(
    session: Session, site_id: int, day: dt.date, services: list[ev.ServiceQueue], *, now: dt.datetime
) -> None:
    """Queue the queue.changed of these services, counted by the caller in this transaction
    after its last change to them (issuing counts them anyway; others use queue_moved)."""
    rooms = [ev.queue_room(site_id), *(ev.service_room(s["service_id"]) for s in services)]
    publish(session, ev.QUEUE_CHANGED, site_id, {"services": services, "day": day.isoformat()}, *rooms, now=now)


def _stamp(session: Session, pending: list[tuple[DomainEvent, dt.datetime]]) -> list[DomainEvent]:
    """Give each event its site's next sequence number and write it to the event log."""
    conn = session.connection()
    by_site: dict[int, list[tuple[DomainEvent, dt.datetime]]] = defaultdict(list)
    for item, at in pending:
        by_site[item.site_id].append((item, at))
    stamped: list[DomainEvent] = []
    rows: list[dict[str, Any]] = []
    for site_id in sorted(by_site):  # one lock order, so two sites never deadlock
        items = by_site[site_id]
        last = conn.execute(_TAKE_SEQS, {"site_id": site_id, "n": len(items)}).scalar_one()
        for offset, (item, at) in enumerate(items):
            rooms = (ev.site_room(site_id), *dict.fromkeys(item.rooms))
            numbered = DomainEvent(item.name, site_id, item.payload, rooms, last - len(items) + offset + 1,
                                   at.isoformat())
            stamped.append(numbered)
            rows.append({"site_id": site_id, "seq": numbered.seq, "name": item.name, "at": at,
                         "rooms": list(rooms), "data": item.payload})
    conn.execute(_LOG_INSERT, rows)
    return stamped


_TAKE_SEQS = (
    update(Site).where(Site.id == bindparam("site_id"))
    .values(event_seq=Site.event_seq + bindparam("n")).returning(Site.event_seq)
)
_LOG_INSERT = insert(EventLog)


def replay(session: Session, site_id: int, after_seq: int, rooms: set[str], limit: int) -> list[DomainEvent] | None:
    """The events after `after_seq` that reached any of `rooms`, in order; None when the
    log no longer holds them all (or there are more than `limit`): send a snapshot then."""
    rows = session.scalars(
        select(EventLog).where(EventLog.site_id == site_id, EventLog.seq > after_seq)
        .order_by(EventLog.seq).limit(limit + 1)
    ).all()
    if len(rows) > limit:
        return None
    if rows and rows[0].seq != after_seq + 1:
        return None  # pruned
    if not rows:
        current = session.scalar(select(Site.event_seq).where(Site.id == site_id)) or 0
        if current != after_seq:
            # Pruned, or the client counts from another database: start afresh.
            return None
    return [
        DomainEvent(r.name, r.site_id, r.data, tuple(r.rooms), r.seq, r.at.isoformat())
        for r in rows
        if rooms.intersection(r.rooms)
    ]


def prune(session: Session, before: dt.datetime) -> int:
    """Forget events older than `before` (clients that far behind get a snapshot)."""
    return session.execute(delete(EventLog).where(EventLog.at < before)).rowcount or 0
