"""A what-if job's own process: ``python -m server.services.simulation.worker``.

The simulations of a what-if (one day for the manager's plan, up to ten more for a
staffing suggestion) cost seconds to tens of seconds of CPU. Run in the serving process
they would stop its event loop, and every kiosk, counter and display it serves, for that
long; :mod:`server.services.simulation.jobs` starts this module in a process of its own
instead. It reads the job's inputs as one JSON document on stdin (:func:`inputs_of`
makes it) and writes JSON lines on stdout: ``{"days": n}`` after each simulated day, then
``{"result": {...}}`` (:func:`run`'s answer), or ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from typing import Any

from server.services.simulation.model import (
    DayProfile,
    Staffing,
    profile_data,
    profile_from_data,
    staffing_data,
    staffing_from_data,
)
from server.services.simulation.staffing import MAX_ROUNDS, measure, suggest


def inputs_of(
    profile: DayProfile, staffing: Staffing, level: float, want_suggestion: bool
) -> dict[str, Any]:
    return {
        "profile": profile_data(profile),
        "staffing": staffing_data(staffing),
        "level": level,
        "suggest": want_suggestion,
    }


def days_at_most(want_suggestion: bool) -> int:
    """The simulated days a job runs at most (its progress is counted against this)."""
    return 1 + (MAX_ROUNDS if want_suggestion else 0)


def run(inputs: dict[str, Any], on_day: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The plan's outcome and, when asked, the suggestion: what the what-if answers."""
    profile = profile_from_data(inputs["profile"])
    staffing = staffing_from_data(inputs["staffing"])
    plan = measure(profile, staffing)
    if on_day is not None:
        on_day(1)
    answer: dict[str, Any] = {"plan": plan.to_json(profile), "suggestion": None}
    if inputs["suggest"]:
        found = suggest(
            profile,
            level=inputs["level"],
            on_round=None if on_day is None else (lambda rounds: on_day(1 + rounds)),
        )
        answer["suggestion"] = {
            **found.outcome.to_json(profile),
            "met": found.met,
            "rounds": found.rounds,
        }
    return answer


def _say(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> None:
    inputs = json.loads(sys.stdin.read())
    # The server kills a job at its time limit; should the server itself be gone by then,
    # the job ends on its own a little later (an orphan never runs on for ever).
    limit = inputs.get("seconds")
    if limit and hasattr(signal, "alarm"):
        signal.alarm(int(limit) + 5)
    try:
        result = run(inputs, on_day=lambda days: _say({"days": days}))
    except Exception as error:  # noqa: BLE001  # reported to the job, whatever it is
        _say({"error": f"{type(error).__name__}: {error}"})
        sys.exit(1)
    _say({"result": result})


if __name__ == "__main__":
    main()
