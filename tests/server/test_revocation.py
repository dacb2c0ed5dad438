"""An ended credential closes its open Socket.IO connections at once: a revoked display or
kiosk, a user whose password was reset or who was locked out, a bearer token logged out.
In one process through the real Socket.IO publisher; the hop between processes (the
message through Redis that each process acts on) on its own, and with two real server
processes in tests/server/test_revocation_multiprocess.py."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from contract import events as ev
from server.events import CredentialEnded
from server.extensions import db
from server.realtime import (
    CREDENTIAL_ENDED,
    INTERNAL_ROOM,
    OrderedRedisManager,
    SocketIOPublisher,
    socketio,
)
from server.services import credentials
from tests.server.factory import World, build_world


@pytest.fixture
def publisher() -> None:
    """No recording fake: these tests use the real Socket.IO publisher."""
    return None


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(db.session)


def connect(app: Flask, token: str):  # type: ignore[no-untyped-def]
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected(), "the server refused the connection"
    return client


def refused(app: Flask, token: str) -> str:
    client = socketio.test_client(app, auth={"token": token})
    assert not client.is_connected()
    return "refused"


def test_a_revoked_device_is_cut_off_at_once(app: Flask, world: World) -> None:
    display = connect(app, world.tokens["display"])
    kiosk = connect(app, world.tokens["kiosk"])
    admin = app.test_client()
    answer = admin.post(
        f"/api/v1/admin/devices/{world.display.id}/revoke", headers=world.auth("admin")
    )
    assert answer.status_code == 200, answer.get_json()
    assert not display.is_connected()  # closed by the server, not found out a minute later
    assert kiosk.is_connected()  # another device's connection stays
    assert refused(app, world.tokens["display"]) == "refused"  # and it cannot come back
    answer = admin.post(
        f"/api/v1/admin/devices/{world.kiosk.id}/revoke", headers=world.auth("admin")
    )
    assert answer.status_code == 200
    assert not kiosk.is_connected()


def test_a_users_connections_end_with_a_reset_password_or_a_locked_account(
    app: Flask, world: World
) -> None:
    manager = connect(app, world.tokens["manager"])
    officer = connect(app, world.tokens["o1"])
    other_officer = connect(app, world.tokens["o2"])
    admin = app.test_client()
    answer = admin.post(
        f"/api/v1/admin/users/{world.users['manager'].id}/password",
        headers=world.auth("admin"),
        json={"new_password": "another-secret"},
    )
    assert answer.status_code == 204, answer.get_json()
    assert not manager.is_connected()
    assert officer.is_connected() and other_officer.is_connected()

    answer = admin.patch(
        f"/api/v1/admin/users/{world.users['o1'].id}",
        headers=world.auth("admin"),
        json={"active": False},
    )
    assert answer.status_code == 200, answer.get_json()
    assert not officer.is_connected()
    # A change that ends nothing (the name) leaves the connection open.
    answer = admin.patch(
        f"/api/v1/admin/users/{world.users['o2'].id}",
        headers=world.auth("admin"),
        json={"full_name": "Cán bộ mới"},
    )
    assert answer.status_code == 200
    assert other_officer.is_connected()
    # Logging a bearer token out closes the connection made with it.
    answer = app.test_client().post("/api/v1/auth/logout", headers=world.auth("o2"))
    assert answer.status_code in (200, 204), answer.get_json()
    assert not other_officer.is_connected()


def test_with_a_queue_the_message_goes_through_it_and_each_process_acts_on_it(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cross-process path without a second process: the publisher emits the message to
    the internal room through the queue; a process's manager that receives it (here: a
    message as Redis hands it over) closes its own connections and forgets the credential,
    and never passes it to clients."""
    live = app.extensions["hangdoi_publisher"]
    assert isinstance(live, SocketIOPublisher)
    sent: list[tuple] = []
    monkeypatch.setattr(live, "via_queue", True)
    display = connect(app, world.tokens["display"])
    monkeypatch.setattr(live.server, "emit", lambda *args, **kwargs: sent.append((args, kwargs)))
    credentials.end(device_id=world.display.id)
    assert sent == [
        (
            (
                CREDENTIAL_ENDED,
                {"device_id": world.display.id, "user_id": None, "token_hash": None},
            ),
            {"to": INTERNAL_ROOM, "namespace": "/"},
        )
    ]
    assert display.is_connected()  # nothing until the message comes back from the queue

    acted: list[CredentialEnded] = []
    manager = OrderedRedisManager("redis://127.0.0.1:6379/15", channel="hangdoi-test-ended")
    manager.on_credential_ended = lambda ended: (acted.append(ended), live.end_connections(ended))
    passed: list[dict] = []
    monkeypatch.setattr(
        OrderedRedisManager.__bases__[0],
        "_handle_emit",
        lambda self, message: passed.append(message),
    )
    # What another process published, as the listener decodes it.
    message = json.loads(
        json.dumps(
            {
                "method": "emit",
                "event": CREDENTIAL_ENDED,
                "data": [sent[0][0][1]],
                "room": INTERNAL_ROOM,
                "namespace": "/",
                "host_id": "another process",
            }
        )
    )
    manager._handle_emit(message)  # noqa: SLF001 - what python-socketio's listener calls
    assert acted == [CredentialEnded(device_id=world.display.id)]
    assert passed == []  # not emitted to any client
    assert not display.is_connected()
    # An ordinary event still goes the usual way.
    manager._handle_emit({"method": "emit", "event": "hello", "data": [{}], "namespace": "/"})  # noqa: SLF001
    assert [m["event"] for m in passed] == ["hello"]
    assert ev.PROVINCE_ROOM != INTERNAL_ROOM
