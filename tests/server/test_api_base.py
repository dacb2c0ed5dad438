"""server.api.base's Blueprint against flask-smorest's own: a schema class given to
``arguments`` is made once, and what the route receives and what the OpenAPI document says
are what flask-smorest makes of the class."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint

from server.api.base import PUBLIC, Blueprint, allow


class _TicketIn(ma.Schema):
    service_id = ma.fields.Integer(required=True)
    note = ma.fields.String(load_default="")

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1
        super().__init__(*args, **kwargs)


def _api(blueprint_class: type[SmorestBlueprint]) -> Flask:
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
                      OPENAPI_JSON_PATH="openapi.json")
    blp = blueprint_class("things", __name__, url_prefix="/things")

    @blp.route("/", methods=["POST"])
    @allow(PUBLIC)
    @blp.arguments(_TicketIn)
    def create(data: dict[str, Any]) -> dict[str, Any]:
        return data

    Api(app).register_blueprint(blp)
    return app


BODIES: list[Any] = [
    {"service_id": 3}, {"service_id": 3, "note": "Hồ sơ đất đai"}, {"service_id": "x"}, {}, [1], "text",
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
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/_TicketIn"}
