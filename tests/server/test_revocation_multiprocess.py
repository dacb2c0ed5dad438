"""Two real server processes on one database (a SQLite file: these tests keep off the
shared PostgreSQL databases) and one Redis: what one process learns reaches the clients
of the other at once.

- A display connected to process B is cut off when an administrator revokes it through
  process A (and it cannot connect again to either).
- A manager's dashboard connected to B sees a kiosk's health report made through A
  (``device.health``), and a province-wide dashboard on B gets the site's new row
  (``site.today``) when a ticket is issued through A.
"""

from __future__ import annotations

import queue as queue_module
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from contract import events as ev
from tests.server.live import two_live_servers

pytestmark = pytest.mark.slow
HTTP_TIMEOUT = 30


@pytest.fixture
def two_servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    with two_live_servers(tmp_path) as servers:
        yield servers


class Client:
    """A Socket.IO client (websocket only) that keeps what it hears and sees its end."""

    def __init__(self, url: str, auth: dict[str, Any]) -> None:
        self.inbox: queue_module.Queue = queue_module.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in (ev.READY, ev.SNAPSHOT, ev.SITE_TODAY, *ev.ALL_EVENTS):
            self.client.on(name, lambda data, name=name: self.inbox.put((name, data)))
        self.client.on("disconnect", lambda *args: self.inbox.put(("disconnect", {})))
        self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def wait_for(self, name: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, data = self.inbox.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue_module.Empty:
                break
            if got == name:
                return data
        raise AssertionError(f"no {name} within {timeout} s")

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def test_what_one_process_learns_reaches_the_others_clients(two_servers) -> None:  # type: ignore[no-untyped-def]
    first, second = two_servers
    display_token = next(d["token"] for d in first.devices if d["kind"] == "display")
    display_id = next(d["id"] for d in first.devices if d["kind"] == "display")
    first.command(
        "create-user", "--username", "tinh", "--full-name", "Lãnh đạo tỉnh",
        "--role", "manager", "--password", "tinh12345",
    )  # fmt: skip
    admin = {"Authorization": f"Bearer {first.login('admin', 'admin123')}"}
    kiosk = {"Authorization": f"Bearer {first.kiosk_token}"}
    display = Client(second.url, {"token": display_token})
    manager = Client(second.url, {"token": second.login("lanhdao", "lanhdao123")})
    province = Client(second.url, {"token": second.login("tinh", "tinh12345"), "province": True})
    try:
        for client in (display, manager, province):
            client.wait_for(ev.READY)

        # A kiosk reports through A: the dashboard on B hears it.
        answer = requests.post(
            first.url + "/api/v1/devices/health",
            json={"app_version": "9.9", "printer_state": "paper_out", "paper_out": True},
            headers=kiosk,
            timeout=HTTP_TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        health = manager.wait_for(ev.DEVICE_HEALTH)["data"]
        assert (health["printer_state"], health["paper_out"], health["app_version"]) == (
            "paper_out", True, "9.9",
        )  # fmt: skip

        # A ticket issued through A: the province dashboard on B gets the site's row.
        service = requests.get(
            first.url + "/api/v1/sites/1/services", headers=kiosk, timeout=HTTP_TIMEOUT
        ).json()[0]
        answer = requests.post(
            first.url + "/api/v1/tickets",
            json={"service_id": service["id"]},
            headers=kiosk,
            timeout=HTTP_TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        row = province.wait_for(ev.SITE_TODAY)["data"]
        assert row["site_id"] == 1 and row["issued"] >= 1 and row["waiting"] >= 1

        # The display is revoked through A: B closes its connection at once.
        answer = requests.post(
            f"{first.url}/api/v1/admin/devices/{display_id}/revoke",
            headers=admin,
            timeout=HTTP_TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        # Closed by B itself (no reconnection here, and a display's own check is a minute away).
        display.wait_for("disconnect", timeout=5)
        assert manager.client.connected and province.client.connected
        for server in (first, second):
            with pytest.raises(socketio.exceptions.ConnectionError):
                Client(server.url, {"token": display_token})
    finally:
        for client in (display, manager, province):
            client.close()
