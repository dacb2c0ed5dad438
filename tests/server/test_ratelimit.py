"""Rate limits, each set low: logins and token requests per username and per address, the
phone page per address, issuing per device; the 429's form; X-Forwarded-For believed only
behind a trusted proxy; counts shared through Redis except issuing's."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.test import TestResponse

from server.extensions import db
from server.ratelimit import LocalFixedWindow, limiter
from tests.conftest import require_redis
from tests.server.conftest import make_app
from tests.server.factory import PASSWORD, World, build_world, issue_ticket

MakeApp = Callable[..., Flask]


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the counts do not live in the database


@pytest.fixture
def make(database_url: str, tmp_path: Path) -> Iterator[MakeApp]:
    """An app with these settings, its test centre built on first use."""
    made: list[Flask] = []

    def build(**config: object) -> Flask:
        app = make_app(database_url, tmp_path / str(len(made)), **config)
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.scoped.remove()
    if db.engine is not None:
        db.engine.dispose()


def _world(app: Flask) -> World:
    with app.app_context():
        return build_world(db.session)


def assert_429(response: TestResponse) -> dict:
    assert response.status_code == 429, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "too_many_requests"
    assert unicodedata.is_normalized("NFC", body["message"]) and "thử lại sau" in body["message"]
    assert "Try again in" in body["message_en"]
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60 and body["details"]["retry_after"] == wait
    return body


def _login(
    client: FlaskClient,
    username: str,
    password: str = "wrong-password",
    *,
    route: str = "login",
    **kwargs: object,
) -> TestResponse:
    return client.post(
        f"/api/v1/auth/{route}", json={"username": username, "password": password}, **kwargs
    )


def test_logins_are_limited_per_username_across_login_and_token(make: MakeApp) -> None:
    app = make(RATELIMIT_LOGIN_PER_USERNAME="3/minute")
    _world(app)
    client = app.test_client()
    assert _login(client, "t1-o1").status_code == 401
    assert _login(client, "t1-o1", route="token").status_code == 401
    assert _login(client, "t1-o1", PASSWORD).status_code == 200
    # The fourth try, right password or not, waits: the guesses are spread over both routes.
    assert_429(_login(client, "t1-o1", PASSWORD, route="token"))
    assert_429(_login(app.test_client(), "t1-o1", PASSWORD))
    assert _login(client, "t1-o2", PASSWORD).status_code == 200  # another user is not held up


def test_logins_are_limited_per_client_address(make: MakeApp) -> None:
    app = make(RATELIMIT_LOGIN_PER_ADDRESS="3/minute")
    _world(app)
    client = app.test_client()
    for username in ("a", "b", "c"):
        assert _login(client, username).status_code == 401
    assert_429(_login(client, "d"))
    assert_429(_login(client, "t1-o1", PASSWORD, route="token"))
    other = app.test_client()
    assert (
        _login(other, "t1-o1", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 200
    )


def test_a_password_change_is_limited_per_user(make: MakeApp) -> None:
    app = make(RATELIMIT_LOGIN_PER_USERNAME="2/minute")
    world = _world(app)
    client = app.test_client()
    for _ in range(2):
        answer = client.post(
            "/api/v1/auth/password",
            headers=world.auth("o1"),
            json={"old_password": "not-it", "new_password": "a-new-password"},
        )
        assert answer.status_code == 403
    assert_429(
        client.post(
            "/api/v1/auth/password",
            headers=world.auth("o1"),
            json={"old_password": PASSWORD, "new_password": "a-new-password"},
        )
    )


def test_x_forwarded_for_is_believed_only_behind_a_trusted_proxy(make: MakeApp) -> None:
    direct = make(RATELIMIT_LOGIN_PER_ADDRESS="2/minute")
    client = direct.test_client()
    for n in range(2):
        assert _login(client, "x", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    # Without a trusted proxy, a client cannot make itself new addresses.
    assert_429(_login(client, "x", headers={"X-Forwarded-For": "203.0.113.99"}))

    proxied = make(RATELIMIT_LOGIN_PER_ADDRESS="2/minute", TRUSTED_PROXIES=1)
    client = proxied.test_client()
    for _ in range(2):
        assert _login(client, "x", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 401
    assert_429(_login(client, "x", headers={"X-Forwarded-For": "203.0.113.1"}))
    # Behind nginx every request comes from 127.0.0.1; the visitor's address is the one counted.
    assert _login(client, "x", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 401


def test_the_phone_page_is_limited_per_address_over_its_routes(make: MakeApp) -> None:
    app = make(RATELIMIT_PHONE_PER_ADDRESS="3/minute")
    world = _world(app)
    with app.app_context():
        token = issue_ticket(
            db.session, world.kiosk_actor, world.services["LLTP"].id
        ).tracking_token
    client = app.test_client()
    assert client.get(f"/t/{token}").status_code == 200
    assert client.get(f"/api/v1/track/{token}").status_code == 200
    assert client.get("/t/no-such-ticket").status_code == 404
    assert_429(client.post(f"/api/v1/track/{token}/cancel"))
    assert_429(client.get(f"/t/{token}"))
    phone = app.test_client()
    answer = phone.post(f"/api/v1/track/{token}/cancel", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert answer.status_code == 200 and answer.get_json()["state"] == "cancelled"


def test_issuing_is_limited_per_device(make: MakeApp) -> None:
    app = make(RATELIMIT_ISSUE_PER_DEVICE="2/minute")
    world = _world(app)
    with app.app_context():
        other = build_world(db.session, code="T2")
    client = app.test_client()

    def issue(who: World, auth: str) -> TestResponse:
        return client.post(
            "/api/v1/tickets", headers=who.auth(auth), json={"service_id": who.services["HT"].id}
        )

    assert [issue(world, "kiosk").status_code for _ in range(2)] == [201, 201]
    assert_429(issue(world, "kiosk"))
    assert issue(other, "kiosk").status_code == 201  # another kiosk, same address
    assert issue(world, "o1").status_code == 201  # an officer issuing counts apart


def test_limits_can_be_switched_off(make: MakeApp) -> None:
    app = make(RATELIMIT_LOGIN_PER_ADDRESS="1/minute", RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert [_login(client, "x").status_code for _ in range(3)] == [401, 401, 401]


def test_counts_are_shared_through_redis_but_issuing_counts_per_process(make: MakeApp) -> None:
    redis_url = require_redis()
    settings = {
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_LOGIN_PER_ADDRESS": "2/minute",
        "RATELIMIT_ISSUE_PER_DEVICE": "1/minute",
    }
    first = make(**settings)
    limiter.storage.reset()  # counts left in Redis by an earlier run
    world = _world(first)
    issue = {"headers": world.auth("kiosk"), "json": {"service_id": world.services["HT"].id}}
    assert [_login(first.test_client(), "x").status_code for _ in range(2)] == [401, 401]
    assert first.test_client().post("/api/v1/tickets", **issue).status_code == 201
    assert_429(first.test_client().post("/api/v1/tickets", **issue))

    second = make(**settings)  # another server process on the same Redis
    assert_429(_login(second.test_client(), "x"))
    assert second.test_client().post("/api/v1/tickets", **issue).status_code == 201
    limiter.storage.reset()


def test_the_local_count_answers_as_limits_own_fixed_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LocalFixedWindow against limits' FixedWindowRateLimiter over MemoryStorage, on the
    same hits at the same (frozen) times: the same answers and the same reset times."""
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # both read time.time()
    theirs = FixedWindowRateLimiter(MemoryStorage())
    ours = LocalFixedWindow()
    three, one = parse("3/minute"), parse("1/second")
    hits = [
        (three, ("device:1",), 0.0),
        (three, ("device:1",), 10.0),
        (three, ("device:2",), 0.0),
        (three, ("device:1",), 20.0),
        (three, ("device:1",), 0.0),  # the fourth in its minute: refused
        (one, ("device:1",), 0.0),  # another limit, the same key: counted apart
        (one, ("device:1",), 0.5),
        (three, ("device:1",), 29.9),  # 59.9 s after the first: still refused
        (three, ("device:1",), 0.1),  # 60 s after the first: a new window
        (one, ("device:1",), 0.0),
        (three, ("device:2",), 100.0),
    ]
    for item, key, wait in hits:
        clock[0] += wait
        assert ours.hit(item, *key) == theirs.hit(item, *key), (str(item), key, clock[0])
        assert ours.get_window_stats(item, *key) == theirs.get_window_stats(item, *key)
    assert ours.get_window_stats(three, "nobody") == theirs.get_window_stats(three, "nobody")


def test_the_local_count_drops_ended_windows_when_many_pile_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    monkeypatch.setattr(LocalFixedWindow, "SWEEP_ABOVE", 5)
    counts = LocalFixedWindow()
    item = parse("2/second")
    for device in range(5):
        assert counts.hit(item, f"device:{device}")
    clock[0] += 0.5
    assert counts.hit(item, "device:0") and not counts.hit(item, "device:0")
    clock[0] += 0.6  # the windows of devices 1-4 ended, device 0's too
    assert counts.hit(item, "device:5")  # the sixth key: the ended ones go
    assert len(counts._windows) == 1  # noqa: SLF001 - what the sweep is for
    assert counts.hit(item, "device:0")  # a new window for device 0
