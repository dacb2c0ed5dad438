"""The reports: filters, grouping, and the SQL that aggregates ``report_step`` (and the
counter log) into them. What each figure means is in :mod:`.definitions`.

Counts are summed in SQL. Percentiles are exact: SQL returns, per group, how many steps
took each whole number of seconds (a few thousand distinct values for a year of one
centre, where a year has close to a million steps), and :func:`definitions.percentile`
interpolates over those counts as ``percentile_cont`` would over the sorted values. The
same statements run on SQLite, which has no percentile function, and PostgreSQL.

Periods of ROLLUP_FROM_DAYS days or more are read from the roll-up (:mod:`.rollup`) where
its keys answer the filters and grouping: the same counts, sums, max and shares, and p50
and p90 interpolated within its buckets, which the report then marks as approximate
(``approximate`` in the JSON, "≈" in the column headings, a note in the XLSX).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from contract.tickets import OPEN_STATES, STATE_LABELS, Outcome, TicketState
from server.models import (
    Counter,
    CounterLog,
    Department,
    PriorityCategory,
    ReportStep,
    Service,
    Site,
    Ticket,
    User,
)
from server.services.clock import WEEKDAYS_VI, zone
from server.services.reports import rollup
from server.services.reports.definitions import (
    END_SLOT,
    SLOTS_PER_DAY,
    Distribution,
    served_share,
)

R = ReportStep
S = TicketState

GROUPS = ("day", "week", "month", "weekday", "hour")
PRIORITIES = ("all", "priority", "regular")


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    site_ids: tuple[int, ...] | None = None  # None: every site
    department_id: int | None = None
    service_id: int | None = None
    counter_id: int | None = None
    officer_id: int | None = None
    priority: str = "all"
    exact: bool = False  # read report_step even where the roll-up could answer

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def where(self, day: Any = None) -> list[ColumnElement[bool]]:
        """The WHERE clauses over report_step (`day`: the business day's column, or an
        expression standing for it)."""
        day = R.business_day if day is None else day
        clauses: list[ColumnElement[bool]] = [day.between(self.start, self.end)]
        if self.site_ids is not None:
            clauses.append(
                R.site_id == self.site_ids[0]
                if len(self.site_ids) == 1
                else R.site_id.in_(self.site_ids)
            )
        for column, value in (
            (R.department_id, self.department_id),
            (R.service_id, self.service_id),
            (R.counter_id, self.counter_id),
            (R.officer_id, self.officer_id),
        ):
            if value is not None:
                clauses.append(column == value)
        if self.priority == "priority":
            clauses.append(R.priority_category_id.is_not(None))
        elif self.priority == "regular":
            clauses.append(R.priority_category_id.is_(None))
        return clauses

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "site_ids": list(self.site_ids) if self.site_ids is not None else None,
            "department_id": self.department_id,
            "service_id": self.service_id,
            "counter_id": self.counter_id,
            "officer_id": self.officer_id,
            "priority": self.priority,
            "exact": self.exact,
        }


# ------------------------------------------------------------------ date presets

PRESETS = (
    "today",
    "yesterday",
    "this_week",
    "this_month",
    "last_month",
    "this_quarter",
    "this_year",
)


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The (first, last) business day of a preset, as of `today` (the site's date)."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        day = today - dt.timedelta(days=1)
        return day, day
    if preset == "this_week":
        return today - dt.timedelta(days=today.weekday()), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return today.replace(month=first_month, day=1), today
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(f"unknown preset {preset!r}")


# ------------------------------------------------------------------ tables of a report


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    # "s": a duration in seconds (exports show minutes); "pct": a share 0..1 (exports: %).
    unit: str = ""


@dataclass
class Sheet:
    name: str
    title_vi: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "columns": [
                {"key": c.key, "vi": c.vi, "en": c.en, "unit": c.unit} for c in self.columns
            ],
            "rows": self.rows,
        }


@dataclass
class Report:
    name: str
    title_vi: str
    title_en: str
    filters: Filters
    group: str | None
    sites: list[dict[str, Any]]
    sheets: list[Sheet]
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "filters": self.filters.as_dict(),
            "group": self.group,
            "sites": self.sites,
            "sheets": [s.as_dict() for s in self.sheets],
            **self.notes,
        }


FIGURE_COLUMNS = [
    Column("issued", "Số cấp mới", "Issued"),
    Column("transferred_in", "Nhận chuyển đến", "Transferred in"),
    Column("done", "Đã phục vụ", "Served"),
    Column("no_show", "Vắng mặt", "No-show"),
    Column("cancelled", "Đã huỷ", "Cancelled"),
    Column("expired", "Hết hiệu lực", "Expired"),
    Column("transferred", "Chuyển đi", "Transferred on"),
    Column("served_pct", "Tỷ lệ phục vụ", "Served %", "pct"),
    Column("wait_mean", "Chờ trung bình", "Wait mean", "s"),
    Column("wait_p50", "Chờ trung vị (p50)", "Wait p50", "s"),
    Column("wait_p90", "Chờ p90", "Wait p90", "s"),
    Column("wait_max", "Chờ lâu nhất", "Wait max", "s"),
    Column("service_mean", "Phục vụ trung bình", "Service mean", "s"),
    Column("service_p50", "Phục vụ trung vị (p50)", "Service p50", "s"),
    Column("service_level", "Gọi trong thời gian mục tiêu", "Service level", "pct"),
    *[
        Column(f"outcome_{o.value}", f"Kết quả: {vi}", f"Outcome: {o.value}")
        for o, vi in (
            (Outcome.COMPLETED, "tiếp nhận/trả kết quả"),
            (Outcome.INCOMPLETE, "hồ sơ chưa đủ"),
            (Outcome.INFORMATION, "hướng dẫn"),
            (Outcome.REFUSED, "không thuộc thẩm quyền"),
        )
    ],
]

GROUP_COLUMNS = {
    "day": Column("day", "Ngày", "Day"),
    "week": Column("week", "Tuần (từ thứ Hai)", "Week (from Monday)"),
    "month": Column("month", "Tháng", "Month"),
    "weekday": Column("weekday", "Thứ", "Weekday"),
    "hour": Column("hour", "Giờ", "Hour"),
}


def _group_key(group: str | None) -> list[Any]:
    if group is None:
        return []
    column: Any = {
        "day": R.business_day,
        "week": R.week_start,
        "month": R.month_start,
        "weekday": R.weekday,
        "hour": R.arrival_slot // 2,
    }[group]
    return [column.label(f"g_{group}")]


def _group_value(group: str, value: Any) -> Any:
    if group in ("day", "week"):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if group == "month":
        return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)[:7]
    if group == "weekday":
        return WEEKDAYS_VI[int(value)]
    return int(value)


def _as_int(value: Any) -> int:
    return int(value or 0)


_PRIORITY = case((R.priority_category_id.is_(None), 0), else_=1).label("is_priority")


def tally(session: Session, filters: Filters, keys: Sequence[Any], *, split: bool = False) -> Tally:
    """The counts and histograms per value of `keys` (a tuple; () for no key). With
    `split`, each key gets a last element: "all", "priority" or "regular"."""
    where = filters.where()
    keys = list(keys)
    all_keys = [*keys, _PRIORITY] if split else keys
    width = len(keys)
    extra = 1 if split else 0

    # Two passes over the period: the first gives every count and the waits' histogram
    # (the counts are summed over the wait values in Python), the second the service times'.
    # SQLite's GROUP BY sorts its rows (no hash aggregation): over a year a pass costs what
    # sorting its rows costs, so the passes are kept to two (bench/reports.py).
    counts = session.execute(
        select(
            *all_keys,
            R.wait_seconds,
            func.count(),
            func.sum(case((R.transferred_in, 1), else_=0)),
            *[func.sum(case((R.end_state == s.value, 1), else_=0)) for s in _ENDS],
            func.sum(case((R.within_target.is_(True), 1), else_=0)),
            *[func.sum(case((R.outcome == o.value, 1), else_=0)) for o in Outcome],
        )
        .where(*where)
        .group_by(*all_keys, R.wait_seconds)
    ).all()
    services = session.execute(
        select(*all_keys, R.service_seconds, func.count())
        .where(*where, R.end_state == S.DONE.value, R.service_seconds.is_not(None))
        .group_by(*all_keys, R.service_seconds)
    ).all()

    def split_key(row: Sequence[Any]) -> list[tuple[Any, ...]]:
        base = tuple(row[:width])
        if not split:
            return [base]
        part = "priority" if row[width] else "regular"
        return [(*base, "all"), (*base, part)]

    # steps, transferred in, the end states, called, in target, the outcomes
    raw: dict[tuple[Any, ...], list[int]] = defaultdict(
        lambda: [0] * (4 + len(_ENDS) + len(Outcome))
    )
    wait_h: dict[tuple[Any, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in counts:
        wait_seconds = row[width + extra]
        steps = int(row[width + extra + 1])
        values = [steps, *(_as_int(v) for v in row[width + extra + 2 :])]
        values.insert(2 + len(_ENDS), steps if wait_seconds is not None else 0)
        for key in split_key(row):
            acc = raw[key]
            for i, v in enumerate(values):
                acc[i] += v
            if wait_seconds is not None:
                wait_h[key][int(wait_seconds)] += steps
    service_h: dict[tuple[Any, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in services:
        for key in split_key(row):
            service_h[key][int(row[-2])] += int(row[-1])
    return Tally(raw, wait_h, service_h)


@dataclass
class Tally:
    """What :func:`tally` counts per key, before the figures are worked out: counts can be
    added and histograms merged, so a coarser grouping is made from a finer one."""

    raw: dict[tuple[Any, ...], list[int]]
    waits: dict[tuple[Any, ...], dict[int, int]]
    services: dict[tuple[Any, ...], dict[int, int]]
    approximate = False

    def wait(self, key: tuple[Any, ...]) -> Distribution:
        return Distribution.of(self.waits.get(key, {}).items())

    def service(self, key: tuple[Any, ...]) -> Distribution:
        return Distribution.of(self.services.get(key, {}).items())

    def coarser(self, key: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> Tally:
        raw: dict[tuple[Any, ...], list[int]] = {}
        waits: dict[tuple[Any, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        services: dict[tuple[Any, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for old, acc in self.raw.items():
            new = key(old)
            raw[new] = (
                [a + b for a, b in zip(raw[new], acc, strict=True)] if new in raw else list(acc)
            )
            for value, n in self.waits.get(old, {}).items():
                waits[new][value] += n
            for value, n in self.services.get(old, {}).items():
                services[new][value] += n
        return Tally(raw, waits, services)


def figures_of(counted: Tally | rollup.Rolled) -> dict[tuple[Any, ...], dict[str, Any]]:
    ends = [s.value for s in _ENDS]
    outcomes = [o.value for o in Outcome]
    result = {}
    for key, acc in counted.raw.items():
        steps, transferred_in = acc[0], acc[1]
        by_end = dict(zip(ends, acc[2 : 2 + len(_ENDS)], strict=True))
        called, in_target = acc[2 + len(_ENDS)], acc[3 + len(_ENDS)]
        by_outcome = acc[4 + len(_ENDS) :]
        wait = counted.wait(key)
        service = counted.service(key)
        result[key] = {
            "issued": steps - transferred_in,
            "transferred_in": transferred_in,
            **by_end,
            "served_pct": served_share(by_end["done"], steps, by_end["transferred"]),
            "wait_mean": wait.mean,
            "wait_p50": wait.p50,
            "wait_p90": wait.p90,
            "wait_max": wait.max,
            "service_mean": service.mean,
            "service_p50": service.p50,
            "service_level": in_target / called if called else None,
            **{f"outcome_{o}": n for o, n in zip(outcomes, by_outcome, strict=True)},
        }
    return result


_ENDS = (S.DONE, S.NO_SHOW, S.CANCELLED, S.EXPIRED, S.TRANSFERRED)


# ------------------------------------------------------------------ the roll-up or the steps

# Periods of this many days or more are read from the roll-up (module rollup) where its
# keys answer the filters and grouping; shorter ones (up to a month), and the rest, from
# report_step, exactly.
ROLLUP_FROM_DAYS = 32


def _rolled(filters: Filters, *, group: str | None = None, by: str = "figures") -> bool:
    """Does the roll-up answer this report? `by`: "figures" (the figures' reports, keyed
    by site, day, service and priority), "counters" or "slots"."""
    if filters.exact or filters.days() < ROLLUP_FROM_DAYS:
        return False
    if by == "figures":
        return filters.counter_id is None and filters.officer_id is None and group != "hour"
    if by == "counters":
        return (
            filters.department_id is None
            and filters.service_id is None
            and filters.priority == "all"
        )
    return (
        filters.department_id is None
        and filters.service_id is None
        and filters.counter_id is None
        and filters.officer_id is None
        and filters.priority == "all"
    )


APPROXIMATION_VI = (
    "≈: trung vị và p90 ước tính trong các khoảng thời gian gộp (rộng 30 giây đến 30 phút, "
    "60 giây đến 60 phút); các số đếm, trung bình, lâu nhất và tỷ lệ là chính xác."
)
APPROXIMATION_EN = (
    "≈: p50 and p90 interpolated within the roll-up's buckets (30 s wide up to 30 min, "
    "60 s up to 60); counts, means, max and shares are exact."
)


def _source(report: Report, *, rolled: bool, approximate: bool) -> Report:
    """Say where the figures come from, and mark the approximate ones (≈) in the JSON, the
    column headings (so in every file) and a note."""
    report.notes["source"] = "rollup" if rolled else "steps"
    report.notes["approximate"] = list(rollup.APPROXIMATE) if approximate else []
    if approximate:
        report.notes["approximation_vi"] = APPROXIMATION_VI
        report.notes["approximation_en"] = APPROXIMATION_EN
        for sheet in report.sheets:
            sheet.columns = [
                Column(c.key, f"{c.vi} ≈", f"{c.en} ≈", c.unit)
                if c.key in rollup.APPROXIMATE
                else c
                for c in sheet.columns
            ]
    return report


def _figures(
    session: Session,
    filters: Filters,
    group: str | None,
    dims: Sequence[str],
    *,
    split: bool = False,
) -> Tally | rollup.Rolled:
    """The counts per (group, *dims): from the roll-up when it answers, else report_step."""
    if _rolled(filters, group=group):
        return rollup.tally(session, filters, group, dims, split=split)
    keys = [*_group_key(group), *(getattr(R, d) for d in dims)]
    return tally(session, filters, keys, split=split)


# ------------------------------------------------------------------ names


def _names(session: Session, model: Any, ids: set[Any]) -> dict[int, Any]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def _sites(session: Session, filters: Filters) -> list[dict[str, Any]]:
    query = select(Site).order_by(Site.id)
    if filters.site_ids is not None:
        query = query.where(Site.id.in_(filters.site_ids))
    return [
        {"id": s.id, "code": s.code, "name_vi": s.name_vi, "name_en": s.name_en}
        for s in session.scalars(query)
    ]


def _with_group(group: str | None, columns: list[Column]) -> list[Column]:
    return [GROUP_COLUMNS[group], *columns] if group else columns


def _group_part(group: str | None, key: tuple[Any, ...], at: int) -> dict[str, Any]:
    return {group: _group_value(group, key[at])} if group else {}


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, v if not isinstance(v, str) else v) for v in key)


# ------------------------------------------------------------------ 1. summary

_PARTS = {
    "all": ("Tất cả", "All"),
    "priority": ("Ưu tiên", "Priority"),
    "regular": ("Thường", "Regular"),
}


def summary(session: Session, filters: Filters, group: str | None = None) -> Report:
    counted = _figures(session, filters, group, (), split=True)
    data = figures_of(counted)
    rows = []
    for key in sorted(data, key=lambda k: (_sort_key(k[:-1]), list(_PARTS).index(k[-1]))):
        part = key[-1]
        rows.append(
            {
                **_group_part(group, key, 0),
                "part": part,
                "part_vi": _PARTS[part][0],
                **data[key],
            }
        )
    columns = _with_group(group, [Column("part_vi", "Nhóm", "Group"), *FIGURE_COLUMNS])
    open_now = _open_tickets(session, filters)
    report = Report(
        "summary",
        "Báo cáo tổng hợp",
        "Summary",
        filters,
        group,
        _sites(session, filters),
        [Sheet("summary", "Tổng hợp", "Summary", columns, rows)],
        {"open_tickets": open_now},
    )
    return _source(report, rolled=counted.approximate, approximate=counted.approximate)


def _open_tickets(session: Session, filters: Filters) -> int:
    """Tickets of the period still open: not in the figures until their step ends."""
    # The open tickets' days, counted here: a few rows (the close-out ends each day's), read
    # by (site, state). With the period in the WHERE clause SQLite read the site's year of
    # tickets by (site, day) instead: 0.3-1.4 s for a year of the centre (bench/reports.py).
    # Site by site over every site (one query with all of them, SQLite read every ticket).
    site_ids = filters.site_ids or tuple(session.scalars(select(Site.id)))
    count = 0
    for site_id in site_ids:
        query = select(Ticket.business_day).where(
            Ticket.site_id == site_id, Ticket.state.in_([s.value for s in OPEN_STATES])
        )
        if filters.service_id is not None:
            query = query.where(Ticket.service_id == filters.service_id)
        count += sum(1 for day in session.scalars(query) if filters.start <= day <= filters.end)
    return count


# ------------------------------------------------------------------ 2. departments, services


def by_service(session: Session, filters: Filters, group: str | None = None) -> Report:
    counted = _figures(session, filters, group, ("site_id", "department_id", "service_id"))
    data = figures_of(counted)
    g = 1 if group else 0
    services = _names(session, Service, {k[g + 2] for k in data})
    departments = _names(session, Department, {k[g + 1] for k in data})
    # A department's figures from its services' counts (one pass fewer over the period).
    dept_data = figures_of(counted.coarser(lambda key: key[: g + 2]))
    service_rows = []
    for key in sorted(data, key=_sort_key):
        service = services.get(key[g + 2])
        department = departments.get(key[g + 1])
        service_rows.append(
            {
                **_group_part(group, key, 0),
                "site_id": key[g],
                "department_id": key[g + 1],
                "department_vi": department.name_vi if department else "",
                "service_id": key[g + 2],
                "service_code": service.code if service else "",
                "service_vi": service.name_vi if service else "",
                "target_wait_minutes": service.target_wait_minutes if service else None,
                **data[key],
            }
        )
    dept_rows = []
    for key in sorted(dept_data, key=_sort_key):
        department = departments.get(key[g + 1])
        dept_rows.append(
            {
                **_group_part(group, key, 0),
                "site_id": key[g],
                "department_id": key[g + 1],
                "department_vi": department.name_vi if department else "",
                **dept_data[key],
            }
        )
    report = Report(
        "services",
        "Báo cáo theo lĩnh vực và dịch vụ",
        "By department and service",
        filters,
        group,
        _sites(session, filters),
        [
            Sheet(
                "departments",
                "Theo lĩnh vực",
                "By department",
                _with_group(
                    group, [Column("department_vi", "Lĩnh vực", "Department"), *FIGURE_COLUMNS]
                ),
                dept_rows,
            ),
            Sheet(
                "services",
                "Theo dịch vụ",
                "By service",
                _with_group(
                    group,
                    [
                        Column("department_vi", "Lĩnh vực", "Department"),
                        Column("service_code", "Mã", "Code"),
                        Column("service_vi", "Dịch vụ", "Service"),
                        Column("target_wait_minutes", "Chờ mục tiêu (phút)", "Target wait (min)"),
                        *FIGURE_COLUMNS,
                    ],
                ),
                service_rows,
            ),
        ],
    )
    return _source(report, rolled=counted.approximate, approximate=counted.approximate)


# ------------------------------------------------------------------ 3. counters and officers

COUNTER_COLUMNS = [
    Column("done", "Đã phục vụ", "Served"),
    Column("service_mean", "Phục vụ trung bình", "Service mean", "s"),
    Column("busy_seconds", "Thời gian phục vụ", "Serving time", "s"),
    Column("open_seconds", "Thời gian mở quầy", "Open time", "s"),
    Column("busy_share", "Tỷ lệ thời gian phục vụ", "Share of open time serving", "pct"),
    Column("no_show", "Vắng mặt", "No-show"),
    Column("transferred", "Chuyển đi", "Transferred on"),
]


def open_time(session: Session, filters: Filters) -> dict[tuple[int, int | None], float]:
    """Seconds each (counter, officer) was open in the period, from the counter log."""
    sites = session.execute(
        select(Site.id, Site.timezone).where(Site.id.in_(filters.site_ids))
        if filters.site_ids is not None
        else select(Site.id, Site.timezone)
    ).all()
    result: dict[tuple[int, int | None], float] = defaultdict(float)
    for site_id, timezone in sites:
        tz = zone(timezone)
        start = dt.datetime.combine(filters.start, dt.time(), tz).astimezone(dt.UTC)
        end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), tz).astimezone(
            dt.UTC
        )
        query = (
            select(CounterLog.counter_id, CounterLog.state, CounterLog.officer_id, CounterLog.at)
            .where(CounterLog.site_id == site_id, CounterLog.at >= start, CounterLog.at < end)
            .order_by(CounterLog.counter_id, CounterLog.at, CounterLog.id)
        )
        if filters.counter_id is not None:
            query = query.where(CounterLog.counter_id == filters.counter_id)
        previous: dict[int, tuple[str, int | None, dt.datetime]] = {}
        for counter_id, state, officer_id, at in session.execute(query):
            before = previous.get(counter_id)
            if before is not None and before[0] == "open":
                result[(counter_id, before[1])] += (at - before[2]).total_seconds()
            previous[counter_id] = (state, officer_id, at)
        now = min(dt.datetime.now(dt.UTC), end)
        for counter_id, (state, officer_id, at) in previous.items():
            if state == "open" and now > at:  # still open: up to now, or the period's end
                result[(counter_id, officer_id)] += (now - at).total_seconds()
    return result


def by_counter(session: Session, filters: Filters, group: str | None = None) -> Report:
    rolled = _rolled(filters, by="counters")
    rows_sql: Sequence[Any]
    if rolled:
        rows_sql = rollup.counters(session, filters)
    else:
        keys = [R.counter_id, R.officer_id]
        rows_sql = session.execute(
            select(
                *keys,
                func.sum(case((R.end_state == S.DONE.value, 1), else_=0)),
                func.sum(case((R.end_state == S.DONE.value, R.service_seconds), else_=0)),
                func.sum(func.coalesce(R.service_seconds, 0)),
                func.sum(case((R.end_state == S.NO_SHOW.value, 1), else_=0)),
                func.sum(case((R.end_state == S.TRANSFERRED.value, 1), else_=0)),
            )
            .where(*filters.where(), R.counter_id.is_not(None))
            .group_by(*keys)
        ).all()
    every = rollup.open_time(session, filters) if rolled else open_time(session, filters)
    opened = (
        every
        if filters.officer_id is None
        else {k: v for k, v in every.items() if k[1] == filters.officer_id}
    )
    counters = _names(session, Counter, {r[0] for r in rows_sql} | {k[0] for k in opened})
    officers = _names(session, User, {r[1] for r in rows_sql} | {k[1] for k in opened if k[1]})
    combined: dict[tuple[int, int | None], dict[str, Any]] = {}
    for counter_id, officer_id, done_count, done_service, busy, no_show, transferred in rows_sql:
        done = _as_int(done_count)
        combined[(counter_id, officer_id)] = {
            "done": done,
            "service_mean": _as_int(done_service) / done if done else None,
            "busy_seconds": _as_int(busy),
            "no_show": _as_int(no_show),
            "transferred": _as_int(transferred),
        }
    for key in opened:
        combined.setdefault(
            key,
            {"done": 0, "service_mean": None, "busy_seconds": 0, "no_show": 0, "transferred": 0},
        )
    rows = []
    for (counter_id, officer_id), values in sorted(
        combined.items(), key=lambda kv: _sort_key(kv[0])
    ):
        counter = counters.get(counter_id)
        officer = officers.get(officer_id) if officer_id else None
        open_seconds = int(opened.get((counter_id, officer_id), 0))
        rows.append(
            {
                "counter_id": counter_id,
                "counter_number": counter.number if counter else None,
                "site_id": counter.site_id if counter else None,
                "officer_id": officer_id,
                "officer_name": officer.full_name if officer else "",
                **values,
                "open_seconds": open_seconds,
                "busy_share": values["busy_seconds"] / open_seconds if open_seconds else None,
            }
        )
    columns = [
        Column("counter_number", "Quầy", "Counter"),
        Column("officer_name", "Cán bộ", "Officer"),
        *COUNTER_COLUMNS,
    ]
    report = Report(
        "counters",
        "Báo cáo theo quầy và cán bộ",
        "By counter and officer",
        filters,
        None,
        _sites(session, filters),
        [Sheet("counters", "Theo quầy và cán bộ", "By counter and officer", columns, rows)],
    )
    return _source(report, rolled=rolled, approximate=False)


# ------------------------------------------------------------------ 4. by hour

HOUR_COLUMNS = [
    Column("slot", "Khung giờ", "Slot"),
    Column("arrived", "Đến", "Arrived"),
    Column("called", "Được gọi", "Called"),
    Column("carried_over", "Đang chờ đầu khung", "Waiting at the start"),
    Column("past_target", "Chờ quá mục tiêu", "Past target"),
]


def _slot_label(slot: int) -> str:
    start = slot * 30
    end = start + 30
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def by_hour(session: Session, filters: Filters, group: str | None = None) -> Report:
    rolled = _rolled(filters, by="slots")
    if rolled:
        arrived, past, left, called, heat, days = _hours_rolled(session, filters)
    else:
        arrived, past, left, called, heat, days = _hours_exact(session, filters)
    rows = []
    waiting = 0
    for slot in range(SLOTS_PER_DAY):
        row: dict[str, Any] = {
            "slot": _slot_label(slot),
            "slot_index": slot,
            "arrived": int(arrived.get(slot, 0)),
            "called": called.get(slot, 0),
            "carried_over": waiting,
            "past_target": int(past.get(slot, 0)),
        }
        waiting += int(arrived.get(slot, 0)) - left.get(slot, 0)
        if row["arrived"] or row["called"] or row["carried_over"]:
            rows.append(row)
    heat_rows = [
        {
            "weekday": WEEKDAYS_VI[weekday],
            "weekday_index": weekday,
            "hour": h,
            "arrived": count,
            "wait_mean": wait_sum / wait_count if wait_count else None,
        }
        for weekday, h, count, wait_sum, wait_count in heat
    ]
    report = Report(
        "hours",
        "Báo cáo theo khung giờ",
        "By time of day",
        filters,
        None,
        _sites(session, filters),
        [
            Sheet("slots", "Theo khung 30 phút", "By 30-minute slot", HOUR_COLUMNS, rows),
            Sheet(
                "heatmap",
                "Thứ × giờ",
                "Weekday × hour",
                [
                    Column("weekday", "Thứ", "Weekday"),
                    Column("hour", "Giờ", "Hour"),
                    Column("arrived", "Đến", "Arrived"),
                    Column("wait_mean", "Chờ trung bình", "Wait mean", "s"),
                ],
                heat_rows,
            ),
        ],
        {"days": days, "end_slot": END_SLOT},
    )
    return _source(report, rolled=rolled, approximate=False)


_Hours = tuple[
    dict[int, int],
    dict[int, int],
    dict[int, int],
    dict[int, int],
    list[tuple[int, int, int, int, int]],
    int,
]


def _hours_exact(session: Session, filters: Filters) -> _Hours:
    """(arrived, past target by arrival slot; left the queue, called by that slot; the
    weekday × hour table; the days) from report_step."""
    where = filters.where()
    arrived = {
        int(k): int(v)
        for k, v in session.execute(
            select(R.arrival_slot, func.count()).where(*where).group_by(R.arrival_slot)
        )
    }
    past = {
        int(k): int(v)
        for k, v in session.execute(
            select(R.arrival_slot, func.count())
            .where(*where, R.within_target.is_(False))
            .group_by(R.arrival_slot)
        )
    }
    left: dict[int, int] = defaultdict(int)
    called: dict[int, int] = defaultdict(int)
    # A step was called exactly when it has a wait (definitions.measure_step).
    for slot, was_called, count in session.execute(
        select(R.left_queue_slot, R.wait_seconds.is_not(None), func.count())
        .where(*where)
        .group_by(R.left_queue_slot, R.wait_seconds.is_not(None))
    ):
        left[slot] += count
        if was_called:
            called[slot] += count
    hour = R.arrival_slot // 2
    heat = [
        (int(weekday), int(h), int(count), _as_int(wait_sum), int(wait_count))
        for weekday, h, count, wait_sum, wait_count in session.execute(
            select(
                R.weekday, hour, func.count(), func.sum(R.wait_seconds), func.count(R.wait_seconds)
            )
            .where(*where)
            .group_by(R.weekday, hour)
            .order_by(R.weekday, hour)
        )
    ]
    days = int(session.scalar(select(func.count(func.distinct(R.business_day))).where(*where)) or 0)
    return arrived, past, left, called, heat, days


def _hours_rolled(session: Session, filters: Filters) -> _Hours:
    """The same from the roll-up's slots (exact: counts and sums only)."""
    by_slot, days = rollup.slots(session, filters)
    arrived: dict[int, int] = defaultdict(int)
    past: dict[int, int] = defaultdict(int)
    left: dict[int, int] = defaultdict(int)
    called: dict[int, int] = defaultdict(int)
    heat_sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (weekday, slot), (n, past_n, waited, wait_sum, left_n, left_called) in by_slot.items():
        arrived[slot] += n
        past[slot] += past_n
        left[slot] += left_n
        called[slot] += left_called
        if n:
            acc = heat_sums[(weekday, slot // 2)]
            acc[0] += n
            acc[1] += wait_sum
            acc[2] += waited
    heat = [(w, h, acc[0], acc[1], acc[2]) for (w, h), acc in sorted(heat_sums.items())]
    return arrived, past, left, called, heat, days


# ------------------------------------------------------------------ 5. trend


def trend(session: Session, filters: Filters, group: str | None = None) -> Report:
    group = group if group in ("day", "week", "month") else "day"
    counted = _figures(session, filters, group, ())
    data = figures_of(counted)
    rows = [{**_group_part(group, key, 0), **data[key]} for key in sorted(data, key=_sort_key)]
    report = Report(
        "trend",
        "Xu hướng theo thời gian",
        "Trend",
        filters,
        group,
        _sites(session, filters),
        [Sheet("trend", "Xu hướng", "Trend", _with_group(group, FIGURE_COLUMNS), rows)],
    )
    return _source(report, rolled=counted.approximate, approximate=counted.approximate)


# ------------------------------------------------------------------ 6. sites side by side


def by_site(session: Session, filters: Filters, group: str | None = None) -> Report:
    counted = _figures(session, filters, group, ("site_id",))
    data = figures_of(counted)
    g = 1 if group else 0
    sites = _names(session, Site, {k[g] for k in data})
    rows = []
    for key in sorted(data, key=_sort_key):
        site = sites.get(key[g])
        rows.append(
            {
                **_group_part(group, key, 0),
                "site_id": key[g],
                "site_code": site.code if site else "",
                "site_vi": site.name_vi if site else "",
                **data[key],
            }
        )
    columns = _with_group(
        group,
        [
            Column("site_code", "Mã", "Code"),
            Column("site_vi", "Điểm phục vụ", "Site"),
            *FIGURE_COLUMNS,
        ],
    )
    report = Report(
        "sites",
        "So sánh các điểm phục vụ",
        "Sites side by side",
        filters,
        group,
        _sites(session, filters),
        [Sheet("sites", "Các điểm phục vụ", "Sites", columns, rows)],
    )
    return _source(report, rolled=counted.approximate, approximate=counted.approximate)


# ------------------------------------------------------------------ 7. dossier link


def dossier(session: Session, filters: Filters, group: str | None = None) -> Report:
    rolled = _rolled(filters, group=group)
    result: Sequence[Any]
    if rolled:
        counted = rollup.tally(session, filters, group, ("site_id", "service_id"))
        result = [
            (*key, counted.value(key, "done"), counted.value(key, "with_dossier"))
            for key in counted.sums
        ]
    else:
        keys = [*_group_key(group), R.site_id, R.service_id]
        done = R.end_state == S.DONE.value
        result = session.execute(
            select(
                *keys,
                func.sum(case((done, 1), else_=0)),
                func.sum(case((and_(done, R.has_dossier), 1), else_=0)),
            )
            .where(*filters.where())
            .group_by(*keys)
        ).all()
    g = 1 if group else 0
    services = _names(session, Service, {r[g + 1] for r in result})
    rows = []
    for row in sorted(result, key=lambda r: _sort_key(tuple(r[: g + 2]))):
        service = services.get(row[g + 1])
        served, linked = _as_int(row[g + 2]), _as_int(row[g + 3])
        rows.append(
            {
                **_group_part(group, tuple(row), 0),
                "site_id": row[g],
                "service_id": row[g + 1],
                "service_code": service.code if service else "",
                "service_vi": service.name_vi if service else "",
                "done": served,
                "with_dossier": linked,
                "dossier_share": linked / served if served else None,
            }
        )
    columns = _with_group(
        group,
        [
            Column("service_code", "Mã", "Code"),
            Column("service_vi", "Dịch vụ", "Service"),
            Column("done", "Đã phục vụ", "Served"),
            Column("with_dossier", "Có mã hồ sơ", "With a dossier code"),
            Column("dossier_share", "Tỷ lệ có mã hồ sơ", "Share with a dossier code", "pct"),
        ],
    )
    report = Report(
        "dossier",
        "Liên kết mã hồ sơ",
        "Dossier link",
        filters,
        group,
        _sites(session, filters),
        [Sheet("dossier", "Mã hồ sơ", "Dossier codes", columns, rows)],
    )
    return _source(report, rolled=rolled, approximate=False)


# ------------------------------------------------------------------ 8. raw export

RAW_COLUMNS = [
    Column("ticket_id", "Mã phiếu", "Ticket id"),
    Column("site_code", "Điểm", "Site"),
    Column("business_day", "Ngày", "Day"),
    Column("number", "Số", "Number"),
    Column("service_code", "Mã dịch vụ", "Service code"),
    Column("service_vi", "Dịch vụ", "Service"),
    Column("priority", "Ưu tiên", "Priority"),
    Column("channel", "Kênh", "Channel"),
    Column("transferred_in", "Nhận chuyển đến", "Transferred in"),
    Column("issued_at", "Giờ cấp số", "Issued at"),
    Column("arrived_at", "Giờ vào hàng chờ", "Queued at"),
    Column("first_called_at", "Giờ gọi lần đầu", "First called at"),
    Column("started_at", "Giờ bắt đầu phục vụ", "Serving started at"),
    Column("ended_at", "Giờ kết thúc", "Ended at"),
    Column("counter_number", "Quầy", "Counter"),
    Column("officer_name", "Cán bộ", "Officer"),
    Column("end_state", "Kết thúc", "End"),
    Column("outcome", "Kết quả", "Outcome"),
    Column("calls", "Số lần gọi", "Calls"),
    Column("wait_seconds", "Thời gian chờ", "Wait", "s"),
    Column("service_seconds", "Thời gian phục vụ", "Service time", "s"),
    Column("hold_seconds", "Thời gian tạm giữ", "Time on hold", "s"),
    Column("within_target", "Trong mục tiêu", "Within target"),
    Column("dossier_code", "Mã hồ sơ", "Dossier code"),
]

RAW_PAGE = 1000
RAW_PAGE_MAX = 10000


def raw_rows(
    session: Session, filters: Filters, *, after: int = 0, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """One row per step, in ticket id order after `after`; every row when `limit` is None."""
    sites = {s.id: s for s in session.scalars(select(Site))}
    services = {s.id: s for s in session.scalars(select(Service))}
    counters = {c.id: c for c in session.scalars(select(Counter))}
    categories = {c.id: c for c in session.scalars(select(PriorityCategory))}
    officers: dict[int, str] = {}
    page = min(limit, RAW_PAGE_MAX) if limit is not None else 5000
    given = 0
    where = filters.where()
    if filters.site_ids is not None and len(filters.site_ids) == 1:
        if session.get_bind().dialect.name == "sqlite":
            # One site's steps in ticket order (ix_report_step_site_ticket): SQLite would
            # rather read the site's period from the covering index and sort all of it (1 s
            # for the centre's year); a unary + keeps it from using the day for an index.
            where = filters.where(literal_column("+report_step.business_day", R.business_day.type))
    while limit is None or given < limit:
        query = (
            select(
                R.__table__,
                Ticket.number,
                Ticket.issued_at,
                Ticket.started_at,
                Ticket.dossier_code,
            )
            .join(Ticket, Ticket.id == R.ticket_id)
            .where(*where, R.ticket_id > after)
            .order_by(R.ticket_id)
            .limit(page if limit is None else min(page, limit - given))
        )
        rows = session.execute(query).all()
        if not rows:
            return
        wanted = {r.officer_id for r in rows if r.officer_id not in officers}
        officers.update({k: v.full_name for k, v in _names(session, User, wanted).items()})
        for step in rows:
            number, issued_at, started_at, dossier_code = (
                step.number,
                step.issued_at,
                step.started_at,
                step.dossier_code,
            )
            service = services.get(step.service_id)
            counter = counters.get(step.counter_id) if step.counter_id else None
            category = (
                categories.get(step.priority_category_id) if step.priority_category_id else None
            )
            yield {
                "ticket_id": step.ticket_id,
                "site_code": sites[step.site_id].code,
                "business_day": step.business_day.isoformat(),
                "number": number,
                "service_code": service.code if service else "",
                "service_vi": service.name_vi if service else "",
                "priority": category.name_vi if category else "",
                "channel": step.channel,
                "transferred_in": step.transferred_in,
                "issued_at": _iso(issued_at),
                "arrived_at": _iso(step.arrived_at),
                "first_called_at": _iso(step.first_called_at),
                "started_at": _iso(started_at),
                "ended_at": _iso(step.ended_at),
                "counter_number": counter.number if counter else None,
                "officer_name": officers.get(step.officer_id, "") if step.officer_id else "",
                "end_state": STATE_LABELS[TicketState(step.end_state)][0],
                "outcome": step.outcome,
                "calls": step.calls,
                "wait_seconds": step.wait_seconds,
                "service_seconds": step.service_seconds,
                "hold_seconds": step.hold_seconds,
                "within_target": step.within_target,
                "dossier_code": dossier_code,
            }
            given += 1
            after = step.ticket_id


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def raw(session: Session, filters: Filters, *, after: int = 0, limit: int = RAW_PAGE) -> Report:
    rows = list(raw_rows(session, filters, after=after, limit=limit))
    return Report(
        "raw",
        "Dữ liệu chi tiết từng số",
        "Raw export: one row per ticket step",
        filters,
        None,
        _sites(session, filters),
        [Sheet("raw", "Chi tiết", "Raw", RAW_COLUMNS, rows)],
        {"next_after": rows[-1]["ticket_id"] if len(rows) == limit else None},
    )


REPORTS = {
    "summary": summary,
    "services": by_service,
    "counters": by_counter,
    "hours": by_hour,
    "trend": trend,
    "sites": by_site,
    "dossier": dossier,
}
