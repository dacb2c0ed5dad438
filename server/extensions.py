"""Extensions, created here and bound to the app in :func:`server.create_app`."""

from __future__ import annotations

from server.api.base import HangdoiApi
from server.db import Database

db = Database()
api = HangdoiApi()
