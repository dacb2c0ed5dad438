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
