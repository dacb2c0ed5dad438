"""Does a what-if job leave the server responsive? The production server (gevent, one
process, a fresh demo instance on SQLite) is asked for a provincial centre's staffing
suggestion (the costliest what-if), and /api/v1/health is timed before and while the job
runs. Run in the request, the suggestion stopped the process's event loop for its whole
run; as a job (server.services.simulation.jobs) it runs in a process of its own.

Usage: python bench/whatif_jobs.py [--profile scenario:provincial] [--instance DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server.live import make_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="scenario:provincial")
    parser.add_argument("--instance", default=None)
    args = parser.parse_args()
    server = make_server(
        Path(args.instance or tempfile.mkdtemp(prefix="hangdoi-whatif-")), "sqlite"
    )
    server.start()
    try:
        client = server.session(server.login("lanhdao", "lanhdao123"))

        def health_ms() -> float:
            start = time.perf_counter()
            client.get(server.url + "/api/v1/health", timeout=120).raise_for_status()
            return (time.perf_counter() - start) * 1000

        idle = [health_ms() for _ in range(50)]
        start = time.perf_counter()
        answer = client.post(
            server.url + "/api/v1/sites/1/whatif/jobs",
            json={"profile": args.profile, "suggest": True},
            timeout=120,
        )
        answer.raise_for_status()
        post_ms = (time.perf_counter() - start) * 1000
        location = server.url + answer.headers["Location"]
        job, during = answer.json(), []
        while job["status"] not in ("done", "failed"):
            for _ in range(10):
                during.append(health_ms())
                time.sleep(0.05)
            job = client.get(location, timeout=120).json()
        took = time.perf_counter() - start
        rounds = job["result"]["suggestion"]["rounds"] if job["result"] else None

        def pct(xs: list[float], p: float) -> float:
            return sorted(xs)[int(p * (len(xs) - 1))]

        print(
            f"POST answered in {post_ms:.0f} ms; job {job['status']} after {took:.1f} s "
            f"({job['days_done']} simulated days, {rounds} rounds)"
        )
        print(
            f"health idle: median {statistics.median(idle):.1f} ms, max {max(idle):.1f} ms (n={len(idle)})"
        )
        print(
            f"health while the job ran: median {statistics.median(during):.1f} ms, "
            f"p99 {pct(during, 0.99):.1f} ms, max {max(during):.1f} ms (n={len(during)})"
        )
    finally:
        server.kill()


if __name__ == "__main__":
    main()
