"""Benchmark: issuing tickets through the production server, beside the empty route.

    python bench/issue.py --db sqlite --old-tickets 0 --concurrency 1,8,32 --requests 3000
    python bench/issue.py --smoke

Starts ``hangdoi-server serve`` on a temporary demo instance (SQLite, or its own
PostgreSQL database), optionally with OLD closed tickets of past days in the table, then
for each concurrency level runs GET /api/v1/health and POST /api/v1/tickets (kiosk token,
services in turn) and prints tickets/s, p50/p99 latency, and server CPU per request.
Each row issues into an empty queue (what earlier rows left waiting is expired first) and
prints how deep the queue got; --keep-queue lets the queues pile up from row to row
instead (a ticket's place is counted over its service's queue, so issuing slows as
queues grow). Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from _common import (
    HEADER,
    Connection,
    Server,
    concurrency_levels,
    health_unit,
    median_line,
    ratio_line,
    row,
    run,
    simple,
)
from sqlalchemy import text


def waiting_tickets(server: Server) -> int:
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(text("SELECT count(*) FROM ticket WHERE state = 'waiting'")) or 0
            )
    finally:
        engine.dispose()


def expire_waiting(server: Server) -> None:
    """End the tickets earlier rows left waiting (as the nightly close-out would), so that
    every row issues into the same, empty queue."""
    engine = server.engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE ticket SET state = 'expired', finished_at = :now WHERE state = 'waiting'"
                ),
                {"now": dt.datetime.now(dt.UTC).replace(tzinfo=None)},
            )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--old-tickets", type=int, default=0, help="closed tickets of past days put in first"
    )
    parser.add_argument("--concurrency", type=concurrency_levels, default=[1, 8, 32])
    parser.add_argument(
        "--requests", type=int, default=3000, help="requests per route and concurrency level"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="health-then-issue rounds per level (this machine's speed drifts: the median is printed)",
    )
    parser.add_argument(
        "--keep-queue",
        action="store_true",
        help="issue each row on top of the tickets earlier rows left waiting (by default every row "
        "starts from an empty queue, so that rows compare; issuing costs more as queues grow)",
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny run of a few seconds (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.concurrency, args.old_tickets = 60, [1, 4], min(args.old_tickets, 500)

    server = Server(args.db)
    try:
        server.prepare_demo(args.old_tickets)
        engine = server.engine()
        with engine.connect() as connection:
            services = list(
                connection.scalars(
                    text("SELECT id FROM service WHERE active AND daily_quota IS NULL ORDER BY id")
                )
            )
        engine.dispose()
        server.start()
        token = server.kiosk_token
        issue_requests = [
            Connection.build("POST", "/api/v1/tickets", {"service_id": s}, token) for s in services
        ]
        health = health_unit()
        issue = simple(issue_requests, 201)
        # Warm up both routes (imports, caches, connection pool).
        run(server, "warm-up", 2, 40, health)
        run(server, "warm-up", 2, 40, issue)

        print(
            f"\nissue benchmark: {args.db}, {args.old_tickets} old tickets, {args.requests} requests per row,"
            f" server pid {server.process.pid if server.process else '?'}"
        )
        print(HEADER)
        for level in args.concurrency:
            rounds = []
            for _ in range(max(1, args.rounds)):
                if not args.keep_queue:
                    expire_waiting(server)
                before = waiting_tickets(server)
                baseline = run(server, "GET /health", level, args.requests, health)
                work = run(server, "POST /tickets", level, args.requests, issue)
                after = waiting_tickets(server)
                print(row(args.db, args.old_tickets, baseline))
                print(row(args.db, args.old_tickets, work))
                print(ratio_line(work, baseline))
                print(
                    f"{'':<8} {'':>7} {level:>4} queue: {before} waiting at the start of the row, {after} at the end"
                    f" ({after / len(services):.0f} per service)",
                    flush=True,
                )
                rounds.append((work, baseline))
            if len(rounds) > 1:
                print(median_line(rounds), flush=True)
        engine = server.engine()
        with engine.connect() as connection:
            total = connection.scalar(text("SELECT count(*) FROM ticket"))
        engine.dispose()
        print(f"tickets in the table at the end: {total}")
        for line in server.stop().splitlines():
            if "issue requests in" in line:  # the server's group commit, over the whole run
                print("server:", line.split(": ", 1)[-1])
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
