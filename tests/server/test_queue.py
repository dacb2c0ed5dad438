"""The queue engine, through its service functions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import TRANSITIONS, TicketAction, TicketState, allowed_actions, next_state
from contract.waits import round_range, wait_text
from server.db import write_transaction
from server.errors import DomainError
from server.extensions import db
from server.models import Counter, DailyNumber, EventLog, Ticket, TicketEvent
from server.services import estimates, queue
from server.services.counts import queue_moved, waiting_counts
from server.services.estimates import (
    CALL_VARIANCE,
    RELATIVE_ERROR,
    WIDTH_CAP,
    CounterPace,
    Pace,
    clear_cache,
    counters_moved,
    estimate,
    minutes_until_call,
    open_spans,
    people_ahead_of,
    service_pace,
    site_moved,
    standing,
    standings,
    through_hours,
    within_span,
)
from server.services.queue import common, issuing
from tests.server.factory import World, build_world, issue_ticket

UTC = dt.UTC
# 10:00 in Hà Nội on a Wednesday.
MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def issue(session, world: World, code: str = "LLTP", **kwargs) -> Ticket:
    return issue_ticket(
        session,
        world.kiosk_actor,
        world.services[code].id,
        now=kwargs.pop("now", MORNING),
        **kwargs,
    )


def open_counter(session, world: World, number: int, officer: str = "o1") -> Counter:
    return queue.open_counter(session, world.actor(officer), world.counters[number].id, now=MORNING)


def events_of(session, ticket: Ticket) -> list[tuple[str, str | None, str]]:
    rows = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return [(e.action, e.from_state, e.to_state) for e in rows]


# ------------------------------------------------------------------ the state table


def test_transition_table_is_closed_over_states() -> None:
    for (action, source), target in TRANSITIONS.items():
        assert next_state(action, source) is target
    assert next_state(TicketAction.FINISH, TicketState.WAITING) is None
    assert allowed_actions(TicketState.DONE) == []
    assert TicketAction.CALL in allowed_actions(TicketState.WAITING)


# ------------------------------------------------------------------ issuing and numbering


def test_numbers_follow_each_series_format_without_gaps(session, world: World) -> None:
    numbers = [issue(session, world, code).number for code in ["LLTP", "HT", "CT", "LLTP", "DD"]]
    # LLTP and HT share series A; CT and DD share series N, which starts at 1001.
    assert numbers == ["A001", "A002", "1001", "A003", "1002"]


def test_numbers_restart_on_the_next_business_day_in_vietnam_time(session, world: World) -> None:
    before_midnight = dt.datetime(2026, 11, 25, 16, 59, tzinfo=UTC)  # 23:59 in Hà Nội
    after_midnight = dt.datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 00:00 the next day
    first = issue(session, world, now=before_midnight)
    second = issue(session, world, now=before_midnight)
    third = issue(session, world, now=after_midnight)
    assert (first.number, second.number, third.number) == ("A001", "A002", "A001")
    assert first.business_day == dt.date(2026, 11, 25)
    assert third.business_day == dt.date(2026, 11, 26)


def test_issue_records_an_event_and_publishes_after_commit(
    session, world: World, publisher
) -> None:
    ticket = issue(session, world, dossier_code="H01.39-251125-0001")
    assert events_of(session, ticket) == [("issue", None, "waiting")]
    assert publisher.names() == [ev.TICKET_ISSUED, ev.QUEUE_CHANGED]
    issued, moved = publisher.events
    assert issued.payload["ticket"]["number"] == "A001"
    assert issued.payload["ticket"]["service_code"] == "LLTP"
    assert ev.ticket_room(ticket.tracking_token) in issued.rooms
    assert ev.site_room(world.site.id) in issued.rooms
    row = moved.payload["services"][0]
    assert moved.payload == {
        "services": [
            {
                "service_id": ticket.service_id,
                "waiting": 1,
                "longest_wait_seconds": row["longest_wait_seconds"],
                # What a newcomer would wait (contract.events.ServiceQueue).
                "estimated_wait_range": row["estimated_wait_range"],
                "estimated_wait_text_vi": row["estimated_wait_text_vi"],
                "estimated_wait_text_en": row["estimated_wait_text_en"],
            }
        ],
        "day": "2026-11-25",
    }
    # One ahead of a newcomer, nobody at a counter yet: counter 1 calls in 5 minutes
    # (half its interval), counter 2 in 10 (half of 20), the newcomer second: 10 ± 5.
    low, high = row["estimated_wait_range"]
    assert (low, high) == (5, 15)
    assert (row["estimated_wait_text_vi"], row["estimated_wait_text_en"]) == wait_text(low, high)
    # Numbered without gaps, and kept in the event log for replays.
    assert moved.seq == issued.seq + 1
    logged = session.scalars(select(EventLog).order_by(EventLog.seq)).all()
    assert [(e.seq, e.name) for e in logged][-2:] == [
        (issued.seq, ev.TICKET_ISSUED),
        (moved.seq, ev.QUEUE_CHANGED),
    ]
    assert ticket.dossier_code == "H01.39-251125-0001"
    assert len(ticket.tracking_token) >= 43


def test_events_and_waits_are_of_the_moment_the_service_was_given(
    session, world: World, publisher
) -> None:
    # Every service takes `now`: the events' time and the queue's waits follow it, not the
    # wall clock, so that they can be asserted.
    minute = dt.timedelta(minutes=1)
    issue(session, world, now=MORNING)
    issue(session, world, now=MORNING + 2 * minute)
    issued, counted = publisher.events[-2:]
    assert (issued.at, counted.at) == ((MORNING + 2 * minute).isoformat(),) * 2
    assert [
        {k: row[k] for k in ("service_id", "waiting", "longest_wait_seconds")}
        for row in counted.payload["services"]
    ] == [{"service_id": world.services["LLTP"].id, "waiting": 2, "longest_wait_seconds": 120}]
    open_counter(session, world, 1, "o1")
    publisher.clear()
    queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING + 10 * minute)
    called, counted = publisher.events
    assert (called.name, counted.name) == (ev.TICKET_CALLED, ev.QUEUE_CHANGED)
    assert called.at == counted.at == (MORNING + 10 * minute).isoformat()
    assert (
        counted.payload["services"][0]["longest_wait_seconds"] == 8 * 60
    )  # the second, queued at +2
    stored = session.scalars(select(EventLog.at).where(EventLog.seq == counted.seq)).one()
    assert stored.replace(tzinfo=UTC) == MORNING + 10 * minute


def test_moves_of_a_queue_are_summed_up_once_at_commit_and_forgotten_on_rollback(
    session, world: World, publisher
) -> None:
    lltp, ct = world.services["LLTP"].id, world.services["CT"].id
    with pytest.raises(RuntimeError), write_transaction(session):
        queue_moved(session, world.site.id, lltp, MORNING.date(), MORNING)
        raise RuntimeError("refused")
    with write_transaction(session):
        for service_id, at in (
            (ct, MORNING),
            (lltp, MORNING),
            (ct, MORNING + dt.timedelta(minutes=1)),
        ):
            queue_moved(session, world.site.id, service_id, MORNING.date(), at)
    (changed,) = publisher.events
    assert (
        changed.name == ev.QUEUE_CHANGED
        and changed.at == (MORNING + dt.timedelta(minutes=1)).isoformat()
    )
    assert [row["service_id"] for row in changed.payload["services"]] == sorted([lltp, ct])


def test_failed_issue_leaves_nothing_behind(session, world: World, publisher) -> None:
    with pytest.raises(DomainError) as raised:
        issue(session, world, priority_code="no-such-category")
    assert raised.value.code == "unknown_priority_category"
    assert raised.value.status == 404  # names nothing at the site, as an unknown service id
    assert session.scalars(select(Ticket)).all() == []
    assert session.scalars(select(DailyNumber)).all() == []
    assert session.scalars(select(EventLog)).all() == []
    assert publisher.events == []
    # The number that failed is not lost: the next ticket still gets A001.
    assert issue(session, world).number == "A001"


def test_daily_quota(session) -> None:
    world = build_world(session, code="Q", quota=2)
    issue(session, world)
    issue(session, world)
    with pytest.raises(DomainError) as raised:
        issue(session, world)
    assert raised.value.code == "quota_reached"
    assert raised.value.status == 409
    assert "2" in raised.value.message
    # The quota counts per business day.
    assert issue(session, world, now=MORNING + dt.timedelta(days=1)).number == "A001"


def test_a_batch_of_issues_is_one_transaction_with_an_outcome_for_each(session, publisher) -> None:
    # What concurrent kiosks share (group commit): each request is checked on its own, the
    # numbers follow request order per series, the quota counts the batch's own tickets.
    world = build_world(session, code="B", quota=2)
    publisher.clear()
    kiosk, minute = world.kiosk_actor, dt.timedelta(minutes=1)
    ids = {code: s.id for code, s in world.services.items()}

    def request(code: str, at: int, **kwargs) -> queue.IssueRequest:
        return queue.IssueRequest(
            kiosk,
            ids[code] if code in ids else 999_999,
            kwargs.get("priority"),
            None,
            "vi",
            MORNING + at * minute,
        )

    outcomes = queue.issue_batch(
        session,
        [
            request("LLTP", 0),
            request("CT", 1),
            request("LLTP", 2),
            request("nope", 3),
            request("LLTP", 4),
            request("HT", 5, priority="no-such"),
            request("HT", 6),
            request("DD", 7, priority="elderly"),
        ],
    )
    issued = [o for o in outcomes if isinstance(o, queue.Issued)]
    errors = {i: o.code for i, o in enumerate(outcomes) if isinstance(o, DomainError)}
    assert errors == {3: "not_found", 4: "quota_reached", 5: "unknown_priority_category"}
    assert [(i.ticket.number, i.people_ahead) for i in issued] == [
        ("A001", 0),
        ("1001", 0),
        ("A002", 1),
        ("A003", 0),
        ("1002", 0),
    ]
    assert issued[4].priority_category == "elderly"
    assert [i.serving_counters for i in issued] == [[1, 2], [3, 4], [1, 2], [1, 2], [4]]
    # One transaction: one batch of events, numbered in order, and one queue.changed.
    assert publisher.names() == [ev.TICKET_ISSUED] * 5 + [ev.QUEUE_CHANGED]
    assert [e.seq for e in publisher.events] == list(
        range(publisher.events[0].seq, publisher.events[0].seq + 6)
    )
    waiting = {
        row["service_id"]: row["waiting"] for row in publisher.events[-1].payload["services"]
    }
    assert waiting == {ids["LLTP"]: 2, ids["CT"]: 1, ids["HT"]: 1, ids["DD"]: 1}
    stored = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.number for t in stored] == ["A001", "1001", "A002", "A003", "1002"]
    assert [events_of(session, t) for t in stored] == [[("issue", None, "waiting")]] * 5
    # A refused request of a later batch still takes nothing: the quota is spent.
    with pytest.raises(DomainError):
        issue(session, world, now=MORNING + 9 * minute)
    assert issue(session, world, "HT", now=MORNING + 9 * minute).number == "A004"


def test_a_batch_whose_transaction_fails_is_retried_one_request_at_a_time(
    session, world: World, monkeypatch
) -> None:
    # One request that breaks the shared transaction (here: a stand-in for a database
    # error) must not take the others down with it; nothing of the failed try stays.
    real = issuing._issue_batch

    def breaks_on_boom(session, requests):  # type: ignore[no-untyped-def]
        if any(r.dossier_code == "boom" for r in requests):
            raise RuntimeError("the database refused the batch")
        return real(session, requests)

    monkeypatch.setattr(issuing, "_issue_batch", breaks_on_boom)
    service_id = world.services["LLTP"].id
    requests = [
        queue.IssueRequest(world.kiosk_actor, service_id, None, code, "vi", MORNING)
        for code in ("ok-1", "boom", "ok-2")
    ]
    first, failed, last = queue.issue_batch(session, requests)
    assert isinstance(failed, RuntimeError)
    assert (first.ticket.number, last.ticket.number) == (
        "A001",
        "A002",
    )  # no number lost to the failed try
    assert [t.dossier_code for t in session.scalars(select(Ticket).order_by(Ticket.id))] == [
        "ok-1",
        "ok-2",
    ]


def test_places_in_a_batch_agree_with_the_rule_for_one_ticket(session, publisher) -> None:
    # Issuing counts places for a whole batch in one pass; the per-ticket query is the rule.

    world = build_world(session, code="R")
    kiosk, second = world.kiosk_actor, dt.timedelta(seconds=1)
    ids = [s.id for s in world.services.values()]
    # Already waiting: ordinary and priority tickets, one sent to counter 2 only, and one
    # queued later than the batches below (its place must still come out right).
    for i, (code, priority) in enumerate(
        [("LLTP", None), ("LLTP", "elderly"), ("HT", None), ("CT", "disabled")]
    ):
        issue(session, world, code, priority_code=priority, now=MORNING + i * second)
    open_counter(session, world, 1, "o1")
    queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    queue.transfer(
        session,
        world.actor("o1"),
        counter_id=world.counters[1].id,
        to_counter_id=world.counters[2].id,
        now=MORNING + 10 * second,
    )
    issue(session, world, "DD", now=MORNING + dt.timedelta(hours=1))
    rng = random.Random(7)
    for round_ in range(8):
        requests = [
            queue.IssueRequest(
                kiosk,
                rng.choice(ids),
                rng.choice([None, None, "elderly"]),
                None,
                "vi",
                MORNING + dt.timedelta(minutes=round_ + 1) + i * second,
            )
            for i in range(rng.randint(1, 12))
        ]
        publisher.clear()
        outcomes = queue.issue_batch(session, requests)
        issued = {o.ticket.id: o.people_ahead for o in outcomes}
        conn = session.connection()
        assert issued == people_ahead_of(conn, list(issued))
        counted = publisher.events[-1].payload["services"]
        exact = waiting_counts(
            conn, [row["service_id"] for row in counted], MORNING.date(), dt.datetime.now(UTC)
        )
        assert [(r["service_id"], r["waiting"]) for r in counted] == [
            (r["service_id"], r["waiting"]) for r in exact
        ]
        session.commit()


def test_standings_agree_with_the_rule_for_one_ticket(session, world: World) -> None:
    # The places told to a service's phones are counted in Python for the whole queue; the
    # per-ticket query is the rule. Tickets sent to a counter have a place too.
    rng = random.Random(11)
    service_id, officer = world.services["LLTP"].id, world.actor("o1")
    for round_ in range(4):
        for _ in range(rng.randint(5, 15)):
            issue(
                session,
                world,
                priority_code=rng.choice([None, None, "elderly"]),
                now=MORNING + dt.timedelta(minutes=rng.randint(0, 30)),
            )  # out of order, with ties
        waiting = session.scalars(
            select(Ticket).where(Ticket.state == "waiting").order_by(Ticket.id)
        ).all()
        for ticket in rng.sample(waiting, len(waiting) // 3):
            if rng.random() < 0.2:
                queue.cancel(session, officer, ticket.id, now=MORNING)
            elif rng.random() < 0.8 or ticket.target_counter_id is not None:
                counter = world.counters[rng.choice([1, 2, 3])]
                if counter.id != ticket.target_counter_id:
                    queue.transfer(
                        session,
                        officer,
                        ticket_id=ticket.id,
                        to_counter_id=counter.id,
                        keep_position=rng.random() < 0.7,
                        now=MORNING + dt.timedelta(minutes=rng.randint(0, 40)),
                    )
        told = {
            token: ahead
            for token, ahead, _ in standings(session, service_id, MORNING.date(), MORNING)
        }
        waiting = session.execute(
            select(Ticket.id, Ticket.tracking_token, Ticket.target_counter_id).where(
                Ticket.state == "waiting", Ticket.service_id == service_id
            )
        ).all()
        assert any(target is not None for _, _, target in waiting), round_
        rule = people_ahead_of(session.connection(), [ticket_id for ticket_id, _, _ in waiting])
        assert told == {token: rule[ticket_id] for ticket_id, token, _ in waiting}, round_
        session.commit()


def test_opening_hours(session) -> None:
    hours = {"wed": [["07:30", "11:30"], ["13:30", "17:00"]]}
    world = build_world(session, code="H", opening_hours=hours)
    assert issue(session, world, now=MORNING).number == "A001"  # 10:00
    lunch = dt.datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 12:00
    with pytest.raises(DomainError) as raised:
        issue(session, world, now=lunch)
    assert raised.value.code == "site_closed"
    assert "07:30–11:30" in raised.value.message
    thursday = MORNING + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        issue(session, world, now=thursday)


def test_inactive_service_refuses_tickets(session, world: World) -> None:
    world.services["HT"].active = False
    session.commit()
    with pytest.raises(DomainError) as raised:
        issue(session, world, "HT")
    assert raised.value.code == "service_inactive"


def test_a_kiosk_cannot_issue_for_another_site(session, world: World) -> None:
    other = build_world(session, code="T2")
    with pytest.raises(DomainError) as raised:
        issue_ticket(session, world.kiosk_actor, other.services["LLTP"].id, now=MORNING)
    assert raised.value.status == 404


# ------------------------------------------------------------------ calling policy


def test_call_next_takes_the_oldest_of_the_first_choice_service_first(
    session, world: World
) -> None:
    ht = issue(session, world, "HT", now=MORNING)
    lltp = issue(session, world, "LLTP", now=MORNING + dt.timedelta(minutes=1))
    open_counter(session, world, 1)  # serves LLTP first, then HT
    called = queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    assert called is not None and called.id == lltp.id
    queue.mark_no_show(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    called = queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    assert called is not None and called.id == ht.id
    queue.mark_no_show(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    assert queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING) is None


def test_priority_first_but_at_most_k_in_a_row(session) -> None:
    world = build_world(session, code="P", max_priority_in_row=2)
    minute = dt.timedelta(minutes=1)
    ordinary = [issue(session, world, now=MORNING + i * minute) for i in range(2)]
    priority = [
        issue(session, world, priority_code="elderly", now=MORNING + (10 + i) * minute)
        for i in range(3)
    ]
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    order = []
    for _ in range(5):
        ticket = queue.call_next(session, officer, counter_id, now=MORNING)
        order.append(ticket.id)
        queue.start_serving(session, officer, counter_id, now=MORNING)
        queue.finish(session, officer, counter_id, now=MORNING)
    p, o = [t.id for t in priority], [t.id for t in ordinary]
    # Two priority calls, then one ordinary to stop starvation, then priority again.
    assert order == [p[0], p[1], o[0], p[2], o[1]]


def test_priority_tickets_are_not_held_back_when_nobody_else_waits(session) -> None:
    world = build_world(session, code="P1", max_priority_in_row=1)
    tickets = [issue(session, world, priority_code="disabled") for _ in range(3)]
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    called = []
    for _ in range(3):
        called.append(queue.call_next(session, officer, counter_id, now=MORNING).id)
        queue.mark_no_show(session, officer, counter_id, now=MORNING)
    assert called == [t.id for t in tickets]


def test_call_next_needs_an_open_counter_of_ones_own(session, world: World) -> None:
    issue(session, world)
    counter_id = world.counters[1].id
    with pytest.raises(DomainError) as raised:
        queue.call_next(session, world.actor("o1"), counter_id, now=MORNING)
    assert raised.value.code == "not_your_counter" and raised.value.status == 403
    open_counter(session, world, 1, "o1")
    with pytest.raises(DomainError) as raised:
        queue.call_next(session, world.actor("o2"), counter_id, now=MORNING)
    assert raised.value.code == "not_your_counter"
    with pytest.raises(DomainError) as raised:
        queue.open_counter(session, world.actor("o2"), counter_id, now=MORNING)
    assert raised.value.code == "counter_taken"
    with pytest.raises(DomainError) as raised:
        queue.open_counter(session, world.actor("o1"), world.counters[2].id, now=MORNING)
    assert raised.value.code == "officer_has_counter"
    queue.pause_counter(session, world.actor("o1"), counter_id, now=MORNING)
    with pytest.raises(DomainError) as raised:
        queue.call_next(session, world.actor("o1"), counter_id, now=MORNING)
    assert raised.value.code == "counter_not_open" and raised.value.status == 409
    open_counter(session, world, 1, "o1")
    assert queue.call_next(session, world.actor("o1"), counter_id, now=MORNING) is not None
    with pytest.raises(DomainError) as raised:
        queue.call_next(session, world.actor("o1"), counter_id, now=MORNING)
    assert raised.value.code == "counter_busy"
    with pytest.raises(DomainError) as raised:
        queue.close_counter(session, world.actor("o1"), counter_id, now=MORNING)
    assert raised.value.code == "counter_busy"


def test_managers_cannot_call_but_can_close_a_counter(session, world: World) -> None:
    open_counter(session, world, 1, "o1")
    with pytest.raises(DomainError) as raised:
        queue.call_next(session, world.actor("manager"), world.counters[1].id, now=MORNING)
    assert raised.value.status == 403
    counter = queue.close_counter(
        session, world.actor("manager"), world.counters[1].id, now=MORNING
    )
    assert counter.state == "closed" and counter.officer_id is None


# ------------------------------------------------------------------ the lifecycle


def test_full_lifecycle_is_logged(session, world: World, publisher) -> None:
    ticket = issue(session, world)
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    queue.call_next(session, officer, counter_id, now=MORNING)
    queue.recall(session, officer, counter_id, now=MORNING)
    queue.start_serving(session, officer, counter_id, now=MORNING)
    done = queue.finish(
        session,
        officer,
        counter_id,
        outcome="incomplete",
        note="Thiếu CCCD",
        dossier_code="000.00.11.H01-251125-0002",
        now=MORNING,
    )
    assert done.state == "done" and done.outcome == "incomplete" and done.call_count == 2
    assert done.dossier_code == "000.00.11.H01-251125-0002"
    assert events_of(session, ticket) == [
        ("issue", None, "waiting"),
        ("call", "waiting", "called"),
        ("recall", "called", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]
    last = session.scalars(select(TicketEvent).order_by(TicketEvent.id.desc())).first()
    assert last.note == "Thiếu CCCD" and last.user_id == world.users["o1"].id
    assert last.counter_id == counter_id
    assert publisher.names() == [
        ev.TICKET_ISSUED,
        ev.QUEUE_CHANGED,
        ev.COUNTER_CHANGED,
        ev.TICKET_CALLED,
        ev.QUEUE_CHANGED,
        ev.TICKET_RECALLED,
        ev.TICKET_SERVING,
        ev.TICKET_FINISHED,
    ]
    seqs = [e.seq for e in publisher.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    # The queue counts of each queue.changed include the move that caused it.
    issued_queue, called_queue = (e for e in publisher.events if e.name == ev.QUEUE_CHANGED)
    assert issued_queue.payload["services"][0]["waiting"] == 1
    assert called_queue.payload["services"][0]["waiting"] == 0
    called = publisher.events[3]
    assert called.payload["counter"]["number"] == 1
    assert (
        called.payload["announcement"]["text_vi"] == "Mời công dân có số thứ tự A001 đến quầy số 1"
    )
    assert ev.zone_room(world.site.id, "tang-1") in called.rooms
    session.expire_all()
    assert session.get(Counter, counter_id).current_ticket_id is None


def test_illegal_moves_are_409s_and_change_nothing(session, world: World, publisher) -> None:
    issue(session, world)
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    with pytest.raises(DomainError) as raised:
        queue.finish(session, officer, counter_id, now=MORNING)
    assert raised.value.code == "no_current_ticket"
    ticket = queue.call_next(session, officer, counter_id, now=MORNING)
    publisher.clear()
    with pytest.raises(DomainError) as raised:
        queue.finish(session, officer, counter_id, now=MORNING)  # not started yet
    assert raised.value.status == 409 and raised.value.code == "illegal_transition"
    assert "A001" in raised.value.message and "đã được gọi" in raised.value.message
    assert "called" in raised.value.message_en
    session.expire_all()
    assert session.get(Ticket, ticket.id).state == "called"
    assert publisher.events == []
    with pytest.raises(DomainError):
        queue.cancel(session, world.actor("o1"), ticket.id, now=MORNING)


def test_recall_turns_into_no_show_after_the_configured_calls(session) -> None:
    world = build_world(session, code="R", no_show_after_calls=3)
    ticket = issue(session, world)
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    queue.call_next(session, officer, counter_id, now=MORNING)
    assert queue.recall(session, officer, counter_id, now=MORNING).call_count == 2
    assert queue.recall(session, officer, counter_id, now=MORNING).call_count == 3
    last = queue.recall(session, officer, counter_id, now=MORNING)
    assert last.id == ticket.id and last.state == "no_show"
    session.expire_all()
    assert session.get(Counter, counter_id).current_ticket_id is None


def test_hold_return_and_resume(session, world: World) -> None:
    first = issue(session, world, now=MORNING)
    second = issue(session, world, now=MORNING + dt.timedelta(minutes=5))
    open_counter(session, world, 1)
    officer, counter_id = world.actor("o1"), world.counters[1].id
    assert queue.call_next(session, officer, counter_id, now=MORNING).id == first.id
    queue.start_serving(session, officer, counter_id, now=MORNING)
    held = queue.hold(session, officer, counter_id, note="Đi photo giấy tờ", now=MORNING)
    assert held.state == "held"
    # The counter is free for the next visitor meanwhile.
    assert queue.call_next(session, officer, counter_id, now=MORNING).id == second.id
    with pytest.raises(DomainError) as raised:
        queue.resume_held(session, officer, counter_id, first.id, now=MORNING)
    assert raised.value.code == "counter_busy"
    queue.mark_no_show(session, officer, counter_id, now=MORNING)
    resumed = queue.resume_held(session, officer, counter_id, first.id, now=MORNING)
    assert resumed.state == "called" and resumed.call_count == 2
    queue.hold(session, officer, counter_id, now=MORNING)
    returned = queue.return_to_queue(session, officer, first.id, now=MORNING)
    assert returned.state == "waiting"
    # Back at its original place: the next call of any counter serving LLTP takes it.
    later = issue(session, world, now=MORNING + dt.timedelta(minutes=30))
    assert queue.call_next(session, officer, counter_id, now=MORNING).id == first.id
    assert later.state == "waiting"


def test_held_ticket_belongs_to_its_counter(session, world: World) -> None:
    ticket = issue(session, world)
    open_counter(session, world, 1, "o1")
    open_counter(session, world, 2, "o2")
    queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    queue.hold(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    with pytest.raises(DomainError) as raised:
        queue.resume_held(session, world.actor("o2"), world.counters[2].id, ticket.id, now=MORNING)
    assert raised.value.code == "held_at_other_counter"
    # Held tickets are not in the queue.
    assert queue.call_next(session, world.actor("o2"), world.counters[2].id, now=MORNING) is None


def test_transfer_to_a_service_keeps_number_place_and_tracking(
    session, world: World, publisher
) -> None:
    ticket = issue(session, world, "LLTP", now=MORNING)
    token = ticket.tracking_token
    later_ct = issue(session, world, "CT", now=MORNING + dt.timedelta(minutes=10))
    open_counter(session, world, 1, "o1")
    open_counter(session, world, 3, "o2")
    queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    queue.start_serving(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    moved = queue.transfer(
        session,
        world.actor("o1"),
        counter_id=world.counters[1].id,
        to_service_id=world.services["CT"].id,
        note="Cần chứng thực trước",
        now=MORNING + dt.timedelta(minutes=20),
    )
    session.expire_all()
    old = session.get(Ticket, ticket.id)
    assert old.state == "transferred" and old.tracking_token != token
    assert moved.number == "A001" and moved.state == "waiting" and moved.tracking_token == token
    assert moved.transferred_from_id == ticket.id and moved.queued_at == ticket.queued_at
    assert session.get(Counter, world.counters[1].id).current_ticket_id is None
    # Its original issue time puts it before the CT ticket issued later.
    assert (
        queue.call_next(session, world.actor("o2"), world.counters[3].id, now=MORNING).id
        == moved.id
    )
    assert later_ct.state == "waiting"
    transferred = [e for e in publisher.events if e.name == ev.TICKET_TRANSFERRED]
    assert transferred[0].payload["to_ticket_id"] == moved.id


def test_transfer_to_a_counter_only_that_counter_calls_it(session, world: World) -> None:
    ticket = issue(session, world, "LLTP")
    open_counter(session, world, 1, "o1")
    open_counter(session, world, 2, "o2")
    open_counter(session, world, 4, "o3")
    queue.call_next(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    moved = queue.transfer(
        session,
        world.actor("o1"),
        counter_id=world.counters[1].id,
        to_counter_id=world.counters[4].id,
        now=MORNING,
    )
    assert moved.target_counter_id == world.counters[4].id
    # Counter 2 serves LLTP, but the ticket was sent to counter 4, which does not.
    assert queue.call_next(session, world.actor("o2"), world.counters[2].id, now=MORNING) is None
    assert (
        queue.call_next(session, world.actor("o3"), world.counters[4].id, now=MORNING).id
        == moved.id
    )
    assert moved.number == ticket.number


def test_transfer_to_the_back_of_the_queue(session, world: World) -> None:
    waiting = issue(session, world, "HT", now=MORNING)
    earlier = issue(session, world, "LLTP", now=MORNING - dt.timedelta(minutes=30))
    moved = queue.transfer(
        session,
        world.actor("manager"),
        ticket_id=earlier.id,
        to_service_id=world.services["HT"].id,
        keep_position=False,
        now=MORNING + dt.timedelta(minutes=1),
    )
    open_counter(session, world, 2, "o2")  # serves HT first
    assert (
        queue.call_next(session, world.actor("o2"), world.counters[2].id, now=MORNING).id
        == waiting.id
    )
    queue.mark_no_show(session, world.actor("o2"), world.counters[2].id, now=MORNING)
    assert (
        queue.call_next(session, world.actor("o2"), world.counters[2].id, now=MORNING).id
        == moved.id
    )


def test_transfer_needs_a_target(session, world: World) -> None:
    ticket = issue(session, world)
    with pytest.raises(DomainError) as raised:
        queue.transfer(session, world.actor("manager"), ticket_id=ticket.id, now=MORNING)
    assert raised.value.code == "transfer_target_missing" and raised.value.status == 422
    with pytest.raises(DomainError) as raised:
        queue.transfer(
            session,
            world.actor("manager"),
            ticket_id=ticket.id,
            to_service_id=world.services["LLTP"].id,
            now=MORNING,
        )
    assert raised.value.code == "transfer_to_same_place"


def test_cancel_and_cancel_by_token(session, world: World) -> None:
    first = issue(session, world)
    second = issue(session, world)
    assert (
        queue.cancel(session, world.actor("o1"), first.id, note="Khách về", now=MORNING).state
        == "cancelled"
    )
    assert queue.cancel_by_token(session, second.tracking_token, now=MORNING).state == "cancelled"
    with pytest.raises(DomainError) as raised:
        queue.cancel_by_token(session, second.tracking_token, now=MORNING)
    assert raised.value.code == "illegal_transition"
    with pytest.raises(DomainError) as raised:
        queue.cancel_by_token(session, "not-a-token", now=MORNING)
    assert raised.value.status == 404


def test_call_a_given_number(session, world: World) -> None:
    issue(session, world)
    wanted = issue(session, world)
    open_counter(
        session, world, 3, "o1"
    )  # counter 3 does not serve LLTP: calling by number overrides
    called = queue.call_number(
        session, world.actor("o1"), world.counters[3].id, " a002 ", now=MORNING
    )
    assert called.id == wanted.id and called.state == "called"
    queue.mark_no_show(session, world.actor("o1"), world.counters[3].id, now=MORNING)
    with pytest.raises(DomainError) as raised:
        queue.call_number(session, world.actor("o1"), world.counters[3].id, "A099", now=MORNING)
    assert raised.value.code == "number_not_found" and raised.value.status == 404
    with pytest.raises(DomainError) as raised:
        queue.call_number(session, world.actor("o1"), world.counters[3].id, "A002", now=MORNING)
    assert raised.value.code == "illegal_transition"


# ------------------------------------------------------------------ estimates


def test_people_ahead_and_estimated_wait(session, world: World) -> None:
    """The rule of server.services.estimates, by hand (README, "Estimated wait")."""
    clear_cache()
    minute = dt.timedelta(minutes=1)
    tickets = [issue(session, world, now=MORNING + i * minute) for i in range(3)]
    priority = issue(session, world, priority_code="elderly", now=MORNING + 5 * minute)
    service = world.services["LLTP"]
    now = MORNING + 5 * minute
    place = standing(session, tickets[2], service, now)
    assert place.people_ahead == 3  # two earlier tickets and the priority ticket
    assert standing(session, priority, service, now).people_ahead == 0

    # Priority visitors pass an ordinary ticket: their share of the day's arrivals (1 of 4,
    # with 5% weighing as 20 arrivals) times the arrivals per minute (4 over at least 15).
    def passing(rate: float, arrived: int, span: float) -> float:
        priority = (1 + 0.05 * 20) / (arrived + 20) * arrived / max(15, span)
        return (rate - priority) / rate

    # No counter open yet: those configured for LLTP count as if open, each calling in half
    # an interval. Counter 1 serves it first (a call every 10 nominal minutes), counter 2
    # second (half its time before any call: every 20). The 4th call: counter 1 at 5,
    # counter 2 at 10, counter 1 again 10 later, and again 10 later (slowed by the
    # priority tickets that pass).
    assert place.estimate is not None
    scale = passing(0.15, 4, 5)
    assert place.estimated_wait_minutes == math.ceil(5 + 20 / scale)
    low, high = place.estimate.low, place.estimate.high
    assert low <= place.estimated_wait_minutes <= high and low % 5 == high % 5 == 0
    # Counter 1 open, counter 2 closed: counter 1 alone, 3 calls before this one.
    open_counter(session, world, 1, "o1")
    clear_cache()
    assert standing(session, tickets[2], service, now).estimated_wait_minutes == math.ceil(
        30 / passing(0.1, 4, 5)
    )
    # Observed: counter 1 calls the three and the priority ticket, 4 minutes each, so
    # minutes per call = (4 × 4 + 3 × 10 nominal) / (4 + 3) = 46/7.
    officer, counter_id = world.actor("o1"), world.counters[1].id
    later = [issue(session, world, now=now + i * minute) for i in range(3)]
    for index in range(4):
        at = now + 4 * index * minute
        queue.call_next(session, officer, counter_id, now=at)
        queue.start_serving(session, officer, counter_id, now=at)
        queue.finish(session, officer, counter_id, now=at + 4 * minute)
    clear_cache()
    now = now + 16 * minute
    interval = 46 / 7
    place = standing(session, later[2], service, now)
    assert place.people_ahead == 2
    # The counter is free: it calls at once, then every interval; this is the third call.
    assert place.estimated_wait_minutes == math.ceil(2 * interval / passing(7 / 46, 7, 21))
    # Nobody ahead and the counter free: called at once, a range from 0.
    place = standing(session, later[0], service, now)
    assert place.people_ahead == 0 and place.estimate is not None
    assert place.estimated_wait_minutes == 0
    fields = place.estimate.fields()
    assert fields["estimated_wait_range"] == [0, 5]
    assert fields["estimated_wait_text_vi"] == "dưới 5 phút"
    assert fields["estimated_wait_text_en"] == "under 5 minutes"
    # The counter calls later[0] and has held it 2 minutes: it frees in the mean minutes
    # less those 2, and calls later[1], then later[2] an interval on.
    queue.call_next(session, officer, counter_id, now=now)
    clear_cache()
    now = now + 2 * minute
    place = standing(session, later[2], service, now)
    assert place.people_ahead == 1
    scale = passing(7 / 46, 7, 23)
    assert place.estimated_wait_minutes == math.ceil(interval - 2 + interval / scale)
    # Held past its mean, a ticket is still expected to take a quarter of it.
    now = now + 10 * minute
    clear_cache()
    place = standing(session, later[1], service, now)
    assert place.people_ahead == 0
    assert place.estimated_wait_minutes == round(interval / 4)
    # The wait shown is never 0 while people are ahead.
    assert standing(session, later[2], service, now).estimated_wait_minutes >= 1


def test_a_call_makes_the_cached_pace_be_read_afresh(session, world: World) -> None:
    """A visitor who takes a number just after a call is not told the counter is free,
    though the service's pace was read less than PACE_TTL before."""
    clear_cache()
    open_counter(session, world, 1, "o1")
    first, second = issue(session, world), issue(session, world)
    service = world.services["LLTP"]
    second_ = dt.timedelta(seconds=1)
    pace = service_pace(session, service.id, MORNING)
    assert pace.counters[0].holding_since is None
    # Without a move of a counter, the pace is the one read before.
    assert service_pace(session, service.id, MORNING + 5 * second_) is pace
    called = queue.call_next(
        session, world.actor("o1"), world.counters[1].id, now=MORNING + 10 * second_
    )
    assert called is not None and called.id == first.id
    place = standing(session, second, service, MORNING + 20 * second_)
    assert place.people_ahead == 0
    # Nobody ahead, but the counter holds the first ticket: about its minutes, not 0.
    assert place.estimated_wait_minutes == round(pace.minutes_per_call - 10 / 60)
    # A pause is a move too: the paused counter comes back an interval on.
    queue.pause_counter(
        session, world.actor("o1"), world.counters[1].id, now=MORNING + 30 * second_
    )
    paused = service_pace(session, service.id, MORNING + 40 * second_)
    assert paused is not pace and paused.counters[0].paused


def test_a_move_drops_the_cached_paces_when_it_commits_and_not_before(
    session, world: World
) -> None:
    """A pace read while a move is being written (its transaction not yet committed) holds
    the old rows: it must not be taken for fresh once the move lands; the moving
    transaction's own reading is. A rolled-back move drops nothing; another process's move,
    heard by its event, drops this one's paces."""
    clear_cache()
    open_counter(session, world, 1, "o1")
    issue(session, world)
    service = world.services["LLTP"]
    second_ = dt.timedelta(seconds=1)
    before = service_pace(session, service.id, MORNING)
    with write_transaction(session):
        counters_moved(session, world.site.id)  # as a call or a pause does
        # Uncommitted: the moving transaction reads its own rows (for the queue.changed it
        # sends); every other reader still gets the cached pace.
        own = service_pace(session, service.id, MORNING + 1 * second_)
        assert own is not before and own.computed_at == MORNING + 1 * second_
        with Session(db.engine) as other:  # another request's
            assert service_pace(other, service.id, MORNING + 1 * second_) is before
    # Committed: the transaction's own reading is the cached pace now.
    after = service_pace(session, service.id, MORNING + 2 * second_)
    assert after is own

    # Unless another move of the site was committed while it ran.
    with write_transaction(session):
        counters_moved(session, world.site.id)
        mine = service_pace(session, service.id, MORNING + 3 * second_)
        site_moved(current_app, world.site.id)  # another transaction's, committed first
    after = service_pace(session, service.id, MORNING + 4 * second_)
    assert after is not mine and after.computed_at == MORNING + 4 * second_

    with pytest.raises(RuntimeError), write_transaction(session):
        counters_moved(session, world.site.id)
        raise RuntimeError("rolled back")
    assert service_pace(session, service.id, MORNING + 5 * second_) is after

    # Another server process's move (server.realtime calls site_moved on its event).
    site_moved(current_app, world.site.id)
    assert service_pace(session, service.id, MORNING + 6 * second_) is not after


def test_a_wait_that_reaches_the_lunch_break_resumes_after_it() -> None:
    day = dt.date(2026, 11, 25)
    spans = open_spans({"wed": [["07:30", "11:30"], ["13:30", "17:00"]]}, day, "Asia/Ho_Chi_Minh")
    eleven = dt.datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 11:00 in Vietnam
    assert through_hours(eleven, 20, spans) == 20
    assert through_hours(eleven, 40, spans) == 40 + 120  # 30 before the break, 10 after
    # Past the day's closing, those still waiting are served after it (not tomorrow).
    four_pm = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert through_hours(four_pm, 90, spans) == 90
    assert through_hours(eleven, 40, None) == 40


def _one_counter(now: dt.datetime, minutes: float, spans=None) -> Pace:  # type: ignore[no-untyped-def]
    """The pace of a service with one free counter calling every `minutes`, nobody passing."""
    counter = CounterPace(interval=minutes, holding_since=None, holding_minutes=0.0, paused=False)
    return Pace(now, 1 / minutes, (counter,), minutes, 0.0, spans)


def test_the_range_shown_is_capped_around_the_figure() -> None:
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
    pace = _one_counter(now, 10)
    # 5 ahead of a free counter calling every 10 minutes: called in 50. The spread of six
    # calls (± 21 minutes) would read "khoảng 20–80 phút"; at most 40% either side:
    # 30–70, rounded outward by 10 beyond an hour.
    shown = estimate(5, True, pace, now)
    assert shown.minutes == 50
    assert (shown.low, shown.high) == (30, 70)
    assert shown.fields()["estimated_wait_text_vi"] == "khoảng 30–70 phút"
    # 1 ahead: 10 minutes, ± 5 (40% is less than the 5-minute floor), not "dưới 25 phút".
    shown = estimate(1, True, pace, now)
    assert (shown.minutes, shown.low, shown.high) == (10, 5, 15)
    assert shown.fields()["estimated_wait_text_vi"] == "khoảng 5–15 phút"
    # A long queue: the spread itself is within the cap and is kept.
    shown = estimate(20, True, pace, now)
    assert shown.minutes == 200
    half = math.sqrt(21 * CALL_VARIANCE * 100 + (RELATIVE_ERROR * 200) ** 2)
    assert half < WIDTH_CAP * 200
    assert (shown.low, shown.high) == round_range(200 - half, 200 + half)
    # Nobody ahead and a free counter: "dưới 5 phút"; people ahead: never 0 minutes.
    assert estimate(0, True, pace, now).fields()["estimated_wait_text_vi"] == "dưới 5 phút"
    quick = _one_counter(now, 0.5)
    assert estimate(1, True, quick, now).minutes == 1
    assert estimate(1, True, quick, now).high >= 5


def test_a_range_keeps_to_the_side_of_the_lunch_break_where_its_figure_falls() -> None:
    day = dt.date(2026, 11, 25)
    spans = open_spans({"wed": [["07:30", "11:30"], ["13:30", "17:00"]]}, day, "Asia/Ho_Chi_Minh")
    ten_past_eleven = dt.datetime(2026, 11, 25, 4, 10, tzinfo=UTC)
    pace = _one_counter(ten_past_eleven, 10, spans)
    # 1 ahead: called at 11:20 (± 5 minutes), nothing to cut.
    shown = estimate(1, True, pace, ten_past_eleven)
    assert (shown.minutes, shown.low, shown.high) == (10, 5, 15)
    # 2 ahead: 11:30 exactly, still the morning: the range (± 8) stops at the break
    # rather than run on to the afternoon ("khoảng 10–150 phút").
    shown = estimate(2, True, pace, ten_past_eleven)
    assert (shown.minutes, shown.low, shown.high) == (20, 10, 20)
    # 3 ahead: 10 minutes after the break (13:40, 150 minutes on).
    shown = estimate(3, True, pace, ten_past_eleven)
    assert (shown.minutes, shown.low, shown.high) == (150, 140, 170)
    # A low end before the break is moved to when the counters come back.
    assert within_span(ten_past_eleven, 150, 100, 160, spans) == (140, 160)
    # Past the day's last span nothing is cut: those still waiting are served after it.
    evening = dt.datetime(2026, 11, 25, 9, 50, tzinfo=UTC)  # 16:50
    assert within_span(evening, 5, 0, 30, spans) == (0, 30)
    assert within_span(evening, 5, 0, 30, None) == (0, 30)


def test_the_wait_formatter_rounds_outward_and_never_reads_zero() -> None:
    assert round_range(12.3, 17.9) == (10, 20)
    assert round_range(0, 0) == (0, 5)
    assert round_range(3, 3.5) == (0, 5)
    assert round_range(35, 65) == (30, 70)  # beyond an hour: steps of 10
    assert round_range(41, 44) == (40, 45)
    assert wait_text(0, 5) == ("dưới 5 phút", "under 5 minutes")
    assert wait_text(40, 60) == ("khoảng 40–60 phút", "about 40–60 minutes")
    for low, high in ((0, 0), (0, 0.4), (2, 2), (59, 61), (100, 100)):
        lo, hi = round_range(low, high)
        assert hi >= 5 and hi - lo >= 5 and not wait_text(lo, hi)[0].endswith(" 0 phút")


# ------------------------------------------------------------------ close-out


def test_close_out_ends_the_day_and_is_safe_to_run_twice(session, world: World) -> None:
    waiting = issue(session, world)
    called = issue(session, world)
    done = issue(session, world, "CT")
    open_counter(session, world, 1, "o1")
    open_counter(session, world, 3, "o2")
    queue.call_number(session, world.actor("o1"), world.counters[1].id, called.number, now=MORNING)
    queue.call_next(session, world.actor("o2"), world.counters[3].id, now=MORNING)
    queue.start_serving(session, world.actor("o2"), world.counters[3].id, now=MORNING)
    queue.finish(session, world.actor("o2"), world.counters[3].id, now=MORNING)
    night = MORNING + dt.timedelta(hours=12)
    result = queue.close_out(session, now=night)
    assert (result.tickets_expired, result.counters_closed) == (2, 2)
    session.expire_all()
    assert session.get(Ticket, waiting.id).state == "expired"
    assert session.get(Ticket, called.id).state == "expired"
    assert session.get(Ticket, done.id).state == "done"
    assert all(
        c.state == "closed" and c.current_ticket_id is None
        for c in session.scalars(select(Counter))
    )
    again = queue.close_out(session, now=night)
    assert (again.tickets_expired, again.counters_closed) == (0, 0)
    # The event log keeps two days for reconnecting clients.
    logged = len(session.scalars(select(EventLog)).all())
    assert logged > 0 and result.events_pruned == 0
    later = queue.close_out(
        session, now=dt.datetime.now(UTC) + queue.EVENT_LOG_KEPT + dt.timedelta(minutes=1)
    )
    assert later.events_pruned == logged
    assert session.scalars(select(EventLog)).all() == []


def test_a_tracking_token_never_looks_like_a_user_or_device_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # token_urlsafe can start with "hdd_" (about once in 17 million tickets): such a
    # phone would be taken for a device by the credential resolver and refused.
    made = iter(["hdd_aaaa", "hdu_bbbb", "plain-token"])
    monkeypatch.setattr(common.secrets, "token_urlsafe", lambda _n: next(made))
    assert common.new_tracking_token() == "plain-token"


def test_the_issue_context_names_the_columns_of_its_select() -> None:
    # IssueContext is made from each row by position: a column added to the select, or
    # moved in it, must be added or moved in the tuple too.
    columns = [column.key for column in issuing._ISSUE_CONTEXT.selected_columns]
    assert list(issuing.IssueContext._fields) == columns


def test_a_queues_call_schedule_is_the_one_tickets_rule() -> None:
    """standings() works the calls to come out once for a whole queue; every place must get
    the figure a schedule worked out for that place alone (one ticket's) gives it."""
    rng = random.Random(21)
    for _ in range(300):
        now = MORNING + dt.timedelta(minutes=rng.uniform(0, 300))
        counters = tuple(
            CounterPace(
                interval=rng.choice([2.0, 6.0, rng.uniform(1, 20)]),
                holding_since=rng.choice([None, now - dt.timedelta(minutes=rng.uniform(0, 30))]),
                holding_minutes=rng.uniform(1, 15),
                paused=rng.random() < 0.15,
                closed=rng.random() < 0.1,
                backlog=rng.choice([0.0, rng.uniform(0, 20)]),
            )
            for _ in range(rng.randint(1, 6))
        )
        rate = sum(1 / c.interval for c in counters)
        pace = Pace(now, rate, counters, 6.0, rng.choice([0.0, rate * 0.3]), None)
        scale = rng.choice([1.0, rng.uniform(0.5, 1.0)])
        places = rng.randint(1, 60)
        schedule = estimates._CallSchedule(pace, now, scale, places)
        for place in range(1, places + 1):
            assert schedule.minutes_until(place) == minutes_until_call(place, pace, now, scale)
