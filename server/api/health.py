"""Liveness and readiness.

``/health`` touches nothing (also the baseline of the benchmarks): the process answers.
``/ready`` checks what a request needs, the database and, with several processes, Redis:
for the load balancer (take a process out while it cannot serve) and for monitoring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text

from server.api.base import PUBLIC, Blueprint, allow
from server.api.schemas import HealthOut, ReadyOut
from server.errors import DomainError
from server.extensions import db
from server.realtime import queue_ping

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Liveness and readiness")

log = logging.getLogger(__name__)


@blp.route("/health", methods=["GET"])
@allow(PUBLIC)
@blp.response(200, HealthOut)
def health() -> dict:
    """Answers without touching the database."""
    return {"status": "ok"}


@blp.route("/ready", methods=["GET"])
@allow(PUBLIC)
@blp.response(200, ReadyOut)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")  # not ready: details.checks says what failed
def ready() -> dict:
    """200 when the database answers (and Redis, when configured); 503 saying which did not."""
    checks = {"database": _check(_database)}
    ping = queue_ping()
    if ping is not None:
        checks["redis"] = _check(ping)
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        raise DomainError(
            "not_ready",
            f"Máy chủ chưa sẵn sàng: không kết nối được {', '.join(_VI[name] for name in failed)}.",
            f"Not ready: no answer from {', '.join(failed)}.",
            status=503,
            checks=checks,
        )
    return {"status": "ready", "checks": checks}


_VI = {"database": "cơ sở dữ liệu", "redis": "Redis"}


def _database() -> None:
    db.session.execute(text("SELECT 1"))  # the request's teardown ends the transaction


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:  # any failure means not ready; the log has the details
        log.warning("readiness: %s failed: %s", getattr(probe, "__name__", probe), error)
        return f"failed: {type(error).__name__}"
    return "ok"
