"""Configuration: defaults, overridden by HANGDOI_* environment variables, then by the
mapping given to :func:`server.create_app` (tests)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "HANGDOI_"

DEFAULTS: dict[str, Any] = {
    # SQLite file in the instance folder unless a URL is given; PostgreSQL in production:
    # postgresql+psycopg://user@host/dbname
    "DATABASE_URL": None,
    # FULL keeps a ticket the kiosk was told about through a power cut; NORMAL only
    # through a crash of the process.
    "SQLITE_SYNCHRONOUS": "FULL",
    "SECRET_KEY": None,
    # The address visitors' phones reach the server at (goes into the slip's QR code).
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Redis URL for the Socket.IO message queue when several server processes run.
    "REDIS_URL": None,
    "SQL_ECHO": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "JSON_SORT_KEYS": False,
    "API_TITLE": "hangdoi",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def _coerce(value: str) -> Any:
    if value.lower() in {"true", "yes", "on"}:
        return True
    if value.lower() in {"false", "no", "off"}:
        return False
    return value


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config = dict(DEFAULTS)
    for key, value in os.environ.items():
        if key.startswith(ENV_PREFIX):
            config[key[len(ENV_PREFIX):]] = _coerce(value)
    config.update(overrides or {})
    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{instance / 'hangdoi.sqlite3'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    return config


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made on first start, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
