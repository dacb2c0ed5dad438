"""Administration: sites and what they are made of (departments, number series, services,
counters, priority categories), users and devices, the audit log, and the import of
services and counters from a file.

Only administrators: a site's administrator works on their own site only (another site's
objects are not found, a new object for another site is refused); a province-wide one on
every site, and only they create sites. Nothing is deleted: what is in use is deactivated
(``"active": false``). Every change is written to the audit log in its own transaction
and announced to kiosks, displays and counter clients (``catalog.changed``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response
from sqlalchemy import select

from server.api.admin_schemas import (
    AdminCounterOut,
    AdminDepartmentOut,
    AdminPriorityCategoryOut,
    AdminServiceOut,
    AdminSiteOut,
    AdminUserIn,
    AdminUserOut,
    AuditOut,
    AuditQuery,
    CounterIn,
    CounterPatch,
    DepartmentIn,
    DepartmentPatch,
    ImportIn,
    ImportOut,
    PriorityCategoryIn,
    PriorityCategoryPatch,
    SeriesIn,
    SeriesOut,
    SeriesPatch,
    ServiceIn,
    ServicePatch,
    SiteIn,
    SitePatch,
    TemplateQuery,
    UserPatch,
)
from server.api.base import Blueprint, allow, current_actor
from server.api.schemas import DeviceIn, DeviceOut, DeviceTokenOut, PasswordResetIn
from server.errors import InvalidInput, not_found
from server.extensions import db
from server.models import (
    Counter,
    Department,
    Device,
    NumberSeries,
    PriorityCategory,
    Service,
    User,
)
from server.services import accounts, admin, audit, importing

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    description="Administration: sites, services, counters, users, devices, audit log, import",
)

ADMIN = "admin"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- sites


@blp.route("/sites", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminSiteOut(many=True))
def sites() -> list[Any]:
    """The sites this administrator manages (every one, for a province-wide one),
    deactivated ones included."""
    return admin.sites(db.session, current_actor())


@blp.route("/sites", methods=["POST"])
@allow(ADMIN)
@blp.arguments(SiteIn)
@blp.response(201, AdminSiteOut)
@blp.alt_response(409, response="CONFLICT")
def create_site(data: dict) -> Any:
    """Create a site (province-wide administrators only)."""
    return admin.create_site(db.session, current_actor(), data)


@blp.route("/sites/<int:site_id>", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminSiteOut)
def get_site(site_id: int) -> Any:
    """One site with all its settings."""
    return admin.sites_one(db.session, current_actor(), site_id)


@blp.route("/sites/<int:site_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(SitePatch(partial=True), required=False)
@blp.response(200, AdminSiteOut)
def update_site(data: dict, site_id: int) -> Any:
    """Change a site's settings: names, address, time zone, opening hours, closed days,
    call rules, slip lines, display ticker; ``"active": false`` takes it out of service."""
    return admin.update_site(db.session, current_actor(), site_id, data)


# --------------------------------------------------------------------------- departments, series, services, counters, priority categories


@blp.route("/sites/<int:site_id>/departments", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminDepartmentOut(many=True))
def departments(site_id: int) -> list[Any]:
    """A site's departments, deactivated ones included."""
    return admin.listing(
        db.session, current_actor(), Department, site_id, Department.position, Department.id
    )


@blp.route("/sites/<int:site_id>/departments", methods=["POST"])
@allow(ADMIN)
@blp.arguments(DepartmentIn)
@blp.response(201, AdminDepartmentOut)
def create_department(data: dict, site_id: int) -> Any:
    """Create a department of a site."""
    return admin.create_department(db.session, current_actor(), site_id, data)


@blp.route("/departments/<int:department_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(DepartmentPatch(partial=True), required=False)
@blp.response(200, AdminDepartmentOut)
def update_department(data: dict, department_id: int) -> Any:
    """Change or deactivate a department (not while active services belong to it)."""
    return admin.update_department(db.session, current_actor(), department_id, data)


@blp.route("/sites/<int:site_id>/series", methods=["GET"])
@allow(ADMIN)
@blp.response(200, SeriesOut(many=True))
def series(site_id: int) -> list[Any]:
    """A site's number series."""
    return admin.listing(db.session, current_actor(), NumberSeries, site_id, NumberSeries.code)


@blp.route("/sites/<int:site_id>/series", methods=["POST"])
@allow(ADMIN)
@blp.arguments(SeriesIn)
@blp.response(201, SeriesOut)
def create_series(data: dict, site_id: int) -> Any:
    """Create a number series: its prefix and width in ``format`` (A{n:03d}), its first
    number in ``start``."""
    return admin.create_series(db.session, current_actor(), site_id, data)


@blp.route("/series/<int:series_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(SeriesPatch(partial=True), required=False)
@blp.response(200, SeriesOut)
def update_series(data: dict, series_id: int) -> Any:
    """Change a number series. Its format and start cannot change on a day it has issued
    numbers (409 series_in_use_today)."""
    return admin.update_series(db.session, current_actor(), series_id, data)


@blp.route("/sites/<int:site_id>/services", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminServiceOut(many=True))
def services(site_id: int) -> list[Any]:
    """A site's services, deactivated ones included."""
    return admin.listing(
        db.session, current_actor(), Service, site_id, Service.position, Service.id
    )


@blp.route("/sites/<int:site_id>/services", methods=["POST"])
@allow(ADMIN)
@blp.arguments(ServiceIn)
@blp.response(201, AdminServiceOut)
def create_service(data: dict, site_id: int) -> Any:
    """Create a service; kiosks show it at once."""
    return admin.create_service(db.session, current_actor(), site_id, data)


@blp.route("/services/<int:service_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(ServicePatch(partial=True), required=False)
@blp.response(200, AdminServiceOut)
def update_service(data: dict, service_id: int) -> Any:
    """Change or deactivate a service (its waiting tickets are still called)."""
    return admin.update_service(db.session, current_actor(), service_id, data)


@blp.route("/sites/<int:site_id>/counters", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminCounterOut(many=True))
def counters(site_id: int) -> list[Any]:
    """A site's counters with the services each serves, first choice first."""
    return admin.listing(db.session, current_actor(), Counter, site_id, Counter.number)


@blp.route("/sites/<int:site_id>/counters", methods=["POST"])
@allow(ADMIN)
@blp.arguments(CounterIn)
@blp.response(201, AdminCounterOut)
def create_counter(data: dict, site_id: int) -> Any:
    """Create a counter and the services it serves, in order of preference."""
    return admin.create_counter(db.session, current_actor(), site_id, data)


@blp.route("/counters/<int:counter_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(CounterPatch(partial=True), required=False)
@blp.response(200, AdminCounterOut)
def update_counter(data: dict, counter_id: int) -> Any:
    """Change a counter or its services; it is renumbered or deactivated only while closed."""
    return admin.update_counter(db.session, current_actor(), counter_id, data)


@blp.route("/sites/<int:site_id>/priority-categories", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminPriorityCategoryOut(many=True))
def priority_categories(site_id: int) -> list[Any]:
    """A site's priority categories, deactivated ones included."""
    return admin.listing(
        db.session,
        current_actor(),
        PriorityCategory,
        site_id,
        PriorityCategory.position,
        PriorityCategory.id,
    )


@blp.route("/sites/<int:site_id>/priority-categories", methods=["POST"])
@allow(ADMIN)
@blp.arguments(PriorityCategoryIn)
@blp.response(201, AdminPriorityCategoryOut)
def create_priority_category(data: dict, site_id: int) -> Any:
    """Create a priority category (elderly, disabled, ...)."""
    return admin.create_priority_category(db.session, current_actor(), site_id, data)


@blp.route("/priority-categories/<int:category_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(PriorityCategoryPatch(partial=True), required=False)
@blp.response(200, AdminPriorityCategoryOut)
def update_priority_category(data: dict, category_id: int) -> Any:
    """Change or deactivate a priority category."""
    return admin.update_priority_category(db.session, current_actor(), category_id, data)


# --------------------------------------------------------------------------- import


@blp.route("/sites/<int:site_id>/import/template", methods=["GET"])
@allow(ADMIN)
@blp.arguments(TemplateQuery, location="query")
@blp.doc(
    responses={
        "200": {
            "description": "An example file to fill in: XLSX (sheets services and counters) "
            "or CSV (a column kind).",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
def import_template(query: dict, site_id: int) -> Response:
    """The file to fill in for an import."""
    admin.sites_one(db.session, current_actor(), site_id)
    kind = query["format"]
    mimetype = "text/csv" if kind == "csv" else XLSX
    response = Response(importing.template(kind), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="hangdoi-import.{kind}"'
    return response


@blp.route("/sites/<int:site_id>/import", methods=["POST"])
@allow(ADMIN)
@blp.arguments(ImportIn)
@blp.response(200, ImportOut)
def import_file(data: dict, site_id: int) -> dict:
    """Services and counters from an XLSX or CSV file: with ``apply`` false a preview
    (what each row would do, and each wrong row and field); with ``apply`` true, all of it
    in one transaction, or nothing (422 invalid_import with the same rows) when any row
    is wrong."""
    try:
        content = base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "invalid_input",
            "content_base64: không phải base64.",
            "content_base64: not base64.",
            json={"content_base64": ["Not base64."]},
        ) from None
    outcome = importing.run(
        db.session, current_actor(), site_id, data["filename"], content, apply=data["apply"]
    )
    if data["apply"] and not outcome.valid:
        bad = [r.report() for r in outcome.rows if r.errors]
        raise InvalidInput(
            "invalid_import",
            f"Tệp có {len(bad)} dòng sai; chưa ghi gì. Hãy sửa các dòng được nêu rồi nhập lại.",
            f"The file has {len(bad)} wrong rows; nothing was written. Correct them and import again.",
            rows=bad,
        )
    return outcome.report()


# --------------------------------------------------------------------------- users


def _user_out(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "site_id": user.site_id,
        "active": user.active,
        "counter_ids": accounts.officer_counters(db.session, user.id),
        "created_at": user.created_at,
    }


@blp.route("/users", methods=["GET"])
@allow(ADMIN)
@blp.response(200, AdminUserOut(many=True))
def users() -> list[dict[str, Any]]:
    """Users of the admin's site (every user, for a province-wide admin)."""
    actor = current_actor()
    query = select(User).order_by(User.id)
    if actor.site_id is not None:
        query = query.where(User.site_id == actor.site_id)
    return [_user_out(user) for user in db.session.scalars(query)]


@blp.route("/users", methods=["POST"])
@allow(ADMIN)
@blp.arguments(AdminUserIn)
@blp.response(201, AdminUserOut)
def create_user(data: dict) -> dict[str, Any]:
    """Create an officer (with the counters they may open), manager or admin."""
    actor = current_actor()
    admin.require_site(actor, data["site_id"])
    return _user_out(accounts.create_user(db.session, **data, actor=actor))


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@allow(ADMIN)
@blp.arguments(UserPatch(partial=True), required=False)
@blp.response(200, AdminUserOut)
def update_user(data: dict, user_id: int) -> dict[str, Any]:
    """Change a user's name, role, site, counters; ``"active": false`` locks the account
    (its sessions and tokens stop working)."""
    return _user_out(accounts.update_user(db.session, current_actor(), user_id, data))


@blp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(ADMIN)
@blp.arguments(PasswordResetIn)
@blp.response(204)
def reset_password(data: dict, user_id: int) -> None:
    """Set a user's new password (a forgotten one, a leaked one). Ends every session and
    bearer token of that user."""
    actor = current_actor()
    user = db.session.get(User, user_id)
    # A site's admin sees only that site's users (a province-wide user is not theirs).
    if user is None or (actor.site_id is not None and user.site_id != actor.site_id):
        raise not_found("người dùng", "user", user_id)
    accounts.reset_password(db.session, user_id, data["new_password"], actor=actor)


# --------------------------------------------------------------------------- devices


@blp.route("/devices", methods=["GET"])
@allow(ADMIN)
@blp.response(200, DeviceOut(many=True))
def devices() -> list[Device]:
    """Registered kiosks and displays, revoked ones included, with when each was last seen."""
    actor = current_actor()
    query = select(Device).order_by(Device.id)
    if actor.site_id is not None:
        query = query.where(Device.site_id == actor.site_id)
    return list(db.session.scalars(query))


@blp.route("/devices", methods=["POST"])
@allow(ADMIN)
@blp.arguments(DeviceIn)
@blp.response(201, DeviceTokenOut)
def register_device(data: dict) -> dict:
    """Register a kiosk or display. Its token is in this answer only."""
    actor = current_actor()
    admin.require_site(actor, data["site_id"])
    device, token = accounts.register_device(db.session, **data, actor=actor)
    return {**{c: getattr(device, c) for c in DeviceOut().fields}, "token": token}


@blp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@allow(ADMIN)
@blp.response(200, DeviceOut)
def revoke_device(device_id: int) -> Device:
    """Revoke a device's token at once (a stolen kiosk, a replaced display)."""
    actor = current_actor()
    device = db.session.get(Device, device_id)
    if device is None or not actor.may_see_site(device.site_id):
        raise not_found("thiết bị", "device", device_id)
    return accounts.revoke_device(db.session, device_id, actor=actor)


# --------------------------------------------------------------------------- audit log


@blp.route("/audit", methods=["GET"])
@allow(ADMIN)
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditOut(many=True))
def audit_log(query: dict) -> list[Any]:
    """Administrative changes, newest first: who, when, what, before and after; filtered
    by object (type and id), user or site. A site's admin sees their site's entries."""
    actor = current_actor()
    return audit.entries(db.session, own_site_only=actor.site_id, **query)
