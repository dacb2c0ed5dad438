"""The dictionaries that events and snapshots carry (the shapes of contract.events): a
ticket, a counter, a call's announcement, one service's queue. One place, so that every
event and every snapshot shows them the same way."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from contract import events as ev
from server import fastjson
from server.models import Counter, Ticket
from server.services import catalog
from server.services.voice.announce import announcement as voice_announcement


def ticket_info(session: Session, ticket: Ticket) -> dict[str, object]:
    """A ticket as events carry it (contract.events.TicketInfo)."""
    service = catalog.service_info(session, ticket.service_id)
    return ticket_info_of(
        ticket.id,
        ticket.number,
        ticket.state,
        ticket.service_id,
        service.code,
        service.name_vi,
        service.name_en,
        ticket.priority_category_id is not None,
        ticket.call_count,
        ticket.queued_at,
    )


def ticket_info_of(
    ticket_id: int,
    number: str,
    state: str,
    service_id: int,
    service_code: str,
    service_name_vi: str,
    service_name_en: str,
    priority: bool,
    call_count: int,
    queued_at: dt.datetime,
) -> dict[str, object]:
    """contract.events.TicketInfo from its values: for issuing, which has them at hand
    without a ticket object or a look-up of its service."""
    return {
        "id": ticket_id,
        "number": number,
        "state": state,
        "service_id": service_id,
        "service_code": service_code,
        "service_name_vi": service_name_vi,
        "service_name_en": service_name_en,
        "priority": priority,
        "call_count": call_count,
        "queued_at": fastjson.isoformat(queued_at),
    }


def counter_info(counter: Counter) -> dict[str, object]:
    """A counter as events carry it (contract.events.CounterInfo)."""
    return {
        "id": counter.id,
        "number": counter.number,
        "name_vi": counter.name_vi,
        "name_en": counter.name_en,
        "zone": counter.zone,
    }


def announcement(session: Session, ticket: Ticket, counter: Counter) -> dict[str, object]:
    """What a hall display says for a call (contract.events.Announcement): the site's
    wording, the words said and the URL of their sound (server.services.voice)."""
    return voice_announcement(session, ticket, counter)


def queue_row(
    service_id: int, waiting: int, oldest: dt.datetime | None, now: dt.datetime
) -> ev.ServiceQueue:
    """One service's entry of queue.changed and of the snapshot's queues."""
    return {
        "service_id": service_id,
        "waiting": waiting,
        "longest_wait_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
    }
