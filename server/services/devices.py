"""Device health: the latest state each kiosk and display reported of itself.

A device reports at start, on every change and every minute (the heartbeat). The server
keeps one row per device; it publishes ``device.health`` to the site's room when what the
device says changed, or when it comes back after being silent, not on every heartbeat.
A device silent for :data:`contract.events.DEVICE_OFFLINE_AFTER_SECONDS` is shown offline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import events as ev
from server.db import write_transaction
from server.errors import Forbidden
from server.events import publish
from server.models import Device, DeviceHealth, utcnow
from server.services.actor import Actor

OFFLINE_AFTER = dt.timedelta(seconds=ev.DEVICE_OFFLINE_AFTER_SECONDS)
_REPORTED = ("app_version", "online", "printer_state", "paper_low", "paper_out", "last_error")


def is_online(health: DeviceHealth | None, now: dt.datetime) -> bool:
    return health is not None and health.online and now - health.reported_at < OFFLINE_AFTER


def device_status(online: bool, reported_at: str | None, now: dt.datetime) -> str:
    """A device row's :class:`contract.events.DeviceStatus` at `now` (its `online` and
    ISO `reported_at` as in :func:`health_data`)."""
    if reported_at is None:
        return ev.DeviceStatus.NEVER
    silent = (now - dt.datetime.fromisoformat(reported_at)).total_seconds()
    if not online or silent >= ev.DEVICE_OFFLINE_AFTER_SECONDS:
        return ev.DeviceStatus.OFFLINE
    if silent > ev.DEVICE_STALE_AFTER_SECONDS:
        return ev.DeviceStatus.STALE
    return ev.DeviceStatus.ONLINE


def health_data(device: Device, health: DeviceHealth | None, now: dt.datetime) -> dict[str, Any]:
    """A device's health as :class:`contract.events.DeviceHealthData` (never reported: empty)."""
    return {
        "device_id": device.id,
        "kind": device.kind,
        "name": device.name,
        "app_version": health.app_version if health else "",
        "online": is_online(health, now),
        "printer_state": health.printer_state if health else ev.PrinterState.UNKNOWN,
        "paper_low": health.paper_low if health else False,
        "paper_out": health.paper_out if health else False,
        "last_error": health.last_error if health else None,
        "reported_at": health.reported_at.isoformat() if health else None,
    }


def report(
    session: Session, actor: Actor, state: dict[str, Any], *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Keep what a device says of itself (`state`: the fields of DeviceHealthIn) and tell
    dashboards when it changed; returns the device's health as it now stands."""
    if actor.device_id is None:
        raise Forbidden(
            "devices_only",
            "Chỉ kiosk và màn hình mới báo trạng thái thiết bị.",
            "Only kiosks and displays report device health.",
        )
    now = now or utcnow()
    with write_transaction(session):
        device = session.get(Device, actor.device_id)
        assert device is not None  # the credential was just resolved
        health = session.get(DeviceHealth, device.id)
        was_online = is_online(health, now)
        before = {f: getattr(health, f) for f in _REPORTED} if health else None
        if health is None:
            health = DeviceHealth(device_id=device.id)
            session.add(health)
        for name in _REPORTED:
            setattr(health, name, state[name])
        health.reported_at = now
        data = health_data(device, health, now)
        if before != {f: getattr(health, f) for f in _REPORTED} or was_online != data["online"]:
            publish(session, ev.DEVICE_HEALTH, device.site_id, data, now=now)
    return data


def site_devices(session: Session, site_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Every device of a site (revoked ones included, marked) with its latest health."""
    now = now or utcnow()
    rows = session.execute(
        select(Device, DeviceHealth)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(Device.site_id == site_id)
        .order_by(Device.kind, Device.id)
    ).all()
    return [
        {
            **health_data(device, health, now),
            "zone": device.zone,
            "revoked": device.revoked_at is not None,
        }
        for device, health in rows
    ]
