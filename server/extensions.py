"""The database extension, created here and bound to the app in :func:`server.create_app`
(the API's is :data:`server.api.api`)."""

from __future__ import annotations

from server.db import Database

db = Database()
