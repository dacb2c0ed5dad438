"""The reports against one day worked out by hand (tests/server/reports_day.py), on both
databases, through the REST API; who may see what; the exports read back."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from server.models import ReportStep, Ticket
from server.services import accounts, devices, queue
from server.services.reports import live, queries
from server.services.reports.definitions import Distribution, percentile
from server.services.reports.export import cell
from server.services.reports.queries import Column
from server.services.reports.record import rebuild
from tests.server.factory import build_world, issue_ticket
from tests.server.reports_day import DAY, at, build_morning, close_day

PERIOD = {"start": DAY.isoformat(), "end": DAY.isoformat()}
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "reports"

# The figures of the day, worked out on paper (see reports_day.py).
ALL = {
    "issued": 8,
    "transferred_in": 1,
    "done": 5,
    "no_show": 1,
    "cancelled": 1,
    "expired": 1,
    "transferred": 1,
    "served_pct": 5 / 8,
    "wait_mean": 4410 / 7,
    "wait_p50": 300.0,
    "wait_p90": 1212.0,
    "wait_max": 1680,
    "service_mean": 600.0,
    "service_p50": 600.0,
    "service_level": 6 / 7,
    "outcome_completed": 3,
    "outcome_incomplete": 1,
    "outcome_information": 1,
    "outcome_refused": 0,
}
PRIORITY = {
    "issued": 2,
    "transferred_in": 0,
    "done": 2,
    "no_show": 0,
    "cancelled": 0,
    "expired": 0,
    "transferred": 0,
    "served_pct": 1.0,
    "wait_mean": 600.0,
    "wait_p50": 600.0,
    "wait_p90": 840.0,
    "wait_max": 900,
    "service_mean": 480.0,
    "service_p50": 480.0,
    "service_level": 1.0,
    "outcome_completed": 1,
    "outcome_incomplete": 1,
    "outcome_information": 0,
    "outcome_refused": 0,
}
REGULAR = {
    "issued": 6,
    "transferred_in": 1,
    "done": 3,
    "no_show": 1,
    "cancelled": 1,
    "expired": 1,
    "transferred": 1,
    "served_pct": 0.5,
    "wait_mean": 642.0,
    "wait_p50": 300.0,
    "wait_p90": 1368.0,
    "wait_max": 1680,
    "service_mean": 680.0,
    "service_p50": 600.0,
    "service_level": 0.8,
    "outcome_completed": 2,
    "outcome_incomplete": 0,
    "outcome_information": 1,
    "outcome_refused": 0,
}
SERVICES = {
    "LLTP": {
        "issued": 3, "transferred_in": 0, "done": 2, "no_show": 1, "cancelled": 0,
        "expired": 0, "transferred": 0, "served_pct": 2 / 3, "wait_mean": 960.0,
        "wait_p50": 900.0, "wait_p90": 1524.0, "wait_max": 1680, "service_mean": 480.0,
        "service_p50": 480.0, "service_level": 2 / 3, "outcome_completed": 1,
        "outcome_incomplete": 1, "outcome_information": 0, "outcome_refused": 0,
    },
    "HT": {
        "issued": 3, "transferred_in": 0, "done": 2, "no_show": 0, "cancelled": 1,
        "expired": 0, "transferred": 0, "served_pct": 2 / 3, "wait_mean": 600.0,
        "wait_p50": 600.0, "wait_p90": 840.0, "wait_max": 900, "service_mean": 420.0,
        "service_p50": 420.0, "service_level": 1.0, "outcome_completed": 2,
        "outcome_incomplete": 0, "outcome_information": 0, "outcome_refused": 0,
    },
    "CT": {
        "issued": 2, "transferred_in": 0, "done": 0, "no_show": 0, "cancelled": 0,
        "expired": 1, "transferred": 1, "served_pct": 0.0, "wait_mean": 30.0,
        "wait_p50": 30.0, "wait_p90": 30.0, "wait_max": 30, "service_mean": None,
        "service_p50": None, "service_level": 1.0, "outcome_completed": 0,
        "outcome_incomplete": 0, "outcome_information": 0, "outcome_refused": 0,
    },
    "DD": {
        "issued": 0, "transferred_in": 1, "done": 1, "no_show": 0, "cancelled": 0,
        "expired": 0, "transferred": 0, "served_pct": 1.0, "wait_mean": 300.0,
        "wait_p50": 300.0, "wait_p90": 300.0, "wait_max": 300, "service_mean": 1200.0,
        "service_p50": 1200.0, "service_level": 1.0, "outcome_completed": 0,
        "outcome_incomplete": 0, "outcome_information": 1, "outcome_refused": 0,
    },
}  # fmt: skip


def figures_of(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ALL}


@pytest.fixture
def day(session, world):  # type: ignore[no-untyped-def]
    built = build_morning(session, world)
    close_day(session, world)
    return built


def get(client, world, path: str, who: str = "manager", **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    answer = client.get(
        f"/api/v1/reports/{path}", query_string={**PERIOD, **params}, headers=world.auth(who)
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_summary(client, world, day) -> None:  # type: ignore[no-untyped-def]
    report = get(client, world, "summary")
    rows = {r["part"]: r for r in report["sheets"][0]["rows"]}
    assert figures_of(rows["all"]) == ALL
    assert figures_of(rows["priority"]) == PRIORITY
    assert figures_of(rows["regular"]) == REGULAR
    assert report["open_tickets"] == 0
    assert report["sites"][0]["id"] == world.site.id


def test_services_and_departments(client, world, day) -> None:  # type: ignore[no-untyped-def]
    report = get(client, world, "services")
    departments, services = report["sheets"]
    assert [figures_of(r) for r in departments["rows"]] == [ALL]
    got = {r["service_code"]: figures_of(r) for r in services["rows"]}
    assert got == SERVICES


def test_counters_and_officers(client, world, day) -> None:  # type: ignore[no-untyped-def]
    rows = get(client, world, "counters")["sheets"][0]["rows"]
    got = {
        (r["counter_number"], r["officer_name"]): {
            k: r[k]
            for k in (
                "done",
                "service_mean",
                "busy_seconds",
                "open_seconds",
                "busy_share",
                "no_show",
                "transferred",
            )
        }
        for r in rows
    }
    names = {k: world.users[k].full_name for k in ("o1", "o2", "o3")}
    assert got == {
        (1, names["o1"]): {
            "done": 4, "service_mean": 450.0, "busy_seconds": 1800, "open_seconds": 7200,
            "busy_share": 0.25, "no_show": 1, "transferred": 0,
        },
        (3, names["o2"]): {
            "done": 0, "service_mean": None, "busy_seconds": 600, "open_seconds": 3600,
            "busy_share": 600 / 3600, "no_show": 0, "transferred": 1,
        },
        (4, names["o3"]): {
            "done": 1, "service_mean": 1200.0, "busy_seconds": 1200, "open_seconds": 3600,
            "busy_share": 1200 / 3600, "no_show": 0, "transferred": 0,
        },
    }  # fmt: skip


def test_hours(client, world, day) -> None:  # type: ignore[no-untyped-def]
    report = get(client, world, "hours")
    slots, heatmap = report["sheets"]
    by_slot = {r["slot_index"]: r for r in slots["rows"]}
    assert sorted(by_slot) == list(range(16, 47))  # T6 waits until the close-out at 23:00
    strip = ("slot", "arrived", "called", "carried_over", "past_target")
    assert {k: by_slot[16][k] for k in strip} == {
        "slot": "08:00–08:30", "arrived": 6, "called": 4, "carried_over": 0, "past_target": 1,
    }  # fmt: skip
    assert {k: by_slot[17][k] for k in strip} == {
        "slot": "08:30–09:00", "arrived": 2, "called": 2, "carried_over": 1, "past_target": 0,
    }  # fmt: skip
    assert {k: by_slot[18][k] for k in strip} == {
        "slot": "09:00–09:30", "arrived": 1, "called": 1, "carried_over": 1, "past_target": 0,
    }  # fmt: skip
    assert all(
        by_slot[s]["carried_over"] == 1 and by_slot[s]["arrived"] == 0 for s in range(19, 47)
    )
    assert [
        (r["weekday_index"], r["hour"], r["arrived"], r["wait_mean"]) for r in heatmap["rows"]
    ] == [
        (0, 8, 8, 4110 / 6),
        (0, 9, 1, 300.0),
    ]
    assert report["days"] == 1


def test_trend_sites_and_grouping(client, world, day) -> None:  # type: ignore[no-untyped-def]
    for group, key in (("day", "2026-11-16"), ("week", "2026-11-16"), ("month", "2026-11")):
        (row,) = get(client, world, "trend", group=group)["sheets"][0]["rows"]
        assert row[group] == key
        assert figures_of(row) == ALL
    (site_row,) = get(client, world, "sites")["sheets"][0]["rows"]
    assert site_row["site_code"] == world.site.code
    assert figures_of(site_row) == ALL
    by_hour = get(client, world, "summary", group="hour")["sheets"][0]["rows"]
    nine = {r["part"]: r for r in by_hour if r["hour"] == 9}
    assert nine["all"]["issued"] == 1 and nine["all"]["wait_mean"] == 300.0
    weekday = get(client, world, "services", group="weekday")["sheets"][1]["rows"]
    assert {r["weekday"] for r in weekday} == {"Thứ Hai"}


def test_filters(client, world, day) -> None:  # type: ignore[no-untyped-def]
    rows = get(client, world, "summary", priority="priority")["sheets"][0]["rows"]
    assert figures_of(next(r for r in rows if r["part"] == "all")) == PRIORITY
    rows = get(client, world, "summary", service_id=world.services["LLTP"].id)["sheets"][0]["rows"]
    assert figures_of(next(r for r in rows if r["part"] == "all")) == SERVICES["LLTP"]
    rows = get(client, world, "counters", officer_id=world.users["o3"].id)["sheets"][0]["rows"]
    assert [(r["counter_number"], r["done"]) for r in rows] == [(4, 1)]
    rows = get(client, world, "summary", counter_id=world.counters[3].id)["sheets"][0]["rows"]
    assert next(r for r in rows if r["part"] == "all")["transferred"] == 1
    empty = get(client, world, "summary", start="2026-11-17", end="2026-11-30")
    assert empty["sheets"][0]["rows"] == []
    # Two dates in either order are the period between them; an end alone is one day.
    for dates in ({"start": "2026-11-17", "end": "2026-11-16"}, {"end": "2026-11-16"}):
        answer = client.get(
            "/api/v1/reports/summary", query_string=dates, headers=world.auth("manager")
        )
        rows = answer.get_json()["sheets"][0]["rows"]
        assert figures_of(next(r for r in rows if r["part"] == "all")) == ALL


def test_dossier(client, world, day) -> None:  # type: ignore[no-untyped-def]
    rows = get(client, world, "dossier")["sheets"][0]["rows"]
    assert {
        r["service_code"]: (r["done"], r["with_dossier"], r["dossier_share"]) for r in rows
    } == {
        "LLTP": (2, 1, 0.5),
        "HT": (2, 1, 0.5),
        "CT": (0, 0, None),
        "DD": (1, 0, 0.0),
    }


def test_raw(client, world, day) -> None:  # type: ignore[no-untyped-def]
    report = get(client, world, "raw")
    rows = report["sheets"][0]["rows"]
    assert len(rows) == 9 and report["next_after"] is None
    t2 = next(
        r for r in rows if r["number"] == day.tickets["T2"].number and r["service_code"] == "LLTP"
    )
    assert {
        k: t2[k]
        for k in ("calls", "wait_seconds", "service_seconds", "hold_seconds", "outcome", "priority", "counter_number")
    } == {
        "calls": 3, "wait_seconds": 900, "service_seconds": 360, "hold_seconds": 300,
        "outcome": "incomplete", "priority": "Người cao tuổi", "counter_number": 1,
    }  # fmt: skip
    assert t2["first_called_at"] == at("08:16").isoformat()
    page = get(client, world, "raw", limit=4)
    assert len(page["sheets"][0]["rows"]) == 4
    rest = get(client, world, "raw", after=page["next_after"])
    assert len(rest["sheets"][0]["rows"]) == 5


def test_rebuild_from_events_gives_the_same_rows(session, world, day) -> None:  # type: ignore[no-untyped-def]
    def rows() -> list[tuple]:
        return [
            tuple(getattr(r, c.key) for c in ReportStep.__table__.columns)
            for r in session.scalars(select(ReportStep).order_by(ReportStep.ticket_id))
        ]

    kept = rows()
    assert len(kept) == 9
    assert rebuild(session) == 9
    session.expire_all()
    assert rows() == kept


def test_live_dashboard(session, world) -> None:  # type: ignore[no-untyped-def]
    build_morning(session, world)
    health = {"app_version": "1.2", "online": True, "printer_state": "paper_low"}
    state = {"paper_low": True, "paper_out": False, "last_error": None, **health}
    devices.report(session, world.kiosk_actor, state, now=at("09:29"))
    data = live.dashboard(session, world.site, now=at("09:30"))
    services = {s["code"]: s for s in data["services"]}
    assert {
        k: services["LLTP"][k]
        for k in ("waiting", "served", "wait_mean", "wait_p90", "service_level")
    } == {"waiting": 0, "served": 2, "wait_mean": 960.0, "wait_p90": 1524.0, "service_level": 2 / 3}
    ct = services["CT"]
    assert (ct["waiting"], ct["longest_wait_seconds"], ct["past_target"]) == (1, 50 * 60, True)
    counters = {c["number"]: c for c in data["counters"]}
    assert counters[1]["state"] == "closed" and counters[1]["current_number"] is None
    # Each device as it last reported: the kiosk a minute ago, the display never.
    kiosk = next(d for d in data["devices"] if d["kind"] == "kiosk")
    assert {k: kiosk[k] for k in ("status", "printer_state", "paper_low", "app_version")} == {
        "status": "online",
        "printer_state": "paper_low",
        "paper_low": True,
        "app_version": "1.2",
    }
    assert kiosk["reported_at"] == at("09:29").isoformat()
    assert {d["kind"]: d["status"] for d in data["devices"]} == {
        "kiosk": "online",
        "display": "never",
    }
    # Silent past 1.5 reporting intervals: stale; past 3 (DEVICE_OFFLINE_AFTER_SECONDS): offline.
    for now, status in (("09:30", "online"), ("09:31", "stale"), ("09:32", "offline")):
        later = live.dashboard(session, world.site, now=at(now))
        assert next(d["status"] for d in later["devices"] if d["kind"] == "kiosk") == status, now
    # A revoked device leaves the dashboard.
    accounts.revoke_device(session, world.kiosk.id)
    assert [d["kind"] for d in live.dashboard(session, world.site)["devices"]] == ["display"]


def test_sites_today_agrees_with_the_dashboard_and_the_sites_report(session, world) -> None:  # type: ignore[no-untyped-def]
    build_morning(session, world)
    other = build_world(session, code="T2")  # a site with no ticket today
    now = at("09:30")
    rows = {r["site_id"]: r for r in live.sites_today(session, now=now)}
    assert set(rows) == {world.site.id, other.site.id}
    row = rows[world.site.id]
    data = live.dashboard(session, world.site, now=now)
    assert row["waiting"] == sum(s["waiting"] for s in data["services"])
    assert row["done"] == sum(s["served"] for s in data["services"])
    assert row["longest_wait_seconds"] == max(
        s["longest_wait_seconds"] or 0 for s in data["services"]
    )
    issued = session.scalars(
        select(Ticket).where(Ticket.site_id == world.site.id, Ticket.transferred_from_id.is_(None))
    ).all()
    assert row["issued"] == len(issued)
    figures = (
        queries.by_site(session, queries.Filters(start=DAY, end=DAY, site_ids=(world.site.id,)))
        .sheets[0]
        .rows[0]
    )
    assert {k: row[k] for k in ("no_show", "wait_mean", "wait_p90", "service_level")} == {
        k: figures[k] for k in ("no_show", "wait_mean", "wait_p90", "service_level")
    }
    assert rows[other.site.id] | {"at": None} == {
        "site_id": other.site.id, "code": "T2", "name_vi": other.site.name_vi,
        "name_en": other.site.name_en, "day": DAY.isoformat(), "at": None, "issued": 0,
        "waiting": 0, "longest_wait_seconds": None, "done": 0, "no_show": 0,
        "wait_mean": None, "wait_p90": None, "service_level": None,
    }  # fmt: skip
    assert live.sites_today(session, [other.site.id], now=now) == [rows[other.site.id]]


def test_live_dashboard_serving_counter(session, world) -> None:  # type: ignore[no-untyped-def]
    o1 = world.actor("o1")
    c1 = world.counters[1].id
    queue.open_counter(session, o1, c1, now=at("08:00"))
    ticket = issue_ticket(session, world.kiosk_actor, world.services["HT"].id, now=at("08:00"))
    queue.call_next(session, o1, c1, now=at("08:02"))
    queue.start_serving(session, o1, c1, now=at("08:03"))
    data = live.dashboard(session, world.site, now=at("08:10"))
    counter = next(c for c in data["counters"] if c["number"] == 1)
    assert counter == {
        "counter_id": c1,
        "number": 1,
        "name_vi": "Quầy số 1",
        "state": "open",
        "officer_name": world.users["o1"].full_name,
        "current_number": ticket.number,
        "current_state": "serving",
        "serving_seconds": 420,
    }
    ht = next(s for s in data["services"] if s["code"] == "HT")
    assert (ht["waiting"], ht["wait_mean"], ht["served"], ht["service_level"]) == (0, 120.0, 0, 1.0)


# ------------------------------------------------------------------ who sees what

ROUTES = [
    "summary",
    "services",
    "counters",
    "hours",
    "trend",
    "sites",
    "dossier",
    "raw",
    "monthly.pdf",
    "live",
]


@pytest.mark.parametrize("backend", ["sqlite"])  # access rules do not depend on the database
def test_permissions_of_every_route(session, client, world, day) -> None:  # type: ignore[no-untyped-def]
    other = build_world(session, code="T2")
    # One more ended step, at the other site, on the same day.
    elsewhere = issue_ticket(session, other.kiosk_actor, other.services["HT"].id, now=at("08:00"))
    queue.cancel(session, other.actor("o1"), elsewhere.id, now=at("08:05"))
    province = accounts.create_user(
        session,
        username="province",
        full_name="Lãnh đạo tỉnh",
        role="manager",
        password="secret123",
        site_id=None,
    )
    bearer = {"Authorization": f"Bearer {accounts.issue_token(session, province)}"}
    for route in ROUTES:

        def call(headers: dict[str, str], route: str = route, **params: Any) -> Any:
            query = {**({} if route in ("monthly.pdf", "live") else PERIOD), **params}
            return client.get(f"/api/v1/reports/{route}", query_string=query, headers=headers)

        officer = call(world.auth("o1"))
        assert officer.status_code == 403 and officer.get_json()["error"] == "forbidden", route
        assert call({}).status_code == 401, route
        assert call(world.auth("kiosk")).status_code == 403, route
        # A site's manager or admin: their site by default, another site not at all.
        assert call(world.auth("manager")).status_code == 200, route
        assert call(world.auth("admin")).status_code == 200, route
        refused = call(world.auth("manager"), site_id=other.site.id)
        assert refused.status_code == 404 and refused.get_json()["error"] == "not_found", route
        assert call(world.auth("admin"), site_id=other.site.id).status_code == 404, route
        # Province-wide: any site, or all of them.
        assert call(bearer, site_id=other.site.id).status_code == 200, route
        assert call(bearer).status_code == 200, route

    def issued(headers: dict[str, str], **params: Any) -> int:
        answer = client.get(
            "/api/v1/reports/summary", query_string={**PERIOD, **params}, headers=headers
        ).get_json()
        return next(r["issued"] for r in answer["sheets"][0]["rows"] if r["part"] == "all")

    assert issued(world.auth("manager")) == 8  # their site only
    assert issued(bearer) == 9  # every site
    assert issued(bearer, site_id=other.site.id) == 1
    sites = client.get("/api/v1/reports/sites", query_string=PERIOD, headers=bearer).get_json()
    assert [(r["site_code"], r["issued"]) for r in sites["sheets"][0]["rows"]] == [
        (world.site.code, 8),
        (other.site.code, 1),
    ]


# ------------------------------------------------------------------ exports


def _sheet_values(book: Any, title: str) -> tuple[list[str], list[list[Any]]]:
    ws = book[title]
    rows = list(ws.iter_rows(values_only=True))
    header_row = 5
    return list(rows[header_row]), [
        list(r) for r in rows[header_row + 1 :] if any(v is not None for v in r)
    ]


def _expected(sheet: dict[str, Any]) -> list[list[Any]]:
    columns = [Column(c["key"], c["vi"], c["en"], c["unit"]) for c in sheet["columns"]]
    return [[cell(c, row.get(c.key)) for c in columns] for row in sheet["rows"]]


# The files are made from the JSON report whatever the database: checked on SQLite.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_xlsx_holds_the_json_values(client, world, day) -> None:  # type: ignore[no-untyped-def]
    for route in ("summary", "services", "counters", "hours", "dossier", "raw"):
        report = get(client, world, route)
        answer = client.get(
            f"/api/v1/reports/{route}",
            query_string={**PERIOD, "format": "xlsx"},
            headers=world.auth("manager"),
        )
        assert answer.status_code == 200
        assert (
            answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        book = openpyxl.load_workbook(io.BytesIO(answer.data))
        assert book.sheetnames == [s["title_vi"] for s in report["sheets"]]
        for sheet in report["sheets"]:
            ws = book[sheet["title_vi"]]
            assert ws["A1"].value == report["title_vi"]
            assert ws["A2"].value == world.site.name_vi
            assert ws["A3"].value == "Ngày 16/11/2026"
            headers, values = _sheet_values(book, sheet["title_vi"])
            assert len(headers) == len(sheet["columns"])
            assert values == _expected(sheet)
            numeric = [v for row in values for v in row if isinstance(v, int | float)]
            assert numeric, "numbers are stored as numbers"
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / f"{route}.xlsx").write_bytes(answer.data)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_csv_has_a_bom_and_the_json_values(client, world, day) -> None:  # type: ignore[no-untyped-def]
    report = get(client, world, "services")
    for params, sheet in (({"sheet": "services"}, report["sheets"][1]), ({}, report["sheets"][1])):
        answer = client.get(
            "/api/v1/reports/services",
            query_string={**PERIOD, "format": "csv", **params},
            headers=world.auth("manager"),
        )
        assert answer.data.startswith(b"\xef\xbb\xbf")
        text = answer.data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][2] == "Dịch vụ"
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in _expected(sheet)]
    raw = client.get(
        "/api/v1/reports/raw",
        query_string={**PERIOD, "format": "csv"},
        headers=world.auth("manager"),
    )
    assert raw.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert len(lines) == 10 and lines[0][0] == "Mã phiếu"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_monthly_pdf(client, world, day) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.fail(
            "pdftotext/pdftoppm missing: install poppler-utils (make test does)", pytrace=False
        )
    answer = client.get(
        "/api/v1/reports/monthly.pdf",
        query_string={"month": "2026-11"},
        headers=world.auth("manager"),
    )
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / "monthly.pdf"
    pdf.write_bytes(answer.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        world.site.name_vi.upper(),
        "Từ ngày 01/11/2026 đến ngày 30/11/2026",
        "Thời gian chờ p90",
        "20.2 phút",  # 1212 s
        "62.5%",  # served
        "85.7%",  # service level 6/7
        "Cấp phiếu lý lịch tư pháp",
        "GIÁM ĐỐC",
    ):
        assert expected in text, expected
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(OUTPUT / "monthly-page"),
        ],
        check=True,
    )
    assert (OUTPUT / "monthly-page-1.png").stat().st_size > 1000


# ------------------------------------------------------------------ the definitions alone


def test_percentile_matches_the_sorted_definition() -> None:
    import random

    rng = random.Random(5)
    for _ in range(200):
        values = sorted(rng.randint(0, 50) for _ in range(rng.randint(1, 30)))
        histogram = sorted({v: values.count(v) for v in values}.items())
        for p in (0.5, 0.9):
            position = p * (len(values) - 1)
            lower = int(position)
            upper = min(lower + 1, len(values) - 1)
            expected = values[lower] + (position - lower) * (values[upper] - values[lower])
            assert percentile(histogram, p) == pytest.approx(expected, abs=1e-9)
    assert Distribution.of([]).count == 0
