"""Devices: a kiosk or display reports its health; managers see every device's."""

from __future__ import annotations

from server.api.base import DEVICES, MANAGERS, Blueprint, allow, current_actor
from server.api.schemas import DeviceHealthIn, DeviceHealthOut, SiteDeviceOut
from server.errors import not_found
from server.extensions import db
from server.models import Site
from server.services import devices

blp = Blueprint("devices", __name__, url_prefix="/api/v1", description="Device health")


@blp.route("/devices/health", methods=["POST"])
@allow(*DEVICES)
@blp.arguments(DeviceHealthIn)
@blp.response(200, DeviceHealthOut)
def report_health(data: dict) -> dict:
    """The calling device's state: app version, printer, paper, last error. Sent at start,
    on every change and every minute; silent for 3 minutes, it is shown offline."""
    return devices.report(db.session, current_actor(), data)


@blp.route("/sites/<int:site_id>/devices", methods=["GET"])
@allow(*MANAGERS)
@blp.response(200, SiteDeviceOut(many=True))
def site_devices(site_id: int) -> list[dict]:
    """A site's kiosks and displays with their latest health (revoked ones marked)."""
    if db.session.get(Site, site_id) is None or not current_actor().may_see_site(site_id):
        raise not_found("điểm phục vụ", "site", site_id)
    return devices.site_devices(db.session, site_id)
