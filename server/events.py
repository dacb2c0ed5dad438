"""Domain events: services queue them on the session, and they go out only after commit.

A service calls :func:`publish` inside its write transaction, with its `now` (and
:func:`summary` for an event that sums up the transaction, such as a queue's new counts). Just before that transaction commits,
the queued events are numbered with the site's next sequence numbers and written to the
event log, in the same transaction; after the commit they are handed to the app's one
:class:`Publisher`, ``app.extensions[PUBLISHER]`` (Socket.IO in production, a recording
fake in tests). A rollback drops them, numbers included.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from flask import current_app
from sqlalchemy import CursorResult, bindparam, delete, event, insert, select, update
from sqlalchemy.orm import Session

from contract import events as ev
from server import fastjson
from server.models import EventLog, Site

_PENDING = "hangdoi_pending_events"
_SUMMARIES = "hangdoi_event_summaries"
_STAMPED = "hangdoi_stamped_events"
_AFTER_COMMIT = "hangdoi_after_commit"

State = TypeVar("State")


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
        return {
            "seq": self.seq,
            "site_id": self.site_id,
            "at": self.at,
            "name": self.name,
            "data": self.payload,
        }


@dataclass(frozen=True)
class CredentialEnded:
    """A credential that stopped working (a revoked device or token, a deactivated user, a
    changed or reset password): every server process forgets its cached answers and closes
    the Socket.IO connections made with it. Not a domain event: no site, no number, no log
    (a process that misses it still refuses the credential once its cache expires)."""

    device_id: int | None = None
    user_id: int | None = None
    token_hash: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "user_id": self.user_id, "token_hash": self.token_hash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CredentialEnded:
        return cls(data.get("device_id"), data.get("user_id"), data.get("token_hash"))


class Publisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...

    def credential_ended(self, ended: CredentialEnded) -> None:
        """Tell every server process (this one included) that `ended` no longer works."""


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
    summaries: dict[str, tuple[Any, Callable[[Session, Any], None]]] | None = session.info.pop(
        _SUMMARIES, None
    )
    if summaries:
        # Summaries read with Core: the ORM's pending changes must be in first.
        session.flush()
        for state, run in summaries.values():
            run(session, state)
    pending: list[tuple[DomainEvent, dt.datetime]] | None = session.info.pop(_PENDING, None)
    if pending:
        session.info[_STAMPED] = _stamp(session, pending)


def _after_commit(session: Session) -> None:
    stamped = session.info.pop(_STAMPED, None)
    callbacks: dict[Any, Callable[[], None]] | None = session.info.pop(_AFTER_COMMIT, None)
    if callbacks:
        for callback in callbacks.values():
            callback()
    if stamped:
        current_app.extensions[PUBLISHER].publish(stamped)


def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _SUMMARIES, _STAMPED, _AFTER_COMMIT):
        session.info.pop(key, None)


def after_commit(session: Session, key: Any, callback: Callable[[], None]) -> None:
    """Run `callback` once `session`'s transaction has committed (before its events are
    handed to the publisher), once per `key` however often it is asked; a rollback drops
    it. For what must not happen before the change is in the database: a cache that a
    concurrent reader could otherwise fill again from the old rows."""
    callbacks = session.info.get(_AFTER_COMMIT)
    if callbacks is None:
        callbacks = session.info[_AFTER_COMMIT] = {}
    callbacks.setdefault(key, callback)


def after_commit_pending(session: Session, key: Any = None) -> Callable[[], None] | None:
    """The callback of `key` that `session`'s open transaction has asked for, or None (with
    `key` None: any of them)."""
    callbacks: dict[Any, Callable[[], None]] | None = session.info.get(_AFTER_COMMIT)
    if not callbacks:
        return None
    if key is None:
        return next(iter(callbacks.values()))
    return callbacks.get(key)


def publish(
    session: Session,
    name: str,
    site_id: int,
    payload: dict[str, Any],
    *rooms: str,
    now: dt.datetime,
) -> None:
    """Queue an event of the moment `now` to go out when `session`'s transaction commits."""
    session.info.setdefault(_PENDING, []).append(
        (DomainEvent(name, site_id, payload, tuple(rooms)), now)
    )


def summary(
    session: Session, key: str, make: Callable[[], State], run: Callable[[Session, State], None]
) -> State:
    """The state of a summary of this transaction, made by `make` on first use: just before
    the transaction's events are numbered, `run(session, state)` publishes what it sums up
    (once, whatever the number of changes; a rollback forgets it)."""
    summaries = session.info.setdefault(_SUMMARIES, {})
    if key not in summaries:
        summaries[key] = (make(), run)
    state: State = summaries[key][0]
    return state


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
            numbered = DomainEvent(
                item.name,
                site_id,
                item.payload,
                rooms,
                last - len(items) + offset + 1,
                fastjson.isoformat(at),
            )
            stamped.append(numbered)
            rows.append(
                {
                    "site_id": site_id,
                    "seq": numbered.seq,
                    "name": item.name,
                    "at": at,
                    "rooms": list(rooms),
                    "data": item.payload,
                }
            )
    conn.execute(_LOG_INSERT, rows)
    return stamped


_TAKE_SEQS = (
    update(Site)
    .where(Site.id == bindparam("site_id"))
    .values(event_seq=Site.event_seq + bindparam("n"))
    .returning(Site.event_seq)
)
_LOG_INSERT = insert(EventLog)


def replay(
    session: Session, site_id: int, after_seq: int, rooms: set[str], limit: int
) -> list[DomainEvent] | None:
    """The events after `after_seq` that reached any of `rooms`, in order; None when the
    log no longer holds them all (or there are more than `limit`): send a snapshot then."""
    rows = session.scalars(
        select(EventLog)
        .where(EventLog.site_id == site_id, EventLog.seq > after_seq)
        .order_by(EventLog.seq)
        .limit(limit + 1)
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
    # A DML statement's result is a CursorResult (SQLAlchemy types Session.execute more broadly).
    result = cast(
        "CursorResult[Any]", session.execute(delete(EventLog).where(EventLog.at < before))
    )
    return result.rowcount or 0
