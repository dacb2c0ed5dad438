"""Benchmark: the reports over a year of history, on SQLite and PostgreSQL.

    python bench/reports.py                       # a year of a province, both databases
    python bench/reports.py --db sqlite --days 20 --communes 5   # a quick look

Builds one database holding a year of a province: its provincial centre (site 1, about
3,000 visitors a working day, 20 services, 40 counters) and `--communes` commune centres
(about 30 a day each). Arrivals have a morning peak and a smaller afternoon one; waits
grow with the load; each service has its own service time; there are priority tickets,
no-shows, cancellations, holds, transfers (a second step in another service) and tickets
the close-out expires. Each ticket's events are generated and turned into its report rows
by the server's own definitions (``step_row``), then tickets, report rows and the counter
log are inserted in bulk (the ticket_event rows themselves are not written: no report reads
them; a step's row is written from its few events, by ticket id, as it ends), and the
report rows added to the roll-up by the function that the steps' ends and
``rebuild-reports`` use (``rollup.write``).

Then every report is asked through the REST API (the Flask test client, JSON written)
`--runs` times for the centre's year (site 1) and for the whole province's year, and its
p50 and p95 (nearest rank) printed, with where the figures came from (the roll-up, or
report_step); then the year's summary once from report_step (``exact=true``) to print how
far the roll-up's interpolated percentiles are from the exact ones; then the cost of one
step's roll-up write (the upserts a step's end adds to its transaction). Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import drop_postgres_database, fresh_postgres_database, log  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from server import create_app  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.extensions import db  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.models import (  # noqa: E402
    Counter,
    CounterLog,
    Department,
    NumberSeries,
    PriorityCategory,
    ReportStep,
    Service,
    Site,
    Ticket,
    User,
)
from server.services import accounts  # noqa: E402
from server.services.reports import rollup  # noqa: E402
from server.services.reports.definitions import EventView  # noqa: E402
from server.services.reports.record import step_row  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=7))
CHUNK = 20_000


# ------------------------------------------------------------------ the catalogue


def build_catalogue(session: Any, communes: int) -> list[dict[str, Any]]:
    """Sites with their services and counters; returns one description per site."""
    sites = []
    for index in range(communes + 1):
        centre = index == 0
        site = Site(
            code="TINH" if centre else f"XA{index:03d}",
            name_vi="Trung tâm Phục vụ hành chính công tỉnh"
            if centre
            else f"Trung tâm xã số {index}",
            name_en="Provincial centre" if centre else f"Commune {index}",
        )
        session.add(site)
        session.flush()
        series = NumberSeries(site_id=site.id, code="A", format="{n:04d}", start=1)
        session.add(series)
        departments = []
        for d in range(4 if centre else 1):
            dept = Department(site_id=site.id, code=f"D{d}", name_vi=f"Lĩnh vực {d + 1}")
            session.add(dept)
            departments.append(dept)
        priority = PriorityCategory(site_id=site.id, code="elderly", name_vi="Người cao tuổi")
        session.add(priority)
        session.flush()
        services = []
        for s in range(20 if centre else 4):
            service = Service(
                site_id=site.id,
                department_id=departments[s % len(departments)].id,
                series_id=series.id,
                code=f"S{s:02d}",
                name_vi=f"Thủ tục {s + 1}",
                target_wait_minutes=15 if s % 3 else 20,
                expected_service_minutes=8 + (s % 5) * 3,
            )
            session.add(service)
            services.append(service)
        counters, officers = [], []
        for c in range(40 if centre else 2):
            officer = User(
                site_id=site.id,
                username=f"{site.code.lower()}-cb{c}",
                full_name=f"Cán bộ {c + 1} {site.code}",
                role="officer",
                password_hash="x",
            )
            counter = Counter(site_id=site.id, number=c + 1, name_vi=f"Quầy số {c + 1}")
            session.add_all([officer, counter])
            counters.append(counter)
            officers.append(officer)
        session.flush()
        sites.append(
            {
                "id": site.id,
                "series_id": series.id,
                "priority_id": priority.id,
                "services": [
                    (s.id, s.department_id, s.target_wait_minutes, s.expected_service_minutes * 60)
                    for s in services
                ],
                "counters": [(c.id, o.id) for c, o in zip(counters, officers, strict=True)],
                "per_day": 0,
            }
        )
    session.commit()
    return sites


# ------------------------------------------------------------------ a year of tickets


def _arrival(rng: random.Random, day: dt.date) -> dt.datetime:
    if rng.random() < 0.7:
        hours = rng.triangular(7.5, 11.5, 8.75)
    else:
        hours = rng.triangular(13.5, 16.75, 14.5)
    local = dt.datetime.combine(day, dt.time(), TZ) + dt.timedelta(hours=hours)
    return local.astimezone(dt.UTC)


def _wait(rng: random.Random, arrived: dt.datetime) -> float:
    hour = arrived.astimezone(TZ).hour + arrived.astimezone(TZ).minute / 60
    load = math.exp(-((hour - 9.5) ** 2) / 2) + 0.5 * math.exp(-((hour - 14.5) ** 2) / 2)
    return rng.expovariate(1 / (240 + 1500 * load))


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ticket_id = 0
        self.tickets: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []

    def day(self, site: dict[str, Any], day: dt.date, visitors: int) -> None:
        rng = self.rng
        arrivals = sorted(_arrival(rng, day) for _ in range(visitors))
        for seq, arrived in enumerate(arrivals, start=1):
            service = rng.choice(site["services"])
            counter_id, officer_id = rng.choice(site["counters"])
            priority = site["priority_id"] if rng.random() < 0.08 else None
            first = self._ticket(
                site, day, seq, arrived, service, counter_id, officer_id, priority, None
            )
            if first is not None:  # transferred: a second step in another service
                other = rng.choice(site["services"])
                counter_id, officer_id = rng.choice(site["counters"])
                self._ticket(
                    site, day, seq, first, other, counter_id, officer_id, priority, self.ticket_id
                )
        opened = dt.datetime.combine(day, dt.time(7, 25), TZ).astimezone(dt.UTC)
        closed = dt.datetime.combine(day, dt.time(17, 5), TZ).astimezone(dt.UTC)
        for counter_id, officer_id in site["counters"]:
            self.logs.append(
                {
                    "counter_id": counter_id,
                    "site_id": site["id"],
                    "state": "open",
                    "officer_id": officer_id,
                    "at": opened,
                }
            )
            self.logs.append(
                {
                    "counter_id": counter_id,
                    "site_id": site["id"],
                    "state": "closed",
                    "officer_id": None,
                    "at": closed,
                }
            )

    def _ticket(
        self,
        site: dict[str, Any],
        day: dt.date,
        seq: int,
        arrived: dt.datetime,
        service: tuple[int, int, int, int],
        counter_id: int,
        officer_id: int,
        priority: int | None,
        transferred_from: int | None,
    ) -> dt.datetime | None:
        """Generate one step; returns when it was transferred on, if it was."""
        rng = self.rng
        self.ticket_id += 1
        service_id, department_id, target_minutes, mean_service = service
        events = [EventView("issue", "waiting", arrived)]

        def add(action: str, state: str, at: dt.datetime, at_counter: bool = True) -> dt.datetime:
            events.append(
                EventView(
                    action,
                    state,
                    at,
                    counter_id if at_counter else None,
                    officer_id if at_counter else None,
                )
            )
            return at

        roll = rng.random()
        outcome = dossier = None
        transferred_at = None
        serving = dt.timedelta(seconds=rng.lognormvariate(math.log(mean_service), 0.5))
        called = arrived + dt.timedelta(seconds=_wait(rng, arrived))
        if roll < 0.01:  # never called: expired at night
            state = "expired"
            add(
                "expire",
                "expired",
                dt.datetime.combine(day, dt.time(23, 0), TZ).astimezone(dt.UTC),
                False,
            )
        elif roll < 0.03:
            state = "cancelled"
            add("cancel", "cancelled", arrived + (called - arrived) / 2, False)
        else:
            t = add("call", "called", called)
            if roll < 0.08:
                state = "no_show"
                for _ in range(rng.randint(0, 2)):
                    t = add("recall", "called", t + dt.timedelta(minutes=1))
                add("no_show", "no_show", t + dt.timedelta(minutes=1))
            else:
                t = add("start", "serving", t + dt.timedelta(seconds=rng.randint(20, 90)))
                if roll < 0.11:
                    t = add("hold", "held", t + serving / 2)
                    t = add("resume", "called", t + dt.timedelta(minutes=rng.randint(3, 15)))
                    t = add("start", "serving", t + dt.timedelta(seconds=30))
                    serving = serving / 2
                if roll < 0.14 and transferred_from is None:
                    state = "transferred"
                    transferred_at = add("transfer", "transferred", t + serving / 3)
                else:
                    state = "done"
                    outcome = "completed" if rng.random() < 0.85 else "incomplete"
                    dossier = f"HS{self.ticket_id}" if rng.random() < 0.6 else None
                    add("finish", "done", t + serving)
        ticket = SimpleNamespace(
            id=self.ticket_id,
            site_id=site["id"],
            service_id=service_id,
            business_day=day,
            priority_category_id=priority,
            transferred_from_id=transferred_from,
            dossier_code=dossier,
            outcome=outcome,
        )
        row = step_row(
            ticket,
            events,
            department_id=department_id,
            target_wait_minutes=target_minutes,
            timezone="Asia/Ho_Chi_Minh",
        )
        assert row is not None
        self.steps.append(row)
        self.tickets.append(
            {
                "id": self.ticket_id,
                "site_id": site["id"],
                "service_id": service_id,
                "series_id": site["series_id"],
                "business_day": day,
                "seq": seq,
                "number": f"{seq:04d}",
                "state": state,
                "priority_category_id": priority,
                "dossier_code": dossier,
                "tracking_token": f"bench{self.ticket_id:012d}",
                "lang": "vi",
                "issued_at": arrived if transferred_from is None else events[0].at,
                "queued_at": events[0].at,
                "called_at": row["first_called_at"],
                "started_at": next((e.at for e in events if e.action == "start"), None),
                "finished_at": row["ended_at"],
                "call_count": row["calls"],
                "counter_id": row["counter_id"],
                "target_counter_id": None,
                "outcome": outcome,
                "transferred_from_id": transferred_from,
                "issued_by_device_id": None,
                "issued_by_user_id": None,
            }
        )
        return transferred_at

    def flush(self, engine: Any) -> int:
        count = len(self.steps)
        with engine.begin() as connection:
            for rows, table in (
                (self.tickets, Ticket),
                (self.steps, ReportStep),
                (self.logs, CounterLog),
            ):
                for i in range(0, len(rows), CHUNK):
                    connection.execute(insert(table), rows[i : i + CHUNK])
            rollup.write(connection, self.steps)
        self.tickets, self.steps, self.logs = [], [], []
        return count


def fill(
    engine: Any,
    sites: list[dict[str, Any]],
    days: list[dt.date],
    centre: int,
    commune: int,
    seed: int,
) -> int:
    generator = Generator(seed)
    total = 0
    started = time.monotonic()
    for index, day in enumerate(days):
        for site in sites:
            per_day = centre if site is sites[0] else commune
            visitors = max(0, int(generator.rng.gauss(per_day, per_day * 0.1)))
            generator.day(site, day, visitors)
        if len(generator.steps) > 100_000 or index == len(days) - 1:
            total += generator.flush(engine)
            log(f"  {day}: {total:,} steps ({time.monotonic() - started:.0f} s)")
    with engine.begin() as connection:  # the counters' open time, as rebuild-reports does
        rollup.rebuild_open_time(connection)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("SELECT setval('ticket_id_seq', (SELECT max(id) FROM ticket))"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return total


# ------------------------------------------------------------------ measuring

REPORTS = [
    ("summary", {}),
    ("summary by month", {"group": "month"}),
    ("services", {}),
    ("counters", {}),
    ("hours", {}),
    ("trend by day", {"group": "day"}),
    ("trend by week", {"group": "week"}),
    ("sites", {}),
    ("dossier", {}),
    ("raw (first 1000 rows)", {}),
    ("summary, one service", {}),
    ("summary as XLSX", {"format": "xlsx"}),
    ("summary, 10 Dec..26 Nov", {}),  # not whole months: the ends read day rows
]


def _path(label: str) -> str:
    name = label.split(" ")[0].rstrip(",")
    return f"/api/v1/reports/{name}"


def measure(
    app: Any,
    token: str,
    start: dt.date,
    end: dt.date,
    scope: dict[str, Any],
    runs: int,
    service_id: int,
) -> list[tuple[str, float, float, int]]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    results = []
    for label, params in REPORTS:
        query = {"start": start.isoformat(), "end": end.isoformat(), **scope, **params}
        if label == "summary, one service":
            query["service_id"] = service_id
        if label.startswith("summary, 10 Dec"):
            query["start"] = dt.date(start.year, start.month, 10).isoformat()
            query["end"] = dt.date(end.year, end.month, 26).isoformat()
        times = []
        cpu = []
        size = 0
        for _ in range(runs + 1):
            begun = time.perf_counter()
            begun_cpu = time.process_time()
            answer = client.get(_path(label), query_string=query, headers=headers)
            elapsed = time.perf_counter() - begun
            cpu.append(time.process_time() - begun_cpu)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
            size = len(answer.data)
            times.append(elapsed)
        source = answer.get_json().get("source", "") if answer.is_json else "file"
        times = sorted(times[1:])  # the first run warms the caches
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        results.append(
            (label, statistics.median(times), p95, statistics.median(cpu[1:]), size, source)
        )
    return results


def approximation(app: Any, token: str, start: dt.date, end: dt.date, scope: dict[str, Any]) -> str:
    """The year's summary and services from the roll-up against report_step (exact=true):
    the largest differences of the percentiles, and whether everything else is equal."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    worst: dict[str, float] = {}
    others_equal = True
    for name in ("summary", "services"):
        answers = []
        for exact in ("false", "true"):
            query = {"start": start.isoformat(), "end": end.isoformat(), **scope, "exact": exact}
            answers.append(
                client.get(
                    f"/api/v1/reports/{name}", query_string=query, headers=headers
                ).get_json()
            )
        rolled, exact_report = answers
        for sheet_r, sheet_e in zip(rolled["sheets"], exact_report["sheets"], strict=True):
            for row_r, row_e in zip(sheet_r["rows"], sheet_e["rows"], strict=True):
                for key, value in row_e.items():
                    if key in rollup.APPROXIMATE:
                        if value is not None:
                            diff = abs(row_r[key] - value)
                            worst[key] = max(worst.get(key, 0.0), diff)
                    elif isinstance(value, float):
                        others_equal &= math.isclose(row_r[key], value, rel_tol=1e-9)
                    else:
                        others_equal &= row_r[key] == value
    figures = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(worst.items()))
    return f"largest |roll-up - exact| over summary and services rows: {figures}; " + (
        "every other figure equal" if others_equal else "OTHER FIGURES DIFFER"
    )


def write_cost(engine: Any, sites: list[dict[str, Any]], day: dt.date, count: int) -> str:
    """The median time of one step's roll-up write in a transaction of its own (the
    report_step row's insert given for comparison), on a day after the measured year."""
    generator = Generator(99)
    generator.ticket_id = 10**8
    generator.day(sites[0], day, count)
    generator.tickets = [t for t in generator.tickets if t["transferred_from_id"] is None]
    generator.steps = [r for r in generator.steps if not r["transferred_in"]]
    step_times, roll_times = [], []
    with engine.connect() as connection:
        for ticket, row in zip(generator.tickets, generator.steps, strict=True):
            with connection.begin() as transaction:
                connection.execute(insert(Ticket), [ticket])
                begun = time.perf_counter()
                connection.execute(insert(ReportStep), [row])
                middle = time.perf_counter()
                rollup.write(connection, [row])
                step_times.append(middle - begun)
                roll_times.append(time.perf_counter() - middle)
                transaction.commit()  # as a step's end does (psycopg forgets prepared
                # statements on a rollback)
    return (
        f"one step's end, median of {len(roll_times)}: report_step insert "
        f"{statistics.median(step_times) * 1e3:.2f} ms, roll-up upserts (7 tables) "
        f"{statistics.median(roll_times) * 1e3:.2f} ms"
    )


def run_database(kind: str, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hangdoi-bench-reports-"))
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'hangdoi.sqlite3'}"
        name = None
    else:
        name = "bench_reports"
        url = fresh_postgres_database(name)
    try:
        engine = make_engine(url)
        upgrade(engine)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "ASYNC_MODE": "threading",
                "PUBLIC_URL": "http://bench",
            },
            instance_path=str(tmp / "instance"),
        )
        with app.app_context():
            sites = build_catalogue(db.session, args.communes)
            admin = accounts.create_user(
                db.session,
                username="tinh",
                full_name="Lãnh đạo tỉnh",
                role="manager",
                password="secret123",
                site_id=None,
            )
            token = accounts.issue_token(db.session, admin)
            db.session.commit()
            end = dt.date(2026, 11, 30)
            days = [end - dt.timedelta(days=i) for i in range(args.days)][::-1]
            days = [d for d in days if d.weekday() < 6]  # Monday to Saturday
            log(f"{kind}: filling {len(days)} days of {len(sites)} sites")
            began = time.monotonic()
            steps = fill(engine, sites, days, args.centre, args.commune, args.seed)
            log(f"{kind}: {steps:,} steps in {time.monotonic() - began:.0f} s")
            service_id = sites[0]["services"][0][0]
            for scope_name, scope in (
                ("centre (site 1)", {"site_id": sites[0]["id"]}),
                ("province (all sites)", {}),
            ):
                centre_steps = None
                if "site_id" in scope:
                    with engine.connect() as connection:
                        centre_steps = connection.execute(
                            text("SELECT count(*) FROM report_step WHERE site_id = :s"),
                            {"s": sites[0]["id"]},
                        ).scalar()
                print(
                    f"\n{kind}, {scope_name}: {days[0]} .. {days[-1]}, "
                    f"{centre_steps if centre_steps is not None else steps:,} steps, {args.runs} runs"
                )
                print(
                    f"{'report':28} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>9} {'bytes':>10}  source"
                )
                for label, p50, p95, cpu, size, source in measure(
                    app, token, days[0], days[-1], scope, args.runs, service_id
                ):
                    print(
                        f"{label:28} {p50 * 1000:9.0f} {p95 * 1000:9.0f} {cpu * 1000:9.0f} "
                        f"{size:10,}  {source}"
                    )
                    sys.stdout.flush()
                print(approximation(app, token, days[0], days[-1], scope))
            print(write_cost(engine, sites, days[-1] + dt.timedelta(days=1), 300))
            db.session.remove()
        engine.dispose()
        assert db.engine is not None
    finally:
        if name is not None:
            drop_postgres_database(name)
        shutil.rmtree(tmp, ignore_errors=True)  # a year of SQLite is 1.5 GB


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--days", type=int, default=365, help="calendar days (Sundays are skipped)")
    parser.add_argument(
        "--centre", type=int, default=2900, help="visitors a day at the provincial centre"
    )
    parser.add_argument("--communes", type=int, default=99)
    parser.add_argument("--commune", type=int, default=30, help="visitors a day at each commune")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        run_database(kind, args)


if __name__ == "__main__":
    main()
