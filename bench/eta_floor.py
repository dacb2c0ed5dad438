"""How small the error of a wait told at issue can be: the queue's own randomness, measured.

For the tickets issued in one local hour of a scenario day, the day is played again K
times with the same history up to the ticket's issue and fresh random draws after it: the
handling minutes (and no-show or transfer) of every visitor not yet called, those of the
visitors at a counter given the minutes they have already taken, and the later arrivals.
The median of the K waits is what an estimator that knew everything known at the issue
(each counter's state, the true handling-time laws, even the roster's breaks) would best
tell; the spread of the waits around it (each replicate against the median of the others)
is the mean absolute error such an estimator is expected to make. Next to it: the
product's estimate against the same replicates and against the day as it happened.

The days are played with their arrivals fixed (DayProfile.fixed_arrivals), so that a
replicate shares the day's history; the minutes after a transfer are then drawn in
another order than bench/eta.py's days, so a day here is not exactly eta.py's day of the
same seed (the same visitors, the same handling minutes otherwise).

Usage: python bench/eta_floor.py [--scenario two_missing] [--hour 9] [--seeds 1,2,3]
       [--replicates 10] [--every 2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.services.simulation import engine, scenarios  # noqa: E402
from server.services.simulation.engine import Arrival, arrivals_of, simulate, utc_at  # noqa: E402


class _Called(Exception):
    """The ticket followed was called: the rest of the day does not matter."""


_FOLLOWED: dict[str, Any] = {}
_dispatch = engine._Day._dispatch


def _dispatch_until_called(day: Any, now: Any) -> None:
    _dispatch(day, now)
    wanted = _FOLLOWED.get("id")
    if wanted is None:
        return
    for record in reversed(day.records):
        if record.ticket_id == wanted:
            if record.called_at is not None:
                _FOLLOWED["wait"] = record.real_wait
                raise _Called
            return


# A bench's patch: the replicates stop once the ticket followed is called.
engine._Day._dispatch = _dispatch_until_called  # type: ignore[method-assign]


def _replicate(job: tuple[str, int, list[Arrival], int, float, dict[float, float], int]) -> float:
    name, seed, arrivals, ticket_id, issued, called, k = job
    profile = scenarios.SCENARIOS[name]()
    specs = {s.code: s for s in profile.services}
    rng = random.Random(1_000_003 * seed + 7919 * k + ticket_id)
    played: list[Arrival] = []
    for minute, code, priority, minutes, behaviour, then in arrivals:
        if minute > issued:
            continue
        at = called.get(minute)
        if minute == issued or at is None or at > issued:
            _, minutes, behaviour, then = engine._visitor(specs[code], rng)
        elif behaviour == "" and at + profile.walk_minutes + minutes > issued:
            # At a counter at the issue: known only to take longer than it has.
            taken = max(0.0, issued - at - profile.walk_minutes)
            for _ in range(10_000):
                drawn = specs[code].draw_minutes(rng)
                if drawn > taken:
                    minutes = drawn
                    break
        played.append((minute, code, priority, minutes, behaviour, then))
    played += [a for a in arrivals_of(profile, rng) if a[0] > issued]
    _FOLLOWED.clear()
    _FOLLOWED["id"] = ticket_id
    try:
        simulate(replace(profile, fixed_arrivals=tuple(sorted(played))), seed=seed)
    except _Called:
        return float(_FOLLOWED["wait"])
    raise RuntimeError(f"ticket {ticket_id} never called")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="two_missing", choices=sorted(scenarios.SCENARIOS))
    parser.add_argument("--hour", type=int, default=9, help="local hour of issue")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--every", type=int, default=2, help="follow every n-th ticket")
    args = parser.parse_args()
    k = args.replicates
    jobs, followed = [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        profile = scenarios.SCENARIOS[args.scenario]()
        arrivals = arrivals_of(profile, random.Random(seed))
        day = simulate(replace(profile, fixed_arrivals=tuple(arrivals)), seed=seed)

        def minute(at: Any, profile: Any = profile) -> float:
            return float((at - utc_at(profile, 0)).total_seconds() / 60)

        def arrival(at: Any, arrivals: list[Arrival] = arrivals) -> float:
            return min((a[0] for a in arrivals), key=lambda m: abs(m - minute(at)))

        called = {
            arrival(t.issued_at): minute(t.called_at)
            for t in day.tickets
            if t.called_at is not None
        }
        hour = [
            t
            for t in day.tickets
            if day.local_hour(t.issued_at) == args.hour and t.called_at is not None
        ][:: args.every]
        for t in hour:
            followed.append((seed, t))
            jobs += [
                (args.scenario, seed, arrivals, t.ticket_id, arrival(t.issued_at), called, i)
                for i in range(k)
            ]
    with Pool(2) as pool:
        waits = pool.map(_replicate, jobs, chunksize=1)
    print(
        f"bench/eta_floor.py: {args.scenario}, {args.hour:02d}h, seeds {args.seeds}, "
        f"{len(followed)} tickets × {k} replicates"
    )
    print("seed  tickets  estimate vs day  best vs day  estimate vs replicates  floor")
    for seed in sorted({s for s, _ in followed}) + [None]:
        rows = [
            (t, waits[i * k : (i + 1) * k])
            for i, (s, t) in enumerate(followed)
            if seed is None or s == seed
        ]
        n = len(rows)
        assert all(t.real_wait is not None for t, _ in rows)
        told = sum(abs(t.estimate - (t.real_wait or 0.0)) for t, _ in rows) / n
        best = sum(abs(statistics.median(ws) - (t.real_wait or 0.0)) for t, ws in rows) / n
        spread = sum(abs(t.estimate - w) for t, ws in rows for w in ws) / (n * k)
        floor = sum(
            abs(w - statistics.median(ws[:j] + ws[j + 1 :]))
            for _, ws in rows
            for j, w in enumerate(ws)
        ) / (n * k)
        label = "all" if seed is None else str(seed)
        print(f"{label:>4s}  {n:7d}  {told:15.2f}  {best:11.2f}  {spread:22.2f}  {floor:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
