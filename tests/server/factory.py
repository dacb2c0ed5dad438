"""A small test centre built straight into the database: two number series, four services,
four counters, officers, a manager, an admin, a kiosk and a display."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from server.db import write_transaction
from server.models import (
    Counter,
    CounterService,
    Department,
    Device,
    NumberSeries,
    PriorityCategory,
    Service,
    Site,
    Ticket,
    User,
)
from server.services import accounts, queue
from server.services.actor import Actor

PASSWORD = "secret123"


@lru_cache(maxsize=1)
def password_hash() -> str:
    # A cheap hash: the tests make many users, and scrypt is slow on purpose.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass
class World:
    site: Site
    services: dict[str, Service]
    counters: dict[int, Counter]
    users: dict[str, User]
    kiosk: Device
    display: Device
    tokens: dict[str, str] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        return accounts.actor_for_user(self.users[username])

    @property
    def kiosk_actor(self) -> Actor:
        return accounts.actor_for_device(self.kiosk)

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of a user (by username) or of 'kiosk' / 'display'."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_world(
    session: Session,
    *,
    code: str = "T1",
    opening_hours: dict | None = None,
    max_priority_in_row: int = 2,
    no_show_after_calls: int = 3,
    quota: int | None = None,
) -> World:
    with write_transaction(session):
        site = Site(
            code=code,
            name_vi=f"Trung tâm thử nghiệm {code}",
            name_en=f"Test centre {code}",
            opening_hours=opening_hours,
            max_priority_in_row=max_priority_in_row,
            no_show_after_calls=no_show_after_calls,
        )
        session.add(site)
        session.flush()
        dept = Department(site_id=site.id, code="TP", name_vi="Sở Tư pháp", name_en="Justice")
        series_a = NumberSeries(site_id=site.id, code="A", format="A{n:03d}", start=1)
        series_n = NumberSeries(site_id=site.id, code="N", format="{n:04d}", start=1001)
        session.add_all([dept, series_a, series_n])
        session.flush()
        specs = [
            ("LLTP", "Cấp phiếu lý lịch tư pháp", series_a, quota),
            ("HT", "Đăng ký hộ tịch", series_a, None),
            ("CT", "Chứng thực bản sao", series_n, None),
            ("DD", "Đăng ký đất đai", series_n, None),
        ]
        services = {}
        for position, (scode, name, series, service_quota) in enumerate(specs):
            services[scode] = Service(
                site_id=site.id,
                department_id=dept.id,
                series_id=series.id,
                code=scode,
                name_vi=name,
                name_en=scode,
                target_wait_minutes=15,
                expected_service_minutes=10,
                daily_quota=service_quota,
                position=position,
            )
        session.add_all(services.values())
        for position, (pcode, name) in enumerate(
            [("elderly", "Người cao tuổi"), ("disabled", "Người khuyết tật")]
        ):
            session.add(
                PriorityCategory(
                    site_id=site.id, code=pcode, name_vi=name, name_en=pcode, position=position
                )
            )
        session.flush()
        layout = {1: ["LLTP", "HT"], 2: ["HT", "LLTP"], 3: ["CT"], 4: ["DD", "CT"]}
        counters = {}
        for number, codes in layout.items():
            counter = Counter(
                site_id=site.id,
                number=number,
                name_vi=f"Quầy số {number}",
                name_en=f"Counter {number}",
                zone="tang-1" if number <= 2 else "tang-2",
            )
            counter.services = [
                CounterService(service_id=services[c].id, rank=r) for r, c in enumerate(codes)
            ]
            counters[number] = counter
        session.add_all(counters.values())
        users = {}
        for username, role, site_id in [
            (f"{code.lower()}-o1", "officer", site.id),
            (f"{code.lower()}-o2", "officer", site.id),
            (f"{code.lower()}-o3", "officer", site.id),
            (f"{code.lower()}-manager", "manager", site.id),
            (f"{code.lower()}-admin", "admin", site.id),
        ]:
            users[username.split("-", 1)[1]] = User(
                username=username,
                full_name=f"Cán bộ {username}",
                role=role,
                site_id=site_id,
                password_hash=password_hash(),
            )
        session.add_all(users.values())
    kiosk, kiosk_token = accounts.register_device(
        session, site_id=site.id, kind="kiosk", name="Kiosk"
    )
    display, display_token = accounts.register_device(
        session, site_id=site.id, kind="display", name="Màn hình", zone="tang-1"
    )
    world = World(site, services, counters, users, kiosk, display)
    world.tokens["kiosk"] = kiosk_token
    world.tokens["display"] = display_token
    for name, user in users.items():
        world.tokens[name] = accounts.issue_token(session, user)
    return world


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
    """Issue a ticket through the kiosk's path and read it back as a model, as tests want it."""
    issued = queue.issue(
        session,
        actor,
        service_id,
        priority_code=priority_code,
        dossier_code=dossier_code,
        lang=lang,
        now=now,
    )
    ticket = session.get(Ticket, issued.ticket.id)
    assert ticket is not None
    return ticket
