"""Configuration: defaults, overridden by HANGDOI_* environment variables (Flask's
``Config.from_prefixed_env``), then by the mapping given to :func:`server.create_app` (tests)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config

ENV_PREFIX = "HANGDOI"

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


def _env_value(text: str) -> bool:
    """An environment variable's value is its text, except the words for yes and no.

    Given as ``from_prefixed_env``'s ``loads``: what this raises for stays text (Flask's
    default, JSON, would make a numeric secret key a number).
    """
    if text.lower() in {"true", "yes", "on"}:
        return True
    if text.lower() in {"false", "no", "off"}:
        return False
    raise ValueError(text)


def load(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS, then HANGDOI_* environment variables, then `overrides`, then what follows
    from them (the SQLite file and the secret kept in the instance folder)."""
    config = Config(instance_path, DEFAULTS)
    config.from_prefixed_env(ENV_PREFIX, loads=_env_value)
    config.update(overrides or {})
    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{instance / 'hangdoi.sqlite3'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    return dict(config)


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made on first start, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
