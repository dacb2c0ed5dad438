"""The estimated wait as every client shows it: a range of minutes, rounded, and its words.

The server sends four fields wherever a waiting ticket's place is told (the answer to an
issue, a ticket read, the phone's tracking read, the snapshot's ``ticket``, the
``ticket.standing`` push)::

    "estimated_wait_minutes": 12,               # the point estimate (kept for old clients)
    "estimated_wait_range": [10, 20],           # [low, high] minutes: show THIS to people
    "estimated_wait_text_vi": "khoảng 10–20 phút",
    "estimated_wait_text_en": "about 10–20 minutes",

A slip, a kiosk screen, a phone or a display shows the range (or the ready-made text),
never the point figure alone: the range is what the estimate can promise (README,
"Estimated wait", says how often the real wait fell inside it). The point figure is never
0 while people are ahead. For a ticket that is no longer waiting the range and the texts
are ``None`` and the minutes 0.

Rounding (:func:`round_range`): the low end down and the high end up to a step of 5
minutes (10 beyond an hour), at least one step apart. A range that starts at 0 reads
"dưới 5 phút" / "under 5 minutes" rather than "0–5".
"""

from __future__ import annotations

import functools
import math
from typing import TypedDict


class WaitEstimate(TypedDict):
    """The four wait fields, as they sit in a ticket payload."""

    estimated_wait_minutes: int
    estimated_wait_range: list[int] | None  # [low, high] in minutes; None when not waiting
    estimated_wait_text_vi: str | None
    estimated_wait_text_en: str | None


def step_for(minutes: float) -> int:
    """The rounding step of a range whose high end is `minutes`."""
    return 5 if minutes <= 60 else 10


def round_range(low: float, high: float) -> tuple[int, int]:
    """[low, high] minutes widened to round figures: low down, high up, one step apart at least."""
    high = max(high, low, 0.0)
    step = step_for(high)
    lo = max(0, math.floor(max(low, 0.0) / step) * step)
    hi = max(step, math.ceil(high / step) * step)
    if hi - lo < step:
        hi = lo + step
    return lo, hi


# Ranges are round figures (a few hundred in a day): each is worded once, not for every
# phone told its place each time a queue moves.
@functools.lru_cache(maxsize=1024)
def wait_text(low: int, high: int) -> tuple[str, str]:
    """How a range reads to a person: (Vietnamese, English)."""
    if low <= 0:
        return f"dưới {high} phút", f"under {high} minutes"
    return f"khoảng {low}–{high} phút", f"about {low}–{high} minutes"


def not_waiting() -> WaitEstimate:
    """The fields of a ticket that no longer waits."""
    return {
        "estimated_wait_minutes": 0,
        "estimated_wait_range": None,
        "estimated_wait_text_vi": None,
        "estimated_wait_text_en": None,
    }
