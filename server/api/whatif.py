"""What-if for managers (issue #15): pick a day profile (a scenario, a past day of the
site, or a typical weekday learned from its history) and a staffing (counters per service
per hour), see the simulated waits and service level hour by hour; ask for the fewest
counters that keep the service level, checked by the simulator. The simulations run as
jobs in processes of their own (server.services.simulation.jobs), never in the request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask import current_app, url_for
from marshmallow import fields, validate
from sqlalchemy import select

from server.api.base import MANAGERS, Blueprint, allow, current_actor
from server.api.schemas import StrictBoolean, Text
from server.errors import NotFound, not_found
from server.extensions import db
from server.models import Site, Ticket, WhatIfJob, utcnow
from server.services.clock import WEEKDAYS, WEEKDAYS_VI, business_day
from server.services.simulation import history, jobs, scenarios, worker
from server.services.simulation.model import DayProfile, Staffing, hours_of, staffing_of
from server.services.simulation.staffing import DEFAULT_LEVEL

blp = Blueprint(
    "whatif",
    __name__,
    url_prefix="/api/v1/sites",
    description="What-if: simulated days, staffing and service level",
)

HISTORY_DAYS = 56
RECENT_DAYS = 5
TYPICAL_OF = 4
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ProfileServiceOut(ma.Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    target_wait_minutes = fields.Integer()
    minutes = fields.Float(metadata={"description": "Mean handling minutes."})
    arrivals = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": "Per local hour."}
    )


class ProfileOut(ma.Schema):
    id = fields.String(
        metadata={"description": "scenario:<name>, day:<YYYY-MM-DD> or typical:<mon..sun>"}
    )
    title_vi = fields.String()
    title_en = fields.String()
    hours = fields.List(fields.String(), metadata={"description": "The local hours it is open."})
    services = fields.List(fields.Nested(ProfileServiceOut))
    staffing = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={"description": "Counters per service per local hour, as rostered."},
    )


class StaffingIn(Strict):
    service = Text(required=True, validate=validate.Length(min=1, max=32))
    hour = fields.Integer(required=True, validate=validate.Range(min=0, max=23))
    counters = fields.Integer(required=True, validate=validate.Range(min=0, max=30))


class WhatIfIn(Strict):
    profile = Text(required=True, validate=validate.Length(min=1, max=40))
    staffing = fields.List(
        fields.Nested(StaffingIn),
        load_default=None,
        validate=validate.Length(max=24 * 64),
        metadata={
            "description": "Counters per service code per local hour (a missing hour has none); "
            "default: the profile's roster."
        },
    )
    service_level = fields.Float(
        load_default=DEFAULT_LEVEL,
        validate=validate.Range(min=0.5, max=0.99),
        metadata={"description": "Share of visitors to call within their service's target wait."},
    )
    suggest = StrictBoolean(
        load_default=False, metadata={"description": "Also find the fewest counters that keep it."}
    )


class CellOut(ma.Schema):
    tickets = fields.Integer()
    counters = fields.Integer()
    mean_wait_minutes = fields.Float()
    longest_wait_minutes = fields.Float()
    service_level = fields.Float()


class HourOut(CellOut):
    hour = fields.String()


class ServiceHoursOut(ma.Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    target_wait_minutes = fields.Integer()
    hours = fields.List(fields.Nested(HourOut))


class OutcomeOut(ma.Schema):
    staffing = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer())
    )
    hours = fields.List(fields.Nested(HourOut))
    services = fields.List(fields.Nested(ServiceHoursOut))
    overall = fields.Nested(CellOut)
    never_called = fields.Integer()


class SuggestionOut(OutcomeOut):
    met = fields.Boolean(metadata={"description": "Every service and hour at the level."})
    rounds = fields.Integer(metadata={"description": "Simulated days it took."})


class WhatIfOut(ma.Schema):
    profile = fields.Nested(ProfileOut)
    service_level = fields.Float()
    plan = fields.Nested(OutcomeOut)
    suggestion = fields.Nested(SuggestionOut, allow_none=True)


class JobOut(ma.Schema):
    id = fields.String()
    status = fields.String(
        validate=validate.OneOf([jobs.QUEUED, jobs.RUNNING, jobs.DONE, jobs.FAILED]),
        metadata={"description": "queued, running, done or failed."},
    )
    profile = fields.String()
    days_done = fields.Integer(metadata={"description": "Simulated days run so far."})
    days_most = fields.Integer(
        metadata={
            "description": "Simulated days it may take at most (a suggestion often stops sooner)."
        }
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    result = fields.Nested(
        WhatIfOut, allow_none=True, metadata={"description": "Once done: the what-if's answer."}
    )
    error = fields.String(
        allow_none=True,
        metadata={
            "description": "Once failed: time_limit, simulation_failed, server_stopped or job_lost."
        },
    )
    message = fields.String(allow_none=True, metadata={"description": "Why it failed (vi)."})
    message_en = fields.String(allow_none=True, metadata={"description": "Why it failed (en)."})


def _site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not current_actor().may_see_site(site_id):
        raise not_found("điểm phục vụ", "site", site_id)
    return site


def _days_with_tickets(site: Site) -> list[dt.date]:
    today = business_day(utcnow(), site.timezone)
    return list(
        db.session.scalars(
            select(Ticket.business_day)
            .distinct()
            .where(
                Ticket.site_id == site.id,
                Ticket.business_day >= today - dt.timedelta(days=HISTORY_DAYS),
                Ticket.business_day < today,
            )
            .order_by(Ticket.business_day.desc())
        )
    )


def _profile_ids(site: Site) -> list[str]:
    days = _days_with_tickets(site)
    ids = [f"day:{d.isoformat()}" for d in days[:RECENT_DAYS]]
    weekdays = sorted({d.weekday() for d in days})
    ids += [f"typical:{WEEKDAYS[w]}" for w in weekdays]
    return ids + [f"scenario:{name}" for name in scenarios.SCENARIOS]


def _resolve(site: Site, profile_id: str) -> DayProfile:
    kind, _, key = profile_id.partition(":")
    if kind == "scenario" and key in scenarios.SCENARIOS:
        return scenarios.SCENARIOS[key]()
    if kind == "day":
        try:
            day = dt.date.fromisoformat(key)
        except ValueError:
            day = None
        if day is not None and day in _days_with_tickets(site):
            return history.learned_profile(
                db.session,
                site.id,
                [day],
                name=profile_id,
                title_vi=f"Ngày {day.strftime('%d/%m/%Y')}",
                title_en=f"The day of {day.isoformat()}",
            )
    if kind == "typical" and key in WEEKDAYS:
        weekday = WEEKDAYS.index(key)
        days = [d for d in _days_with_tickets(site) if d.weekday() == weekday][:TYPICAL_OF]
        if days:
            return history.learned_profile(
                db.session,
                site.id,
                days,
                name=profile_id,
                title_vi=f"{WEEKDAYS_VI[weekday]} điển hình ({len(days)} tuần gần nhất)",
                title_en=f"A typical {WEEKDAYS_EN[weekday]} (last {len(days)} weeks)",
            )
    raise NotFound(
        "profile_not_found",
        f"Không có hồ sơ ngày «{profile_id}» cho điểm phục vụ này.",
        f"There is no day profile '{profile_id}' for this site.",
        profile=profile_id,
    )


def _profile_out(profile_id: str, profile: DayProfile) -> dict[str, object]:
    return {
        "id": profile_id,
        "title_vi": profile.title_vi,
        "title_en": profile.title_en,
        "hours": [f"{h:02d}" for h in hours_of(profile)],
        "services": [
            {
                "code": s.code,
                "name_vi": s.name_vi,
                "name_en": s.name_en,
                "target_wait_minutes": s.target_wait_minutes,
                "minutes": round(s.minutes, 2),
                "arrivals": {f"{h:02d}": round(r, 2) for h, r in sorted(s.arrivals.items())},
            }
            for s in profile.services
        ],
        "staffing": {
            code: {f"{h:02d}": n for h, n in sorted(hours.items()) if n}
            for code, hours in staffing_of(profile).counters.items()
        },
    }


def _staffing(profile: DayProfile, given: list[dict[str, Any]] | None) -> Staffing:
    if given is None:
        return staffing_of(profile)
    codes = {s.code for s in profile.services}
    unknown = sorted({cell["service"] for cell in given} - codes)
    if unknown:
        raise NotFound(
            "service_not_in_profile",
            f"Hồ sơ ngày này không có dịch vụ: {', '.join(unknown)}.",
            f"This day profile has no service: {', '.join(unknown)}.",
            services=unknown,
        )
    table: dict[str, dict[int, int]] = {code: {} for code in codes}
    for cell in given:
        table[cell["service"]][cell["hour"]] = cell["counters"]
    return Staffing(table)


@blp.route("/<int:site_id>/whatif/profiles", methods=["GET"])
@allow(*MANAGERS)
@blp.response(200, ProfileOut(many=True))
def profiles(site_id: int) -> list[dict[str, object]]:
    """The day profiles a manager may simulate: the last days of the site, a typical day of
    each weekday learned from its history, and the built-in scenario days."""
    site = _site(site_id)
    return [_profile_out(pid, _resolve(site, pid)) for pid in _profile_ids(site)]


@blp.route("/<int:site_id>/whatif/jobs", methods=["POST"])
@allow(*MANAGERS)
@blp.arguments(WhatIfIn)
@blp.response(
    202,
    JobOut,
    headers={"Location": {"description": "The job's address.", "schema": {"type": "string"}}},
)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")  # this process's jobs are all taken
def start_whatif(data: dict, site_id: int) -> tuple[dict[str, object], int, dict[str, str]]:
    """Start a simulation of a day profile with a staffing (counters per service per hour):
    the waits and service level hour by hour; with ``suggest``, also the fewest counters
    per service and hour found that keep the service level, as the simulator measured it.

    It runs as a job, in a process of its own (a suggestion takes up to tens of seconds):
    the answer is 202 with the job and its address (``Location``); GET it until its
    ``status`` is ``done`` (``result``) or ``failed`` (``message``). A server process runs
    one job at a time and queues two more (configurable); beyond, a 429 with
    ``Retry-After``. A job is killed at its time limit (HANGDOI_WHATIF_JOB_SECONDS)."""
    site = _site(site_id)
    profile = _resolve(site, data["profile"])
    staffing = _staffing(profile, data["staffing"])
    level = data["service_level"]
    job = jobs.runner(current_app).submit(
        db.session,
        site_id=site.id,
        user_id=current_actor().user_id,
        profile=data["profile"],
        header={"profile": _profile_out(data["profile"], profile), "service_level": level},
        inputs=worker.inputs_of(profile, staffing, level, data["suggest"]),
        days_most=worker.days_at_most(data["suggest"]),
    )
    location = url_for("whatif.whatif_job", site_id=site.id, job_id=job.id)
    return _job_out(job), 202, {"Location": location}


@blp.route("/<int:site_id>/whatif/jobs/<string:job_id>", methods=["GET"])
@allow(*MANAGERS)
@blp.response(200, JobOut)
def whatif_job(site_id: int, job_id: str) -> dict[str, object]:
    """A what-if job: its status (queued, running, done, failed), its progress in simulated
    days, and its result once done. Jobs are kept a day (HANGDOI_WHATIF_JOB_KEEP_HOURS)."""
    site = _site(site_id)
    return _job_out(jobs.job_of(db.session, site.id, job_id))


def _job_out(job: WhatIfJob) -> dict[str, object]:
    return {
        "id": job.id,
        "status": job.status,
        "profile": job.profile,
        "days_done": job.days_done,
        "days_most": job.days_most,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "result": job.result,
        "error": job.error,
        "message": job.message_vi,
        "message_en": job.message_en,
    }
