"""What a hall display knows of its zone, kept from the snapshot and the live events.

Plain Python (no Qt, no network): the controller feeds it the server's ``snapshot`` and
events and reads back the rows the views draw and the calls to announce. The rules are the
web display's (``server/static/display.js``): calls of the zone's counters only, newest
first, one row per ticket (a recall moves it back to the top); the waiting counts of the
services that the zone's counters serve.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from contract import events as ev
from contract.tickets import TicketState

RECENT = 8  # calls listed under the newest one

# Events after which a counter has no current ticket any more.
_ENDS_AT_COUNTER = (
    ev.TICKET_FINISHED,
    ev.TICKET_NO_SHOW,
    ev.TICKET_HELD,
    ev.TICKET_TRANSFERRED,
    ev.TICKET_CANCELLED,
    ev.TICKET_EXPIRED,
)


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text or ""))


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Call:
    """One call of a ticket to a counter; ``key`` tells a recall from the first call."""

    ticket_id: int
    number: str
    counter_number: int
    counter_name: str
    service_vi: str
    service_en: str
    call_count: int
    at: dt.datetime | None
    text_vi: str = ""
    spoken_vi: str = ""
    audio_url: str | None = None
    repeat: int | None = None  # times to play it (the site's setting), when the server says

    @property
    def key(self) -> tuple[int, int]:
        return (self.ticket_id, self.call_count)

    @classmethod
    def from_event(cls, envelope: dict[str, Any]) -> Call:
        data = envelope.get("data") or {}
        ticket = data.get("ticket") or {}
        counter = data.get("counter") or {}
        announcement = data.get("announcement") or {}
        return cls(
            ticket_id=int(ticket.get("id", 0)),
            number=nfc(ticket.get("number")),
            counter_number=int(counter.get("number", 0)),
            counter_name=nfc(counter.get("name_vi")),
            service_vi=nfc(ticket.get("service_name_vi")),
            service_en=nfc(ticket.get("service_name_en")),
            call_count=int(ticket.get("call_count") or 1),
            at=parse_time(envelope.get("at")),
            text_vi=nfc(announcement.get("text_vi")),
            spoken_vi=nfc(announcement.get("spoken_vi")),
            audio_url=announcement.get("audio_url") or None,
            repeat=int(announcement["repeat"]) if announcement.get("repeat") else None,
        )

    @classmethod
    def from_snapshot(cls, row: dict[str, Any]) -> Call:
        return cls.from_event(
            {
                "at": row.get("called_at"),
                "data": {"ticket": row["ticket"], "counter": row["counter"]},
            }
        )


@dataclass
class ServiceRow:
    """One line of the waiting list."""

    service_id: int
    name_vi: str
    name_en: str
    counters: list[int]
    waiting: int = 0


@dataclass
class CounterStatus:
    """A counter as the counter-top screen shows it."""

    number: int
    name_vi: str = ""
    state: str = "closed"  # contract.tickets.CounterState: open | paused | closed
    current_number: str | None = None


@dataclass
class HallState:
    """The zone's calls, services, waiting counts and counters."""

    zone: str | None = None
    calls: list[Call] = field(default_factory=list)  # newest first, at most RECENT + 1
    services: list[ServiceRow] = field(default_factory=list)
    zone_counters: list[int] | None = None  # None: not known yet (all)
    counters: dict[int, CounterStatus] = field(default_factory=dict)  # by counter number
    waiting: dict[int, int] = field(default_factory=dict)  # by service id

    # ------------------------------------------------------------------ reading

    def in_zone(self, counter: dict[str, Any] | None) -> bool:
        return (
            not self.zone or not counter or not counter.get("zone") or counter["zone"] == self.zone
        )

    def waiting_rows(self) -> list[ServiceRow]:
        """The services served by the zone's counters, with their waiting counts."""
        rows = []
        for service in self.services:
            counters = service.counters
            if self.zone_counters is not None:
                counters = [n for n in counters if n in self.zone_counters]
                if not counters:
                    continue
            rows.append(
                ServiceRow(
                    service.service_id,
                    service.name_vi,
                    service.name_en,
                    counters,
                    self.waiting.get(service.service_id, 0),
                )
            )
        return rows

    def counter(self, number: int) -> CounterStatus:
        return self.counters.setdefault(number, CounterStatus(number))

    # ------------------------------------------------------------------ writing

    def set_services(self, rows: list[dict[str, Any]]) -> None:
        """GET /api/v1/sites/<id>/services."""
        self.services = [
            ServiceRow(
                int(row["id"]),
                nfc(row.get("name_vi")),
                nfc(row.get("name_en")),
                [int(n) for n in row.get("counters") or []],
            )
            for row in rows
        ]

    def apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        fresh = [
            Call.from_snapshot(row)
            for row in snapshot.get("calls") or []
            if self.in_zone(row.get("counter"))
        ]
        known = {call.ticket_id for call in fresh}
        merged = fresh + [call for call in self.calls if call.ticket_id not in known]
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        merged.sort(key=lambda call: call.at or epoch, reverse=True)
        self.calls = merged[: RECENT + 1]
        rows = [row for row in snapshot.get("counters") or [] if self.in_zone(row.get("counter"))]
        if rows:
            self.zone_counters = [int(row["counter"]["number"]) for row in rows]
            for row in rows:
                self._counter_changed(row)
        self.waiting = {
            int(row["service_id"]): int(row["waiting"]) for row in snapshot.get("queues") or []
        }

    def apply_event(self, name: str, envelope: dict[str, Any]) -> Call | None:
        """Apply one event; answers the call when it is one (a call or a recall) of the zone."""
        data = envelope.get("data") or {}
        counter = data.get("counter")
        if name in ev.CALL_EVENTS:
            if not counter or not self.in_zone(counter):
                return None
            call = Call.from_event(envelope)
            self.calls = [call] + [c for c in self.calls if c.ticket_id != call.ticket_id]
            del self.calls[RECENT + 1 :]
            status = self.counter(call.counter_number)
            status.current_number = call.number
            status.name_vi = call.counter_name or status.name_vi
            return call
        if name == ev.QUEUE_CHANGED:
            for row in data.get("services") or []:
                self.waiting[int(row["service_id"])] = int(row["waiting"])
        elif name == ev.COUNTER_CHANGED:
            if self.in_zone(data.get("counter")):
                self._counter_changed(data)
        elif name in _ENDS_AT_COUNTER and counter:
            status = self.counter(int(counter["number"]))
            ticket = data.get("ticket") or {}
            if status.current_number == nfc(ticket.get("number")):
                status.current_number = None
        elif name == ev.TICKET_RETURNED and counter:
            ticket = data.get("ticket") or {}
            if ticket.get("state") == TicketState.CALLED:
                self.counter(int(counter["number"])).current_number = nfc(ticket.get("number"))
        return None

    def _counter_changed(self, row: dict[str, Any]) -> None:
        info = row.get("counter") or {}
        status = self.counter(int(info["number"]))
        status.name_vi = nfc(info.get("name_vi")) or status.name_vi
        status.state = str(row.get("state") or status.state)
        current = row.get("current_number")
        status.current_number = nfc(current) if current else None
