"""The reports and the live dashboard's data, for managers and admins: ``/api/v1/reports``.

Every report takes the same filters (a date preset or a range, site, department, service,
counter, officer, priority) and, where it makes sense, a grouping; ``format`` gives it as
JSON (default), XLSX or CSV (UTF-8 with BOM). A site's manager sees only their site; a
province-wide manager or admin sees every site (all of them when no site is given).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import marshmallow as ma
from flask import Response, stream_with_context
from marshmallow import fields, validate
from sqlalchemy import select

from server.api.base import MANAGERS, Blueprint, allow, current_actor
from server.api.schemas import MAX_ID
from server.errors import not_found
from server.extensions import db
from server.models import Site, utcnow
from server.services.clock import business_day
from server.services.reports import export, live, queries
from server.services.reports.queries import Filters, Report

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Reports and the managers' live dashboard (managers and admins)",
)

FORMATS = ("json", "xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


# format=xlsx and format=csv answer a file instead of the JSON report.
_FILES_DOC = {
    "content": {
        MIMETYPES[kind]: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("xlsx", "csv")
    }
}


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class ReportQuery(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    preset = fields.String(
        load_default=None,
        validate=validate.OneOf(queries.PRESETS),
        metadata={"description": "A period by name (default: today), unless start is given."},
    )
    start = fields.Date(load_default=None, metadata={"description": "First business day."})
    end = fields.Date(
        load_default=None, metadata={"description": "Last business day (default: start)."}
    )
    site_id = _id(metadata={"description": "One site (province-wide users: default all)."})
    department_id = _id()
    service_id = _id()
    counter_id = _id()
    officer_id = _id()
    priority = fields.String(load_default="all", validate=validate.OneOf(queries.PRIORITIES))
    group = fields.String(load_default=None, validate=validate.OneOf(queries.GROUPS))
    exact = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Read every step even over a long period (slower), so that p50 "
            "and p90 are exact rather than interpolated from the roll-up."
        },
    )
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    sheet = fields.String(
        load_default=None,
        validate=validate.Length(max=32),
        metadata={"description": "CSV: which table of the report (default: the last)."},
    )


class RawQuery(ReportQuery):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Rows after this ticket id (the previous page's next_after)."},
    )
    limit = fields.Integer(
        load_default=queries.RAW_PAGE, validate=validate.Range(min=1, max=queries.RAW_PAGE_MAX)
    )


class PdfQuery(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    month = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"),
        metadata={"description": "YYYY-MM (default: last month)."},
    )
    site_id = _id()


class LiveQuery(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    site_id = _id()


class ColumnOut(ma.Schema):
    key = fields.String(required=True)
    vi = fields.String(required=True)
    en = fields.String(required=True)
    unit = fields.String(
        required=True,
        metadata={"description": "s: seconds; pct: a share from 0 to 1; '': a count or text"},
    )


class SheetOut(ma.Schema):
    name = fields.String(required=True)
    title_vi = fields.String(required=True)
    title_en = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnOut), required=True)
    rows = fields.List(fields.Dict(), required=True)


class ReportOut(ma.Schema):
    report = fields.String(required=True)
    title_vi = fields.String(required=True)
    title_en = fields.String(required=True)
    filters = fields.Dict(required=True)
    group = fields.String(allow_none=True)
    sites = fields.List(fields.Dict(), required=True)
    sheets = fields.List(fields.Nested(SheetOut), required=True)
    open_tickets = fields.Integer(metadata={"description": "summary: tickets still open"})
    days = fields.Integer(metadata={"description": "hours: business days with data"})
    end_slot = fields.Integer()
    next_after = fields.Integer(allow_none=True, metadata={"description": "raw: the next page"})
    source = fields.String(
        metadata={
            "description": "rollup: read from the roll-up (periods of 32 days or more); "
            "steps: from every step"
        }
    )
    approximate = fields.List(
        fields.String(),
        metadata={"description": "The columns whose values are approximate (≈ in the files)"},
    )
    approximation_vi = fields.String(metadata={"description": "How they are approximated"})
    approximation_en = fields.String()


class LiveOut(ma.Schema):
    site = fields.Dict(required=True)
    day = fields.String(required=True)
    at = fields.String(required=True)
    services = fields.List(fields.Dict(), required=True)
    counters = fields.List(fields.Dict(), required=True)
    devices = fields.List(fields.Dict(), required=True)


# ------------------------------------------------------------------ scope


def _visible_site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not current_actor().may_see_site(site_id):
        raise not_found("điểm phục vụ", "site", site_id)
    return site


def _scope(site_id: int | None) -> tuple[tuple[int, ...] | None, str]:
    """(the sites a report covers, the time zone its presets read) for this actor."""
    actor = current_actor()
    if site_id is not None:
        site = _visible_site(site_id)
        return (site.id,), site.timezone
    if actor.site_id is not None:
        site = _visible_site(actor.site_id)
        return (site.id,), site.timezone
    return None, "Asia/Ho_Chi_Minh"


def filters_of(query: dict[str, Any]) -> Filters:
    site_ids, timezone = _scope(query.get("site_id"))
    # Every combination the document allows is answered (no rule across parameters): a
    # preset, or no date at all, gives the preset's period (default today); an end alone is
    # that one day; two dates in either order are the period between them.
    start, end = query.get("start"), query.get("end")
    if start is None and (query.get("preset") or end is None):
        start, end = queries.preset_range(
            query.get("preset") or "today", business_day(utcnow(), timezone)
        )
    start = start or end
    end = end or start
    assert start is not None and end is not None  # a preset, or at least one date
    if end < start:
        start, end = end, start
    return Filters(
        start=start,
        end=end,
        site_ids=site_ids,
        department_id=query.get("department_id"),
        service_id=query.get("service_id"),
        counter_id=query.get("counter_id"),
        officer_id=query.get("officer_id"),
        priority=query.get("priority") or "all",
        exact=bool(query.get("exact")),
    )


def _file_name(report: Report, extension: str) -> str:
    return f"hangdoi-{report.name}-{report.filters.start:%Y%m%d}-{report.filters.end:%Y%m%d}.{extension}"


def _answer(report: Report, query: dict[str, Any]) -> Any:
    kind = query.get("format") or "json"
    if kind == "json":
        return report.as_dict()
    body = export.to_xlsx(report) if kind == "xlsx" else export.to_csv(report, query.get("sheet"))
    return Response(
        body,
        mimetype=MIMETYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, kind)}"'},
    )


def _report_route(path: str, name: str, make: Callable[..., Report], doc: str) -> None:
    def view(query: dict[str, Any]) -> Any:
        return _answer(make(db.session, filters_of(query), query.get("group")), query)

    view.__name__ = name
    view.__doc__ = doc
    decorated = blp.response(200, ReportOut)(view)
    decorated = blp.doc(responses={200: _FILES_DOC})(decorated)
    decorated = blp.alt_response(404, response="NOT_FOUND")(decorated)  # site_id
    decorated = blp.arguments(ReportQuery, location="query")(decorated)
    decorated = allow(*MANAGERS)(decorated)
    blp.route(path, methods=["GET"])(decorated)


_report_route(
    "/summary",
    "summary",
    queries.summary,
    "Issued, served, no-show, cancelled, expired, transferred, % served, wait mean, p50, p90 "
    "and max, service time mean and p50, service level: all, priority and regular tickets.",
)
_report_route(
    "/services",
    "services",
    queries.by_service,
    "The summary's figures by department and by service.",
)
_report_route(
    "/counters",
    "counters",
    queries.by_counter,
    "By counter and officer: served, mean service time, share of open time spent serving, "
    "no-shows, transfers.",
)
_report_route(
    "/hours",
    "hours",
    queries.by_hour,
    "30-minute slots (arrived, called, waiting at the slot's start, past target) and a "
    "weekday × hour table of arrivals and mean wait.",
)
_report_route("/trend", "trend", queries.trend, "The summary's figures by day, week or month.")
_report_route("/sites", "sites", queries.by_site, "The summary's figures site by site.")
_report_route(
    "/dossier",
    "dossier",
    queries.dossier,
    "Share of served tickets with a dossier code, per service.",
)


@blp.route("/raw", methods=["GET"])
@blp.alt_response(404, response="NOT_FOUND")  # site_id names no visible site
@allow(*MANAGERS)
@blp.arguments(RawQuery, location="query")
@blp.response(200, ReportOut)
@blp.doc(responses={200: _FILES_DOC})
def raw(query: dict[str, Any]) -> Any:
    """One row per ticket step with every timestamp, service, counter, officer, outcome,
    priority and dossier code. JSON is paged (``after``, ``limit``); XLSX and CSV hold the
    whole period (CSV streamed)."""
    filters = filters_of(query)
    kind = query.get("format") or "json"
    if kind == "json":
        return queries.raw(
            db.session, filters, after=query["after"], limit=query["limit"]
        ).as_dict()
    if kind == "csv":
        rows = queries.raw_rows(db.session, filters, after=query["after"])

        def lines() -> Iterator[bytes]:
            for line in export.csv_rows(queries.RAW_COLUMNS, rows):
                yield line.encode("utf-8")

        name = f"hangdoi-raw-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
        return Response(
            stream_with_context(lines()),
            mimetype=MIMETYPES["csv"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    report = queries.raw(
        db.session, filters, after=query["after"], limit=queries.RAW_PAGE_MAX * 100
    )
    return _answer(report, query)


@blp.route("/monthly.pdf", methods=["GET"])
@blp.alt_response(404, response="NOT_FOUND")  # site_id names no visible site
@allow(*MANAGERS)
@blp.arguments(PdfQuery, location="query")
@blp.response(200, description="The monthly report as PDF (A4).")
@blp.doc(
    responses={
        200: {"content": {MIMETYPES["pdf"]: {"schema": {"type": "string", "format": "binary"}}}}
    }
)
def monthly_pdf(query: dict[str, Any]) -> Response:
    """The monthly report for the provincial office (A4 PDF): the national heading, the
    centre, the period, the key figures, per-service table, charts, the signature block."""
    site_ids, timezone = _scope(query.get("site_id"))
    today = business_day(utcnow(), timezone)
    if query.get("month"):
        year, month = (int(p) for p in query["month"].split("-"))
        start = dt.date(year, month, 1)
    else:
        start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    filters = Filters(start=start, end=end, site_ids=site_ids)
    body = export.monthly_pdf(
        queries.summary(db.session, filters),
        queries.by_service(db.session, filters),
        queries.by_hour(db.session, filters),
        today=today,
    )
    return Response(
        body,
        mimetype=MIMETYPES["pdf"],
        headers={
            "Content-Disposition": f'attachment; filename="hangdoi-bao-cao-{start:%Y-%m}.pdf"'
        },
    )


@blp.route("/live", methods=["GET"])
@blp.alt_response(404, response="NOT_FOUND")  # site_id names no visible site
@allow(*MANAGERS)
@blp.arguments(LiveQuery, location="query")
@blp.response(200, LiveOut)
def live_dashboard(query: dict[str, Any]) -> dict[str, Any]:
    """Today's live figures of one site: per service waiting, longest wait, served, mean and
    p90 wait, service level; per counter its state, officer, current number and serving
    time; the site's kiosks and displays with what each last reported of itself (status:
    online, stale after a missed heartbeat, offline, never reported)."""
    actor = current_actor()
    site_id = query.get("site_id") or actor.site_id
    if site_id is None:
        site_id = db.session.scalar(select(Site.id).order_by(Site.id).limit(1))
        if site_id is None:
            raise not_found("điểm phục vụ", "site", 0)
    site = _visible_site(site_id)
    return live.dashboard(db.session, site)


class SiteTodayOut(ma.Schema):
    site_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_vi = fields.String(required=True)
    name_en = fields.String(required=True)
    day = fields.String(required=True)
    at = fields.String(required=True)
    issued = fields.Integer(required=True)
    waiting = fields.Integer(required=True)
    longest_wait_seconds = fields.Integer(allow_none=True, required=True)
    done = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    wait_mean = fields.Float(allow_none=True, required=True)
    wait_p90 = fields.Float(allow_none=True, required=True)
    service_level = fields.Float(allow_none=True, required=True)


@blp.route("/live/sites", methods=["GET"])
@allow(*MANAGERS)
@blp.response(200, SiteTodayOut(many=True))
def live_sites() -> list[dict[str, Any]]:
    """Today's row of every site the caller sees (a site's manager: their own): issued,
    waiting now and the longest wait, served, no-shows, mean and p90 wait, share within
    target. A province-wide dashboard keeps it live with ``site.today`` (Socket.IO, auth
    ``{"province": true}``)."""
    actor = current_actor()
    return live.sites_today(db.session, None if actor.site_id is None else [actor.site_id])
