"""The simulator: a day of a site played on the real queue services, on a temporary SQLite
database, with a virtual clock (every service is given its `now`).

Visitors arrive (the profile's arrivals, or a replayed day's), take a ticket through
:func:`server.services.queue.issue` (the kiosk's path: the estimate it answers is the
product's), officers open, pause and close their counters by the roster, call with
:func:`~server.services.queue.call_next` (the real call-next policy), wait for the visitor,
serve, finish, mark no-shows and transfer. Each ticket's estimate at issue (and, with
``record_updates``, each estimate its phone would be pushed after a call) is recorded
next to its real wait.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from server import events
from server.db import make_engine, write_transaction
from server.models import (
    Base,
    Counter,
    CounterService,
    Department,
    NumberSeries,
    PriorityCategory,
    Service,
    Site,
    User,
)
from server.services import catalog, estimates, queue
from server.services.actor import Actor, Role
from server.services.clock import zone
from server.services.estimates import standings
from server.services.queue import issuing
from server.services.simulation.legacy import legacy_wait_minutes
from server.services.simulation.model import DayProfile, ServiceSpec, minutes_of
from server.services.voice import announce
from server.services.voice import settings as voice_settings


@dataclass
class TicketRecord:
    """One visitor's ticket: what it was told at issue, and what happened."""

    ticket_id: int
    service: str
    priority: bool
    issued_at: dt.datetime
    people_ahead: int
    estimate: int
    low: int
    high: int
    legacy: int
    behaviour: str = ""
    called_at: dt.datetime | None = None

    @property
    def real_wait(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


@dataclass
class UpdateRecord:
    """An estimate a waiting ticket's phone was pushed after its queue moved."""

    ticket_id: int
    at: dt.datetime
    estimate: int
    low: int
    high: int


@dataclass
class SimResult:
    profile: DayProfile
    seed: int
    tickets: list[TicketRecord]
    updates: list[UpdateRecord]
    # Every transaction of the queue services the day took (issues, calls, moves, counters).
    operations: int
    wall_seconds: float

    @property
    def served(self) -> list[TicketRecord]:
        return [t for t in self.tickets if t.called_at is not None]

    def local_hour(self, at: dt.datetime) -> int:
        return at.astimezone(zone(self.profile.timezone)).hour

    def tickets_per_second(self) -> float:
        return len(self.tickets) / self.wall_seconds if self.wall_seconds > 0 else 0.0


class _Discard:
    """The publisher of a simulation: events are numbered and logged, and go nowhere."""

    def publish(self, items: list[Any]) -> None:
        return None

    def credential_ended(self, ended: Any) -> None:
        return None


@dataclass
class _Desk:
    counter_id: int
    actor: Actor
    services: tuple[str, ...]
    on_shift: bool = False
    state: str = "closed"  # as the database has it
    ticket_id: int | None = None
    leave: str | None = None  # "pause" or "close", once the ticket at hand is done
    ready_at: dt.datetime | None = None  # the officer calls again from then on


@dataclass
class _Visit:
    minutes: float  # at the counter (until the transfer, for one that is transferred)
    behaviour: str  # "", "no_show", "transfer:<code>"
    record: TicketRecord | None
    then_minutes: float | None = None  # at the service it is transferred to (drawn if None)


def utc_at(profile: DayProfile, minute: float) -> dt.datetime:
    """The UTC moment of a local minute of the profile's day."""
    midnight = dt.datetime.combine(profile.day, dt.time(0), zone(profile.timezone))
    return (midnight + dt.timedelta(minutes=minute)).astimezone(dt.UTC)


Arrival = tuple[float, str, bool, float, str, float | None]


def arrivals_of(profile: DayProfile, rng: random.Random) -> list[Arrival]:
    """(local minute, service, priority, minutes, behaviour, minutes after a transfer) of
    the day's visitors."""
    if profile.fixed_arrivals:
        return sorted(profile.fixed_arrivals, key=lambda a: a[0])
    out = []
    for service in profile.services:
        for start, end in profile.hours:
            lo, hi = minutes_of(start), minutes_of(end) - profile.last_entry_minutes
            for hour in range(lo // 60, hi // 60 + 1):
                rate = service.arrivals.get(hour, 0.0)
                a, b = max(lo, hour * 60), min(hi, hour * 60 + 60)
                if rate <= 0 or a >= b:
                    continue
                t = a + rng.expovariate(rate / 60)
                while t < b:
                    out.append((t, service.code, *_visitor(service, rng)))
                    t += rng.expovariate(rate / 60)
    out.sort()
    return out


def _visitor(service: ServiceSpec, rng: random.Random) -> tuple[bool, float, str, float | None]:
    priority = rng.random() < service.priority_share
    minutes = service.draw_minutes(rng)
    behaviour = ""
    if rng.random() < service.no_show_share:
        behaviour = "no_show"
    elif service.transfer_to and rng.random() < service.transfer_share:
        # The officer finds the dossier belongs elsewhere part-way through.
        behaviour = f"transfer:{service.transfer_to}"
        minutes *= 0.4
    return priority, minutes, behaviour, None


def simulate(
    profile: DayProfile,
    *,
    seed: int = 1,
    record_updates: bool = False,
    on_issue: Callable[[Session, TicketRecord], None] | None = None,
    keep_database: Path | None = None,
) -> SimResult:
    """Play `profile`'s day and return every ticket's estimate and real wait.

    `keep_database`: a SQLite file to play it in and leave behind (a recorded day, for a
    replay); by default a temporary one, deleted at the end."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hangdoi-sim-") as tmp:
        path = keep_database or Path(tmp) / "day.db"
        engine = make_engine(f"sqlite:///{path}", sqlite_synchronous="OFF")
        try:
            Base.metadata.create_all(engine)
            factory = sessionmaker(bind=engine, expire_on_commit=False)
            events.attach(factory)
            # The services' app state, as create_app sets it up; calls carry announcements,
            # whose sound the simulation never makes (no espeak-ng, a throwaway key).
            app = Flask("hangdoi_simulation", instance_path=tmp)
            app.config.update(SECRET_KEY=secrets.token_bytes(32), ESPEAK_NG=False)
            catalog.init_app(app)
            estimates.init_app(app)
            issuing.init_app(app)
            voice_settings.init_app(app)
            announce.init_app(app)
            app.extensions[events.PUBLISHER] = _Discard()
            with app.app_context():
                session = factory()
                try:
                    day = _Day(profile, session, random.Random(seed), record_updates, on_issue)
                    day.run()
                finally:
                    session.close()
        finally:
            engine.dispose()
    return SimResult(
        profile,
        seed,
        day.records,
        day.updates,
        day.operations,
        time.perf_counter() - started,
    )


class _Day:
    def __init__(
        self,
        profile: DayProfile,
        session: Session,
        rng: random.Random,
        record_updates: bool,
        on_issue: Callable[[Session, TicketRecord], None] | None,
    ) -> None:
        self.profile = profile
        self.session = session
        self.rng = rng
        self.record_updates = record_updates
        self.on_issue = on_issue
        self.records: list[TicketRecord] = []
        self.updates: list[UpdateRecord] = []
        self.operations = 0
        self.heap: list[tuple[dt.datetime, int, str, Any]] = []
        self.seq = 0
        self.visits: dict[int, _Visit] = {}
        self.by_token: dict[str, TicketRecord] = {}
        self.waiting: dict[int, int] = {}  # service id -> tickets waiting
        self._build()

    # -------------------------------------------------------------- the site

    def _build(self) -> None:
        p, session = self.profile, self.session
        with write_transaction(session):
            site = Site(
                code="SIM",
                name_vi=p.title_vi,
                name_en=p.title_en,
                timezone=p.timezone,
                opening_hours=p.opening_hours(),
                max_priority_in_row=p.max_priority_in_row,
                no_show_after_calls=p.no_show_after_calls,
            )
            session.add(site)
            session.flush()
            dept = Department(
                site_id=site.id, code="SIM", name_vi="Bộ phận một cửa", name_en="One-stop"
            )
            session.add(dept)
            session.flush()
            self.services: dict[str, Service] = {}
            for position, spec in enumerate(p.services):
                series = NumberSeries(
                    site_id=site.id,
                    code=f"S{position}",
                    format=f"{spec.code[:1]}{position}{{n:03d}}",
                )
                session.add(series)
                session.flush()
                service = Service(
                    site_id=site.id,
                    department_id=dept.id,
                    series_id=series.id,
                    code=spec.code,
                    name_vi=spec.name_vi,
                    name_en=spec.name_en,
                    target_wait_minutes=spec.target_wait_minutes,
                    expected_service_minutes=spec.nominal_minutes,
                    position=position,
                )
                session.add(service)
                self.services[spec.code] = service
            session.add(PriorityCategory(site_id=site.id, code="elderly", name_vi="Người cao tuổi"))
            session.flush()
            self.desks: dict[int, _Desk] = {}
            for spec_c in p.counters:
                counter = Counter(
                    site_id=site.id,
                    number=spec_c.number,
                    name_vi=f"Quầy số {spec_c.number}",
                    name_en=f"Counter {spec_c.number}",
                )
                counter.services = [
                    CounterService(service_id=self.services[c].id, rank=r)
                    for r, c in enumerate(spec_c.services)
                ]
                officer = User(
                    site_id=site.id,
                    username=f"sim{spec_c.number}",
                    full_name=f"Cán bộ quầy {spec_c.number}",
                    role="officer",
                    password_hash="!",  # nobody logs in
                )
                session.add_all([counter, officer])
                session.flush()
                actor = Actor(Role.OFFICER, site.id, user_id=officer.id, name=officer.full_name)
                self.desks[spec_c.number] = _Desk(counter.id, actor, spec_c.services)
            self.site_id = site.id
        self.kiosk = Actor(Role.KIOSK, self.site_id, name="kiosk")
        self.code_of = {s.id: code for code, s in self.services.items()}
        self.day = self.profile.day

    # -------------------------------------------------------------- the clock

    def at(self, when: dt.datetime, kind: str, data: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, kind, data))

    def run(self) -> None:
        p = self.profile
        for spec_c in p.counters:
            for start, end in spec_c.shifts:
                self.at(utc_at(p, minutes_of(start)), "shift_start", spec_c.number)
                self.at(utc_at(p, minutes_of(end)), "shift_end", spec_c.number)
        for minute, code, priority, minutes, behaviour, then in arrivals_of(p, self.rng):
            self.at(utc_at(p, minute), "arrive", (code, priority, minutes, behaviour, then))
        handlers: dict[str, Callable[[dt.datetime, Any], None]] = {
            "arrive": self._arrive,
            "shift_start": self._shift_start,
            "shift_end": self._shift_end,
            "start": self._start,
            "finish": self._finish,
            "no_show": self._no_show,
            "transfer": self._transfer,
            "ready": lambda now, desk: None,
        }
        while self.heap:
            now, _, kind, data = heapq.heappop(self.heap)
            handlers[kind](now, data)
            self._dispatch(now)

    # -------------------------------------------------------------- visitors

    def _arrive(self, now: dt.datetime, data: tuple[str, bool, float, str, float | None]) -> None:
        code, priority, minutes, behaviour, then = data
        service = self.services[code]
        try:
            issued = queue.issue(
                self.session,
                self.kiosk,
                service.id,
                priority_code="elderly" if priority else None,
                now=now,
            )
        except Exception as refused:  # closed, or a quota: the visitor goes home
            if getattr(refused, "code", None) is None:
                raise
            return
        self.operations += 1
        t = issued.ticket
        legacy = legacy_wait_minutes(
            self.session, service.id, issued.people_ahead, service.expected_service_minutes, now
        )
        record = TicketRecord(
            t.id,
            code,
            priority,
            now,
            issued.people_ahead,
            issued.estimate.minutes,
            issued.estimate.low,
            issued.estimate.high,
            legacy,
            behaviour,
        )
        self.records.append(record)
        self.by_token[t.tracking_token] = record
        self.visits[t.id] = _Visit(minutes, behaviour, record, then)
        self.waiting[service.id] = self.waiting.get(service.id, 0) + 1
        if self.on_issue is not None:
            self.on_issue(self.session, record)

    # -------------------------------------------------------------- officers

    def _shift_start(self, now: dt.datetime, number: int) -> None:
        desk = self.desks[number]
        desk.on_shift = True
        desk.leave = None
        if desk.state != "open":
            queue.open_counter(self.session, desk.actor, desk.counter_id, now=now)
            self.operations += 1
            desk.state = "open"

    def _shift_end(self, now: dt.datetime, number: int) -> None:
        desk = self.desks[number]
        desk.on_shift = False
        last = self.profile.counters
        spec = next(c for c in last if c.number == number)
        is_last = minutes_of(spec.shifts[-1][1]) <= self._local_minute(now)
        desk.leave = "close" if is_last else "pause"
        if desk.ticket_id is None:
            self._leave(now, desk)

    def _leave(self, now: dt.datetime, desk: _Desk) -> None:
        if desk.leave == "close" and desk.state != "closed":
            queue.close_counter(self.session, desk.actor, desk.counter_id, now=now)
            desk.state = "closed"
            self.operations += 1
        elif desk.leave == "pause" and desk.state == "open":
            queue.pause_counter(self.session, desk.actor, desk.counter_id, now=now)
            desk.state = "paused"
            self.operations += 1
        desk.leave = None

    def _local_minute(self, now: dt.datetime) -> float:
        local = now.astimezone(zone(self.profile.timezone))
        return local.hour * 60 + local.minute + local.second / 60

    def _dispatch(self, now: dt.datetime) -> None:
        for desk in self.desks.values():
            if not desk.on_shift or desk.state != "open" or desk.ticket_id is not None:
                continue
            if desk.ready_at is not None and desk.ready_at > now:
                continue
            if not any(self.waiting.get(self.services[c].id, 0) for c in desk.services):
                continue
            ticket = queue.call_next(self.session, desk.actor, desk.counter_id, now=now)
            self.operations += 1
            if ticket is None:
                continue
            desk.ticket_id = ticket.id
            self.waiting[ticket.service_id] -= 1
            visit = self.visits[ticket.id]
            if visit.record is not None and visit.record.called_at is None:
                visit.record.called_at = now
            if visit.behaviour == "no_show":
                self.at(now + dt.timedelta(minutes=self.profile.no_show_minutes), "no_show", desk)
            else:
                self.at(now + dt.timedelta(minutes=self.profile.walk_minutes), "start", desk)
            if self.record_updates:
                self._record_standings(ticket.service_id, now)

    def _start(self, now: dt.datetime, desk: _Desk) -> None:
        queue.start_serving(self.session, desk.actor, desk.counter_id, now=now)
        self.operations += 1
        assert desk.ticket_id is not None
        visit = self.visits[desk.ticket_id]
        if visit.behaviour.startswith("transfer:"):
            self.at(now + dt.timedelta(minutes=visit.minutes), "transfer", desk)
        else:
            self.at(now + dt.timedelta(minutes=visit.minutes), "finish", desk)

    def _finish(self, now: dt.datetime, desk: _Desk) -> None:
        queue.finish(self.session, desk.actor, desk.counter_id, now=now)
        self._free(now, desk)

    def _no_show(self, now: dt.datetime, desk: _Desk) -> None:
        queue.mark_no_show(self.session, desk.actor, desk.counter_id, now=now)
        self._free(now, desk)

    def _transfer(self, now: dt.datetime, desk: _Desk) -> None:
        assert desk.ticket_id is not None
        visit = self.visits[desk.ticket_id]
        target = self.services[visit.behaviour.split(":", 1)[1]]
        moved = queue.transfer(
            self.session, desk.actor, counter_id=desk.counter_id, to_service_id=target.id, now=now
        )
        # The phone follows the new ticket, which is not measured (its wait is not a queue's
        # answer to an issue): its token no longer names the record.
        self.by_token.pop(moved.tracking_token, None)
        spec = self.profile.service(target.code)
        then = visit.then_minutes
        self.visits[moved.id] = _Visit(
            spec.draw_minutes(self.rng) if then is None else then, "", None
        )
        self.waiting[target.id] = self.waiting.get(target.id, 0) + 1
        self._free(now, desk)

    def _free(self, now: dt.datetime, desk: _Desk) -> None:
        self.operations += 1
        desk.ticket_id = None
        if self.profile.call_gap_minutes > 0:
            gap = self.rng.uniform(0, 2 * self.profile.call_gap_minutes)
            desk.ready_at = now + dt.timedelta(minutes=gap)
            self.at(desk.ready_at, "ready", desk)
        if desk.leave is not None:
            self._leave(now, desk)

    def _record_standings(self, service_id: int, now: dt.datetime) -> None:
        for token, _ahead, guess in standings(self.session, service_id, self.day, now):
            record = self.by_token.get(token)
            if record is not None:
                self.updates.append(
                    UpdateRecord(record.ticket_id, now, guess.minutes, guess.low, guess.high)
                )
        self.session.commit()
