"""The moves of a called or waiting ticket: serving, finishing, no-show, hold and return,
cancelling, and transfer to another service or counter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.tickets import Outcome
from server.db import write_transaction
from server.errors import DomainError, InvalidInput, not_found
from server.models import Ticket, utcnow
from server.services import catalog
from server.services.actor import Actor, Role
from server.services.counts import queue_moved
from server.services.queue.common import (
    A,
    S,
    _counter,
    _current_ticket,
    _move,
    _release,
    _require_counter_officer,
    _require_staff_of_site,
    _service,
    _ticket,
    new_tracking_token,
)
from server.services.queue.issuing import insert_tickets, publish_issued


def start_serving(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Ticket:
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.START)
        ticket.started_at = now
        _move(session, ticket, A.START, actor, now, counter=counter)
    return ticket


def finish(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    outcome: str = Outcome.COMPLETED,
    note: str | None = None,
    dossier_code: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Finish serving the counter's current ticket, with its outcome."""
    now = now or utcnow()
    outcome = Outcome(outcome)
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.FINISH)
        # Before the move: its report row (written as the step ends) reads them.
        ticket.outcome = outcome
        ticket.finished_at = now
        if dossier_code:
            ticket.dossier_code = dossier_code
        _move(
            session, ticket, A.FINISH, actor, now, counter=counter, note=note, outcome=outcome.value
        )
        _release(counter)
    return ticket


def mark_no_show(
    session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None
) -> Ticket:
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.NO_SHOW)
        ticket.finished_at = now  # before the move: one UPDATE of the ticket, not two
        _move(session, ticket, A.NO_SHOW, actor, now, counter=counter)
        _release(counter)
    return ticket


def hold(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Park the counter's current ticket (the visitor fetches a missing paper, say)."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.HOLD)
        _move(session, ticket, A.HOLD, actor, now, counter=counter, note=note)
        _release(counter)
    return ticket


def return_to_queue(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Put a held ticket back in the queue, at its original place."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = _ticket(session, actor, ticket_id, lock=True)
        _require_staff_of_site(actor, ticket.site_id)
        _move(session, ticket, A.RETURN, actor, now, note=note)
    return ticket


def cancel(
    session: Session,
    actor: Actor,
    ticket_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Cancel a waiting ticket (the visitor leaves)."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = _ticket(session, actor, ticket_id, lock=True)
        ticket.finished_at = now  # before the move: one UPDATE of the ticket, not two
        _move(session, ticket, A.CANCEL, actor, now, note=note)
    return ticket


def cancel_by_token(session: Session, token: str, *, now: dt.datetime | None = None) -> Ticket:
    """Cancel a waiting ticket from its phone page: the tracking token is the credential."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = session.scalars(
            select(Ticket).where(Ticket.tracking_token == token).with_for_update()
        ).first()
        if ticket is None:
            raise not_found("số", "ticket", "")
        visitor = Actor(role=Role.KIOSK, site_id=ticket.site_id, name="visitor")
        ticket.finished_at = now  # before the move: one UPDATE of the ticket, not two
        _move(session, ticket, A.CANCEL, visitor, now, note="cancelled by the visitor")
    return ticket


def transfer(
    session: Session,
    actor: Actor,
    *,
    counter_id: int | None = None,
    ticket_id: int | None = None,
    to_service_id: int | None = None,
    to_counter_id: int | None = None,
    note: str | None = None,
    keep_position: bool = True,
    now: dt.datetime | None = None,
) -> Ticket:
    """Send a ticket on to another service and/or counter; returns the new waiting ticket.

    Either the current ticket of `counter_id` or the waiting ticket `ticket_id` moves. The
    new ticket keeps the number, the tracking token (the visitor's phone follows it) and,
    unless `keep_position` is false, the original place in the queue.
    """
    now = now or utcnow()
    if to_service_id is None and to_counter_id is None:
        raise InvalidInput(
            "transfer_target_missing",
            "Hãy chọn dịch vụ hoặc quầy để chuyển số đến.",
            "Choose the service or the counter to transfer the ticket to.",
        )
    with write_transaction(session):
        counter = None
        if counter_id is not None:
            counter = _counter(session, actor, counter_id)
            _require_counter_officer(counter, actor)
            ticket = _current_ticket(session, counter, A.TRANSFER)
        elif ticket_id is not None:
            ticket = _ticket(session, actor, ticket_id, lock=True)
            _require_staff_of_site(actor, ticket.site_id)
        else:
            raise InvalidInput(
                "transfer_source_missing",
                "Chưa chọn số cần chuyển.",
                "No ticket chosen to transfer.",
            )
        service = _service(session, actor, to_service_id or ticket.service_id)
        target = None
        if to_counter_id is not None:
            target = _counter(session, actor, to_counter_id, lock=False)
            if target.site_id != ticket.site_id:
                raise not_found("quầy", "counter", to_counter_id)
        if service.site_id != ticket.site_id:
            raise not_found("dịch vụ", "service", service.id)
        if target is None and service.id == ticket.service_id and ticket.target_counter_id is None:
            raise DomainError(
                "transfer_to_same_place",
                f"Số {ticket.number} đã ở dịch vụ này; hãy chọn dịch vụ hoặc quầy khác.",
                f"Ticket {ticket.number} is already in this service; choose another service or counter.",
            )
        token = ticket.tracking_token
        # The visitor's phone follows the new ticket: the old one gets a token of its own.
        ticket.tracking_token = new_tracking_token()
        if counter is not None:
            ticket.finished_at = now
            _release(counter)
        session.flush()  # the old ticket gives up its token before the new one takes it
        (new,) = insert_tickets(
            session,
            [
                {
                    "site_id": ticket.site_id,
                    "service_id": service.id,
                    "series_id": ticket.series_id,
                    "business_day": ticket.business_day,
                    "seq": ticket.seq,
                    "number": ticket.number,
                    "state": S.WAITING.value,
                    "priority_category_id": ticket.priority_category_id,
                    "dossier_code": ticket.dossier_code,
                    "tracking_token": token,
                    "lang": ticket.lang,
                    "issued_at": ticket.issued_at,
                    "queued_at": ticket.queued_at if keep_position else now,
                    "call_count": 0,
                    "target_counter_id": target.id if target else None,
                    "transferred_from_id": ticket.id,
                    "issued_by_device_id": ticket.issued_by_device_id,
                    "issued_by_user_id": ticket.issued_by_user_id,
                }
            ],
            [(actor, now)],
        )
        _move(
            session,
            ticket,
            A.TRANSFER,
            actor,
            now,
            counter=counter,
            note=note,
            tracking_token=token,
            to_ticket_id=new.id,
            to_service_id=service.id,
            to_counter_id=target.id if target else None,
        )
        names = catalog.service_info(session, service.id)
        publish_issued(session, [(new, names.code, names.name_vi, names.name_en, now)])
        queue_moved(session, new.site_id, new.service_id, new.business_day, now)
        new_ticket = session.get(Ticket, new.id)
        assert new_ticket is not None
    return new_ticket
