"""Business days and opening hours, in the site's time zone (Asia/Ho_Chi_Minh by default)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def business_day(now: dt.datetime, tz: str) -> dt.date:
    """The date of `now` (aware, any zone) in the site's time zone."""
    return now.astimezone(zone(tz)).date()


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(hours: dict[str, list[list[str]]] | None, now: dt.datetime, tz: str) -> bool:
    """Whether a site with these opening hours is open at `now`. None means always open."""
    if hours is None:
        return True
    local = now.astimezone(zone(tz))
    minute = local.hour * 60 + local.minute
    return any(
        _minutes(start) <= minute < _minutes(end)
        for start, end in hours.get(WEEKDAYS[local.weekday()], [])
    )


def closed_day(
    closed_days: list[dict[str, str]] | None, now: dt.datetime, tz: str
) -> dict[str, str] | None:
    """The closed day (holiday) entry that `now` falls on in the site's zone, or None."""
    if not closed_days:
        return None
    today = business_day(now, tz).isoformat()
    return next((day for day in closed_days if day.get("date") == today), None)


def describe_hours(hours: dict[str, list[list[str]]]) -> tuple[str, str]:
    """Opening hours as a short sentence, in Vietnamese and in English."""
    parts_vi, parts_en = [], []
    for index, day in enumerate(WEEKDAYS):
        spans = hours.get(day) or []
        if spans:
            text = ", ".join(f"{a}–{b}" for a, b in spans)
            parts_vi.append(f"{WEEKDAYS_VI[index]} {text}")
            parts_en.append(f"{day.capitalize()} {text}")
    return "; ".join(parts_vi), "; ".join(parts_en)
