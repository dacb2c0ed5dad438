"""Rate limits: on what costs a password hash, on the phone page, and a generous one on issuing.

- ``/api/v1/auth/login``, ``/auth/token`` and ``/auth/password`` run a deliberately slow
  password hash: limited per username (one count for login and token, so that guesses
  cannot be spread over them; the password change counts per user) and per client address.
- The phone page's routes (``/t/<token>``, ``/api/v1/track/<token>`` and its cancel):
  one count per client address.
- Issuing a ticket: per kiosk (or staff member), far above what a kiosk's visitors can tap,
  counted in each process's memory even with Redis: it is a safety net, not a quota; a
  kiosk keeps to one process behind nginx's ``ip_hash``; and the kiosk's request, the one
  that must stay cheapest, makes no round trip to Redis for it.

The limits are settings (``HANGDOI_RATELIMIT_*``, see :mod:`server.config`) in
Flask-Limiter's notation (``10/minute;50/hour``), read on each request. Flask-Limiter's
:class:`~flask_limiter.Limiter` holds the counts: in memory for one process, in Redis when
``HANGDOI_REDIS_URL`` is set (shared by every process), or wherever
``HANGDOI_RATELIMIT_STORAGE_URI`` says; ``HANGDOI_RATELIMIT_ENABLED=false`` turns them off.
A refusal is a 429 in both languages with ``Retry-After``. Behind a reverse proxy the
client address comes from ``X-Forwarded-For`` only when ``HANGDOI_TRUSTED_PROXIES`` says
how many proxies set it.

Each limit is checked by :class:`Limit` straight against the Limiter's strategy and
storage (one counter increment); issuing's, counted in this process, by
:class:`LocalFixedWindow`. Flask-Limiter's own decorators and request hooks work out
anew on every request which limits apply (blueprints, exemptions, scopes, defaults): tens
of microseconds each, on every request of the server, kiosks' included. We have no
application-wide or default limits, so its hooks are not installed at all.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, jsonify, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.util import WindowStats
from werkzeug.middleware.proxy_fix import ProxyFix

from server.errors import DomainError

log = logging.getLogger(__name__)

# The username of a login is at most this long (LoginIn); a longer one is cut for the key.
USERNAME_KEY_LENGTH = 64
KEY_PREFIX = "hangdoi"
EXTENSION = "hangdoi_ratelimit"


def client_address() -> str:
    """The client's address: the socket's, or X-Forwarded-For's through ProxyFix when trusted."""
    return request.remote_addr or "unknown"


def login_username() -> str:
    """The username a login or token request is for."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    if not isinstance(username, str) or not username:
        return "-"  # no username: validation refuses it; such requests share one count
    return username[:USERNAME_KEY_LENGTH]


def acting_user() -> str:
    """The logged-in user (a password change: the route runs under @allow)."""
    actor = g.get("actor")
    return f"user:{actor.user_id}" if actor is not None else "-"


def issuer() -> str:
    """Who issues: the kiosk (device), or the staff member."""
    actor = g.get("actor")
    if actor is None:
        return "-"
    return f"device:{actor.device_id}" if actor.device_id is not None else f"user:{actor.user_id}"


limiter = Limiter(key_func=client_address, strategy="fixed-window")


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, wait: int, limit: RateLimitItem) -> None:
        super().__init__(
            "too_many_requests",
            f"Quá nhiều yêu cầu. Hãy thử lại sau {wait} giây.",
            f"Too many requests. Try again in {wait} seconds.",
            retry_after=wait,
            limit=str(limit),
        )
        self.retry_after = wait


class Counter(Protocol):
    """What :class:`Limit` asks of a count: limits' strategies, :class:`LocalFixedWindow`."""

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class LocalFixedWindow:
    """A fixed window counted in this process's memory: limits' ``FixedWindowRateLimiter``
    over its ``MemoryStorage`` (a window opens at its first hit and lasts the item's
    expiry), through the public methods of :class:`Counter`.

    ``MemoryStorage`` starts a timer thread to drop expired counts whenever its previous one
    has finished: under gevent, a greenlet, a timeout and a sweep for every other ticket
    issued. Here an expired window is replaced when it is next hit, and the others are
    dropped when many have piled up (there is one per kiosk and staff member issuing).
    tests/server/test_ratelimit.py holds it to limits' counter on the same hits.
    """

    SWEEP_ABOVE = 10_000

    def __init__(self) -> None:
        # (item, identifiers) -> [end of the window (epoch seconds), hits in it]
        self._windows: dict[tuple[RateLimitItem, tuple[str, ...]], list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        key = (item, identifiers)
        now = time.time()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                if window is None and len(self._windows) >= self.SWEEP_ABOVE:
                    self._sweep(now)
                window = self._windows[key] = [now + item.get_expiry(), 0]
            window[1] += 1
            return window[1] <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        now = time.time()
        with self._lock:
            window = self._windows.get((item, identifiers))
        if window is None or window[0] <= now:
            return WindowStats(now, item.amount)
        return WindowStats(window[0], max(0, item.amount - int(window[1])))

    def _sweep(self, now: float) -> None:
        for key in [key for key, window in self._windows.items() if window[0] <= now]:
            del self._windows[key]


class Limit:
    """A view decorator: at most the limit of setting `setting` per `key()`, counted under
    `scope` (routes that give the same scope share one count)."""

    def __init__(
        self, setting: str, key: Callable[[], str], scope: str, *, local: bool = False
    ) -> None:
        self.setting = setting
        self.key = key
        self.scope = scope
        # Counted in this process's memory even when the others' counts are in Redis.
        self.local = local
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def items(self, app: Flask) -> list[RateLimitItem]:
        text = app.config[self.setting]
        items = self._parsed.get(text)
        if items is None:
            items = self._parsed[text] = parse_many(str(text))
        return items

    def check(self) -> None:
        """Count this request; raise TooManyRequests when over the limit."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        strategies: dict[str, Counter] | None = app.extensions.get(EXTENSION)
        if strategies is None:
            return  # HANGDOI_RATELIMIT_ENABLED is off
        strategy = strategies["local" if self.local else "shared"]
        key = self.key()
        for item in self.items(app):
            try:
                allowed = strategy.hit(item, KEY_PREFIX, self.scope, key)
            except Exception:
                # The counts' storage (Redis) is down: serving beats refusing everyone.
                log.warning(
                    "rate limit storage unreachable; %s not checked", self.scope, exc_info=True
                )
                return
            if not allowed:
                reset = strategy.get_window_stats(item, KEY_PREFIX, self.scope, key).reset_time
                raise TooManyRequests(max(1, math.ceil(reset - time.time())), item)

    def __call__(self, view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            self.check()
            return view(*args, **kwargs)

        limited.rate_limited = True  # type: ignore[attr-defined]  # api.base.allow documents the 429
        return limited


# The routes' limits (each goes under @allow, which finds the actor some of them key on).
login_per_username = Limit("RATELIMIT_LOGIN_PER_USERNAME", login_username, "login-username")
login_per_address = Limit("RATELIMIT_LOGIN_PER_ADDRESS", client_address, "login-address")
password_per_user = Limit("RATELIMIT_LOGIN_PER_USERNAME", acting_user, "password-user")
phone_per_address = Limit("RATELIMIT_PHONE_PER_ADDRESS", client_address, "phone")
issue_per_device = Limit("RATELIMIT_ISSUE_PER_DEVICE", issuer, "issue", local=True)


def too_many_requests(error: TooManyRequests) -> Response:
    response = jsonify(error.to_dict())
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def init_app(app: Flask) -> None:
    """Bind the limiter (after the other extensions: ProxyFix wraps the Socket.IO middleware too)."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    # Flask-Limiter installs its request hooks only for a limiter the app does not list yet;
    # listed first, it only sets up its storage and strategy (see the module docstring).
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    if limiter.enabled:
        app.extensions[EXTENSION] = {
            "shared": limiter.limiter,
            "local": LocalFixedWindow(),
        }
    app.register_error_handler(TooManyRequests, too_many_requests)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Only then is X-Forwarded-For believed: a client could write anything there.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
