"""The day simulator (issue #15): the roster, the lunch break, no-shows and transfers on the
real queue services; a recorded day replayed within a stated tolerance; the command."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from contract import events as ev
from server.models import Counter, EventLog, Service, Ticket
from server.services import catalog
from server.services.clock import zone
from server.services.simulation import accuracy, history, scenarios
from server.services.simulation.engine import simulate
from server.services.simulation.model import (
    CounterSpec,
    DayProfile,
    ServiceSpec,
    Staffing,
    counters_for,
    staffing_of,
)

TZ = zone("Asia/Ho_Chi_Minh")
HOURS = (("07:30", "11:30"), ("13:30", "17:00"))


def _profile(services, counters, **kwargs) -> DayProfile:  # type: ignore[no-untyped-def]
    return DayProfile("test", "Ngày thử", "Test day", tuple(services), tuple(counters), **kwargs)


def _read(path: Path) -> Session:
    return Session(create_engine(f"sqlite:///{path}"))


def _local(at: dt.datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M")


def _counter_states(session: Session) -> dict[int, list[tuple[str, str]]]:
    """counter number -> [(local time, state)] from the day's counter.changed events."""
    out: dict[int, list[tuple[str, str]]] = {}
    for row in session.scalars(
        select(EventLog).where(EventLog.name == ev.COUNTER_CHANGED).order_by(EventLog.seq)
    ):
        out.setdefault(row.data["counter"]["number"], []).append(
            (_local(row.at), row.data["state"])
        )
    return out


def test_counters_open_pause_and_close_by_the_roster(tmp_path: Path) -> None:
    service = ServiceSpec("HT", "Hộ tịch", "Civil status", {8: 30, 9: 30}, minutes=6, cv=0.3)
    day = _profile(
        [service],
        [
            CounterSpec(1, ("HT",), (("08:00", "09:00"),)),
            CounterSpec(2, ("HT",), (("08:30", "09:15"), ("09:30", "10:00"))),
        ],
        hours=(("08:00", "10:00"),),
    )
    result = simulate(day, seed=3, keep_database=tmp_path / "day.db")
    with _read(tmp_path / "day.db") as session:
        states = _counter_states(session)
        numbers = {c.id: c.number for c in session.scalars(select(Counter))}
        calls = [
            (numbers[t.counter_id], _local(t.called_at))
            for t in session.scalars(select(Ticket).where(Ticket.called_at.is_not(None)))
        ]
    assert states[1][0] == ("08:00", "open") and states[1][-1][1] == "closed"
    assert "08:59" <= states[1][-1][0] <= "09:20"  # the ticket at hand is finished first
    assert [s for _, s in states[2]] == ["open", "paused", "open", "closed"]
    assert states[2][0][0] == "08:30" and states[2][2][0] == "09:30"
    # Nobody is called by a counter off its shift.
    assert all("08:00" <= at < "09:00" for n, at in calls if n == 1)
    assert all(("08:30" <= at < "09:15") or ("09:30" <= at < "10:00") for n, at in calls if n == 2)
    assert {n for n, _ in calls} == {1, 2}
    assert len(result.tickets) > 20


def test_the_lunch_break_stops_the_calls_and_the_estimate_counts_it(tmp_path: Path) -> None:
    # More visitors in the late morning than one counter serves before 11:30.
    service = ServiceSpec("CT", "Chứng thực", "Certification", {10: 14, 11: 14}, minutes=8, cv=0.2)
    day = _profile(
        [service],
        [CounterSpec(1, ("CT",), HOURS)],
        hours=HOURS,
        # A visitor who comes at noon finds the centre closed (issuing refuses).
        fixed_arrivals=(),
    )
    result = simulate(day, seed=2, keep_database=tmp_path / "day.db")
    called = [t for t in result.tickets if t.called_at is not None]
    assert not any("11:31" <= _local(t.called_at) < "13:30" for t in called)  # type: ignore[arg-type]
    after_lunch = [t for t in called if _local(t.called_at) >= "13:30"]  # type: ignore[arg-type]
    assert after_lunch, "the morning's queue is served after the break"
    # Those who waited through the break were told so at issue: their estimate counts the
    # two hours, and the real wait fell in the range shown for most of them.
    assert all(t.real_wait is not None and t.real_wait > 120 for t in after_lunch)
    told = [t for t in after_lunch if t.estimate > 120]
    assert len(told) >= 0.8 * len(after_lunch)
    within = [t for t in after_lunch if t.low <= (t.real_wait or 0) <= t.high]
    assert len(within) >= 0.7 * len(after_lunch)
    with _read(tmp_path / "day.db") as session:
        states = [s for _, s in _counter_states(session)[1]]
    assert states == ["open", "paused", "open", "closed"]
    noon = replace(day, fixed_arrivals=((12 * 60.0, "CT", False, 5.0, "", None),))
    assert simulate(noon).tickets == []


def test_no_shows_free_the_counter_after_the_wait_for_the_visitor(tmp_path: Path) -> None:
    service = ServiceSpec(
        "HT", "Hộ tịch", "Civil status", {8: 20}, minutes=10, cv=0.3, no_show_share=1.0
    )
    day = _profile(
        [service], [CounterSpec(1, ("HT",), (("08:00", "10:00"),))], hours=(("08:00", "09:00"),)
    )
    result = simulate(day, seed=1, keep_database=tmp_path / "day.db")
    assert result.tickets and all(t.behaviour == "no_show" for t in result.tickets)
    with _read(tmp_path / "day.db") as session:
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.called_at)))
    assert {t.state for t in tickets} == {"no_show"}
    for t in tickets:
        assert t.finished_at - t.called_at == dt.timedelta(minutes=day.no_show_minutes)  # type: ignore[operator]
    # The counter calls the next one as soon as it is free.
    for before, after in zip(tickets, tickets[1:], strict=False):
        assert after.called_at >= before.finished_at  # type: ignore[operator]


def test_transfers_send_the_visitor_on_with_the_same_number(tmp_path: Path) -> None:
    first = ServiceSpec(
        "HT",
        "Hộ tịch",
        "Civil status",
        {8: 10},
        minutes=10,
        cv=0.3,
        transfer_share=1.0,
        transfer_to="CT",
        no_show_share=0.0,
    )
    second = ServiceSpec(
        "CT", "Chứng thực", "Certification", {}, minutes=5, cv=0.3, no_show_share=0.0
    )
    day = _profile(
        [first, second],
        [
            CounterSpec(1, ("HT",), (("08:00", "11:00"),)),
            CounterSpec(2, ("CT",), (("08:00", "11:00"),)),
        ],
        hours=(("08:00", "09:00"),),
    )
    result = simulate(day, seed=4, keep_database=tmp_path / "day.db")
    with _read(tmp_path / "day.db") as session:
        codes = {s.id: s.code for s in session.scalars(select(Service))}
        tickets = list(session.scalars(select(Ticket)))
    originals = [t for t in tickets if t.transferred_from_id is None]
    moved = {t.transferred_from_id: t for t in tickets if t.transferred_from_id is not None}
    assert len(originals) == len(result.tickets) > 3
    for t in originals:
        assert codes[t.service_id] == "HT" and t.state == "transferred"
        assert moved[t.id].number == t.number and codes[moved[t.id].service_id] == "CT"
        assert moved[t.id].state == "done"
        assert moved[t.id].queued_at == t.queued_at  # it keeps its place


def test_a_recorded_day_is_replayed_within_the_stated_tolerance(tmp_path: Path) -> None:
    """Done-when 1 of issue #15: a recorded day (its tickets and events in a database) is
    replayed from that database alone (visitors, handling times, no-shows, transfers,
    counters' hours, officers' pace) and gives the same waits: mean absolute difference
    per ticket at most 2 minutes, and the day's mean wait within 1 minute (README)."""
    # The recorded day: officers that take their time between tickets, which the replay
    # learns only as a mean.
    recorded = replace(scenarios.two_missing(), call_gap_minutes=0.3)
    simulate(recorded, seed=5, keep_database=tmp_path / "recorded.db")
    app = Flask("replay")
    catalog.init_app(app)
    with app.app_context(), _read(tmp_path / "recorded.db") as session:
        profile, waits = history.recorded_day(session, 1, recorded.day)
    assert len(profile.fixed_arrivals) == len(waits) > 200
    assert {c.number for c in profile.counters} == {c.number for c in recorded.counters}
    assert profile.call_gap_minutes == pytest.approx(0.3, abs=0.05)
    replayed = simulate(profile, seed=1)
    pairs = [
        (w.wait, t.real_wait)
        for w, t in zip(waits, replayed.tickets, strict=True)
        if w.wait is not None and t.real_wait is not None
    ]
    assert len(pairs) >= 0.95 * len(waits)
    difference = sum(abs(a - b) for a, b in pairs) / len(pairs)
    real = sum(a for a, _ in pairs) / len(pairs)
    again = sum(b for _, b in pairs) / len(pairs)
    assert difference <= 2.0, difference
    assert abs(real - again) <= 1.0, (real, again)


def test_the_estimates_of_a_quiet_day_hold_the_goal() -> None:
    """A guard for bench/eta.py's goal on the cheapest scenario: at least 80% of the real
    waits inside the range shown, no hour with a mean error above 5 minutes."""
    report = accuracy.score(simulate(scenarios.commune(), seed=1))
    assert report.overall.share_new >= 0.8
    assert report.worst_hour_mae <= 5.0


def test_staffing_by_the_hour_makes_a_roster_of_dedicated_counters() -> None:
    day = scenarios.commune()
    staffing = Staffing({"HT": {8: 2, 9: 1}, "CT": {9: 1}})
    counters = counters_for(day, staffing)
    assert [(c.services, c.shifts) for c in counters] == [
        (("HT",), (("08:00", "10:00"),)),
        (("HT",), (("08:00", "09:00"),)),
        (("CT",), (("09:00", "10:00"),)),
    ]
    assert staffing_of(day.with_counters(counters)).counters == {
        "HT": {8: 2, 9: 1},
        "CT": {9: 1},
        "DD": {},
    }


@pytest.mark.parametrize("scenario", ["commune"])
def test_the_simulate_command_prints_the_accuracy_side_by_side(scenario: str) -> None:
    from server.main import main

    result = CliRunner().invoke(main, ["simulate", "--scenario", scenario, "--updates"])
    assert result.exit_code == 0, result.output
    assert "tickets/s" in result.output
    assert "new" in result.output and "old" in result.output
    assert "pushed updates" in result.output
    refused = CliRunner().invoke(main, ["simulate"])
    assert refused.exit_code != 0 and "--scenario" in refused.output


def test_the_simulate_command_replays_a_day_of_the_servers_database(tmp_path: Path) -> None:
    from server.main import main

    day = replace(scenarios.commune(), call_gap_minutes=0.3)
    simulate(day, seed=2, keep_database=tmp_path / "day.db")
    env = {
        "HANGDOI_INSTANCE": str(tmp_path / "instance"),
        "HANGDOI_DATABASE_URL": f"sqlite:///{tmp_path / 'day.db'}",
    }
    args = ["simulate", "--site", "SIM", "--day", day.day.isoformat()]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "replay: recorded mean wait" in result.output
    empty = CliRunner().invoke(main, [*args[:-1], "2026-12-08"], env=env)
    assert empty.exit_code != 0 and "issued no ticket" in empty.output
