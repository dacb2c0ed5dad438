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
    # How long a process may keep answering for a credential another process revoked (seconds).
    "CREDENTIALS_CACHE_SECONDS": 5.0,
    # Rate limits, in Flask-Limiter's notation ("10/minute;50/hour"); see README, Rate limits.
    "RATELIMIT_ENABLED": True,
    # Password guesses: per username (login, token and password change counted together) ...
    "RATELIMIT_LOGIN_PER_USERNAME": "10/minute;50/hour",
    # ... and per client address on the same routes (an office may share one address).
    "RATELIMIT_LOGIN_PER_ADDRESS": "60/minute;600/hour",
    # The phone page (/t/..., /api/v1/track/... and its cancel), per client address: a hall's
    # Wi-Fi or a mobile operator's NAT puts many phones behind one address.
    "RATELIMIT_PHONE_PER_ADDRESS": "300/minute",
    # Issuing, per kiosk (or staff member): a kiosk's visitors tap far less than this.
    "RATELIMIT_ISSUE_PER_DEVICE": "300/minute",
    # Where the counts live: memory (one process) unless set; REDIS_URL when that is set.
    "RATELIMIT_STORAGE_URI": None,
    # How many reverse proxies (nginx) in front set X-Forwarded-For: 0 believes none of it.
    "TRUSTED_PROXIES": 0,
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
