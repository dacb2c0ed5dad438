"""A site's voice settings: the announcement's wording (Vietnamese, and English when the
site wants a second announcement), the dialect its numbers are read in, how many times a
display plays a call, and how each number series reads its numbers.

Read on every call, so through a short per-app cache like the catalogue's
(:data:`TTL_SECONDS`); :func:`update` validates and writes them (the administration
pages and the command line use it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import write_transaction
from server.errors import InvalidInput, not_found
from server.models import NumberSeries, Site
from server.services.voice.numbers import Dialect, Reading
from server.services.voice.words import TemplateError, check_template, clip_key, nfc

TTL_SECONDS = 10.0
MAX_REPEAT = 5
MAX_SPOKEN_NAME = 100  # Counter.spoken_name
_CACHE = "hangdoi_voice_settings"


@dataclass(frozen=True)
class VoiceSettings:
    site_id: int
    site_code: str
    template_vi: str
    template_en: str
    english: bool
    dialect: Dialect
    repeat: int
    readings: dict[int, Reading]  # number series id -> how its numbers are read

    def reading(self, series_id: int) -> Reading:
        return self.readings.get(series_id, Reading.NUMBER)

    def public(self) -> dict[str, Any]:
        """As the site payload shows them (GET /api/v1/sites/<id>: ``voice``)."""
        return {
            "template_vi": self.template_vi,
            "template_en": self.template_en,
            "english": self.english,
            "dialect": self.dialect.value,
            "repeat": self.repeat,
        }


@dataclass
class _Cache:
    entries: TTLCache[int, VoiceSettings] = field(
        default_factory=lambda: TTLCache(4096, TTL_SECONDS)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = _Cache()


def invalidate(app: Flask | None = None) -> None:
    """Forget every cached site of `app` (the current app by default): an administrator's
    change does so at once in its own process, and every other process when catalog.changed
    reaches it (server.realtime), as for the catalogue's cache."""
    cache: _Cache = (app or current_app).extensions[_CACHE]
    with cache.lock:
        cache.entries.clear()


def of_site(session: Session, site: Site) -> VoiceSettings:
    """A site's settings from its row (no cache)."""
    readings = {
        series_id: Reading(reading)
        for series_id, reading in session.execute(
            select(NumberSeries.id, NumberSeries.voice_reading).where(
                NumberSeries.site_id == site.id
            )
        )
    }
    return VoiceSettings(
        site_id=site.id,
        site_code=site.code,
        template_vi=site.voice_template_vi,
        template_en=site.voice_template_en,
        english=site.voice_english,
        dialect=Dialect(site.voice_dialect),
        repeat=site.voice_repeat,
        readings=readings,
    )


def site_voice(session: Session, site_id: int) -> VoiceSettings:
    """A site's settings, at most :data:`TTL_SECONDS` old."""
    cache: _Cache = current_app.extensions[_CACHE]
    with cache.lock:
        settings = cache.entries.get(site_id)
    if settings is not None:
        return settings
    site = session.get(Site, site_id)
    if site is None:
        raise not_found("điểm phục vụ", "site", site_id)
    settings = of_site(session, site)
    with cache.lock:
        cache.entries[site_id] = settings
    return settings


def _invalid(field_name: str, message_vi: str, message_en: str) -> InvalidInput:
    return InvalidInput("invalid_voice_setting", message_vi, message_en, field=field_name)


def validated(
    *,
    template_vi: str | None = None,
    template_en: str | None = None,
    english: bool | None = None,
    dialect: str | None = None,
    repeat: int | None = None,
) -> dict[str, Any]:
    """The given settings as the site's columns, checked; InvalidInput (422) names the field."""
    values: dict[str, Any] = {}
    for name, template in (("template_vi", template_vi), ("template_en", template_en)):
        if template is not None:
            try:
                values[f"voice_{name}"] = check_template(template)
            except TemplateError as error:
                raise _invalid(name, error.message_vi, error.message_en) from error
    if english is not None:
        values["voice_english"] = bool(english)
    if dialect is not None:
        if dialect not in {d.value for d in Dialect}:
            raise _invalid(
                "dialect",
                "Giọng đọc số phải là north (miền Bắc) hoặc south (miền Nam).",
                "The dialect must be north or south.",
            )
        values["voice_dialect"] = dialect
    if repeat is not None:
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise _invalid(
                "repeat",
                f"Số lần đọc mỗi lượt gọi phải từ 1 đến {MAX_REPEAT}.",
                f"Each call is played 1 to {MAX_REPEAT} times.",
            )
        values["voice_repeat"] = repeat
    return values


def update(session: Session, site_id: int, **settings: Any) -> VoiceSettings:
    """Validate and save a site's voice settings (those given); they reach the calls within
    :data:`TTL_SECONDS` in every process."""
    values = validated(**settings)
    with write_transaction(session):
        site = session.get(Site, site_id)
        if site is None:
            raise not_found("điểm phục vụ", "site", site_id)
        for column, value in values.items():
            setattr(site, column, value)
    return of_site(session, site)


def validated_reading(reading: str) -> str:
    """How a number series' numbers are read aloud, checked: "number" or "digits"."""
    if reading not in {r.value for r in Reading}:
        raise _invalid(
            "reading",
            "Cách đọc số phải là number (đọc thành số) hoặc digits (đọc từng chữ số).",
            "The reading must be number or digits.",
        )
    return reading


def validated_spoken_name(name: str | None) -> str | None:
    """What a counter is announced as instead of its number, checked: NFC, at most
    :data:`MAX_SPOKEN_NAME` characters, something that is said (not punctuation alone);
    empty or None: the number."""
    if name is None:
        return None
    name = nfc(name).strip()
    if not name:
        return None
    if len(name) > MAX_SPOKEN_NAME or not clip_key(name):
        raise _invalid(
            "spoken_name",
            f"Tên đọc của quầy phải có chữ hoặc số, tối đa {MAX_SPOKEN_NAME} ký tự "
            "(để trống: đọc số quầy).",
            f"A counter's spoken name needs letters or digits, at most {MAX_SPOKEN_NAME} "
            "characters (empty: its number is read).",
        )
    return name


def set_series_reading(session: Session, series_id: int, reading: str) -> None:
    """How a number series' numbers are read aloud: "number" or "digits"."""
    reading = validated_reading(reading)
    with write_transaction(session):
        series = session.get(NumberSeries, series_id)
        if series is None:
            raise not_found("dãy số", "number series", series_id)
        series.voice_reading = reading
