"""Configuration: defaults, overridden by HANGDOI_* environment variables (Flask's
``Config.from_prefixed_env``), then by the mapping given to :func:`server.create_app` (tests)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config
from sqlalchemy.engine import make_url

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
    # The install's pub/sub channel on that Redis (the database number in REDIS_URL does
    # not separate pub/sub). Default: derived from DATABASE_URL (see redis_channel).
    "REDIS_CHANNEL": None,
    # Browser origins allowed to open a Socket.IO connection besides PUBLIC_URL's own:
    # a comma- or space-separated list, e.g. "https://hangdoi.example.gov.vn,http://10.0.0.2:5000".
    "ALLOWED_ORIGINS": None,
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
    # espeak-ng, which makes the default voice pack and says what a pack lacks: None finds
    # it on the PATH, a path names it, false goes without (the chime and the text only).
    "ESPEAK_NG": None,
    # What-if simulations (server.services.simulation.jobs), per server process: how many
    # run at once (each takes a core), how many more wait in line (beyond, a 429), the
    # seconds after which one is killed, and the hours a result is kept.
    "WHATIF_JOBS_RUNNING": 1,
    "WHATIF_JOBS_WAITING": 2,
    "WHATIF_JOB_SECONDS": 180,
    "WHATIF_JOB_KEEP_HOURS": 24,
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


def database_url(instance_path: str, overrides: dict[str, Any] | None = None) -> str:
    """The database the app of `instance_path` would open, found without creating anything."""
    return _read(instance_path, overrides)["DATABASE_URL"]


def _read(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """DEFAULTS, then HANGDOI_* environment variables, then `overrides`."""
    config = Config(instance_path, DEFAULTS)
    config.from_prefixed_env(ENV_PREFIX, loads=_env_value)
    config.update(overrides or {})
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'hangdoi.sqlite3'}"
    return dict(config)


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config = _read(instance_path, overrides)
    instance = Path(instance_path)
    if config["DATABASE_URL"] == f"sqlite:///{instance / 'hangdoi.sqlite3'}":
        instance.mkdir(parents=True, exist_ok=True)  # the default SQLite file's folder
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    config["REDIS_CHANNEL"] = config["REDIS_CHANNEL"] or redis_channel(config["DATABASE_URL"])
    config["ALLOWED_ORIGINS"] = allowed_origins(config["PUBLIC_URL"], config["ALLOWED_ORIGINS"])
    return config


def redis_channel(database_url: str) -> str:
    """The default pub/sub channel of an install: one per database, since the events'
    sequence numbers are the database's. The URL is read without its password and driver,
    so every process that names the same database the same way shares it; processes that
    reach the database by different addresses must set HANGDOI_REDIS_CHANNEL."""
    url = make_url(database_url)
    name = f"{url.get_backend_name()}://{url.username or ''}@{(url.host or '').lower()}:{url.port or ''}/{url.database or ''}"
    return "hangdoi-" + hashlib.sha256(name.encode()).hexdigest()[:16]


def allowed_origins(public_url: str, extra: str | list[str] | None) -> list[str]:
    """The browser origins allowed to connect: PUBLIC_URL's, then the extra ones."""
    listed = re.split(r"[,\s]+", extra) if isinstance(extra, str) else list(extra or [])
    origins: list[str] = []
    for url in [public_url, *listed]:
        if not url:
            continue
        parts = urlsplit(url.strip())
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"not an origin (scheme://host[:port]): {url!r}")
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in origins:
            origins.append(origin)
    return origins


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made on first start, so sessions survive restarts.

    Processes started together on an empty folder agree on one: each writes a candidate
    to a private temporary file (mode 0600 from its creation) and links it to the final
    name, which only the first link makes; everyone then reads that one, never a file
    half written."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd, candidate = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48))
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(candidate, path)
            except FileExistsError:
                pass  # another process won
        finally:
            os.unlink(candidate)
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(
            f"{path} is empty: delete it (a new secret is made at the next start, and every "
            "browser session ends) or set HANGDOI_SECRET_KEY"
        )
    return secret
