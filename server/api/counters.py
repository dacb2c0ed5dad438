"""Counters: open, pause, close, and every call an officer makes from the counter bar."""

from __future__ import annotations

from server.api import present
from server.api.base import MANAGERS, STAFF, Blueprint, allow, current_actor
from server.api.schemas import (
    CallNumberIn,
    CallOut,
    CounterOut,
    CounterQueueOut,
    CounterQueueQuery,
    FinishIn,
    NoteIn,
    PauseIn,
    ResumeIn,
    TicketOut,
    TransferIn,
)
from server.errors import not_found
from server.extensions import db
from server.models import Counter, Site, utcnow
from server.services import queue
from server.services.clock import business_day

blp = Blueprint(
    "counters", __name__, url_prefix="/api/v1/counters", description="Counters and calls"
)


@blp.route("/<int:counter_id>", methods=["GET"])
@allow(*STAFF)
@blp.response(200, CounterOut)
def get(counter_id: int) -> dict:
    """A counter: state, officer, current and held tickets, waiting per service."""
    counter = db.session.get(Counter, counter_id)
    if counter is None or not current_actor().may_see_site(counter.site_id):
        raise not_found("quầy", "counter", counter_id)
    return present.counter(db.session, counter)


@blp.route("/<int:counter_id>/queue", methods=["GET"])
@allow(*STAFF)
@blp.arguments(CounterQueueQuery, location="query")
@blp.response(200, CounterQueueOut)
def queue_of(query: dict, counter_id: int) -> dict:
    """The officer's panel: the waiting tickets this counter would call, in call order, and
    its day so far (tickets finished, mean service time)."""
    counter = db.session.get(Counter, counter_id)
    if counter is None or not current_actor().may_see_site(counter.site_id):
        raise not_found("quầy", "counter", counter_id)
    site = db.session.get(Site, counter.site_id)
    assert site is not None  # a counter's site exists (foreign key)
    day = business_day(utcnow(), site.timezone)
    waiting = queue.call_order(db.session, counter, site, day, query["limit"])
    served, mean = queue.served_today(db.session, counter, site, day)
    return {
        "waiting": present.tickets(db.session, waiting),
        "served_today": served,
        "mean_service_seconds": mean,
    }


@blp.route("/<int:counter_id>/open", methods=["POST"])
@allow("officer")
@blp.response(200, CounterOut)
def open_(counter_id: int) -> dict:
    """Open (or reopen after a pause) a counter: the officer becomes its officer."""
    return present.counter(db.session, queue.open_counter(db.session, current_actor(), counter_id))


@blp.route("/<int:counter_id>/pause", methods=["POST"])
@allow("officer")
@blp.arguments(PauseIn)
@blp.response(200, CounterOut)
def pause(data: dict, counter_id: int) -> dict:
    """Stop calling new tickets for a while, with a reason shown on the screens."""
    counter = queue.pause_counter(db.session, current_actor(), counter_id, reason=data["reason"])
    return present.counter(db.session, counter)


@blp.route("/<int:counter_id>/close", methods=["POST"])
@allow("officer", *MANAGERS)
@blp.response(200, CounterOut)
def close(counter_id: int) -> dict:
    """Close a counter (its officer, or a manager of the site)."""
    return present.counter(db.session, queue.close_counter(db.session, current_actor(), counter_id))


@blp.route("/<int:counter_id>/call-next", methods=["POST"])
@allow("officer")
@blp.response(200, CallOut)
def call_next(counter_id: int) -> dict:
    """Call the next ticket by the call-next policy; `ticket` is null when nobody waits."""
    ticket = queue.call_next(db.session, current_actor(), counter_id)
    if ticket is None:
        return {
            "ticket": None,
            "message": "Không còn ai chờ các dịch vụ của quầy này.",
            "message_en": "Nobody is waiting for this counter's services.",
        }
    return {
        "ticket": present.ticket(db.session, ticket),
        "message": f"Đã gọi số {ticket.number}.",
        "message_en": f"Called {ticket.number}.",
    }


@blp.route("/<int:counter_id>/call", methods=["POST"])
@allow("officer")
@blp.arguments(CallNumberIn)
@blp.response(200, TicketOut)
def call_number(data: dict, counter_id: int) -> dict:
    """Call one given number of today (waiting, or held at this counter)."""
    return present.ticket(
        db.session, queue.call_number(db.session, current_actor(), counter_id, data["number"])
    )


@blp.route("/<int:counter_id>/recall", methods=["POST"])
@allow("officer")
@blp.response(200, TicketOut)
def recall(counter_id: int) -> dict:
    """Call the current ticket again; past the site's limit of calls it becomes a no-show."""
    return present.ticket(db.session, queue.recall(db.session, current_actor(), counter_id))


@blp.route("/<int:counter_id>/start", methods=["POST"])
@allow("officer")
@blp.response(200, TicketOut)
def start(counter_id: int) -> dict:
    """The visitor has come: start serving the current ticket."""
    return present.ticket(db.session, queue.start_serving(db.session, current_actor(), counter_id))


@blp.route("/<int:counter_id>/finish", methods=["POST"])
@allow("officer")
@blp.arguments(FinishIn)
@blp.response(200, TicketOut)
def finish(data: dict, counter_id: int) -> dict:
    """Finish the current ticket with its outcome (and the dossier code, if any)."""
    ticket = queue.finish(
        db.session,
        current_actor(),
        counter_id,
        outcome=data["outcome"],
        note=data["note"],
        dossier_code=data["dossier_code"],
    )
    return present.ticket(db.session, ticket)


@blp.route("/<int:counter_id>/no-show", methods=["POST"])
@allow("officer")
@blp.response(200, TicketOut)
def no_show(counter_id: int) -> dict:
    """The called visitor did not come."""
    return present.ticket(db.session, queue.mark_no_show(db.session, current_actor(), counter_id))


@blp.route("/<int:counter_id>/hold", methods=["POST"])
@allow("officer")
@blp.arguments(NoteIn)
@blp.response(200, TicketOut)
def hold(data: dict, counter_id: int) -> dict:
    """Park the current ticket (the visitor fetches a missing paper, say)."""
    return present.ticket(
        db.session, queue.hold(db.session, current_actor(), counter_id, note=data["note"])
    )


@blp.route("/<int:counter_id>/resume", methods=["POST"])
@allow("officer")
@blp.arguments(ResumeIn)
@blp.response(200, TicketOut)
def resume(data: dict, counter_id: int) -> dict:
    """Call a ticket this counter put on hold back to it."""
    ticket = queue.resume_held(db.session, current_actor(), counter_id, data["ticket_id"])
    return present.ticket(db.session, ticket)


@blp.route("/<int:counter_id>/transfer", methods=["POST"])
@allow("officer")
@blp.arguments(TransferIn)
@blp.response(201, TicketOut)
def transfer(data: dict, counter_id: int) -> dict:
    """Send the current ticket to another service or counter, with a note; answers the new ticket."""
    ticket = queue.transfer(
        db.session,
        current_actor(),
        counter_id=counter_id,
        to_service_id=data["service_id"],
        to_counter_id=data["counter_id"],
        note=data["note"],
        keep_position=data["keep_position"],
    )
    return present.ticket(db.session, ticket)
