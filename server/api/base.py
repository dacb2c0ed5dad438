"""What every API route shares: JSON errors, credentials, and who may call the route.

Each view is wrapped in :func:`allow`, which names the roles that may call it; a view
without it does not register (see :func:`server.api.check_routes`). The credential is a
bearer token (``hdu_...`` for a user, ``hdd_...`` for a device) or, for browsers, the
session cookie set by ``/auth/login``.

:class:`Blueprint` makes each request schema once (a tenth of the CPU of issuing a ticket,
bench/issue.py); the roles go into the OpenAPI document through flask-smorest's public
``Blueprint.doc``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request, session
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import HTTPException

from server.errors import DomainError, Forbidden, Unauthorized, http_error_body
from server.extensions import db
from server.models import User
from server.services import accounts
from server.services.accounts import DEVICE_TOKEN_PREFIX, USER_TOKEN_PREFIX
from server.services.actor import Actor, Role

PUBLIC = "public"

STAFF = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)
DEVICES = (Role.KIOSK, Role.DISPLAY)


def _validation_summary(messages: Any) -> tuple[str, str]:
    fields: list[str] = []
    explanations: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            fields.append(path)
            explanations.append(f"{path}: {' '.join(node)}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    # webargs nests messages under the location ("json", "query"); the field is what matters.
    for value in (messages or {}).values() if isinstance(messages, dict) else []:
        walk(value, "")
    if not fields:
        return "Dữ liệu gửi lên không hợp lệ.", "The data sent is not valid."
    return (
        "Dữ liệu gửi lên không hợp lệ ở: " + ", ".join(fields) + ".",
        "Invalid data: " + "; ".join(explanations),
    )


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, with each request schema made once.

    Given a schema class, webargs builds a new instance on every request (a deep copy of
    its fields: a tenth of the CPU of issuing a ticket, bench/issue.py, commit "Issue
    tickets by group commit"); given an instance, as flask-smorest's documented API allows,
    it reuses it, and marshmallow schemas are safe to share for loading.
    tests/server/test_api_base.py holds the parsed data and the OpenAPI document to what
    flask-smorest makes of the class; setup.cfg bounds flask-smorest below its next minor
    version (0.x minor versions break).
    """

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


class HangdoiApi(Api):
    """flask-smorest's Api, answering every error as {"error", "message", "message_en"}."""

    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        super().init_app(app, *args, **kwargs)
        app.register_error_handler(DomainError, self.handle_domain_error)

    @staticmethod
    def handle_domain_error(error: DomainError) -> tuple[dict[str, Any], int]:
        return error.to_dict(), error.status

    def handle_http_exception(self, error: HTTPException) -> tuple[dict[str, Any], int, dict[str, Any]]:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        body = http_error_body(status)
        if status == 422 and "messages" in data:
            body["message"], body["message_en"] = _validation_summary(data["messages"])
            body["details"] = data["messages"]
        elif status == 400 and "messages" in data:
            body = {
                "error": "invalid_json",
                "message": "Nội dung gửi lên không phải JSON hợp lệ.",
                "message_en": "The request body is not valid JSON.",
                "details": data["messages"],
            }
        headers = data.get("headers") or {}
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="hangdoi"')
        return body, status, headers


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def resolve_actor() -> Actor | None:
    """The actor behind the request's credential, or None; a bad credential is a 401."""
    token = bearer_token()
    if token is not None:
        if token.startswith(DEVICE_TOKEN_PREFIX):
            actor = accounts.device_actor_for_token(db.session, token)
            if actor is not None:
                return actor
        elif token.startswith(USER_TOKEN_PREFIX):
            actor = accounts.user_actor_for_token(db.session, token)
            if actor is not None:
                return actor
        raise Unauthorized(
            "invalid_token",
            "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi. Hãy đăng nhập lại hoặc "
            "đăng ký lại thiết bị.",
            "The access token is invalid, expired or revoked. Log in again or re-register the device.",
        )
    user_id = session.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.active or session.get("pw") != user.password_hash[-12:]:
            session.clear()
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.is_json:
            # A cross-site form cannot send JSON: requiring it stops request forgery.
            raise Forbidden(
                "json_required",
                "Yêu cầu từ trình duyệt phải gửi dữ liệu JSON.",
                "Browser requests must send JSON.",
            )
        return accounts.actor_for_user(user)
    return None


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:
        raise Unauthorized(*_unauthorized_text())
    return actor


def _unauthorized_text() -> tuple[str, str, str]:
    return (
        "unauthorized",
        "Bạn cần đăng nhập hoặc dùng mã thiết bị hợp lệ.",
        "Log in or present a valid device token.",
    )


def allow(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only these roles (or PUBLIC: anyone) call the view; record it for docs and tests."""
    allowed = frozenset(roles)
    if not allowed:
        raise ValueError("allow() needs at least one role or PUBLIC")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = resolve_actor()
            g.actor = actor
            if PUBLIC not in allowed:
                if actor is None:
                    raise Unauthorized(*_unauthorized_text())
                if actor.role not in allowed:
                    raise Forbidden(
                        "forbidden",
                        "Tài khoản hoặc thiết bị này không được phép làm việc này.",
                        "This account or device is not allowed to do this.",
                        allowed=sorted(allowed),
                    )
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        security: list[dict[str, list[str]]] = (
            [] if PUBLIC in allowed else [{"bearer": []}, {"session": []}]
        )
        return SmorestBlueprint.doc(**{"x-roles": sorted(allowed), "security": security})(wrapper)

    return decorate
