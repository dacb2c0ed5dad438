"""The reports' roll-up against report_step, on both databases: a generated history of six
weeks (over three months: a month wholly inside the period, and days at its ends), made
through the queue's own moves, so that the roll-up is the one kept as steps end. Every
report over the period is asked twice through the API, from the roll-up and with
exact=true, and compared: counts, sums, means, max and shares equal, percentiles within
the buckets' width. Then rebuild-reports gives the very rows kept incrementally, a step's
end that fails leaves neither its report_step row nor its roll-up behind, and migration
0010 fills the roll-up from the rows already there."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, select

from contract.tickets import Outcome
from server.db import write_transaction
from server.extensions import db
from server.migrate import alembic_config, upgrade
from server.models import ROLLUP_TABLES, ReportStep, RollServiceDay, Ticket
from server.services import queue
from server.services.reports import rollup
from server.services.reports.definitions import bucket_width_at
from tests.server.factory import World, issue_ticket
from tests.server.reports_day import build_morning, close_day

LOCAL = dt.timezone(dt.timedelta(hours=7))
FIRST, LAST = dt.date(2026, 9, 24), dt.date(2026, 11, 4)
# Every wait and service time stays under an hour, where the buckets are at most 60 s wide.
BOUND = 60


def _at(day: dt.date, minutes: float) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(7, 30), LOCAL) + dt.timedelta(minutes=minutes)
    return local.astimezone(dt.UTC)


def build_history(session: Any, world: World, seed: int = 7) -> int:
    """Some working days between FIRST and LAST (the two included), a dozen visitors each;
    returns how many tickets were issued."""
    rng = random.Random(seed)
    weekdays = [
        FIRST + dt.timedelta(days=i)
        for i in range((LAST - FIRST).days + 1)
        if (FIRST + dt.timedelta(days=i)).weekday() < 5
    ]
    days = sorted({FIRST, LAST, *weekdays[::3]})
    officers = {1: world.actor("o1"), 3: world.actor("o2"), 4: world.actor("o3")}
    where = {"LLTP": 1, "HT": 1, "CT": 3, "DD": 4}
    issued = 0
    for day in days:
        for number, officer in officers.items():
            queue.open_counter(session, officer, world.counters[number].id, now=_at(day, 0))
        arrivals = sorted(rng.uniform(5, 420) for _ in range(12))
        for minute in arrivals:
            issued += 1
            code = rng.choice(list(where))
            priority = "elderly" if rng.random() < 0.2 else None
            ticket = issue_ticket(
                session,
                world.kiosk_actor,
                world.services[code].id,
                priority_code=priority,
                now=_at(day, minute),
            )
            _serve(session, world, rng, ticket, code, minute, day, officers, where)
        for number, officer in officers.items():
            queue.close_counter(session, officer, world.counters[number].id, now=_at(day, 600))
        queue.close_out(session, site_id=world.site.id, day=day, now=_at(day, 930))
    return issued


def _serve(
    session: Any,
    world: World,
    rng: random.Random,
    ticket: Ticket,
    code: str,
    minute: float,
    day: dt.date,
    officers: dict[int, Any],
    where: dict[str, int],
) -> None:
    """One visitor's steps after the issue, all of them before the next visitor's."""
    roll = rng.random()
    if roll < 0.05:
        return  # never called: the close-out expires it
    number = where[code]
    counter, officer = world.counters[number].id, officers[number]
    t = minute + min(rng.expovariate(1 / 12), 55)
    if roll < 0.10:
        queue.cancel(session, officer, ticket.id, now=_at(day, t))
        return
    queue.call_number(session, officer, counter, ticket.number, now=_at(day, t))
    if roll < 0.18:
        queue.mark_no_show(session, officer, counter, now=_at(day, t + 1))
        return
    t += rng.uniform(0.2, 1.5)
    queue.start_serving(session, officer, counter, now=_at(day, t))
    service = rng.uniform(2, 25)
    if roll < 0.28:
        queue.hold(session, officer, counter, now=_at(day, t + service / 2))
        t += service / 2 + rng.uniform(1, 6)
        queue.resume_held(session, officer, counter, ticket.id, now=_at(day, t))
        t += 0.5
        queue.start_serving(session, officer, counter, now=_at(day, t))
        service /= 2
    if roll < 0.36 and code == "CT":
        moved = queue.transfer(
            session, officer, counter_id=counter, to_service_id=world.services["DD"].id,
            now=_at(day, t + service),
        )  # fmt: skip
        _serve(session, world, rng, moved, "DD", t + service, day, officers, where)
        return
    outcome = rng.choice([Outcome.COMPLETED, Outcome.COMPLETED, Outcome.INCOMPLETE])
    dossier = f"HS-{ticket.id}" if rng.random() < 0.5 else None
    queue.finish(
        session, officer, counter, outcome=outcome, dossier_code=dossier,
        now=_at(day, t + service),
    )  # fmt: skip


def rollup_rows(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: sorted(tuple(row) for row in session.execute(select(table)).all())
        for table in ROLLUP_TABLES
    }


def _report(client: Any, world: World, name: str, params: dict[str, Any]) -> dict[str, Any]:
    answer = client.get(
        f"/api/v1/reports/{name}", query_string=params, headers=world.auth("manager")
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _same(rolled: dict[str, Any], exact: dict[str, Any], label: str) -> int:
    """Compare two reports row by row; returns how many percentiles were compared."""
    compared = 0
    assert len(rolled["sheets"]) == len(exact["sheets"]), label
    for sheet_r, sheet_e in zip(rolled["sheets"], exact["sheets"], strict=True):
        assert len(sheet_r["rows"]) == len(sheet_e["rows"]), (label, sheet_e["name"])
        for row_r, row_e in zip(sheet_r["rows"], sheet_e["rows"], strict=True):
            assert row_r.keys() == row_e.keys()
            for key, value in row_e.items():
                got = row_r[key]
                if key in rollup.APPROXIMATE and value is not None:
                    width = bucket_width_at(value)
                    assert width is not None and width <= BOUND
                    assert abs(got - value) <= BOUND, (label, key, got, value)
                    compared += 1
                else:
                    assert got == value, (label, sheet_e["name"], key, got, value)
    return compared


REPORTS = [
    ("summary", {}),
    ("summary", {"group": "month"}),
    ("summary", {"group": "week"}),
    ("summary", {"group": "weekday"}),
    ("summary", {"priority": "priority"}),
    ("summary", {"priority": "regular"}),
    ("summary", {"service_id": "LLTP"}),
    ("summary", {"department_id": True}),
    ("services", {}),
    ("services", {"group": "month"}),
    ("trend", {"group": "day"}),
    ("trend", {"group": "week"}),
    ("trend", {"group": "month"}),
    ("sites", {}),
    ("dossier", {}),
    ("dossier", {"group": "month"}),
    ("counters", {}),
    ("counters", {"officer_id": "o1"}),
    ("counters", {"counter_id": 3}),
    ("hours", {}),
]


def test_rollup_answers_as_report_step_does(app, session, client, world) -> None:  # type: ignore[no-untyped-def]
    issued = build_history(session, world)
    steps = session.scalar(select(func.count()).select_from(ReportStep))
    assert steps > issued  # the transfers' second steps
    kept = rollup_rows(session)
    assert sum(r[6] for r in kept["report_roll_service_day"]) == steps  # the steps column
    compared = 0
    # A month inside the period and days at both ends; then two partial months only.
    for start, end, reports in (
        (FIRST, LAST, REPORTS),
        (dt.date(2026, 10, 3), LAST, REPORTS[:2] + REPORTS[8:11] + REPORTS[14:17] + REPORTS[19:]),
    ):
        for name, extra in reports:
            params: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
            for key, value in extra.items():
                if key == "service_id":
                    value = world.services[value].id
                elif key == "department_id":
                    value = world.services["LLTP"].department_id
                elif key == "officer_id":
                    value = world.users[value].id
                elif key == "counter_id":
                    value = world.counters[value].id
                params[key] = value
            rolled = _report(client, world, name, params)
            exact = _report(client, world, name, {**params, "exact": "true"})
            label = f"{name} {extra} {start}..{end}"
            assert rolled["source"] == "rollup", label
            assert exact["source"] == "steps" and exact["approximate"] == [], label
            approximate = name in ("summary", "services", "trend", "sites")
            assert rolled["approximate"] == (list(rollup.APPROXIMATE) if approximate else [])
            if approximate:
                headings = [c["vi"] for c in rolled["sheets"][-1]["columns"]]
                assert "Chờ p90 ≈" in headings and "Chờ p90" not in headings, label
            compared += _same(rolled, exact, label)
            assert rolled.get("days") == exact.get("days"), label
    assert compared > 100
    # A period of a month or less, or a filter the roll-up lacks: report_step, exactly.
    month = {"start": "2026-10-01", "end": "2026-10-31"}
    assert _report(client, world, "summary", month)["source"] == "steps"
    by_counter = {"start": FIRST.isoformat(), "end": LAST.isoformat(), "counter_id": 3}
    assert _report(client, world, "summary", by_counter)["source"] == "steps"

    # rebuild-reports recomputes report_step and the roll-up (wiped here first): the very
    # rows kept as the steps ended, one by one.
    with write_transaction(session):
        for table in ROLLUP_TABLES:
            session.execute(delete(table))
    assert all(rows == [] for rows in rollup_rows(session).values())
    result = app.test_cli_runner().invoke(args=["rebuild-reports"])
    assert result.exit_code == 0, result.output
    assert f"{steps} ticket steps" in result.output
    session.expire_all()
    assert rollup_rows(session) == kept


def test_a_failed_step_end_leaves_no_rollup(session, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    day = dt.date(2026, 11, 16)
    o1, c1 = world.actor("o1"), world.counters[1].id
    queue.open_counter(session, o1, c1, now=_at(day, 0))
    ticket = issue_ticket(session, world.kiosk_actor, world.services["HT"].id, now=_at(day, 1))
    queue.call_number(session, o1, c1, ticket.number, now=_at(day, 5))
    queue.start_serving(session, o1, c1, now=_at(day, 6))

    def steps_rolled() -> int:
        return int(session.scalar(select(func.coalesce(func.sum(RollServiceDay.c.steps), 0))))

    real_write = rollup.write

    def write_then_fail(executor: Any, rows: Any) -> None:
        real_write(executor, rows)  # the roll-up's rows are written, then the move fails
        assert steps_rolled() == 1
        raise RuntimeError("the move fails after writing the roll-up")

    monkeypatch.setattr(rollup, "write", write_then_fail)
    with pytest.raises(RuntimeError):
        queue.finish(session, o1, c1, now=_at(day, 16))
    session.expire_all()
    assert session.get(Ticket, ticket.id).state == "serving"
    assert session.scalar(select(func.count()).select_from(ReportStep)) == 0
    assert all(rows == [] for rows in rollup_rows(session).values())

    monkeypatch.setattr(rollup, "write", real_write)
    queue.finish(session, o1, c1, now=_at(day, 16))
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ReportStep)) == 1
    (row,) = session.execute(select(RollServiceDay)).mappings().all()
    assert (row["steps"], row["done"], row["called"], row["wait_sum"], row["wait_max"]) == (
        1, 1, 1, 240, 240,
    )  # fmt: skip
    assert row["service_n"] == 1 and row["service_sum"] == 600
    assert sum(row[f"w{i}"] for i in range(rollup.BUCKETS)) == 1
    assert row["w8"] == 1 and row["s20"] == 1  # 240 s and 600 s, 30 s wide buckets


def test_migration_0010_fills_the_rollup_from_report_step(session, world) -> None:  # type: ignore[no-untyped-def]
    build_morning(session, world)
    close_day(session, world)
    kept = rollup_rows(session)
    assert sum(r[6] for r in kept["report_roll_service_day"]) == 9  # the day's nine steps
    session.commit()
    db.scoped.remove()
    engine = db.engine
    assert engine is not None
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    upgrade(engine)
    assert rollup_rows(db.session) == kept
