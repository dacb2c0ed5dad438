"""What every API route shares: JSON errors, credentials, and who may call the route.

Each view is wrapped in :func:`allow`, which names the roles that may call it; a view
without it does not register (see :func:`server.api.check_routes`). The credential is a
bearer token (``hdu_...`` for a user, ``hdd_...`` for a device) or, for browsers, the
session cookie set by ``/auth/login``.

:class:`Blueprint` makes each request schema once (a tenth of the CPU of issuing a ticket,
bench/issue.py); the roles go into the OpenAPI document through flask-smorest's
``Blueprint.doc``, without its run-time wrapper (:func:`document`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import orjson
from apispec import APISpec, BasePlugin
from flask import Flask, Response, after_this_request, g, request, session
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from server.api.schemas import ErrorOut
from server.errors import DomainError, Forbidden, Unauthorized, http_error_body
from server.extensions import db
from server.services import accounts, credentials
from server.services.actor import Actor, Role
from server.services.credentials import Refusal

log = logging.getLogger(__name__)

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
    """webargs' Flask parser, reading JSON bodies with orjson, the reader of what the server
    writes: a body orjson refuses (NaN, Infinity, a lone surrogate in a key), which the
    standard library would pass on, is a 400, never an answer orjson cannot write; and a
    body costs 2.2 µs instead of webargs' 5.1 µs (timeit, 0.5% of a ticket's CPU). A JSON
    syntax error is still webargs' 400, as orjson's error is a json.JSONDecodeError.

    It overrides ``_raw_load_json``, the hook webargs' own parsers share but does not
    document: tests/server/test_api_base.py holds it to webargs' FlaskParser on the same
    bodies, and setup.cfg bounds webargs below 9.
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        if not data:
            return missing
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            if "surrogate" in str(error):
                return _load_with_lone_surrogates(data, error)
            # With the text it failed on, so that webargs answers 400 (an empty document
            # would read as no body at all), bytes that are not UTF-8 included.
            raise json.JSONDecodeError(
                str(error), data.decode("utf-8", "replace"), error.pos
            ) from error


def _load_with_lone_surrogates(data: bytes, error: orjson.JSONDecodeError) -> Any:
    """A body orjson refuses only for an escaped lone surrogate ("\\ud800"), which is valid
    JSON syntax: read by the standard library, so that the field holding it is named in a
    422 (schemas.Text refuses it). In a key it would name nothing printable: a 400."""

    def no_constants(name: str) -> Any:
        raise json.JSONDecodeError(f"{name} is not JSON", name, 0)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if any(_LONE_SURROGATE.search(key) for key, _ in items):
            raise json.JSONDecodeError("a key holds a lone surrogate", str(error), error.pos)
        return dict(items)

    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=pairs, parse_constant=no_constants
        )
    except (UnicodeDecodeError, RecursionError):  # not UTF-8, or nested deeper than orjson reads
        raise json.JSONDecodeError(
            str(error), data.decode("utf-8", "replace"), error.pos
        ) from error


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def document(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """flask-smorest's ``Blueprint.doc``, without the layer it puts around the view.

    flask-smorest's decorator merges `kwargs` into the view's documentation and returns a
    wrapper that, on every request, looks up ``current_app`` and runs the view through
    ``ensure_sync`` again (Flask has done so for the outer view already; ours are not
    coroutines). The issue route has two (its roles and its Idempotency-Key header):
    ~20,000 instructions of the ~2 million per issued ticket (bench/profile_issue.py under
    callgrind). Here flask-smorest's own decorator still makes the documentation, which
    is then kept on the view itself, where flask-smorest reads it (``_apidoc``, as its
    wrapper keeps it): tests/server/test_api_base.py holds the OpenAPI document and the
    answers to flask-smorest's; setup.cfg bounds flask-smorest below 0.48.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view._apidoc = SmorestBlueprint.doc(**kwargs)(view)._apidoc  # type: ignore[attr-defined]
        return view

    return decorate


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, with each request schema made once and JSON read by
    :class:`_Parser`.

    Given a schema class, webargs builds a new instance on every request (a deep copy of
    its fields: a tenth of the CPU of issuing a ticket, bench/issue.py, commit "Issue
    tickets by group commit"); given an instance, as flask-smorest's documented API allows,
    it reuses it, and marshmallow schemas are safe to share for loading.
    tests/server/test_api_base.py holds the parsed data and the OpenAPI document to what
    flask-smorest makes of the class; setup.cfg bounds flask-smorest below its next minor
    version (0.x minor versions break).
    """

    ARGUMENTS_PARSER = _Parser()  # flask-smorest's documented way to give its parser

    @staticmethod
    def doc(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """flask-smorest's ``Blueprint.doc`` (see :func:`document`)."""
        return document(**kwargs)

    def arguments(
        self, schema: Any, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


# An id in a request body, like a path parameter, may name nothing (404) or something in
# a state that refuses the request (409).
_ID_PROPERTY = re.compile(r"(^|_)id$")


class ErrorResponses(BasePlugin):
    """Documents on each operation every error status it can answer, all in ErrorOut's form.

    Worked out from what the operation is, so that a route added later is documented
    without a word: any credential may be refused (401: a bad bearer token is refused
    even on a public route), a role may be refused (403; a browser session must send its
    writes as JSON, even to a public route), a body may be malformed (400), too large
    (413) or invalid (422) and so may a query (422); a path parameter or an id in the body
    may name nothing (404) and a write to it may be refused by the queue rules (409). A
    status that only some routes answer (429 where a rate limit applies) is declared on
    the route with ``Blueprint.alt_response(429, response="TOO_MANY_REQUESTS")``.
    """

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for status in self._statuses(path or "", method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = HTTPStatus(status).name

    def _statuses(self, path: str, method: str, operation: dict[str, Any]) -> set[int]:
        public = operation.get("security") == []
        body = operation.get("requestBody") is not None
        query = any(
            p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)
        )
        names_a_resource = "{" in path or any(
            _ID_PROPERTY.search(name) for name in self._body_properties(operation)
        )
        statuses = {401}
        if not public or method != "get":
            statuses.add(403)
        if body:
            statuses |= {400, 413, 422}
        if query:
            statuses.add(422)
        if names_a_resource:
            statuses.add(404)
            if method != "get":
                statuses.add(409)
        return statuses

    def _body_properties(self, operation: dict[str, Any]) -> list[str]:
        content = (operation.get("requestBody") or {}).get("content", {})
        names: list[str] = []
        for media in content.values():
            schema = media.get("schema") or {}
            if "$ref" in schema:
                schema = self.spec.components.schemas.get(schema["$ref"].rsplit("/", 1)[1], {})
            names.extend(schema.get("properties", {}))
        return names


class SchemaRules(BasePlugin):
    """Adds to a schema's document what its fields cannot say: the keywords in its
    ``Meta.openapi`` (a rule across fields that a service enforces, say)."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        meta = getattr(kwargs.get("schema"), "Meta", None)
        extra = getattr(meta, "openapi", None)
        return dict(extra) if extra else None


class HangdoiApi(Api):
    """flask-smorest's Api, answering every error as {"error", "message", "message_en",
    "details"?} and documenting exactly that, for each status an operation can answer."""

    ERROR_SCHEMA = ErrorOut
    # No catch-all "default" response: each operation lists the statuses it answers.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(
        self, app: Any = None, *, spec_kwargs: dict[str, Any] | None = None, config_prefix: str = ""
    ) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [
            *spec_kwargs.get("extra_plugins", ()),
            SchemaRules(),
            ErrorResponses(),
        ]
        super().__init__(app, spec_kwargs=spec_kwargs, config_prefix=config_prefix)

    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        super().init_app(app, *args, **kwargs)
        app.register_error_handler(DomainError, self.handle_domain_error)

    @staticmethod
    def handle_domain_error(error: DomainError) -> tuple[dict[str, Any], int, dict[str, str]]:
        headers = {"WWW-Authenticate": _CHALLENGE} if error.status == 401 else {}
        if error.status in (429, 503) and "retry_after" in error.details:
            headers["Retry-After"] = str(error.details["retry_after"])
        return error.to_dict(), error.status, headers

    def handle_http_exception(
        self, error: HTTPException
    ) -> tuple[dict[str, Any], int, dict[str, Any]]:
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
        # Werkzeug's own headers of the error (a 405's Allow), but the body is ours.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", _CHALLENGE)
        return body, status, headers


_CHALLENGE = 'Bearer realm="hangdoi"'


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
        resolver = credentials.resolver()
        verdict = resolver.token(db.session, token)
        if isinstance(verdict, Refusal):
            raise Unauthorized(
                "invalid_token",
                f"{verdict.message} Hãy đăng nhập lại hoặc đăng ký lại thiết bị.",
                f"{verdict.message_en} Log in again or re-register the device.",
                reason=verdict.reason.value,
            )
        if verdict.device_id is not None and resolver.seen_due(verdict.device_id):
            # Written once the request is answered; only this request pays for the hook.
            after_this_request(_device_seen(verdict.device_id))
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


def _device_seen(device_id: int) -> Callable[[Response], Response]:
    def note(response: Response) -> Response:
        try:
            accounts.record_device_seen(db.session, device_id)
        except Exception:  # a busy database must not fail the request that was answered
            log.exception("recording that device %s was seen failed", device_id)
        return response

    return note


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
        security: list[dict[str, list[str]]] = (
            [] if PUBLIC in allowed else [{"bearer": []}, {"session": []}]
        )
        documented: dict[str, Any] = {"x-roles": sorted(allowed), "security": security}
        if getattr(view, "rate_limited", False):
            # A limit under @allow (server.ratelimit.Limit) refuses with a 429; the other
            # error statuses follow from the operation (ErrorResponses).
            documented["responses"] = {429: "TOO_MANY_REQUESTS"}
        return document(**documented)(wrapper)

    return decorate
