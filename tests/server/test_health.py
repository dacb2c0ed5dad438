"""Readiness: 200 when the database (and Redis, when configured) answer; 503 naming what did not."""

from __future__ import annotations

from pathlib import Path

from server.extensions import db
from tests.conftest import require_redis
from tests.server.conftest import make_app

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_ready_when_the_database_answers(client) -> None:
    answer = client.get("/api/v1/ready")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def _ready(database_url: str, tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    app = make_app(database_url, tmp_path, **config)
    try:
        return app.test_client().get("/api/v1/ready")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_not_ready_without_the_database(tmp_path: Path) -> None:
    answer = _ready(UNREACHABLE_POSTGRES, tmp_path)
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error"] == "not_ready"
    assert body["message"] == "Máy chủ chưa sẵn sàng: không kết nối được cơ sở dữ liệu."
    assert body["message_en"] == "Not ready: no answer from database."
    assert body["details"]["checks"]["database"] == "failed: OperationalError"


def test_redis_is_checked_when_configured(database_url: str, tmp_path: Path) -> None:
    answer = _ready(
        database_url, tmp_path, REDIS_URL=require_redis(), REDIS_CHANNEL="hangdoi-test-ready"
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    answer = _ready(
        database_url, tmp_path, REDIS_URL=UNREACHABLE_REDIS, REDIS_CHANNEL="hangdoi-test-ready"
    )
    assert answer.status_code == 503
    assert answer.get_json()["details"]["checks"] == {
        "database": "ok",
        "redis": "failed: ConnectionError",
    }
    assert answer.get_json()["message_en"] == "Not ready: no answer from redis."
