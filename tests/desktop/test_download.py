"""ApiClient.download: a file the server serves (an announcement's audio), by path or URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from desktop.api import UNREACHABLE, ApiClient, ApiError
from tests.server.live import free_port


class _Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        if self.path == "/api/v1/sites/1/voice/abc.wav":
            body = b"RIFF....WAVE"
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def files() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_path_is_joined_to_the_server_and_a_full_url_is_used_as_it_is(files: str) -> None:
    client = ApiClient(files)
    assert client.download("/api/v1/sites/1/voice/abc.wav") == b"RIFF....WAVE"
    assert client.download(files + "/api/v1/sites/1/voice/abc.wav") == b"RIFF....WAVE"


def test_a_missing_file_or_server_is_an_api_error(files: str) -> None:
    with pytest.raises(ApiError) as missing:
        ApiClient(files).download("/nothing.wav")
    assert missing.value.status == 404 and missing.value.message_vi and missing.value.message_en
    with pytest.raises(ApiError) as down:
        ApiClient(f"http://127.0.0.1:{free_port()}").download("/api/v1/x.wav")
    assert down.value.status == 0 and down.value.code == UNREACHABLE
