"""The REST API under /api/v1: blueprints, registered by :func:`init_app`."""

from __future__ import annotations

from flask import Flask



def init_app(app: Flask) -> None:
    # Imported here: the route modules import the extensions, which import this package.
    from server.api import admin, auth, counters, health, sites, tickets
    from server.extensions import api

    api.init_app(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "hdu_… (user) or hdd_… (device)"}
    )
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    for blueprint in (health.blp, auth.blp, sites.blp, tickets.blp, counters.blp, admin.blp):
        api.register_blueprint(blueprint)
    check_routes(app)


def check_routes(app: Flask) -> None:
    """Refuse to start if an API route does not say who may call it."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.startswith("api-docs"):
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "allowed_roles", None):
            raise RuntimeError(f"route {rule.rule} ({rule.endpoint}) has no @allow(...)")
