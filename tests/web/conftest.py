"""Fixtures of the web page tests: the production server on the demo centre, a real headless
Chromium driven by Playwright, and a small REST client that plays the kiosk and the officers.

Chromium is the system's (``/usr/bin/chromium``, Debian package ``chromium``): Playwright's
own browser download is never used. Every page records the URLs it requests so that a test
can check that nothing leaves the loopback server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.server.live import DEMO_OFFICER_PASSWORD, LiveServer

CHROMIUM = os.environ.get("HANGDOI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "web"
SOCKET_IO_CLIENT = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "socket.io-client"
TIMEOUT_MS = 15_000
HTTP_TIMEOUT = 30


@dataclass
class Centre:
    """The running demo centre and the REST calls the tests make on it."""

    server: LiveServer
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def device_token(self, kind: str, zone: str | None = None) -> str:
        return str(
            next(
                d["token"]
                for d in self.server.devices
                if d["kind"] == kind and (zone is None or d["zone"] == zone)
            )
        )

    def _post(self, path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = requests.post(
            self.url + path,
            json=body or {},
            headers={"Authorization": f"Bearer {token}"},
            timeout=HTTP_TIMEOUT,
        )
        assert answer.status_code in (200, 201), f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def issue(self, service_code: str) -> dict[str, Any]:
        """A ticket from the kiosk, with its tracking URL (the slip's QR code)."""
        return self._post(
            "/api/v1/tickets",
            self.device_token("kiosk"),
            {"service_id": self.services[service_code]["id"]},
        )

    def officer(self, username: str) -> str:
        if username not in self.officers:
            self.officers[username] = self.server.login(username, DEMO_OFFICER_PASSWORD)
        return self.officers[username]

    def open_counter(self, username: str, counter: int) -> None:
        self._post(f"/api/v1/counters/{counter}/open", self.officer(username))

    def call_next(self, username: str, counter: int) -> dict[str, Any]:
        ticket = self._post(f"/api/v1/counters/{counter}/call-next", self.officer(username))[
            "ticket"
        ]
        assert ticket is not None, f"nobody waits at counter {counter}"
        return ticket

    def no_show(self, username: str, counter: int) -> dict[str, Any]:
        return self._post(f"/api/v1/counters/{counter}/no-show", self.officer(username))


@pytest.fixture(scope="session")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    """`hangdoi-server serve` (the production command) on a fresh demo instance."""
    if not SOCKET_IO_CLIENT.is_dir():
        pytest.fail(
            "web/node_modules/socket.io-client is missing: run `make test` (it runs npm ci --prefix web)",
            pytrace=False,
        )
    server = LiveServer(tmp_path_factory.mktemp("web") / "instance")
    server.prepare_demo()
    try:
        server.start()
        kiosk = {"Authorization": f"Bearer {server.kiosk_token}"}
        rows = requests.get(
            server.url + "/api/v1/sites/1/services", headers=kiosk, timeout=HTTP_TIMEOUT
        ).json()
        yield Centre(server, {row["code"]: row for row in rows})
    finally:
        server.kill()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The one Playwright of the session: its sync API allows one per thread, so every
    browser the tests launch (with whatever flags) comes from it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs the Debian package chromium)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class Visit:
    """A browser context and page whose every request and websocket URL is recorded."""

    context: Any
    page: Any
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def assert_loopback(self, base_url: str) -> None:
        ws_url = base_url.replace("http://", "ws://", 1)
        outside = [
            u for u in self.urls if not (u.startswith(base_url + "/") or u.startswith(ws_url + "/"))
        ]
        assert not outside, f"requests left the loopback server: {outside}"
        assert not self.errors, f"errors in the page: {self.errors}"


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    """visit(width, height) -> Visit: a fresh context (no shared storage) and page."""
    opened: list[Visit] = []

    def open_page(width: int, height: int, *, scale: float = 1, mobile: bool = False) -> Visit:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=scale,
            is_mobile=mobile,
            has_touch=mobile,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        item = Visit(context, page)
        page.on("request", lambda request: item.urls.append(request.url))
        page.on("websocket", lambda socket: item.urls.append(socket.url))
        page.on("pageerror", lambda error: item.errors.append(str(error)))
        opened.append(item)
        return item

    yield open_page
    for item in opened:
        item.context.close()


def copy_to_docs(source: Path, name: str) -> None:
    """Keep a README screenshot in docs/images when HANGDOI_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("HANGDOI_UPDATE_SCREENSHOTS") == "1":
        target = Path(__file__).resolve().parents[2] / "docs" / "images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
