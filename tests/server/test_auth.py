"""Passwords through HTTP: one's own change and an administrator's reset, each ending every
session and bearer token of the user."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.server.factory import PASSWORD, World, build_world
from tests.server.test_api import assert_error

NEW = "mật-khẩu-mới-2026"


def _browser(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return client


def _token(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_changing_ones_password_ends_every_session_and_token(
    app: Flask, client, world: World
) -> None:
    here, elsewhere = _browser(app, "t1-o1"), _browser(app, "t1-o1")
    desktop = _token(client, "t1-o1")
    assert_error(
        here.post("/api/v1/auth/password", json={"old_password": "wrong-one", "new_password": NEW}),
        403,
        "wrong_password",
    )
    assert_error(
        here.post(
            "/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "short"}
        ),
        422,
        "invalid_input",
    )
    assert here.get("/api/v1/auth/me").status_code == 200  # a refused change ends nothing

    assert (
        here.post(
            "/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": NEW}
        ).status_code
        == 204
    )
    assert here.get_cookie("session") is None  # the answer itself ends this browser's session
    assert "details" not in assert_error(here.get("/api/v1/auth/me"), 401, "unauthorized")
    body = assert_error(elsewhere.get("/api/v1/auth/me"), 401, "unauthorized")
    assert body["details"] == {"reason": "session_ended"}
    assert elsewhere.get_cookie("session") is None  # and that browser forgets the cookie
    body = assert_error(client.get("/api/v1/auth/me", headers=desktop), 401, "invalid_token")
    assert body["details"]["reason"] == "revoked"
    assert_error(
        app.test_client().post(
            "/api/v1/auth/login", json={"username": "t1-o1", "password": PASSWORD}
        ),
        401,
        "bad_credentials",
    )
    assert (
        _browser(app, "t1-o1", NEW).get("/api/v1/auth/me").get_json()["user_id"]
        == world.users["o1"].id
    )


def test_a_desktop_app_changes_its_password_with_its_token(
    app: Flask, client, world: World
) -> None:
    desktop = _token(client, "t1-manager")
    response = client.post(
        "/api/v1/auth/password",
        headers=desktop,
        json={"old_password": PASSWORD, "new_password": NEW},
    )
    assert response.status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=desktop), 401, "invalid_token")
    assert (
        client.get("/api/v1/auth/me", headers=_token(client, "t1-manager", NEW)).status_code == 200
    )


def test_an_admin_resets_a_users_password(app: Flask, client, world: World) -> None:
    officer_browser = _browser(app, "t1-o3")
    officer_desktop = _token(client, "t1-o3")
    target = world.users["o3"].id
    response = client.post(
        f"/api/v1/admin/users/{target}/password",
        headers=world.auth("admin"),
        json={"new_password": NEW},
    )
    assert response.status_code == 204
    body = assert_error(officer_browser.get("/api/v1/auth/me"), 401, "unauthorized")
    assert body["details"] == {"reason": "session_ended"}
    assert_error(client.get("/api/v1/auth/me", headers=officer_desktop), 401, "invalid_token")
    assert_error(client.get("/api/v1/auth/me", headers=world.auth("o3")), 401, "invalid_token")
    assert _browser(app, "t1-o3", NEW).get("/api/v1/auth/me").status_code == 200
    assert (
        client.get("/api/v1/auth/me", headers=world.auth("o1")).status_code == 200
    )  # others keep theirs


def test_an_admin_resets_only_users_of_their_own_site(
    app: Flask, client, session, world: World
) -> None:
    other = build_world(session, code="T2")
    response = client.post(
        f"/api/v1/admin/users/{other.users['o1'].id}/password",
        headers=world.auth("admin"),
        json={"new_password": NEW},
    )
    assert_error(response, 404, "not_found")
    assert_error(
        client.post(
            "/api/v1/admin/users/99999/password",
            headers=world.auth("admin"),
            json={"new_password": NEW},
        ),
        404,
        "not_found",
    )
    assert client.get("/api/v1/auth/me", headers=other.auth("o1")).status_code == 200
