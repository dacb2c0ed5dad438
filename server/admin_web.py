"""The administration pages: ``/admin/login`` and ``/admin/<section>`` (sites, departments,
series, services, counters, priority categories, users, devices, import, audit log) and
``/admin/password`` (any staff member changes their own password).

The pages are HTML + one script (``static/admin.js``) that speaks to the REST API under
``/api/v1/admin`` with the browser's session cookie: signing in, signing out and changing a
password are the API's own routes (``/api/v1/auth/login``, ``/logout``, ``/password``), so
the same rate limits and session rules hold; a page is served only to a session the
API's resolver accepts (:mod:`server.services.credentials`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect, request, session, url_for

from server.extensions import db
from server.models import Site, User
from server.services import credentials
from server.services.actor import Actor, Role
from server.services.credentials import Refusal
from server.web import page as _page

bp = Blueprint("admin_web", __name__, url_prefix="/admin")

# (section, Vietnamese title, English title, needs a site)
SECTIONS: list[tuple[str, str, str, bool]] = [
    ("sites", "Điểm phục vụ", "Sites", False),
    ("departments", "Khối, lĩnh vực", "Departments", True),
    ("series", "Dãy số", "Number series", True),
    ("services", "Dịch vụ", "Services", True),
    ("counters", "Quầy", "Counters", True),
    ("priority-categories", "Đối tượng ưu tiên", "Priority categories", True),
    ("users", "Người dùng", "Users", False),
    ("devices", "Thiết bị", "Devices", False),
    ("import", "Nhập từ tệp", "Import", True),
    ("audit", "Nhật ký thay đổi", "Audit log", False),
]
_NAMES = {name for name, *_ in SECTIONS}


def _session_actor() -> Actor | None:
    user_id = session.get("user_id")
    if user_id is None:
        return None
    verdict = credentials.resolver().session_user(db.session, user_id, session.get("sv"))
    if isinstance(verdict, Refusal):
        session.clear()
        return None
    return verdict


def _to_login() -> Any:
    return redirect(url_for("admin_web.login", next=request.full_path.rstrip("?")))


@bp.get("/login")
def login() -> Any:
    """The sign-in form (it posts to /api/v1/auth/login)."""
    target = request.args.get("next") or url_for("admin_web.section", name="sites")
    if not target.startswith("/admin") or target.startswith("//"):
        target = url_for("admin_web.section", name="sites")
    if _session_actor() is not None:
        return redirect(target)
    return _page("admin_login.html", boot={"next": target, "ended": request.args.get("ended")})


@bp.get("")
@bp.get("/")
def home() -> Any:
    return redirect(url_for("admin_web.section", name="sites"))


@bp.get("/password")
def password() -> Any:
    """Change one's own password (any staff member)."""
    actor = _session_actor()
    if actor is None:
        return _to_login()
    return _page("admin.html", **_context(actor, "password", None))


@bp.get("/<name>")
def section(name: str) -> Any:
    if name not in _NAMES:
        return _page("not_found.html", 404)
    actor = _session_actor()
    if actor is None:
        return _to_login()
    if actor.role != Role.ADMIN:
        return _page("admin.html", 403, **_context(actor, "forbidden", None))
    sites = _sites(actor)
    wanted = request.args.get("site", type=int)
    site_id = next((s.id for s in sites if s.id == wanted), None)
    if site_id is None and sites:
        site_id = actor.site_id or sites[0].id
    return _page("admin.html", **_context(actor, name, site_id, sites))


def _sites(actor: Actor) -> list[Site]:
    query = db.session.query(Site).order_by(Site.id)
    if actor.site_id is not None:
        query = query.filter(Site.id == actor.site_id)
    return list(query)


def _context(
    actor: Actor, name: str, site_id: int | None, sites: list[Site] | None = None
) -> dict[str, Any]:
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    boot = {
        "section": name,
        "site_id": site_id,
        "province": actor.site_id is None,
        "sites": [
            {"id": s.id, "code": s.code, "name_vi": s.name_vi, "active": s.active}
            for s in sites or []
        ],
        "me": {
            "user_id": actor.user_id,
            "username": user.username if user else "",
            "name": actor.name,
            "role": actor.role.value,
            "site_id": actor.site_id,
        },
    }
    current = next((s for s in SECTIONS if s[0] == name), None)
    return {
        "boot": boot,
        "sections": SECTIONS if actor.role == Role.ADMIN else [],
        "current": current,
        "site_id": site_id,
        "sites": sites or [],
        "me": boot["me"],
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
