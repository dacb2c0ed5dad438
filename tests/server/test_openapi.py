"""The OpenAPI document against what the API answers: every error status an operation
declares is in the real error form, every error it answers is declared, a 405 says what
is allowed, a body the document calls invalid is refused, and a string the databases
cannot store is a 422 naming its field on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from typing import Any

import pytest

from server.api import api
from server.api.base import Blueprint, allow
from server.api.schemas import HealthOut, NoteIn
from server.realtime import socketio
from tests.server.factory import PASSWORD, World

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# Who to call an operation as, by the first of its roles the test centre has.
CREDENTIAL_OF_ROLE = {
    "officer": "o1",
    "manager": "manager",
    "admin": "admin",
    "kiosk": "kiosk",
    "display": "display",
}
ERROR_KEYS = {"error", "message", "message_en", "details"}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def url_of(path: str, value: object = 1) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def credential(world: World, operation: dict[str, Any]) -> dict[str, str]:
    for role in operation["x-roles"]:
        if role in CREDENTIAL_OF_ROLE:
            return world.auth(CREDENTIAL_OF_ROLE[role])
    return {}


def body_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    if "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def assert_error_body(body: Any) -> None:
    assert (
        isinstance(body, dict) and {"error", "message", "message_en"} <= set(body) <= ERROR_KEYS
    ), body
    assert all(
        isinstance(body[key], str) and body[key] for key in ("error", "message", "message_en")
    )
    assert isinstance(body.get("details", {}), dict)


@pytest.fixture
def spec(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/openapi.json").get_json()


class TestDocument:
    @pytest.fixture
    def backend(self) -> str:
        return "sqlite"  # the document does not depend on the database

    def test_the_error_schema_is_the_one_answered(self, spec: dict[str, Any]) -> None:
        error = spec["components"]["schemas"]["ErrorOut"]
        assert set(error["properties"]) == ERROR_KEYS
        assert sorted(error["required"]) == ["error", "message", "message_en"]
        assert error["additionalProperties"] is False
        for name in ("code", "status", "errors"):  # flask-smorest's own error form, never answered
            assert all(
                name not in s.get("properties", {})
                for n, s in spec["components"]["schemas"].items()
                if n == "ErrorOut" or n == "Error"
            )

    def test_every_declared_error_uses_the_error_schema(self, spec: dict[str, Any]) -> None:
        for method, path, operation in operations(spec):
            responses = operation["responses"]
            assert "default" not in responses, (method, path)  # each status is listed instead
            errors = [status for status in responses if int(status) >= 400]
            assert "401" in errors, (method, path)
            for status in errors:
                response = responses[status]
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)

    def test_statuses_follow_from_the_operation(self, spec: dict[str, Any]) -> None:
        def declared(method: str, path: str) -> set[int]:
            return {int(s) for s in spec["paths"][path][method]["responses"] if int(s) >= 400}

        assert declared("get", "/api/v1/health") == {401}
        assert declared("get", "/api/v1/track/{token}") == {
            401,
            404,
            429,
        }  # rate-limited per address
        assert declared("post", "/api/v1/auth/login") == {400, 401, 403, 413, 422, 429}
        assert declared("get", "/api/v1/sites/{site_id}/tickets") == {401, 403, 404, 422}
        assert declared("post", "/api/v1/counters/{counter_id}/recall") == {401, 403, 404, 409}
        assert declared("post", "/api/v1/tickets") == {400, 401, 403, 404, 409, 413, 422, 429}

    def test_a_route_added_later_is_documented_alike(self, app) -> None:  # type: ignore[no-untyped-def]
        blp = Blueprint("later", __name__, url_prefix="/api/v1/later")

        @blp.route("/<int:thing_id>/poke", methods=["POST"])
        @allow("manager")
        @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # the one status no rule can tell
        @blp.arguments(NoteIn)
        @blp.response(200, HealthOut)
        def poke(data: dict, thing_id: int) -> dict:
            return {"status": "ok"}

        api.register_blueprint(blp)
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        responses = spec["paths"]["/api/v1/later/{thing_id}/poke"]["post"]["responses"]
        assert sorted(responses) == ["200", "400", "401", "403", "404", "409", "413", "422", "429"]
        assert responses["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}
        too_many = spec["components"]["responses"]["TOO_MANY_REQUESTS"]
        assert too_many["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }

    def test_a_405_says_what_is_allowed(self, client) -> None:  # type: ignore[no-untyped-def]
        response = client.delete("/api/v1/health")
        assert response.status_code == 405
        assert_error_body(response.get_json())
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {
            "GET",
            "HEAD",
            "OPTIONS",
        }
        response = client.get("/api/v1/auth/login")
        assert response.status_code == 405 and "POST" in response.headers["Allow"]

    def test_a_401_says_how_to_authenticate(self, client, world: World) -> None:  # type: ignore[no-untyped-def]
        for headers in ({}, {"Authorization": "Bearer hdu_nope"}):
            response = client.get("/api/v1/auth/me", headers=headers)
            assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith(
                "Bearer"
            )


def test_every_error_answered_is_declared(client, world: World, spec: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Each operation called with each kind of credential, with ids that exist and ids that
    do not, an empty body and no body: whatever it answers is declared, errors in their form."""
    callers = [{}, {"Authorization": "Bearer hdd_nope"}] + [
        world.auth(w) for w in ("kiosk", "display", "o1", "admin")
    ]
    ids = [world.site.id, 999_999]
    for method, path, operation in operations(spec):
        if path == "/api/v1/auth/logout":
            continue  # it would end the session the other calls use
        declared = {int(s) for s in operation["responses"]}
        for headers in callers:
            for ident in ids:
                for kwargs in ({"json": {}}, {}):
                    response = client.open(
                        url_of(path, ident), method=method.upper(), headers=headers, **kwargs
                    )
                    assert response.status_code in declared, (
                        method,
                        path,
                        headers,
                        kwargs,
                        response.get_json(),
                    )
                    if response.status_code >= 400:
                        assert_error_body(response.get_json())


@pytest.mark.parametrize("path", ["/api/v1/tickets/1/transfer", "/api/v1/counters/1/transfer"])
@pytest.mark.parametrize("value", [0, 1, "true", "no", None])
def test_a_boolean_is_true_or_false(client, world: World, path: str, value: object) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        path,
        headers=world.auth("o1"),
        json={"service_id": world.services["HT"].id, "keep_position": value},
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert list(body["details"]["json"]) == ["keep_position"]
    assert "keep_position" in body["message"] and "keep_position" in body["message_en"]


def string_fields(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, field, operation) for every free-text string of every request body."""
    found = []
    for method, path, operation in operations(spec):
        schema = body_schema(spec, operation)
        for name, prop in (schema or {}).get("properties", {}).items():
            if prop.get("type") == "string" and "enum" not in prop:
                found.append((method, path, name, operation))
    return found


def test_every_body_string_is_checked_here(client, world: World, spec: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    # The parametrised test below walks the same list; this keeps it from passing on an empty one.
    names = {(path, field) for _, path, field, _ in string_fields(spec)}
    assert ("/api/v1/auth/login", "username") in names and (
        "/api/v1/tickets",
        "dossier_code",
    ) in names
    assert ("/api/v1/admin/devices", "name") in names and (
        "/api/v1/counters/{counter_id}/finish",
        "note",
    ) in names


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
def test_a_nul_is_refused_naming_the_field(
    client, world: World, spec: dict[str, Any], text: str
) -> None:  # type: ignore[no-untyped-def]
    for method, path, field, operation in string_fields(spec):
        response = client.open(
            url_of(path, world.counters[1].id),
            method=method.upper(),
            headers=credential(world, operation),
            json={field: text},
        )
        assert response.status_code == 422, (path, field, response.get_json())
        body = response.get_json()
        assert field in body["details"]["json"], (path, field, body)
        assert field in body["message"] and field in body["message_en"]


def test_a_lone_surrogate_is_refused_naming_the_field(client, world: World) -> None:  # type: ignore[no-untyped-def]
    headers = {**world.auth("o1"), "Content-Type": "application/json"}
    for escaped in ("\\ud800", "x\\udfff"):
        response = client.post(
            f"/api/v1/counters/{world.counters[1].id}/hold",
            headers=headers,
            data=f'{{"note": "{escaped}"}}',
        )
        assert response.status_code == 422, response.get_json()
        assert list(response.get_json()["details"]["json"]) == ["note"]
    # In a key it would name nothing a person can read: not JSON we take.
    response = client.post(
        f"/api/v1/counters/{world.counters[1].id}/hold", headers=headers, data='{"\\ud800": 1}'
    )
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"
    # A surrogate pair is one character, and taken.
    response = client.post(
        "/api/v1/admin/devices",
        headers={**world.auth("admin"), "Content-Type": "application/json"},
        data=f'{{"site_id": {world.site.id}, "kind": "display", "name": "T\\ud83d\\ude00"}}',
    )
    assert response.status_code == 201 and response.get_json()["name"] == "T\U0001f600"


def test_nul_in_a_query_or_path_is_not_a_server_error(client, world: World) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        f"/api/v1/sites/{world.site.id}/tickets?number=A%00", headers=world.auth("o1")
    )
    assert response.status_code == 422 and "number" in response.get_json()["details"]["query"]
    for method in ("GET", "POST"):
        response = client.open(
            "/api/v1/track/abc%00def" + ("/cancel" if method == "POST" else ""), method=method
        )
        assert response.status_code == 404, response.get_json()
        assert_error_body(response.get_json())


def test_text_is_stored_as_sent(client, world: World) -> None:  # type: ignore[no-untyped-def]
    name = "Màn hình tầng 2 — 😀 ﷺ \u200b"
    response = client.post(
        "/api/v1/admin/devices",
        headers=world.auth("admin"),
        json={"site_id": world.site.id, "kind": "display", "name": name, "zone": "tầng-2"},
    )
    assert response.status_code == 201, response.get_json()
    devices = client.get("/api/v1/admin/devices", headers=world.auth("admin")).get_json()
    assert [d["name"] for d in devices if d["id"] == response.get_json()["id"]] == [name.strip()]


def test_a_nul_in_the_user_agent_is_refused_naming_it(client, world: World) -> None:  # type: ignore[no-untyped-def]
    # A desktop token without a label is labelled with the User-Agent, stored like the fields.
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "t1-o1", "password": PASSWORD},
        headers={"User-Agent": "hangdoi-counter\x00"},
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert "User-Agent" in body["details"]["headers"] and "User-Agent" in body["message"]
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "t1-o1", "password": PASSWORD},
        headers={"User-Agent": "hangdoi-counter/1.0 (Quầy số 1)"},
    )
    assert response.status_code == 201


def test_the_phone_page_of_a_token_with_a_nul_is_not_found(client, world: World) -> None:  # type: ignore[no-untyped-def]
    # Not the API, but the same token in the same query (tests/web has no PostgreSQL run).
    assert client.get("/t/abc%00def").status_code == 404


def test_a_socket_with_a_nul_tracking_token_is_refused(app, world: World) -> None:  # type: ignore[no-untyped-def]
    # Not the API either, but the same lookup (credentials.ticket_for_tracking_token).
    client = socketio.test_client(app, auth={"token": "abc\x00def"})
    assert not client.is_connected()
