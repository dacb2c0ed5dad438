"""The queue engine: issuing tickets, calling them to counters, and every other move of
the ticket lifecycle, as plain functions over a SQLAlchemy session.

Each function is one write transaction. It checks who acts and on what, applies one
transition of :data:`contract.tickets.TRANSITIONS` (an illegal move raises a 409
:class:`~server.errors.DomainError`), appends a :class:`~server.models.TicketEvent`, and
queues the domain events that go out after the commit.

Race-freedom comes from the database, not from the process: ticket numbers come from a
per (series, business day) row incremented in the insert's transaction; "call next"
claims its ticket with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and under SQLite's
write lock (``BEGIN IMMEDIATE``) on SQLite.

One module per job: :mod:`.issuing` (numbers, admission, the insert of every new ticket,
the group commit), :mod:`.calling` (the call-next policy, calling a number, recall,
resume), :mod:`.moves` (serving, finishing, no-show, hold, return, cancel, transfer),
:mod:`.counters` (open, pause, close) and :mod:`.closing` (the nightly close-out); what
they share (look-ups, checks, applying a transition) is in :mod:`.common`. The service
functions are imported here, so that callers say ``queue.call_next``.
"""

from server.services.queue.calling import (
    call_next,
    call_number,
    call_order,
    recall,
    resume_held,
    served_today,
)
from server.services.queue.closing import EVENT_LOG_KEPT, close_out
from server.services.queue.counters import close_counter, open_counter, pause_counter
from server.services.queue.issuing import (
    Availability,
    Issued,
    IssueRequest,
    availability,
    issue,
    issue_batch,
    issue_totals,
)
from server.services.queue.moves import (
    cancel,
    cancel_by_token,
    finish,
    hold,
    mark_no_show,
    return_to_queue,
    start_serving,
    transfer,
)

__all__ = [
    "EVENT_LOG_KEPT",
    "Availability",
    "IssueRequest",
    "Issued",
    "availability",
    "call_next",
    "call_number",
    "call_order",
    "cancel",
    "cancel_by_token",
    "close_counter",
    "close_out",
    "finish",
    "hold",
    "issue",
    "issue_batch",
    "issue_totals",
    "mark_no_show",
    "open_counter",
    "pause_counter",
    "recall",
    "resume_held",
    "return_to_queue",
    "served_today",
    "start_serving",
    "transfer",
]
