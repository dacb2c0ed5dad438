"""How good the estimates of a simulated day were: mean absolute error in minutes, the share
of real waits inside the range shown, and both by local hour of issue."""

from __future__ import annotations

from dataclasses import dataclass, field

from contract.waits import round_range
from server.services.simulation.engine import SimResult, TicketRecord

# How the old estimator's single figure ("khoảng 25 phút") is read for "within the range":
# ±20%, rounded outward as the new ranges are.
LEGACY_SPREAD = 0.2


def legacy_range(minutes: int) -> tuple[int, int]:
    return round_range(minutes * (1 - LEGACY_SPREAD), minutes * (1 + LEGACY_SPREAD))


@dataclass
class Score:
    tickets: int = 0
    error_new: float = 0.0
    error_old: float = 0.0
    within_new: int = 0
    within_old: int = 0

    def add(self, t: TicketRecord) -> None:
        real = t.real_wait
        assert real is not None
        self.tickets += 1
        self.error_new += abs(t.estimate - real)
        self.error_old += abs(t.legacy - real)
        self.within_new += t.low <= real <= t.high
        lo, hi = legacy_range(t.legacy)
        self.within_old += lo <= real <= hi

    @property
    def mae_new(self) -> float:
        return self.error_new / self.tickets if self.tickets else 0.0

    @property
    def mae_old(self) -> float:
        return self.error_old / self.tickets if self.tickets else 0.0

    @property
    def share_new(self) -> float:
        return self.within_new / self.tickets if self.tickets else 0.0

    @property
    def share_old(self) -> float:
        return self.within_old / self.tickets if self.tickets else 0.0


@dataclass
class Report:
    overall: Score = field(default_factory=Score)
    by_hour: dict[int, Score] = field(default_factory=dict)
    unserved: int = 0
    mean_wait: float = 0.0
    # Pushed updates: their mean absolute error and share within range.
    updates: int = 0
    updates_mae: float = 0.0
    updates_within: float = 0.0

    @property
    def worst_hour_mae(self) -> float:
        return max((s.mae_new for s in self.by_hour.values()), default=0.0)


def score(*results: SimResult) -> Report:
    report = Report()
    waits = []
    for result in results:
        called = {}
        for t in result.tickets:
            if t.real_wait is None:
                report.unserved += 1
                continue
            called[t.ticket_id] = t.called_at
            waits.append(t.real_wait)
            report.overall.add(t)
            report.by_hour.setdefault(result.local_hour(t.issued_at), Score()).add(t)
        errors, inside = 0.0, 0
        for u in result.updates:
            at = called.get(u.ticket_id)
            if at is None:
                continue
            real = (at - u.at).total_seconds() / 60
            if real < 0:
                continue
            report.updates += 1
            errors += abs(u.estimate - real)
            inside += u.low <= real <= u.high
        if report.updates:
            report.updates_mae += errors
            report.updates_within += inside
    if report.updates:
        report.updates_mae /= report.updates
        report.updates_within /= report.updates
    report.mean_wait = sum(waits) / len(waits) if waits else 0.0
    report.by_hour = dict(sorted(report.by_hour.items()))
    return report


def describe(report: Report, *, title: str = "") -> str:
    """The report as a text table: overall, then by local hour of issue."""
    o = report.overall
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"  {o.tickets} tickets called ({report.unserved} never called), mean real wait "
        f"{report.mean_wait:.1f} min"
    )
    lines.append("  estimator   mean abs error   within range shown")
    lines.append(f"  new         {o.mae_new:8.1f} min       {o.share_new:6.0%}")
    lines.append(f"  old         {o.mae_old:8.1f} min       {o.share_old:6.0%}")
    if report.updates:
        lines.append(
            f"  new, pushed updates: {report.updates} estimates, mean abs error "
            f"{report.updates_mae:.1f} min, {report.updates_within:.0%} within range"
        )
    lines.append("  hour  tickets  error new  error old  within new  within old")
    for hour, s in report.by_hour.items():
        lines.append(
            f"  {hour:02d}h   {s.tickets:7d}  {s.mae_new:9.1f}  {s.mae_old:9.1f}  "
            f"{s.share_new:10.0%}  {s.share_old:10.0%}"
        )
    return "\n".join(lines)
