"""What-if simulations as jobs (server.services.simulation.jobs): a POST answers 202 with
the job, the job runs in a process of its own and its row, read by any server process,
says its progress and its answer; that answer is the one the simulator gives when called
directly; a job over its time limit is killed and fails in both languages; a process runs
and queues only so many; and the production server (gevent) keeps answering while a job
runs."""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import WhatIfJob, utcnow
from server.services.simulation import jobs, scenarios
from server.services.simulation.model import profile_data, profile_from_data, staffing_of
from server.services.simulation.staffing import measure, suggest
from tests.server.factory import World
from tests.server.live import LiveServer, make_server

# A guard against a job that never ends (the test fails rather than hangs); not a measure.
GIVE_UP = 240


@functools.cache
def direct_commune() -> dict[str, Any]:
    """The plan and suggestion of the commune scenario at 80%, computed here in the test's
    process, as the route computed them in the request before jobs."""
    profile = scenarios.commune()
    found = suggest(profile, level=0.8)
    return {
        "plan": measure(profile, staffing_of(profile)).to_json(profile),
        "suggestion": {**found.outcome.to_json(profile), "met": found.met, "rounds": found.rounds},
    }


def _jobs_url(world: World) -> str:
    return f"/api/v1/sites/{world.site.id}/whatif/jobs"


def _start(client: FlaskClient, world: World, **body: Any) -> Any:
    return client.post(
        _jobs_url(world),
        json={"profile": "scenario:commune", **body},
        headers=world.auth("manager"),
    )


def _until_over(client: FlaskClient, world: World, url: str) -> dict[str, Any]:
    give_up = time.monotonic() + GIVE_UP
    while time.monotonic() < give_up:
        # The test's app context spans its requests, and so would one session and its
        # read snapshot: each poll starts afresh, as each request of a server does.
        db.scoped.remove()
        answer = client.get(url, headers=world.auth("manager"))
        assert answer.status_code == 200, answer.json
        if answer.json["status"] in ("done", "failed"):
            return dict(answer.json)
        time.sleep(0.2)
    raise AssertionError(f"job {url} still not over")


def _fresh_runner(app: Flask, **config: Any) -> jobs.JobRunner:
    app.config.update(config)
    app.extensions[jobs.EXTENSION] = jobs.JobRunner(app)
    return jobs.runner(app)


def test_a_profile_goes_to_the_worker_and_back_unchanged() -> None:
    for make in scenarios.SCENARIOS.values():
        profile = make()
        assert profile_from_data(profile_data(profile)) == profile


def test_a_job_answers_what_the_simulator_gives_when_called_directly(
    app: Flask, world: World
) -> None:
    client = app.test_client()
    answer = _start(client, world, suggest=True, service_level=0.8)
    assert answer.status_code == 202, answer.json
    job = answer.json
    assert job["status"] in ("queued", "running")
    assert answer.headers["Location"] == f"{_jobs_url(world)}/{job['id']}"
    assert job["days_most"] == 11 and job["result"] is None

    over = _until_over(client, world, answer.headers["Location"])
    assert over["status"] == "done", over
    direct = direct_commune()
    assert over["result"]["plan"] == direct["plan"]
    assert over["result"]["suggestion"] == direct["suggestion"]
    assert over["result"]["profile"]["id"] == "scenario:commune"
    assert over["result"]["service_level"] == 0.8
    # One simulated day for the plan, then each round of the search.
    assert over["days_done"] == 1 + direct["suggestion"]["rounds"]
    assert over["error"] is None and over["finished_at"] >= over["started_at"]


def test_a_job_over_its_time_limit_is_killed_and_fails_in_both_languages(
    app: Flask, world: World
) -> None:
    runner = _fresh_runner(app, WHATIF_JOB_SECONDS=2)
    client = app.test_client()
    answer = _start(client, world, suggest=True)
    assert answer.status_code == 202
    over = _until_over(client, world, answer.headers["Location"])
    assert over["status"] == "failed"
    assert over["error"] == "time_limit"
    assert "2 giây" in over["message"] and "2 seconds" in over["message_en"]
    assert over["result"] is None and over["days_done"] < over["days_most"]
    assert runner._processes == {}  # killed, reaped, forgotten


def test_a_process_runs_one_job_queues_the_next_and_refuses_beyond(
    app: Flask, world: World, session: Session
) -> None:
    runner = _fresh_runner(app, WHATIF_JOBS_RUNNING=1, WHATIF_JOBS_WAITING=1)
    client = app.test_client()
    try:
        first = _start(client, world, suggest=True)
        second = _start(client, world, suggest=True)
        third = _start(client, world, suggest=True)
        assert (first.status_code, second.status_code) == (202, 202)
        assert third.status_code == 429
        assert third.json["error"] == "whatif_busy"
        assert third.json["message"].startswith("Máy chủ đang chạy")
        assert "busy" in third.json["message_en"]
        assert int(third.headers["Retry-After"]) > 0
        db.scoped.remove()
        waiting = client.get(second.headers["Location"], headers=world.auth("manager")).json
        assert waiting["status"] == "queued" and waiting["started_at"] is None
    finally:
        runner.stop()
    # Stopped with the app: the running one killed, the queued one never started.
    for started in (first, second):
        over = _until_over(client, world, started.headers["Location"])
        assert over["status"] == "failed" and over["error"] == "server_stopped", over
    # The line is free again.
    runner = _fresh_runner(app)
    assert _start(client, world).status_code == 202
    runner.stop()


def test_a_job_lost_with_its_process_is_failed_past_its_deadline_and_jobs_are_per_site(
    app: Flask, world: World, session: Session
) -> None:
    client = app.test_client()
    now = utcnow()
    session.add(
        WhatIfJob(
            id="a" * 32,
            site_id=world.site.id,
            status="running",
            profile="scenario:commune",
            days_done=3,
            days_most=11,
            worker="gone:1",
            created_at=now - dt.timedelta(minutes=10),
            started_at=now - dt.timedelta(minutes=10),
            deadline=now - dt.timedelta(minutes=1),
        )
    )
    session.commit()
    lost = client.get(f"{_jobs_url(world)}/{'a' * 32}", headers=world.auth("manager"))
    assert lost.status_code == 200
    assert lost.json["status"] == "failed" and lost.json["error"] == "job_lost"
    assert lost.json["message"] and lost.json["message_en"]
    unknown = client.get(f"{_jobs_url(world)}/{'b' * 32}", headers=world.auth("manager"))
    assert unknown.status_code == 404 and unknown.json["error"] == "whatif_job_not_found"
    other_site = client.get(
        f"/api/v1/sites/{world.site.id + 1}/whatif/jobs/{'a' * 32}", headers=world.auth("admin")
    )
    assert other_site.status_code == 404


@pytest.fixture
def gevent_server(tmp_path: Any) -> Any:
    # The production server (gevent) on SQLite: the event loop is what is tested, not the
    # database, and the live helper's PostgreSQL databases are not this suite's to create.
    server: LiveServer = make_server(tmp_path, "sqlite")
    try:
        server.start()
        yield server
    finally:
        server.kill()


def test_the_server_keeps_answering_while_a_job_runs(gevent_server: LiveServer) -> None:
    token = gevent_server.login("lanhdao", "lanhdao123")
    client = gevent_server.session(token)
    started = client.post(
        gevent_server.url + "/api/v1/sites/1/whatif/jobs",
        json={"profile": "scenario:commune", "suggest": True},
        timeout=30,
    )
    assert started.status_code == 202, started.text
    location = gevent_server.url + started.headers["Location"]
    # Wait until the simulation is really under way (its first simulated day reported) ...
    give_up = time.monotonic() + GIVE_UP
    job = started.json()
    while job["days_done"] == 0 and job["status"] != "failed" and time.monotonic() < give_up:
        time.sleep(0.1)
        job = client.get(location, timeout=30).json()
    assert job["status"] == "running", job
    # ... then the process answers a health check and a manager's read, and only then is
    # the job asked again: still running, so the answers came while it ran.
    assert client.get(gevent_server.url + "/api/v1/health", timeout=30).status_code == 200
    assert client.get(gevent_server.url + "/api/v1/sites/1/whatif/profiles", timeout=30).ok
    during = client.get(location, timeout=30).json()
    assert during["status"] == "running" and during["days_done"] < during["days_most"], during
    while during["status"] not in ("done", "failed") and time.monotonic() < give_up:
        time.sleep(0.3)
        during = client.get(location, timeout=30).json()
    assert during["status"] == "done", (during, gevent_server.log_tail())
    assert during["result"]["suggestion"] == direct_commune()["suggestion"]
