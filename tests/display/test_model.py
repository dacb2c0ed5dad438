"""The zone's state as the display keeps it from the snapshot and the events."""

from __future__ import annotations

from contract import events as ev
from display.model import HallState


def counter(number: int, zone: str) -> dict:
    return {
        "id": number,
        "number": number,
        "name_vi": f"Quầy {number}",
        "name_en": "",
        "zone": zone,
    }


def ticket(ticket_id: int, number: str, count: int = 1, state: str = "called") -> dict:
    return {
        "id": ticket_id,
        "number": number,
        "state": state,
        "service_id": 1,
        "service_code": "A",
        "service_name_vi": "Cấp hộ chiếu",
        "service_name_en": "Passports",
        "priority": False,
        "call_count": count,
        "queued_at": "2026-12-06T01:00:00+00:00",
    }


def event(name: str, seq: int, data: dict) -> dict:
    return {
        "seq": seq,
        "site_id": 1,
        "at": f"2026-12-06T02:00:{seq:02d}+00:00",
        "name": name,
        "data": data,
    }


def test_calls_of_the_zone_newest_first_and_a_recall_moves_back_to_the_top() -> None:
    state = HallState(zone="tang-1")
    for seq, (tid, number, where) in enumerate(
        [
            (1, "A001", counter(1, "tang-1")),
            (2, "A002", counter(2, "tang-1")),
            (3, "B001", counter(11, "tang-2")),
        ],
        start=1,
    ):
        state.apply_event(
            ev.TICKET_CALLED,
            event(ev.TICKET_CALLED, seq, {"ticket": ticket(tid, number), "counter": where}),
        )
    assert [c.number for c in state.calls] == ["A002", "A001"], "another zone's call is not shown"
    recall = state.apply_event(
        ev.TICKET_RECALLED,
        event(
            ev.TICKET_RECALLED,
            4,
            {"ticket": ticket(1, "A001", count=2), "counter": counter(1, "tang-1")},
        ),
    )
    assert recall is not None and recall.key == (1, 2)
    assert [c.number for c in state.calls] == ["A001", "A002"]
    assert state.counter(1).current_number == "A001"
    state.apply_event(
        ev.TICKET_FINISHED,
        event(
            ev.TICKET_FINISHED,
            5,
            {"ticket": ticket(1, "A001", state="done"), "counter": counter(1, "tang-1")},
        ),
    )
    assert state.counter(1).current_number is None


def test_waiting_rows_are_the_services_of_the_zones_counters() -> None:
    state = HallState(zone="tang-1")
    state.set_services(
        [
            {"id": 1, "name_vi": "Hộ chiếu", "name_en": "", "counters": [1, 11]},
            {"id": 2, "name_vi": "Đất đai", "name_en": "", "counters": [12]},
        ]
    )
    state.apply_snapshot(
        {
            "seq": 9,
            "at": "2026-12-06T02:00:00+00:00",
            "calls": [],
            "queues": [{"service_id": 1, "waiting": 4, "longest_wait_seconds": 60}],
            "counters": [
                {
                    "counter": counter(1, "tang-1"),
                    "state": "paused",
                    "officer_name": None,
                    "current_number": None,
                }
            ],
        }
    )
    rows = state.waiting_rows()
    assert [(r.service_id, r.counters, r.waiting) for r in rows] == [(1, [1], 4)]
    assert state.counter(1).state == "paused"
    state.apply_event(
        ev.QUEUE_CHANGED,
        event(ev.QUEUE_CHANGED, 10, {"services": [{"service_id": 1, "waiting": 5}]}),
    )
    assert state.waiting_rows()[0].waiting == 5
