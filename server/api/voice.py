"""The sound of a call: ``GET /api/v1/voice/<site>/<digest>.wav?d=&p=&vi=[&en=]``, the
``audio_url`` of every ``ticket.called`` and ``ticket.recalled`` announcement.

Public: the URL is signed by the server (an HMAC under the install's secret key over what
is said), so it plays only what was announced, aloud, in the hall; a display's audio
player needs no credential. Any server process builds the file from the URL alone.
"""

from __future__ import annotations

from flask import Response, send_file
from marshmallow import Schema, fields

from server.api.base import PUBLIC, Blueprint, allow
from server.errors import not_found
from server.extensions import db
from server.services.voice import announce
from server.services.voice.settings import site_voice

blp = Blueprint("voice", __name__, url_prefix="/api/v1/voice", description="Announcements' sound")

IMMUTABLE = "public, max-age=31536000, immutable"


class AudioQuery(Schema):
    d = fields.String(required=True, metadata={"description": "Dialect: north or south."})
    p = fields.String(required=True, metadata={"description": "The voice pack's fingerprint."})
    vi = fields.String(required=True, metadata={"description": "The phrases said, joined by |."})
    en = fields.String(load_default="", metadata={"description": "The English announcement."})


@blp.route("/<int:site_id>/<digest>.wav", methods=["GET"])
@allow(PUBLIC)
@blp.arguments(AudioQuery, location="query")
@blp.response(200, content_type="audio/wav", description="A WAV file (PCM, mono, 22,050 Hz).")
def audio(query: dict, site_id: int, digest: str) -> Response:
    """The WAV file of a call's announcement: the chime, then the words. Built on the first
    request (well under a second), then served from the instance folder's cache."""
    settings = site_voice(db.session, site_id)
    found = announce.audio_file(
        announce.state(),
        site_id,
        settings.site_code,
        digest,
        query["d"],
        query["p"],
        query["vi"],
        query["en"],
    )
    if found is None:
        raise not_found("âm thanh", "audio", digest)
    response = send_file(found.path, mimetype="audio/wav", etag=found.etag, conditional=True)
    response.headers["Cache-Control"] = IMMUTABLE if found.immutable else "no-cache"
    response.headers["X-Hangdoi-Speech"] = found.speech
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
