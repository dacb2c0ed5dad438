"""The application factory: the app, its extensions, blueprints, Socket.IO, commands and
the services' per-app state (caches, the issuers' group commit, the event publisher)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from server import api, cli, events, ratelimit, realtime, web
from server import config as configuration
from server.extensions import db
from server.fastjson import OrjsonProvider
from server.services import catalog, credentials, estimates
from server.services.queue import issuing


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
    events.attach(db.session.session_factory)
    api.init_app(app)
    realtime.init_app(app)
    web.init_app(app)
    ratelimit.init_app(app)
    cli.init_app(app)
    logging.getLogger(__name__).debug("hangdoi app created on %s", app.config["DATABASE_URL"])
    return app


class _Flask(Flask):
    """Flask, remembering which views are plain functions: it asks ``inspect`` for every
    view, error handler and teardown of every request (a couple of percent of a kiosk's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._sync: dict[Any, Any] = {}
        super().__init__(*args, **kwargs)

    def ensure_sync(self, func: Any) -> Any:
        try:
            return self._sync[func]
        except KeyError:
            made = self._sync[func] = super().ensure_sync(func)
            return made
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)


class _CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for the requests that
    carry no session cookie (kiosks, displays, desktop apps, phones: most of them)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Looking in request.cookies would parse them and, for a missing name, raise and
        # catch an HTTP exception: a few percent of a kiosk's request.
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)
