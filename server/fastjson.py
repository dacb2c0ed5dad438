"""JSON in and out through orjson: Flask's answers and request bodies, Socket.IO packets
and the event log's JSON columns.

The output is what the standard library gave before (UTF-8 text, Vietnamese unescaped,
keys in their order, dates in Flask's format), several times faster: encoding was a
tenth of the server's CPU when issuing tickets (bench/issue.py).
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Response
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
    """Flask's JSON provider on orjson (pretty-printed in debug mode, like Flask's)."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default, option=self._options()).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=self._options() | orjson.OPT_APPEND_NEWLINE)
        # The provider's app is typed as sansio's App; a Flask app's response class takes a body.
        response_class = cast("type[Response]", self._app.response_class)
        return response_class(body, mimetype=self.mimetype)

    def _options(self) -> int:
        if self.compact is False or (self.compact is None and self._app.debug):
            return OPTIONS | orjson.OPT_INDENT_2
        return OPTIONS
