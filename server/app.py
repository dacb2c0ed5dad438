"""The application factory: the app, its extensions, blueprints, Socket.IO, commands and
the services' per-app state (caches, the issuers' group commit, the event publisher).

The app opens the session of a request without cookies without Flask's signer
(:class:`_CookieSessionInterface`: 57 µs → 9 µs of the 510-640 µs of server CPU per
issued ticket).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from server import admin_web, api, cli, events, manage, ratelimit, realtime, web, whatif_web
from server import config as configuration
from server.extensions import db
from server.fastjson import OrjsonProvider
from server.services import catalog, credentials, estimates
from server.services.queue import issuing
from server.services.simulation import jobs as whatif_jobs
from server.services.voice import announce
from server.services.voice import settings as voice_settings


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    # Named after the package, as before: its root path (templates, static) and default
    # instance folder follow from that name.
    app = _Flask("server", instance_path=instance_path, instance_relative_config=True)
    app.json = OrjsonProvider(app)  # Vietnamese as itself (no \\u escapes), keys in order
    app.config.update(configuration.load(app.instance_path, config))
    app.session_interface = _CookieSessionInterface()
    db.init_app(app)
    credentials.init_app(app)
    catalog.init_app(app)
    estimates.init_app(app)
    issuing.init_app(app)
    voice_settings.init_app(app)
    announce.init_app(app)
    whatif_jobs.init_app(app)
    events.attach(db.scoped.session_factory)
    api.init_app(app)
    realtime.init_app(app)
    web.init_app(app)
    admin_web.init_app(app)
    whatif_web.init_app(app)
    manage.init_app(app)
    ratelimit.init_app(app)
    cli.init_app(app)
    logging.getLogger(__name__).debug("hangdoi app created on %s", app.config["DATABASE_URL"])
    return app


class _Flask(Flask):
    """Flask, remembering what :meth:`ensure_sync` made of each function it was given.

    Flask asks ``inspect`` whether a view, a request hook, an error handler or a teardown
    is a coroutine function each time it calls one, and so do flask-smorest's wrappers
    around a view: five times per issued ticket. Overriding ``ensure_sync``
    is Flask's documented way to change how it runs views; the answer is Flask's own,
    remembered for the first :data:`SYNC_CACHE_SIZE` functions (the app's views and hooks;
    a callable made afresh for each call is not remembered beyond that).
    """

    SYNC_CACHE_SIZE = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            made = super().ensure_sync(func)
            if len(self._sync) < self.SYNC_CACHE_SIZE:
                self._sync[func] = made
            return made
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)


class _CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for the requests that
    carry no Cookie header (kiosks, displays, desktop apps, phones: most of them).

    Flask builds the signer and parses the cookies (a missing name raises and catches an
    HTTP exception) for every request: opening a cookie-less request's session takes 57 µs
    that way and 9 µs here (timeit, the 2-core benchmark machine), out of 510-640 µs of
    server CPU per issued ticket (bench/issue.py, README's benchmarks). A request that has
    a Cookie header goes to Flask's own; tests/server/test_app.py holds the two to the same
    sessions. Flask's SessionInterface is public, but this depends on what its signed-cookie
    session does for a missing cookie (an empty new session): setup.cfg bounds Flask below 4.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)
