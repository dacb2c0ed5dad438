"""Liveness: a route that touches nothing, also the baseline of the benchmarks."""

from __future__ import annotations

from server.api.base import PUBLIC, Blueprint, allow
from server.api.schemas import HealthOut

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Liveness")


@blp.route("/health", methods=["GET"])
@allow(PUBLIC)
@blp.response(200, HealthOut)
def health() -> dict:
    """Answers without touching the database."""
    return {"status": "ok"}
