"""An administrator's change reaches every server process at once: two real processes on
one PostgreSQL database and one Redis; a service renamed through process A shows under
its new name on process B's phone page at once, though B had the old name in its
catalogue cache (kept 10 s otherwise): B empties its cache when catalog.changed reaches
it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.server.live import (
    two_live_servers,
)

pytestmark = pytest.mark.slow
DATABASE = "hangdoi_admin_multiprocess"


@pytest.fixture
def two_servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    with two_live_servers(tmp_path, DATABASE) as servers:
        yield servers


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
