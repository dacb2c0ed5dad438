"""Benchmark: call-next cycles at 16 counters through the production server.

    python bench/call_next.py --db sqlite --old-tickets 0 --concurrency 1,8,16 --requests 1500
    python bench/call_next.py --smoke

Starts ``hangdoi-server serve`` on a temporary demo instance, fills today's queue with
waiting tickets (straight into the database), logs in 16 officers who open counters
1..16, then for each concurrency level c lets counters 1..c each run cycles of
call-next, start, finish (three requests; a cycle that finds nobody waiting is counted
as an error). Prints cycles/s, p50/p99 cycle latency, server CPU per cycle and per
request, beside GET /api/v1/health at the same concurrency. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections import Counter as Tally

from _common import (
    HEADER,
    OFFICER_PASSWORD,
    Connection,
    Server,
    add_officers,
    concurrency_levels,
    fill_waiting_tickets,
    health_unit,
    log,
    ratio_line,
    row,
    run,
)
from sqlalchemy import text

COUNTERS = 16
DEMO_OFFICERS = 8
DEMO_PASSWORD = "canbo123"


def _post(server: Server, path: str, body: object, token: str | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--old-tickets", type=int, default=0, help="closed tickets of past days put in first"
    )
    parser.add_argument("--concurrency", type=concurrency_levels, default=[1, 8, 16])
    parser.add_argument(
        "--requests", type=int, default=1500, help="call cycles per concurrency level"
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny run of a few seconds (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.concurrency, args.old_tickets = 48, [1, 4], min(args.old_tickets, 500)
    if max(args.concurrency) > COUNTERS:
        parser.error(f"at most {COUNTERS} counters")

    server = Server(args.db)
    try:
        server.prepare_demo(args.old_tickets)
        engine = server.engine()
        extra = [f"bench{n:02d}" for n in range(DEMO_OFFICERS + 1, COUNTERS + 1)]
        add_officers(engine, extra)
        # Each counter calls from its first-choice service; give every counter enough
        # for all the cycles it runs (counter k runs requests/c cycles at each level c >= k).
        with engine.connect() as connection:
            first_choice = dict(
                connection.execute(
                    text(
                        "SELECT counter_id, service_id FROM counter_service WHERE rank = 0 AND counter_id <= :n"
                    ),
                    {"n": COUNTERS},
                ).all()
            )
        need: Tally[int] = Tally()
        for level in args.concurrency:
            for counter in range(1, level + 1):
                need[first_choice[counter]] += -(-args.requests // level) + 2
        fill_waiting_tickets(engine, {service: int(n * 1.1) + 5 for service, n in need.items()})
        log(
            f"  {sum(need.values())} waiting tickets needed, {int(sum(need.values()) * 1.1)} filled"
        )
        engine.dispose()
        server.start()

        logins = [(f"canbo{n:02d}", DEMO_PASSWORD) for n in range(1, DEMO_OFFICERS + 1)]
        logins += [(name, OFFICER_PASSWORD) for name in extra]
        tokens = []
        for counter, (username, password) in enumerate(logins, start=1):
            token = _post(
                server, "/api/v1/auth/token", {"username": username, "password": password}
            )["token"]
            _post(server, f"/api/v1/counters/{counter}/open", {}, token)
            tokens.append(token)
        requests = [
            (
                Connection.build("POST", f"/api/v1/counters/{c}/call-next", {}, tokens[c - 1]),
                Connection.build("POST", f"/api/v1/counters/{c}/start", {}, tokens[c - 1]),
                Connection.build(
                    "POST", f"/api/v1/counters/{c}/finish", {"outcome": "completed"}, tokens[c - 1]
                ),
            )
            for c in range(1, COUNTERS + 1)
        ]

        async def cycle(conn: Connection, worker: int, _i: int) -> tuple[int, bool]:
            call, start, finish = requests[worker]
            status, body = await conn.send(call)
            if status != 200 or b'"ticket":null' in body.replace(b" ", b""):
                return 1, False
            status_start, _ = await conn.send(start)
            status_finish, _ = await conn.send(finish)
            return 3, status_start == 200 and status_finish == 200

        health = health_unit()
        run(server, "warm-up", 2, 40, health)
        print(
            f"\ncall-next benchmark: {args.db}, {args.old_tickets} old tickets, {args.requests} cycles per row"
            " (a cycle = call-next + start + finish)"
        )
        print(HEADER)
        for level in args.concurrency:
            baseline = run(server, "GET /health", level, args.requests, health)
            work = run(server, "call+start+finish", level, args.requests, cycle)
            print(row(args.db, args.old_tickets, baseline))
            print(row(args.db, args.old_tickets, work))
            print(ratio_line(work, baseline), flush=True)
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
