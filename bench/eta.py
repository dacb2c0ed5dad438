"""How good the estimated wait is: the scenario days of issue #15, each simulated on the
real queue services (server.services.simulation), the old estimator and the new one side
by side.

For each scenario (a quiet commune centre; a provincial centre with a morning peak, a
lunch break and counters that pause; the same centre with two counters missing), over
several random days (--seeds): the mean absolute error in minutes of the figure told at
issue, the share of tickets whose real wait (issue to first call) fell inside the range
shown, and both by local hour of issue. The old estimator showed one figure ("khoảng 25
phút"); it is read as that figure ±20%, rounded outward like the new ranges.

The goal: at least 80% within the range shown on every scenario, and no hour of the day
with a mean error above 5 minutes.

Usage: python bench/eta.py [--seeds 3] [--first-seed 1] [--scenario provincial ...] [--updates] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.services.simulation import accuracy, scenarios  # noqa: E402
from server.services.simulation.engine import simulate  # noqa: E402

GOAL_WITHIN = 0.8
GOAL_HOUR_MAE = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3, help="random days per scenario")
    parser.add_argument(
        "--first-seed", type=int, default=1, help="the first day's seed (others follow it)"
    )
    parser.add_argument(
        "--scenario", action="append", choices=sorted(scenarios.SCENARIOS), default=None
    )
    parser.add_argument("--updates", action="store_true", help="also score the pushed updates")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    names = args.scenario or list(scenarios.SCENARIOS)
    figures = {}
    met = True
    print(
        f"bench/eta.py: {args.seeds} simulated day(s) per scenario, seeds "
        f"{args.first_seed}–{args.first_seed + args.seeds - 1}\n"
    )
    summary = []
    for name in names:
        profile = scenarios.SCENARIOS[name]()
        started = time.perf_counter()
        results = [
            simulate(profile, seed=seed, record_updates=args.updates)
            for seed in range(args.first_seed, args.first_seed + args.seeds)
        ]
        wall = time.perf_counter() - started
        report = accuracy.score(*results)
        tickets = sum(len(r.tickets) for r in results)
        operations = sum(r.operations for r in results)
        print(
            accuracy.describe(
                report,
                title=f"{name}: {profile.title_en} ({tickets} tickets, {operations} queue "
                f"transactions, {tickets / wall:.0f} tickets/s simulated)",
            )
        )
        o = report.overall
        ok = o.share_new >= GOAL_WITHIN and report.worst_hour_mae <= GOAL_HOUR_MAE
        met = met and ok
        print(
            f"  goal (≥{GOAL_WITHIN:.0%} within, no hour above {GOAL_HOUR_MAE:.0f} min): "
            f"{'met' if ok else 'NOT met'} (worst hour {report.worst_hour_mae:.1f} min)\n"
        )
        summary.append((name, report))
        figures[name] = {
            "tickets": tickets,
            "tickets_per_second": round(tickets / wall, 1),
            "mean_wait": round(report.mean_wait, 2),
            "never_called": report.unserved,
            "new": {"mae": round(o.mae_new, 2), "within": round(o.share_new, 3)},
            "old": {"mae": round(o.mae_old, 2), "within": round(o.share_old, 3)},
            "worst_hour_mae_new": round(report.worst_hour_mae, 2),
            "worst_hour_mae_old": round(
                max((s.mae_old for s in report.by_hour.values()), default=0.0), 2
            ),
            "by_hour": {
                f"{h:02d}": {
                    "tickets": s.tickets,
                    "mae_new": round(s.mae_new, 2),
                    "mae_old": round(s.mae_old, 2),
                    "within_new": round(s.share_new, 3),
                    "within_old": round(s.share_old, 3),
                }
                for h, s in report.by_hour.items()
            },
        }
        if report.updates:
            figures[name]["updates"] = {
                "count": report.updates,
                "mae": round(report.updates_mae, 2),
                "within": round(report.updates_within, 3),
            }
    print("scenario       mean wait  MAE old  MAE new  within old  within new  worst hour old/new")
    for name, report in summary:
        o = report.overall
        worst_old = max((s.mae_old for s in report.by_hour.values()), default=0.0)
        print(
            f"{name:13s} {report.mean_wait:9.1f} {o.mae_old:8.1f} {o.mae_new:8.1f} "
            f"{o.share_old:11.0%} {o.share_new:11.0%}  {worst_old:6.1f} / {report.worst_hour_mae:.1f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
