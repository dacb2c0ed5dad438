"""The REST API: shapes, errors, login, and a counter's whole day through HTTP."""

from __future__ import annotations

import math
import unicodedata

import pytest
from sqlalchemy import event

from server.db import write_transaction
from server.extensions import db
from server.models import Counter, CounterService
from tests.server.factory import PASSWORD, World


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"error", "message", "message_en"}
    assert body["message"] and body["message_en"]
    assert unicodedata.is_normalized("NFC", body["message"])
    if code is not None:
        assert body["error"] == code
    return body


def test_issue_answers_the_slip_fields(client, world: World) -> None:
    response = client.post(
        "/api/v1/tickets",
        headers=world.auth("kiosk"),
        json={"service_id": world.services["LLTP"].id, "priority_category": "elderly"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"] == "A001" and body["state"] == "waiting"
    assert body["service"]["name_vi"] == "Cấp phiếu lý lịch tư pháp"
    assert body["service"]["department_vi"] == "Sở Tư pháp"
    assert body["priority_category"] == "elderly"
    assert body["serving_counters"] == [1, 2]
    assert body["people_ahead"] == 0
    # Nobody at the counters yet: the two counters configured count as if open, each
    # calling in half its interval: counter 1 (10 minutes a call) first, in 5.
    assert body["estimated_wait_minutes"] == 5
    assert body["estimated_wait_range"] == [0, 10]
    assert body["estimated_wait_text_vi"] == "dưới 10 phút"
    assert body["estimated_wait_text_en"] == "under 10 minutes"
    assert body["tracking_url"].startswith("http://hangdoi.test/t/")
    assert body["issued_at"].endswith("+00:00") and body["issued_at_local"].endswith("+07:00")
    second = client.post(
        "/api/v1/tickets",
        headers=world.auth("kiosk"),
        json={"service_id": world.services["LLTP"].id},
    ).get_json()
    assert second["number"] == "A002" and second["people_ahead"] == 1
    # One ahead (the priority ticket, served first): 1.5 calls at 0.15 a minute, less the
    # priority tickets that pass an ordinary one (one in the last hour).
    assert second["estimated_wait_minutes"] == math.ceil(0.5 / 0.2 + 1 / (0.15 - 1 / 60))
    low, high = second["estimated_wait_range"]
    assert low <= second["estimated_wait_minutes"] <= high
    token = second["tracking_url"].rsplit("/", 1)[1]
    tracked = client.get(f"/api/v1/track/{token}").get_json()
    assert tracked["number"] == "A002" and tracked["people_ahead"] == 1
    assert tracked["tracking_url"] is None  # the token is not echoed to other readers
    # Issuing answers without marshmallow: the same fields and forms as TicketOut gives on a read.
    read = client.get(f"/api/v1/tickets/{body['id']}", headers=world.auth("o1")).get_json()
    assert list(body) == list(read)
    assert body == {
        **read,
        "tracking_url": body["tracking_url"],
        "people_ahead": 0,
        "estimated_wait_minutes": body["estimated_wait_minutes"],
        "estimated_wait_range": body["estimated_wait_range"],
        "estimated_wait_text_vi": body["estimated_wait_text_vi"],
        "estimated_wait_text_en": body["estimated_wait_text_en"],
    }


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({}, 422, "invalid_input"),
        ({"service_id": "1"}, 422, "invalid_input"),
        ({"service_id": 1.5}, 422, "invalid_input"),
        ({"service_id": None}, 422, "invalid_input"),
        ({"service_id": 1, "colour": "red"}, 422, "invalid_input"),
        ({"service_id": 1, "lang": "fr"}, 422, "invalid_input"),
        ({"service_id": 1, "dossier_code": "x" * 65}, 422, "invalid_input"),
        ({"service_id": 999999}, 404, "not_found"),
        ({"service_id": 2**62}, 422, "invalid_input"),
        ({"service_id": 0}, 422, "invalid_input"),
        ([1, 2], 422, "invalid_input"),
        ("text", 422, "invalid_input"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, world: World, body, status: int, code: str) -> None:
    response = client.post("/api/v1/tickets", headers=world.auth("kiosk"), json=body)
    assert_error(response, status, code)


def test_field_errors_name_the_field(client, world: World) -> None:
    body = assert_error(client.post("/api/v1/tickets", headers=world.auth("kiosk"), json={}), 422)
    assert "service_id" in body["message"] and "service_id" in body["message_en"]


def test_malformed_json_and_wrong_content_type(client, world: World) -> None:
    response = client.post(
        "/api/v1/tickets",
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
        data="{not json",
    )
    assert_error(response, 400, "invalid_json")
    response = client.post("/api/v1/tickets", headers=world.auth("kiosk"), data="service_id=1")
    assert_error(response, 422)
    response = client.post(
        "/api/v1/tickets",
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
        data=b"\xff\xfe",
    )
    assert_error(response, 400, "invalid_json")
    response = client.post(
        "/api/v1/tickets",
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
        data="[" * 2_000_000,
    )
    assert_error(response, 413, "too_large")


def test_unknown_routes_and_methods_answer_json(client, world: World) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get(f"/api/v1/tickets/{2**62}", headers=world.auth("o1")), 404, "not_found")
    assert_error(client.get("/api/v1/tickets/123456", headers=world.auth("o1")), 404, "not_found")
    assert_error(client.delete("/api/v1/health"), 405, "method_not_allowed")


def test_bad_token_is_a_401_with_a_hint(client, world: World) -> None:
    body = assert_error(
        client.get("/api/v1/auth/me", headers={"Authorization": "Bearer hdd_nope"}),
        401,
        "invalid_token",
    )
    assert "đăng nhập" in body["message"]


def test_counter_day_through_http(client, world: World) -> None:
    officer = world.auth("o1")
    counter = world.counters[1].id
    for service in ("LLTP", "HT"):
        client.post(
            "/api/v1/tickets",
            headers=world.auth("kiosk"),
            json={"service_id": world.services[service].id},
        )
    assert_error(
        client.post(f"/api/v1/counters/{counter}/call-next", headers=officer),
        403,
        "not_your_counter",
    )
    opened = client.post(f"/api/v1/counters/{counter}/open", headers=officer).get_json()
    assert opened["state"] == "open" and opened["officer_name"] == "Cán bộ t1-o1"
    assert [w["waiting"] for w in opened["waiting"]] == [1, 1]
    called = client.post(f"/api/v1/counters/{counter}/call-next", headers=officer).get_json()
    assert called["ticket"]["number"] == "A001" and called["ticket"]["counter"]["number"] == 1
    assert_error(
        client.post(f"/api/v1/counters/{counter}/call-next", headers=officer), 409, "counter_busy"
    )
    assert_error(
        client.post(f"/api/v1/counters/{counter}/finish", headers=officer, json={}),
        409,
        "illegal_transition",
    )
    assert (
        client.post(f"/api/v1/counters/{counter}/recall", headers=officer).get_json()["call_count"]
        == 2
    )
    assert (
        client.post(f"/api/v1/counters/{counter}/start", headers=officer).get_json()["state"]
        == "serving"
    )
    assert_error(
        client.post(
            f"/api/v1/counters/{counter}/finish", headers=officer, json={"outcome": "maybe"}
        ),
        422,
    )
    done = client.post(
        f"/api/v1/counters/{counter}/finish",
        headers=officer,
        json={"outcome": "completed", "dossier_code": "H01-0001"},
    ).get_json()
    assert done["state"] == "done" and done["dossier_code"] == "H01-0001"
    called = client.post(
        f"/api/v1/counters/{counter}/call", headers=officer, json={"number": "a002"}
    ).get_json()
    assert called["number"] == "A002"
    held = client.post(
        f"/api/v1/counters/{counter}/hold", headers=officer, json={"note": "Đi photo"}
    ).get_json()
    assert held["state"] == "held"
    state = client.get(f"/api/v1/counters/{counter}", headers=officer).get_json()
    assert state["current_ticket"] is None and [t["number"] for t in state["held_tickets"]] == [
        "A002"
    ]
    resumed = client.post(
        f"/api/v1/counters/{counter}/resume", headers=officer, json={"ticket_id": held["id"]}
    )
    assert resumed.get_json()["state"] == "called"
    moved = client.post(
        f"/api/v1/counters/{counter}/transfer",
        headers=officer,
        json={"service_id": world.services["CT"].id, "note": "Sang chứng thực"},
    )
    assert moved.status_code == 201 and moved.get_json()["number"] == "A002"
    nobody = client.post(f"/api/v1/counters/{counter}/call-next", headers=officer).get_json()
    assert nobody["ticket"] is None and nobody["message_en"]
    assert (
        client.post(f"/api/v1/counters/{counter}/close", headers=officer).get_json()["state"]
        == "closed"
    )


def test_browser_login_uses_a_cookie_and_requires_json(client, world: World) -> None:
    bad = client.post("/api/v1/auth/login", json={"username": "t1-o1", "password": "wrong"})
    assert_error(bad, 401, "bad_credentials")
    response = client.post("/api/v1/auth/login", json={"username": "t1-o1", "password": PASSWORD})
    assert response.status_code == 200 and response.get_json()["role"] == "officer"
    assert client.get("/api/v1/auth/me").get_json()["user_id"] == world.users["o1"].id
    # A form post (what a forged cross-site request can send) is refused.
    forged = client.post(f"/api/v1/counters/{world.counters[1].id}/open", data={"x": "1"})
    assert_error(forged, 403, "json_required")
    assert client.post(f"/api/v1/counters/{world.counters[1].id}/open", json={}).status_code == 200
    assert client.post("/api/v1/auth/logout", json={}).status_code == 204
    assert_error(client.get("/api/v1/auth/me"), 401)


def test_desktop_token_login_and_logout_revokes(client, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token", json={"username": "t1-o2", "password": PASSWORD, "label": "Quầy 2"}
    )
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert token.startswith("hdu_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["name"] == "Cán bộ t1-o2"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=headers), 401, "invalid_token")


def test_admin_registers_and_revokes_devices(client, world: World) -> None:
    admin = world.auth("admin")
    response = client.post(
        "/api/v1/admin/devices",
        headers=admin,
        json={"site_id": world.site.id, "kind": "kiosk", "name": "Kiosk tầng 2"},
    )
    assert response.status_code == 201
    device = response.get_json()
    assert device["token"].startswith("hdd_")
    kiosk = {"Authorization": f"Bearer {device['token']}"}
    assert client.get("/api/v1/auth/me", headers=kiosk).get_json()["role"] == "kiosk"
    client.post(f"/api/v1/admin/devices/{device['id']}/revoke", headers=admin)
    assert_error(client.get("/api/v1/auth/me", headers=kiosk), 401)
    listed = client.get("/api/v1/admin/devices", headers=admin).get_json()
    assert any(d["id"] == device["id"] and d["revoked_at"] for d in listed)
    assert "token" not in listed[0]


def test_admin_creates_users_within_the_site(client, world: World) -> None:
    admin = world.auth("admin")
    created = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={
            "username": "canbo-moi",
            "password": "matkhau-dai",
            "full_name": "Nguyễn Văn Mới",
            "role": "officer",
            "site_id": world.site.id,
        },
    )
    assert created.status_code == 201
    assert_error(
        client.post(
            "/api/v1/admin/users",
            headers=admin,
            json={
                "username": "canbo-moi",
                "password": "matkhau-dai",
                "full_name": "X",
                "role": "officer",
                "site_id": world.site.id,
            },
        ),
        409,
        "username_taken",
    )
    assert_error(
        client.post(
            "/api/v1/admin/users",
            headers=admin,
            json={
                "username": "khac",
                "password": "matkhau-dai",
                "full_name": "X",
                "role": "officer",
                "site_id": None,
            },
        ),
        403,
        "other_site",
    )


def test_site_reads(client, world: World) -> None:
    services = client.get(
        f"/api/v1/sites/{world.site.id}/services", headers=world.auth("kiosk")
    ).get_json()
    assert [s["code"] for s in services] == ["LLTP", "HT", "CT", "DD"]
    assert services[0]["counters"] == [1, 2] and services[0]["series_code"] == "A"
    assert services[0]["department"]["name_vi"] == "Sở Tư pháp"
    categories = client.get(
        f"/api/v1/sites/{world.site.id}/priority-categories", headers=world.auth("kiosk")
    )
    assert [c["code"] for c in categories.get_json()] == ["elderly", "disabled"]
    client.post(
        "/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": world.services["CT"].id}
    )
    queue_rows = client.get(
        f"/api/v1/sites/{world.site.id}/queue", headers=world.auth("display")
    ).get_json()
    assert {r["code"]: r["waiting"] for r in queue_rows} == {"LLTP": 0, "HT": 0, "CT": 1, "DD": 0}
    tickets = client.get(
        f"/api/v1/sites/{world.site.id}/tickets?state=waiting", headers=world.auth("o1")
    )
    assert [t["number"] for t in tickets.get_json()] == ["1001"]
    assert_error(
        client.get(
            f"/api/v1/sites/{world.site.id}/tickets?state=sleeping", headers=world.auth("o1")
        ),
        422,
    )
    counters = client.get(
        f"/api/v1/sites/{world.site.id}/counters", headers=world.auth("manager")
    ).get_json()
    assert [c["number"] for c in counters] == [1, 2, 3, 4]


def test_openapi_document_covers_the_routes(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tickets" in spec["paths"]
    issue = spec["paths"]["/api/v1/tickets"]["post"]
    assert issue["x-roles"] == ["admin", "kiosk", "manager", "officer"]
    body_schema = issue["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit(
        "/", 1
    )[1]
    assert "service_id" in spec["components"]["schemas"][body_schema]["required"]
    assert "bearer" in spec["components"]["securitySchemes"]
    assert "/api/v1/counters/{counter_id}/call-next" in spec["paths"]


def _queries_of(client, url: str, headers: dict[str, str]) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    client.get(url, headers=headers)  # warms the per-process caches (credential, services, rates)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_json()
    return len(statements), response.get_json()


def test_lists_are_read_in_a_fixed_number_of_queries(client, session, world: World) -> None:  # type: ignore[no-untyped-def]
    kiosk, site = world.auth("kiosk"), world.site.id
    tickets_url, counters_url = f"/api/v1/sites/{site}/tickets", f"/api/v1/sites/{site}/counters"

    def issue(count: int) -> None:
        codes = list(world.services)
        for n in range(count):
            body = {"service_id": world.services[codes[n % len(codes)]].id}
            if n % 3 == 0:
                body["priority_category"] = "elderly"
            assert client.post("/api/v1/tickets", headers=kiosk, json=body).status_code == 201

    def call(officer: str, counter: int, *, hold_first: bool = False) -> None:
        url = f"/api/v1/counters/{world.counters[counter].id}"
        client.post(f"{url}/open", headers=world.auth(officer))
        if hold_first:
            assert (
                client.post(f"{url}/hold", headers=world.auth(officer), json={}).status_code == 200
            )
        assert (
            client.post(f"{url}/call-next", headers=world.auth(officer)).get_json()["ticket"]
            is not None
        )

    issue(4)
    call("o1", 1)
    few_tickets, shown = _queries_of(client, tickets_url, world.auth("o1"))
    few_counters, _ = _queries_of(client, counters_url, world.auth("manager"))
    assert len(shown) == 4

    issue(16)
    call("o1", 1, hold_first=True)
    call("o1", 1, hold_first=True)
    call("o2", 2)
    call("o3", 3)
    client.post(
        f"/api/v1/counters/{world.counters[3].id}/transfer",
        headers=world.auth("o3"),
        json={"counter_id": world.counters[4].id, "service_id": world.services["DD"].id},
    )
    with write_transaction(session):
        for number in range(5, 12):
            extra = Counter(
                site_id=site,
                number=number,
                name_vi=f"Quầy số {number}",
                name_en=f"Counter {number}",
            )
            extra.services = [CounterService(service_id=world.services["CT"].id, rank=0)]
            session.add(extra)
    many_tickets, shown = _queries_of(client, tickets_url, world.auth("o1"))
    many_counters, counters = _queries_of(client, counters_url, world.auth("manager"))
    assert len(shown) == 21 and len(counters) == 11
    assert len(counters[0]["held_tickets"]) == 2 and counters[0]["current_ticket"] is not None
    assert any(t["target_counter"] for t in shown) and any(t["priority_category"] for t in shown)
    assert many_tickets == few_tickets and many_counters == few_counters
