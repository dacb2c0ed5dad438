"""The reports' roll-up: ``report_step`` added up per site, business day (and month),
service, priority, counter and officer, and half-hour slot, kept as steps end.

Writing: :func:`write` adds ended steps' rows (as :func:`record.step_row` makes them) to
every roll-up table, one upsert statement per table (``INSERT ... ON CONFLICT DO UPDATE``,
the same text on SQLite and PostgreSQL). The move that ends a step calls it in the transaction
that writes the step's ``report_step`` row; ``rebuild`` and the benchmark's bulk fill call
it with many rows at once. :func:`rebuild` recomputes the roll-up from ``report_step``.

Reading: :func:`tally` and friends answer what :mod:`.queries` asks over a long period.
Counts, sums, max and the service level are exact (the service level's "within target"
is counted from each step's row, with its service's target as it was when the step ended;
a target changed later changes neither ``report_step`` nor the roll-up until
``rebuild-reports`` recomputes both with the targets of that day). Percentiles are
interpolated within the roll-up's buckets (:func:`definitions.bucket_percentile`), so they
are approximate, and the reports say so.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Integer, Table, bindparam, delete, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import TextClause

from contract.tickets import Outcome, TicketState
from server.models import (
    ROLLUP_BUCKETS,
    ROLLUP_COUNTERS,
    ROLLUP_FIGURES,
    ROLLUP_MAXIMA,
    ROLLUP_SLOTS,
    ROLLUP_TABLES,
    Counter,
    CounterLog,
    ReportStep,
    RollCounterDay,
    RollCounterOpen,
    RollDay,
    RollServiceDay,
    RollServiceMonth,
    RollSiteDay,
    RollSlotDay,
    RollSlotMonth,
    Site,
)
from server.services.clock import zone
from server.services.reports.definitions import (
    BUCKETS,
    Distribution,
    bucket_of,
    bucket_percentile,
    month_start,
    week_start,
)

assert BUCKETS == ROLLUP_BUCKETS, "the roll-up's bucket columns follow BUCKET_EDGES"

S = TicketState
Key = tuple[Any, ...]
Values = dict[str, int]

# The figures approximated when read from the roll-up (the others are exact).
APPROXIMATE = ("wait_p50", "wait_p90", "service_p50")

_ENDS = ("done", "no_show", "cancelled", "expired", "transferred")
_FIGURE_INDEX = {name: i for i, name in enumerate((*ROLLUP_FIGURES, *ROLLUP_MAXIMA))}
_WAIT_BUCKETS = slice(_FIGURE_INDEX["w0"], _FIGURE_INDEX["w0"] + BUCKETS)
_SERVICE_BUCKETS = slice(_FIGURE_INDEX["s0"], _FIGURE_INDEX["s0"] + BUCKETS)
# Tally.raw's layout (queries.tally): steps, transferred in, the ends, called, in target,
# the outcomes.
_RAW = [
    _FIGURE_INDEX[n]
    for n in (
        "steps",
        "transferred_in",
        *_ENDS,
        "called",
        "in_target",
        *(f"outcome_{o.value}" for o in Outcome),
    )
]


# ------------------------------------------------------------------ writing


def _figures(row: dict[str, Any]) -> Values:
    """One step's part of the figures tables (only what is not zero)."""
    done = row["end_state"] == S.DONE
    values: Values = {"steps": 1}
    if row["transferred_in"]:
        values["transferred_in"] = 1
    values[row["end_state"]] = 1
    wait = row["wait_seconds"]
    if wait is not None:
        values["called"] = 1
        values["wait_sum"] = wait
        values["wait_max"] = wait
        values[f"w{bucket_of(wait)}"] = 1
    if row["within_target"] is True:
        values["in_target"] = 1
    if row["outcome"] is not None:
        values[f"outcome_{row['outcome']}"] = 1
    if done and row["has_dossier"]:
        values["with_dossier"] = 1
    service = row["service_seconds"]
    if done and service is not None:
        values["service_n"] = 1
        values["service_sum"] = service
        values["service_max"] = service
        values[f"s{bucket_of(service)}"] = 1
    return values


def _add(into: dict[Key, Values], key: Key, values: Values, maxima: Sequence[str] = ()) -> None:
    acc = into.get(key)
    if acc is None:
        into[key] = dict(values)
        return
    for name, value in values.items():
        if name in maxima:
            acc[name] = max(acc.get(name, 0), value)
        else:
            acc[name] = acc.get(name, 0) + value


def deltas(rows: Iterable[dict[str, Any]]) -> dict[Table, dict[Key, Values]]:
    """What `rows` (ended steps' report rows) add to each roll-up table, per key."""
    out: dict[Table, dict[Key, Values]] = {table: {} for table in ROLLUP_TABLES}
    for row in rows:
        site, day, weekday = row["site_id"], row["business_day"], row["weekday"]
        month = row["month_start"]
        priority = row["priority_category_id"] is not None
        figures = _figures(row)
        service = (row["department_id"], row["service_id"])
        _add(out[RollServiceDay], (site, day, weekday, *service, priority), figures, ROLLUP_MAXIMA)
        _add(out[RollServiceMonth], (site, month, *service, priority), figures, ROLLUP_MAXIMA)
        _add(out[RollSiteDay], (site, day, weekday, priority), figures, ROLLUP_MAXIMA)
        _add(out[RollDay], (day, weekday, priority), figures, ROLLUP_MAXIMA)
        if row["counter_id"] is not None:
            done = row["end_state"] == S.DONE
            served = row["service_seconds"] or 0
            _add(
                out[RollCounterDay],
                (site, day, row["counter_id"], row["officer_id"] or 0),
                {
                    "done": int(done),
                    "done_service_sum": served if done else 0,
                    "busy_sum": served,
                    "no_show": int(row["end_state"] == S.NO_SHOW),
                    "transferred": int(row["end_state"] == S.TRANSFERRED),
                },
            )
        wait = row["wait_seconds"]
        arrival: Values = {
            "arrived": 1,
            "past_target": int(row["within_target"] is False),
            "waited": int(wait is not None),
            "wait_sum": wait or 0,
        }
        leaving: Values = {"left": 1, "left_called": int(wait is not None)}
        for table, when in ((RollSlotDay, (day, weekday)), (RollSlotMonth, (month, weekday))):
            _add(out[table], (site, *when, row["arrival_slot"]), arrival)
            _add(out[table], (site, *when, row["left_queue_slot"]), leaving)
    return out


def _key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


_FIGURE_TABLES = (RollServiceDay, RollServiceMonth, RollSiteDay, RollDay)
_BUCKET_COLUMNS = frozenset(f"{kind}{i}" for kind in "ws" for i in range(BUCKETS))
_COUNTS = tuple(n for n in ROLLUP_FIGURES if n not in _BUCKET_COLUMNS)


def write(
    executor: Session | Connection,
    rows: Sequence[dict[str, Any]],
    *,
    site_tables_only: bool = False,
) -> None:
    """Add ended steps' rows to the roll-up: one upsert statement per table, its text the
    same whatever the step (so that SQLAlchemy and the database reuse it prepared).
    `site_tables_only`: leave the tables of every site together alone (a site's rebuild)."""
    if not rows:
        return
    one = rows[0] if len(rows) == 1 else None
    for table, by_key in deltas(rows).items():
        if not by_key or (site_tables_only and "site_id" not in table.c):
            continue
        keys = _key_columns(table)
        if one is not None and table in _FIGURE_TABLES:
            ((key, v),) = by_key.items()
            wait, service = one["wait_seconds"], one["service_seconds"]
            params = [
                {
                    **dict(zip(keys, key, strict=True)),
                    **{n: v.get(n, 0) for n in (*_COUNTS, *ROLLUP_MAXIMA)},
                    "wb": bucket_of(wait) if wait is not None else -1,
                    "sb": bucket_of(service) if v.get("service_n") else -1,
                }
            ]
            executor.execute(_upsert(table.name, True), params)
            continue
        _write_table(executor, table, by_key)


def _write_table(executor: Session | Connection, table: Table, by_key: dict[Key, Values]) -> None:
    if not by_key:
        return
    keys = _key_columns(table)
    values = [c.name for c in table.columns if c.name not in keys]
    params = [
        {**dict(zip(keys, key, strict=True)), **{n: v.get(n, 0) for n in values}}
        for key, v in by_key.items()
    ]
    executor.execute(_upsert(table.name, False), params)


@functools.cache
def _upsert(table_name: str, one_step: bool) -> TextClause:
    """The upsert adding to a roll-up table's row, the same text on SQLite and PostgreSQL.
    `one_step`: a step's end, whose wait and service time are given as their buckets'
    numbers (wb, sb; -1: none), not as 202 counts. Written as text: SQLAlchemy's
    ``insert().on_conflict_do_update`` over 227 columns took milliseconds to compile, more
    than the statement costs to run."""
    table = next(t for t in ROLLUP_TABLES if t.name == table_name)
    keys = _key_columns(table)
    names = [c.name for c in table.columns]
    values = [n for n in names if n not in keys]

    def given(name: str) -> str:
        if one_step and name in _BUCKET_COLUMNS:
            return f"CASE WHEN :{name[0]}b = {name[1:]} THEN 1 ELSE 0 END"
        return f":{name}"

    t = table_name

    def q(name: str) -> str:  # "left" is a keyword of PostgreSQL's
        return f'"{name}"'

    update = ", ".join(
        f"{q(n)} = CASE WHEN excluded.{q(n)} > {t}.{q(n)} THEN excluded.{q(n)} ELSE {t}.{q(n)} END"
        if n in ROLLUP_MAXIMA
        else f"{q(n)} = {t}.{q(n)} + excluded.{q(n)}"
        for n in values
    )
    statement = (
        f"INSERT INTO {t} ({', '.join(q(n) for n in names)}) "
        f"VALUES ({', '.join(given(n) for n in names)}) "
        f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {update}"
    )
    binds = [
        bindparam(n, type_=table.c[n].type)
        for n in names
        if not (one_step and n in _BUCKET_COLUMNS)
    ]
    if one_step:
        binds += [bindparam("wb", type_=Integer()), bindparam("sb", type_=Integer())]
    return text(statement).bindparams(*binds)


# What the roll-up reads of a report_step row.
_STEP_COLUMNS = [
    ReportStep.__table__.c[name]
    for name in (
        "ticket_id",
        "site_id",
        "business_day",
        "weekday",
        "month_start",
        "priority_category_id",
        "department_id",
        "service_id",
        "counter_id",
        "officer_id",
        "transferred_in",
        "has_dossier",
        "end_state",
        "outcome",
        "wait_seconds",
        "service_seconds",
        "within_target",
        "arrival_slot",
        "left_queue_slot",
    )
]


def rebuild(session: Session | Connection, site_id: int | None = None, batch: int = 20000) -> None:
    """Recompute the roll-up from ``report_step`` (a site's, or all), in the caller's
    transaction, with the same :func:`write` the steps' ends use."""
    for table in ROLLUP_TABLES:
        if site_id is not None and "site_id" not in table.c:
            # Every site's days together: recomputed whole, from every site's steps.
            _rebuild_all_sites(session, batch)
            continue
        gone = delete(table)
        if site_id is not None:
            gone = gone.where(table.c.site_id == site_id)
        session.execute(gone)
    last = 0
    while True:
        query = select(*_STEP_COLUMNS).where(ReportStep.ticket_id > last)
        if site_id is not None:
            query = query.where(ReportStep.site_id == site_id)
        rows = [
            dict(r._mapping)
            for r in session.execute(query.order_by(ReportStep.ticket_id).limit(batch))
        ]
        if not rows:
            break
        last = rows[-1]["ticket_id"]
        write(session, rows, site_tables_only=site_id is not None)
    rebuild_open_time(session, site_id)


def _rebuild_all_sites(session: Session | Connection, batch: int) -> None:
    session.execute(delete(RollDay))
    last = 0
    while True:
        rows = [
            dict(r._mapping)
            for r in session.execute(
                select(*_STEP_COLUMNS)
                .where(ReportStep.ticket_id > last)
                .order_by(ReportStep.ticket_id)
                .limit(batch)
            )
        ]
        if not rows:
            return
        last = rows[-1]["ticket_id"]
        for table, by_key in deltas(rows).items():
            if table is RollDay:
                _write_table(session, table, by_key)


def add_open_time(
    session: Session | Connection,
    site_id: int,
    day: dt.date,
    counter_id: int,
    officer_id: int | None,
    microseconds: int,
) -> None:
    """Add a stretch of a counter's open time (from its opening, or the log's previous
    row while open, to its next state) to the day that stretch began."""
    key = (site_id, day, counter_id, officer_id or 0)
    _write_table(session, RollCounterOpen, {key: {"open_us": microseconds}})


def _open_stretches(rows: Iterable[Any], timezones: dict[int, str]) -> dict[Key, Values]:
    """Open time per (site, local day it began, counter, officer) from counter log rows
    in (counter, at, id) order."""
    out: dict[Key, Values] = {}
    previous: dict[int, Any] = {}
    for row in rows:
        before = previous.get(row.counter_id)
        if before is not None and before.state == "open":
            day = before.at.astimezone(zone(timezones[before.site_id])).date()
            spent = row.at - before.at
            _add(
                out,
                (before.site_id, day, before.counter_id, before.officer_id or 0),
                {"open_us": (spent.days * 86400 + spent.seconds) * 10**6 + spent.microseconds},
            )
        previous[row.counter_id] = row
    return out


def rebuild_open_time(session: Session | Connection, site_id: int | None = None) -> None:
    """Recompute the counters' open time from the counter log (a site's, or all)."""
    gone = delete(RollCounterOpen)
    query = select(
        CounterLog.site_id,
        CounterLog.counter_id,
        CounterLog.state,
        CounterLog.officer_id,
        CounterLog.at,
    ).order_by(CounterLog.counter_id, CounterLog.at, CounterLog.id)
    if site_id is not None:
        gone = gone.where(RollCounterOpen.c.site_id == site_id)
        query = query.where(CounterLog.site_id == site_id)
    session.execute(gone)
    timezones = dict(session.execute(select(Site.id, Site.timezone)).all())
    _write_table(session, RollCounterOpen, _open_stretches(session.execute(query), timezones))


# ------------------------------------------------------------------ reading


class Scope(Protocol):
    """The filters the roll-up reads (queries.Filters)."""

    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def site_ids(self) -> tuple[int, ...] | None: ...
    @property
    def department_id(self) -> int | None: ...
    @property
    def service_id(self) -> int | None: ...
    @property
    def counter_id(self) -> int | None: ...
    @property
    def officer_id(self) -> int | None: ...
    @property
    def priority(self) -> str: ...


def _segments(start: dt.date, end: dt.date) -> tuple[list[tuple[dt.date, dt.date]], list[dt.date]]:
    """The period as ([first, last] day ranges read from day tables, the months wholly
    inside it read from month tables)."""
    months: list[dt.date] = []
    days: list[tuple[dt.date, dt.date]] = []
    first_month = start if start.day == 1 else _next_month(start)
    month = first_month
    while _next_month(month) - dt.timedelta(days=1) <= end:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [(start, end)], []
    if start < months[0]:
        days.append((start, months[0] - dt.timedelta(days=1)))
    after = _next_month(months[-1])
    if after <= end:
        days.append((after, end))
    return days, months


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _where(table: Table, scope: Scope, *, service: bool = True) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if scope.site_ids is not None:
        clauses.append(table.c.site_id.in_(scope.site_ids))
    if service:
        if scope.department_id is not None:
            clauses.append(table.c.department_id == scope.department_id)
        if scope.service_id is not None:
            clauses.append(table.c.service_id == scope.service_id)
    if "priority" in table.c and scope.priority != "all":
        clauses.append(table.c.priority.is_(scope.priority == "priority"))
    return clauses


def _time_parts(
    day_table: Table, month_table: Table | None, scope: Scope, by_day: bool
) -> list[tuple[Table, str, list[ColumnElement[bool]]]]:
    """(table, its time column, its period clause) to read, with a month table for the
    whole months of a long period unless `by_day`."""
    if by_day or month_table is None:
        return [
            (day_table, "business_day", [day_table.c.business_day.between(scope.start, scope.end)])
        ]
    days, months = _segments(scope.start, scope.end)
    parts: list[tuple[Table, str, list[ColumnElement[bool]]]] = [
        (day_table, "business_day", [day_table.c.business_day.between(first, last)])
        for first, last in days
    ]
    if months:
        parts.append(
            (month_table, "month_start", [month_table.c.month_start.between(months[0], months[-1])])
        )
    return parts


class Rolled:
    """The roll-up's sums per key: the same use as queries.Tally (raw counts in its
    layout, the distributions, a coarser grouping), read from buckets."""

    approximate = True

    def __init__(self, sums: dict[Key, list[int]]) -> None:
        self.sums = sums

    @property
    def raw(self) -> dict[Key, list[int]]:
        return {key: [v[i] for i in _RAW] for key, v in self.sums.items()}

    def value(self, key: Key, name: str) -> int:
        return self.sums[key][_FIGURE_INDEX[name]]

    def wait(self, key: Key) -> Distribution:
        v = self.sums[key]
        return _distribution(
            v[_FIGURE_INDEX["called"]],
            v[_FIGURE_INDEX["wait_sum"]],
            v[_FIGURE_INDEX["wait_max"]],
            v[_WAIT_BUCKETS],
        )

    def service(self, key: Key) -> Distribution:
        v = self.sums[key]
        return _distribution(
            v[_FIGURE_INDEX["service_n"]],
            v[_FIGURE_INDEX["service_sum"]],
            v[_FIGURE_INDEX["service_max"]],
            v[_SERVICE_BUCKETS],
        )

    def coarser(self, key: Callable[[Key], Key]) -> Rolled:
        sums: dict[Key, list[int]] = {}
        for old, values in self.sums.items():
            _merge(sums, key(old), values)
        return Rolled(sums)


_MAX_AT = {_FIGURE_INDEX[n] for n in ROLLUP_MAXIMA}


def _merge(into: dict[Key, list[int]], key: Key, values: Sequence[int]) -> None:
    acc = into.get(key)
    if acc is None:
        into[key] = list(values)
        return
    for i, v in enumerate(values):
        acc[i] = max(acc[i], v) if i in _MAX_AT else acc[i] + v


def _distribution(count: int, total: int, maximum: int, buckets: Sequence[int]) -> Distribution:
    if count == 0:
        return Distribution()
    return Distribution(
        count=count,
        mean=total / count,
        p50=bucket_percentile(buckets, 0.5, maximum),
        p90=bucket_percentile(buckets, 0.9, maximum),
        max=maximum,
    )


_GROUP_OF: dict[str, Callable[[dt.date], Any]] = {
    "day": lambda d: d,
    "week": week_start,
    "month": month_start,
}


def tally(
    session: Session,
    scope: Scope,
    group: str | None,
    dims: Sequence[str],
    *,
    split: bool = False,
) -> Rolled:
    """The figures' sums per (group value, *dims) (+ "all"/"priority"/"regular" with
    `split`), group being None, "day", "week", "month" or "weekday", dims among site_id,
    department_id and service_id."""
    service = bool({"department_id", "service_id"} & set(dims)) or (
        scope.department_id is not None or scope.service_id is not None
    )
    day_table = (
        RollServiceDay
        if service
        else RollDay
        if scope.site_ids is None and "site_id" not in dims
        else RollSiteDay
    )
    sums: dict[Key, list[int]] = {}
    by_day = group in ("day", "week", "weekday")
    names = [*ROLLUP_FIGURES, *ROLLUP_MAXIMA]
    for table, time_column, period in _time_parts(day_table, RollServiceMonth, scope, by_day):
        time_key = (
            [] if group is None else [table.c["weekday" if group == "weekday" else time_column]]
        )
        keys = [*time_key, *(table.c[d] for d in dims), *([table.c.priority] if split else [])]
        aggregates = [
            func.max(table.c[n]) if n in ROLLUP_MAXIMA else func.sum(table.c[n]) for n in names
        ]
        query = select(*keys, *aggregates).where(*period, *_where(table, scope, service=service))
        if keys:
            query = query.group_by(*keys)
        width = len(keys)
        for row in session.execute(query):
            values = [int(v or 0) for v in row[width:]]
            if not values[_FIGURE_INDEX["steps"]]:
                continue
            base: Key = tuple(row[: len(time_key) + len(dims)])
            if group in _GROUP_OF:
                base = (_GROUP_OF[group](_as_date(base[0])), *base[1:])
            if split:
                part = "priority" if row[width - 1] else "regular"
                _merge(sums, (*base, "all"), values)
                _merge(sums, (*base, part), values)
            else:
                _merge(sums, base, values)
    return Rolled(sums)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def counters(session: Session, scope: Scope) -> list[tuple[Any, ...]]:
    """Per (counter, officer): done, their service seconds, busy seconds, no-shows,
    transfers (as queries.by_counter's SQL gives them)."""
    t = RollCounterDay
    clauses = [t.c.business_day.between(scope.start, scope.end), *_where(t, scope, service=False)]
    if scope.counter_id is not None:
        clauses.append(t.c.counter_id == scope.counter_id)
    if scope.officer_id is not None:
        clauses.append(t.c.officer_id == scope.officer_id)
    rows = session.execute(
        select(t.c.counter_id, t.c.officer_id, *(func.sum(t.c[n]) for n in ROLLUP_COUNTERS))
        .where(*clauses)
        .group_by(t.c.counter_id, t.c.officer_id)
    )
    return [(int(r[0]), int(r[1]) or None, *(int(v or 0) for v in r[2:])) for r in rows]


def slots(session: Session, scope: Scope) -> tuple[dict[tuple[int, int], list[int]], int]:
    """Per (weekday, slot): arrived, past target, waited, wait sum, left, left called; and
    the number of business days with steps."""
    out: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(ROLLUP_SLOTS))
    for table, _, period in _time_parts(RollSlotDay, RollSlotMonth, scope, False):
        for row in session.execute(
            select(table.c.weekday, table.c.slot, *(func.sum(table.c[n]) for n in ROLLUP_SLOTS))
            .where(*period, *_where(table, scope, service=False))
            .group_by(table.c.weekday, table.c.slot)
        ):
            acc = out[(int(row[0]), int(row[1]))]
            for i, v in enumerate(row[2:]):
                acc[i] += int(v or 0)
    t = RollSiteDay
    days = session.scalar(
        select(func.count(func.distinct(t.c.business_day))).where(
            t.c.business_day.between(scope.start, scope.end), *_where(t, scope, service=False)
        )
    )
    return out, int(days or 0)


def open_time(
    session: Session, scope: Scope, now: dt.datetime | None = None
) -> dict[tuple[int, int | None], float]:
    """Seconds each (counter, officer) was open, by the days its stretches began; a
    counter open now adds its stretch since it opened (or resumed), up to now or the
    period's end, as queries.open_time does from the log."""
    t = RollCounterOpen
    clauses = [t.c.business_day.between(scope.start, scope.end), *_where(t, scope, service=False)]
    if scope.counter_id is not None:
        clauses.append(t.c.counter_id == scope.counter_id)
    result: dict[tuple[int, int | None], float] = defaultdict(float)
    for counter_id, officer_id, microseconds in session.execute(
        select(t.c.counter_id, t.c.officer_id, func.sum(t.c.open_us))
        .where(*clauses)
        .group_by(t.c.counter_id, t.c.officer_id)
    ):
        result[(int(counter_id), int(officer_id) or None)] += int(microseconds or 0) / 10**6
    query = (
        select(Counter.id, Counter.officer_id, Counter.state_changed_at, Site.timezone)
        .join(Site, Site.id == Counter.site_id)
        .where(Counter.state == "open")
    )
    if scope.site_ids is not None:
        query = query.where(Counter.site_id.in_(scope.site_ids))
    if scope.counter_id is not None:
        query = query.where(Counter.id == scope.counter_id)
    moment = now or dt.datetime.now(dt.UTC)
    for counter_id, officer_id, since, timezone in session.execute(query):
        tz = zone(timezone)
        first = dt.datetime.combine(scope.start, dt.time(), tz).astimezone(dt.UTC)
        after = dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time(), tz)
        until = min(moment, after.astimezone(dt.UTC))
        if first <= since < until:
            result[(counter_id, officer_id)] += (until - since).total_seconds()
    return result
