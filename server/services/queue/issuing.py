"""Issuing tickets: numbers, admission (quota, hours, priority), the insert, and the
group commit that lets concurrent kiosks share one write transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import Flask, current_app
from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

from contract import events as ev
from server import fastjson
from server.db import write_transaction
from server.errors import DomainError, NotFound, not_found
from server.events import publish
from server.models import (
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
from server.services.actor import Actor
from server.services.clock import business_day, closed_day, describe_hours, is_open, next_change
from server.services.counts import publish_queue_changed
from server.services.estimates import (
    Estimate,
    NewInQueue,
    add_newcomer_waits,
    estimate,
    places_of_new_tickets,
    service_paces,
)
from server.services.group_commit import GroupCommit
from server.services.payloads import queue_row, ticket_info_of
from server.services.queue import idempotency
from server.services.queue.common import A, S, new_tracking_token


def _one_or_many(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | dict[str, Any]:
    """One row as a plain execute (a list, even of one, takes the slower executemany path)."""
    return rows[0] if len(rows) == 1 else rows


def _unless_null(rows: list[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """`rows` without those of `keys` that are None in every row: columns left to their
    NULL default. The sqlite3 module binds a None through its adapter look-up (two failed
    attribute look-ups, each with its AttributeError: 1.2% of an issue's instructions for
    the nulls of a kiosk's ticket and its event; bench/profile_issue.py under callgrind)."""
    unset = [key for key in keys if all(row[key] is None for row in rows)]
    if unset:
        for row in rows:
            for key in unset:
                del row[key]
    return rows


def _take_numbers(
    conn: Connection, wanted: dict[tuple[int, dt.date], tuple[int, int]]
) -> dict[tuple[int, dt.date], range]:
    """Take the next numbers of some series for a day, in the caller's transaction, in one
    statement: `wanted[(series_id, day)] = (the series' start, how many)`.

    The upsert locks each (series, day) row until commit (in one order, so that two
    transactions never deadlock): concurrent issuers of a series wait for each other, and
    a rolled-back issue gives its numbers back (no gaps).
    """
    rows = [
        {
            "series_id": series_id,
            "day": day,
            "first_last": wanted[(series_id, day)][0] + wanted[(series_id, day)][1] - 1,
        }
        for series_id, day in sorted(wanted)
    ]
    taken = {}
    for series_id, day, last in conn.execute(
        _take_numbers_statement(conn.dialect.name), _one_or_many(rows)
    ):
        how_many = wanted[(series_id, day)][1]
        taken[(series_id, day)] = range(last - how_many + 1, last + 1)
    return taken


# Written out: SQLAlchemy would add "excluded" to the subquery's FROM instead of correlating it.
_EXCLUDED_SERIES_START = literal_column(
    "(SELECT number_series.start FROM number_series WHERE number_series.id = excluded.series_id)",
    Integer,
)


@functools.cache
def _take_numbers_statement(dialect: str) -> Any:
    """The upsert of a (series, day) row; run with several rows, it is one statement
    (SQLAlchemy's "insertmanyvalues")."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_for(DailyNumber).values(
        series_id=bindparam("series_id"),
        business_day=bindparam("day"),
        last=bindparam("first_last"),
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
        Service.id,
        Service.site_id,
        Service.code,
        Service.name_vi,
        Service.name_en,
        Service.active,
        Service.daily_quota,
        Service.expected_service_minutes,
        NumberSeries.id.label("series_id"),
        NumberSeries.format,
        NumberSeries.start,
        Site.name_vi.label("site_name_vi"),
        Site.name_en.label("site_name_en"),
        Site.timezone,
        Site.opening_hours,
        Site.closed_days,
        Site.active.label("site_active"),
        Department.name_vi.label("department_vi"),
        Department.name_en.label("department_en"),
    )
    .join(NumberSeries, NumberSeries.id == Service.series_id)
    .join(Site, Site.id == Service.site_id)
    .join(Department, Department.id == Service.department_id)
    .where(Service.id.in_(bindparam("service_ids", expanding=True)))
)


class IssueContext(NamedTuple):
    """A row of _ISSUE_CONTEXT, in its column order. Read a score of times per ticket: a
    named tuple's fields are C-level reads, where a SQLAlchemy Row's attribute first fails
    its type's lookup, formats an AttributeError, then finds the column (27 reads per
    ticket cost 56k of the 2M instructions of an issue; bench/profile_issue.py under
    callgrind)."""

    id: int
    site_id: int
    code: str
    name_vi: str
    name_en: str
    active: bool
    daily_quota: int | None
    expected_service_minutes: int
    series_id: int
    format: str
    start: int
    site_name_vi: str
    site_name_en: str
    timezone: str
    opening_hours: dict[str, list[list[str]]] | None
    closed_days: Any
    site_active: bool
    department_vi: str
    department_en: str


@dataclass(frozen=True)
class NewTicket:
    """A ticket just inserted, as what follows reads it (no ORM object on the hot path)."""

    id: int
    site_id: int
    service_id: int
    business_day: dt.date
    number: str
    state: str
    priority_category_id: int | None
    dossier_code: str | None
    tracking_token: str
    issued_at: dt.datetime
    queued_at: dt.datetime


@dataclass
class Issued:
    """A new ticket with what the kiosk prints on its slip."""

    ticket: NewTicket
    service: dict[str, Any]
    priority_category: str | None
    people_ahead: int
    estimate: Estimate
    serving_counters: list[int]
    timezone: str
    # Read back from an Idempotency-Key's record rather than issued now.
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        """What an Idempotency-Key's record keeps of the answer (see :meth:`from_json`)."""
        t = self.ticket
        return {
            "ticket": {
                "id": t.id,
                "site_id": t.site_id,
                "service_id": t.service_id,
                "business_day": t.business_day.isoformat(),
                "number": t.number,
                "state": t.state,
                "priority_category_id": t.priority_category_id,
                "dossier_code": t.dossier_code,
                "tracking_token": t.tracking_token,
                "issued_at": fastjson.isoformat(t.issued_at),
                "queued_at": fastjson.isoformat(t.queued_at),
            },
            "service": self.service,
            "priority_category": self.priority_category,
            "people_ahead": self.people_ahead,
            "estimate": [self.estimate.minutes, self.estimate.low, self.estimate.high],
            "serving_counters": self.serving_counters,
            "timezone": self.timezone,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issued:
        t = data["ticket"]
        ticket = NewTicket(
            **{
                **t,
                "business_day": dt.date.fromisoformat(t["business_day"]),
                "issued_at": dt.datetime.fromisoformat(t["issued_at"]),
                "queued_at": dt.datetime.fromisoformat(t["queued_at"]),
            }
        )
        return cls(
            ticket=ticket,
            service=data["service"],
            priority_category=data["priority_category"],
            people_ahead=data["people_ahead"],
            estimate=Estimate(*data["estimate"]),
            serving_counters=list(data["serving_counters"]),
            timezone=data["timezone"],
            replayed=True,
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
    # The request's Idempotency-Key header, if it sent one.
    idempotency_key: str | None = None

    def fingerprint(self) -> dict[str, Any]:
        """What must match for a retry with the same Idempotency-Key to be the same request."""
        return {
            "service_id": self.service_id,
            "priority_category": self.priority_code,
            "dossier_code": self.dossier_code,
            "lang": self.lang,
        }


# Where an app keeps the group commit of its issues (one database, one group commit).
_ISSUER = "hangdoi_issuer"


def init_app(app: Flask) -> None:
    app.extensions[_ISSUER] = GroupCommit()


def issue_totals(app: Flask) -> tuple[int, int]:
    """(write transactions, issue requests) that the app's group commit has run."""
    issuer: GroupCommit[IssueRequest, Issued] = app.extensions[_ISSUER]
    return issuer.batches, issuer.items


def issue(
    session: Session | scoped_session[Session],
    actor: Actor,
    service_id: int,
    *,
    priority_code: str | None = None,
    dossier_code: str | None = None,
    lang: str = "vi",
    now: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> Issued:
    """Issue a ticket and tell where it stands: the kiosk's hot path.

    Concurrent issues of a process share one write transaction (see
    :mod:`server.services.group_commit`); each still gets its own number, its own answer
    and, when its request is refused, its own error. With an `idempotency_key`, a request
    that repeats an earlier one of the same actor gets the earlier answer (see
    :mod:`server.services.queue.idempotency`).
    """
    request = IssueRequest(
        actor,
        service_id,
        priority_code,
        dossier_code,
        lang,
        now or utcnow(),
        idempotency.checked_key(idempotency_key),
    )
    # Give back the connection of a read (an auth lookup) before waiting for a batch: the
    # request that leads the batch needs one from the same small pool. (A request whose
    # scoped session was never used has none, and gets no session made for nothing.)
    if isinstance(session, scoped_session):
        current = session() if session.registry.has() else None
    else:
        current = session
    if current is not None and current.in_transaction():
        current.commit()
    issuer: GroupCommit[IssueRequest, Issued] = current_app.extensions[_ISSUER]
    # The batch runs on the session of the request that leads it (made only then).
    return issuer.submit(
        request,
        lambda batch: issue_batch(
            session() if isinstance(session, scoped_session) else session, batch
        ),
    )


def issue_batch(session: Session, requests: Sequence[IssueRequest]) -> list[Issued | Exception]:
    """Issue a batch of tickets in one write transaction, in order: one outcome per request,
    the Issued ticket or the error that refused it. If the transaction itself fails, each
    request is tried again alone, so that one cannot sink the others.

    A request with an Idempotency-Key whose twin (another process's, or another batch's on
    PostgreSQL) committed first fails its insert of the key: tried again, it reads the
    twin's answer."""
    try:
        return _issue_batch(session, requests)
    except Exception as error:
        if len(requests) == 1 and requests[0].idempotency_key is None:
            return [error]
    return [_issue_one_alone(session, request) for request in requests]


def _issue_one_alone(session: Session, request: IssueRequest) -> Issued | Exception:
    try:
        return _issue_batch(session, [request])[0]
    except Exception as error:
        return error


def _issue_batch(session: Session, requests: Sequence[IssueRequest]) -> list[Issued | Exception]:
    outcomes: list[Issued | Exception | None] = [None] * len(requests)
    accepted: list[tuple[int, IssueRequest, IssueContext, dt.date, int | None]] = []
    with write_transaction(session):
        conn = session.connection()
        contexts: dict[int, IssueContext] = {
            row[0]: IssueContext._make(row)
            for row in conn.execute(
                _ISSUE_CONTEXT, {"service_ids": sorted({r.service_id for r in requests})}
            )
        }
        issued_today: dict[tuple[int, dt.date], int] = {}
        # A request with the key of an earlier one of this batch: index -> that one's index.
        same_as: dict[int, int] = {}
        if any(r.idempotency_key is not None for r in requests):
            _replay(conn, requests, outcomes, same_as)
        for index, request in enumerate(requests):
            if outcomes[index] is not None or index in same_as:
                continue
            try:
                service, day, category_id = _admit(
                    conn, request, contexts.get(request.service_id), issued_today
                )
            except DomainError as refused:
                outcomes[index] = refused
                continue
            accepted.append((index, request, service, day, category_id))
        if not accepted:
            return _with_twins(outcomes, same_as)
        # Numbers: the batch's share of each (series, day), handed out in request order.
        positions: dict[tuple[int, dt.date], list[int]] = {}
        for position, (_, _, service, day, _) in enumerate(accepted):
            positions.setdefault((service.series_id, day), []).append(position)
        taken = _take_numbers(
            conn,
            {key: (accepted[where[0]][2].start, len(where)) for key, where in positions.items()},
        )
        seqs: list[int] = [0] * len(accepted)
        for key, where in positions.items():
            for position, seq in zip(where, taken[key], strict=True):
                seqs[position] = seq
        rows = []
        for (_, request, service, day, category_id), seq in zip(accepted, seqs, strict=True):
            actor = request.actor
            rows.append(
                {
                    "site_id": service.site_id,
                    "service_id": service.id,
                    "series_id": service.series_id,
                    "business_day": day,
                    "seq": seq,
                    "number": service.format.format(n=seq),
                    "state": S.WAITING.value,
                    "priority_category_id": category_id,
                    "dossier_code": request.dossier_code,
                    "tracking_token": new_tracking_token(),
                    "lang": request.lang,
                    "issued_at": request.now,
                    "queued_at": request.now,
                    "call_count": 0,
                    "issued_by_device_id": actor.device_id,
                    "issued_by_user_id": actor.user_id,
                }
            )
        tickets = insert_tickets(session, rows, [(r.actor, r.now) for _, r, _, _, _ in accepted])
        publish_issued(
            session,
            [
                (t, service.code, service.name_vi, service.name_en, request.now)
                for t, (_, request, service, _, _) in zip(tickets, accepted, strict=True)
            ],
        )
        ahead, queues = places_of_new_tickets(
            conn,
            [
                NewInQueue(
                    t.id,
                    t.service_id,
                    t.business_day,
                    t.priority_category_id is not None,
                    t.queued_at,
                )
                for t in tickets
            ],
        )
        counted_at = max(request.now for _, request, _, _, _ in accepted)
        by_site_day: dict[tuple[int, dt.date], list[ev.ServiceQueue]] = {}
        sites = {t.service_id: t.site_id for t in tickets}
        for (service_id, day), (waiting, oldest) in sorted(queues.items()):
            by_site_day.setdefault((sites[service_id], day), []).append(
                queue_row(service_id, waiting, oldest, counted_at)
            )
        # Each service's pace and counters once per batch (not once per ticket).
        paces = service_paces(session, list(sites), counted_at)
        serving = {
            sid: info.serving_counters
            for sid, info in catalog.service_infos(session, list(sites)).items()
        }
        for services in by_site_day.values():
            add_newcomer_waits(session, services, counted_at, paces)
        for (site_id, day), services in by_site_day.items():
            publish_queue_changed(session, site_id, day, services, now=counted_at)
        keys = []
        for (index, request, service, _, category_id), t in zip(accepted, tickets, strict=True):
            pace = paces[service.id]
            places = ahead.get(t.id, 0)
            issued = outcomes[index] = Issued(
                ticket=t,
                service={
                    "id": service.id,
                    "code": service.code,
                    "name_vi": service.name_vi,
                    "name_en": service.name_en,
                    "department": {
                        "name_vi": service.department_vi,
                        "name_en": service.department_en,
                    },
                },
                priority_category=request.priority_code if category_id is not None else None,
                people_ahead=places,
                estimate=estimate(places, category_id is not None, pace, request.now),
                serving_counters=list(serving[service.id]),
                timezone=service.timezone,
            )
            if request.idempotency_key is not None:
                keys.append(
                    {
                        "scope": idempotency.scope_of(request.actor),
                        "key": request.idempotency_key,
                        "ticket_id": t.id,
                        "request": request.fingerprint(),
                        "response": issued.to_json(),
                        "created_at": request.now,
                    }
                )
        idempotency.record(conn, keys)
    return _with_twins(outcomes, same_as)


def _replay(
    conn: Connection,
    requests: Sequence[IssueRequest],
    outcomes: list[Issued | Exception | None],
    same_as: dict[int, int],
) -> None:
    """Answer the requests whose Idempotency-Key was recorded already (or refuse them, when
    the key came with another request), and pair each repeat within the batch with the
    first request of its key."""
    keyed = {
        index: (idempotency.scope_of(r.actor), r.idempotency_key)
        for index, r in enumerate(requests)
        if r.idempotency_key is not None
    }
    recorded = idempotency.find(
        conn,
        keyed.values(),
        max(requests[i].now for i in keyed),
    )
    first: dict[tuple[str, str], int] = {}
    for index, pair in keyed.items():
        request = requests[index]
        assert pair[1] is not None
        if pair in recorded:
            asked, answer = recorded[pair]
            outcomes[index] = (
                Issued.from_json(answer)
                if asked == request.fingerprint()
                else idempotency.reused(pair[1])
            )
        elif pair in first:
            twin = first[pair]
            if requests[twin].fingerprint() == request.fingerprint():
                same_as[index] = twin
            else:
                outcomes[index] = idempotency.reused(pair[1])
        else:
            first[pair] = index


def _with_twins(
    outcomes: list[Issued | Exception | None], same_as: dict[int, int]
) -> list[Issued | Exception]:
    """The outcomes, each repeat of a key within the batch given its first request's."""
    for index, twin in same_as.items():
        first = outcomes[twin]
        outcomes[index] = (
            dataclasses.replace(first, replayed=True) if isinstance(first, Issued) else first
        )
    return outcomes  # type: ignore[return-value]


def _admit(
    conn: Connection,
    request: IssueRequest,
    service: IssueContext | None,
    issued_today: dict[tuple[int, dt.date], int],
) -> tuple[IssueContext, dt.date, int | None]:
    """Check one request of a batch: (its service, business day, priority category id), or
    raise the DomainError that refuses it. `issued_today` counts quota across the batch."""
    now = request.now
    if service is None or not request.actor.may_see_site(service.site_id):
        raise not_found("dịch vụ", "service", request.service_id)
    if not service.active:
        raise service_inactive(service.name_vi, service.name_en)
    if not service.site_active:
        raise site_inactive(service.site_name_vi, service.site_name_en)
    holiday = closed_day(service.closed_days, now, service.timezone)
    if holiday is not None:
        raise closed_today(service.site_name_vi, service.site_name_en, holiday)
    if not is_open(service.opening_hours, now, service.timezone):
        raise site_closed(service.site_name_vi, service.site_name_en, service.opening_hours)
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
            issued_today[key] = conn.execute(
                _ISSUED_TODAY, {"service_id": service.id, "day": day}
            ).scalar_one()
        if issued_today[key] >= service.daily_quota:
            raise quota_reached(service.name_vi, service.name_en, service.daily_quota)
        issued_today[key] += 1
    return service, day, category_id


def service_inactive(name_vi: str, name_en: str) -> DomainError:
    return DomainError(
        "service_inactive",
        f"Dịch vụ «{name_vi}» hiện không nhận hồ sơ.",
        f"The service '{name_en or name_vi}' is not taking visitors now.",
    )


def site_inactive(site_vi: str, site_en: str) -> DomainError:
    return DomainError(
        "site_inactive",
        f"{site_vi} đã ngừng hoạt động.",
        f"{site_en or site_vi} is no longer in service.",
    )


def closed_today(site_vi: str, site_en: str, holiday: dict[str, str]) -> DomainError:
    """A closed day of the site's (a holiday): `holiday` is its entry of ``closed_days``."""
    note = holiday.get("note") or ""
    return DomainError(
        "site_closed",
        f"{site_vi} hôm nay nghỉ{f' ({note})' if note else ''}.",
        f"{site_en or site_vi} is closed today{f' ({note})' if note else ''}.",
    )


def site_closed(
    site_vi: str, site_en: str, opening_hours: dict[str, list[list[str]]] | None
) -> DomainError:
    hours_vi, hours_en = describe_hours(opening_hours or {})
    return DomainError(
        "site_closed",
        f"{site_vi} hiện ngoài giờ làm việc ({hours_vi}).",
        f"{site_en or site_vi} is closed now (open {hours_en}).",
    )


def quota_reached(name_vi: str, name_en: str, quota: int) -> DomainError:
    return DomainError(
        "quota_reached",
        f"Dịch vụ «{name_vi}» đã hết {quota} số của hôm nay. "
        "Mời quay lại vào ngày làm việc tiếp theo hoặc đặt lịch trực tuyến.",
        f"'{name_en or name_vi}' has issued all {quota} "
        "tickets for today. Please come back on the next working day or book online.",
        quota=quota,
    )


@dataclass(frozen=True)
class Availability:
    """Whether a service takes a ticket now, by the rules of :func:`_admit`: `refusal` is
    the error an issue would get (None: it would be issued); `changes_at` the next moment
    the opening hours change that (None: they never do)."""

    refusal: DomainError | None
    issued_today: int
    changes_at: dt.datetime | None


def availability(
    session: Session, site: Site, services: Sequence[Service], now: dt.datetime
) -> dict[int, Availability]:
    """Each service's availability now (what the kiosk greys out, with the reason)."""
    day = business_day(now, site.timezone)
    conn = session.connection()
    issued = dict(
        conn.execute(
            select(Ticket.service_id, func.count(Ticket.id))
            .where(
                Ticket.service_id.in_([s.id for s in services]),
                Ticket.business_day == day,
                Ticket.transferred_from_id.is_(None),
            )
            .group_by(Ticket.service_id)
        ).all()
    )
    changes_at = next_change(site.opening_hours, now, site.timezone)
    holiday = closed_day(site.closed_days, now, site.timezone)
    result = {}
    for service in services:
        count = issued.get(service.id, 0)
        refusal: DomainError | None = None
        if not service.active:
            refusal = service_inactive(service.name_vi, service.name_en)
        elif not site.active:
            refusal = site_inactive(site.name_vi, site.name_en)
        elif holiday is not None:
            refusal = closed_today(site.name_vi, site.name_en, holiday)
        elif not is_open(site.opening_hours, now, site.timezone):
            refusal = site_closed(site.name_vi, site.name_en, site.opening_hours)
        elif service.daily_quota is not None and count >= service.daily_quota:
            refusal = quota_reached(service.name_vi, service.name_en, service.daily_quota)
        result[service.id] = Availability(refusal, count, changes_at)
    return result


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
_NULLABLE_TICKET_COLUMNS = (
    "priority_category_id",
    "dossier_code",
    "issued_by_device_id",
    "issued_by_user_id",
)


def insert_tickets(
    session: Session, rows: list[dict[str, Any]], made: Sequence[tuple[Actor, dt.datetime]]
) -> list[NewTicket]:
    """Insert new tickets (rows of the ticket table, all with the same columns) and log how
    each came to be (`made`: by whom and when), in the caller's write transaction: the one
    way a ticket is created, by issuing or by a transfer. Their ticket.issued go out
    through :func:`publish_issued`; the caller sees to queue.changed."""
    conn = session.connection()
    # The columns of a new ticket that are not given are left to their NULL default.
    # (`rows` lose their keys whose columns are NULL in every row.)
    _unless_null(rows, _NULLABLE_TICKET_COLUMNS)
    id_of = {
        token: ticket_id for ticket_id, token in conn.execute(_INSERT_TICKETS, _one_or_many(rows))
    }
    tickets = [
        NewTicket(
            id_of[row["tracking_token"]],
            row["site_id"],
            row["service_id"],
            row["business_day"],
            row["number"],
            row["state"],
            row.get("priority_category_id"),
            row.get("dossier_code"),
            row["tracking_token"],
            row["issued_at"],
            row["queued_at"],
        )
        for row in rows
    ]
    # An issue event's from_state, counter and note are NULL (left to their default).
    events = [
        {
            "ticket_id": t.id,
            "site_id": t.site_id,
            "action": A.ISSUE.value,
            "to_state": t.state,
            "at": at,
            "user_id": actor.user_id,
            "device_id": actor.device_id,
        }
        for t, (actor, at) in zip(tickets, made, strict=True)
    ]
    conn.execute(_INSERT_EVENT, _one_or_many(_unless_null(events, ("user_id", "device_id"))))
    return tickets


def publish_issued(
    session: Session, tickets: Sequence[tuple[NewTicket, str, str, str, dt.datetime]]
) -> None:
    """Queue the ticket.issued of new tickets, each with its service's (code, name_vi,
    name_en) and the moment it was made."""
    for t, code, name_vi, name_en, now in tickets:
        info = ticket_info_of(
            t.id,
            t.number,
            t.state,
            t.service_id,
            code,
            name_vi,
            name_en,
            t.priority_category_id is not None,
            0,
            t.queued_at,
        )
        publish(
            session,
            ev.TICKET_ISSUED,
            t.site_id,
            {
                "ticket": info,
                "action": A.ISSUE.value,
                "from_state": None,
                "counter": None,
                "note": None,
            },
            ev.ticket_room(t.tracking_token),
            now=now,
        )
