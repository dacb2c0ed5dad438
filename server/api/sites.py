"""Sites and what a kiosk, display or officer reads of them: services, priority
categories, counters, queue status, today's tickets."""

from __future__ import annotations

from sqlalchemy import select

from server.api import present
from server.api.base import DEVICES, STAFF, Blueprint, allow, current_actor
from server.api.schemas import (
    CounterOut,
    PriorityCategoryOut,
    QueueServiceOut,
    ServiceOut,
    SiteOut,
    SnapshotOut,
    TicketOut,
    TicketQuery,
)
from server.errors import not_found
from server.extensions import db
from server.models import Counter, CounterService, PriorityCategory, Service, Site, Ticket, utcnow
from server.services import queue, snapshot
from server.services.clock import business_day

blp = Blueprint(
    "sites", __name__, url_prefix="/api/v1/sites", description="Sites and their services"
)


def _site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not current_actor().may_see_site(site_id):
        raise not_found("điểm phục vụ", "site", site_id)
    return site


@blp.route("", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, SiteOut(many=True))
def list_sites() -> list[Site]:
    """The sites this credential may see."""
    actor = current_actor()
    query = select(Site).order_by(Site.id)
    if actor.site_id is not None:
        query = query.where(Site.id == actor.site_id)
    return list(db.session.scalars(query))


@blp.route("/<int:site_id>", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, SiteOut)
def get_site(site_id: int) -> Site:
    """One site, with its opening hours and call-next settings."""
    return _site(site_id)


@blp.route("/<int:site_id>/services", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, ServiceOut(many=True))
def services(site_id: int) -> list[dict]:
    """The active services of a site, by department, with the counters that serve each and
    whether each takes a ticket now (closed, daily quota reached: with the reason)."""
    site = _site(site_id)
    counters: dict[int, list[int]] = {}
    for service_id, number in db.session.execute(
        select(CounterService.service_id, Counter.number)
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(Counter.site_id == site_id)
        .order_by(Counter.number)
    ):
        counters.setdefault(service_id, []).append(number)
    rows = db.session.scalars(
        select(Service)
        .where(Service.site_id == site_id, Service.active.is_(True))
        .order_by(Service.position, Service.id)
    ).all()
    now = utcnow()
    available = queue.availability(db.session, site, rows, now)
    return [
        {
            "id": s.id,
            "code": s.code,
            "name_vi": s.name_vi,
            "name_en": s.name_en,
            "department": s.department,
            "series": s.series,
            "target_wait_minutes": s.target_wait_minutes,
            "expected_service_minutes": s.expected_service_minutes,
            "daily_quota": s.daily_quota,
            "asks_dossier_code": s.asks_dossier_code,
            "active": s.active,
            "counters": counters.get(s.id, []),
            "available": available[s.id].refusal is None,
            "unavailable": available[s.id].refusal.to_dict()  # type: ignore[union-attr]
            if available[s.id].refusal is not None
            else None,
            "issued_today": available[s.id].issued_today,
            "availability_changes_at": available[s.id].changes_at,
        }
        for s in rows
    ]


@blp.route("/<int:site_id>/priority-categories", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, PriorityCategoryOut(many=True))
def priority_categories(site_id: int) -> list[PriorityCategory]:
    """The priority categories a visitor can choose at the kiosk."""
    _site(site_id)
    return list(
        db.session.scalars(
            select(PriorityCategory)
            .where(PriorityCategory.site_id == site_id, PriorityCategory.active.is_(True))
            .order_by(PriorityCategory.position, PriorityCategory.id)
        )
    )


@blp.route("/<int:site_id>/counters", methods=["GET"])
@allow(*STAFF)
@blp.response(200, CounterOut(many=True))
def counters(site_id: int) -> list[dict]:
    """Every counter of a site with its state and current ticket."""
    _site(site_id)
    rows = db.session.scalars(
        select(Counter).where(Counter.site_id == site_id).order_by(Counter.number)
    ).all()
    return present.counters(db.session, rows)


@blp.route("/<int:site_id>/queue", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, QueueServiceOut(many=True))
def queue_status(site_id: int) -> list[dict]:
    """Waiting count and longest wait (seconds) per active service, today."""
    _site(site_id)
    return present.waiting_by_service(db.session, site_id)


@blp.route("/<int:site_id>/snapshot", methods=["GET"])
@allow(*STAFF, *DEVICES)
@blp.response(200, SnapshotOut)
def site_snapshot(site_id: int) -> dict:
    """The live state a display or dashboard starts from: current calls (newest first),
    queues and counters, with the event sequence number it is as new as. A display with a
    zone sees its zone's counters only."""
    _site(site_id)
    actor = current_actor()
    return snapshot.site_snapshot(
        db.session, site_id, zone=actor.zone if actor.role == "display" else None
    )


@blp.route("/<int:site_id>/tickets", methods=["GET"])
@allow(*STAFF)
@blp.arguments(TicketQuery, location="query")
@blp.response(200, TicketOut(many=True))
def tickets(query: dict, site_id: int) -> list[dict]:
    """Today's tickets of a site, in issue order, optionally by state, service or number."""
    site = _site(site_id)
    stmt = select(Ticket).where(
        Ticket.site_id == site_id, Ticket.business_day == business_day(utcnow(), site.timezone)
    )
    if query["state"]:
        stmt = stmt.where(Ticket.state == query["state"])
    if query["service_id"]:
        stmt = stmt.where(Ticket.service_id == query["service_id"])
    if query["number"]:
        stmt = stmt.where(Ticket.number == query["number"].upper())
    rows = db.session.scalars(
        stmt.order_by(Ticket.queued_at, Ticket.id).limit(query["limit"])
    ).all()
    return present.tickets(db.session, rows)
