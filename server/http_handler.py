"""gevent's WSGI request handler, with two costs of every request taken out.

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

    def get(self, name: str, failobj: Any = None) -> Any:  # type: ignore[override]
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


class FastHeadersHandler(WSGIHandler):
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

    def _sendall(self, data: bytes) -> None:
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

