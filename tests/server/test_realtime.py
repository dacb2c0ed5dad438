"""Socket.IO: who hears what, in order, and what a client gets back after a disconnect."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import delete

from contract import events as ev
from server.events import PUBLISHER, DomainEvent
from server.extensions import db
from server.models import EventLog
from server.realtime import OrderedDelivery, SocketIOPublisher, socketio
from server.services import queue
from server.services.estimates import standings
from tests.server.factory import World, build_world, issue_ticket


@pytest.fixture
def publisher() -> None:
    """No recording fake: these tests listen to the real Socket.IO publisher."""
    return None


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(db.session)


def connect(app: Flask, **auth):  # type: ignore[no-untyped-def]
    client = socketio.test_client(app, auth=auth)
    assert client.is_connected(), "the server refused the connection"
    return client


def received(client) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    return [(m["name"], m["args"][0]) for m in client.get_received()]


def calls(messages: list[tuple[str, dict]]) -> list[str]:
    return [data["data"]["ticket"]["number"] for name, data in messages if name == ev.TICKET_CALLED]


def issue_and_call(session, world: World, officer: str, counter: int, count: int) -> list[str]:
    numbers = []
    for _ in range(count):
        issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
        ticket = queue.call_next(session, world.actor(officer), world.counters[counter].id)
        numbers.append(ticket.number)
        queue.mark_no_show(session, world.actor(officer), world.counters[counter].id)
    return numbers


def test_a_display_gets_a_snapshot_then_each_call_live(app, world: World) -> None:
    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    first = received(display)
    assert [name for name, _ in first] == [ev.SNAPSHOT, ev.READY]
    snapshot, ready = first[0][1], first[1][1]
    assert ready["role"] == "display" and ready["seq"] == snapshot["seq"]
    assert ev.zone_room(world.site.id, "tang-1") in ready["rooms"]
    assert [c["counter"]["number"] for c in snapshot["counters"]] == [1, 2]  # its zone only
    numbers = issue_and_call(session, world, "o1", 1, 1)
    live = received(display)
    assert calls(live) == numbers
    called = next(data for name, data in live if name == ev.TICKET_CALLED)
    assert called["data"]["counter"]["number"] == 1
    assert called["data"]["announcement"]["text_vi"].startswith("Mời công dân có số thứ tự")
    seqs = [data["seq"] for _, data in live]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > snapshot["seq"]


def test_reconnect_replays_the_missed_calls_in_order_once(app, world: World) -> None:
    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    last_seq = received(display)[-1][1]["seq"]
    display.disconnect()
    missed = issue_and_call(session, world, "o1", 1, 3)
    again = connect(app, token=world.tokens["display"], last_seq=last_seq)
    messages = received(again)
    assert ev.SNAPSHOT not in [name for name, _ in messages]
    assert calls(messages) == missed
    stream = [data["seq"] for name, data in messages if name != ev.READY]
    assert stream == sorted(set(stream))
    assert messages[-1][0] == ev.READY and messages[-1][1]["seq"] == stream[-1]
    # And live again afterwards, with no repeats.
    more = issue_and_call(session, world, "o1", 1, 1)
    live = received(again)
    assert calls(live) == more
    assert min(data["seq"] for _, data in live) > stream[-1]


def test_a_gap_older_than_the_log_gets_a_snapshot(app, world: World) -> None:
    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    last_seq = received(display)[-1][1]["seq"]
    display.disconnect()
    issue_and_call(session, world, "o1", 1, 2)
    session.execute(delete(EventLog))  # what the nightly pruning does to old events
    session.commit()
    again = connect(app, token=world.tokens["display"], last_seq=last_seq)
    names = [name for name, _ in received(again)]
    assert names == [ev.SNAPSHOT, ev.READY]


def test_each_client_hears_only_its_rooms(app, world: World) -> None:
    session = db.session
    other_site = build_world(session, code="T2")
    ticket = issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    bystander = issue_ticket(session, world.kiosk_actor, world.services["CT"].id)
    phone = connect(app, token=ticket.tracking_token)
    kiosk = connect(app, token=world.tokens["kiosk"])
    stranger = connect(app, token=other_site.tokens["display"])
    display = connect(app, token=world.tokens["display"])
    for client in (phone, kiosk, stranger, display):
        received(client)
    queue.open_counter(session, world.actor("o1"), world.counters[3].id)  # tang-2, serves CT
    queue.call_next(session, world.actor("o1"), world.counters[3].id)  # calls the bystander
    queue.open_counter(session, world.actor("o2"), world.counters[1].id)  # tang-1
    queue.call_next(session, world.actor("o2"), world.counters[1].id)  # calls the phone's ticket
    phone_got = received(phone)
    assert calls(phone_got) == [ticket.number]
    assert bystander.number not in calls(phone_got)
    assert {name for name, _ in received(kiosk)} <= {ev.QUEUE_CHANGED, ev.COUNTER_CHANGED}
    assert received(stranger) == []
    assert calls(received(display)) == [ticket.number]


def test_bad_credentials_are_refused(app, world: World) -> None:
    for auth in (
        {},
        {"token": "hdd_revoked-or-wrong"},
        {"token": "hdu_nope"},
        {"token": "no-such-ticket"},
        {"token": 42},
    ):
        client = socketio.test_client(app, auth=auth)
        assert not client.is_connected()


def test_delivery_puts_events_back_in_order_and_drops_repeats() -> None:
    out: list[int] = []
    delivery = OrderedDelivery(lambda e: out.append(e.seq), lambda site, after, upto: [])
    event = [DomainEvent("ticket.called", 1, {}, ("site:1",), seq, "") for seq in range(10, 15)]
    delivery.deliver([event[0]])
    delivery.deliver([event[2], event[3]])  # 11 is late
    assert out == [10]
    delivery.deliver([event[1]])
    assert out == [10, 11, 12, 13]
    delivery.deliver([event[1], event[4]])  # a repeat, then the next
    assert out == [10, 11, 12, 13, 14]
    assert delivery.delivered_up_to(1) == 14


def test_delivery_fills_a_gap_from_the_log() -> None:
    out: list[int] = []
    log = {seq: DomainEvent("queue.changed", 1, {}, ("site:1",), seq, "") for seq in range(1, 6)}
    delivery = OrderedDelivery(
        lambda e: out.append(e.seq),
        lambda site, after, upto: [log[s] for s in range(after + 1, upto + 1)],
    )
    delivery.deliver([log[1], log[4], log[5]])  # 2 and 3 were lost on the way
    deadline = time.monotonic() + 5
    while len(out) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out == [1, 2, 3, 4, 5]


def test_publisher_is_the_socketio_one(app) -> None:
    assert isinstance(app.extensions[PUBLISHER], SocketIOPublisher)


def test_a_phone_is_pushed_its_new_place_when_its_queue_moves(app, world: World) -> None:
    session = db.session
    first = issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    mine = issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    phone = connect(app, token=mine.tracking_token)
    snapshot = dict(received(phone))[ev.SNAPSHOT]
    assert snapshot["ticket"]["people_ahead"] == 1
    issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id, priority_code="elderly")
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    queue.call_next(session, world.actor("o1"), world.counters[1].id)  # the priority ticket
    queue.mark_no_show(session, world.actor("o1"), world.counters[1].id)
    queue.call_next(session, world.actor("o1"), world.counters[1].id)  # the first ticket
    assert session.get(type(first), first.id).state == "called"
    # The test client runs the connect handler in this thread, and its app context's
    # teardown replaces this thread's session: end this one's read transaction by hand.
    session.close()
    places: list[dict] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (not places or places[-1]["people_ahead"] != 0):
        places += [data["data"] for name, data in received(phone) if name == ev.TICKET_STANDING]
        time.sleep(0.05)
    # Debounced: a burst of moves tells the phone its place a few times, the last one right.
    assert places and places[-1] == {"people_ahead": 0, "estimated_wait_minutes": 0}
    assert len(places) <= 4


def test_standings_follow_the_call_policy(app, world: World) -> None:
    session = db.session
    ordinary = [
        issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id) for _ in range(2)
    ]
    priority = issue_ticket(
        session, world.kiosk_actor, world.services["LLTP"].id, priority_code="disabled"
    )
    rows = {
        token: (ahead, wait)
        for token, ahead, wait in standings(
            session, world.services["LLTP"].id, priority.business_day, priority.issued_at
        )
    }
    assert rows[priority.tracking_token][0] == 0
    assert rows[ordinary[0].tracking_token][0] == 1
    assert rows[ordinary[1].tracking_token] == (2, 20)  # nobody served yet: 10 nominal minutes each


def test_delivery_starts_after_what_a_first_client_was_given() -> None:
    from server.events import DomainEvent

    out: list[int] = []
    delivery = OrderedDelivery(lambda e: out.append(e.seq), lambda site, after, upto: [])
    delivery.start_after(1, 10)  # a client was replayed up to 10 before anything went out here
    delivery.deliver(
        [DomainEvent("ticket.called", 1, {}, ("site:1",), seq, "") for seq in (9, 10, 11)]
    )
    assert out == [11]
    delivery.start_after(1, 5)  # delivering already: nothing changes
    delivery.deliver([DomainEvent("ticket.called", 1, {}, ("site:1",), 12, "")])
    assert out == [11, 12]


def test_standings_are_computed_only_for_a_service_a_phone_here_follows(
    app, world: World, monkeypatch
) -> None:
    publisher = app.extensions[PUBLISHER]
    scheduled: list[tuple] = []
    monkeypatch.setattr(
        publisher.server, "start_background_task", lambda *args: scheduled.append(args)
    )
    session = db.session
    issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    assert scheduled == []  # nobody follows anything
    mine = issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    connect(app, token=mine.tracking_token)
    session.close()
    session = db.session
    issue_ticket(session, world.kiosk_actor, world.services["CT"].id)
    assert scheduled == []  # another service's queue
    issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    assert [args[1:] for args in scheduled] == [
        (world.site.id, (world.services["LLTP"].id, mine.business_day.isoformat()))
    ]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # a desktop app, a kiosk: no browser, no Origin
        ("http://hangdoi.test", True),  # PUBLIC_URL's
        ("HTTP://Hangdoi.Test", True),
        ("https://display.hangdoi.test", True),  # listed in ALLOWED_ORIGINS
        (
            "http://localhost",
            True,
        ),  # the request's own (Host: localhost): websocket-client sends it
        ("https://evil.example", False),
        ("http://hangdoi.test.evil.example", False),
        ("null", False),
    ],
)
def test_only_the_public_and_listed_origins_may_connect(
    database_url, tmp_path, origin, allowed
) -> None:
    from tests.server.conftest import make_app

    app = make_app(
        database_url, tmp_path, ALLOWED_ORIGINS="https://display.hangdoi.test, http://10.0.0.2:5000"
    )
    headers = {"Origin": origin} if origin else {}
    answer = app.test_client().get("/socket.io/?EIO=4&transport=polling", headers=headers)
    assert (answer.status_code == 200) is allowed, answer.text
    if allowed:
        assert answer.text.startswith("0{") and '"sid"' in answer.text  # the engine.io handshake


def test_delivery_drops_an_event_its_database_never_logged(monkeypatch) -> None:
    import time

    from server import realtime
    from server.events import DomainEvent

    monkeypatch.setattr(realtime, "GAP_GIVE_UP", 0.3)
    out: list[int] = []
    log = {seq: DomainEvent("queue.changed", 1, {}, ("site:1",), seq, "") for seq in range(1, 4)}
    delivery = OrderedDelivery(
        lambda e: out.append(e.seq),
        lambda site, after, upto: [log[s] for s in range(after + 1, upto + 1) if s in log],
    )
    delivery.deliver([log[1]])
    # Another install's message on the channel: seq 500 of its own site 1.
    delivery.deliver([DomainEvent("ticket.called", 1, {}, ("site:1",), 500, "")])
    deadline = time.monotonic() + 5
    while delivery._waiting[1] and time.monotonic() < deadline:  # noqa: SLF001 - until it gave up on it
        time.sleep(0.05)
    delivery.deliver([log[2], log[3]])
    assert out == [1, 2, 3]
    assert delivery.delivered_up_to(1) == 3


def test_a_client_ahead_of_this_process_waits_for_it_and_gets_nothing_twice(
    app, world: World, monkeypatch
) -> None:
    import threading
    import time

    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    received(display)
    display.disconnect()
    publisher = app.extensions[PUBLISHER]
    on_the_way: list = []
    monkeypatch.setattr(
        publisher, "publish", on_the_way.extend
    )  # committed, not delivered here yet
    issue_and_call(session, world, "o1", 1, 1)
    monkeypatch.undo()
    seen = max(item.seq for item in on_the_way)  # heard through another process
    session.close()
    threading.Timer(0.3, publisher.delivery.deliver, args=(on_the_way,)).start()
    again = connect(app, token=world.tokens["display"], last_seq=seen)
    messages = received(again)
    assert [name for name, _ in messages] == [ev.READY] and messages[0][1]["seq"] == seen
    deadline = time.monotonic() + 5
    while publisher.delivery.delivered_up_to(world.site.id) != seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publisher.delivery.delivered_up_to(world.site.id) == seen
    assert received(again) == []  # what it had seen did not come again
