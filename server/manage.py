"""The managers' web pages: the live dashboard (``/manage``) and the report pages
(``/manage/reports/<name>``), for managers and admins logged in by the browser session.

They are HTML + JavaScript from ``server/static`` reading ``/api/v1/reports``; the
dashboard is kept live over Socket.IO (each event of the site refetches its figures, a
``device.health`` replaces its device's row; every site's table takes ``site.today``), and
the charts are drawn by Chart.js, installed from the npm registry into ``web/node_modules``
and served from here, like the Socket.IO client (nothing from a CDN).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, send_file, session
from sqlalchemy import select

from server.extensions import db
from server.models import Counter, Department, Service, Site, User
from server.services import credentials
from server.services.actor import Actor, Role
from server.services.credentials import Refusal
from server.web import DEFAULT_WEB_MODULES, _page

log = logging.getLogger(__name__)

bp = Blueprint("manage", __name__)

CHART_JS = Path("chart.js") / "dist" / "chart.umd.min.js"

# The report pages: (name, Vietnamese title, English title, the groupings it offers).
REPORT_PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "summary": ("Tổng hợp", "Summary", ("", "day", "week", "month", "weekday", "hour")),
    "services": (
        "Lĩnh vực và dịch vụ",
        "Departments and services",
        ("", "day", "week", "month", "weekday", "hour"),
    ),
    "counters": ("Quầy và cán bộ", "Counters and officers", ("",)),
    "hours": ("Khung giờ", "Time of day", ("",)),
    "trend": ("Xu hướng", "Trend", ("day", "week", "month")),
    "sites": ("Các điểm phục vụ", "Sites side by side", ("", "day", "week", "month")),
    "dossier": ("Mã hồ sơ", "Dossier link", ("", "day", "week", "month")),
    "raw": ("Dữ liệu chi tiết", "Raw export", ("",)),
}


def _manager() -> Actor | Refusal | None:
    """The logged-in manager or admin; a Refusal for any other user; None when nobody."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    verdict = credentials.resolver().session_user(db.session, user_id, session.get("sv"))
    if isinstance(verdict, Refusal):
        return None
    if verdict.role not in (Role.MANAGER, Role.ADMIN):
        return Refusal(credentials.Reason.WRONG_KIND)
    return verdict


def _options(actor: Actor) -> dict[str, Any]:
    """What the filters offer: the sites, departments, services, counters and officers the
    actor may see."""
    sites = select(Site).order_by(Site.id)
    if actor.site_id is not None:
        sites = sites.where(Site.id == actor.site_id)
    site_rows = list(db.session.scalars(sites))
    ids = [s.id for s in site_rows]

    def rows(model: Any, *order: Any) -> list[Any]:
        return list(
            db.session.scalars(select(model).where(model.site_id.in_(ids)).order_by(*order))
        )

    return {
        "sites": [{"id": s.id, "name": s.name_vi} for s in site_rows],
        "departments": [
            {"id": d.id, "site_id": d.site_id, "name": d.name_vi}
            for d in rows(Department, Department.position, Department.id)
        ],
        "services": [
            {"id": s.id, "site_id": s.site_id, "name": f"{s.code} · {s.name_vi}"}
            for s in rows(Service, Service.position, Service.id)
        ],
        "counters": [
            {"id": c.id, "site_id": c.site_id, "name": f"Quầy {c.number}"}
            for c in rows(Counter, Counter.number)
        ],
        "officers": [
            {"id": u.id, "site_id": u.site_id, "name": u.full_name}
            for u in db.session.scalars(
                select(User)
                .where(User.site_id.in_(ids), User.role == Role.OFFICER)
                .order_by(User.full_name)
            )
        ],
    }


def _gate(template: str, **context: Any) -> Response:
    actor = _manager()
    if actor is None:
        return _page("manage_login.html", 401, next_page=template)
    if isinstance(actor, Refusal):
        return _page("manage_forbidden.html", 403)
    boot = {
        "user": {"name": actor.name, "role": actor.role.value, "site_id": actor.site_id},
        "province": actor.site_id is None,
        **_options(actor),
        **context.pop("boot", {}),
    }
    return _page(template, boot=boot, user=boot["user"], pages=REPORT_PAGES, **context)


@bp.get("/manage")
def dashboard() -> Response:
    """The live dashboard of a site (province-wide users pick the site)."""
    return _gate("manage.html")


@bp.get("/manage/reports/<name>")
def report_page(name: str) -> Response:
    if name not in REPORT_PAGES:
        return _page("not_found.html", 404)
    title_vi, title_en, groups = REPORT_PAGES[name]
    return _gate(
        "reports.html",
        report_name=name,
        title_vi=title_vi,
        title_en=title_en,
        boot={"report": name, "groups": list(groups)},
    )


@bp.get("/static/vendor/chart.umd.min.js")
def chart_js() -> Response:
    """Chart.js, installed from the npm registry (web/package-lock.json)."""
    root = current_app.config.get("WEB_MODULES") or DEFAULT_WEB_MODULES
    path = Path(root) / CHART_JS
    if not path.is_file():
        log.error("%s is missing: run `make run` or `make test` (npm ci --prefix web)", path)
        return Response(
            "console.error('hangdoi: chart.js is missing: run make run (npm ci --prefix web)');\n",
            status=503,
            mimetype="text/javascript",
        )
    response = send_file(path, mimetype="text/javascript", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
