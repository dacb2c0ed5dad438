"""Tickets: issue, read, follow by tracking token, cancel, return from hold, transfer."""

from __future__ import annotations

from typing import cast

from flask import Response, current_app, request

from server.api import present
from server.api.base import PUBLIC, STAFF, Blueprint, allow, current_actor
from server.api.schemas import IssueIn, NoteIn, TicketOut, TransferIn
from server.errors import not_found
from server.extensions import db
from server.models import Ticket
from server.ratelimit import issue_per_device, phone_per_address
from server.services import credentials, queue
from server.services.credentials import Refusal

blp = Blueprint("tickets", __name__, url_prefix="/api/v1", description="Tickets")


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
    "description": (
        "A key the client makes for one ticket request (a UUID, say) and sends again with "
        "each retry of it. A retry with the same key from the same credential within 10 "
        "minutes answers the ticket of the first request (same status and body, plus the "
        "header Idempotent-Replayed: true) instead of issuing another; the same key with a "
        "different request is a 409 idempotency_key_reused."
    ),
}


@blp.route("/tickets", methods=["POST"])
@allow("kiosk", *STAFF)
@issue_per_device
@blp.arguments(IssueIn)
@blp.response(201, TicketOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def issue(data: dict) -> Response:
    """Issue a ticket. The answer carries its people ahead, estimated wait and tracking URL."""
    issued = queue.issue(
        db.scoped,  # the request's session is made only if the batch needs it
        current_actor(),
        data["service_id"],
        priority_code=data["priority_category"],
        dossier_code=data["dossier_code"],
        lang=data["lang"],
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    # Already in TicketOut's form: answered as it is (flask-smorest passes a Response through).
    # JSONProvider.response is typed with werkzeug's sansio Response; a Flask app's is a flask.Response.
    response = cast(Response, current_app.json.response(present.issued(issued)))
    response.status_code = 201
    if issued.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("/tickets/<int:ticket_id>", methods=["GET"])
@allow(*STAFF)
@blp.response(200, TicketOut)
def get(ticket_id: int) -> dict:
    """One ticket, with its place in the queue."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not current_actor().may_see_site(ticket.site_id):
        raise not_found("số", "ticket", ticket_id)
    return present.ticket(db.session, ticket)


@blp.route("/tickets/<int:ticket_id>/cancel", methods=["POST"])
@allow(*STAFF)
@blp.arguments(NoteIn)
@blp.response(200, TicketOut)
def cancel(data: dict, ticket_id: int) -> dict:
    """Cancel a waiting ticket."""
    ticket = queue.cancel(db.session, current_actor(), ticket_id, note=data["note"])
    return present.ticket(db.session, ticket)


@blp.route("/tickets/<int:ticket_id>/return", methods=["POST"])
@allow(*STAFF)
@blp.arguments(NoteIn)
@blp.response(200, TicketOut)
def return_to_queue(data: dict, ticket_id: int) -> dict:
    """Put a held ticket back in the queue at its original place."""
    ticket = queue.return_to_queue(db.session, current_actor(), ticket_id, note=data["note"])
    return present.ticket(db.session, ticket)


@blp.route("/tickets/<int:ticket_id>/transfer", methods=["POST"])
@allow(*STAFF)
@blp.arguments(TransferIn)
@blp.response(201, TicketOut)
def transfer(data: dict, ticket_id: int) -> dict:
    """Move a waiting ticket to another service or counter; answers the new ticket."""
    ticket = queue.transfer(
        db.session,
        current_actor(),
        ticket_id=ticket_id,
        to_service_id=data["service_id"],
        to_counter_id=data["counter_id"],
        note=data["note"],
        keep_position=data["keep_position"],
    )
    return present.ticket(db.session, ticket)


def _by_token(token: str) -> Ticket:
    ticket = credentials.ticket_for_tracking_token(db.session, token)
    if isinstance(ticket, Refusal):
        raise not_found("số", "ticket", "")
    return ticket


@blp.route("/track/<token>", methods=["GET"])
@allow(PUBLIC)
@phone_per_address
@blp.response(200, TicketOut)
def track(token: str) -> dict:
    """The ticket behind a tracking token (the phone page): the token is the credential."""
    return present.ticket(db.session, _by_token(token))


@blp.route("/track/<token>/cancel", methods=["POST"])
@allow(PUBLIC)
@phone_per_address
@blp.response(200, TicketOut)
def track_cancel(token: str) -> dict:
    """The visitor gives up a waiting ticket from the phone page."""
    if not credentials.is_tracking_token(token):  # not worth a query (a NUL would fail it)
        raise not_found("số", "ticket", "")
    ticket = queue.cancel_by_token(db.session, token)
    return present.ticket(db.session, ticket)
