"""gevent's WSGI request handler: two faults of pywsgi mended, two costs of every request
taken out.

Faults (each test in tests/server/test_http_handler.py holds it to pywsgi's behaviour for
the same request without the fault's trigger):

- pywsgi takes any request carrying ``Connection: upgrade`` for a websocket handshake and
  hands the application the raw socket file as ``wsgi.input`` with
  ``wsgi.input_terminated = False``. Werkzeug tests that key for presence, not truth, and
  so reads a POST's body "to the end of the stream": the request hangs until the proxy
  that sent the header (nginx, configured for websockets on every request) gives up,
  with its transaction open. Only a websocket handshake (GET, ``Upgrade: websocket``,
  ``upgrade`` among the Connection tokens) is an upgrade here; every other request gets
  pywsgi's ordinary, terminated input. A handshake's environ has no
  ``wsgi.input_terminated`` at all, so that Werkzeug reads no body from it.
- After a websocket session the application returns without ever calling
  ``start_response`` (simple-websocket spoke on the socket itself), and pywsgi went on
  reading the connection for a next request: the client's closing frames, logged as an
  ERROR "Invalid HTTP method" on every close. A response that never started ends the
  connection.

Costs:

- pywsgi reads headers with ``http.client.parse_headers``, which goes through the
  ``email`` package's feed parser: about a tenth of the server's CPU when kiosks issue
  tickets (bench/issue.py). This reads the same lines, with the same limits, into the same
  message class, with a plain split; what pywsgi does with the headers is unchanged.
- pywsgi sends an answer's status line and headers, then its body, in two system calls,
  and gevent's ``sendall`` asks the kernel for the socket's buffer size on each. An answer
  that is not chunked (a few kilobytes) goes out with one ``send``, falling back to
  ``sendall`` only for what the socket did not take.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from gevent.pywsgi import OldMessage, WSGIHandler

MAX_LINE = 65536  # as http.client
MAX_HEADERS = 100


class Headers(OldMessage):
    """pywsgi's message class, answering ``get`` from a dict: the email package's ``get``
    walks every field and runs its policy on each, several times per request."""

    def __init__(self, fields: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self._headers = fields or []
        self._first: dict[str, str] = {}
        for name, value in self._headers:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, failobj: Any = None) -> Any:
        return self._first.get(name.lower(), failobj)

    getheader = get

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name, value)
        self._first.setdefault(name.lower(), value)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._first.pop(name.lower(), None)


def read_headers(rfile: BinaryIO) -> Headers:
    """The header block of a request, as pywsgi's message class. A malformed block gives
    a message with a ``status``, which pywsgi answers with 400, as it does for its own."""
    message = Headers()
    fields: list[tuple[str, str]] = []
    count = 0
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            message.status = "Line too long"
            return message
        if line in (b"\r\n", b"\n", b""):
            break
        count += 1
        if count > MAX_HEADERS:
            message.status = "Too many headers"
            return message
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):
            if not fields:
                message.status = "Bad header continuation"
                return message
            # Obsolete line folding: the continuation joins the previous value (RFC 9112 5.2).
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            message.status = "Bad header line"
            return message
        fields.append((name, value.strip()))
    return Headers(fields)


def is_websocket_handshake(method: str, headers: Any) -> bool:
    """RFC 6455 4.1: a GET whose Upgrade is websocket and whose Connection lists upgrade."""
    if method != "GET" or (headers.get("Upgrade") or "").strip().lower() != "websocket":
        return False
    return "upgrade" in (
        token.strip().lower() for token in (headers.get("Connection") or "").split(",")
    )


class FastHeadersHandler(WSGIHandler):
    # pywsgi's attributes, as it uses them: the status line as latin-1 bytes once the
    # answer has started (a text reason after a socket error), the status code.
    status: Any
    code: int

    def _connection_upgrade_requested(self) -> bool:
        return is_websocket_handshake(self.command, self.headers)

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        if environ.get("wsgi.input_terminated") is False:
            del environ["wsgi.input_terminated"]  # Werkzeug would take its presence for True
        return environ

    def handle_one_response(self) -> None:
        super().handle_one_response()
        if self.status is None:
            # The application never answered through WSGI: it took the socket over (a
            # websocket) and the connection carries no further HTTP request.
            self.close_connection = True

    def MessageClass(self, rfile: Any, *_args: Any) -> Headers:  # noqa: N802 - pywsgi's name
        return read_headers(rfile)

    def _headers(self) -> Iterator[tuple[str, str]]:
        # pywsgi's formats each field as a line and splits it again; folded lines are
        # joined already.
        for name, value in self.headers._headers:  # noqa: SLF001 - where Message keeps them
            if "_" in name:
                continue  # as pywsgi: an underscore could pass for a dash
            key = name.replace("-", "_").upper()
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                yield "HTTP_" + key, value

    def _write_with_headers(self, data: bytes) -> None:
        if self.response_use_chunked or not data:
            super()._write_with_headers(data)
            return
        # As pywsgi builds them (status and headers are latin-1 bytes already), with the body.
        self.headers_sent = True
        self.finalize_headers()
        towrite = bytearray(b"HTTP/1.1 ")
        towrite += self.status
        towrite += b"\r\n"
        for header, value in self.response_headers:
            towrite += header
            towrite += b": "
            towrite += value
            towrite += b"\r\n"
        towrite += b"\r\n"
        towrite += data
        self._sendall(towrite)

    def _sendall(self, data: bytes | bytearray) -> None:
        try:
            sent = self.socket.send(data)
            if sent < len(data):
                self.socket.sendall(memoryview(data)[sent:])
        except OSError as error:  # as pywsgi's own _sendall
            self.status = f"socket error: {error}"
            if self.code > 0:
                self.code = -self.code
            raise
        self.response_length += len(data)
