"""Two real server processes on one PostgreSQL database and one Redis: a call made
through process A reaches a Socket.IO client connected to process B, in order; a client
that reconnects, to either process or after its process was killed, gets exactly what it
missed; a phone's place is pushed by the process it is on, never through Redis. Each
test's install has a Redis channel of its own."""

from __future__ import annotations

import json
import queue as queue_module
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import socketio
from sqlalchemy import text

from contract import events as ev
from tests.server.live import (
    DEMO_OFFICER_PASSWORD,
    LiveServer,
    two_live_servers,
)

pytestmark = pytest.mark.slow
DATABASE = "hangdoi_multiprocess"


@pytest.fixture
def two_servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    with two_live_servers(tmp_path, DATABASE) as servers:
        yield servers


def test_a_call_through_one_process_reaches_a_client_of_the_other(two_servers) -> None:
    first, second = two_servers
    display_token = next(
        d["token"] for d in first.devices if d["kind"] == "display" and d["zone"] == "tang-1"
    )
    inbox: queue_module.Queue = queue_module.Queue()
    client = socketio.Client(reconnection=False)
    for name in (ev.SNAPSHOT, ev.READY, *ev.ALL_EVENTS):
        client.on(name, lambda data, name=name: inbox.put((name, data)))
    # Websocket only: the transport a multi-process deployment without sticky sessions uses.
    client.connect(
        second.url, auth={"token": display_token}, transports=["websocket"], wait_timeout=10
    )
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
            called = officer.post(f"{first.url}/api/v1/counters/4/call-next", json={}).json()[
                "ticket"
            ]
            numbers.append(called["number"])
            assert (
                officer.post(f"{first.url}/api/v1/counters/4/no-show", json={}).status_code == 200
            )
        heard: list[tuple[str, dict]] = []
        deadline = time.monotonic() + 15
        while (
            len([n for n, _ in heard if n == ev.TICKET_CALLED]) < 3 and time.monotonic() < deadline
        ):
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


# ------------------------------------------------------------------ reconnecting


class Listener:
    """A Socket.IO client (websocket only) that keeps every message it receives."""

    def __init__(self, url: str, auth: dict[str, Any]) -> None:
        self.inbox: queue_module.Queue = queue_module.Queue()
        self.heard: list[tuple[str, dict]] = []  # everything taken from the inbox so far
        self.client = socketio.Client(reconnection=False)
        for name in (ev.SNAPSHOT, ev.READY, ev.TICKET_STANDING, *ev.ALL_EVENTS):
            self.client.on(name, lambda data, name=name: self.inbox.put((name, data)))
        self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def until(self, done, timeout: float = 15) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
        """Messages until `done(messages)` holds (or the timeout: the test then fails on them)."""
        got: list[tuple[str, dict]] = []
        deadline = time.monotonic() + timeout
        while not done(got) and time.monotonic() < deadline:
            try:
                got.append(self.inbox.get(timeout=max(0.05, deadline - time.monotonic())))
            except queue_module.Empty:
                break
            self.heard.append(got[-1])
        return got

    def until_ready(self) -> list[tuple[str, dict]]:
        return self.until(lambda got: bool(got) and got[-1][0] == ev.READY)

    def quiet(self, seconds: float = 1.0) -> list[tuple[str, dict]]:
        """What else arrives within `seconds`."""
        return self.until(lambda _got: False, timeout=seconds)

    def close(self) -> None:
        self.client.disconnect()


def logged(server: LiveServer, after: int, rooms: list[str]) -> list[tuple[str, int]]:
    """(name, seq) of the site's events after `after` that reached any of `rooms`, from the log."""
    engine = server.engine()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT name, seq, rooms FROM event_log WHERE site_id = 1 AND seq > :after ORDER BY seq"
                ),
                {"after": after},
            ).all()
    finally:
        engine.dispose()
    return [
        (name, seq)
        for name, seq, row_rooms in rows
        if set(row_rooms if isinstance(row_rooms, list) else json.loads(row_rooms)) & set(rooms)
    ]


def stream(messages: list[tuple[str, dict]]) -> list[tuple[str, int]]:
    return [(name, data["seq"]) for name, data in messages if name in ev.ALL_EVENTS]


class Desk:
    """Counter 4 (tang-1), worked by the demo officer through one process or the other."""

    def __init__(self, servers: tuple[LiveServer, LiveServer]) -> None:
        self.token = servers[0].login("canbo01", DEMO_OFFICER_PASSWORD)

    def cycles(self, server: LiveServer, count: int) -> None:
        """Issue a ticket, call it, mark it no-show: `count` times, through `server`."""
        kiosk, officer = server.session(server.kiosk_token), server.session(self.token)
        assert officer.post(
            f"{server.url}/api/v1/counters/4/open", json={}, timeout=30
        ).status_code in (200, 409)
        for _ in range(count):
            issued = kiosk.post(f"{server.url}/api/v1/tickets", json={"service_id": 1}, timeout=30)
            assert issued.status_code == 201, issued.text
            called = officer.post(f"{server.url}/api/v1/counters/4/call-next", json={}, timeout=30)
            assert called.status_code == 200, called.text
            no_show = officer.post(f"{server.url}/api/v1/counters/4/no-show", json={}, timeout=30)
            assert no_show.status_code == 200, no_show.text


def test_a_reconnecting_client_gets_exactly_what_it_missed(two_servers) -> None:
    first, second = two_servers
    desk = Desk(two_servers)
    auth = {
        "token": next(
            d["token"] for d in first.devices if d["kind"] == "display" and d["zone"] == "tang-1"
        )
    }
    display = Listener(second.url, auth)
    ready = display.until_ready()[-1][1]
    rooms = ready["rooms"]
    # A witness stays on each process, so that both have delivered every event before a
    # client reconnects to it: a replay must not be taken for a repeat of those.
    witnesses = [Listener(server.url, auth) for server in two_servers]
    for witness in witnesses:
        witness.until_ready()

    def settle() -> None:
        latest = logged(second, 0, rooms)[-1][1]
        for witness in witnesses:
            witness.until(
                lambda _got, witness=witness: any(seq == latest for _, seq in stream(witness.heard))
            )
            assert stream(witness.heard)[-1][1] == latest, (latest, stream(witness.heard)[-5:])

    try:
        desk.cycles(first, 2)
        settle()
        live = display.until(
            lambda got: stream(got)[-1:] == logged(first, ready["seq"], rooms)[-1:]
        )
        assert stream(live) == logged(first, ready["seq"], rooms)  # live through Redis, each once
        seen = stream(live)[-1][1]
        display.close()

        # Missed while away: events made through both processes; back on the same process.
        desk.cycles(first, 2)
        desk.cycles(second, 1)
        settle()
        missed = logged(first, seen, rooms)
        assert len([n for n, _ in missed if n == ev.TICKET_CALLED]) == 3
        display = Listener(second.url, {**auth, "last_seq": seen})
        back = display.until_ready()
        assert [name for name, _ in back] == [name for name, _ in missed] + [ev.READY]
        assert stream(back) == missed  # each missed event, in order, once
        assert back[-1][1]["seq"] == missed[-1][1]
        desk.cycles(first, 1)  # and live again, no repeats
        live = display.until(lambda got: ev.TICKET_CALLED in [n for n, _ in got])
        live += display.quiet()
        assert stream(live) == logged(first, missed[-1][1], rooms)
        seen = stream(live)[-1][1]
        display.close()

        # Back on the other process.
        desk.cycles(second, 2)
        settle()
        missed = logged(first, seen, rooms)
        display = Listener(first.url, {**auth, "last_seq": seen})
        back = display.until_ready()
        assert stream(back) == missed and back[-1][0] == ev.READY and len(back) == len(missed) + 1
        seen = missed[-1][1]

        # Its process killed: it reconnects to the other one, which was told everything.
        first.kill()
        witnesses.pop(0).close()
        desk.cycles(second, 2)
        settle()
        missed = logged(second, seen, rooms)
        display.close()
        display = Listener(second.url, {**auth, "last_seq": seen})
        back = display.until_ready()
        assert stream(back) == missed and back[-1][0] == ev.READY and len(back) == len(missed) + 1
        assert display.quiet() == []
        # Clients came and went on both processes: not one ERROR (a websocket's closing
        # frames were read as a next HTTP request and logged as an invalid method).
        assert [line for line in second.log_text().splitlines() if " ERROR " in line] == []
    finally:
        display.close()
        for witness in witnesses:
            witness.close()


def test_a_process_hears_the_others_from_its_start_not_from_its_first_client(two_servers) -> None:
    """As a process restarted into a running install: it serves requests before any display
    comes back to it. The events the other process published meanwhile reach the display
    that then connects to it, after the replay of the log: none stays missing."""
    first, second = two_servers
    desk = Desk(two_servers)
    auth = {
        "token": next(
            d["token"] for d in first.devices if d["kind"] == "display" and d["zone"] == "tang-1"
        )
    }
    engine = first.engine()
    try:
        with engine.connect() as connection:
            before = connection.scalar(
                text("SELECT coalesce(max(seq), 0) FROM event_log WHERE site_id = 1")
            )
    finally:
        engine.dispose()
    desk.cycles(second, 1)  # its own requests: delivered by it, with no client yet
    desk.cycles(first, 1)  # the other's, through the channel, and nothing after them
    display = Listener(second.url, {**auth, "last_seq": before})
    try:
        back = display.until_ready()
        expected = logged(first, before, back[-1][1]["rooms"])
        assert len([n for n, _ in expected if n == ev.TICKET_CALLED]) == 2
        got = stream(back)
        if got[-1:] != expected[-1:]:  # the rest live, from the process's delivery
            got += stream(
                display.until(lambda more: stream(more)[-1:] == expected[-1:], timeout=10)
            )
        assert got == expected, second.log_tail()
        assert display.quiet() == []
    finally:
        display.close()


def test_a_phone_is_told_its_place_by_its_own_process_never_through_redis(two_servers) -> None:
    first, second = two_servers
    channel = first.env["HANGDOI_REDIS_CHANNEL"]
    published: list[dict] = []
    pubsub = redis.Redis.from_url(first.env["HANGDOI_REDIS_URL"]).pubsub()
    pubsub.subscribe(channel)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.1)
            if message and message["type"] == "message":
                published.append(json.loads(message["data"]))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    kiosk = first.session(first.kiosk_token)
    try:
        tickets = [
            kiosk.post(f"{first.url}/api/v1/tickets", json={"service_id": 1}, timeout=30).json()
            for _ in range(5)
        ]
        phone = Listener(second.url, {"token": tickets[-1]["tracking_url"].rsplit("/t/", 1)[1]})
        snapshot = dict(phone.until_ready())[ev.SNAPSHOT]
        assert snapshot["ticket"]["people_ahead"] == 4
        desk = Desk(two_servers)
        officer = first.session(desk.token)
        assert (
            officer.post(f"{first.url}/api/v1/counters/4/open", json={}, timeout=30).status_code
            == 200
        )
        assert (
            officer.post(
                f"{first.url}/api/v1/counters/4/call-next", json={}, timeout=30
            ).status_code
            == 200
        )
        told = phone.until(
            lambda got: any(
                n == ev.TICKET_STANDING and d["data"]["people_ahead"] == 3 for n, d in got
            )
        )
        assert [d["data"]["people_ahead"] for n, d in told if n == ev.TICKET_STANDING][-1:] == [
            3
        ], told
        for _ in range(10):  # a rush: nobody else follows these tickets
            assert (
                kiosk.post(
                    f"{first.url}/api/v1/tickets", json={"service_id": 1}, timeout=30
                ).status_code
                == 201
            )
        phone.quiet(1.0)
        phone.close()
    finally:
        stop.set()
        listener.join(timeout=5)
        pubsub.close()
    assert published, "nothing went through the install's channel"
    assert {m.get("event") for m in published if m.get("method") == "emit"} <= set(ev.ALL_EVENTS)
    assert not [m for m in published if m.get("event") == ev.TICKET_STANDING]


def test_a_websocket_from_another_sites_page_is_refused(two_servers) -> None:
    first, _second = two_servers
    auth = {"token": next(d["token"] for d in first.devices if d["kind"] == "display")}
    # websocket-client sends this as the handshake's Origin, as a browser on that page would.
    foreign = socketio.Client(
        reconnection=False, websocket_extra_options={"origin": "https://evil.example"}
    )
    with pytest.raises(socketio.exceptions.ConnectionError):
        foreign.connect(first.url, auth=auth, transports=["websocket"], wait_timeout=10)
    # The public origin (HANGDOI_PUBLIC_URL, here the server's own address) is accepted.
    public = Listener(first.url, auth)
    assert public.until_ready()[-1][0] == ev.READY
    public.close()
