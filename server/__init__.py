"""The hangdoi server: the one source of truth for tickets, counters and calls.

``create_app`` is the application factory (:mod:`server.app`); ``flask --app server`` and
the ``hangdoi-server`` command both use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """The app (see :func:`server.app.create_app`)."""
    # Imported when an app is made, not with the package: ``python -m server.serve``
    # imports this package before its first line, and gevent must patch the standard
    # library before Flask, SQLAlchemy and the drivers load (their locks and sockets).
    from server.app import create_app as make_app

    return make_app(config, instance_path)
