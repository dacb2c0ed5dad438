"""The production server's request handler behaves as pywsgi's own: its header reader gives
pywsgi what its own parser gives, its one-send answer the same bytes; and where it mends a
fault of pywsgi's, it behaves as pywsgi does for the same request without the trigger."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import gevent
import pytest
from flask import Flask, request
from gevent import socket as gsocket
from gevent.pywsgi import WSGIHandler, WSGIServer, headers_factory

from server.http_handler import (
    MAX_HEADERS,
    MAX_LINE,
    FastHeadersHandler,
    is_websocket_handshake,
    read_headers,
)

BLOCKS = [
    b"Host: 127.0.0.1:5000\r\nContent-Length: 42\r\nContent-Type: application/json\r\n"
    b'Authorization: Bearer hdd_abc\r\nCookie: session=x.y.z\r\n\r\n{"service_id": 1}',
    b"Host: a\r\nX-Spaces:   padded value   \r\nX-Empty:\r\n\r\n",
    b"Host: a\r\nAccept: text/html\r\nAccept: application/json\r\n\r\n",
    b"Host: a\nConnection: keep-alive\n\n",  # bare LF line ends
    "X-Name: Nguyễn Văn A\r\n\r\n".encode(),  # bytes beyond ASCII, read as ISO-8859-1
    b"\r\n",
    b"",
]


@pytest.mark.parametrize("raw", BLOCKS)
def test_same_fields_as_pywsgi_parser(raw: bytes) -> None:
    ours, theirs = read_headers(io.BytesIO(raw)), headers_factory(io.BytesIO(raw))
    assert ours.status == theirs.status == ""
    assert [(k, v.strip()) for k, v in ours.items()] == [(k, v.strip()) for k, v in theirs.items()]
    for name in ("content-length", "Content-Type", "host", "authorization", "x-missing"):
        assert ours.get(name) == (
            theirs.get(name).strip() if theirs.get(name) is not None else None
        )
    assert ours.typeheader == (theirs.typeheader.strip() if theirs.typeheader else None)


def test_reads_no_further_than_the_blank_line() -> None:
    stream = io.BytesIO(BLOCKS[0])
    read_headers(stream)
    assert stream.read() == b'{"service_id": 1}'


def test_folded_lines_join_the_previous_value() -> None:
    message = read_headers(io.BytesIO(b"X-Long: first\r\n second\r\n\tthird\r\nHost: a\r\n\r\n"))
    assert message.get("x-long") == "first second third" and message.get("host") == "a"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"Host: a\r\n" + b"X: " + b"y" * MAX_LINE + b"\r\n\r\n", "Line too long"),
        (
            b"".join(b"X-%d: 1\r\n" % i for i in range(MAX_HEADERS + 1)) + b"\r\n",
            "Too many headers",
        ),
        (b" folded-first: 1\r\n\r\n", "Bad header continuation"),
        (b"no colon here\r\n\r\n", "Bad header line"),
        (b"Bad : space before colon\r\n\r\n", "Bad header line"),
    ],
)
def test_malformed_blocks_are_refused(raw: bytes, status: str) -> None:
    # pywsgi answers a message with a status with 400 Bad Request.
    assert read_headers(io.BytesIO(raw)).status == status


class _Server:
    """What a handler asks of its server while building the environ."""

    @staticmethod
    def get_environ() -> dict[str, str]:
        return {"SERVER_NAME": "test", "SERVER_PORT": "0"}


def _environ(handler_class: type, raw: bytes) -> dict[str, object]:
    rfile = io.BytesIO(raw)
    handler = handler_class(None, ("127.0.0.1", 5555), _Server(), rfile=rfile)
    handler.read_request(rfile.readline().decode("latin-1"))
    environ = handler.get_environ()
    return {k: v for k, v in environ.items() if k not in ("wsgi.input",)}


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /api/v1/tickets?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nAuthorization: Bearer hdd_x\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: a\r\nAccept: b\r\n"
        b"X_Underscore: dropped\r\nX-Folded: one\r\n two\r\n\r\n{}",
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    ],
)
def test_the_environ_is_the_one_pywsgi_builds(raw: bytes) -> None:
    ours, theirs = _environ(FastHeadersHandler, raw), _environ(WSGIHandler, raw)
    if "HTTP_X_FOLDED" in theirs:  # the one difference: a folded line is joined with a space
        assert ours.pop("HTTP_X_FOLDED") == "one two"
        theirs.pop("HTTP_X_FOLDED")
    assert ours == theirs


POST = (
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
    b'%s\r\n{"service_id": 1}'
)
PIPELINED = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"


def _read_body(handler_class: type, raw: bytes) -> bytes:
    """What Flask's request.get_data reads of `raw`'s body in the environ `handler_class` builds."""
    rfile = io.BytesIO(raw)
    handler = handler_class(None, ("127.0.0.1", 5555), _Server(), rfile=rfile)
    handler.read_request(rfile.readline().decode("latin-1"))
    environ = {"wsgi.url_scheme": "http", **handler.get_environ()}
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # as the server's
    with app.request_context(environ):
        return request.get_data()


def test_a_post_with_connection_upgrade_is_an_ordinary_request() -> None:
    # nginx configured for websockets sends "Connection: upgrade" on every request.
    plain, upgrade = POST % b"", POST % b"Connection: upgrade\r\n"
    ours = _environ(FastHeadersHandler, upgrade)
    assert ours.pop("HTTP_CONNECTION") == "upgrade"
    assert ours == _environ(WSGIHandler, plain)
    assert _read_body(FastHeadersHandler, upgrade + PIPELINED) == b'{"service_id": 1}'
    # pywsgi's own handler gives the raw stream, which Werkzeug reads past the body (on a
    # socket: until the client gives up).
    assert _read_body(WSGIHandler, upgrade + PIPELINED) == b'{"service_id": 1}' + PIPELINED


HANDSHAKE = (
    b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
    b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def test_a_websocket_handshake_keeps_the_raw_stream_but_no_body_is_read_from_it() -> None:
    ours, theirs = _environ(FastHeadersHandler, HANDSHAKE), _environ(WSGIHandler, HANDSHAKE)
    assert theirs.pop("wsgi.input_terminated") is False
    assert ours == theirs
    assert _read_body(FastHeadersHandler, HANDSHAKE + b"\x81\x82 frames") == b""


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {"Connection": "Upgrade", "Upgrade": "websocket"}, True),
        ("GET", {"Connection": "keep-alive, upgrade", "Upgrade": "WebSocket"}, True),
        ("GET", {"Connection": "upgrade"}, False),
        ("POST", {"Connection": "upgrade"}, False),
        ("POST", {"Connection": "upgrade", "Upgrade": "websocket"}, False),
        ("GET", {"Connection": "upgrade", "Upgrade": "h2c"}, False),
        ("GET", {"Connection": "keep-alive", "Upgrade": "websocket"}, False),
    ],
)
def test_only_a_websocket_handshake_is_an_upgrade(
    method: str, headers: dict[str, str], expected: bool
) -> None:
    message = read_headers(
        io.BytesIO("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n")
    )
    assert is_websocket_handshake(method, message) is expected


# ---------------------------------------------------------------- on a real gevent server


def _echo(environ: dict, start_response):  # type: ignore[no-untyped-def]
    """Answers with the length of the body Werkzeug reads; a websocket path takes the
    socket over and answers nothing through WSGI, as simple-websocket does."""
    if environ["PATH_INFO"] == "/takeover":
        stream = environ["wsgi.input"]  # the socket found as simple_websocket.Server finds it
        stream = getattr(stream, "rfile", stream)
        sock = stream.raw._sock.dup()
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        )
        sock.close()
        return []
    with Flask(__name__).request_context(environ):
        body = b"%d" % len(request.get_data())
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def _serving(handler_class: type) -> Iterator[tuple[WSGIServer, list[str]]]:
    errors: list[str] = []

    class Log:
        def error(self, message: str, *args: object) -> None:
            errors.append(message % args if args else message)

        write = error

    server = WSGIServer(
        ("127.0.0.1", 0), _echo, handler_class=handler_class, log=None, error_log=Log()
    )
    server.start()
    try:
        yield server, errors
    finally:
        server.stop(timeout=1)


def _exchange(server: WSGIServer, raw: bytes, *, wait: float = 2.0) -> bytes:
    """Send `raw` on a kept-alive connection; what came back within `wait` seconds."""
    with gsocket.create_connection(("127.0.0.1", server.server_port)) as sock:
        sock.sendall(raw)
        received = b""
        with gevent.Timeout(wait, False):
            while b"\r\n\r\n" not in received or not received.endswith((b"17", b"0")):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        return received


def test_a_kept_alive_post_with_connection_upgrade_is_answered_at_once() -> None:
    with _serving(FastHeadersHandler) as (server, errors):
        answer = _exchange(server, POST % b"Connection: upgrade\r\n", wait=5)
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\n17"), answer
    assert errors == []
    with _serving(WSGIHandler) as (server, _errors):
        # pywsgi's own handler: no answer while the client keeps the connection open.
        assert _exchange(server, POST % b"Connection: upgrade\r\n", wait=0.5) == b""


def test_a_connection_taken_over_is_not_read_for_a_next_request() -> None:
    closing_frames = (
        b"\x81\x82]e\xbcziT\x88\x82\xf6\x16F;\xf5\xfe"  # what a client sends as it closes
    )
    raw = HANDSHAKE.replace(b"/socket.io/?EIO=4&transport=websocket", b"/takeover") + closing_frames
    with _serving(FastHeadersHandler) as (server, errors):
        assert _exchange(server, raw).startswith(b"HTTP/1.1 101 ")
        gevent.sleep(0.1)
    assert errors == []
    with _serving(WSGIHandler) as (server, errors):
        _exchange(server, raw)
        gevent.sleep(0.1)
    assert any("Invalid HTTP method" in line for line in errors), errors


def test_the_answer_is_the_bytes_pywsgi_sends() -> None:
    def without_date(answer: bytes) -> bytes:
        return b"\r\n".join(
            line for line in answer.split(b"\r\n") if not line.startswith(b"Date: ")
        )

    answers = []
    for handler_class in (FastHeadersHandler, WSGIHandler):
        with _serving(handler_class) as (server, _errors):
            answers.append(without_date(_exchange(server, POST % b"")))
    assert answers[0] == answers[1] and answers[0].endswith(b"\r\n\r\n17")
