"""Event names the server publishes and its clients listen to.

Every event is published only after the transaction that caused it has committed.
"""

from __future__ import annotations

TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_SERVING = "ticket.serving"
TICKET_FINISHED = "ticket.finished"
TICKET_NO_SHOW = "ticket.no_show"
TICKET_HELD = "ticket.held"
TICKET_RETURNED = "ticket.returned"
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_CANCELLED = "ticket.cancelled"
TICKET_EXPIRED = "ticket.expired"
COUNTER_CHANGED = "counter.changed"
