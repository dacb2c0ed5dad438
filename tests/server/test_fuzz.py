"""A property-based fuzz of the whole API: schemathesis generates requests from
/api/v1/openapi.json, valid and invalid, sends them to the app in process (WSGI) and runs
all of its checks on the answers (no server error; every status, header, content type and
body as documented; invalid data refused, valid data accepted; an undeclared method a 405
with Allow; authentication enforced; ...).

Each operation is fuzzed without a credential, as an administrator and as each kind of
device, on SQLite and on PostgreSQL, each time on a fresh test centre with fresh
credentials. It is bounded to a
couple of minutes in all; skip it with ``-m "not fuzz"``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from tests.server.conftest import make_app
from tests.server.factory import World

pytestmark = pytest.mark.fuzz

# Generated examples per operation (each sent with each credential), on each database.
MAX_EXAMPLES = 45


def _document_app() -> Flask:
    # The document does not depend on the database: an app on an empty one serves it.
    # (schemathesis.pytest.from_fixture would take the fixtures' app, but it does not run
    # under pytest 9: it sets Node._nodeid, which pytest 9 no longer has.)
    folder = Path(tempfile.mkdtemp(prefix="hangdoi-fuzz-"))
    return make_app(f"sqlite:///{folder / 'document.sqlite3'}", folder)


document = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())
# The administration's set-up routes (sites, departments, series, services, counters,
# priority categories, import, audit, a user's edit): many, each run far less often than
# the queue's, so fuzzed with fewer examples and on SQLite only (tests/server/test_admin.py
# holds their rules on both databases).
SETUP_ROUTES = r"^/api/v1/admin/(sites|departments|series|services|counters|priority-categories|audit|users/\{user_id\}$)"
SETUP_EXAMPLES = 3
schema = document.exclude(path_regex=SETUP_ROUTES)
setup_schema = document.include(path_regex=SETUP_ROUTES)


# No credential, an administrator, and each kind of device.
CREDENTIALS = (None, "admin", "kiosk", "display")
# Logging out revokes the very token the fuzzer calls with: only called without one.
LOGOUT = "/api/v1/auth/logout"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, app: Flask, world: World) -> None:
    _call(case, app, world)


@setup_schema.parametrize()
@settings(
    max_examples=SETUP_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_setup_api(case: Any, backend: str, app: Flask, world: World) -> None:
    if backend != "sqlite":
        pytest.skip("the set-up routes' storage is tested on both databases by test_admin.py")
    # Every check but "valid data is accepted": set-up data has rules JSON Schema cannot
    # say (opening spans in order, a service listed once on a counter, the rows of an
    # imported file, a code already used), refused with a 422 or 409 that
    # tests/server/test_admin.py checks one by one.
    excluded: list[Any] = [positive_data_acceptance]
    if case.path.endswith("/import"):
        # An invalid file body longer than the request limit is refused with a 413, which
        # schemathesis does not count as a refusal.
        excluded.append(negative_data_rejection)
    _call(case, app, world, excluded=excluded)


def _call(case: Any, app: Flask, world: World, excluded: list[Any] | None = None) -> None:
    for who in CREDENTIALS if case.path != LOGOUT else (None,):
        try:
            # Every request, the checks' own probes included, goes to this test's app.
            case.call_and_validate(
                app=app, headers=world.auth(who) if who else None, excluded_checks=excluded
            )
        except Exception as failure:
            failure.add_note(f"(called as {who})")
            raise
