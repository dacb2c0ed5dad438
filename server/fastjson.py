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

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Datetimes go through Flask's own conversion (HTTP dates), as with the standard library;
# integer keys become strings, as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, *_args: Any, **_kwargs: Any) -> str:
    """json.dumps(obj, ensure_ascii=False, separators=(",", ":")), for Socket.IO and SQLAlchemy."""
    return orjson.dumps(obj, default=DefaultJSONProvider.default, option=OPTIONS).decode()


def loads(data: str | bytes, *_args: Any, **_kwargs: Any) -> Any:
    return orjson.loads(data)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider on orjson. Its ``response`` is Flask's, which asks ``dumps``
    for an indented document in debug mode (``indent``), a compact one otherwise."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        option = OPTIONS | orjson.OPT_INDENT_2 if kwargs.get("indent") else OPTIONS
        return orjson.dumps(obj, default=self.default, option=option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)
