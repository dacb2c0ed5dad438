"""Administration: users and devices (kiosks and displays, with revocable tokens)."""

from __future__ import annotations

from sqlalchemy import select

from server.api.base import Blueprint, allow, current_actor
from server.api.schemas import DeviceIn, DeviceOut, DeviceTokenOut, PasswordResetIn, UserIn, UserOut
from server.errors import Forbidden, not_found
from server.extensions import db
from server.models import Device, User
from server.services import accounts

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Users and devices")


def _require_site(site_id: int | None) -> None:
    actor = current_actor()
    if actor.site_id is not None and site_id != actor.site_id:
        raise Forbidden(
            "other_site",
            "Bạn chỉ quản trị được điểm phục vụ của mình.",
            "You may administer your own site only.",
        )


@blp.route("/users", methods=["GET"])
@allow("admin")
@blp.response(200, UserOut(many=True))
def users() -> list[User]:
    """Users of the admin's site (every user, for a province-wide admin)."""
    actor = current_actor()
    query = select(User).order_by(User.id)
    if actor.site_id is not None:
        query = query.where(User.site_id == actor.site_id)
    return list(db.session.scalars(query))


@blp.route("/users", methods=["POST"])
@allow("admin")
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(data: dict) -> User:
    """Create an officer, manager or admin."""
    _require_site(data["site_id"])
    return accounts.create_user(db.session, **data)


@blp.route("/users/<int:user_id>/password", methods=["POST"])
@allow("admin")
@blp.arguments(PasswordResetIn)
@blp.response(204)
def reset_password(data: dict, user_id: int) -> None:
    """Set a user's new password (a forgotten one, a leaked one). Ends every session and
    bearer token of that user."""
    user, site_id = db.session.get(User, user_id), current_actor().site_id
    # A site's admin sees only that site's users (a province-wide user is not theirs).
    if user is None or (site_id is not None and user.site_id != site_id):
        raise not_found("người dùng", "user", user_id)
    accounts.reset_password(db.session, user_id, data["new_password"])


@blp.route("/devices", methods=["GET"])
@allow("admin")
@blp.response(200, DeviceOut(many=True))
def devices() -> list[Device]:
    """Registered kiosks and displays, revoked ones included."""
    actor = current_actor()
    query = select(Device).order_by(Device.id)
    if actor.site_id is not None:
        query = query.where(Device.site_id == actor.site_id)
    return list(db.session.scalars(query))


@blp.route("/devices", methods=["POST"])
@allow("admin")
@blp.arguments(DeviceIn)
@blp.response(201, DeviceTokenOut)
def register_device(data: dict) -> dict:
    """Register a kiosk or display. Its token is in this answer only."""
    _require_site(data["site_id"])
    device, token = accounts.register_device(db.session, **data)
    return {**{c: getattr(device, c) for c in DeviceOut().fields}, "token": token}


@blp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@allow("admin")
@blp.response(200, DeviceOut)
def revoke_device(device_id: int) -> Device:
    """Revoke a device's token at once (a stolen kiosk, a replaced display)."""
    device = db.session.get(Device, device_id)
    if device is None or not current_actor().may_see_site(device.site_id):
        raise not_found("thiết bị", "device", device_id)
    return accounts.revoke_device(db.session, device_id)
