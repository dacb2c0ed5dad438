"""What the kiosk knows of its site, as plain data: departments, services with their live
waiting counts and availability, priority categories. Filled from the API's answers and
kept current by Socket.IO events; no Qt and no network here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from contract import events as ev
from printers import Slip


def pick(lang: str, vi: str, en: str) -> str:
    """The text in `lang`; Vietnamese when there is no English."""
    return en if lang == "en" and en else vi


@dataclass(frozen=True)
class Department:
    id: int
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        return pick(lang, self.name_vi, self.name_en)


@dataclass(frozen=True)
class Service:
    id: int
    code: str
    name_vi: str
    name_en: str
    department: Department
    counters: tuple[int, ...]
    expected_service_minutes: int
    daily_quota: int | None = None
    available: bool = True
    reason_code: str | None = None
    reason_vi: str = ""
    reason_en: str = ""
    waiting: int = 0
    wants_dossier: bool = False
    # The wait of a visitor who takes a number now, as the server estimates it (the queue
    # rows of GET .../queue, queue.changed and the snapshot; contract.waits): [low, high]
    # minutes and the ready-made words, None until a row said.
    wait_range: tuple[int, int] | None = None
    wait_text_vi: str = ""
    wait_text_en: str = ""

    def name(self, lang: str) -> str:
        return pick(lang, self.name_vi, self.name_en)

    def reason(self, lang: str) -> str:
        return pick(lang, self.reason_vi, self.reason_en)

    def wait_text(self, lang: str) -> str:
        """ "khoảng 10–15 phút" for a ticket taken now ("" when the server has not said)."""
        return pick(lang, self.wait_text_vi, self.wait_text_en)


@dataclass(frozen=True)
class PriorityCategory:
    code: str
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        return pick(lang, self.name_vi, self.name_en)


@dataclass
class Catalogue:
    """A site as its kiosk shows it."""

    site_id: int
    name_vi: str
    name_en: str
    address: str
    services: list[Service] = field(default_factory=list)
    categories: list[PriorityCategory] = field(default_factory=list)
    # The next moment the opening hours change what is available (UTC), if any.
    changes_at: dt.datetime | None = None

    def name(self, lang: str) -> str:
        return pick(lang, self.name_vi, self.name_en)

    @property
    def departments(self) -> list[Department]:
        """In the order of their first service."""
        seen: dict[int, Department] = {}
        for service in self.services:
            seen.setdefault(service.department.id, service.department)
        return list(seen.values())

    def services_of(self, department_id: int | None) -> list[Service]:
        if department_id is None:
            return list(self.services)
        return [s for s in self.services if s.department.id == department_id]

    def service(self, service_id: int) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def category(self, code: str | None) -> PriorityCategory | None:
        return next((c for c in self.categories if c.code == code), None)

    def apply_queues(self, rows: list[dict[str, Any]]) -> set[int]:
        """New waiting counts (rows of queue.changed, a snapshot or GET .../queue); answers
        the ids of the services whose count changed."""
        by_id = {int(r["service_id"]): r for r in rows}
        changed = set()
        for index, service in enumerate(self.services):
            row = by_id.get(service.id)
            if row is None:
                continue
            updated = replace(service, waiting=int(row["waiting"]))
            if row.get("estimated_wait_range") is not None:
                low, high = row["estimated_wait_range"]
                updated = replace(
                    updated,
                    wait_range=(int(low), int(high)),
                    wait_text_vi=row.get("estimated_wait_text_vi") or "",
                    wait_text_en=row.get("estimated_wait_text_en") or "",
                )
            if updated != service:
                self.services[index] = updated
                changed.add(service.id)
        return changed

    def mark_unavailable(self, service_id: int, code: str, vi: str, en: str) -> None:
        """A refusal the server gave (quota reached, closed) shown until the next refresh."""
        for index, service in enumerate(self.services):
            if service.id == service_id:
                self.services[index] = replace(
                    service, available=False, reason_code=code, reason_vi=vi, reason_en=en
                )


def catalogue_from_api(
    site: dict[str, Any],
    services: list[dict[str, Any]],
    categories: list[dict[str, Any]],
    queues: list[dict[str, Any]],
    dossier_services: frozenset[str] = frozenset(),
) -> Catalogue:
    """The catalogue from GET /sites/<id>, .../services, .../priority-categories, .../queue."""
    catalogue = Catalogue(
        site_id=int(site["id"]),
        name_vi=site.get("name_vi") or "",
        name_en=site.get("name_en") or "",
        address=site.get("address") or "",
    )
    changes = []
    for row in services:
        department = row.get("department") or {}
        unavailable = row.get("unavailable") or {}
        catalogue.services.append(
            Service(
                id=int(row["id"]),
                code=row["code"],
                name_vi=row["name_vi"],
                name_en=row.get("name_en") or "",
                department=Department(
                    int(department.get("id") or 0),
                    department.get("name_vi") or "",
                    department.get("name_en") or "",
                ),
                counters=tuple(row.get("counters") or ()),
                expected_service_minutes=int(row.get("expected_service_minutes") or 10),
                daily_quota=row.get("daily_quota"),
                available=bool(row.get("available", True)),
                reason_code=unavailable.get("error"),
                reason_vi=unavailable.get("message") or "",
                reason_en=unavailable.get("message_en") or "",
                wants_dossier=row["code"] in dossier_services,
            )
        )
        if row.get("availability_changes_at"):
            changes.append(dt.datetime.fromisoformat(row["availability_changes_at"]))
    catalogue.changes_at = min(changes) if changes else None
    catalogue.categories = [
        PriorityCategory(c["code"], c["name_vi"], c.get("name_en") or "") for c in categories
    ]
    catalogue.apply_queues(queues)
    return catalogue


def queue_rows(name: str, envelope: dict[str, Any]) -> list[dict[str, Any]]:
    """The waiting counts an event carries (queue.changed), else none."""
    if name == ev.QUEUE_CHANGED:
        return list((envelope.get("data") or {}).get("services") or [])
    return []


def slip_from_ticket(ticket: dict[str, Any], catalogue: Catalogue, footer: str = "") -> Slip:
    """The slip of an issued ticket (POST /tickets' answer)."""
    service = ticket["service"]
    category = catalogue.category(ticket.get("priority_category"))
    return Slip(
        centre_name=catalogue.name_vi,
        centre_address=catalogue.address,
        ticket_number=ticket["number"],
        department_name=service.get("department_vi") or "",
        department_name_en=service.get("department_en") or "",
        service_name=service["name_vi"],
        service_name_en=service.get("name_en") or "",
        counters=tuple(str(c) for c in ticket.get("serving_counters") or ()),
        people_ahead=ticket.get("people_ahead"),
        estimated_wait_minutes=ticket.get("estimated_wait_minutes"),
        estimated_wait_range=_wait_range(ticket),
        priority_category=category.name_vi if category else "",
        priority_category_en=category.name_en if category else "",
        tracking_url=ticket.get("tracking_url") or "",
        issued_at=dt.datetime.fromisoformat(ticket["issued_at"]),
        footer=footer,
    )


def _wait_range(ticket: dict[str, Any]) -> tuple[int, int] | None:
    found = ticket.get("estimated_wait_range")
    return (int(found[0]), int(found[1])) if found else None
