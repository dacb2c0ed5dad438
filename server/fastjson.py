"""JSON in and out through orjson: Flask's answers and request bodies, Socket.IO packets
and the event log's JSON columns.

The output is what the standard library gave before (UTF-8 text, Vietnamese unescaped,
keys in their order, dates in Flask's format; tests/server/test_fastjson.py holds it to
Flask's own provider and to json.dumps), several times faster: encoding was a tenth of
the server's CPU when issuing tickets (bench/issue.py, py-spy; commit "Faster issue
path: orjson for HTTP, Socket.IO and the event log").

Why not flask-orjson (Pallets Community Ecosystem, 2.0.0 of January 2024, the one Flask
provider on PyPI with a maintainer of note): it formats dates as ISO 8601 instead of
Flask's HTTP dates, ignores ``compact`` (no indented answers in debug mode) and answers
without Flask's final newline, so answers would change; and Socket.IO and SQLAlchemy
would still need the two functions below. What is left of ours uses only Flask's public
provider API (``dumps``, ``loads``, ``default``).
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

# Datetimes go through Flask's own conversion (HTTP dates), as with the standard library;
# integer keys become strings, as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, *_args: Any, **_kwargs: Any) -> str:
    """json.dumps(obj, ensure_ascii=False, separators=(",", ":")), for Socket.IO and SQLAlchemy."""
    return orjson.dumps(obj, default=DefaultJSONProvider.default, option=OPTIONS).decode()


def loads(data: str | bytes, *_args: Any, **_kwargs: Any) -> Any:
    return orjson.loads(data)


def isoformat(value: dt.datetime) -> str:
    """``value.isoformat()``, made by orjson: a fifth of the time (1.6 µs for a UTC time
    here; an issued ticket's answer, events and queue rows hold seven). The same text for
    every offset of whole minutes, which every zone has had since 1970 (orjson rounds the
    seconds of a 19th-century local mean time's offset)."""
    return orjson.dumps(value)[1:-1].decode()


def isoformat_seconds(value: dt.datetime) -> str:
    """``value.isoformat(timespec="seconds")``, made by orjson."""
    return orjson.dumps(value, option=orjson.OPT_OMIT_MICROSECONDS)[1:-1].decode()


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider on orjson, answering as Flask's does: indented in debug mode
    (or with ``compact = False``), compact otherwise, with a final newline.

    ``response`` hands orjson's UTF-8 bytes to the response as they are: Flask's own
    decodes them to text and Werkzeug encodes that again (for an issued ticket, with its
    Vietnamese wait text, 18k instructions of 2M; bench/profile_issue.py under callgrind).
    """

    ensure_ascii = False
    sort_keys = False

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # Held weakly, as Flask's provider holds it: the app holds its provider.
        self._answering_app = weakref.proxy(app)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        option = OPTIONS | orjson.OPT_INDENT_2 if kwargs.get("indent") else OPTIONS
        return orjson.dumps(obj, default=self.default, option=option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        # The arguments as jsonify takes them: one value, several (a list) or keywords.
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = (args[0] if len(args) == 1 else list(args)) if args else (kwargs or None)
        option = OPTIONS | orjson.OPT_APPEND_NEWLINE
        app = self._answering_app
        if self.compact is False or (self.compact is None and app.debug):
            option |= orjson.OPT_INDENT_2
        body = orjson.dumps(obj, default=self.default, option=option)
        return app.response_class(body, mimetype=self.mimetype)
