"""One answer for every credential: the REST API, the Socket.IO connect handler and the web
display page all ask :mod:`server.services.credentials`, and each kind of credential (valid,
expired, revoked, wrong kind, other site, deactivated user, ended session) gets the same
answer from all three; and the cache's revocation rule.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import utcnow
from server.realtime import Refused, rooms_for, socketio
from server.services import accounts, credentials
from server.services.actor import Actor, Role
from server.services.credentials import Credentials, Reason, Refusal
from tests.server.factory import PASSWORD, World, build_world


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the resolver's rules do not depend on the database


@dataclass
class Case:
    """A credential: a bearer or device token, or (token None) a browser's session cookie."""

    token: str | None
    cookie: str | None
    # What the resolver says (checked too): an actor's (role, site_id), or a refusal's reason.
    expected: tuple[str, int | None] | Reason

    def client(self, app: Flask) -> FlaskClient:
        """A browser of its own for each path (a refused session is cleared from the browser)."""
        client = app.test_client()
        if self.cookie is not None:
            client.set_cookie("session", self.cookie)
        return client


def _login(app: Flask, username: str) -> str:
    client = app.test_client()
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).status_code
        == 200
    )
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _cases(app: Flask, session: Session, world: World, other: World) -> dict[str, Case]:
    """Every kind of credential; those that end are first used while valid (so that each
    path has cached them), then ended."""
    site, elsewhere = world.site.id, other.site.id
    past = utcnow() - accounts.TOKEN_LIFETIME - dt.timedelta(days=1)

    revoked_token = accounts.issue_token(session, world.users["o2"])
    inactive_token = accounts.issue_token(session, world.users["o3"])
    inactive_session = _login(app, "t1-o3")
    changed_token = accounts.issue_token(session, world.users["manager"])
    changed_session = _login(app, "t1-manager")
    _, revoked_display = accounts.register_device(
        session, site_id=site, kind="display", name="Cũ", zone="tang-1"
    )
    ending = [revoked_token, inactive_token, changed_token, revoked_display]
    for token in ending:
        assert app.test_client().get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    for cookie in (inactive_session, changed_session):
        assert (
            Case(None, cookie, Reason.UNKNOWN).client(app).get("/api/v1/auth/me").status_code == 200
        )
    assert socketio.test_client(app, auth={"token": revoked_display}).is_connected()
    assert app.test_client().get(f"/display?token={revoked_display}").status_code == 200

    accounts.revoke_token(session, revoked_token)
    accounts.set_active(session, world.users["o3"].id, False)
    accounts.change_password(session, world.users["manager"].id, PASSWORD, "a-new-password")
    accounts.revoke_device(session, _device_id(session, revoked_display))

    return {
        "kiosk": Case(world.tokens["kiosk"], None, ("kiosk", site)),
        "display": Case(world.tokens["display"], None, ("display", site)),
        "officer token": Case(world.tokens["o1"], None, ("officer", site)),
        "officer session": Case(None, _login(app, "t1-o1"), ("officer", site)),
        "other site's display": Case(other.tokens["display"], None, ("display", elsewhere)),
        "other site's officer": Case(other.tokens["o1"], None, ("officer", elsewhere)),
        "expired token": Case(
            accounts.issue_token(session, world.users["o1"], now=past), None, Reason.EXPIRED
        ),
        "revoked token": Case(revoked_token, None, Reason.REVOKED),
        "revoked display": Case(revoked_display, None, Reason.REVOKED),
        "unknown device token": Case("hdd_" + "x" * 43, None, Reason.UNKNOWN),
        "unknown user token": Case("hdu_" + "x" * 43, None, Reason.UNKNOWN),
        "deactivated user's token": Case(inactive_token, None, Reason.USER_INACTIVE),
        "deactivated user's session": Case(None, inactive_session, Reason.USER_INACTIVE),
        "token from before a password change": Case(changed_token, None, Reason.REVOKED),
        "session from before a password change": Case(None, changed_session, Reason.SESSION_ENDED),
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _device_id(session: Session, token: str) -> int:
    verdict = credentials.resolver().token(session, token)
    assert isinstance(verdict, Actor) and verdict.device_id is not None
    return verdict.device_id


Answer = tuple[str, int | None] | str  # an actor's (role, site id), or a refusal's reason


def rest_answer(app: Flask, case: Case) -> Answer:
    response = case.client(app).get(
        "/api/v1/auth/me", headers=_bearer(case.token) if case.token else {}
    )
    body = response.get_json()
    if response.status_code == 200:
        return body["role"], body["site_id"]
    assert response.status_code == 401, body
    assert body["error"] == ("invalid_token" if case.token else "unauthorized")
    assert body["message"] and body["message_en"]
    return str(body["details"]["reason"])


def socket_answer(app: Flask, case: Case) -> Answer:
    auth = {"token": case.token} if case.token else {}
    client = socketio.test_client(app, auth=auth, flask_test_client=case.client(app))
    if client.is_connected():
        ready = [m["args"][0] for m in client.get_received() if m["name"] == "ready"]
        client.disconnect()
        return ready[0]["role"], ready[0]["site_id"]
    # The test client does not keep the refusal's payload: ask the connect handler's
    # function itself, with the same cookie.
    headers = {"Cookie": f"session={case.cookie}"} if case.cookie else {}
    with app.test_request_context("/socket.io/", headers=headers):
        try:
            rooms_for(auth)
        except Refused as refused:
            return str(refused.body["details"]["reason"])
    raise AssertionError("the connection was refused but rooms_for accepts the credential")


def display_answer(app: Flask, case: Case, site_names: dict[int, str]) -> Answer:
    """The display page takes a display's token only: any other actor is a wrong kind."""
    assert case.token is not None
    response = case.client(app).get(f"/display?token={case.token}")
    page = response.get_data(as_text=True)
    if response.status_code == 200:
        return "display", next(site for site, name in site_names.items() if name in page)
    assert response.status_code == 403
    found = re.search(r'data-reason="([a-z_]+)"', page)
    assert found, page
    return found.group(1)


def test_every_credential_gets_the_same_answer_everywhere(
    app: Flask, session: Session, world: World
) -> None:
    other = build_world(session, code="T2")
    cases = _cases(app, session, world, other)
    site_names = {world.site.id: world.site.name_vi, other.site.id: other.site.name_vi}
    wrong: list[str] = []
    for name, case in cases.items():
        expected: Answer = (
            case.expected.value if isinstance(case.expected, Reason) else case.expected
        )
        if case.token is not None:
            verdict = credentials.resolver().token(db.session, case.token)
        else:
            data = _session_data(app, case.cookie)
            verdict = credentials.resolver().session_user(
                db.session, data.get("user_id"), data.get("sv")
            )
        resolved = (
            verdict.reason.value
            if isinstance(verdict, Refusal)
            else (verdict.role.value, verdict.site_id)
        )
        answers = {
            "resolver": resolved,
            "REST": rest_answer(app, case),
            "Socket.IO": socket_answer(app, case),
        }
        if case.token is not None:
            # The display page opens for a display only; every other actor is a wrong kind there.
            answers["display page"] = display_answer(app, case, site_names)
        display_wants = (
            expected
            if isinstance(case.expected, Reason) or expected[0] == "display"
            else Reason.WRONG_KIND.value
        )
        for path, answer in answers.items():
            want = display_wants if path == "display page" else expected
            if answer != want:
                wrong.append(f"{name}: {path} said {answer}, expected {want}")
    assert wrong == []


def _session_data(app: Flask, cookie: str | None) -> dict[str, Any]:
    """What a session cookie says: anyone holding it can read this (it is signed, not encrypted)."""
    assert cookie is not None
    with app.test_request_context():
        return dict(app.session_interface.get_signing_serializer(app).loads(cookie))  # type: ignore[attr-defined]


def test_a_session_cookie_holds_no_part_of_the_password_hash(app: Flask, world: World) -> None:
    data = _session_data(app, _login(app, "t1-o1"))
    assert data == {"user_id": world.users["o1"].id, "sv": 0, "_permanent": True}
    assert not any(
        str(v) in world.users["o1"].password_hash for v in data.values() if isinstance(v, str)
    )


def test_another_process_learns_a_revocation_within_the_cache_time(
    app: Flask, session: Session, world: World
) -> None:
    # Another process's resolver: this process's revocation does not reach its cache.
    elsewhere = Credentials(seconds=0.3)
    token = world.tokens["display"]
    assert isinstance(elsewhere.token(db.session, token), Actor)
    accounts.revoke_device(session, world.display.id)
    assert credentials.resolver().token(db.session, token) == Refusal(
        Reason.REVOKED
    )  # here: at once
    assert isinstance(elsewhere.token(db.session, token), Actor)  # there: still cached ...
    time.sleep(0.35)
    db.scoped.remove()
    assert elsewhere.token(db.session, token) == Refusal(
        Reason.REVOKED
    )  # ... until the cache time ends


def test_a_cached_token_expires_on_time(app: Flask, session: Session, world: World) -> None:
    issued = utcnow() - accounts.TOKEN_LIFETIME + dt.timedelta(seconds=30)
    token = accounts.issue_token(session, world.users["o1"], now=issued)
    resolver = credentials.resolver()
    assert isinstance(resolver.token(db.session, token), Actor)
    later = utcnow() + dt.timedelta(minutes=1)
    assert resolver.token(db.session, token, now=later) == Refusal(Reason.EXPIRED)


def test_a_cached_device_token_opens_no_database_session(app: Flask, world: World) -> None:
    resolver = credentials.resolver()
    db.scoped.remove()
    assert isinstance(
        resolver.token(db.session, world.tokens["kiosk"]), Actor
    )  # a miss: reads the row
    db.scoped.remove()
    assert not db.scoped.registry.has()
    assert resolver.token(db.session, world.tokens["kiosk"]).role == Role.KIOSK  # type: ignore[union-attr]
    assert not db.scoped.registry.has(), "a cache hit made a database session"


def test_forgetting_a_user_drops_all_their_cached_answers(
    app: Flask, session: Session, world: World
) -> None:
    resolver = credentials.resolver()
    user = world.users["o1"]
    lookups: list[Callable[[], Any]] = [
        lambda: resolver.token(db.session, world.tokens["o1"]),
        lambda: resolver.session_user(db.session, user.id, 0),
    ]
    assert all(isinstance(lookup(), Actor) for lookup in lookups)
    accounts.set_active(session, user.id, False)
    assert [lookup() for lookup in lookups] == [Refusal(Reason.USER_INACTIVE)] * 2
    accounts.set_active(session, user.id, True)
    assert all(isinstance(lookup(), Actor) for lookup in lookups)


def test_tokens_of_a_foreign_form_are_a_wrong_kind_without_a_lookup(app: Flask) -> None:
    resolver = credentials.resolver()
    for token in ("Basic abc", "a-tracking-token", "hdd_" + "x" * 200):
        assert resolver.token(db.session, token) == Refusal(Reason.WRONG_KIND)
