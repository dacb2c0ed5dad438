"""The web pages the server serves to browsers: the phone tracking page and the web hall display.

``GET /t/<tracking token>`` is the page the slip's QR code opens on a visitor's phone;
``GET /display?token=<display device token>`` is the hall display for a TV that has a
browser but no PC. Both are plain HTML + one JavaScript file + CSS from ``server/static``,
live through Socket.IO (see :mod:`contract.events`); nothing loads from outside the
server: the Socket.IO client comes from ``web/node_modules`` (``npm ci --prefix web``,
run by ``make run`` and ``make test``), fonts are the system's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)

from server.api import present
from server.api.schemas import TicketOut
from server.extensions import db
from server.models import Site
from server.ratelimit import phone_per_address
from server.services import credentials
from server.services.actor import Actor, Role
from server.services.credentials import Reason, Refusal

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)

# Where `npm ci --prefix web` puts the Socket.IO browser client (override: HANGDOI_WEB_MODULES).
DEFAULT_WEB_MODULES = Path(__file__).resolve().parent.parent / "web" / "node_modules"
SOCKET_IO_CLIENT = Path("socket.io-client") / "dist" / "socket.io.min.js"

# The pages load only from this server: the browser refuses anything else, even by mistake.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)


def _socket_io_client() -> Path:
    root = current_app.config.get("WEB_MODULES") or DEFAULT_WEB_MODULES
    return Path(root) / SOCKET_IO_CLIENT


def asset_url(filename: str) -> str:
    """The URL of a file of server/static, with its modification time to bust caches."""
    static = current_app.static_folder or ""
    try:
        version = int(os.stat(os.path.join(static, filename)).st_mtime)
    except OSError:
        version = 0
    return url_for("static", filename=filename, v=version)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(
        render_template(template, asset_url=asset_url, **context),
        status=status,
        mimetype="text/html",
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # The tracking token and the device token are in the URL: never send it elsewhere.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# The administration pages (server.admin_web) are served the same way.
page = _page


def _site_names(site_id: int) -> dict[str, str]:
    site = db.session.get(Site, site_id)
    return {"name_vi": site.name_vi if site else "", "name_en": site.name_en if site else ""}


# --------------------------------------------------------------------------- phone tracking


@bp.get("/t/<token>")
@phone_per_address
def track(token: str) -> Response:
    """The visitor's live page for one ticket; the token in the URL is the credential."""
    ticket = credentials.ticket_for_tracking_token(db.session, token)
    if isinstance(ticket, Refusal):
        return _page("not_found.html", 404)
    data = TicketOut().dump(present.ticket(db.session, ticket))
    boot = {"token": token, "ticket": data, "site": _site_names(ticket.site_id)}
    return _page("track.html", ticket=data, site=boot["site"], boot=boot)


# --------------------------------------------------------------------------- hall display


@bp.get("/display")
def display() -> Response:
    """The hall display of the zone of a display device: ``/display?token=hdd_...``.

    Without a token it shows the pairing form (type or paste the device token once, then
    bookmark the address); a wrong, revoked or non-display token is said so on that form.
    """
    token = (request.args.get("token") or "").strip()
    if not token:
        return _page("display_pair.html")
    # The same answer as the REST API and Socket.IO give this token (one resolver), and
    # then only a display's token opens the page.
    verdict = credentials.resolver().token(db.session, token)
    if isinstance(verdict, Actor) and verdict.role != Role.DISPLAY:
        verdict = Refusal(Reason.WRONG_KIND)
    if isinstance(verdict, Refusal):
        return _page("display_pair.html", 403, error=verdict)
    device = verdict
    assert device.site_id is not None  # a device belongs to one site
    boot = {
        "token": token,
        "site_id": device.site_id,
        "zone": device.zone,
        "device_name": device.name,
        "site": _site_names(device.site_id),
    }
    return _page("display.html", boot=boot, site=boot["site"], device=device)


# --------------------------------------------------------------------------- vendored JS


@bp.get("/static/vendor/socket.io.min.js")
def socket_io_client() -> Response:
    """The Socket.IO browser client installed from the npm registry (web/package-lock.json)."""
    path = _socket_io_client()
    if not path.is_file():
        log.error(
            "%s is missing: run `make run` or `make test` (they run `npm ci --prefix web`)", path
        )
        message = (
            "/* hangdoi: thiếu thư viện socket.io-client. Hãy chạy `make run` hoặc `make test` "
            "(chúng chạy `npm ci --prefix web`).\n"
            "   hangdoi: the socket.io-client library is missing. Run `make run` or `make test` "
            "(they run `npm ci --prefix web`). */\n"
            "console.error('hangdoi: socket.io-client is missing: run make run (npm ci --prefix web)');\n"
        )
        return Response(message, status=503, mimetype="text/javascript")
    response = send_file(path, mimetype="text/javascript", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
