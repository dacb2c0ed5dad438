"""The database tables, as SQLAlchemy 2.0 typed models.

Every schema change goes through an Alembic migration in ``server/migrations``.
Timestamps are stored in UTC; business days are dates in the site's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from contract.tickets import CounterState, TicketState

# The default wording of a call (site settings voice_template_vi / voice_template_en).
DEFAULT_TEMPLATE_VI = "Mời công dân có số thứ tự {number} đến quầy số {counter}"
DEFAULT_TEMPLATE_EN = "Ticket number {number}, please go to counter {counter}"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime, stored without zone (SQLite has none) and read back as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is expected")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    """One service centre. One install serves many (the provincial centre and communes)."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    # {"mon": [["07:30", "11:30"], ...], ...}; NULL means open around the clock.
    opening_hours: Mapped[dict[str, list[list[str]]] | None] = mapped_column(JSON, default=None)
    # Call-next policy: at most this many priority tickets in a row at one counter.
    max_priority_in_row: Mapped[int] = mapped_column(Integer, default=2)
    # A called ticket recalled this many times becomes a no-show at the next recall.
    no_show_after_calls: Mapped[int] = mapped_column(Integer, default=3)
    # Days the centre is closed whatever its weekly hours (holidays): [{"date": "2026-09-02",
    # "note": "Quốc khánh"}, ...]; NULL or [] for none.
    closed_days: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, default=None)
    # Lines printed above and below the ticket on the slip (centre name is printed anyway).
    slip_header: Mapped[str] = mapped_column(Text, default="", server_default="")
    slip_footer: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The running text at the bottom of the hall displays (the display app reads it from
    # the site's payload and reloads it on catalog.changed).
    ticker_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The hall announcement (server/services/voice): its wording with {number} and
    # {counter}, the dialect numbers are read in, an optional English announcement after
    # the Vietnamese one, and how many times a display plays each call.
    voice_template_vi: Mapped[str] = mapped_column(
        String(300), default=DEFAULT_TEMPLATE_VI, server_default=DEFAULT_TEMPLATE_VI
    )
    voice_template_en: Mapped[str] = mapped_column(
        String(300), default=DEFAULT_TEMPLATE_EN, server_default=DEFAULT_TEMPLATE_EN
    )
    voice_english: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    voice_dialect: Mapped[str] = mapped_column(String(8), default="north", server_default="north")
    voice_repeat: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The last sequence number given to an event of this site (see EventLog).
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NumberSeries(Base):
    """A service group that shares one run of ticket numbers per business day."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(16))
    name_vi: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # A Python format string with one field {n}: "A{n:03d}" gives A001, "{n:04d}" gives 1005.
    format: Mapped[str] = mapped_column(String(40), default="{n:04d}")
    start: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # How the hall announcement reads its numbers: "number" (A012: "A mười hai") or
    # "digits" ("A không một hai").
    voice_reading: Mapped[str] = mapped_column(String(8), default="number", server_default="number")


class DailyNumber(Base):
    """The last number issued in a series on a business day, incremented with each insert."""

    __tablename__ = "daily_number"

    series_id: Mapped[int] = mapped_column(ForeignKey("number_series.id"), primary_key=True)
    business_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Service(Base):
    """A procedure group a visitor picks at the kiosk."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    series_id: Mapped[int] = mapped_column(ForeignKey("number_series.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    target_wait_minutes: Mapped[int] = mapped_column(Integer, default=20)
    # Nominal handling time of one ticket, used for wait estimates until there are observations.
    expected_service_minutes: Mapped[int] = mapped_column(Integer, default=10)
    daily_quota: Mapped[int | None] = mapped_column(Integer, default=None)
    # Whether the kiosk asks the visitor for the one-stop system's dossier code.
    asks_dossier_code: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    series: Mapped[NumberSeries] = relationship(lazy="joined", innerjoin=True)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for province-wide administrators and managers.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), default=None)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # officer | manager | admin
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept in the browser's session cookie at login; a password change or reset bumps it,
    # which ends every session made before.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token for a desktop app, stored as a SHA-256 hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class Device(Base):
    """A kiosk or a hall display, with a revocable token stored as a SHA-256 hash."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(String(16))  # kiosk | display
    name: Mapped[str] = mapped_column(String(200))
    zone: Mapped[str | None] = mapped_column(String(64), default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the server last resolved its token from the database (at most every few
    # seconds per process: the credentials cache answers in between). Health is the
    # kiosk issue's.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class PriorityCategory(Base):
    """A kind of visitor served first (elderly, disabled, pregnant, ...)."""

    __tablename__ = "priority_category"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Counter(Base):
    """A service desk, with the services it serves in order of preference."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    number: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    zone: Mapped[str | None] = mapped_column(String(64), default=None)
    # What the hall announcement says for {counter} instead of the number read aloud
    # (e.g. "mười hai A", "một cửa"); None: the number.
    spoken_name: Mapped[str | None] = mapped_column(String(100), default=None)
    state: Mapped[str] = mapped_column(String(16), default=CounterState.CLOSED)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    current_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", use_alter=True), default=None
    )
    # A deactivated counter cannot be opened; it is kept for the history of its tickets.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Priority tickets called in a row, for the anti-starvation rule.
    priority_streak: Mapped[int] = mapped_column(Integer, default=0)
    state_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why a paused counter is paused (the officer's words, shown on screens); None otherwise.
    pause_reason: Mapped[str | None] = mapped_column(String(100), default=None)

    services: Mapped[list[CounterService]] = relationship(
        order_by="CounterService.rank", cascade="all, delete-orphan"
    )


class CounterService(Base):
    __tablename__ = "counter_service"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True, index=True)
    # 0 is the counter's first choice.
    rank: Mapped[int] = mapped_column(Integer, default=0)


class OfficerCounter(Base):
    """The counters an officer may open. An officer with none listed may open any counter
    of their site (as before this table existed)."""

    __tablename__ = "officer_counter"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True, index=True)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        # A number is issued once per series and day; a transferred ticket keeps its number.
        Index(
            "uq_ticket_issued_number",
            "series_id",
            "business_day",
            "seq",
            unique=True,
            sqlite_where=text("transferred_from_id IS NULL"),
            postgresql_where=text("transferred_from_id IS NULL"),
        ),
        # Call next and people ahead: a service's waiting tickets of a day in queue order,
        # with what their counts filter on, so that counting a queue reads the index alone.
        Index(
            "ix_ticket_queue",
            "service_id",
            "state",
            "business_day",
            "queued_at",
            "id",
            "priority_category_id",
            "target_counter_id",
        ),
        Index(
            "ix_ticket_priority_queue",
            "service_id",
            "state",
            "business_day",
            "queued_at",
            sqlite_where=text("priority_category_id IS NOT NULL"),
            postgresql_where=text("priority_category_id IS NOT NULL"),
        ),
        Index("ix_ticket_target_counter", "target_counter_id", "state"),
        Index("ix_ticket_service_day", "service_id", "business_day"),
        Index("ix_ticket_site_day_number", "site_id", "business_day", "number"),
        Index("ix_ticket_site_state", "site_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    series_id: Mapped[int] = mapped_column(ForeignKey("number_series.id"))
    business_day: Mapped[dt.date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16), default=TicketState.WAITING)
    priority_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("priority_category.id"), default=None
    )
    dossier_code: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    tracking_token: Mapped[str] = mapped_column(String(43), unique=True)
    lang: Mapped[str] = mapped_column(String(5), default="vi")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Place in the queue: the issue time, kept across transfers unless told otherwise.
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    # The counter the ticket is (or was last) at.
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), default=None)
    # Set when the ticket was transferred to one counter: only that counter calls it.
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), default=None)
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    transferred_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id"), default=None, index=True
    )
    issued_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), default=None)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )


class TicketEvent(Base):
    """Append-only log: one row per transition of a ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), default=None)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class EventLog(Base):
    """Every published event of a site, numbered without gaps, written in the transaction
    that caused it: clients that reconnect are replayed what they missed from here."""

    __tablename__ = "event_log"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    rooms: Mapped[list[str]] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditEntry(Base):
    """One administrative change: who, when, what, and the object before and after.

    Written in the transaction of the change, so there is no change without its entry and
    no entry of a change that was rolled back."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_site_at", "site_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL: the command line or the system.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), default=None, index=True
    )
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    # The site the object belongs to (NULL: a province-wide user).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), default=None)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer, default=None)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class IdempotencyKey(Base):
    """The answer given to a ticket request that carried an ``Idempotency-Key``, kept a few
    minutes so that a retry with the same key from the same credential gets the same ticket.

    Written in the issue's own transaction: a key is recorded if and only if its ticket is.
    """

    __tablename__ = "idempotency_key"

    # Whose key: "device:<id>" or "user:<id>" (two credentials may pick the same key).
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    # What was asked (service, priority, dossier code, language): the same key with another
    # request is refused rather than answered with a ticket for something else.
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The answer, as issuing made it (see server.services.queue.idempotency).
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class DeviceHealth(Base):
    """The latest state a kiosk or display reported of itself (one row per device)."""

    __tablename__ = "device_health"

    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
    app_version: Mapped[str] = mapped_column(String(40), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    # ready | paper_low | paper_out | offline | cover_open | error | unknown | none
    printer_state: Mapped[str] = mapped_column(String(32), default="unknown")
    paper_low: Mapped[bool] = mapped_column(Boolean, default=False)
    paper_out: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


REPORT_STEP_INDEXED = (
    "site_id",
    "business_day",
    "priority_category_id",
    "service_id",
    "department_id",
    "counter_id",
    "officer_id",
    "end_state",
    "outcome",
    "transferred_in",
    "within_target",
    "has_dossier",
    "wait_seconds",
    "service_seconds",
    "arrival_slot",
    "left_queue_slot",
    "weekday",
    "week_start",
    "month_start",
)


class ReportStep(Base):
    """One step of a ticket (issue or transfer in → its end) as the reports count it,
    written from the ticket's event log when the step ends (server.services.reports: the
    definitions). Duplicates what the ticket and its events say, so that a year of reports
    reads one narrow table instead of millions of events."""

    __tablename__ = "report_step"
    __table_args__ = (
        # Every report reads a site's days of this table: the index holds every column they
        # aggregate on, so a year is read from the index alone, in (site, day) order, not
        # from rows spread over the table (bench/reports.py).
        Index("ix_report_step_covering", *REPORT_STEP_INDEXED),
        # The raw export: a site's steps in ticket order, a page at a time, without sorting
        # the site's year first (2 s for the centre's year on SQLite; bench/reports.py).
        Index("ix_report_step_site_ticket", "site_id", "ticket_id", "business_day"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), default=None)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    priority_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("priority_category.id"), default=None
    )
    channel: Mapped[str] = mapped_column(String(16))
    transferred_in: Mapped[bool] = mapped_column(Boolean)
    has_dossier: Mapped[bool] = mapped_column(Boolean)
    business_day: Mapped[dt.date] = mapped_column(Date)
    week_start: Mapped[dt.date] = mapped_column(Date)
    month_start: Mapped[dt.date] = mapped_column(Date)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday, local
    arrival_slot: Mapped[int] = mapped_column(Integer)  # local half-hour, 0..47
    left_queue_slot: Mapped[int] = mapped_column(Integer)  # first call or end; 48 = after the day
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    calls: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    service_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    hold_seconds: Mapped[int] = mapped_column(Integer)
    target_wait_seconds: Mapped[int] = mapped_column(Integer)
    within_target: Mapped[bool | None] = mapped_column(Boolean, default=None)


class CounterLog(Base):
    """Append-only log of a counter's states (open, paused, closed) and its officer: the
    reports' open time of counters and officers."""

    __tablename__ = "counter_log"
    __table_args__ = (Index("ix_counter_log_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    state: Mapped[str] = mapped_column(String(16))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# ------------------------------------------------------------------ the reports' roll-up

# Buckets of a duration in the roll-up (their bounds: server.services.reports.definitions).
ROLLUP_BUCKETS = 101

# What the roll-up adds up per key, over the steps that ended: the counts, sums and max of
# the report figures, and the waits' (w0..) and service times' (s0..) counts per bucket.
ROLLUP_FIGURES = (
    "steps",
    "transferred_in",
    "done",
    "no_show",
    "cancelled",
    "expired",
    "transferred",
    "called",
    "in_target",
    "outcome_completed",
    "outcome_incomplete",
    "outcome_information",
    "outcome_refused",
    "with_dossier",
    "wait_sum",
    "service_n",
    "service_sum",
    *(f"w{i}" for i in range(ROLLUP_BUCKETS)),
    *(f"s{i}" for i in range(ROLLUP_BUCKETS)),
)
ROLLUP_MAXIMA = ("wait_max", "service_max")
ROLLUP_COUNTERS = ("done", "done_service_sum", "busy_sum", "no_show", "transferred")
ROLLUP_SLOTS = ("arrived", "past_target", "waited", "wait_sum", "left", "left_called")


def _rollup_table(
    name: str, keys: tuple[tuple[str, Any], ...], sums: tuple[str, ...], maxima: tuple[str, ...]
) -> Table:
    """One roll-up table: its key (the primary key) and its values (0 when not given)."""
    return Table(
        name,
        Base.metadata,
        *(Column(key, kind, primary_key=True, autoincrement=False) for key, kind in keys),
        *(Column(value, BigInteger, nullable=False, server_default="0") for value in sums),
        *(Column(value, Integer, nullable=False, server_default="0") for value in maxima),
    )


_SITE = ("site_id", Integer)
_DAY = (("business_day", Date), ("weekday", Integer))
_MONTH = (("month_start", Date),)
_SERVICE = (("department_id", Integer), ("service_id", Integer))
_PRIORITY = (("priority", Boolean),)  # a step with a priority category

# The figures per site, day, service and priority; the same per month (a year reads 12
# months of it, and days only at a period's ends); per site and day alone, and per day for
# every site together (trends by day); counters and officers per day (officer_id 0: none);
# 30-minute slots.
RollServiceDay = _rollup_table(
    "report_roll_service_day", (_SITE, *_DAY, *_SERVICE, *_PRIORITY), ROLLUP_FIGURES, ROLLUP_MAXIMA
)
RollServiceMonth = _rollup_table(
    "report_roll_service_month",
    (_SITE, *_MONTH, *_SERVICE, *_PRIORITY),
    ROLLUP_FIGURES,
    ROLLUP_MAXIMA,
)
RollSiteDay = _rollup_table(
    "report_roll_site_day", (_SITE, *_DAY, *_PRIORITY), ROLLUP_FIGURES, ROLLUP_MAXIMA
)
RollDay = _rollup_table("report_roll_day", (*_DAY, *_PRIORITY), ROLLUP_FIGURES, ROLLUP_MAXIMA)
RollCounterDay = _rollup_table(
    "report_roll_counter_day",
    (_SITE, ("business_day", Date), ("counter_id", Integer), ("officer_id", Integer)),
    ROLLUP_COUNTERS,
    (),
)
# Counters' open time (microseconds) per the local day its stretch began (counter log).
RollCounterOpen = _rollup_table(
    "report_roll_counter_open",
    (_SITE, ("business_day", Date), ("counter_id", Integer), ("officer_id", Integer)),
    ("open_us",),
    (),
)
RollSlotDay = _rollup_table(
    "report_roll_slot_day", (_SITE, *_DAY, ("slot", Integer)), ROLLUP_SLOTS, ()
)
RollSlotMonth = _rollup_table(
    "report_roll_slot_month",
    (_SITE, *_MONTH, ("weekday", Integer), ("slot", Integer)),
    ROLLUP_SLOTS,
    (),
)
ROLLUP_TABLES = (
    RollServiceDay,
    RollServiceMonth,
    RollSiteDay,
    RollDay,
    RollCounterDay,
    RollCounterOpen,
    RollSlotDay,
    RollSlotMonth,
)


class WhatIfJob(Base):
    """A what-if simulation run as a job (server.services.simulation.jobs): its state, its
    progress and, once done, its answer. In the database so that every server process can
    answer for a job, whichever process runs it."""

    __tablename__ = "whatif_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    # queued | running | done | failed
    status: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(40))
    days_done: Mapped[int] = mapped_column(Integer, default=0)
    days_most: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(String(40), default=None)
    message_vi: Mapped[str | None] = mapped_column(String(500), default=None)
    message_en: Mapped[str | None] = mapped_column(String(500), default=None)
    # The process that runs it (host:pid), for the log.
    worker: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # A job still queued or running after this was lost with its process (a restart).
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
