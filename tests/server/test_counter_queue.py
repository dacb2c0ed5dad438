"""GET /api/v1/counters/<id>/queue: the counter's waiting tickets in call order (held to
call_next itself on seeded random queues) and its day so far."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from server.models import Ticket
from server.services import queue
from server.services.clock import business_day
from tests.server.factory import World, build_world, issue_ticket

UTC = dt.UTC


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_call_order_is_what_call_next_calls(session, seed: int) -> None:
    rng = random.Random(seed)
    world = build_world(session, code=f"Q{seed}", max_priority_in_row=rng.choice([1, 2]))
    now = dt.datetime.now(UTC)
    for _ in range(25):
        issue_ticket(
            session,
            world.kiosk_actor,
            world.services[rng.choice(["LLTP", "HT", "CT"])].id,
            priority_code=rng.choice([None, None, "elderly"]),
        )
    officer, counter = world.actor("o1"), world.counters[1]
    queue.open_counter(session, officer, counter.id)
    # One ticket sent to this very counter goes first.
    other = issue_ticket(session, world.kiosk_actor, world.services["CT"].id)
    queue.transfer(
        session,
        world.actor("o2"),
        ticket_id=other.id,
        to_service_id=None,
        to_counter_id=counter.id,
        note=None,
        keep_position=True,
    )
    day = business_day(now, world.site.timezone)
    session.refresh(counter)
    predicted = [t.id for t in queue.call_order(session, counter, world.site, day, limit=200)]
    called = []
    while (ticket := queue.call_next(session, officer, counter.id)) is not None:
        called.append(ticket.id)
        queue.mark_no_show(session, officer, counter.id)
    assert predicted == called and len(called) > 10


def test_the_route_answers_the_order_and_the_day(client, session, world: World) -> None:
    officer, counter = world.actor("o1"), world.counters[1]
    tickets = [
        issue_ticket(session, world.kiosk_actor, world.services["LLTP"].id) for _ in range(3)
    ]
    queue.open_counter(session, officer, counter.id)
    queue.call_next(session, officer, counter.id)
    queue.start_serving(session, officer, counter.id)
    queue.finish(session, officer, counter.id)
    answer = client.get(f"/api/v1/counters/{counter.id}/queue", headers=world.auth("o1"))
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert [t["id"] for t in body["waiting"]] == [t.id for t in tickets[1:]]
    assert body["served_today"] == 1 and body["mean_service_seconds"] is not None
    limited = client.get(f"/api/v1/counters/{counter.id}/queue?limit=1", headers=world.auth("o1"))
    assert len(limited.json["waiting"]) == 1
    missing = client.get("/api/v1/counters/999999/queue", headers=world.auth("o1"))
    assert missing.status_code == 404 and missing.json["message"]
    assert session.get(Ticket, tickets[0].id).state == "done"


def test_a_pause_keeps_its_reason_until_the_counter_opens(
    client, session, world: World, publisher
) -> None:
    counter = world.counters[2]
    headers = world.auth("o1")
    assert client.post(f"/api/v1/counters/{counter.id}/open", headers=headers).status_code == 200
    paused = client.post(
        f"/api/v1/counters/{counter.id}/pause", json={"reason": "Họp giao ban"}, headers=headers
    )
    assert paused.status_code == 200 and paused.json["pause_reason"] == "Họp giao ban"
    changed = [e for e in publisher.events if e.name == "counter.changed"][-1]
    assert changed.payload["pause_reason"] == "Họp giao ban"
    too_long = client.post(
        f"/api/v1/counters/{counter.id}/pause", json={"reason": "x" * 101}, headers=headers
    )
    assert too_long.status_code == 422 or too_long.status_code == 400
    opened = client.post(f"/api/v1/counters/{counter.id}/open", headers=headers)
    assert opened.json["pause_reason"] is None
    assert (
        client.post(f"/api/v1/counters/{counter.id}/pause", headers=headers).json["pause_reason"]
        is None
    )
