"""The REST API under /api/v1: blueprints, registered by :func:`init_app`."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from server.api import (
    admin,
    auth,
    counters,
    devices,
    health,
    reports,
    sites,
    tickets,
    voice,
    whatif,
)
from server.api.base import HangdoiApi

api = HangdoiApi()


class IdConverter(IntegerConverter):
    """`<int:...>` in our routes: a database id, so at most 2**31 - 1 (larger is a 404).

    The range is in the pattern itself: Werkzeug answers 405 instead of 404 when a path
    has rules for several methods and the converter refuses the value after the pattern
    matched (POST /admin/sites/0/departments, which has a GET beside it)."""

    regex = (
        r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
        r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearer",
        {"type": "http", "scheme": "bearer", "description": "hdu_… (user) or hdd_… (device)"},
    )
    api.spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    for blueprint in (
        health.blp,
        auth.blp,
        sites.blp,
        tickets.blp,
        counters.blp,
        admin.blp,
        voice.blp,
        devices.blp,
        reports.blp,
    ):
        api.register_blueprint(blueprint)
    api.register_blueprint(whatif.blp)
    check_routes(app)


def check_routes(app: Flask) -> None:
    """Refuse to start if an API route does not say who may call it."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.startswith("api-docs"):
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "allowed_roles", None):
            raise RuntimeError(f"route {rule.rule} ({rule.endpoint}) has no @allow(...)")
