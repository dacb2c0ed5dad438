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
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Row,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

from contract import events as ev
from contract.tickets import (
    ACTION_LABELS,
    COUNTER_STATE_LABELS,
    OPEN_STATES,
    STATE_LABELS,
    CounterState,
    Outcome,
    TicketAction,
    TicketState,
    next_state,
)
from server.db import write_transaction
from server.errors import DomainError, Forbidden, InvalidInput, NotFound, not_found
from server.events import prune, publish, publish_queue_changed, queue_moved
from server.models import (
    Counter,
    CounterService,
    DailyNumber,
    Department,
    NumberSeries,
    PriorityCategory,
    Service,
    Site,
    Ticket,
    TicketEvent,
    utcnow,
)
from server.services import catalog
from server.services.actor import Actor, Role
from server.services.clock import business_day, describe_hours, is_open
from server.services.group_commit import GroupCommit

A = TicketAction
S = TicketState

EVENT_FOR_ACTION: dict[TicketAction, str] = {
    A.ISSUE: ev.TICKET_ISSUED,
    A.CALL: ev.TICKET_CALLED,
    A.RECALL: ev.TICKET_RECALLED,
    A.START: ev.TICKET_SERVING,
    A.FINISH: ev.TICKET_FINISHED,
    A.NO_SHOW: ev.TICKET_NO_SHOW,
    A.HOLD: ev.TICKET_HELD,
    A.RETURN: ev.TICKET_RETURNED,
    A.RESUME: ev.TICKET_CALLED,
    A.TRANSFER: ev.TICKET_TRANSFERRED,
    A.CANCEL: ev.TICKET_CANCELLED,
    A.EXPIRE: ev.TICKET_EXPIRED,
}


# --------------------------------------------------------------------------- helpers


def new_tracking_token() -> str:
    """The unguessable token of a ticket's phone page (256 bits)."""
    return secrets.token_urlsafe(32)


def _illegal(ticket: Ticket, action: TicketAction) -> DomainError:
    state = TicketState(ticket.state)
    state_vi, state_en = STATE_LABELS[state]
    action_vi, action_en = ACTION_LABELS[action]
    return DomainError(
        "illegal_transition",
        f"Số {ticket.number} đang ở trạng thái «{state_vi}», không thể {action_vi}.",
        f"Ticket {ticket.number} is {state_en}; it cannot be given the action '{action_en}'.",
        ticket=ticket.number,
        state=state.value,
        action=action.value,
    )


def _move(
    session: Session,
    ticket: Ticket,
    action: TicketAction,
    actor: Actor,
    now: dt.datetime,
    *,
    counter: Counter | None = None,
    note: str | None = None,
    tracking_token: str | None = None,
    **extra: object,
) -> None:
    """Apply one transition to `ticket`, log it and queue its event.

    `tracking_token`: the phone's room to tell, when the ticket's own token has just been
    handed on (a transfer).
    """
    from_state = ticket.state
    to_state = next_state(action, TicketState(from_state))
    if to_state is None:
        raise _illegal(ticket, action)
    ticket.state = to_state
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            site_id=ticket.site_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            at=now,
            user_id=actor.user_id,
            device_id=actor.device_id,
            counter_id=counter.id if counter is not None else ticket.counter_id,
            note=note,
        )
    )
    if S.WAITING in (from_state, to_state):
        queue_moved(session, ticket.site_id, ticket.service_id, ticket.business_day)
    _publish_ticket_event(session, ticket, action, from_state, counter, note,
                          tracking_token or ticket.tracking_token, **extra)


def _publish_ticket_event(
    session: Session,
    ticket: Ticket,
    action: TicketAction,
    from_state: str | None,
    counter: Counter | None,
    note: str | None,
    tracking_token: str,
    **extra: object,
) -> None:
    data: dict[str, object] = {
        "ticket": ticket_info(session, ticket),
        "action": action.value,
        "from_state": from_state,
        "counter": counter_info(counter) if counter is not None else None,
        "note": note,
        **extra,
    }
    if action in (A.CALL, A.RECALL, A.RESUME) and counter is not None:
        data["announcement"] = announcement(ticket, counter)
    # Not to the service room: phones there follow queue.changed, and a call would
    # otherwise reach every phone of the service three times (call, start, finish).
    rooms = [ev.ticket_room(tracking_token)]
    if counter is not None:
        rooms.append(ev.counter_room(counter.id))
        if counter.zone:
            rooms.append(ev.zone_room(counter.site_id, counter.zone))
    publish(session, EVENT_FOR_ACTION[action], ticket.site_id, data, *rooms)


def ticket_info(session: Session, ticket: Ticket) -> dict[str, object]:
    """A ticket as events carry it (contract.events.TicketInfo)."""
    service = catalog.service_info(session, ticket.service_id)
    return {
        "id": ticket.id,
        "number": ticket.number,
        "state": ticket.state,
        "service_id": ticket.service_id,
        "service_code": service.code,
        "service_name_vi": service.name_vi,
        "service_name_en": service.name_en,
        "priority": ticket.priority_category_id is not None,
        "call_count": ticket.call_count,
        "queued_at": ticket.queued_at.isoformat(),
    }


def counter_info(counter: Counter) -> dict[str, object]:
    """A counter as events carry it (contract.events.CounterInfo)."""
    return {"id": counter.id, "number": counter.number, "name_vi": counter.name_vi,
            "name_en": counter.name_en, "zone": counter.zone}


def announcement(ticket: Ticket, counter: Counter) -> dict[str, object]:
    """What a hall display says for a call."""
    return {
        "text_vi": f"Mời công dân có số thứ tự {ticket.number} đến quầy số {counter.number}",
        "text_en": f"Ticket number {ticket.number}, please go to counter {counter.number}",
        "audio_url": None,
    }


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise not_found("điểm phục vụ", "site", site_id)
    return site


def _service(session: Session, actor: Actor, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None or not actor.may_see_site(service.site_id):
        raise not_found("dịch vụ", "service", service_id)
    return service


def _ticket(session: Session, actor: Actor, ticket_id: int, *, lock: bool = False) -> Ticket:
    ticket = session.get(Ticket, ticket_id, with_for_update=lock or None)
    if ticket is None or not actor.may_see_site(ticket.site_id):
        raise not_found("số", "ticket", ticket_id)
    return ticket


def _counter(session: Session, actor: Actor, counter_id: int, *, lock: bool = True) -> Counter:
    # The counter row is locked first in every counter action, so two requests for one
    # counter (a double click, two windows) run one after the other.
    counter = session.get(Counter, counter_id, with_for_update=lock or None)
    if counter is None or not actor.may_see_site(counter.site_id):
        raise not_found("quầy", "counter", counter_id)
    return counter


def _require_counter_officer(counter: Counter, actor: Actor) -> None:
    """Only the officer who opened a counter acts at it."""
    if actor.role != Role.OFFICER or counter.state == CounterState.CLOSED or counter.officer_id != actor.user_id:
        raise Forbidden(
            "not_your_counter",
            f"Bạn chưa mở quầy số {counter.number}. Hãy mở quầy trước khi gọi số.",
            f"You have not opened counter {counter.number}. Open it before calling tickets.",
            counter=counter.number,
        )


def _require_open(counter: Counter) -> None:
    if counter.state != CounterState.OPEN:
        state_vi, state_en = COUNTER_STATE_LABELS[CounterState(counter.state)]
        raise DomainError(
            "counter_not_open",
            f"Quầy số {counter.number} đang {state_vi}; hãy mở lại quầy để gọi số.",
            f"Counter {counter.number} is {state_en}; reopen it to call tickets.",
            counter=counter.number,
        )


def _require_free(session: Session, counter: Counter) -> None:
    if counter.current_ticket_id is not None:
        current = session.get(Ticket, counter.current_ticket_id)
        number = current.number if current else "?"
        raise DomainError(
            "counter_busy",
            f"Quầy số {counter.number} đang phục vụ số {number}. Hãy kết thúc, báo vắng mặt "
            "hoặc tạm giữ số này trước.",
            f"Counter {counter.number} still has ticket {number}. Finish it, mark it as a "
            "no-show or put it on hold first.",
            counter=counter.number,
            ticket=number,
        )


def _current_ticket(session: Session, counter: Counter, action: TicketAction) -> Ticket:
    if counter.current_ticket_id is None:
        action_vi, action_en = ACTION_LABELS[action]
        raise DomainError(
            "no_current_ticket",
            f"Quầy số {counter.number} chưa gọi số nào nên không thể {action_vi}.",
            f"Counter {counter.number} has no current ticket to {action_en}.",
            counter=counter.number,
        )
    ticket = session.get(Ticket, counter.current_ticket_id, with_for_update=True)
    assert ticket is not None  # a foreign key
    return ticket


def _release(counter: Counter) -> None:
    counter.current_ticket_id = None


# --------------------------------------------------------------------------- issuing


def _one_or_many(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | dict[str, Any]:
    """One row as a plain execute (a list, even of one, takes the slower executemany path)."""
    return rows[0] if len(rows) == 1 else rows


def _take_numbers(conn: Connection, wanted: dict[tuple[int, dt.date], tuple[int, int]]) -> dict[tuple[int, dt.date], range]:
    """Take the next numbers of some series for a day, in the caller's transaction, in one
    statement: `wanted[(series_id, day)] = (the series' start, how many)`.

    The upsert locks each (series, day) row until commit (in one order, so that two
    transactions never deadlock): concurrent issuers of a series wait for each other, and
    a rolled-back issue gives its numbers back (no gaps).
    """
    rows = [{"series_id": series_id, "day": day, "first_last": wanted[(series_id, day)][0] + wanted[(series_id, day)][1] - 1}
            for series_id, day in sorted(wanted)]
    taken = {}
    for series_id, day, last in conn.execute(_take_numbers_statement(conn.dialect.name), _one_or_many(rows)):
        how_many = wanted[(series_id, day)][1]
        taken[(series_id, day)] = range(last - how_many + 1, last + 1)
    return taken


# Written out: SQLAlchemy would add "excluded" to the subquery's FROM instead of correlating it.
_EXCLUDED_SERIES_START = literal_column(
    "(SELECT number_series.start FROM number_series WHERE number_series.id = excluded.series_id)", Integer
)


@functools.cache
def _take_numbers_statement(dialect: str) -> Any:
    """The upsert of a (series, day) row; run with several rows, it is one statement
    (SQLAlchemy's "insertmanyvalues")."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_for(DailyNumber).values(
        series_id=bindparam("series_id"), business_day=bindparam("day"), last=bindparam("first_last")
    )
    # A new row holds start + count - 1; an existing one moves on by count, which is that
    # value less the series' start, plus one.
    return stmt.on_conflict_do_update(
        index_elements=[DailyNumber.series_id, DailyNumber.business_day],
        set_={"last": DailyNumber.last + stmt.excluded.last + 1 - _EXCLUDED_SERIES_START},
    ).returning(DailyNumber.series_id, DailyNumber.business_day, DailyNumber.last)


# Everything issuing needs to know about the services of a batch, in one read.
_ISSUE_CONTEXT = (
    select(
        Service.id, Service.site_id, Service.code, Service.name_vi, Service.name_en, Service.active,
        Service.daily_quota, Service.expected_service_minutes,
        NumberSeries.id.label("series_id"), NumberSeries.format, NumberSeries.start,
        Site.name_vi.label("site_name_vi"), Site.name_en.label("site_name_en"), Site.timezone, Site.opening_hours,
        Department.name_vi.label("department_vi"), Department.name_en.label("department_en"),
    )
    .join(NumberSeries, NumberSeries.id == Service.series_id)
    .join(Site, Site.id == Service.site_id)
    .join(Department, Department.id == Service.department_id)
    .where(Service.id.in_(bindparam("service_ids", expanding=True)))
)


@dataclass(frozen=True)
class NewTicket:
    """The row just inserted for a new ticket (no ORM object on the hot path)."""

    id: int
    site_id: int
    service_id: int
    series_id: int
    business_day: dt.date
    seq: int
    number: str
    state: str
    priority_category_id: int | None
    dossier_code: str | None
    tracking_token: str
    lang: str
    issued_at: dt.datetime
    queued_at: dt.datetime
    call_count: int
    counter_id: None
    target_counter_id: None
    outcome: None
    called_at: None
    started_at: None
    finished_at: None
    transferred_from_id: None
    issued_by_device_id: int | None
    issued_by_user_id: int | None


@dataclass
class Issued:
    """A new ticket with what the kiosk prints on its slip."""

    ticket: NewTicket
    service: dict[str, object]
    priority_category: str | None
    people_ahead: int
    estimated_wait_minutes: int
    serving_counters: list[int]
    timezone: str


_EMPTY_COLUMNS = dict.fromkeys(
    ("counter_id", "target_counter_id", "outcome", "called_at", "started_at", "finished_at", "transferred_from_id")
)


@dataclass(frozen=True)
class IssueRequest:
    """One kiosk's (or officer's) request for a ticket, as it waits for its batch."""

    actor: Actor
    service_id: int
    priority_code: str | None
    dossier_code: str | None
    lang: str
    now: dt.datetime


def issue_ticket(
    session: Session,
    actor: Actor,
    service_id: int,
    *,
    priority_code: str | None = None,
    dossier_code: str | None = None,
    lang: str = "vi",
    now: dt.datetime | None = None,
) -> Ticket:
    """Issue a walk-in ticket (optionally a priority case, optionally linked to a dossier)."""
    issued = issue(session, actor, service_id, priority_code=priority_code, dossier_code=dossier_code,
                   lang=lang, now=now)
    ticket = session.get(Ticket, issued.ticket.id)
    assert ticket is not None
    return ticket


_issuers: weakref.WeakKeyDictionary[Engine, GroupCommit[IssueRequest, Issued]] = weakref.WeakKeyDictionary()
_issuers_lock = threading.Lock()


def _issuer(session: Session | scoped_session[Session]) -> GroupCommit[IssueRequest, Issued]:
    # A scoped session's engine, without making it a session.
    bound = session.session_factory.kw.get("bind") if isinstance(session, scoped_session) else None
    engine = bound or session.get_bind()
    issuer = _issuers.get(engine)  # type: ignore[arg-type]
    if issuer is None:
        with _issuers_lock:
            issuer = _issuers.setdefault(engine, GroupCommit())  # type: ignore[arg-type]
    return issuer


def issue_totals() -> tuple[int, int]:
    """(write transactions, issue requests) that this process's group commit has run."""
    with _issuers_lock:
        issuers = list(_issuers.values())
    return sum(i.batches for i in issuers), sum(i.items for i in issuers)


def issue(
    session: Session | scoped_session[Session],
    actor: Actor,
    service_id: int,
    *,
    priority_code: str | None = None,
    dossier_code: str | None = None,
    lang: str = "vi",
    now: dt.datetime | None = None,
) -> Issued:
    """Issue a ticket and tell where it stands: the kiosk's hot path.

    Concurrent issues of a process share one write transaction (see
    :mod:`server.services.group_commit`); each still gets its own number, its own answer
    and, when its request is refused, its own error.
    """
    request = IssueRequest(actor, service_id, priority_code, dossier_code, lang, now or utcnow())
    # Give back the connection of a read (an auth lookup) before waiting for a batch: the
    # request that leads the batch needs one from the same small pool. (A request whose
    # scoped session was never used has none, and gets no session made for nothing.)
    if isinstance(session, scoped_session):
        current = session() if session.registry.has() else None
    else:
        current = session
    if current is not None and current.in_transaction():
        current.commit()
    return _issuer(session).submit(request, lambda batch: issue_batch(session, batch))


def issue_batch(session: Session, requests: Sequence[IssueRequest]) -> list[Issued | Exception]:
    """Issue a batch of tickets in one write transaction, in order: one outcome per request,
    the Issued ticket or the error that refused it. If the transaction itself fails, each
    request is tried again alone, so that one cannot sink the others."""
    try:
        return _issue_batch(session, requests)
    except Exception as error:
        if len(requests) == 1:
            return [error]
    return [_issue_one_alone(session, request) for request in requests]


def _issue_one_alone(session: Session, request: IssueRequest) -> Issued | Exception:
    try:
        return _issue_batch(session, [request])[0]
    except Exception as error:
        return error


def _issue_batch(session: Session, requests: Sequence[IssueRequest]) -> list[Issued | Exception]:
    from server.services.estimates import (
        NewInQueue,
        estimated_wait_minutes,
        places_of_new_tickets,
        service_rate,
    )
    from server.services.snapshot import queue_row

    outcomes: list[Issued | Exception | None] = [None] * len(requests)
    accepted: list[tuple[int, IssueRequest, Row[Any], dt.date, int | None]] = []
    with write_transaction(session):
        conn = session.connection()
        contexts = {row.id: row for row in conn.execute(
            _ISSUE_CONTEXT, {"service_ids": sorted({r.service_id for r in requests})})}
        issued_today: dict[tuple[int, dt.date], int] = {}
        for index, request in enumerate(requests):
            try:
                service, day, category_id = _admit(conn, request, contexts.get(request.service_id), issued_today)
            except DomainError as refused:
                outcomes[index] = refused
                continue
            accepted.append((index, request, service, day, category_id))
        if not accepted:
            return outcomes  # type: ignore[return-value]
        # Numbers: the batch's share of each (series, day), handed out in request order.
        positions: dict[tuple[int, dt.date], list[int]] = {}
        for position, (_, _, service, day, _) in enumerate(accepted):
            positions.setdefault((service.series_id, day), []).append(position)
        taken = _take_numbers(conn, {
            key: (accepted[where[0]][2].start, len(where)) for key, where in positions.items()
        })
        seqs: list[int] = [0] * len(accepted)
        for key, where in positions.items():
            for position, seq in zip(where, taken[key], strict=True):
                seqs[position] = seq
        rows = []
        for (_, request, service, day, category_id), seq in zip(accepted, seqs, strict=True):
            actor = request.actor
            rows.append({
                "site_id": service.site_id, "service_id": service.id, "series_id": service.series_id,
                "business_day": day, "seq": seq, "number": service.format.format(n=seq),
                "state": S.WAITING.value, "priority_category_id": category_id,
                "dossier_code": request.dossier_code, "tracking_token": new_tracking_token(), "lang": request.lang,
                "issued_at": request.now, "queued_at": request.now, "call_count": 0,
                "issued_by_device_id": actor.device_id, "issued_by_user_id": actor.user_id,
            })
        # The columns of a new ticket that are still empty are left to their NULL default.
        id_of = {token: ticket_id for ticket_id, token in conn.execute(_INSERT_TICKETS, _one_or_many(rows))}
        ids = [id_of[row["tracking_token"]] for row in rows]
        tickets = [NewTicket(id=ticket_id, **row, **_EMPTY_COLUMNS) for ticket_id, row in zip(ids, rows, strict=True)]
        conn.execute(_INSERT_EVENT, _one_or_many([{
            "ticket_id": t.id, "site_id": t.site_id, "action": A.ISSUE.value, "from_state": None,
            "to_state": t.state, "at": t.issued_at, "user_id": t.issued_by_user_id,
            "device_id": t.issued_by_device_id, "counter_id": None, "note": None,
        } for t in tickets]))
        for (_, _, service, _, category_id), t in zip(accepted, tickets, strict=True):
            info = {
                "id": t.id, "number": t.number, "state": t.state, "service_id": service.id,
                "service_code": service.code, "service_name_vi": service.name_vi,
                "service_name_en": service.name_en, "priority": category_id is not None, "call_count": 0,
                "queued_at": t.queued_at.isoformat(),
            }
            publish(
                session, ev.TICKET_ISSUED, t.site_id,
                {"ticket": info, "action": A.ISSUE.value, "from_state": None, "counter": None, "note": None},
                ev.ticket_room(t.tracking_token),
            )
        ahead, queues = places_of_new_tickets(conn, [
            NewInQueue(t.id, t.service_id, t.business_day, t.priority_category_id is not None, t.queued_at)
            for t in tickets
        ])
        counted_at = utcnow()
        by_site_day: dict[tuple[int, dt.date], list[ev.ServiceQueue]] = {}
        sites = {t.service_id: t.site_id for t in tickets}
        for (service_id, day), (waiting, oldest) in sorted(queues.items()):
            by_site_day.setdefault((sites[service_id], day), []).append(
                queue_row(service_id, waiting, oldest, counted_at))
        for (site_id, day), services in by_site_day.items():
            publish_queue_changed(session, site_id, day, services)
    for (index, request, service, _, category_id), t in zip(accepted, tickets, strict=True):
        rate = service_rate(session, service.id, request.now)
        places = ahead.get(t.id, 0)
        outcomes[index] = Issued(
            ticket=t,
            service={"id": service.id, "code": service.code, "name_vi": service.name_vi,
                     "name_en": service.name_en,
                     "department": {"name_vi": service.department_vi, "name_en": service.department_en}},
            priority_category=request.priority_code if category_id is not None else None,
            people_ahead=places,
            estimated_wait_minutes=estimated_wait_minutes(places, rate, service.expected_service_minutes),
            serving_counters=list(catalog.service_info(session, service.id).serving_counters),
            timezone=service.timezone,
        )
    return outcomes  # type: ignore[return-value]


def _admit(
    conn: Connection,
    request: IssueRequest,
    service: Row[Any] | None,
    issued_today: dict[tuple[int, dt.date], int],
) -> tuple[Row[Any], dt.date, int | None]:
    """Check one request of a batch: (its service, business day, priority category id), or
    raise the DomainError that refuses it. `issued_today` counts quota across the batch."""
    now = request.now
    if service is None or not request.actor.may_see_site(service.site_id):
        raise not_found("dịch vụ", "service", request.service_id)
    if not service.active:
        raise DomainError(
            "service_inactive",
            f"Dịch vụ «{service.name_vi}» hiện không nhận hồ sơ.",
            f"The service '{service.name_en or service.name_vi}' is not taking visitors now.",
        )
    if not is_open(service.opening_hours, now, service.timezone):
        hours_vi, hours_en = describe_hours(service.opening_hours or {})
        raise DomainError(
            "site_closed",
            f"{service.site_name_vi} hiện ngoài giờ làm việc ({hours_vi}).",
            f"{service.site_name_en or service.site_name_vi} is closed now (open {hours_en}).",
        )
    day = business_day(now, service.timezone)
    category_id = None
    if request.priority_code:
        category_id = conn.execute(
            _PRIORITY_CATEGORY, {"site_id": service.site_id, "code": request.priority_code}
        ).scalar()
        if category_id is None:
            raise NotFound(
                "unknown_priority_category",
                f"Không có đối tượng ưu tiên «{request.priority_code}» ở điểm phục vụ này.",
                f"There is no priority category '{request.priority_code}' at this site.",
            )
    if service.daily_quota is not None:
        key = (service.id, day)
        if key not in issued_today:
            issued_today[key] = conn.execute(_ISSUED_TODAY, {"service_id": service.id, "day": day}).scalar_one()
        if issued_today[key] >= service.daily_quota:
            raise DomainError(
                "quota_reached",
                f"Dịch vụ «{service.name_vi}» đã hết {service.daily_quota} số của hôm nay. "
                "Mời quay lại vào ngày làm việc tiếp theo hoặc đặt lịch trực tuyến.",
                f"'{service.name_en or service.name_vi}' has issued all {service.daily_quota} "
                "tickets for today. Please come back on the next working day or book online.",
                quota=service.daily_quota,
            )
        issued_today[key] += 1
    return service, day, category_id


_PRIORITY_CATEGORY = select(PriorityCategory.id).where(
    PriorityCategory.site_id == bindparam("site_id"),
    PriorityCategory.code == bindparam("code"),
    PriorityCategory.active.is_(True),
)
_ISSUED_TODAY = select(func.count(Ticket.id)).where(
    Ticket.service_id == bindparam("service_id"),
    Ticket.business_day == bindparam("day"),
    Ticket.transferred_from_id.is_(None),
)
# Rows come back matched by their (unique) tracking token: asking SQLAlchemy to keep the
# parameters' order instead made it insert one row per statement on SQLite.
_INSERT_TICKETS = insert(Ticket).returning(Ticket.id, Ticket.tracking_token)
_INSERT_EVENT = insert(TicketEvent)


def _log_issue(session: Session, ticket: Ticket, actor: Actor, now: dt.datetime) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            site_id=ticket.site_id,
            action=A.ISSUE,
            from_state=None,
            to_state=ticket.state,
            at=now,
            user_id=actor.user_id,
            device_id=actor.device_id,
        )
    )
    queue_moved(session, ticket.site_id, ticket.service_id, ticket.business_day)
    _publish_ticket_event(session, ticket, A.ISSUE, None, None, None, ticket.tracking_token)


# --------------------------------------------------------------------------- calling


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _claim_first(session: Session, query) -> Ticket | None:  # type: ignore[no-untyped-def]
    query = query.order_by(Ticket.queued_at, Ticket.id).limit(1)
    if _is_postgres(session):
        # Skip rows another counter has just claimed instead of waiting for them.
        query = query.with_for_update(skip_locked=True, of=Ticket)
    return session.scalars(query).first()


def pick_next(session: Session, counter: Counter, site: Site, day: dt.date) -> Ticket | None:
    """The ticket `counter` should call now, by the call-next policy (see README):

    1. tickets transferred to this very counter;
    2. priority tickets of its services, oldest first, unless the counter has already
       called `site.max_priority_in_row` priority tickets in a row;
    3. the oldest waiting ticket of its first-choice service, then of each next one.
    """
    waiting_today = (Ticket.state == S.WAITING, Ticket.business_day == day)
    ticket = _claim_first(
        session, select(Ticket).where(Ticket.target_counter_id == counter.id, *waiting_today)
    )
    if ticket is not None:
        return ticket
    service_ids = list(
        session.scalars(
            select(CounterService.service_id)
            .where(CounterService.counter_id == counter.id)
            .order_by(CounterService.rank)
        )
    )
    if not service_ids:
        return None
    general = (Ticket.target_counter_id.is_(None), *waiting_today)
    if counter.priority_streak < site.max_priority_in_row:
        ticket = _claim_first(
            session,
            select(Ticket).where(
                Ticket.service_id.in_(service_ids),
                Ticket.priority_category_id.is_not(None),
                *general,
            ),
        )
        if ticket is not None:
            return ticket
    for service_id in service_ids:
        ticket = _claim_first(session, select(Ticket).where(Ticket.service_id == service_id, *general))
        if ticket is not None:
            return ticket
    return None


def _call(session: Session, counter: Counter, ticket: Ticket, actor: Actor, now: dt.datetime,
          action: TicketAction = A.CALL, note: str | None = None) -> None:
    ticket.counter_id = counter.id
    ticket.call_count = ticket.call_count + 1
    ticket.called_at = now
    _move(session, ticket, action, actor, now, counter=counter, note=note)
    counter.current_ticket_id = ticket.id
    if ticket.priority_category_id is not None:
        counter.priority_streak = counter.priority_streak + 1
    else:
        counter.priority_streak = 0


def call_next(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket to a counter; None when nobody waits for its services."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_open(counter)
        _require_free(session, counter)
        site = _site(session, counter.site_id)
        ticket = pick_next(session, counter, site, business_day(now, site.timezone))
        if ticket is None:
            return None
        _call(session, counter, ticket, actor, now)
    return ticket


def call_number(
    session: Session, actor: Actor, counter_id: int, number: str, *, now: dt.datetime | None = None
) -> Ticket:
    """Call one given number of today to a counter (waiting, or held at this counter)."""
    now = now or utcnow()
    number = number.strip().upper()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_open(counter)
        _require_free(session, counter)
        site = _site(session, counter.site_id)
        day = business_day(now, site.timezone)
        candidates = list(
            session.scalars(
                select(Ticket)
                .where(Ticket.site_id == site.id, Ticket.business_day == day, Ticket.number == number)
                .order_by(Ticket.id)
                .with_for_update()
            )
        )
        if not candidates:
            raise NotFound(
                "number_not_found",
                f"Hôm nay chưa cấp số {number}.",
                f"Ticket {number} has not been issued today.",
                ticket=number,
            )
        # A transferred ticket keeps its number: the newest of the chain is the live one.
        ticket = candidates[-1]
        if ticket.state == S.HELD:
            if ticket.counter_id != counter.id:
                raise _held_elsewhere(ticket, counter)
            _call(session, counter, ticket, actor, now, action=A.RESUME)
        else:
            _call(session, counter, ticket, actor, now)
    return ticket


def _held_elsewhere(ticket: Ticket, counter: Counter) -> DomainError:
    return DomainError(
        "held_at_other_counter",
        f"Số {ticket.number} đang được tạm giữ ở quầy khác; quầy đó gọi lại hoặc trả số về hàng chờ.",
        f"Ticket {ticket.number} is on hold at another counter; that counter resumes it or "
        "returns it to the queue.",
        ticket=ticket.number,
    )


def recall(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Ticket:
    """Call the counter's current ticket again. Past the site's limit it becomes a no-show."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.RECALL)
        site = _site(session, counter.site_id)
        if ticket.state == S.CALLED and ticket.call_count >= site.no_show_after_calls:
            _move(session, ticket, A.NO_SHOW, actor, now, counter=counter,
                  note=f"auto: {ticket.call_count} calls without answer")
            ticket.finished_at = now
            _release(counter)
        else:
            if ticket.state == S.CALLED:
                ticket.call_count = ticket.call_count + 1
                ticket.called_at = now
            _move(session, ticket, A.RECALL, actor, now, counter=counter)
    return ticket


def start_serving(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Ticket:
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
        _move(session, ticket, A.FINISH, actor, now, counter=counter, note=note, outcome=outcome.value)
        ticket.outcome = outcome
        ticket.finished_at = now
        if dossier_code:
            ticket.dossier_code = dossier_code
        _release(counter)
    return ticket


def mark_no_show(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Ticket:
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        ticket = _current_ticket(session, counter, A.NO_SHOW)
        _move(session, ticket, A.NO_SHOW, actor, now, counter=counter)
        ticket.finished_at = now
        _release(counter)
    return ticket


def hold(
    session: Session, actor: Actor, counter_id: int, *, note: str | None = None, now: dt.datetime | None = None
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


def resume_held(
    session: Session, actor: Actor, counter_id: int, ticket_id: int, *, now: dt.datetime | None = None
) -> Ticket:
    """Call a ticket this counter put on hold back to it."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        _require_free(session, counter)
        ticket = _ticket(session, actor, ticket_id, lock=True)
        if ticket.state == S.HELD and ticket.counter_id != counter.id:
            raise _held_elsewhere(ticket, counter)
        _call(session, counter, ticket, actor, now, action=A.RESUME)
    return ticket


def _require_staff_of_site(actor: Actor, site_id: int) -> None:
    if not actor.is_user or not actor.may_see_site(site_id):
        raise Forbidden(
            "staff_only",
            "Chỉ cán bộ của điểm phục vụ này mới làm được việc này.",
            "Only staff of this site may do this.",
        )


def return_to_queue(
    session: Session, actor: Actor, ticket_id: int, *, note: str | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Put a held ticket back in the queue, at its original place."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = _ticket(session, actor, ticket_id, lock=True)
        _require_staff_of_site(actor, ticket.site_id)
        _move(session, ticket, A.RETURN, actor, now, note=note)
    return ticket


def cancel(
    session: Session, actor: Actor, ticket_id: int, *, note: str | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Cancel a waiting ticket (the visitor leaves)."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = _ticket(session, actor, ticket_id, lock=True)
        _move(session, ticket, A.CANCEL, actor, now, note=note)
        ticket.finished_at = now
    return ticket


def cancel_by_token(session: Session, token: str, *, now: dt.datetime | None = None) -> Ticket:
    """Cancel a waiting ticket from its phone page: the tracking token is the credential."""
    now = now or utcnow()
    with write_transaction(session):
        ticket = session.scalars(select(Ticket).where(Ticket.tracking_token == token).with_for_update()).first()
        if ticket is None:
            raise not_found("số", "ticket", "")
        visitor = Actor(role=Role.KIOSK, site_id=ticket.site_id, name="visitor")
        _move(session, ticket, A.CANCEL, visitor, now, note="cancelled by the visitor")
        ticket.finished_at = now
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
            raise InvalidInput("transfer_source_missing", "Chưa chọn số cần chuyển.", "No ticket chosen to transfer.")
        service = _service(session, actor, to_service_id or ticket.service_id)
        target = None
        if to_counter_id is not None:
            target = _counter(session, actor, to_counter_id, lock=False)
            if target.site_id != ticket.site_id:
                raise not_found("quầy", "counter", to_counter_id)
        if service.site_id != ticket.site_id:
            raise not_found("dịch vụ", "service", service.id)
        if (
            target is None
            and service.id == ticket.service_id
            and ticket.target_counter_id is None
        ):
            raise DomainError(
                "transfer_to_same_place",
                f"Số {ticket.number} đã ở dịch vụ này; hãy chọn dịch vụ hoặc quầy khác.",
                f"Ticket {ticket.number} is already in this service; choose another service or counter.",
            )
        token = ticket.tracking_token
        new_ticket = Ticket(
            site_id=ticket.site_id,
            service_id=service.id,
            series_id=ticket.series_id,
            business_day=ticket.business_day,
            seq=ticket.seq,
            number=ticket.number,
            state=S.WAITING,
            priority_category_id=ticket.priority_category_id,
            dossier_code=ticket.dossier_code,
            tracking_token=token,
            lang=ticket.lang,
            issued_at=ticket.issued_at,
            queued_at=ticket.queued_at if keep_position else now,
            call_count=0,
            target_counter_id=target.id if target else None,
            transferred_from_id=ticket.id,
            issued_by_device_id=ticket.issued_by_device_id,
            issued_by_user_id=ticket.issued_by_user_id,
        )
        # The visitor's phone follows the new ticket: the old one gets a token of its own.
        ticket.tracking_token = new_tracking_token()
        if counter is not None:
            ticket.finished_at = now
            _release(counter)
        session.flush()
        session.add(new_ticket)
        session.flush()
        _move(
            session, ticket, A.TRANSFER, actor, now, counter=counter, note=note, tracking_token=token,
            to_ticket_id=new_ticket.id, to_service_id=service.id,
            to_counter_id=target.id if target else None,
        )
        _log_issue(session, new_ticket, actor, now)
    return new_ticket


# --------------------------------------------------------------------------- counters


def _counter_changed(session: Session, counter: Counter) -> None:
    from server.models import User

    officer = session.get(User, counter.officer_id) if counter.officer_id else None
    current = session.get(Ticket, counter.current_ticket_id) if counter.current_ticket_id else None
    publish(
        session,
        ev.COUNTER_CHANGED,
        counter.site_id,
        {"counter": counter_info(counter), "state": counter.state,
         "officer_name": officer.full_name if officer else None,
         "current_number": current.number if current else None},
        ev.counter_room(counter.id),
        ev.queue_room(counter.site_id),
        *([ev.zone_room(counter.site_id, counter.zone)] if counter.zone else []),
    )


def _set_counter_state(session: Session, counter: Counter, state: CounterState, now: dt.datetime) -> None:
    """Move a counter to `state` and tell its screens. Closing also frees it of its officer,
    its current ticket and its run of priority calls."""
    counter.state = state
    counter.state_changed_at = now
    if state == CounterState.CLOSED:
        counter.officer_id = None
        counter.current_ticket_id = None
        counter.priority_streak = 0
    _counter_changed(session, counter)


def open_counter(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Counter:
    """An officer opens (or reopens after a pause) a counter and becomes its officer."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        if actor.role != Role.OFFICER:
            raise Forbidden("officers_only", "Chỉ cán bộ một cửa mới mở quầy.", "Only officers open counters.")
        if counter.state != CounterState.CLOSED and counter.officer_id not in (None, actor.user_id):
            raise DomainError(
                "counter_taken",
                f"Quầy số {counter.number} đang do cán bộ khác mở. Người đó cần đóng quầy trước.",
                f"Counter {counter.number} is open by another officer, who must close it first.",
                counter=counter.number,
            )
        other = session.scalar(
            select(Counter.number).where(
                Counter.officer_id == actor.user_id,
                Counter.id != counter.id,
                Counter.state != CounterState.CLOSED,
            )
        )
        if other is not None:
            raise DomainError(
                "officer_has_counter",
                f"Bạn đang mở quầy số {other}. Hãy đóng quầy đó trước khi mở quầy khác.",
                f"You have counter {other} open. Close it before opening another.",
                counter=other,
            )
        counter.officer_id = actor.user_id
        _set_counter_state(session, counter, CounterState.OPEN, now)
    return counter


def pause_counter(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Counter:
    """Stop calling new tickets for a while; the current ticket can still be finished."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        _require_counter_officer(counter, actor)
        if counter.state != CounterState.OPEN:
            _require_open(counter)
        _set_counter_state(session, counter, CounterState.PAUSED, now)
    return counter


def close_counter(session: Session, actor: Actor, counter_id: int, *, now: dt.datetime | None = None) -> Counter:
    """Close a counter. Its officer may, and so may a manager or admin of the site."""
    now = now or utcnow()
    with write_transaction(session):
        counter = _counter(session, actor, counter_id)
        if actor.role not in (Role.MANAGER, Role.ADMIN):
            _require_counter_officer(counter, actor)
        if counter.state == CounterState.CLOSED:
            return counter
        _require_free(session, counter)
        _set_counter_state(session, counter, CounterState.CLOSED, now)
    return counter


# --------------------------------------------------------------------------- close-out


# Reconnecting clients are replayed from the event log; older gaps get a snapshot.
EVENT_LOG_KEPT = dt.timedelta(days=2)


@dataclass
class CloseOutResult:
    tickets_expired: int
    counters_closed: int
    events_pruned: int = 0


def close_out(
    session: Session, *, site_id: int | None = None, day: dt.date | None = None, now: dt.datetime | None = None
) -> CloseOutResult:
    """End the day: every ticket still open of `day` or before expires, every counter closes.

    `day` defaults to each site's current business day. Safe to run twice: the second run
    finds nothing open.
    """
    from server.services.actor import SYSTEM

    now = now or utcnow()
    expired = closed = 0
    with write_transaction(session):
        sites = session.scalars(select(Site).where(Site.id == site_id) if site_id else select(Site)).all()
        for site in sites:
            last_day = day or business_day(now, site.timezone)
            tickets = session.scalars(
                select(Ticket)
                .where(
                    Ticket.site_id == site.id,
                    Ticket.state.in_([s.value for s in OPEN_STATES]),
                    Ticket.business_day <= last_day,
                )
                .order_by(Ticket.id)
                .with_for_update()
            ).all()
            for ticket in tickets:
                _move(session, ticket, A.EXPIRE, SYSTEM, now, note="nightly close-out")
                ticket.finished_at = ticket.finished_at or now
                expired += 1
            counters = session.scalars(
                select(Counter).where(Counter.site_id == site.id, Counter.state != CounterState.CLOSED)
            ).all()
            for counter in counters:
                _set_counter_state(session, counter, CounterState.CLOSED, now)
                closed += 1
            # Counters closed earlier may still point at a ticket that just expired.
            session.execute(
                update(Counter).where(Counter.site_id == site.id, Counter.current_ticket_id.is_not(None))
                .values(current_ticket_id=None)
            )
        pruned = prune(session, now - EVENT_LOG_KEPT)
    return CloseOutResult(expired, closed, pruned)
