"""server.api.base's Blueprint and parser against flask-smorest's and webargs' own: a
schema class given to ``arguments`` is made once, and what the route receives and what
the OpenAPI document says are what flask-smorest makes of the class; request bodies are
read as webargs reads them, except what orjson cannot write back."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask, request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from server.api.base import PUBLIC, Blueprint, _Parser, allow


class _TicketIn(ma.Schema):
    service_id = ma.fields.Integer(required=True)
    note = ma.fields.String(load_default="")

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1
        super().__init__(*args, **kwargs)


def _api(blueprint_class: type[SmorestBlueprint]) -> Flask:
    app = Flask(__name__)
    app.config.update(
        API_TITLE="t",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    blp = blueprint_class("things", __name__, url_prefix="/things")

    @blp.route("/", methods=["POST"])
    @allow(PUBLIC)
    @blp.arguments(_TicketIn)
    def create(data: dict[str, Any]) -> dict[str, Any]:
        return data

    Api(app).register_blueprint(blp)
    return app


BODIES: list[Any] = [
    {"service_id": 3},
    {"service_id": 3, "note": "Hồ sơ đất đai"},
    {"service_id": "x"},
    {},
    [1],
    "text",
    {"service_id": 3, "unknown": 1},
]


@pytest.mark.parametrize("body", BODIES)
def test_requests_are_parsed_as_by_flask_smorest(body: Any) -> None:
    ours, theirs = _api(Blueprint).test_client(), _api(SmorestBlueprint).test_client()
    mine, expected = ours.post("/things/", json=body), theirs.post("/things/", json=body)
    assert (mine.status_code, mine.get_json()) == (expected.status_code, expected.get_json())


def test_the_schema_is_made_once_not_per_request() -> None:
    client = _api(Blueprint).test_client()
    before = _TicketIn.made
    for _ in range(5):
        assert client.post("/things/", json={"service_id": 1}).status_code == 200
    assert _TicketIn.made == before
    client = _api(SmorestBlueprint).test_client()
    before = _TicketIn.made
    client.post("/things/", json={"service_id": 1})
    assert _TicketIn.made > before  # what the override saves


def test_the_openapi_document_is_flask_smorests() -> None:
    mine = _api(Blueprint).test_client().get("/openapi.json").get_json()
    theirs = _api(SmorestBlueprint).test_client().get("/openapi.json").get_json()
    assert mine == theirs
    operation = mine["paths"]["/things/"]["post"]
    assert operation["x-roles"] == ["public"] and operation["security"] == []
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/_TicketIn"
    }


def _documented_api(blueprint_class: type[SmorestBlueprint]) -> Flask:
    """A route documented with ``doc`` twice (as the issue route is: its roles through
    allow, its header by hand), on `blueprint_class`'s ``doc``."""
    app = Flask(__name__)
    app.config.update(
        API_TITLE="t",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    blp = blueprint_class("things", __name__, url_prefix="/things")
    header = {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {}}

    @blp.route("/", methods=["POST"])
    @blp.doc(summary="Make a thing", responses={429: "TOO_MANY_REQUESTS"})
    @blp.arguments(_TicketIn)
    @blp.response(201)
    @blp.doc(parameters=[header], description="Made once per key.")
    def create(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "made": True}

    Api(app).register_blueprint(blp)
    return app


def test_doc_documents_as_flask_smorests_without_a_wrapper() -> None:
    mine = _documented_api(Blueprint).test_client()
    theirs = _documented_api(SmorestBlueprint).test_client()
    assert mine.get("/openapi.json").get_json() == theirs.get("/openapi.json").get_json()
    operation = mine.get("/openapi.json").get_json()["paths"]["/things/"]["post"]
    assert operation["summary"] == "Make a thing"
    assert operation["parameters"][0]["name"] == "Idempotency-Key"
    for body in BODIES:
        a, b = mine.post("/things/", json=body), theirs.post("/things/", json=body)
        assert (a.status_code, a.get_json()) == (b.status_code, b.get_json())

    def view() -> None: ...

    # The view itself comes back (flask-smorest's gives a wrapper that runs it).
    assert Blueprint.doc(summary="x")(view) is view
    assert SmorestBlueprint.doc(summary="x")(view) is not view


def _load(parser: FlaskParser, body: bytes, content_type: str = "application/json") -> Any:
    """What the parser makes of a body: the data, or the HTTP error it answers."""
    app = Flask(__name__)
    with app.test_request_context("/", method="POST", data=body, content_type=content_type):
        try:
            return "data", parser.load_json(request, ma.Schema())
        except HTTPException as error:
            return "error", error.code, getattr(error, "data", {}).get("messages")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"service_id": 3, "note": "H\xe1\xbb\x93 s\xc6\xa1"}', "application/json"),
        (
            '{"a": [1, 2.5, -3e2, true, false, null, {"b": "\u00e0 \\" }]}'.encode(),
            "application/json",
        ),
        (b'{"note": "\\ud800 lone surrogate in a value"}', "application/json"),
        (b'"text"', "application/json"),
        (b"[1, 2]", "application/vnd.api+json"),
        (b'{"a": 1}', "text/plain"),  # not JSON: no body
        (b"", "application/json"),  # no body
        (b"{", "application/json"),
        (b'{"a": 1,}', "application/json"),
        (b'{"a": 1} x', "application/json"),
        (b"\xff\xfe", "application/json"),  # not UTF-8
    ],
)
def test_bodies_are_read_as_by_webargs(body: bytes, content_type: str) -> None:
    assert _load(_Parser(), body, content_type) == _load(FlaskParser(), body, content_type)


@pytest.mark.parametrize("body", [b"[NaN]", b'{"a": Infinity}', b'{"\\udc00": 1}'])
def test_what_orjson_could_not_write_back_is_a_400(body: bytes) -> None:
    assert _load(FlaskParser(), body)[0] == "data"  # the standard library passes it on
    assert _load(_Parser(), body) == ("error", 400, {"json": ["Invalid JSON body."]})
