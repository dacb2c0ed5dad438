"""What the reports count, stated once: every figure of every report, the live dashboard
and the exports comes from these definitions (README, "Reports", says the same in words).

A **step** is one stay of a ticket in one service's queue: from its issue, or from the
transfer that created it, to the move that ends it (done, no-show, cancelled, expired, or
transferred on). A transfer ends one step and starts a new ticket row, so each step is one
ticket row and its events in ``ticket_event``.

- **Wait** of a step: the time it spent in the state ``waiting`` before a call, added up
  over its stays there (issue → first call, and, after a hold returned it to the queue,
  return → the next call). Recalls are counted (``calls``), not added. A step never called
  has no wait. A transferred step's wait counts from the transfer, whether or not it kept
  its place in the queue: the place decides the order of calling; the time before the
  transfer belongs to the step that ended there, so a visitor's waits add up across steps
  and nothing is counted twice.
- **Service time**: the time spent in the state ``serving`` (start → done), less any time on
  hold (held, and called again after a hold, is not serving). Counted for served steps.
- **Busy time** of a counter: the serving time of every step at it (served or transferred
  on), against its **open time** (counter open, from the counter log).
- **Outcomes** counted apart: done (and by its outcome), no-show, cancelled, expired,
  transferred (on). **Issued**: steps that began at the kiosk or an officer (not a
  transfer); **transferred in**: steps that began by a transfer.
- **% served**: done ÷ (steps − transferred on): of the steps that ended in the service (not
  passed on), the share served. Over a whole site it is done ÷ issued.
- **Service level**: the share of called steps whose wait was at most the service's target
  wait (``Service.target_wait_minutes``, as it was when the step ended).
- **Priority**: a step with a priority category; reports give all steps and, apart, the
  priority and the other ones. **Channel**: ``walk_in`` for every ticket today (the kiosk or
  an officer issued it); booked (online) tickets will be a second channel.
- **Percentiles** (p50, p90): the linear interpolation between the closest ranks (SQL's
  ``percentile_cont``), exact over durations counted in whole seconds (a duration is
  truncated to its second when the step is recorded). Over a long period the reports read
  them from the roll-up's buckets, approximately (:func:`bucket_percentile`), and say so.
- Times of day (hour, half-hour slot, weekday) are in the site's time zone; a step belongs
  to the business day of its ticket.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from contract.tickets import TicketAction, TicketState

S = TicketState
A = TicketAction

CHANNEL_WALK_IN = "walk_in"
# Half-hour slots of a day: 0 is 00:00-00:30 local; END_SLOT is "after the day ended".
SLOTS_PER_DAY = 48
END_SLOT = SLOTS_PER_DAY

# The end states a report counts apart, in the order reports show them.
END_STATES: tuple[TicketState, ...] = (
    S.DONE,
    S.NO_SHOW,
    S.CANCELLED,
    S.EXPIRED,
    S.TRANSFERRED,
)
CALL_ACTIONS = frozenset({A.CALL, A.RECALL, A.RESUME})


@dataclass(frozen=True)
class EventView:
    """One row of ``ticket_event`` as the definitions read it."""

    action: str
    to_state: str
    at: dt.datetime
    counter_id: int | None = None
    user_id: int | None = None


@dataclass
class StepFigures:
    """What one step measures, from its events."""

    arrived_at: dt.datetime
    first_called_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_state: str | None
    wait_seconds: int | None
    service_seconds: int | None
    hold_seconds: int
    calls: int
    counter_id: int | None
    officer_id: int | None


def _seconds(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def measure_step(events: Sequence[EventView], now: dt.datetime | None = None) -> StepFigures:
    """The figures of one step from its events in order (the first is its issue, or the
    first event of a transferred step's ticket). An open step (no end yet) is measured up
    to its last event: its wait once called, no service time until it ends."""
    if not events:
        raise ValueError("a step has at least its issue event")
    arrived = events[0].at
    state = S.WAITING.value
    since = arrived
    waited = served = held = 0.0
    first_call: dt.datetime | None = None
    called = False
    calls = 0
    counter_id = officer_id = None
    for event in events[1:]:
        spent = _seconds(event.at - since)
        if state == S.WAITING and event.to_state == S.CALLED:
            waited += spent
            called = True
        elif state == S.SERVING:
            served += spent
        elif state == S.HELD:
            held += spent
        if event.action in CALL_ACTIONS:
            calls += 1
            if first_call is None:
                first_call = event.at
        if event.counter_id is not None:
            counter_id = event.counter_id
            if event.user_id is not None:
                officer_id = event.user_id
        state = event.to_state
        since = event.at
    ended = state in {s.value for s in END_STATES}
    ever_served = served > 0 or state == S.DONE
    return StepFigures(
        arrived_at=arrived,
        first_called_at=first_call,
        ended_at=since if ended else None,
        end_state=state if ended else None,
        wait_seconds=int(waited) if called else None,
        service_seconds=int(served) if ended and ever_served else None,
        hold_seconds=int(held),
        calls=calls,
        counter_id=counter_id,
        officer_id=officer_id,
    )


def within_target(wait_seconds: int | None, target_wait_seconds: int) -> bool | None:
    """Service level: was the step called within its service's target wait?"""
    if wait_seconds is None:
        return None
    return wait_seconds <= target_wait_seconds


def served_share(done: int, steps: int, transferred: int) -> float | None:
    """% served: done of the steps that ended here (not passed on)."""
    ended_here = steps - transferred
    return done / ended_here if ended_here > 0 else None


def local_slot(moment: dt.datetime, day: dt.date, tz: dt.tzinfo) -> int:
    """The half-hour slot of `moment` in the local day `day` (END_SLOT when later)."""
    local = moment.astimezone(tz)
    if local.date() > day:
        return END_SLOT
    if local.date() < day:
        return 0
    return local.hour * 2 + local.minute // 30


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# ------------------------------------------------------------------ percentiles


def percentile(histogram: Sequence[tuple[int, int]], p: float) -> float | None:
    """percentile_cont(p) of the values given as (value, count) pairs sorted by value,
    worked out in fractions (p = 0.9 is nine tenths, not the float nearest it), so that a
    figure checked by hand is met exactly."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    position = Fraction(str(p)) * (total - 1)
    lower_rank = math.floor(position)
    fraction = position - lower_rank
    lower = upper = None
    seen = 0
    for value, count in histogram:
        if lower is None and lower_rank < seen + count:
            lower = value
        if lower_rank + 1 < seen + count:
            upper = value
            break
        seen += count
    assert lower is not None
    if upper is None or fraction == 0:
        return float(lower)
    return float(lower + fraction * (upper - lower))


@dataclass
class Distribution:
    """Count, mean, p50, p90 and max of durations in seconds."""

    count: int = 0
    mean: float | None = None
    p50: float | None = None
    p90: float | None = None
    max: int | None = None

    @classmethod
    def of(cls, histogram: Iterable[tuple[int, int]]) -> Distribution:
        pairs = sorted(histogram)
        total = sum(c for _, c in pairs)
        if total == 0:
            return cls()
        return cls(
            count=total,
            mean=sum(v * c for v, c in pairs) / total,
            p50=percentile(pairs, 0.5),
            p90=percentile(pairs, 0.9),
            max=pairs[-1][0],
        )

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "count": self.count,
            "mean": self.mean,
            "p50": self.p50,
            "p90": self.p90,
            "max": self.max,
        }


# ------------------------------------------------------------------ roll-up buckets

# The roll-up (README, "How the figures are kept") keeps waits and service times as counts
# per bucket of seconds instead of per second. The buckets' lower bounds: 30 s wide up to
# 30 minutes, 60 s up to an hour, 10 minutes up to two hours, 30 minutes up to four, then
# one bucket for everything longer (bounded by the exact max).
BUCKET_EDGES: tuple[int, ...] = (
    *range(0, 1800, 30),
    *range(1800, 3600, 60),
    *range(3600, 7200, 600),
    *range(7200, 14400, 1800),
    14400,
)
BUCKETS = len(BUCKET_EDGES)


def bucket_of(seconds: int) -> int:
    """The roll-up bucket of a duration in whole seconds."""
    return bisect.bisect_right(BUCKET_EDGES, seconds) - 1


def bucket_width_at(seconds: float) -> int | None:
    """The width of the bucket holding `seconds` (None for the last, open one)."""
    index = bucket_of(int(seconds))
    return BUCKET_EDGES[index + 1] - BUCKET_EDGES[index] if index + 1 < BUCKETS else None


def bucket_percentile(counts: Sequence[int], p: float, maximum: int) -> float | None:
    """percentile_cont(p) from the roll-up's bucket counts: **approximate**. Within a
    bucket [lo, hi) holding n durations they are taken as spread evenly (the k-th of them
    at lo - 0.5 + (k + 0.5) × (hi - lo) / n); the last bucket holding any ends at the
    exact max. Each rank's estimate then lies in the bucket of its exact value, so the
    error is under the width of the bucket(s) the percentile falls in: 30 s up to 30
    minutes, 60 s up to an hour (README, "Speed on a year of data")."""
    total = sum(counts)
    if total == 0:
        return None
    position = Fraction(str(p)) * (total - 1)
    lower_rank = math.floor(position)
    fraction = position - lower_rank

    def value_at(rank: int) -> float:
        seen = 0
        for index, n in enumerate(counts):
            if rank < seen + n:
                lo = BUCKET_EDGES[index]
                hi = BUCKET_EDGES[index + 1] if index + 1 < BUCKETS else maximum + 1
                hi = max(lo + 1, min(hi, maximum + 1))
                value = lo - 0.5 + (rank - seen + 0.5) * (hi - lo) / n
                return min(max(value, float(lo)), float(hi - 1))
            seen += n
        return float(maximum)

    lower = value_at(lower_rank)
    if fraction == 0 or lower_rank + 1 >= total:
        return lower
    return float(lower + float(fraction) * (value_at(lower_rank + 1) - lower))
