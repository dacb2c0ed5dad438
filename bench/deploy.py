"""Benchmark: issuing through the shipped deployment while the queues grow.

    python bench/deploy.py --processes 3 --per-service 400 --concurrency 32
    python bench/deploy.py --smoke

Starts nginx with the shipped configuration (deploy/nginx/, run by tests/server/nginx.py
with its own ports, paths and a self-signed certificate) in front of PROCESSES production
servers on one PostgreSQL database and the running Redis (a channel of its own), then
issues tickets through nginx over TLS (kiosk token, the services in turn) until every
service has PER_SERVICE tickets waiting. The run is cut into ROWS equal rows; each row
prints tickets/s, p50/p99, the servers' CPU per ticket (all processes together) and how
deep the queues are at its end. The last line compares the last row's throughput with the
first one's (the queues were nearly empty then, full at the end): issuing should not slow
down by more than a fifth as the queues grow. Also printed: how nginx spread the requests
of this one client address over the processes (from its access log). Prints figures only;
asserts nothing.

Needs nginx (Debian's package) and openssl, PostgreSQL (HANGDOI_BENCH_POSTGRES_URL) and
Redis (HANGDOI_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import (
    CLK_TCK,
    HEADER,
    Connection,
    Result,
    Server,
    Unit,
    concurrency_levels,
    log,
    measure,
    row,
    simple,
)
from sqlalchemy import text

# The nginx harness of the deployment test: the shipped configuration, rewritten only for
# ports, paths and the certificate (standard library only).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.server.nginx import Nginx  # noqa: E402

REDIS_URL = os.environ.get("HANGDOI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE = "hangdoi_bench_deploy"


def process_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def nginx_cpu(nginx: Nginx) -> float:
    """CPU of nginx's master and workers."""
    assert nginx.process is not None
    pids = [nginx.process.pid]
    try:
        pids += [
            int(p)
            for p in Path(f"/proc/{nginx.process.pid}/task/{nginx.process.pid}/children")
            .read_text()
            .split()
        ]
    except OSError:
        pass
    return sum(process_cpu(pid) for pid in pids)


def waiting_per_service(server: Server, services: list[int]) -> tuple[int, int]:
    """(fewest, most) tickets waiting over `services`."""
    engine = server.engine()
    try:
        with engine.connect() as connection:
            counts = dict(
                connection.execute(
                    text(
                        "SELECT service_id, count(*) FROM ticket WHERE state = 'waiting' GROUP BY service_id"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    values = [counts.get(s, 0) for s in services]
    return min(values), max(values)


def run_through(
    nginx: Nginx, servers: list[Server], label: str, concurrency: int, total: int, unit: Unit
) -> tuple[Result, float]:
    """Like _common.run, through nginx over TLS; server CPU summed over the processes.
    Also returns nginx's CPU over the row."""
    nginx_before = nginx_cpu(nginx)
    result = measure(
        lambda: sum(s.cpu_seconds() for s in servers),
        nginx.https_port,
        label,
        concurrency,
        total,
        unit,
        tls=nginx.ssl_context(),
    )
    return result, nginx_cpu(nginx) - nginx_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=3, help="server processes behind nginx")
    parser.add_argument(
        "--per-service", type=int, default=400, help="tickets waiting per service at the end"
    )
    parser.add_argument(
        "--services",
        type=int,
        default=0,
        help="issue into this many services (0: all without a quota)",
    )
    parser.add_argument("--concurrency", type=concurrency_levels, default=[32], help="one level")
    parser.add_argument("--rows", type=int, default=10, help="the run is printed in this many rows")
    parser.add_argument("--smoke", action="store_true", help="a tiny run of a few seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.per_service, args.services, args.rows, args.concurrency = 10, 4, 2, [8]
    concurrency = args.concurrency[0]

    folder = Path(tempfile.mkdtemp(prefix="hangdoi-bench-deploy-"))
    env = {
        "HANGDOI_REDIS_URL": REDIS_URL,
        "HANGDOI_REDIS_CHANNEL": f"hangdoi-bench-{secrets.token_hex(4)}",
        "HANGDOI_SECRET_KEY": secrets.token_hex(32),
        "HANGDOI_TRUSTED_PROXIES": "1",
    }
    first = Server("postgres", DATABASE, env=env)
    servers = [first] + [
        Server("postgres", DATABASE, shared_database_url=first.database_url, env=env)
        for _ in range(args.processes - 1)
    ]
    nginx = Nginx(folder / "nginx", [s.port for s in servers])
    try:
        first.prepare_demo()
        for server in servers[1:]:
            server.devices = first.devices
        engine = first.engine()
        with engine.connect() as connection:
            services = list(
                connection.scalars(
                    text("SELECT id FROM service WHERE active AND daily_quota IS NULL ORDER BY id")
                )
            )
        engine.dispose()
        if args.services:
            services = services[: args.services]
        for server in servers:
            server.env["HANGDOI_PUBLIC_URL"] = nginx.url
        log(f"starting {len(servers)} server processes and nginx ...")
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.start(), servers))
        nginx.start()

        token = first.kiosk_token
        issue = simple(
            [
                Connection.build("POST", "/api/v1/tickets", {"service_id": s}, token)
                for s in services
            ],
            201,
        )
        # Warm up every process (imports, caches, pools), then start again from empty queues.
        run_through(nginx, servers, "warm-up", 4, 20 * len(servers), issue)
        engine = first.engine()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE ticket SET state = 'expired', finished_at = :now WHERE state = 'waiting'"
                ),
                {"now": dt.datetime.now(dt.UTC).replace(tzinfo=None)},
            )
        engine.dispose()

        total = args.per_service * len(services)
        per_row = total // args.rows
        print(
            f"\ndeploy benchmark: nginx (TLS) + {len(servers)} processes, PostgreSQL, Redis; {len(services)} services "
            f"filled to {args.per_service} waiting each ({total} tickets) in {args.rows} rows, concurrency {concurrency}"
        )
        print(HEADER + f" {'nginx CPU ms/unit':>17} {'waiting/service':>16}")
        rows: list[Result] = []
        for index in range(args.rows):
            count = per_row if index < args.rows - 1 else total - per_row * (args.rows - 1)
            result, nginx_seconds = run_through(
                nginx, servers, "POST /tickets via nginx", concurrency, count, issue
            )
            fewest, most = waiting_per_service(first, services)
            print(
                row("postgres", 0, result)
                + f" {nginx_seconds * 1000 / max(1, result.units):>17.2f} "
                f"{fewest:>7}-{most:<8}",
                flush=True,
            )
            rows.append(result)
        start, end = rows[0], rows[-1]
        change = end.rate / start.rate - 1 if start.rate else float("nan")
        verdict = "within 20%" if abs(change) <= 0.2 else "MORE THAN 20% apart"
        print(
            f"throughput at the start {start.rate:.0f} tickets/s (queues nearly empty), at the end {end.rate:.0f} "
            f"tickets/s ({args.per_service} waiting per service): {change:+.0%}, {verdict}"
        )
        spread = Tally(
            e["upstream"].split(", ")[-1]
            for e in nginx.access_entries()
            if e["uri"] == "/api/v1/tickets"
        )
        print(
            "requests per process from one client address (nginx access log, warm-up included): "
            + ", ".join(f"{upstream} {count}" for upstream, count in sorted(spread.items()))
        )
        errors = sum(r.errors for r in rows)
        if errors:
            print(f"errors: {errors} answers were not 201")
    finally:
        nginx.stop()
        for server in reversed(servers):
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
