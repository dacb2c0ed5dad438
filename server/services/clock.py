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


def next_change(
    hours: dict[str, list[list[str]]] | None, now: dt.datetime, tz: str
) -> dt.datetime | None:
    """The next moment after `now` at which a site with these hours opens or closes (UTC),
    within the coming week; None when it never changes (always open, or never open)."""
    if hours is None:
        return None
    local = now.astimezone(zone(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for days in range(8):
        day = midnight + dt.timedelta(days=days)
        boundaries = sorted(
            _minutes(edge) for span in hours.get(WEEKDAYS[day.weekday()], []) for edge in span
        )
        for minute in boundaries:
            # Wall-clock arithmetic in the site's zone (no DST in Việt Nam; correct elsewhere
            # to the minute except across a DST change).
            moment = (day.replace(tzinfo=None) + dt.timedelta(minutes=minute)).replace(
                tzinfo=local.tzinfo
            )
            if moment > local and is_open(hours, moment, tz) != is_open(hours, now, tz):
                return moment.astimezone(dt.UTC)
    return None
