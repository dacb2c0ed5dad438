"""Domain events: services queue them on the session, and they go out only after commit.

A service calls :func:`publish` inside its write transaction; nothing leaves the process
until that transaction commits, and a rollback drops the queued events. The one
:class:`Publisher` of the app (Socket.IO in production, a recording fake in tests) then
receives them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "hangdoi_pending_events"


@dataclass(frozen=True)
class DomainEvent:
    name: str
    site_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    # Rooms beyond the site's own: ("counter", 3), ("ticket", "<token>"), ("zone", "tang-1").
    rooms: tuple[tuple[str, Any], ...] = ()


class Publisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...


class RecordingPublisher:
    """Keeps every published event in memory: the fake that tests swap in."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, events: list[DomainEvent]) -> None:
        self.events.extend(events)

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def clear(self) -> None:
        self.events.clear()


class EventBus:
    """Holds the app's publisher and hands it each committed transaction's events."""

    def __init__(self) -> None:
        self.publisher: Publisher = RecordingPublisher()

    def attach(self, session_factory: Any) -> None:
        if event.contains(session_factory, "after_commit", self._after_commit):
            return
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if pending:
            self.publisher.publish(pending)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)


bus = EventBus()


def publish(session: Session, name: str, site_id: int, payload: dict[str, Any], *rooms: tuple[str, Any]) -> None:
    """Queue an event to go out when `session`'s transaction commits."""
    session.info.setdefault(_PENDING, []).append(DomainEvent(name, site_id, payload, tuple(rooms)))
