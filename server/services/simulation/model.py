"""What a simulated day is made of: the services (arrivals by hour, service times, no-shows,
transfers, priority), the counters and their roster, and the site's hours. Plain data,
so that a profile can come from a built-in scenario, a site's history or a JSON body."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_DAY = dt.date(2026, 12, 7)  # a Monday


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: float) -> str:
    whole = int(round(minutes))
    return f"{whole // 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class ServiceSpec:
    """One service of the simulated site.

    ``arrivals``: visitors per hour, by local hour ("08" -> 12.0): a Poisson stream in each
    hour, only while the site is open. ``minutes``: the mean handling time (call to finish)
    and ``cv`` its coefficient of variation (a log-normal draw), unless ``samples`` holds
    observed durations to draw from (a site's history). ``nominal_minutes``: the service's
    configured figure (what the estimator starts from).
    """

    code: str
    name_vi: str
    name_en: str
    arrivals: dict[int, float]
    minutes: float = 10.0
    cv: float = 0.5
    nominal_minutes: int = 10
    samples: tuple[float, ...] = ()
    priority_share: float = 0.05
    no_show_share: float = 0.05
    transfer_share: float = 0.0
    transfer_to: str | None = None
    target_wait_minutes: int = 20

    def draw_minutes(self, rng: random.Random) -> float:
        if self.samples:
            return rng.choice(self.samples)
        if self.cv <= 0:
            return self.minutes
        sigma2 = math.log(1 + self.cv**2)
        return max(0.5, rng.lognormvariate(math.log(self.minutes) - sigma2 / 2, math.sqrt(sigma2)))


@dataclass(frozen=True)
class CounterSpec:
    """A counter: the services it calls, first choice first, and when it is staffed.

    ``shifts``: local (start, end) spans in which its officer calls; between two spans the
    counter is paused (lunch, a break), before the first closed, after the last closed
    (the officer finishes the ticket at hand first)."""

    number: int
    services: tuple[str, ...]
    shifts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DayProfile:
    """One simulated day of one site."""

    name: str
    title_vi: str
    title_en: str
    services: tuple[ServiceSpec, ...]
    counters: tuple[CounterSpec, ...]
    # The site's opening hours of that day (issuing is refused outside them).
    hours: tuple[tuple[str, str], ...] = (("07:30", "11:30"), ("13:30", "17:00"))
    day: dt.date = DEFAULT_DAY
    timezone: str = "Asia/Ho_Chi_Minh"
    max_priority_in_row: int = 2
    no_show_after_calls: int = 3
    # Minutes an officer waits for a called visitor who does not come before the no-show.
    no_show_minutes: float = 2.0
    # Minutes from a call to the visitor sitting down at the counter.
    walk_minutes: float = 0.5
    # Mean minutes an officer takes between releasing a ticket and calling the next (a
    # uniform draw from 0 to twice this).
    call_gap_minutes: float = 0.0
    # Visitors stop being let in this many minutes before each closing of the site.
    last_entry_minutes: int = 0
    # Fixed arrivals (a replayed day) instead of random ones: (local minute of the day,
    # service code, priority, minutes at the counter, "no_show" | "transfer:<code>" | "",
    # minutes at the service transferred to or None).
    fixed_arrivals: tuple[tuple[float, str, bool, float, str, float | None], ...] = ()

    def service(self, code: str) -> ServiceSpec:
        return next(s for s in self.services if s.code == code)

    def with_counters(self, counters: tuple[CounterSpec, ...]) -> DayProfile:
        return replace(self, counters=counters)

    def opening_hours(self) -> dict[str, list[list[str]]]:
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[self.day.weekday()]
        return {weekday: [[a, b] for a, b in self.hours]}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "hours": [list(h) for h in self.hours],
            "services": [
                {
                    "code": s.code,
                    "name_vi": s.name_vi,
                    "name_en": s.name_en,
                    "arrivals": {f"{h:02d}": r for h, r in sorted(s.arrivals.items())},
                    "minutes": round(s.minutes, 2),
                    "target_wait_minutes": s.target_wait_minutes,
                }
                for s in self.services
            ],
            "counters": [
                {
                    "number": c.number,
                    "services": list(c.services),
                    "shifts": [list(x) for x in c.shifts],
                }
                for c in self.counters
            ],
        }


# ------------------------------------------------------------------ staffing by the hour


@dataclass(frozen=True)
class Staffing:
    """Counters per service per local hour: what a manager plans ({"LLTP": {8: 2, 9: 3}})."""

    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def at(self, code: str, hour: int) -> int:
        return self.counters.get(code, {}).get(hour, 0)


def hours_of(profile: DayProfile) -> list[int]:
    """The local hours in which the site is open, at least partly."""
    hours: list[int] = []
    for start, end in profile.hours:
        for hour in range(minutes_of(start) // 60, math.ceil(minutes_of(end) / 60)):
            if hour not in hours:
                hours.append(hour)
    return hours


def counters_for(profile: DayProfile, staffing: Staffing) -> tuple[CounterSpec, ...]:
    """A roster of dedicated counters from counters per service per hour: the k-th counter
    of a service is staffed in the open parts of the hours that need k counters or more."""
    counters = []
    number = 1
    open_minutes = [(minutes_of(a), minutes_of(b)) for a, b in profile.hours]
    for service in profile.services:
        most = max((staffing.at(service.code, h) for h in hours_of(profile)), default=0)
        for k in range(1, most + 1):
            spans: list[tuple[int, int]] = []
            for hour in hours_of(profile):
                if staffing.at(service.code, hour) < k:
                    continue
                for a, b in open_minutes:
                    lo, hi = max(a, hour * 60), min(b, hour * 60 + 60)
                    if lo >= hi:
                        continue
                    if spans and spans[-1][1] == lo:
                        spans[-1] = (spans[-1][0], hi)
                    else:
                        spans.append((lo, hi))
            counters.append(
                CounterSpec(number, (service.code,), tuple((hhmm(a), hhmm(b)) for a, b in spans))
            )
            number += 1
    return tuple(counters)


def staffing_of(profile: DayProfile) -> Staffing:
    """Counters per service per hour of a roster (a shared counter counts for its first choice)."""
    table: dict[str, dict[int, int]] = {s.code: {} for s in profile.services}
    for counter in profile.counters:
        for hour in hours_of(profile):
            if any(
                minutes_of(a) < hour * 60 + 60 and minutes_of(b) > hour * 60
                for a, b in counter.shifts
            ):
                code = counter.services[0]
                table[code][hour] = table[code].get(hour, 0) + 1
    return Staffing(table)


# ------------------------------------------------------------------ as JSON, losslessly


def profile_data(profile: DayProfile) -> dict[str, Any]:
    """Everything of `profile` as JSON-able data (unlike :meth:`DayProfile.to_json`, which
    is its summary): :func:`profile_from_data` gives back an equal profile, so that a
    simulation run in another process (a what-if job) is the one this process would run.
    Floats survive JSON exactly (``repr`` round-trips)."""
    return {
        "name": profile.name,
        "title_vi": profile.title_vi,
        "title_en": profile.title_en,
        "services": [
            {
                "code": s.code,
                "name_vi": s.name_vi,
                "name_en": s.name_en,
                "arrivals": [[h, r] for h, r in s.arrivals.items()],
                "minutes": s.minutes,
                "cv": s.cv,
                "nominal_minutes": s.nominal_minutes,
                "samples": list(s.samples),
                "priority_share": s.priority_share,
                "no_show_share": s.no_show_share,
                "transfer_share": s.transfer_share,
                "transfer_to": s.transfer_to,
                "target_wait_minutes": s.target_wait_minutes,
            }
            for s in profile.services
        ],
        "counters": [
            {
                "number": c.number,
                "services": list(c.services),
                "shifts": [list(x) for x in c.shifts],
            }
            for c in profile.counters
        ],
        "hours": [list(h) for h in profile.hours],
        "day": profile.day.isoformat(),
        "timezone": profile.timezone,
        "max_priority_in_row": profile.max_priority_in_row,
        "no_show_after_calls": profile.no_show_after_calls,
        "no_show_minutes": profile.no_show_minutes,
        "walk_minutes": profile.walk_minutes,
        "call_gap_minutes": profile.call_gap_minutes,
        "last_entry_minutes": profile.last_entry_minutes,
        "fixed_arrivals": [list(a) for a in profile.fixed_arrivals],
    }


def profile_from_data(data: dict[str, Any]) -> DayProfile:
    """The profile :func:`profile_data` describes."""
    return DayProfile(
        name=data["name"],
        title_vi=data["title_vi"],
        title_en=data["title_en"],
        services=tuple(
            ServiceSpec(
                code=s["code"],
                name_vi=s["name_vi"],
                name_en=s["name_en"],
                arrivals={int(h): r for h, r in s["arrivals"]},
                minutes=s["minutes"],
                cv=s["cv"],
                nominal_minutes=s["nominal_minutes"],
                samples=tuple(s["samples"]),
                priority_share=s["priority_share"],
                no_show_share=s["no_show_share"],
                transfer_share=s["transfer_share"],
                transfer_to=s["transfer_to"],
                target_wait_minutes=s["target_wait_minutes"],
            )
            for s in data["services"]
        ),
        counters=tuple(
            CounterSpec(
                number=c["number"],
                services=tuple(c["services"]),
                shifts=tuple((a, b) for a, b in c["shifts"]),
            )
            for c in data["counters"]
        ),
        hours=tuple((a, b) for a, b in data["hours"]),
        day=dt.date.fromisoformat(data["day"]),
        timezone=data["timezone"],
        max_priority_in_row=data["max_priority_in_row"],
        no_show_after_calls=data["no_show_after_calls"],
        no_show_minutes=data["no_show_minutes"],
        walk_minutes=data["walk_minutes"],
        call_gap_minutes=data["call_gap_minutes"],
        last_entry_minutes=data["last_entry_minutes"],
        fixed_arrivals=tuple(
            (m, code, priority, minutes, behaviour, then)
            for m, code, priority, minutes, behaviour, then in data["fixed_arrivals"]
        ),
    )


def staffing_data(staffing: Staffing) -> dict[str, list[list[int]]]:
    return {code: [[h, n] for h, n in hours.items()] for code, hours in staffing.counters.items()}


def staffing_from_data(data: dict[str, list[list[int]]]) -> Staffing:
    return Staffing({code: {int(h): int(n) for h, n in hours} for code, hours in data.items()})
