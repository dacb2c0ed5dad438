"""Socket.IO: who hears what, in order, and what a client gets back after a disconnect."""

from __future__ import annotations

import datetime as dt
import json
import math
import time

import pytest
import socketio as pysocketio
from flask import Flask
from sqlalchemy import delete, select

from contract import events as ev
from server import realtime
from server.events import PUBLISHER, DomainEvent
from server.extensions import db
from server.models import EventLog
from server.realtime import OrderedDelivery, OrderedRedisManager, SocketIOPublisher, socketio
from server.services import accounts, queue
from server.services.estimates import clear_cache, service_pace, standings
from server.services.reports import live
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
    assert places and places[-1]["people_ahead"] == 0
    # The wait as a range (contract.events.TicketStandingData).
    assert set(places[-1]) == {
        "people_ahead",
        "estimated_wait_minutes",
        "estimated_wait_range",
        "estimated_wait_text_vi",
        "estimated_wait_text_en",
    }
    low, high = places[-1]["estimated_wait_range"]
    assert places[-1]["estimated_wait_text_vi"] == (
        f"dưới {high} phút" if low == 0 else f"khoảng {low}–{high} phút"
    )
    assert len(places) <= 4


def test_standings_follow_the_call_policy(app, world: World) -> None:
    session = db.session
    ordinary = [
        issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id) for _ in range(2)
    ]
    priority = issue_ticket(
        session, world.kiosk_actor, world.services["LLTP"].id, priority_code="disabled"
    )
    clear_cache()  # the pace as of the last issue, not the first
    rows = {
        token: (ahead, wait.minutes)
        for token, ahead, wait in standings(
            session, world.services["LLTP"].id, priority.business_day, priority.issued_at
        )
    }
    assert rows[priority.tracking_token][0] == 0
    assert rows[ordinary[0].tracking_token][0] == 1
    # Nobody at a counter yet: counters 1 (first choice, a call every 10 nominal minutes)
    # and 2 (second, every 20) count as if open, each calling in half an interval: at 5
    # and 10, then counter 1 again 10 later, slowed by the priority tickets that pass the
    # ordinary ones (the day's share, 1 of 3 with 5% weighing as 20, of 3 arrivals in the
    # 15 minutes the rate is read over at least).
    priority_per_minute = (1 + 0.05 * 20) / (3 + 20) * 3 / 15
    scale = (0.15 - priority_per_minute) / 0.15
    assert rows[ordinary[1].tracking_token] == (2, math.ceil(5 + 10 / scale))


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


# ------------------------------------------------------------------ events that never come
# Redis pub/sub keeps nothing for a process that is not subscribed yet (a process restarted
# into a running install), and a gap shows only when a later event arrives: the last events
# of a burst published before the process listened would never reach its clients.


def _logged(site_id: int, after: int, rooms: list[str]) -> list[int]:
    """The seqs of the site's logged events after `after` that reached any of `rooms`."""
    rows = db.session.scalars(
        select(EventLog)
        .where(EventLog.site_id == site_id, EventLog.seq > after)
        .order_by(EventLog.seq)
    ).all()
    return [row.seq for row in rows if set(rooms) & set(row.rooms)]


def _until(done, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_delivery_reads_the_log_for_the_last_events_of_a_burst_once_it_is_quiet() -> None:
    out: list[int] = []
    reads: list[tuple[int, int]] = []
    log = {seq: DomainEvent("queue.changed", 1, {}, ("site:1",), seq, "") for seq in range(1, 5)}

    def fetch(site_id: int, after: int, upto: int) -> list[DomainEvent]:
        reads.append((after, upto))
        return [log[seq] for seq in sorted(log) if after < seq <= upto]

    delivery = OrderedDelivery(lambda e: out.append(e.seq), fetch, quiet_check=0.1)
    # 3 and 4 never come through the queue, and nothing after them shows them missing.
    delivery.deliver([log[1], log[2]])
    _until(lambda: len(out) == 4)
    assert out == [1, 2, 3, 4]
    time.sleep(0.5)
    # One read found them, one more found nothing new: then none while the site is idle.
    assert [after for after, _ in reads] == [2, 4]
    assert out == [1, 2, 3, 4]


def test_the_queue_listener_reads_the_log_once_redis_confirms_its_subscription(monkeypatch) -> None:
    out: list[int] = []
    log = {seq: DomainEvent("queue.changed", 1, {}, ("site:1",), seq, "") for seq in range(1, 5)}
    delivery = OrderedDelivery(
        lambda e: out.append(e.seq),
        lambda site_id, after, upto: [log[s] for s in sorted(log) if after < s <= upto],
    )
    delivery.deliver([log[1]])  # its own request's event, before it listened
    later = DomainEvent("queue.changed", 1, {}, ("site:1",), 5, "")
    channel = "hangdoi-test-subscribed"
    manager = OrderedRedisManager("redis://127.0.0.1:6379/0", channel=channel)
    manager.delivery = delivery
    manager._redis_connect()  # noqa: SLF001 - no connection is made before a command
    assert (
        manager.pubsub.ignore_subscribe_messages is False
    )  # the confirmation must reach the listener
    # What redis-py's listen() gives: Redis's confirmation of SUBSCRIBE, then a message
    # published after it (2-4 were published before it, and are lost to this process).
    published = {
        "method": "emit",
        "event": "queue.changed",
        "data": [later.envelope()],
        "room": ["site:1"],
        "namespace": "/",
        "host_id": "another process",
    }
    heard = [
        {"type": "subscribe", "pattern": None, "channel": channel.encode(), "data": 1},
        {
            "type": "message",
            "pattern": None,
            "channel": channel.encode(),
            "data": json.dumps(published),
        },
    ]
    monkeypatch.setattr(
        pysocketio.RedisManager, "_redis_listen_with_retries", lambda self: iter(heard)
    )
    listening = manager._listen()  # noqa: SLF001 - python-socketio's listener loop reads this
    first = next(listening)
    listening.close()
    assert json.loads(first)["data"][0]["seq"] == 5  # only published messages go on
    assert out == [1, 2, 3, 4]  # read from the log before anything published after the subscription
    delivery.deliver([later])
    assert out == [1, 2, 3, 4, 5]


def test_a_client_gets_the_last_events_that_never_reached_its_process(
    app, world: World, monkeypatch
) -> None:
    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    ready = received(display)[-1][1]
    display.disconnect()
    publisher = app.extensions[PUBLISHER]
    issue_and_call(session, world, "o1", 1, 1)  # through this process: delivered here
    # With several processes (here one, so switched on by hand).
    monkeypatch.setattr(publisher.delivery, "_quiet_check", 0.1)
    with monkeypatch.context() as lost:
        # Through another process, published before this one listened: never here.
        lost.setattr(publisher, "publish", lambda events: None)
        issue_and_call(session, world, "o1", 1, 1)
    session.close()
    expected = _logged(world.site.id, ready["seq"], ready["rooms"])
    again = connect(app, token=world.tokens["display"], last_seq=ready["seq"])
    messages = received(again)
    names = [name for name, _ in messages]
    assert ev.SNAPSHOT not in names and names.count(ev.READY) == 1
    stream = [data["seq"] for name, data in messages if name != ev.READY]  # replayed up to its own
    deadline = time.monotonic() + 5
    while len(stream) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
        stream += [data["seq"] for _, data in received(again)]
    assert stream == expected  # the ones that never came here too: each once, in order


def test_a_client_ahead_of_this_process_is_caught_up_from_the_log_when_the_events_never_come(
    app, world: World, monkeypatch
) -> None:
    monkeypatch.setattr(realtime, "CATCH_UP_WAIT", 0.1)
    session = db.session
    queue.open_counter(session, world.actor("o1"), world.counters[1].id)
    display = connect(app, token=world.tokens["display"])
    rooms = received(display)[-1][1]["rooms"]
    display.disconnect()
    publisher = app.extensions[PUBLISHER]
    lost: list[DomainEvent] = []
    with monkeypatch.context() as patch:
        # Heard through another process, published before this one listened: never here.
        patch.setattr(publisher, "publish", lost.extend)
        issue_and_call(session, world, "o1", 1, 1)
    seen = max(item.seq for item in lost)
    session.close()
    again = connect(app, token=world.tokens["display"], last_seq=seen)
    messages = received(again)
    assert [name for name, _ in messages] == [ev.READY] and messages[0][1]["seq"] == seen
    assert publisher.delivery.delivered_up_to(world.site.id) == seen
    issue_and_call(session, world, "o1", 1, 1)  # and live again: only what follows, once
    assert [data["seq"] for _, data in received(again)] == _logged(world.site.id, seen, rooms)


def test_the_province_room_gets_each_sites_row_at_most_once_a_second(app, world: World) -> None:
    session = db.session
    other = build_world(session, code="T2")
    boss = accounts.create_user(
        session,
        username="tinh",
        password="secret123",
        full_name="Tỉnh",
        role="manager",
        site_id=None,
    )
    province = connect(app, token=accounts.issue_token(session, boss), province=True)
    ready = received(province)
    assert [name for name, _ in ready] == [ev.READY]
    assert ready[0][1]["province"] is True and ready[0][1]["rooms"] == [ev.PROVINCE_ROOM]
    # Only a province-wide user follows every site.
    refused = socketio.test_client(app, auth={"token": world.tokens["manager"], "province": True})
    assert not refused.is_connected()
    # A burst of five tickets in one site: one or two rows, the last one counting all five.
    for _ in range(5):
        issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id)
    rows: list[dict] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and (not rows or rows[-1]["issued"] < 5):
        time.sleep(0.1)
        rows += [data["data"] for name, data in received(province) if name == ev.SITE_TODAY]
    time.sleep(ev.SITE_TODAY_EVERY_SECONDS + 0.3)  # a row still due would come by now
    rows += [data["data"] for name, data in received(province) if name == ev.SITE_TODAY]
    assert 1 <= len(rows) <= 2
    assert {r["site_id"] for r in rows} == {world.site.id}  # the quiet site sends nothing
    assert (rows[-1]["issued"], rows[-1]["waiting"]) == (5, 5)
    assert (
        rows[-1]
        == live.sites_today(
            session, [world.site.id], now=dt.datetime.fromisoformat(rows[-1]["at"])
        )[0]
    )
    # Another site's move is its own row, sent without waiting for the first's second.
    issue_ticket(session, other.kiosk_actor, other.services["LLTP"].id)
    deadline = time.monotonic() + 3
    more: list[dict] = []
    while time.monotonic() < deadline and not more:
        time.sleep(0.1)
        more += [data["data"] for name, data in received(province) if name == ev.SITE_TODAY]
    assert [(r["site_id"], r["issued"]) for r in more] == [(other.site.id, 1)]


def test_a_counters_event_drops_the_sites_cached_paces(app, world: World) -> None:
    """Every event of a counter's move that this process delivers (another process's, as
    through Redis) drops the site's cached paces; an issue's or the queue's counts do not."""
    session = db.session
    clear_cache()
    service_id = world.services["LLTP"].id
    now = dt.datetime.now(dt.UTC)
    pace = service_pace(session, service_id, now)
    publisher = app.extensions[PUBLISHER]
    delivery = publisher.delivery
    site = world.site.id
    seq = (delivery.delivered_up_to(site) or 0) + 1
    for name in (ev.TICKET_ISSUED, ev.QUEUE_CHANGED):
        delivery.deliver([DomainEvent(name, site, {}, (ev.site_room(site),), seq, "")])
        seq += 1
        assert service_pace(session, service_id, now) is pace, name
    for name in (ev.TICKET_CALLED, ev.TICKET_FINISHED, ev.COUNTER_CHANGED):
        delivery.deliver([DomainEvent(name, site, {}, (ev.site_room(site),), seq, "")])
        seq += 1
        fresh = service_pace(session, service_id, now)
        assert fresh is not pace, name
        pace = fresh
