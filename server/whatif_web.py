"""The what-if page of managers (issue #15): ``GET /whatif``. A manager or administrator
logged in by the session cookie picks a day profile and a staffing and sees the simulated
waits hour by hour, and a staffing suggestion; the page calls the REST API
(/api/v1/sites/<id>/whatif, :mod:`server.api.whatif`). Without a session it shows a login
form (the API's /auth/login); an officer is told the page is for managers."""

from __future__ import annotations

from flask import Blueprint, Flask, Response
from sqlalchemy import select

from server.api.base import resolve_actor
from server.extensions import db
from server.models import Site
from server.services.actor import Role
from server.web import _page

bp = Blueprint("whatif_web", __name__)


@bp.get("/whatif")
def whatif_page() -> Response:
    actor = resolve_actor()
    if actor is None:
        return _page("whatif.html", boot={"state": "login"}, state="login")
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        return _page("whatif.html", 403, boot={"state": "forbidden"}, state="forbidden")
    query = select(Site.id, Site.name_vi, Site.name_en).order_by(Site.id)
    if actor.site_id is not None:
        query = query.where(Site.id == actor.site_id)
    sites = [{"id": i, "name_vi": vi, "name_en": en} for i, vi, en in db.session.execute(query)]
    boot = {"state": "ready", "sites": sites, "user": actor.name}
    return _page("whatif.html", boot=boot, state="ready")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
