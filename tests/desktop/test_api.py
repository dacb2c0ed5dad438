"""desktop.api: every failure is one ApiError with both languages, against the real server;
and desktop.health, a device's reports through it."""

from __future__ import annotations

import socket
import threading
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from desktop import i18n
from desktop.api import BAD_RESPONSE, BAD_URL, TIMEOUT, UNREACHABLE, ApiClient, ApiError
from desktop.health import HealthReporter
from tests.server.live import DEMO_OFFICER_PASSWORD, LiveServer, free_port


def test_login_me_and_logout_then_the_token_is_refused(server: LiveServer) -> None:
    client = ApiClient(server.url)
    answer = client.login("canbo01", DEMO_OFFICER_PASSWORD, label="test")
    token = answer["token"]
    assert client.me()["role"] == "officer"
    client.logout()
    again = ApiClient(server.url, token)
    with pytest.raises(ApiError) as caught:
        again.me()
    assert caught.value.status == 401 and caught.value.unauthorized
    assert caught.value.message_vi and caught.value.message_en


def test_a_wrong_password_is_the_servers_bilingual_error(server: LiveServer) -> None:
    with pytest.raises(ApiError) as caught:
        ApiClient(server.url).login("canbo01", "wrong password")
    error = caught.value
    assert error.status == 401 and error.code == "bad_credentials"
    assert unicodedata.is_normalized("NFC", error.message_vi)
    assert error.message("vi") == error.message_vi != error.message("en") == error.message_en
    i18n.set_language("en")
    assert error.message() == error.message_en


def test_a_move_the_state_does_not_allow_is_a_409_with_its_message(server: LiveServer) -> None:
    client = ApiClient(server.url)
    client.login("canbo02", DEMO_OFFICER_PASSWORD)
    counter_id = 2
    client.post(f"/counters/{counter_id}/open")
    try:
        with pytest.raises(ApiError) as caught:
            client.post(f"/counters/{counter_id}/start")  # nothing called yet
        assert caught.value.conflict and caught.value.code
        assert "quầy" in caught.value.message_vi.lower() or caught.value.message_vi
    finally:
        client.post(f"/counters/{counter_id}/close")


def test_a_server_that_is_not_running_is_unreachable() -> None:
    with pytest.raises(ApiError) as caught:
        ApiClient(f"http://127.0.0.1:{free_port()}").health()
    assert caught.value.status == 0 and caught.value.code == UNREACHABLE and caught.value.offline
    assert "Không kết nối được" in caught.value.message_vi


@pytest.mark.parametrize("url", ["", "ftp://x", "http://", "http://host:port", "http://[::1"])
def test_a_bad_address_is_said_before_any_call(url: str) -> None:
    with pytest.raises(ApiError) as caught:
        ApiClient(url)
    assert caught.value.code == BAD_URL and caught.value.status == 0


def test_an_address_as_typed_is_completed() -> None:
    assert ApiClient(" 127.0.0.1:8000/ ").base_url == "http://127.0.0.1:8000"


class _Silent:
    """A socket that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]


def test_a_server_that_does_not_answer_is_a_timeout() -> None:
    silent = _Silent()
    try:
        with pytest.raises(ApiError) as caught:
            ApiClient(f"http://127.0.0.1:{silent.port}", timeout=0.3).health()
        assert caught.value.code == TIMEOUT and caught.value.offline
    finally:
        silent.sock.close()


class _NotJson(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<html>router login</html>"
        self.send_response(200 if self.path.endswith("/health") else 502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_json() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _NotJson)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ["/health", "/sites"])
def test_an_answer_that_is_not_json_is_a_bad_response(not_json: str, path: str) -> None:
    with pytest.raises(ApiError) as caught:
        ApiClient(not_json).get(path)
    assert caught.value.code == BAD_RESPONSE
    assert caught.value.status in (200, 502)


def test_a_request_carries_the_headers_it_is_given(server: LiveServer) -> None:
    # The kiosk sends an Idempotency-Key with each ticket request (and the same one on a
    # retry): the same ticket comes back.
    client = ApiClient(server.url, server.kiosk_token)

    def issue() -> dict:
        return client.request(
            "POST", "/tickets", json={"service_id": 1}, headers={"Idempotency-Key": "k-1"}
        )

    first, again = issue(), issue()
    assert again == first
    assert client.session.headers.get("Idempotency-Key") is None  # for that request only


# ------------------------------------------------------------------ desktop.health


def test_a_device_reports_its_health_on_change_and_is_listed(qtbot, server: LiveServer) -> None:
    display = next(d for d in server.devices if d["kind"] == "display")
    reporter = HealthReporter(ApiClient(server.url, str(display["token"])), "9.9.9")
    reporter.start(every_ms=60_000)
    qtbot.waitUntil(lambda: reporter.sent is not None, timeout=10_000)
    reporter.update(last_error="Mất kết nối loa")
    qtbot.waitUntil(
        lambda: (reporter.sent or {}).get("last_error") == "Mất kết nối loa", timeout=10_000
    )
    manager = server.login("lanhdao", "lanhdao123")
    listed = requests.get(
        server.url + "/api/v1/sites/1/devices",
        headers={"Authorization": f"Bearer {manager}"},
        timeout=10,
    ).json()
    [row] = [d for d in listed if d["name"] == display["name"]]
    assert (
        row["app_version"] == "9.9.9" and row["online"] and row["last_error"] == "Mất kết nối loa"
    )
    reporter.stop()


def test_a_refused_token_is_said(qtbot, server: LiveServer) -> None:
    reporter = HealthReporter(ApiClient(server.url, "hdd_revoked-or-never-was"), "1")
    with qtbot.waitSignal(reporter.refused, timeout=10_000):
        reporter.start()
    reporter.stop()
