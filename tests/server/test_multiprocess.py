"""Two real server processes on one PostgreSQL database and one Redis: a call made
through process A reaches a Socket.IO client connected to process B, in order."""

from __future__ import annotations

import queue as queue_module
import time
from pathlib import Path

import pytest
import socketio

from contract import events as ev
from tests.conftest import require_redis
from tests.server.live import (
    DEMO_OFFICER_PASSWORD,
    LiveServer,
    drop_postgres_database,
    fresh_postgres_database,
    require_postgres,
)

pytestmark = pytest.mark.slow
DATABASE = "hangdoi_multiprocess"


@pytest.fixture
def two_servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    require_postgres()
    redis_url = require_redis()
    database_url = fresh_postgres_database(DATABASE)
    env = {"HANGDOI_REDIS_URL": redis_url}
    first = LiveServer(tmp_path / "a", database_url, env=env)
    second = LiveServer(tmp_path / "b", database_url, env=env)
    try:
        first.prepare_demo()
        first.start()
        second.devices = first.devices
        second.start()
        yield first, second
    finally:
        for server in (first, second):
            server.stop()
        drop_postgres_database(DATABASE)


def test_a_call_through_one_process_reaches_a_client_of_the_other(two_servers) -> None:
    first, second = two_servers
    display_token = next(d["token"] for d in first.devices if d["kind"] == "display" and d["zone"] == "tang-1")
    inbox: queue_module.Queue = queue_module.Queue()
    client = socketio.Client(reconnection=False)
    for name in (ev.SNAPSHOT, ev.READY, *ev.ALL_EVENTS):
        client.on(name, lambda data, name=name: inbox.put((name, data)))
    # Websocket only: the transport a multi-process deployment without sticky sessions uses.
    client.connect(second.url, auth={"token": display_token}, transports=["websocket"], wait_timeout=10)
    try:
        names = [inbox.get(timeout=10)[0] for _ in range(2)]
        assert names == [ev.SNAPSHOT, ev.READY]
        kiosk = first.session(first.kiosk_token)
        officer = first.session(first.login("canbo01", DEMO_OFFICER_PASSWORD))
        # Counter 4 (tang-1) serves criminal records first.
        assert officer.post(f"{first.url}/api/v1/counters/4/open", json={}).status_code == 200
        numbers = []
        for _ in range(3):
            issued = kiosk.post(f"{first.url}/api/v1/tickets", json={"service_id": 1})
            assert issued.status_code == 201, issued.text
            called = officer.post(f"{first.url}/api/v1/counters/4/call-next", json={}).json()["ticket"]
            numbers.append(called["number"])
            assert officer.post(f"{first.url}/api/v1/counters/4/no-show", json={}).status_code == 200
        heard: list[tuple[str, dict]] = []
        deadline = time.monotonic() + 15
        while len([n for n, _ in heard if n == ev.TICKET_CALLED]) < 3 and time.monotonic() < deadline:
            try:
                heard.append(inbox.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue_module.Empty:
                break
        called_numbers = [d["data"]["ticket"]["number"] for n, d in heard if n == ev.TICKET_CALLED]
        assert called_numbers == numbers, second.log_tail()
        assert all(d["data"]["counter"]["number"] == 4 for n, d in heard if n == ev.TICKET_CALLED)
        seqs = [d["seq"] for _, d in heard]
        assert seqs == sorted(set(seqs))
    finally:
        client.disconnect()
