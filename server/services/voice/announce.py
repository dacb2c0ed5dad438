"""A call's announcement: what the payload carries (the text, the spoken words, a signed
``audio_url``, how it will sound) and the WAV file behind the URL.

The URL carries what is said (the phrases, the English sentence, the dialect, the pack's
fingerprint) and an HMAC of it under the app's secret key, so that any server process of
the install (they share the key) can build the file from the URL alone, and nobody can
have the server say words it did not announce. The file is content-addressed: its name is
that HMAC, it never changes, and it is cached in ``<instance>/voice/cache``.

Sound, in order of preference: the site's pack has a clip for every phrase (``clips``:
chime, then the clips); else espeak-ng says the whole sentence (``espeak``); else the chime
alone and displays show the text (``none``). The payload's ``speech`` says which.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import DEFAULT_TEMPLATE_VI, Counter, Site, Ticket
from server.services.voice import audio, pack
from server.services.voice.numbers import Dialect
from server.services.voice.settings import VoiceSettings, site_voice
from server.services.voice.words import clip_key, render_text, spoken

log = logging.getLogger(__name__)

_STATE = "hangdoi_voice"
PACK_TTL_SECONDS = 10.0
MAX_CLIPS_IN_MEMORY = 2048
# Built files older than this are removed (and built again when asked for).
CACHE_MAX_AGE_SECONDS = 14 * 86400
PRUNE_EVERY_SECONDS = 3600.0
AUDIO_PATH = "/api/v1/voice/{site_id}/{digest}.wav"
PHRASE_SEPARATOR = "|"

CLIPS, ESPEAK, NONE = "clips", "espeak", "none"
_DIGEST = re.compile(r"[0-9a-f]{32}")


@dataclass
class VoiceState:
    """Per app: where packs and built files live, the signing key, espeak-ng, and caches."""

    instance: Path
    secret: bytes
    espeak: str | None
    packs: TTLCache[tuple[str, Dialect], pack.Pack] = field(
        default_factory=lambda: TTLCache(1024, PACK_TTL_SECONDS)
    )
    clips: OrderedDict[tuple[str, int, int], audio.array] = field(default_factory=OrderedDict)
    digests: dict[tuple[str, int, int], str] = field(default_factory=dict)  # of pack.scan
    lock: threading.Lock = field(default_factory=threading.Lock)
    pruned_at: float = 0.0
    # The background preparation an administrator's change started (prepare_soon).
    preparer: threading.Thread | None = None
    prepare_again: bool = False

    @property
    def cache_folder(self) -> Path:
        return pack.folder(self.instance) / "cache"


def init_app(app: Flask) -> None:
    configured = app.config.get("ESPEAK_NG")
    if configured is False or (isinstance(configured, str) and not configured.strip()):
        espeak = None
    elif isinstance(configured, str):
        espeak = configured
    else:
        espeak = pack.espeak_executable()
    secret = app.config["SECRET_KEY"]
    app.extensions[_STATE] = VoiceState(
        instance=Path(app.instance_path),
        secret=secret.encode() if isinstance(secret, str) else bytes(secret),
        espeak=espeak,
    )


def state(app: Flask | None = None) -> VoiceState:
    return (app or current_app).extensions[_STATE]


def site_pack(voice: VoiceState, site_code: str, dialect: Dialect) -> pack.Pack:
    """The clips a site hears, rescanned at most every PACK_TTL_SECONDS."""
    key = (site_code, dialect)
    with voice.lock:
        found = voice.packs.get(key)
    if found is None:
        with voice.lock:
            digests = dict(voice.digests)
        found = pack.scan(pack.site_folders(voice.instance, site_code, dialect), digests)
        with voice.lock:
            voice.packs[key] = found
            voice.digests.update(digests)
    return found


def clip_keys(found: pack.Pack, phrases: tuple[str, ...]) -> list[str] | None:
    """The clips that say `phrases`: each phrase's own, or else one per word of it; None
    when some word has no clip."""
    keys: list[str] = []
    for phrase in phrases:
        key = clip_key(phrase)
        if found.has(key):
            keys.append(key)
            continue
        words = key.split()
        if not words or not all(found.has(w) for w in words):
            return None
        keys += words
    return keys


def _speech(voice: VoiceState, found: pack.Pack, phrases: tuple[str, ...]) -> str:
    if clip_keys(found, phrases) is not None:
        return CLIPS
    return ESPEAK if voice.espeak else NONE


def _digest(
    voice: VoiceState, site_id: int, dialect: str, fingerprint: str, vi: str, en: str
) -> str:
    message = "\n".join((str(site_id), dialect, fingerprint, vi, en)).encode()
    return hmac.new(voice.secret, message, hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """`text` for a query string; the same few hundred phrases and words make every call."""
    return quote(text, safe="")


def announcement(session: Session, ticket: Ticket, counter: Counter) -> dict[str, object]:
    """contract.events.Announcement of a call of `ticket` at `counter`."""
    settings = site_voice(session, ticket.site_id)
    return announcement_of(
        state(), settings, ticket.number, ticket.series_id, counter.number, counter.spoken_name
    )


def announcement_of(
    voice: VoiceState,
    settings: VoiceSettings,
    number: str,
    series_id: int,
    counter_number: int,
    counter_name: str | None,
) -> dict[str, object]:
    said = spoken(
        settings.template_vi,
        number,
        counter_number,
        dialect=settings.dialect,
        reading=settings.reading(series_id),
        counter_name=counter_name,
    )
    text_en = render_text(settings.template_en, number, str(counter_number))
    found = site_pack(voice, settings.site_code, settings.dialect)
    english = text_en if settings.english and voice.espeak else ""
    vi = PHRASE_SEPARATOR.join(said.phrases)
    digest = _digest(voice, settings.site_id, settings.dialect, found.fingerprint, vi, english)
    query = f"d={settings.dialect.value}&p={found.fingerprint}&vi=" + _quoted(
        PHRASE_SEPARATOR
    ).join(map(_quoted, said.phrases))
    if english:
        query += "&en=" + _quoted(english)
    return {
        "text_vi": render_text(settings.template_vi, number, str(counter_number)),
        "text_en": text_en,
        "spoken_vi": said.text,
        "audio_url": AUDIO_PATH.format(site_id=settings.site_id, digest=digest) + "?" + query,
        "speech": _speech(voice, found, said.phrases),
        "repeat": settings.repeat,
    }


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class AudioFile:
    path: Path
    etag: str
    immutable: bool  # built with the pack the URL names (else: with today's, not cached long)
    speech: str


def _clip(voice: VoiceState, path: Path) -> audio.array:
    """A clip as samples: generated clips are read as they are, recorded ones prepared
    (trimmed, normalised, converted) once per process while their file is unchanged."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with voice.lock:
        samples = voice.clips.get(key)
        if samples is not None:
            voice.clips.move_to_end(key)
            return samples
    samples = audio.read_wav(path)
    if pack.folder(voice.instance) / "generated" not in path.parents:
        samples = audio.prepare(samples)
    with voice.lock:
        voice.clips[key] = samples
        while len(voice.clips) > MAX_CLIPS_IN_MEMORY:
            voice.clips.popitem(last=False)
    return samples


def _english(voice: VoiceState, text: str) -> audio.array | None:
    if not text or not voice.espeak:
        return None
    try:
        return audio.espeak(voice.espeak, pack.ESPEAK_ENGLISH, text)
    except (OSError, audio.AudioError, ValueError) as error:
        log.warning("voice: espeak-ng could not say the English announcement: %s", error)
        return None


def build(
    voice: VoiceState, found: pack.Pack, dialect: Dialect, phrases: tuple[str, ...], english: str
) -> tuple[audio.array, str]:
    """The samples of a call and how it was made (CLIPS, ESPEAK or NONE)."""
    keys = clip_keys(found, phrases)
    if keys is not None:
        try:
            return audio.join(
                (_clip(voice, found.clips[k]) for k in keys), english=_english(voice, english)
            ), CLIPS
        except (OSError, audio.AudioError) as error:
            log.warning("voice: a clip could not be read (%s); espeak-ng says the call", error)
    if voice.espeak:
        sentence = " ".join(pack.speakable(p) for p in phrases)
        try:
            said = audio.espeak(voice.espeak, pack.ESPEAK_VOICES[dialect], sentence)
            return audio.join([said], english=_english(voice, english)), ESPEAK
        except (OSError, audio.AudioError, ValueError) as error:
            log.warning("voice: espeak-ng failed (%s); the chime alone", error)
    return audio.join([]), NONE


def audio_file(
    voice: VoiceState,
    site_id: int,
    site_code: str,
    digest: str,
    dialect: str,
    fingerprint: str,
    vi: str,
    en: str,
) -> AudioFile | None:
    """The WAV file of a signed audio_url, built (once per install and pack) when missing;
    None when the signature is wrong."""
    if not _DIGEST.fullmatch(digest) or dialect not in {d.value for d in Dialect}:
        return None
    expected = _digest(voice, site_id, dialect, fingerprint, vi, en)
    if not hmac.compare_digest(expected.encode(), digest.encode()):
        return None
    found = site_pack(voice, site_code, Dialect(dialect))
    immutable = found.fingerprint == fingerprint
    name = digest if immutable else _digest(voice, site_id, dialect, found.fingerprint, vi, en)
    path = voice.cache_folder / f"{name}.wav"
    phrases = tuple(vi.split(PHRASE_SEPARATOR)) if vi else ()
    speech = _speech(voice, found, phrases)
    if not path.exists():
        samples, speech = build(voice, found, Dialect(dialect), phrases, en)
        audio.write_atomically(path, audio.wav_bytes(samples))
        _prune_now_and_then(voice)
    return AudioFile(path, name, immutable, speech)


def _prune_now_and_then(voice: VoiceState) -> None:
    now = time.monotonic()
    if now - voice.pruned_at < PRUNE_EVERY_SECONDS:
        return
    voice.pruned_at = now
    prune(voice.cache_folder, CACHE_MAX_AGE_SECONDS)


def prune(folder: Path, max_age_seconds: float) -> int:
    """Remove built files older than `max_age_seconds`; any process builds them again."""
    removed = 0
    limit = time.time() - max_age_seconds
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.name.endswith(".wav") and entry.stat().st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


# --------------------------------------------------------------------------- preparing packs


def prepare(session: Session, voice: VoiceState, *, force: bool = False) -> dict[str, int]:
    """Make the default voice pack with espeak-ng for the dialects the sites use (the
    North always): the number words, the letters and the phrases of every site's wording
    (and the default wording). Returns the clips made per dialect; nothing when espeak-ng
    is missing."""
    if not voice.espeak:
        return {}
    templates = {DEFAULT_TEMPLATE_VI}
    dialects = {Dialect.NORTH}
    for template, dialect in session.execute(select(Site.voice_template_vi, Site.voice_dialect)):
        templates.add(template)
        dialects.add(Dialect(dialect))
    made = {
        dialect.value: pack.generate(
            voice.instance,
            dialect,
            pack.phrases_needed(sorted(templates), dialect),
            voice.espeak,
            force=force,
        )
        for dialect in sorted(dialects)
    }
    with voice.lock:
        voice.packs.clear()
    prune(voice.cache_folder, CACHE_MAX_AGE_SECONDS)
    return made


def prepare_in_background(app: Flask) -> threading.Thread:
    """:func:`prepare` in a thread (a greenlet under gevent), for a server that starts: it
    serves meanwhile, and calls whose clips are not made yet are said by espeak-ng."""

    def run() -> None:
        with app.app_context():
            try:
                made = prepare(db.session, state(app))
                if any(made.values()):
                    log.info("voice: default pack prepared (%s)", made)
                audio.chime()  # made once per process, before the first call needs it
            except Exception:  # a server without its pack still announces (espeak-ng)
                log.exception("voice: the default pack could not be prepared")
            finally:
                db.scoped.remove()

    thread = threading.Thread(target=run, name="hangdoi-voice-prepare", daemon=True)
    thread.start()
    return thread


def prepare_soon(app: Flask) -> threading.Thread | None:
    """:func:`prepare` in the background after an administrator changed a site's wording
    or dialect (the clips of a new dialect take seconds of espeak-ng; the request does not
    wait). One run at a time per process: a change made during a run makes it run once
    more. Returns the thread when one was started; None without espeak-ng or when the
    running one will run again."""
    voice = state(app)
    if not voice.espeak:
        return None
    with voice.lock:
        if voice.preparer is not None:
            voice.prepare_again = True
            return None

        def run() -> None:
            while True:
                with app.app_context():
                    try:
                        made = prepare(db.session, voice)
                        if any(made.values()):
                            log.info("voice: clips of a new wording or dialect made (%s)", made)
                    except Exception:  # the calls are said by espeak-ng meanwhile
                        log.exception("voice: the clips of a changed wording were not made")
                    finally:
                        db.scoped.remove()
                with voice.lock:
                    if not voice.prepare_again:
                        voice.preparer = None
                        return
                    voice.prepare_again = False

        thread = threading.Thread(target=run, name="hangdoi-voice-prepare-change", daemon=True)
        voice.preparer = thread
        voice.prepare_again = False
    thread.start()
    return thread
