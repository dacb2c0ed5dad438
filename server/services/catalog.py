"""Slow-changing configuration (services, their counters, sites' time zones), read through
a short cache of the app's (:func:`init_app`): every ticket read and every event needs it,
and it changes a few times a year.

An administrator's change (:mod:`server.services.admin`) publishes ``catalog.changed``
after its commit and empties this process's cache at once (:func:`invalidate`); every
other server process empties its own when it delivers that event (server.realtime: the
events reach every process, through Redis when there are several). Should a process miss
the event, its cache still expires within :data:`TTL_SECONDS`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.models import Counter, CounterService, Department, Service, Site
from server.services.timed import TimedCache

TTL_SECONDS = 10.0
# More services than a province has; the cache drops the oldest beyond it.
MAX_SERVICES = 4096
_CACHE = "hangdoi_service_info"


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    site_id: int
    code: str
    name_vi: str
    name_en: str
    department_vi: str
    department_en: str
    expected_service_minutes: int
    timezone: str
    # What a ticket's report row (server.services.reports.record) files it under.
    department_id: int
    target_wait_minutes: int
    serving_counters: tuple[int, ...]

    def brief(self) -> dict[str, Any]:
        """As TicketOut.service shows it."""
        return {
            "id": self.id,
            "code": self.code,
            "name_vi": self.name_vi,
            "name_en": self.name_en,
            "department": {"name_vi": self.department_vi, "name_en": self.department_en},
        }


_SERVICE = (
    select(
        Service.id,
        Service.site_id,
        Service.code,
        Service.name_vi,
        Service.name_en,
        Department.name_vi,
        Department.name_en,
        Service.expected_service_minutes,
        Site.timezone,
        Service.department_id,
        Service.target_wait_minutes,
    )
    .join(Department, Department.id == Service.department_id)
    .join(Site, Site.id == Service.site_id)
    .where(Service.id == bindparam("service_id"))
)
_COUNTERS = (
    select(Counter.number)
    .join(CounterService, CounterService.counter_id == Counter.id)
    .where(CounterService.service_id == bindparam("service_id"))
    .order_by(Counter.number)
)


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = TimedCache[int, ServiceInfo](MAX_SERVICES, TTL_SECONDS)


def invalidate(app: Flask | None = None) -> None:
    """Forget every cached entry of `app` (the current app by default)."""
    cache: TimedCache[int, ServiceInfo] = (app or current_app).extensions[_CACHE]
    cache.clear()


def service_infos(session: Session, service_ids: Sequence[int]) -> dict[int, ServiceInfo]:
    """:func:`service_info` of several services (an issue batch's), the cached ones in one
    look-up."""
    cache: TimedCache[int, ServiceInfo] = current_app.extensions[_CACHE]
    infos = cache.get_many(service_ids)
    for service_id in service_ids:
        if service_id not in infos:
            infos[service_id] = service_info(session, service_id)
    return infos


def service_info(session: Session, service_id: int) -> ServiceInfo:
    cache: TimedCache[int, ServiceInfo] = current_app.extensions[_CACHE]
    info = cache.get(service_id)
    if info is not None:
        return info
    conn = session.connection()
    row = conn.execute(_SERVICE, {"service_id": service_id}).one()
    counters = tuple(conn.execute(_COUNTERS, {"service_id": service_id}).scalars())
    info = ServiceInfo(*row, serving_counters=counters)
    cache.put(service_id, info)
    return info
