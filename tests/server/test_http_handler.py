"""The production server's header reader gives pywsgi what its own parser gives."""

from __future__ import annotations

import io

import pytest
from gevent.pywsgi import headers_factory

from server.http_handler import MAX_HEADERS, MAX_LINE, read_headers

BLOCKS = [
    b"Host: 127.0.0.1:5000\r\nContent-Length: 42\r\nContent-Type: application/json\r\n"
    b"Authorization: Bearer hdd_abc\r\nCookie: session=x.y.z\r\n\r\n{\"service_id\": 1}",
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
        assert ours.get(name) == (theirs.get(name).strip() if theirs.get(name) is not None else None)
    assert ours.typeheader == (theirs.typeheader.strip() if theirs.typeheader else None)


def test_reads_no_further_than_the_blank_line() -> None:
    stream = io.BytesIO(BLOCKS[0])
    read_headers(stream)
    assert stream.read() == b'{"service_id": 1}'


def test_folded_lines_join_the_previous_value() -> None:
    message = read_headers(io.BytesIO(b"X-Long: first\r\n second\r\n\tthird\r\nHost: a\r\n\r\n"))
    assert message.get("x-long") == "first second third" and message.get("host") == "a"


@pytest.mark.parametrize(("raw", "status"), [
    (b"Host: a\r\n" + b"X: " + b"y" * MAX_LINE + b"\r\n\r\n", "Line too long"),
    (b"".join(b"X-%d: 1\r\n" % i for i in range(MAX_HEADERS + 1)) + b"\r\n", "Too many headers"),
    (b" folded-first: 1\r\n\r\n", "Bad header continuation"),
    (b"no colon here\r\n\r\n", "Bad header line"),
    (b"Bad : space before colon\r\n\r\n", "Bad header line"),
])
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


@pytest.mark.parametrize("raw", [
    b"POST /api/v1/tickets?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\nAuthorization: Bearer hdd_x\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: a\r\nAccept: b\r\n"
    b"X_Underscore: dropped\r\nX-Folded: one\r\n two\r\n\r\n{}",
    b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
])
def test_the_environ_is_the_one_pywsgi_builds(raw: bytes) -> None:
    from gevent.pywsgi import WSGIHandler

    from server.http_handler import FastHeadersHandler

    ours, theirs = _environ(FastHeadersHandler, raw), _environ(WSGIHandler, raw)
    if "HTTP_X_FOLDED" in theirs:  # the one difference: a folded line is joined with a space
        assert ours.pop("HTTP_X_FOLDED") == "one two"
        theirs.pop("HTTP_X_FOLDED")
    assert ours == theirs
