"""What every API route shares: JSON errors, credentials, and who may call the route.

Each view is wrapped in :func:`allow`, which names the roles that may call it; a view
without it does not register (see :func:`server.api.check_routes`). The credential is a
bearer token (``hdu_...`` for a user, ``hdd_...`` for a device) or, for browsers, the
session cookie set by ``/auth/login``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import orjson
from flask import g, request, session
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from server.errors import DomainError, Forbidden, Unauthorized, http_error_body
from server.extensions import db
from server.services import credentials
from server.services.actor import Actor, Role
from server.services.credentials import Refusal

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


class _Parser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies with orjson (a JSON syntax error is
    still webargs' 400, as orjson's error is a json.JSONDecodeError)."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        if not data:
            return missing
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            # With the text it failed on, so that webargs answers 400 (an empty document
            # would read as no body at all), bytes that are not UTF-8 included.
            raise json.JSONDecodeError(str(error), data.decode("utf-8", "replace"), error.pos) from error


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, with each request schema made once and JSON read by orjson.

    Given a schema class, webargs builds a new instance on every request (a deep copy of
    its fields: a tenth of the CPU of issuing a ticket); an instance is reused, and
    marshmallow schemas are safe to share for loading.
    """

    ARGUMENTS_PARSER = _Parser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


class HangdoiApi(Api):
    """flask-smorest's Api, answering every error as {"error", "message", "message_en"}."""

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)

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
    """The actor behind the request's credential, or None; a bad bearer token is a 401.

    The answer is the app's one resolver's (:mod:`server.services.credentials`); a
    session it refuses is cleared and the request goes on as anonymous (its reason kept
    in ``g.refusal`` for the 401 of a route that needs a credential).
    """
    token = bearer_token()
    if token is not None:
        verdict = credentials.resolver().token(db.session, token)
        if isinstance(verdict, Refusal):
            raise Unauthorized(
                "invalid_token",
                f"{verdict.message} Hãy đăng nhập lại hoặc đăng ký lại thiết bị.",
                f"{verdict.message_en} Log in again or re-register the device.",
                reason=verdict.reason.value,
            )
        return verdict
    user_id = session.get("user_id")
    if user_id is not None:
        verdict = credentials.resolver().session_user(db.session, user_id, session.get("sv"))
        if isinstance(verdict, Refusal):
            session.clear()
            g.refusal = verdict
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.is_json:
            # A cross-site form cannot send JSON: requiring it stops request forgery.
            raise Forbidden(
                "json_required",
                "Yêu cầu từ trình duyệt phải gửi dữ liệu JSON.",
                "Browser requests must send JSON.",
            )
        return verdict
    return None


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:
        raise _unauthorized()
    return actor


def _unauthorized() -> Unauthorized:
    refusal: Refusal | None = g.get("refusal")
    if refusal is None:
        return Unauthorized(*_unauthorized_text())
    return Unauthorized(*_unauthorized_text(), reason=refusal.reason.value)


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
                    raise _unauthorized()
                if actor.role not in allowed:
                    raise Forbidden(
                        "forbidden",
                        "Tài khoản hoặc thiết bị này không được phép làm việc này.",
                        "This account or device is not allowed to do this.",
                        allowed=sorted(allowed),
                    )
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        doc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(doc.get("manual_doc", {}))
        manual["x-roles"] = sorted(allowed)
        manual["security"] = [] if PUBLIC in allowed else [{"bearer": []}, {"session": []}]
        doc["manual_doc"] = manual
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper

    return decorate
