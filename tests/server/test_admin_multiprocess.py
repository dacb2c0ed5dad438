"""An administrator's change reaches every server process at once: two real processes on
one PostgreSQL database and one Redis; a service renamed through process A shows under
its new name on process B's phone page at once, though B had the old name in its
catalogue cache (kept 10 s otherwise): B empties its cache when catalog.changed reaches
it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import require_redis
from tests.server.live import (
    LiveServer,
    drop_postgres_database,
    fresh_postgres_database,
    require_postgres,
)

pytestmark = pytest.mark.slow
DATABASE = "hangdoi_admin_multiprocess"


@pytest.fixture
def two_servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    require_postgres()
    redis_url = require_redis()
    database_url = fresh_postgres_database(DATABASE)
    env = {
        "HANGDOI_REDIS_URL": redis_url,
        "HANGDOI_REDIS_CHANNEL": f"hangdoi-test-{uuid.uuid4().hex}",
    }
    first = LiveServer(tmp_path / "a", database_url, env=env)
    second = LiveServer(tmp_path / "b", database_url, env=env)
    try:
        first.prepare_demo()
        first.start()
        second.devices = first.devices
        second.start()
        yield first, second
    finally:
        for server in (first, second):
            server.stop()
        drop_postgres_database(DATABASE)


def test_a_renamed_service_shows_at_once_on_the_other_process(two_servers) -> None:  # type: ignore[no-untyped-def]
    first, second = two_servers
    kiosk = {"Authorization": f"Bearer {first.kiosk_token}"}
    admin = {"Authorization": f"Bearer {first.login('admin', 'admin123')}"}
    service = requests.get(
        first.url + "/api/v1/sites/1/services", headers=kiosk, timeout=30
    ).json()[0]

    ticket = requests.post(
        first.url + "/api/v1/tickets", headers=kiosk, json={"service_id": service["id"]}, timeout=30
    ).json()
    token = ticket["tracking_url"].rsplit("/", 1)[1]

    def name_on_second() -> str:
        # The phone's view of the ticket names its service from the catalogue cache.
        answer = requests.get(f"{second.url}/api/v1/track/{token}", timeout=30)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["service"]["name_vi"])

    assert name_on_second() == service["name_vi"]  # the second process has it cached now
    renamed = service["name_vi"] + " (mới)"
    answer = requests.patch(
        f"{first.url}/api/v1/admin/services/{service['id']}",
        headers=admin,
        json={"name_vi": renamed},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    # Through Redis within moments, far sooner than the cache's 10 s.
    deadline = time.monotonic() + 3
    while name_on_second() != renamed:
        assert time.monotonic() < deadline, "the other process still shows the old name"
        time.sleep(0.1)
