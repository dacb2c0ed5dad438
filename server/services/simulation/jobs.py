"""What-if simulations run as jobs, outside the serving process's event loop.

A what-if costs one simulated day, a staffing suggestion up to eleven: seconds to tens of
seconds of CPU (a provincial centre's suggestion, 19-37 s). The server runs one gevent
loop per process, so a simulation run in the request would freeze every kiosk, counter,
display and phone that process serves for that long. :meth:`JobRunner.submit` records a
job and starts :mod:`server.services.simulation.worker` in a process of its own (a
subprocess of this interpreter, the inputs as JSON on its stdin); a thread of this
process (a greenlet under gevent, whose patched ``subprocess`` and ``threading`` wait
without blocking the loop) reads its progress and its answer and writes them to the job's
row.

The row (:class:`server.models.WhatIfJob`) is the job's one state: whichever process
behind the load balancer a manager's next request reaches reads it there. Redis would do
as well but is optional; the database is always there and already holds the site's
history the profiles come from.

Each process runs at most ``WHATIF_JOBS_RUNNING`` jobs at once (default 1: a job takes a
whole core) and keeps at most ``WHATIF_JOBS_WAITING`` more waiting in line (default 2):
a manager who asks while a colleague's suggestion runs expects theirs to start after it,
not an error. Beyond that the request is refused with a 429 (:class:`JobsBusy`). A job
still running after ``WHATIF_JOB_SECONDS`` is killed and fails with a message saying so;
a job whose process was lost with its server (a restart) is reported failed once its
deadline has passed. Jobs are kept ``WHATIF_JOB_KEEP_HOURS`` and then deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from server.db import write_transaction
from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import WhatIfJob, utcnow

log = logging.getLogger(__name__)

EXTENSION = "hangdoi_whatif_jobs"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# Beyond its time limit, how long a job's row may say queued or running before a reader
# takes its process for lost (the killing and the last write take a moment).
GRACE = dt.timedelta(seconds=30)
# The folder that holds the `server` package: the worker imports it from there.
_ROOT = str(Path(__file__).resolve().parents[3])


class JobsBusy(DomainError):
    """This process already runs and queues all the what-if jobs it may."""

    status = 429

    def __init__(self, running: int, waiting: int, retry_after: int) -> None:
        super().__init__(
            "whatif_busy",
            "Máy chủ đang chạy các mô phỏng khác của quản lý. "
            f"Hãy thử lại sau khoảng {retry_after} giây.",
            "The server is busy with other managers' simulations. "
            f"Try again in about {retry_after} seconds.",
            running=running,
            waiting=waiting,
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class JobRunner:
    """The what-if jobs of one server process (``app.extensions[EXTENSION]``)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.running = max(1, int(app.config["WHATIF_JOBS_RUNNING"]))
        self.waiting = max(0, int(app.config["WHATIF_JOBS_WAITING"]))
        self.seconds = float(app.config["WHATIF_JOB_SECONDS"])
        self.keep = dt.timedelta(hours=float(app.config["WHATIF_JOB_KEEP_HOURS"]))
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.running)
        self._active = 0  # queued or running here
        self._processes: dict[str, subprocess.Popen[str]] = {}
        self._stopping = False

    # ---------------------------------------------------------------- for the routes

    def submit(
        self,
        session: Session,
        *,
        site_id: int,
        user_id: int | None,
        profile: str,
        header: dict[str, Any],
        inputs: dict[str, Any],
        days_most: int,
    ) -> WhatIfJob:
        """Record a job and start it (or queue it behind this process's running ones). Its
        answer, once done, is `header` with the worker's ``plan`` and ``suggestion``."""
        with self._lock:
            if self._active >= self.running + self.waiting:
                raise JobsBusy(self.running, self.waiting, retry_after=10)
            self._active += 1
            ahead = self._active - 1
        try:
            now = utcnow()
            rounds = ahead // self.running + 1
            job = WhatIfJob(
                id=uuid.uuid4().hex,
                site_id=site_id,
                user_id=user_id,
                status=QUEUED,
                profile=profile,
                days_done=0,
                days_most=days_most,
                worker=f"{socket.gethostname()}:{os.getpid()}"[:80],
                created_at=now,
                deadline=now + rounds * dt.timedelta(seconds=self.seconds) + GRACE,
            )
            with write_transaction(session):
                session.execute(delete(WhatIfJob).where(WhatIfJob.created_at < now - self.keep))
                session.add(job)
            thread = threading.Thread(
                target=self._run,
                args=(job.id, header, {**inputs, "seconds": self.seconds}),
                name=f"whatif-{job.id}",
                daemon=True,
            )
            thread.start()
        except BaseException:
            with self._lock:
                self._active -= 1
            raise
        return job

    def stop(self) -> None:
        """Kill the jobs running here and let no queued one start (the app is going away)."""
        with self._lock:
            self._stopping = True
            processes = list(self._processes.values())
        for process in processes:
            _kill(process)

    # ---------------------------------------------------------------- the job's thread

    def _run(self, job_id: str, header: dict[str, Any], inputs: dict[str, Any]) -> None:
        try:
            with self._slots:
                if self._stopping:
                    self._end(job_id, FAILED, error=_STOPPED)
                    return
                self._execute(job_id, header, inputs)
        except Exception:
            log.exception("what-if job %s", job_id)
            try:
                self._end(job_id, FAILED, error=_CRASHED)
            except Exception:
                log.exception("what-if job %s: its failure could not be recorded", job_id)
        finally:
            with self._lock:
                self._active -= 1

    def _execute(self, job_id: str, header: dict[str, Any], inputs: dict[str, Any]) -> None:
        now = utcnow()
        self._update(
            job_id,
            status=RUNNING,
            started_at=now,
            deadline=now + dt.timedelta(seconds=self.seconds) + GRACE,
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "server.services.simulation.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )
        with self._lock:
            self._processes[job_id] = process
            stopping = self._stopping
        if stopping:  # stop() came between the slot and the start: it did not see this one
            _kill(process)
        timed_out = threading.Event()

        def time_up() -> None:
            timed_out.set()
            _kill(process)

        timer = threading.Timer(self.seconds, time_up)
        timer.daemon = True
        timer.start()
        result: dict[str, Any] | None = None
        failure = ""
        try:
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(inputs))
                process.stdin.close()
            except BrokenPipeError:
                pass  # the worker died at once: its exit says so below
            for line in process.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("what-if job %s said: %s", job_id, line.rstrip()[:200])
                    continue
                if not isinstance(message, dict):
                    continue
                if "days" in message:
                    self._update(job_id, days_done=int(message["days"]))
                elif "result" in message:
                    result = message["result"]
                elif "error" in message:
                    failure = str(message["error"])
            process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:  # this thread failed while the worker ran on
                _kill(process)
                process.wait()
            with self._lock:
                self._processes.pop(job_id, None)
        if timed_out.is_set():
            self._end(job_id, FAILED, error=_time_limit(self.seconds))
        elif result is not None and process.returncode == 0:
            self._end(job_id, DONE, result={**header, **result})
        elif self._stopping:
            self._end(job_id, FAILED, error=_STOPPED)
        else:
            log.error("what-if job %s failed (exit %s): %s", job_id, process.returncode, failure)
            self._end(job_id, FAILED, error=_CRASHED)

    def _update(self, job_id: str, **values: Any) -> None:
        with self.app.app_context():
            with write_transaction(db.session) as session:
                job = session.get(WhatIfJob, job_id)
                if job is None:
                    return
                for name, value in values.items():
                    setattr(job, name, value)

    def _end(
        self,
        job_id: str,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: tuple[str, str, str] | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "result": result}
        if error is not None:
            values["error"], values["message_vi"], values["message_en"] = error
        self._update(job_id, **values)


def _kill(process: subprocess.Popen[str]) -> None:
    try:
        process.kill()
    except ProcessLookupError:
        pass


def _time_limit(seconds: float) -> tuple[str, str, str]:
    return (
        "time_limit",
        f"Mô phỏng chạy quá {seconds:g} giây nên đã bị dừng. Hãy bớt giờ hoặc dịch vụ, "
        "hoặc nhờ quản trị viên nâng giới hạn (HANGDOI_WHATIF_JOB_SECONDS).",
        f"The simulation ran longer than {seconds:g} seconds and was stopped. Try fewer "
        "hours or services, or ask the administrator to raise the limit "
        "(HANGDOI_WHATIF_JOB_SECONDS).",
    )


_CRASHED = (
    "simulation_failed",
    "Mô phỏng gặp lỗi và không cho kết quả. Lỗi đã được ghi vào nhật ký máy chủ.",
    "The simulation failed and gave no result. The error is in the server's log.",
)
_STOPPED = (
    "server_stopped",
    "Máy chủ đã dừng trước khi mô phỏng xong. Hãy chạy lại.",
    "The server stopped before the simulation was done. Run it again.",
)
_LOST = (
    "job_lost",
    "Mô phỏng không xong trước hạn: máy chủ chạy nó có lẽ đã khởi động lại. Hãy chạy lại.",
    "The simulation was not done by its deadline: the server running it has probably "
    "restarted. Run it again.",
)


def job_of(session: Session, site_id: int, job_id: str) -> WhatIfJob:
    """The job `job_id` of the site; a job queued or running past its deadline is marked
    failed (its process was lost)."""
    job = session.get(WhatIfJob, job_id) if len(job_id) <= 32 else None
    if job is None or job.site_id != site_id:
        raise NotFound(
            "whatif_job_not_found",
            f"Không có mô phỏng «{job_id}» của điểm phục vụ này (kết quả chỉ được giữ "
            "một thời gian).",
            f"There is no simulation '{job_id}' of this site (results are kept for a while only).",
            job=job_id,
        )
    if job.status in (QUEUED, RUNNING) and utcnow() > job.deadline:
        with write_transaction(session):
            job = session.get(WhatIfJob, job_id)
            assert job is not None
            if job.status in (QUEUED, RUNNING):
                job.status = FAILED
                job.finished_at = utcnow()
                job.error, job.message_vi, job.message_en = _LOST
    return job


def runner(app: Flask) -> JobRunner:
    found: JobRunner = app.extensions[EXTENSION]
    return found


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = JobRunner(app)
