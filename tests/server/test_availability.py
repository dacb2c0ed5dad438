"""Whether each service takes a ticket now, as the kiosk shows it: the same rule as issuing
(closed, quota reached), with its reason in both languages, and when it next changes."""

from __future__ import annotations

import datetime as dt

from server.services import queue
from server.services.clock import next_change
from tests.server.factory import build_world

UTC = dt.UTC
HOURS = {"wed": [["07:30", "11:30"], ["13:30", "17:00"]], "thu": [["07:30", "11:30"]]}
# Wednesday 2026-11-25, 10:00 in Hà Nội.
MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_next_change_of_the_opening_hours() -> None:
    tz = "Asia/Ho_Chi_Minh"
    # Open at 10:00: closes at 11:30 local (04:30 UTC); closed at 12:00: opens at 13:30.
    assert next_change(HOURS, MORNING, tz) == dt.datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    noon = dt.datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert next_change(HOURS, noon, tz) == dt.datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    # Wednesday evening: next is Thursday 07:30.
    evening = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert next_change(HOURS, evening, tz) == dt.datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    assert next_change(None, MORNING, tz) is None
    assert next_change({}, MORNING, tz) is None


def test_the_services_list_says_which_take_a_ticket_and_why_not(client, session) -> None:
    world = build_world(session, code="AV", quota=1)
    kiosk = world.auth("kiosk")
    url = f"/api/v1/sites/{world.site.id}/services"
    before = {s["code"]: s for s in client.get(url, headers=kiosk).get_json()}
    assert before["LLTP"]["available"] and before["LLTP"]["unavailable"] is None
    assert before["LLTP"]["issued_today"] == 0
    assert (
        client.post(
            "/api/v1/tickets", headers=kiosk, json={"service_id": world.services["LLTP"].id}
        ).status_code
        == 201
    )
    after = {s["code"]: s for s in client.get(url, headers=kiosk).get_json()}
    assert after["LLTP"]["available"] is False and after["LLTP"]["issued_today"] == 1
    reason = after["LLTP"]["unavailable"]
    assert reason["error"] == "quota_reached" and "hết 1 số" in reason["message"]
    assert "issued all 1" in reason["message_en"]
    # And the issue itself agrees.
    refused = client.post(
        "/api/v1/tickets", headers=kiosk, json={"service_id": world.services["LLTP"].id}
    )
    assert refused.get_json()["message"] == reason["message"]


def test_a_closed_site_greys_out_every_service(session) -> None:
    world = build_world(session, code="CL", opening_hours=HOURS)
    services = list(world.services.values())
    evening = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    found = queue.availability(session, world.site, services, evening)
    assert {a.refusal.code for a in found.values() if a.refusal} == {"site_closed"}
    assert all(a.refusal is not None for a in found.values())
    assert {a.changes_at for a in found.values()} == {dt.datetime(2026, 11, 26, 0, 30, tzinfo=UTC)}
    assert all(
        a.refusal is None
        for a in queue.availability(session, world.site, services, MORNING).values()
    )


def test_the_wait_a_kiosk_shows_is_the_wait_the_next_ticket_gets(client, session) -> None:
    world = build_world(session, code="PC")
    kiosk = world.auth("kiosk")
    service_id = world.services["HT"].id
    for _ in range(3):
        client.post("/api/v1/tickets", headers=kiosk, json={"service_id": service_id})
    row = next(
        q
        for q in client.get(f"/api/v1/sites/{world.site.id}/queue", headers=kiosk).get_json()
        if q["service_id"] == service_id
    )
    ticket = client.post(
        "/api/v1/tickets", headers=kiosk, json={"service_id": service_id}
    ).get_json()
    assert ticket["people_ahead"] == row["waiting"] == 3
    assert ticket["estimated_wait_range"] == row["estimated_wait_range"]
    assert ticket["estimated_wait_text_vi"] == row["estimated_wait_text_vi"]
    assert ticket["estimated_wait_minutes"] > 0


def test_a_closed_day_and_an_inactive_site_grey_out_every_service(session) -> None:
    world = build_world(session, code="HD")
    services = list(world.services.values())
    world.site.closed_days = [{"date": "2026-11-25", "note": "Nghỉ bù"}]
    session.flush()
    found = queue.availability(session, world.site, services, MORNING)
    assert {a.refusal.code for a in found.values() if a.refusal} == {"site_closed"}
    assert all("Nghỉ bù" in a.refusal.message for a in found.values() if a.refusal)
    assert all(a.refusal is not None for a in found.values())
    world.site.closed_days = None
    world.site.active = False
    session.flush()
    found = queue.availability(session, world.site, services, MORNING)
    assert all(a.refusal is not None and a.refusal.code == "site_inactive" for a in found.values())
