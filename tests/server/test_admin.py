"""The administration API: a site's admin keeps to their site, every change is in the
audit log and announced (catalog.changed) with the server's catalogue cache emptied, edits
that would break the day are refused, and the import writes all or nothing."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from contract import events as ev
from server.models import (
    DEFAULT_TEMPLATE_EN,
    DEFAULT_TEMPLATE_VI,
    AuditEntry,
    Counter,
    Department,
    Device,
    NumberSeries,
    Service,
    Site,
)
from server.services import accounts, catalog, queue
from server.services.voice import announce
from server.services.voice import settings as voice_settings
from tests.server.conftest import RecordingPublisher
from tests.server.factory import PASSWORD, World, build_world, issue_ticket


@pytest.fixture
def province(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A province-wide administrator's Authorization header."""
    user = accounts.create_user(
        session,
        username="tinh-admin",
        password=PASSWORD,
        full_name="Quản trị tỉnh",
        role="admin",
        site_id=None,
    )
    return {"Authorization": f"Bearer {accounts.issue_token(session, user)}"}


def _audit(session, object_type: str, object_id: int | None = None) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    query = select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    session.expire_all()
    return list(session.scalars(query))


def _ok(response, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json() if response.data else None


# --------------------------------------------------------------------------- set-up through the API


def test_a_centre_is_set_up_through_the_api_and_every_change_is_audited(
    client, session, world: World, province, publisher: RecordingPublisher
) -> None:  # type: ignore[no-untyped-def]
    site = _ok(
        client.post(
            "/api/v1/admin/sites",
            headers=province,
            json={
                "code": "XA-01",
                "name_vi": "Trung tâm phục vụ hành chính công xã Hoà An",
                "opening_hours": {"mon": [["07:30", "11:30"], ["13:30", "17:00"]]},
                "closed_days": [{"date": "2026-09-02", "note": "Quốc khánh"}],
                "ticker_text": "Chào mừng quý khách",
                "slip_footer": "Cảm ơn quý khách",
            },
        ),
        201,
    )
    sid = site["id"]
    assert site["closed_days"] == [{"date": "2026-09-02", "note": "Quốc khánh"}]
    base = f"/api/v1/admin/sites/{sid}"
    department = _ok(
        client.post(
            f"{base}/departments", headers=province, json={"code": "TP", "name_vi": "Tư pháp"}
        ),
        201,
    )
    series = _ok(
        client.post(f"{base}/series", headers=province, json={"code": "B", "format": "B{n:03d}"}),
        201,
    )
    assert series["example"] == "B001"
    service = _ok(
        client.post(
            f"{base}/services",
            headers=province,
            json={
                "code": "KS",
                "name_vi": "Khai sinh",
                "department_id": department["id"],
                "series_id": series["id"],
                "asks_dossier_code": True,
            },
        ),
        201,
    )
    counter = _ok(
        client.post(
            f"{base}/counters",
            headers=province,
            json={"number": 1, "name_vi": "Quầy số 1", "service_ids": [service["id"]]},
        ),
        201,
    )
    assert counter["service_ids"] == [service["id"]]
    category = _ok(
        client.post(
            f"{base}/priority-categories",
            headers=province,
            json={"code": "elderly", "name_vi": "Người cao tuổi"},
        ),
        201,
    )
    officer = _ok(
        client.post(
            "/api/v1/admin/users",
            headers=province,
            json={
                "username": "xa01-cb1",
                "password": "mat-khau-1",
                "full_name": "Nguyễn Văn A",
                "role": "officer",
                "site_id": sid,
                "counter_ids": [counter["id"]],
            },
        ),
        201,
    )
    assert officer["counter_ids"] == [counter["id"]]
    device = _ok(
        client.post(
            "/api/v1/admin/devices",
            headers=province,
            json={"site_id": sid, "kind": "kiosk", "name": "Kiosk sảnh"},
        ),
        201,
    )
    # Creations: one entry each, the object after.
    for kind, ident in [
        ("site", sid),
        ("department", department["id"]),
        ("series", series["id"]),
        ("service", service["id"]),
        ("counter", counter["id"]),
        ("priority_category", category["id"]),
        ("user", officer["id"]),
        ("device", device["id"]),
    ]:
        entries = _audit(session, kind, ident)
        assert [e.action for e in entries] == ["create"], kind
        assert entries[0].after["id"] == ident and entries[0].before is None
        assert entries[0].actor_name == "Quản trị tỉnh"
    assert "password_hash" not in _audit(session, "user", officer["id"])[0].after
    assert "token_hash" not in _audit(session, "device", device["id"])[0].after

    # Edits and deactivations: the changed fields before and after.
    edits = [
        ("site", f"/api/v1/admin/sites/{sid}", {"ticker_text": "Giờ làm việc mới"}, "ticker_text"),
        (
            "department",
            f"/api/v1/admin/departments/{department['id']}",
            {"name_en": "Justice"},
            "name_en",
        ),
        ("series", f"/api/v1/admin/series/{series['id']}", {"format": "C{n:03d}"}, "format"),
        ("service", f"/api/v1/admin/services/{service['id']}", {"daily_quota": 50}, "daily_quota"),
        ("counter", f"/api/v1/admin/counters/{counter['id']}", {"zone": "tang-1"}, "zone"),
        (
            "priority_category",
            f"/api/v1/admin/priority-categories/{category['id']}",
            {"active": False},
            "active",
        ),
        (
            "user",
            f"/api/v1/admin/users/{officer['id']}",
            {"full_name": "Nguyễn Văn Ba"},
            "full_name",
        ),
    ]
    for kind, url, change, field in edits:
        before = _audit(session, kind)[-1].id
        _ok(client.patch(url, headers=province, json=change))
        entry = _audit(session, kind)[-1]
        assert entry.id > before, kind
        assert entry.after == {field: change[field]}, kind
        assert field in entry.before, kind
    assert _audit(session, "priority_category", category["id"])[-1].action == "deactivate"
    # The same value again changes nothing and writes nothing.
    count = len(_audit(session, "service"))
    _ok(
        client.patch(
            f"/api/v1/admin/services/{service['id']}", headers=province, json={"daily_quota": 50}
        )
    )
    assert len(_audit(session, "service")) == count

    _ok(
        client.post(
            f"/api/v1/admin/users/{officer['id']}/password",
            headers=province,
            json={"new_password": "mat-khau-2"},
        ),
        204,
    )
    reset = _audit(session, "user", officer["id"])[-1]
    assert reset.action == "password_reset" and reset.before is None and reset.after is None
    _ok(client.post(f"/api/v1/admin/devices/{device['id']}/revoke", headers=province))
    assert _audit(session, "device", device["id"])[-1].action == "revoke"

    # The audit log through the API, filtered by object and by user.
    rows = _ok(
        client.get(
            f"/api/v1/admin/audit?object_type=service&object_id={service['id']}", headers=province
        )
    )
    assert [r["action"] for r in rows] == ["update", "create"]
    by_user = _ok(
        client.get(
            f"/api/v1/admin/audit?user_id={_audit(session, 'site')[0].user_id}", headers=province
        )
    )
    assert len(by_user) >= 17
    # Each change went out as catalog.changed to the site's kiosks and displays.
    changed = [e for e in publisher.events if e.name == ev.CATALOG_CHANGED and e.site_id == sid]
    assert {kind for e in changed for kind in e.payload["kinds"]} >= {
        "site",
        "department",
        "series",
        "service",
        "counter",
        "priority_category",
    }
    assert all(ev.queue_room(sid) in e.rooms for e in changed)


def test_a_rolled_back_change_leaves_no_audit_entry_and_no_event(
    client, session, world: World, publisher: RecordingPublisher
) -> None:  # type: ignore[no-untyped-def]
    before = session.scalar(select(func.count(AuditEntry.id)))
    response = client.post(
        f"/api/v1/admin/sites/{world.site.id}/services",
        headers=world.auth("admin"),
        json={
            "code": "LLTP",  # taken
            "name_vi": "Trùng mã",
            "department_id": world.services["LLTP"].department_id,
            "series_id": world.services["LLTP"].series_id,
        },
    )
    assert response.status_code == 409 and response.get_json()["error"] == "code_taken"
    assert "code" in response.get_json()["details"]["json"]
    assert session.scalar(select(func.count(AuditEntry.id))) == before
    assert ev.CATALOG_CHANGED not in publisher.names()


# --------------------------------------------------------------------------- a site's admin keeps to their site


def test_a_site_admin_cannot_touch_another_site(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    other = build_world(session, code="T2")
    mine = world.auth("admin")
    o = other.services["LLTP"]
    counter = other.counters[1]
    category = session.scalar(
        select(func.min(Department.id)).where(Department.site_id == other.site.id)
    )
    site_base = f"/api/v1/admin/sites/{other.site.id}"
    for method, url, body in [
        ("GET", site_base, None),
        ("PATCH", site_base, {"ticker_text": "x"}),
        ("GET", f"{site_base}/departments", None),
        ("POST", f"{site_base}/departments", {"code": "X", "name_vi": "X"}),
        ("PATCH", f"/api/v1/admin/departments/{category}", {"name_vi": "X"}),
        ("GET", f"{site_base}/series", None),
        ("POST", f"{site_base}/series", {"code": "X"}),
        ("PATCH", f"/api/v1/admin/series/{o.series_id}", {"name_vi": "X"}),
        ("GET", f"{site_base}/services", None),
        (
            "POST",
            f"{site_base}/services",
            {
                "code": "X",
                "name_vi": "X",
                "department_id": o.department_id,
                "series_id": o.series_id,
            },
        ),
        ("PATCH", f"/api/v1/admin/services/{o.id}", {"name_vi": "X"}),
        ("GET", f"{site_base}/counters", None),
        ("POST", f"{site_base}/counters", {"number": 9, "name_vi": "X"}),
        ("PATCH", f"/api/v1/admin/counters/{counter.id}", {"name_vi": "X"}),
        ("GET", f"{site_base}/priority-categories", None),
        ("POST", f"{site_base}/priority-categories", {"code": "X", "name_vi": "X"}),
        ("GET", f"{site_base}/import/template", None),
        ("POST", f"{site_base}/import", {"filename": "a.csv", "content_base64": "YQ=="}),
        ("PATCH", f"/api/v1/admin/users/{other.users['o1'].id}", {"full_name": "X"}),
        (
            "POST",
            f"/api/v1/admin/users/{other.users['o1'].id}/password",
            {"new_password": "12345678"},
        ),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": "x",
                "password": "12345678",
                "full_name": "X",
                "role": "officer",
                "site_id": other.site.id,
            },
        ),
        ("POST", "/api/v1/admin/devices", {"site_id": other.site.id, "kind": "kiosk", "name": "X"}),
        ("POST", f"/api/v1/admin/devices/{other.kiosk.id}/revoke", None),
        ("POST", "/api/v1/admin/sites", {"code": "NEW", "name_vi": "X"}),
    ]:
        response = client.open(url, method=method, headers=mine, json=body)
        assert response.status_code in (403, 404), (method, url, response.get_json())
    # Lists show their own site only.
    assert {s["id"] for s in _ok(client.get("/api/v1/admin/sites", headers=mine))} == {
        world.site.id
    }
    assert {u["site_id"] for u in _ok(client.get("/api/v1/admin/users", headers=mine))} == {
        world.site.id
    }
    assert {d["site_id"] for d in _ok(client.get("/api/v1/admin/devices", headers=mine))} == {
        world.site.id
    }
    assert {e["site_id"] for e in _ok(client.get("/api/v1/admin/audit", headers=mine))} <= {
        world.site.id
    }
    # Nothing of the other site changed.
    session.expire_all()
    assert session.get(Service, o.id).name_vi == "Cấp phiếu lý lịch tư pháp"
    assert session.get(Device, other.kiosk.id).revoked_at is None


def test_a_province_admin_works_on_every_site(client, session, world: World, province) -> None:  # type: ignore[no-untyped-def]
    other = build_world(session, code="T2")
    assert {s["id"] for s in _ok(client.get("/api/v1/admin/sites", headers=province))} >= {
        world.site.id,
        other.site.id,
    }
    _ok(
        client.patch(
            f"/api/v1/admin/services/{other.services['HT'].id}",
            headers=province,
            json={"name_en": "Civil status"},
        )
    )


# --------------------------------------------------------------------------- live: the catalogue cache


def test_a_change_reaches_the_catalogue_cache_at_once(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    service = world.services["HT"]
    assert catalog.service_info(session, service.id).name_vi == "Đăng ký hộ tịch"  # cached now
    _ok(
        client.patch(
            f"/api/v1/admin/services/{service.id}",
            headers=world.auth("admin"),
            json={"name_vi": "Hộ tịch"},
        )
    )
    assert catalog.service_info(session, service.id).name_vi == "Hộ tịch"
    ticket = _ok(
        client.post(
            "/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": service.id}
        ),
        201,
    )
    assert ticket["service"]["name_vi"] == "Hộ tịch"


def test_the_delivery_of_catalog_changed_empties_another_process_cache(
    app, session, world: World
) -> None:  # type: ignore[no-untyped-def]
    # What a second process does when the event reaches it through Redis: its publisher's
    # delivery hook empties its cache (server.realtime.SocketIOPublisher._queue_moved).
    from server.events import DomainEvent
    from server.realtime import SocketIOPublisher

    service = world.services["HT"]
    catalog.service_info(session, service.id)
    session.execute(
        Service.__table__.update().where(Service.id == service.id).values(name_vi="Đổi ngoài")
    )
    session.commit()
    assert catalog.service_info(session, service.id).name_vi == "Đăng ký hộ tịch"  # still cached
    hook = SocketIOPublisher.__dict__["_queue_moved"]

    class Stub:
        pass

    stub = Stub()
    stub.app = app  # type: ignore[attr-defined]
    hook(
        stub,
        DomainEvent(
            ev.CATALOG_CHANGED,
            world.site.id,
            {"kinds": ["service"], "ids": {"service": [service.id]}},
        ),
    )
    assert catalog.service_info(session, service.id).name_vi == "Đổi ngoài"


# --------------------------------------------------------------------------- safe edits


def test_a_series_that_issued_today_keeps_its_format(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    series_id = world.services["LLTP"].series_id
    url = f"/api/v1/admin/series/{series_id}"
    _ok(
        client.patch(url, headers=world.auth("admin"), json={"format": "A{n:04d}"})
    )  # nothing issued yet
    issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    response = client.patch(url, headers=world.auth("admin"), json={"format": "B{n:04d}"})
    assert response.status_code == 409
    body = response.get_json()
    assert (
        body["error"] == "series_in_use_today"
        and "A0001" in body["message"]
        and "new series" in body["message_en"]
    )
    # Its names may change; and a new series can take the service over today.
    _ok(client.patch(url, headers=world.auth("admin"), json={"name_vi": "Dãy A"}))
    new = _ok(
        client.post(
            f"/api/v1/admin/sites/{world.site.id}/series",
            headers=world.auth("admin"),
            json={"code": "B", "format": "B{n:03d}"},
        ),
        201,
    )
    _ok(
        client.patch(
            f"/api/v1/admin/services/{world.services['LLTP'].id}",
            headers=world.auth("admin"),
            json={"series_id": new["id"]},
        )
    )
    assert issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id).number == "B001"


@pytest.mark.parametrize(
    "fmt",
    [
        "A",
        "{n}{n}",
        "{m:03d}",
        "{n.__class__}",
        "{n[0]}",
        "{n!r}",
        "{n:>10}",
        "{",
        "X" * 30 + "{n}",
    ],
)
def test_a_bad_number_format_is_refused_naming_the_field(
    client, world: World, fmt: str, backend: str
) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("validation only")
    response = client.post(
        f"/api/v1/admin/sites/{world.site.id}/series",
        headers=world.auth("admin"),
        json={"code": "Z", "format": fmt},
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert list(body["details"]["json"]) == ["format"] and "format" in body["message"]


def test_in_use_things_are_deactivated_only_when_safe(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    admin = world.auth("admin")
    counter = world.counters[1]
    _ok(client.post(f"/api/v1/counters/{counter.id}/open", headers=world.auth("o1")))
    response = client.patch(
        f"/api/v1/admin/counters/{counter.id}", headers=admin, json={"active": False}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "counter_open"
    response = client.patch(
        f"/api/v1/admin/users/{world.users['o1'].id}", headers=admin, json={"active": False}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "counter_open"
    # Its services may change while it is open.
    _ok(
        client.patch(
            f"/api/v1/admin/counters/{counter.id}",
            headers=admin,
            json={"service_ids": [world.services["HT"].id]},
        )
    )
    response = client.patch(
        f"/api/v1/admin/departments/{world.services['HT'].department_id}",
        headers=admin,
        json={"active": False},
    )
    assert response.status_code == 409 and response.get_json()["error"] == "department_in_use"
    response = client.patch(
        f"/api/v1/admin/series/{world.services['HT'].series_id}",
        headers=admin,
        json={"active": False},
    )
    assert response.status_code == 409 and response.get_json()["error"] == "series_in_use"
    # A service with waiting tickets is deactivated: the kiosk no longer offers it, the
    # officer still calls what waits.
    ticket = issue_ticket(session, world.kiosk_actor, world.services["HT"].id)
    _ok(
        client.patch(
            f"/api/v1/admin/services/{world.services['HT'].id}",
            headers=admin,
            json={"active": False},
        )
    )
    offered = _ok(
        client.get(f"/api/v1/sites/{world.site.id}/services", headers=world.auth("kiosk"))
    )
    assert world.services["HT"].id not in {s["id"] for s in offered}
    response = client.post(
        "/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": world.services["HT"].id}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "service_inactive"
    called = _ok(client.post(f"/api/v1/counters/{counter.id}/call-next", headers=world.auth("o1")))
    assert called["ticket"]["id"] == ticket.id
    # A closed counter is deactivated, and cannot be opened then.
    other = world.counters[3]
    _ok(client.patch(f"/api/v1/admin/counters/{other.id}", headers=admin, json={"active": False}))
    response = client.post(f"/api/v1/counters/{other.id}/open", headers=world.auth("o2"))
    assert response.status_code == 409 and response.get_json()["error"] == "counter_inactive"
    # An admin does not lock themselves out.
    response = client.patch(
        f"/api/v1/admin/users/{world.users['admin'].id}", headers=admin, json={"active": False}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "own_account"


def test_an_officer_opens_only_the_counters_given_to_them(client, world: World) -> None:  # type: ignore[no-untyped-def]
    _ok(
        client.patch(
            f"/api/v1/admin/users/{world.users['o2'].id}",
            headers=world.auth("admin"),
            json={"counter_ids": [world.counters[2].id]},
        )
    )
    response = client.post(
        f"/api/v1/counters/{world.counters[1].id}/open", headers=world.auth("o2")
    )
    assert response.status_code == 403 and response.get_json()["error"] == "counter_not_assigned"
    _ok(client.post(f"/api/v1/counters/{world.counters[2].id}/open", headers=world.auth("o2")))
    response = client.patch(
        f"/api/v1/admin/users/{world.users['o2'].id}",
        headers=world.auth("admin"),
        json={"counter_ids": [999_999]},
    )
    assert response.status_code == 404 and "counter_ids" in response.get_json()["details"]["json"]


def test_a_closed_day_and_an_inactive_site_issue_nothing(
    client, session, world: World, province
) -> None:  # type: ignore[no-untyped-def]
    from server.models import utcnow
    from server.services.clock import business_day

    today = business_day(utcnow(), world.site.timezone).isoformat()
    _ok(
        client.patch(
            f"/api/v1/admin/sites/{world.site.id}",
            headers=world.auth("admin"),
            json={"closed_days": [{"date": today, "note": "Tết"}]},
        )
    )
    response = client.post(
        "/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": world.services["HT"].id}
    )
    assert response.status_code == 409 and "Tết" in response.get_json()["message"]
    _ok(
        client.patch(
            f"/api/v1/admin/sites/{world.site.id}",
            headers=world.auth("admin"),
            json={"closed_days": []},
        )
    )
    _ok(
        client.patch(
            f"/api/v1/admin/sites/{world.site.id}", headers=province, json={"active": False}
        )
    )
    response = client.post(
        "/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": world.services["HT"].id}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "site_inactive"


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": [["11:30", "07:30"]]},
        {"mon": [["07:30", "11:30"], ["11:00", "17:00"]]},
        {"xyz": [["07:30", "11:30"]]},
        {"mon": [["7:30", "11:30"]]},
        {"mon": [["07:30"]]},
    ],
)
def test_bad_opening_hours_are_refused(client, world: World, hours: dict, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("validation only")
    response = client.patch(
        f"/api/v1/admin/sites/{world.site.id}",
        headers=world.auth("admin"),
        json={"opening_hours": hours},
    )
    assert response.status_code == 422, response.get_json()
    assert "opening_hours" in response.get_json()["details"]["json"]


def test_a_device_is_seen_when_it_uses_its_token(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    assert session.get(Device, world.kiosk.id).last_seen_at is None
    _ok(client.get(f"/api/v1/sites/{world.site.id}/services", headers=world.auth("kiosk")))
    devices = _ok(client.get("/api/v1/admin/devices", headers=world.auth("admin")))
    seen = {d["id"]: d["last_seen_at"] for d in devices}
    assert seen[world.kiosk.id] is not None and seen[world.display.id] is None


# --------------------------------------------------------------------------- import


def _xlsx(services: list[list[Any]], counters: list[list[Any]]) -> bytes:
    from server.services.importing import COUNTER_COLUMNS, SERVICE_COLUMNS

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "services"
    sheet.append(list(SERVICE_COLUMNS))
    for row in services:
        sheet.append(row)
    other = book.create_sheet("counters")
    other.append(list(COUNTER_COLUMNS))
    for row in counters:
        other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, world: World, filename: str, content: bytes, apply: bool):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/admin/sites/{world.site.id}/import",
        headers=world.auth("admin"),
        json={
            "filename": filename,
            "content_base64": base64.b64encode(content).decode(),
            "apply": apply,
        },
    )


GOOD_SERVICES = [
    ["KS", "Đăng ký khai sinh", "Birth", "TP", "A", 20, 10, "", "không", 5, "có"],
    ["KH", "Đăng ký kết hôn", "Marriage", "TP", "N", 30, 15, 40, "có", 6, ""],
    ["HT", "Hộ tịch (sửa)", "Civil status", "TP", "A", 15, 10, "", "", 1, "có"],  # exists: updated
]
GOOD_COUNTERS = [
    [7, "Quầy số 7", "Counter 7", "tang-3", "KS, KH", "có"],
    [1, "Quầy số 1", "Counter 1", "tang-1", "HT; LLTP; KS", ""],  # exists: updated
]


def test_a_valid_file_creates_everything_in_one_go(
    client, session, world: World, publisher: RecordingPublisher
) -> None:  # type: ignore[no-untyped-def]
    content = _xlsx(GOOD_SERVICES, GOOD_COUNTERS)
    preview = _ok(_import(client, world, "thiet-lap.xlsx", content, apply=False))
    assert preview["valid"] and not preview["applied"]
    assert [r["action"] for r in preview["rows"]] == [
        "create",
        "create",
        "update",
        "create",
        "update",
    ]
    assert (
        session.scalar(select(Service.id).where(Service.code == "KS")) is None
    )  # a preview writes nothing
    done = _ok(_import(client, world, "thiet-lap.xlsx", content, apply=True))
    assert done["applied"] and done["created"] == {"services": 2, "counters": 1}
    assert done["updated"] == {"services": 1, "counters": 1}
    session.expire_all()
    ks = session.scalar(
        select(Service).where(Service.code == "KS", Service.site_id == world.site.id)
    )
    kh = session.scalar(
        select(Service).where(Service.code == "KH", Service.site_id == world.site.id)
    )
    assert kh.daily_quota == 40 and kh.asks_dossier_code and kh.series.code == "N"
    seven = session.scalar(
        select(Counter).where(Counter.number == 7, Counter.site_id == world.site.id)
    )
    assert [link.service_id for link in seven.services] == [ks.id, kh.id]
    one = session.get(Counter, world.counters[1].id)
    assert [link.service_id for link in one.services] == [
        world.services["HT"].id,
        world.services["LLTP"].id,
        ks.id,
    ]
    assert session.get(Service, world.services["HT"].id).name_vi == "Hộ tịch (sửa)"
    assert len(_audit(session, "service")) == 3 and len(_audit(session, "counter")) == 2
    changed = [e for e in publisher.events if e.name == ev.CATALOG_CHANGED]
    assert len(changed) == 1 and set(changed[0].payload["kinds"]) == {"service", "counter"}
    # A kiosk issues for the new service at once.
    ticket = _ok(
        client.post("/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": ks.id}), 201
    )
    assert ticket["service"]["code"] == "KS"


def test_a_csv_file_is_read_the_same_way(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    template = client.get(
        f"/api/v1/admin/sites/{world.site.id}/import/template?format=csv",
        headers=world.auth("admin"),
    )
    assert template.status_code == 200 and template.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert {r["kind"] for r in rows} == {"service", "counter"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    for row in rows:
        if row["kind"] == "service":
            row["department"], row["series"] = "TP", "A"
        writer.writerow(row)
    done = _ok(_import(client, world, "a.csv", out.getvalue().encode(), apply=True))
    assert done["created"] == {"services": 2, "counters": 0} and done["updated"]["counters"] == 2
    xlsx = client.get(
        f"/api/v1/admin/sites/{world.site.id}/import/template", headers=world.auth("admin")
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["services", "counters"]


def test_a_file_with_bad_rows_writes_nothing_and_names_each(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    services = [
        GOOD_SERVICES[0],
        ["", "Không mã", "", "TP", "A", 20, 10, "", "", 1, ""],  # row 3: code
        ["XX", "Sai khối", "", "KHONG", "A", "mười", 10, "", "có lẽ", 1, ""],  # row 4: 3 fields
        ["KS", "Trùng", "", "TP", "A", 20, 10, "", "", 1, ""],  # row 5: same code as row 2
    ]
    counters = [[7, "Quầy 7", "", "", "KS, KHONG-CO", ""], ["bảy", "", "", "", "", ""]]
    before = (
        session.scalar(select(func.count(Service.id))),
        session.scalar(select(func.count(Counter.id))),
        session.scalar(select(func.count(AuditEntry.id))),
    )
    response = _import(client, world, "sai.xlsx", _xlsx(services, counters), apply=True)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_import" and "nothing was written" in body["message_en"]
    wrong = {(r["sheet"], r["row"]): set(r["errors"]) for r in body["details"]["rows"]}
    assert wrong == {
        ("services", 3): {"code"},
        ("services", 4): {"department", "target_wait_minutes", "asks_dossier_code"},
        ("services", 5): {"code"},
        ("counters", 2): {"services"},
        ("counters", 3): {"number", "name_vi"},
    }
    errors = {(r["sheet"], r["row"]): r["errors"] for r in body["details"]["rows"]}
    assert errors[("services", 5)]["code"] == ["trùng với dòng 2 / the same as row 2"]
    assert "KHONG-CO" in errors[("counters", 2)]["services"][0]
    session.expire_all()
    after = (
        session.scalar(select(func.count(Service.id))),
        session.scalar(select(func.count(Counter.id))),
        session.scalar(select(func.count(AuditEntry.id))),
    )
    assert after == before
    preview = _ok(_import(client, world, "sai.xlsx", _xlsx(services, counters), apply=False))
    assert not preview["valid"] and sum(1 for r in preview["rows"] if r["errors"]) == 5


@pytest.mark.parametrize(
    ("filename", "content"),
    [("x.xlsx", b"not a workbook"), ("x.csv", b"\xff\xfe\x00"), ("x.csv", b"code,name_vi\nA,B\n")],
)
def test_an_unreadable_file_is_said_so(
    client, world: World, filename: str, content: bytes, backend: str
) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("reading only")
    response = _import(client, world, filename, content, apply=False)
    assert response.status_code == 422 and response.get_json()["error"] == "unreadable_file"


def test_series_are_listed_with_an_example(client, world: World, session) -> None:  # type: ignore[no-untyped-def]
    rows = _ok(
        client.get(f"/api/v1/admin/sites/{world.site.id}/series", headers=world.auth("admin"))
    )
    assert {r["code"]: r["example"] for r in rows} == {"A": "A001", "N": "1001"}
    assert session.scalar(select(func.count(NumberSeries.id))) >= 2


@pytest.mark.parametrize("zone", ["Asia", "Mars/Base", "../etc", "x" * 64])
def test_an_unknown_time_zone_is_refused(client, world: World, zone: str, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("validation only")
    response = client.patch(
        f"/api/v1/admin/sites/{world.site.id}", headers=world.auth("admin"), json={"timezone": zone}
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["details"]["json"]) == ["timezone"]


def test_a_closed_day_without_its_date_is_refused_in_an_edit(
    client, world: World, backend: str
) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("validation only")
    response = client.patch(
        f"/api/v1/admin/sites/{world.site.id}",
        headers=world.auth("admin"),
        json={"closed_days": [{"note": "Tết"}]},
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["details"]["json"]) == ["closed_days"]


# --------------------------------------------------------------------------- the announcement


MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội, a Wednesday


def _announced(
    session, world: World, publisher: RecordingPublisher, code: str = "LLTP", counter: int = 1
) -> dict:  # type: ignore[no-untyped-def]
    """Issue a ticket of `code` and call it at `counter`: the call's announcement."""
    issue_ticket(session, world.kiosk_actor, world.services[code].id, now=MORNING)
    counter_id = world.counters[counter].id
    officer = world.actor("o1" if counter == 1 else "o2")
    if session.get(Counter, counter_id).state != "open":
        queue.open_counter(session, officer, counter_id, now=MORNING)
    if session.get(Counter, counter_id).current_ticket_id is not None:
        queue.mark_no_show(session, officer, counter_id, now=MORNING)
    publisher.clear()
    assert queue.call_next(session, officer, counter_id, now=MORNING) is not None
    (called,) = [e for e in publisher.events if e.name == ev.TICKET_CALLED]
    return called.payload["announcement"]  # type: ignore[no-any-return]


def test_the_announcement_is_edited_audited_and_heard_at_the_next_call(
    app, client, session, world: World, publisher: RecordingPublisher
) -> None:  # type: ignore[no-untyped-def]
    announce.state(app).espeak = None  # the clips' making has its own test (voice)
    admin = world.auth("admin")
    first = _announced(session, world, publisher)  # the site's voice settings cached now
    publisher.clear()
    assert first["spoken_vi"] == "Mời công dân có số thứ tự A một đến quầy số một"
    site = _ok(
        client.patch(
            f"/api/v1/admin/sites/{world.site.id}",
            headers=admin,
            json={
                "voice": {
                    "template_vi": "Xin mời số {number} tới quầy {counter}",
                    "dialect": "south",
                    "repeat": 2,
                }
            },
        )
    )
    assert site["voice"] == {
        "template_vi": "Xin mời số {number} tới quầy {counter}",
        "template_en": DEFAULT_TEMPLATE_EN,
        "english": False,
        "dialect": "south",
        "repeat": 2,
    }
    series_id = world.services["LLTP"].series_id
    series = _ok(
        client.patch(
            f"/api/v1/admin/series/{series_id}", headers=admin, json={"voice_reading": "digits"}
        )
    )
    assert series["voice_reading"] == "digits"
    counter = _ok(
        client.patch(
            f"/api/v1/admin/counters/{world.counters[1].id}",
            headers=admin,
            json={"spoken_name": "Một cửa"},
        )
    )
    assert counter["spoken_name"] == "Một cửa"
    # Announced to the site's devices as any set-up change.
    changed = [e.payload["kinds"] for e in publisher.events if e.name == ev.CATALOG_CHANGED]
    assert changed == [["site"], ["series"], ["counter"]]
    # The very next call says it (no wait for the cache's 10 s).
    said = _announced(session, world, publisher)
    assert said["text_vi"] == "Xin mời số A002 tới quầy 1"
    assert said["spoken_vi"] == "Xin mời số A không không hai tới quầy Một cửa"
    assert said["repeat"] == 2
    said = _announced(session, world, publisher, code="DD", counter=4)  # series N: 1001
    assert said["spoken_vi"] == "Xin mời số một ngàn không trăm lẻ một tới quầy bốn"
    # The public site payload (displays) shows it too.
    shown = client.get(f"/api/v1/sites/{world.site.id}", headers=world.auth("display"))
    assert shown.get_json()["voice"]["dialect"] == "south"

    # Audited like any field: before and after, by column.
    (entry,) = _audit(session, "site", world.site.id)
    assert entry.action == "update" and entry.user_id == world.users["admin"].id
    assert entry.before == {
        "voice_template_vi": DEFAULT_TEMPLATE_VI,
        "voice_dialect": "north",
        "voice_repeat": 1,
    }
    assert entry.after == {
        "voice_template_vi": "Xin mời số {number} tới quầy {counter}",
        "voice_dialect": "south",
        "voice_repeat": 2,
    }
    (entry,) = _audit(session, "series", series_id)
    assert (entry.before, entry.after) == ({"voice_reading": "number"}, {"voice_reading": "digits"})
    (entry,) = _audit(session, "counter", world.counters[1].id)
    assert (entry.before, entry.after) == ({"spoken_name": None}, {"spoken_name": "Một cửa"})
    # An empty spoken name: the number again.
    counter = _ok(
        client.patch(
            f"/api/v1/admin/counters/{world.counters[1].id}",
            headers=admin,
            json={"spoken_name": " "},
        )
    )
    assert counter["spoken_name"] is None


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("site", {"voice": {"template_vi": "Mời quầy {counter}"}}, "voice.template_vi"),
        ("site", {"voice": {"template_vi": "Mời {number} {room}"}}, "voice.template_vi"),
        ("site", {"voice": {"template_en": "Number {number"}}, "voice.template_en"),
        ("site", {"voice": {"template_vi": " "}}, "voice.template_vi"),
        ("site", {"voice": {"dialect": "central"}}, "voice.dialect"),
        ("site", {"voice": {"repeat": 0}}, "voice.repeat"),
        ("site", {"voice": {"repeat": 6}}, "voice.repeat"),
        ("series", {"voice_reading": "letters"}, "voice_reading"),
        ("counter", {"spoken_name": "?!"}, "spoken_name"),
        ("counter", {"spoken_name": "x" * 101}, "spoken_name"),
    ],
)
def test_a_bad_voice_setting_is_refused_naming_the_field(
    client, session, world: World, url: str, body: dict, field: str, backend: str
) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("validation only")
    path = {
        "site": f"/api/v1/admin/sites/{world.site.id}",
        "series": f"/api/v1/admin/series/{world.services['LLTP'].series_id}",
        "counter": f"/api/v1/admin/counters/{world.counters[1].id}",
    }[url]
    response = client.patch(path, headers=world.auth("admin"), json=body)
    assert response.status_code == 422, response.get_json()
    refused = response.get_json()
    assert refused["error"] == "invalid_input"
    assert refused["message"].startswith(f"{field}: ")
    assert refused["message_en"].startswith(f"{field}: ")
    assert refused["message"] != refused["message_en"]  # Vietnamese, then English
    outer, _, inner = field.partition(".")
    named = refused["details"]["json"][outer]
    assert list(named) == [inner] if inner else isinstance(named, list)
    assert _audit(session, url) == []  # nothing written
    # Creating one is checked the same way.
    if url == "series":
        response = client.post(
            f"/api/v1/admin/sites/{world.site.id}/series",
            headers=world.auth("admin"),
            json={"code": "Z", **body},
        )
        assert response.status_code == 422 and response.get_json()["message"].startswith(field)


def test_an_officer_cannot_edit_the_announcement(client, world: World, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("permissions only")
    for who in ("o1", "manager", "display"):
        response = client.patch(
            f"/api/v1/admin/sites/{world.site.id}",
            headers=world.auth(who),
            json={"voice": {"dialect": "south"}},
        )
        assert response.status_code == 403, who
    assert (
        client.get(f"/api/v1/sites/{world.site.id}", headers=world.auth("display")).get_json()[
            "voice"
        ]["dialect"]
        == "north"
    )


def test_the_delivery_of_catalog_changed_empties_another_process_voice_cache(
    app, session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Another process (or host) forgets the site's voice settings and makes the clips of
    its wording when a site's catalog.changed reaches it."""
    from server.events import DomainEvent
    from server.realtime import SocketIOPublisher

    prepared: list[object] = []
    monkeypatch.setattr(announce, "prepare_soon", prepared.append)

    assert voice_settings.site_voice(session, world.site.id).dialect.value == "north"
    session.execute(
        Site.__table__.update().where(Site.id == world.site.id).values(voice_dialect="south")
    )
    session.commit()
    session.expire_all()
    assert voice_settings.site_voice(session, world.site.id).dialect.value == "north"  # cached

    class Stub:
        pass

    stub = Stub()
    stub.app = app  # type: ignore[attr-defined]
    SocketIOPublisher.__dict__["_queue_moved"](
        stub, DomainEvent(ev.CATALOG_CHANGED, world.site.id, {"kinds": ["site"], "ids": {}})
    )
    assert voice_settings.site_voice(session, world.site.id).dialect.value == "south"
    assert prepared == [app]
