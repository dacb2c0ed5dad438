"""The what-if of a manager: a day profile and counters per service per hour in, the waits
and service level the simulator measures hour by hour out; and the reverse, the fewest
counters per service and hour that keep the service level above a target, each
suggestion checked (and corrected) by simulating it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from server.services.simulation.engine import SimResult, simulate
from server.services.simulation.model import DayProfile, Staffing, counters_for, hours_of

DEFAULT_LEVEL = 0.8
MAX_ROUNDS = 10
# An hour with fewer tickets of a service than this is not judged on its service level.
MIN_TICKETS = 3


@dataclass
class Cell:
    """One service (or the whole site) in one local hour of issue."""

    tickets: int = 0
    within_target: int = 0
    total_wait: float = 0.0
    longest_wait: float = 0.0
    counters: int = 0

    @property
    def service_level(self) -> float:
        return self.within_target / self.tickets if self.tickets else 1.0

    @property
    def mean_wait(self) -> float:
        return self.total_wait / self.tickets if self.tickets else 0.0

    def to_json(self) -> dict[str, float | int]:
        return {
            "tickets": self.tickets,
            "counters": self.counters,
            "mean_wait_minutes": round(self.mean_wait, 1),
            "longest_wait_minutes": round(self.longest_wait, 1),
            "service_level": round(self.service_level, 3),
        }


@dataclass
class Outcome:
    """What the simulator measured for one staffing (over its seeds)."""

    staffing: Staffing
    by_hour: dict[int, Cell] = field(default_factory=dict)
    by_service_hour: dict[tuple[str, int], Cell] = field(default_factory=dict)
    overall: Cell = field(default_factory=Cell)
    unserved: int = 0

    def short_of(self, level: float) -> list[tuple[str, int]]:
        """(service, hour) cells below `level` that had enough tickets to judge."""
        return [
            key
            for key, cell in sorted(self.by_service_hour.items())
            if cell.tickets >= MIN_TICKETS and cell.service_level < level
        ]

    def to_json(self, profile: DayProfile) -> dict[str, object]:
        return {
            "staffing": {
                code: {f"{h:02d}": n for h, n in sorted(hours.items()) if n}
                for code, hours in self.staffing.counters.items()
            },
            "hours": [
                {"hour": f"{h:02d}", **cell.to_json()} for h, cell in sorted(self.by_hour.items())
            ],
            "services": [
                {
                    "code": s.code,
                    "name_vi": s.name_vi,
                    "name_en": s.name_en,
                    "target_wait_minutes": s.target_wait_minutes,
                    "hours": [
                        {"hour": f"{h:02d}", **self.by_service_hour[(s.code, h)].to_json()}
                        for h in hours_of(profile)
                        if (s.code, h) in self.by_service_hour
                    ],
                }
                for s in profile.services
            ],
            "overall": self.overall.to_json(),
            "never_called": self.unserved,
        }


def measure(profile: DayProfile, staffing: Staffing, seeds: tuple[int, ...] = (1,)) -> Outcome:
    """Simulate `profile` with counters per `staffing` and sum up the waits by hour."""
    day = profile.with_counters(counters_for(profile, staffing))
    results = [simulate(day, seed=seed) for seed in seeds]
    return outcome_of(profile, staffing, results)


def outcome_of(profile: DayProfile, staffing: Staffing, results: list[SimResult]) -> Outcome:
    target = {s.code: s.target_wait_minutes for s in profile.services}
    out = Outcome(staffing)
    for result in results:
        for t in result.tickets:
            wait = t.real_wait
            if wait is None:
                out.unserved += 1
                continue
            hour = result.local_hour(t.issued_at)
            for cell in (
                out.by_hour.setdefault(hour, Cell()),
                out.by_service_hour.setdefault((t.service, hour), Cell()),
                out.overall,
            ):
                cell.tickets += 1
                cell.within_target += wait <= target[t.service]
                cell.total_wait += wait
                cell.longest_wait = max(cell.longest_wait, wait)
    for hour in hours_of(profile):
        total = sum(staffing.at(s.code, hour) for s in profile.services)
        out.by_hour.setdefault(hour, Cell()).counters = total
        for s in profile.services:
            if (s.code, hour) in out.by_service_hour:
                out.by_service_hour[(s.code, hour)].counters = staffing.at(s.code, hour)
    out.by_hour = dict(sorted(out.by_hour.items()))
    return out


def erlang_c_wait_above(counters: int, load: float, minutes: float, target: float) -> float:
    """P(wait > target) in an M/M/c queue with offered load `load` (erlangs)."""
    if counters <= load:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, counters):
        term *= load / k
        total += term
    last = term * load / counters * counters / (counters - load)
    waits = last / (total + last)
    return waits * math.exp(-(counters - load) * target / minutes)


def first_guess(profile: DayProfile, level: float) -> Staffing:
    """Per service and hour, the fewest counters Erlang C says keep `level` (at least one
    in every hour visitors of the service come)."""
    table: dict[str, dict[int, int]] = {}
    for s in profile.services:
        hours: dict[int, int] = {}
        for hour in hours_of(profile):
            rate = s.arrivals.get(hour, 0.0)
            if rate <= 0:
                continue
            load = rate * s.minutes / 60
            c = 1
            while erlang_c_wait_above(c, load, s.minutes, s.target_wait_minutes) > 1 - level:
                c += 1
            hours[hour] = c
        table[s.code] = hours
    return Staffing(table)


@dataclass
class Suggestion:
    staffing: Staffing
    outcome: Outcome
    met: bool
    rounds: int


def suggest(
    profile: DayProfile,
    *,
    level: float = DEFAULT_LEVEL,
    seeds: tuple[int, ...] = (1,),
    max_rounds: int = MAX_ROUNDS,
    on_round: Callable[[int], None] | None = None,
) -> Suggestion:
    """The fewest counters per service and hour found that keep every (service, hour) at
    `level` or above in the simulator: Erlang C's guess, then a counter added where the
    simulated day fell short (and in the hour before, when it fell short twice), until it
    holds or `max_rounds` have run. The outcome returned is the simulator's, on that staffing.
    `on_round` is told the number of rounds run after each (a job's progress)."""

    def measured(staffing: Staffing) -> Outcome:
        outcome = measure(profile, staffing, seeds)
        if on_round is not None:
            on_round(rounds + 1)
        return outcome

    rounds = 0
    staffing = first_guess(profile, level)
    outcome = measured(staffing)
    rounds = 1
    # Erlang C knows nothing of priority, no-shows or of queues that carry over: try one
    # counter fewer wherever the simulated hour was far better than needed.
    table = {code: dict(hours) for code, hours in staffing.counters.items()}
    spare = [
        (code, hour)
        for (code, hour), cell in outcome.by_service_hour.items()
        if staffing.at(code, hour) > 1
        and cell.service_level >= 1.0
        and cell.mean_wait < profile.service(code).target_wait_minutes / 4
    ]
    if spare:
        for code, hour in spare:
            table[code][hour] -= 1
        leaner = Staffing(table)
        trial = measured(leaner)
        rounds += 1
        worse = set(trial.short_of(level))
        for code, hour in spare:
            if (code, hour) in worse:
                table[code][hour] += 1
        if worse:
            staffing = Staffing(table)
            outcome = measured(staffing)
            rounds += 1
        else:
            staffing, outcome = leaner, trial
    short_before: set[tuple[str, int]] = set()
    while rounds < max_rounds:
        short = outcome.short_of(level)
        if not short:
            return Suggestion(staffing, outcome, True, rounds)
        table = {code: dict(hours) for code, hours in staffing.counters.items()}
        for code, hour in short:
            table.setdefault(code, {})[hour] = table[code].get(hour, 0) + 1
            if (code, hour) in short_before and hour - 1 in table[code]:
                # The queue came from before: staff the hour it built up in, too.
                table[code][hour - 1] += 1
        short_before = set(short)
        staffing = replace(staffing, counters=table)
        outcome = measured(staffing)
        rounds += 1
    return Suggestion(staffing, outcome, not outcome.short_of(level), rounds)
