"""Device health: kiosks and displays report their state; the server keeps the latest per
device, tells dashboards of changes (device.health) and shows a silent device offline."""

from __future__ import annotations

import datetime as dt

import pytest

from contract import events as ev
from server.services import devices
from tests.server.conftest import RecordingPublisher
from tests.server.factory import World, build_world

UTC = dt.UTC
MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def backend() -> str:
    return "sqlite"  # plain ORM reads and writes: the database does not matter here


READY = {
    "app_version": "0.1.0",
    "online": True,
    "printer_state": "ready",
    "paper_low": False,
    "paper_out": False,
    "last_error": None,
}


def test_a_report_is_kept_and_shown_to_managers(client, world: World, publisher) -> None:
    answer = client.post(
        "/api/v1/devices/health",
        headers=world.auth("kiosk"),
        json={"app_version": "0.1.0", "printer_state": "paper_low", "paper_low": True},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["online"] is True
    assert publisher.names() == [ev.DEVICE_HEALTH]
    event = publisher.events[0]
    assert event.site_id == world.site.id and event.payload["printer_state"] == "paper_low"
    listed = client.get(f"/api/v1/sites/{world.site.id}/devices", headers=world.auth("manager"))
    assert listed.status_code == 200
    by_kind = {d["kind"]: d for d in listed.get_json()}
    assert by_kind["kiosk"]["paper_low"] is True and by_kind["kiosk"]["online"] is True
    assert by_kind["kiosk"]["app_version"] == "0.1.0" and by_kind["kiosk"]["revoked"] is False
    # The display never reported: listed, offline, state unknown.
    assert by_kind["display"]["online"] is False and by_kind["display"]["reported_at"] is None


def test_a_heartbeat_that_changes_nothing_sends_no_event(
    session, world: World, publisher: RecordingPublisher
) -> None:
    kiosk = world.kiosk_actor
    devices.report(session, kiosk, READY, now=MORNING)
    devices.report(session, kiosk, READY, now=MORNING + dt.timedelta(minutes=1))
    assert publisher.names() == [ev.DEVICE_HEALTH]
    devices.report(
        session,
        kiosk,
        {**READY, "printer_state": "paper_out", "paper_out": True, "last_error": "Hết giấy"},
        now=MORNING + dt.timedelta(minutes=2),
    )
    assert publisher.names() == [ev.DEVICE_HEALTH] * 2
    assert publisher.events[-1].payload["last_error"] == "Hết giấy"


def test_a_device_silent_for_three_minutes_is_offline(
    session, world: World, publisher: RecordingPublisher
) -> None:
    devices.report(session, world.kiosk_actor, READY, now=MORNING)

    def kiosk_online(now: dt.datetime) -> bool:
        rows = devices.site_devices(session, world.site.id, now)
        return next(r["online"] for r in rows if r["kind"] == "kiosk")

    assert kiosk_online(MORNING + dt.timedelta(seconds=179))
    assert not kiosk_online(MORNING + dt.timedelta(seconds=180))
    # Back after the silence: dashboards are told, though nothing else changed.
    publisher.clear()
    back = devices.report(session, world.kiosk_actor, READY, now=MORNING + dt.timedelta(minutes=5))
    assert back["online"] and publisher.names() == [ev.DEVICE_HEALTH]


def test_a_report_is_validated(client, world: World) -> None:
    answer = client.post(
        "/api/v1/devices/health",
        headers=world.auth("display"),
        json={"app_version": "1", "printer_state": "on fire"},
    )
    assert answer.status_code == 422 and answer.get_json()["error"] == "invalid_input"


def test_a_manager_sees_no_other_sites_devices(client, session, world: World) -> None:
    other = build_world(session, code="T2")
    answer = client.get(f"/api/v1/sites/{world.site.id}/devices", headers=other.auth("manager"))
    assert answer.status_code == 404
