"""Who may call each API route: every route is listed here, and every route is called with
every kind of credential.

The table is the intended policy, written by hand: a new route fails
``test_every_route_is_in_the_table`` until its permission is decided here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import PriorityCategory, Ticket
from server.services import accounts
from tests.server.factory import World, build_world, issue_ticket

ANON, KIOSK, DISPLAY, OFFICER, MANAGER, ADMIN = (
    "anonymous",
    "kiosk",
    "display",
    "officer",
    "manager",
    "admin",
)
EVERYONE = {ANON, KIOSK, DISPLAY, OFFICER, MANAGER, ADMIN}
STAFF = {OFFICER, MANAGER, ADMIN}

EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/health"): EVERYONE,
    ("GET", "/api/v1/ready"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("POST", "/api/v1/auth/login"): EVERYONE,
    ("POST", "/api/v1/auth/token"): EVERYONE,
    ("POST", "/api/v1/auth/logout"): STAFF,
    ("POST", "/api/v1/auth/password"): STAFF,
    ("GET", "/api/v1/auth/me"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/services"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/priority-categories"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/queue"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/counters"): STAFF,
    ("GET", "/api/v1/sites/<int:site_id>/snapshot"): STAFF | {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/tickets"): STAFF,
    ("POST", "/api/v1/tickets"): STAFF | {KIOSK},
    ("GET", "/api/v1/tickets/<int:ticket_id>"): STAFF,
    ("POST", "/api/v1/tickets/<int:ticket_id>/cancel"): STAFF,
    ("POST", "/api/v1/tickets/<int:ticket_id>/return"): STAFF,
    ("POST", "/api/v1/tickets/<int:ticket_id>/transfer"): STAFF,
    ("GET", "/api/v1/track/<token>"): EVERYONE,
    ("POST", "/api/v1/track/<token>/cancel"): EVERYONE,
    ("GET", "/api/v1/counters/<int:counter_id>"): STAFF,
    ("GET", "/api/v1/counters/<int:counter_id>/queue"): STAFF,
    ("POST", "/api/v1/counters/<int:counter_id>/open"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/pause"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/close"): STAFF,
    ("POST", "/api/v1/counters/<int:counter_id>/call-next"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/call"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/recall"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/start"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/finish"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/no-show"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/hold"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/resume"): {OFFICER},
    ("POST", "/api/v1/counters/<int:counter_id>/transfer"): {OFFICER},
    ("GET", "/api/v1/admin/users"): {ADMIN},
    ("POST", "/api/v1/admin/users"): {ADMIN},
    ("PATCH", "/api/v1/admin/users/<int:user_id>"): {ADMIN},
    ("POST", "/api/v1/admin/users/<int:user_id>/password"): {ADMIN},
    ("GET", "/api/v1/admin/devices"): {ADMIN},
    ("POST", "/api/v1/admin/devices"): {ADMIN},
    ("POST", "/api/v1/admin/devices/<int:device_id>/revoke"): {ADMIN},
    ("GET", "/api/v1/admin/sites"): {ADMIN},
    ("POST", "/api/v1/admin/sites"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>"): {ADMIN},
    ("PATCH", "/api/v1/admin/sites/<int:site_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/departments"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/departments"): {ADMIN},
    ("PATCH", "/api/v1/admin/departments/<int:department_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/series"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/series"): {ADMIN},
    ("PATCH", "/api/v1/admin/series/<int:series_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/services"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/services"): {ADMIN},
    ("PATCH", "/api/v1/admin/services/<int:service_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/counters"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/counters"): {ADMIN},
    ("PATCH", "/api/v1/admin/counters/<int:counter_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/priority-categories"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/priority-categories"): {ADMIN},
    ("PATCH", "/api/v1/admin/priority-categories/<int:category_id>"): {ADMIN},
    ("GET", "/api/v1/admin/sites/<int:site_id>/import/template"): {ADMIN},
    ("POST", "/api/v1/admin/sites/<int:site_id>/import"): {ADMIN},
    ("GET", "/api/v1/admin/audit"): {ADMIN},
    # The managers' what-if (issue #15).
    ("GET", "/api/v1/sites/<int:site_id>/whatif/profiles"): {MANAGER, ADMIN},
    ("POST", "/api/v1/sites/<int:site_id>/whatif/jobs"): {MANAGER, ADMIN},
    ("GET", "/api/v1/sites/<int:site_id>/whatif/jobs/<string:job_id>"): {MANAGER, ADMIN},
    # Public: signed by the server, it plays only what was said aloud in the hall.
    ("GET", "/api/v1/voice/<int:site_id>/<digest>.wav"): EVERYONE,
    ("POST", "/api/v1/devices/health"): {KIOSK, DISPLAY},
    ("GET", "/api/v1/sites/<int:site_id>/devices"): {MANAGER, ADMIN},
    # Reports and the live dashboard (tests/server/test_reports.py: a site's manager sees
    # only their site, a province-wide one every site).
    **{
        ("GET", f"/api/v1/reports/{name}"): {MANAGER, ADMIN}
        for name in (
            "summary",
            "services",
            "counters",
            "hours",
            "trend",
            "sites",
            "dossier",
            "raw",
            "monthly.pdf",
            "live/sites",
            "live",
        )
    },
}

# Answers that mean "this credential may not call this route" (as opposed to a queue rule).
ACCESS_DENIED = {"unauthorized", "forbidden", "invalid_token"}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # access rules do not depend on the database


def api_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((method, rule.rule))
    return routes


def test_every_route_is_in_the_table(app) -> None:
    assert sorted(api_routes(app)) == sorted(EXPECTED)


def _credential(session, world: World, role: str) -> dict[str, str]:
    """A fresh credential for each call, so that logout or revoke cannot spoil the next."""
    if role == ANON:
        return {}
    if role in (KIOSK, DISPLAY):
        return world.auth(role)
    user = world.users[{OFFICER: "o1", MANAGER: "manager", ADMIN: "admin"}[role]]
    return {"Authorization": f"Bearer {accounts.issue_token(session, user)}"}


def _url(rule: str, session, world: World) -> str:
    ticket_id = world_ticket(session, world)
    _, throwaway = (
        None,
        accounts.register_device(session, site_id=world.site.id, kind="display", name="x")[0],
    )
    return (
        rule.replace("<int:site_id>", str(world.site.id))
        .replace("<int:counter_id>", str(world.counters[1].id))
        .replace("<int:ticket_id>", str(ticket_id))
        .replace("<token>", _token_of(session, ticket_id))
        .replace("<int:device_id>", str(throwaway.id))
        .replace("<int:user_id>", str(world.users["o3"].id))
        .replace("<int:department_id>", str(world.services["LLTP"].department_id))
        .replace("<int:series_id>", str(world.services["LLTP"].series_id))
        .replace("<int:service_id>", str(world.services["LLTP"].id))
        .replace("<int:category_id>", str(_category_id(session, world)))
        .replace("<digest>.wav", "0123456789abcdef0123456789abcdef.wav?d=north&p=x&vi=x")
    )


def _category_id(session, world: World) -> int:
    return session.scalar(
        select(PriorityCategory.id).where(PriorityCategory.site_id == world.site.id).limit(1)
    )


def world_ticket(session, world: World) -> int:
    return issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id).id


def _token_of(session, ticket_id: int) -> str:
    return session.get(Ticket, ticket_id).tracking_token


BODIES = {
    "/api/v1/auth/login": {"username": "nobody", "password": "x"},
    "/api/v1/auth/token": {"username": "nobody", "password": "x"},
    "/api/v1/auth/password": {"old_password": "not-the-password", "new_password": "a-new-password"},
    "/api/v1/admin/users/<int:user_id>/password": {"new_password": "a-new-password"},
}


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_route_admits_exactly_its_roles(client, session, world: World, role: str) -> None:
    wrong: list[str] = []
    for method, rule in sorted(EXPECTED):
        url = _url(rule, session, world)
        headers = _credential(session, world, role)
        body = BODIES.get(rule, {})
        response = client.open(
            url, method=method, headers=headers, json=body if method in ("POST", "PATCH") else None
        )
        denied = (
            response.status_code in (401, 403) and response.get_json().get("error") in ACCESS_DENIED
        )
        if role in EXPECTED[(method, rule)] and denied:
            wrong.append(f"{method} {rule}: {role} was refused ({response.status_code})")
        if role not in EXPECTED[(method, rule)]:
            expected_status = 401 if role == ANON else 403
            if not denied or response.status_code != expected_status:
                wrong.append(
                    f"{method} {rule}: {role} got {response.status_code}, expected {expected_status}"
                )
    assert wrong == []


def test_revoked_device_token_is_refused(client, session, world: World) -> None:
    assert client.get("/api/v1/auth/me", headers=world.auth("kiosk")).status_code == 200
    accounts.revoke_device(session, world.kiosk.id)
    response = client.post("/api/v1/tickets", headers=world.auth("kiosk"), json={"service_id": 1})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_a_device_of_another_site_sees_nothing_of_this_one(client, session, world: World) -> None:
    other = build_world(session, code="T2")
    response = client.get(f"/api/v1/sites/{world.site.id}/services", headers=other.auth("kiosk"))
    assert response.status_code == 404
    response = client.post(
        "/api/v1/tickets",
        headers=other.auth("kiosk"),
        json={"service_id": world.services["LLTP"].id},
    )
    assert response.status_code == 404
    assert (
        client.get(f"/api/v1/counters/{world.counters[1].id}", headers=other.auth("o1")).status_code
        == 404
    )
