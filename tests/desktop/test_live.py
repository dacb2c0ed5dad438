"""desktop.live: events in seq order, once each, from the real server; the replay after a
restart; a refused token."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pytestqt.qtbot import QtBot

from contract import events as ev
from desktop.live import LiveConnection, LiveState, SeqOrder, state_label
from tests.server.live import DEMO_OFFICER_PASSWORD, LiveServer

# ------------------------------------------------------------------ SeqOrder alone


class ManualTimer:
    """Timers that fire only when the test says so."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, delay: float, action: Callable[[], None]) -> ManualTimer:
        self.pending.append(action)
        return self

    def cancel(self) -> None:
        self.pending.clear()

    def fire(self) -> None:
        actions, self.pending = self.pending, []
        for action in actions:
            action()


def _env(seq: int) -> dict[str, Any]:
    return {"seq": seq, "site_id": 1, "at": "", "name": ev.TICKET_ISSUED, "data": {}}


def test_events_come_out_in_seq_order_once_each() -> None:
    out: list[int] = []
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), timer=ManualTimer())
    order.reset(10)
    for seq in (12, 11, 11, 9, 10, 14, 13, 12):
        order.push(ev.TICKET_ISSUED, _env(seq))
    assert out == [11, 12, 13, 14]
    assert order.floor == 14


def test_events_before_any_snapshot_wait_for_it_or_the_gap_wait() -> None:
    out: list[int] = []
    timer = ManualTimer()
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), timer=timer)
    order.push(ev.TICKET_ISSUED, _env(3))
    assert out == []
    timer.fire()
    assert out == [3]


def test_a_gap_is_waited_for_then_passed() -> None:
    out: list[int] = []
    timer = ManualTimer()
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), timer=timer)
    order.reset(5)
    order.push(ev.TICKET_ISSUED, _env(8))
    order.push(ev.TICKET_ISSUED, _env(7))
    assert out == [] and timer.pending
    timer.fire()  # seq 6 went to rooms this client is not in
    assert out == [7, 8]
    order.push(ev.TICKET_ISSUED, _env(6))  # late: already passed
    order.push(ev.TICKET_ISSUED, _env(9))
    assert out == [7, 8, 9]


def test_a_snapshot_covers_the_events_before_it() -> None:
    out: list[int] = []
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), timer=ManualTimer())
    order.push(ev.TICKET_ISSUED, _env(18))  # its handler ran before the snapshot's
    order.reset(20)
    order.push(ev.TICKET_ISSUED, _env(20))
    order.push(ev.TICKET_ISSUED, _env(21))
    assert out == [21]


def test_ready_waits_for_the_replay_before_it() -> None:
    out: list[object] = []
    timer = ManualTimer()
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), timer=timer)
    order.reset(4)
    order.when_reached(6, lambda: out.append("ready"))
    order.push(ev.TICKET_ISSUED, _env(6))
    assert out == []
    order.push(ev.TICKET_ISSUED, _env(5))
    assert out == [5, 6, "ready"]
    order.when_reached(9, lambda: out.append("ready again"))  # 7..9 went elsewhere
    timer.fire()
    assert out == [5, 6, "ready", "ready again"] and order.floor == 9


def test_threads_racing_still_give_each_seq_once_in_order() -> None:
    out: list[int] = []
    order = SeqOrder(lambda _name, env: out.append(env["seq"]), gap_wait=5)
    order.reset(0)
    seqs = list(range(1, 401))
    barrier = threading.Barrier(4)

    def push(part: list[int]) -> None:
        barrier.wait()
        for seq in part:
            order.push(ev.TICKET_ISSUED, _env(seq))

    threads = [threading.Thread(target=push, args=(seqs[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert out == seqs


# ------------------------------------------------------------------ against the server


class Recorder:
    def __init__(self, live: LiveConnection) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.snapshots: list[dict[str, Any]] = []
        self.states: list[str] = []
        live.event_received.connect(lambda name, env: self.events.append((name, env)))
        live.snapshot_received.connect(self.snapshots.append)
        live.state_changed.connect(self.states.append)

    def seqs(self) -> list[int]:
        return [env["seq"] for _name, env in self.events]


def _issue(server: LiveServer, service_id: int = 1) -> dict[str, Any]:
    answer = requests.post(
        server.url + "/api/v1/tickets",
        json={"service_id": service_id},
        headers={"Authorization": f"Bearer {server.kiosk_token}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def officer_token(server: LiveServer) -> str:
    return server.login("canbo03", DEMO_OFFICER_PASSWORD)


@pytest.fixture
def connection(qtbot: QtBot, server: LiveServer, officer_token: str) -> Iterator[LiveConnection]:
    live = LiveConnection(server.url, officer_token, reconnect_max=1.0)
    yield live
    live.stop()


def test_a_real_event_arrives_as_a_signal(
    qtbot: QtBot, server: LiveServer, connection: LiveConnection
) -> None:
    seen = Recorder(connection)
    with qtbot.waitSignal(connection.ready, timeout=15000):
        connection.start()
    assert seen.snapshots and connection.state == LiveState.CONNECTED
    assert seen.states[-1] == LiveState.CONNECTED
    assert state_label(connection.state) == "Đã kết nối"
    ticket = _issue(server)
    qtbot.waitUntil(
        lambda: any(
            name == ev.TICKET_ISSUED and env["data"]["ticket"]["id"] == ticket["id"]
            for name, env in seen.events
        ),
        timeout=10000,
    )
    assert seen.seqs() == sorted(set(seen.seqs()))


def test_a_connection_given_last_seq_gets_the_replay_not_a_snapshot(
    qtbot: QtBot, server: LiveServer, officer_token: str
) -> None:
    first = LiveConnection(server.url, officer_token)
    with qtbot.waitSignal(first.ready, timeout=15000):
        first.start()
    first.stop()
    last = first.last_seq
    assert last is not None
    issued = [_issue(server)["id"] for _ in range(3)]
    second = LiveConnection(server.url, officer_token, last_seq=last)
    seen = Recorder(second)
    try:
        with qtbot.waitSignal(second.ready, timeout=15000):
            second.start()
        qtbot.waitUntil(
            lambda: (
                {env["data"]["ticket"]["id"] for n, env in seen.events if n == ev.TICKET_ISSUED}
                >= set(issued)
            ),
            timeout=10000,
        )
    finally:
        second.stop()
    assert not seen.snapshots
    assert seen.seqs() == list(range(last + 1, last + 1 + len(seen.seqs())))


def test_after_a_server_restart_it_reconnects_and_misses_nothing(
    qtbot: QtBot, server: LiveServer, connection: LiveConnection
) -> None:
    seen = Recorder(connection)
    with qtbot.waitSignal(connection.ready, timeout=15000):
        connection.start()
    before = connection.last_seq
    assert before is not None
    server.kill()
    qtbot.waitUntil(lambda: LiveState.DISCONNECTED.value in seen.states, timeout=15000)
    assert state_label(LiveState.DISCONNECTED) == "Mất kết nối"
    server.start()
    # Issued at once: the client is still backing off, so these come as a replay (or
    # live, if it was quicker); either way once each, in order.
    issued = [_issue(server)["id"] for _ in range(3)]
    qtbot.waitUntil(
        lambda: (
            {env["data"]["ticket"]["id"] for n, env in seen.events if n == ev.TICKET_ISSUED}
            >= set(issued)
        ),
        timeout=20000,
    )
    qtbot.waitUntil(lambda: seen.states[-1] == LiveState.CONNECTED, timeout=5000)
    assert seen.seqs() == list(range(before + 1, before + 1 + len(seen.seqs())))
    assert len(seen.snapshots) == 1  # the first connection's only


def test_a_refused_token_stops_with_unauthorized(qtbot: QtBot, server: LiveServer) -> None:
    live = LiveConnection(server.url, "hdu_not-a-real-token")
    try:
        with qtbot.waitSignal(live.refused, timeout=15000) as refused:
            live.start()
        code, message_vi, message_en = refused.args
        assert code == "invalid_token" and message_vi and message_en
        qtbot.waitUntil(lambda: live.state == LiveState.UNAUTHORIZED, timeout=5000)
        assert not live.is_running()
    finally:
        live.stop()
