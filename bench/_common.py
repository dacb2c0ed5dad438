"""What the benchmarks share: the production server as a subprocess, a fast HTTP client,
bulk filling of the ticket table, and the printed table.

The client is asyncio over raw keep-alive HTTP/1.1 connections, one per simulated
client, with prebuilt request bytes: it costs a few tens of microseconds of CPU per
request (it reports its own CPU per request, so that one can check it is not the
bottleneck). Server CPU comes from /proc/<pid>/stat (utime + stime).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import Engine, create_engine, insert, text

BIN = Path(sys.executable).parent
SERVER_COMMAND = str(BIN / "hangdoi-server")
POSTGRES_ADMIN_URL = os.environ.get(
    "HANGDOI_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")
OFFICER_PASSWORD = "secret123"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres_database(name: str) -> str:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return urlparse(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl()


def drop_postgres_database(name: str) -> None:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


class Server:
    """A temporary instance (SQLite file or its own PostgreSQL database) and its server process."""

    def __init__(
        self,
        db: str,
        database_name: str = "hangdoi_bench",
        *,
        shared_database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.instance = Path(tempfile.mkdtemp(prefix="hangdoi-bench-"))
        self.db = db
        self.database_name = database_name
        # Another process of the same install: its database exists and is not ours to drop.
        self.owns_database = shared_database_url is None
        if shared_database_url:
            self.database_url = shared_database_url
        elif db == "postgres":
            self.database_url = fresh_postgres_database(database_name)
        else:
            self.database_url = f"sqlite:///{self.instance / 'hangdoi.sqlite3'}"
        self.port = free_port()
        self.env = dict(
            os.environ,
            HANGDOI_DATABASE_URL=self.database_url,
            HANGDOI_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
            PYTHONUNBUFFERED="1",
        )
        self.env.setdefault("HANGDOI_SQLITE_SYNCHRONOUS", "FULL")
        # One kiosk token issues far faster than a kiosk's visitors can; the limit is still checked.
        self.env.setdefault("HANGDOI_RATELIMIT_ISSUE_PER_DEVICE", "1000000/minute")
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.instance / "server.log"
        self.devices: list[dict[str, object]] = []

    def prepare_demo(self, old_tickets: int = 0) -> None:
        """The demo centre, with `old_tickets` closed tickets of past days put in first."""
        log(f"preparing a demo instance on {self.db} in {self.instance} ...")
        subprocess.run(
            [SERVER_COMMAND, "--instance", str(self.instance), "prepare-demo"],
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.devices = json.loads((self.instance / "demo-devices.json").read_text())
        if old_tickets:
            started = time.monotonic()
            engine = self.engine()
            try:
                fill_old_tickets(engine, old_tickets)
            finally:
                engine.dispose()
            log(f"  {old_tickets} old tickets in {time.monotonic() - started:.1f} s")

    @property
    def kiosk_token(self) -> str:
        return str(next(d["token"] for d in self.devices if d["kind"] == "kiosk"))

    def engine(self) -> Engine:
        return create_engine(self.database_url)

    def command(self) -> tuple[list[str], dict[str, str]]:
        """The server's command line and environment: the production server."""
        return (
            [
                SERVER_COMMAND,
                "--instance",
                str(self.instance),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            self.env,
        )

    def start(self) -> None:
        argv, env = self.command()
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.instance,
        )
        log_file.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/api/v1/health", timeout=2
                ):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not come up")

    def cpu_seconds(self) -> float:
        """utime + stime of the server process."""
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> str:
        """Stop the server (SIGTERM, as a service manager would); return its log."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        if self.db == "postgres" and self.owns_database:
            drop_postgres_database(self.database_name)
        shutil.rmtree(self.instance, ignore_errors=True)


# --------------------------------------------------------------------------- filling


def add_officers(engine: Engine, usernames: Sequence[str], site_id: int = 1) -> None:
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(OFFICER_PASSWORD)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_account (site_id, username, full_name, role, password_hash, active, created_at)"
                " VALUES (:site, :username, :name, 'officer', :hash, :active, :at)"
            ),
            [
                {
                    "site": site_id,
                    "username": u,
                    "name": f"Cán bộ {u}",
                    "hash": password_hash,
                    "active": True,
                    "at": dt.datetime(2024, 1, 1),
                }
                for u in usernames
            ],
        )


def _services(engine: Engine) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(text("SELECT id, series_id FROM service ORDER BY id"))
        ]


def _series_start(engine: Engine) -> dict[int, int]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT id, start FROM number_series")).all())


def _insert_tickets(engine: Engine, tickets: list[dict], events: list[dict], numbers: dict) -> None:
    from server.models import DailyNumber, Ticket, TicketEvent

    chunk = 20_000
    with engine.begin() as connection:
        for i in range(0, len(tickets), chunk):
            connection.execute(insert(Ticket), tickets[i : i + chunk])
        for i in range(0, len(events), chunk):
            connection.execute(insert(TicketEvent), events[i : i + chunk])
        connection.execute(
            insert(DailyNumber),
            [{"series_id": s, "business_day": d, "last": last} for (s, d), last in numbers.items()],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE ticket, ticket_event, daily_number"))


def _token(i: int, prefix: str) -> str:
    return f"{prefix}{i:012d}{secrets.token_hex(8)}"


def fill_old_tickets(engine: Engine, count: int, *, days: int = 250, seed: int = 1) -> None:
    """`count` closed tickets of past business days, spread across services, with their events.

    States: ~85% done (issue, call, start, finish events), ~8% no-show (issue, call,
    no_show), ~4% cancelled, ~3% expired.
    """
    if count <= 0:
        return
    rng = random.Random(seed)
    services = _services(engine)
    starts = _series_start(engine)
    today = dt.date.today()
    per_day = max(1, count // days)
    numbers: dict[tuple[int, dt.date], int] = {}
    tickets: list[dict] = []
    events: list[dict] = []
    first_id = 10_000_000  # far above what the server will issue during the run
    event_id = 50_000_000
    for i in range(count):
        ticket_id = first_id + i
        day = today - dt.timedelta(days=1 + i // per_day)
        service_id, series_id = rng.choice(services)
        seq = numbers.get((series_id, day), starts[series_id] - 1) + 1
        numbers[(series_id, day)] = seq
        issued = dt.datetime.combine(day, dt.time(1, 0)) + dt.timedelta(
            seconds=rng.randrange(8 * 3600)
        )
        called = issued + dt.timedelta(minutes=rng.randrange(1, 40))
        started = called + dt.timedelta(minutes=1)
        finished = started + dt.timedelta(minutes=rng.randrange(3, 20))
        roll = rng.random()
        if roll < 0.85:
            state, path = (
                "done",
                [
                    ("issue", None, "waiting", issued),
                    ("call", "waiting", "called", called),
                    ("start", "called", "serving", started),
                    ("finish", "serving", "done", finished),
                ],
            )
        elif roll < 0.93:
            state, path = (
                "no_show",
                [
                    ("issue", None, "waiting", issued),
                    ("call", "waiting", "called", called),
                    ("no_show", "called", "no_show", started),
                ],
            )
        elif roll < 0.97:
            state, path = (
                "cancelled",
                [("issue", None, "waiting", issued), ("cancel", "waiting", "cancelled", called)],
            )
        else:
            state, path = (
                "expired",
                [("issue", None, "waiting", issued), ("expire", "waiting", "expired", finished)],
            )
        counter_id = rng.randrange(1, 21) if state in ("done", "no_show") else None
        tickets.append(
            {
                "id": ticket_id,
                "site_id": 1,
                "service_id": service_id,
                "series_id": series_id,
                "business_day": day,
                "seq": seq,
                "number": f"{seq:04d}",
                "state": state,
                "priority_category_id": None,
                "dossier_code": None,
                "tracking_token": _token(i, "old"),
                "lang": "vi",
                "issued_at": issued.replace(tzinfo=dt.UTC),
                "queued_at": issued.replace(tzinfo=dt.UTC),
                "called_at": called.replace(tzinfo=dt.UTC) if counter_id else None,
                "started_at": started.replace(tzinfo=dt.UTC) if state == "done" else None,
                "finished_at": path[-1][3].replace(tzinfo=dt.UTC),
                "call_count": 1 if counter_id else 0,
                "counter_id": counter_id,
                "target_counter_id": None,
                "outcome": "completed" if state == "done" else None,
                "transferred_from_id": None,
                "issued_by_device_id": 1,
                "issued_by_user_id": None,
            }
        )
        for action, from_state, to_state, at in path:
            event_id += 1
            events.append(
                {
                    "id": event_id,
                    "ticket_id": ticket_id,
                    "site_id": 1,
                    "action": action,
                    "from_state": from_state,
                    "to_state": to_state,
                    "at": at.replace(tzinfo=dt.UTC),
                    "user_id": None,
                    "device_id": 1 if action == "issue" else None,
                    "counter_id": counter_id if action != "issue" else None,
                    "note": None,
                }
            )
    _insert_tickets(engine, tickets, events, numbers)
    _bump_sequences(engine)


def fill_waiting_tickets(engine: Engine, per_service: dict[int, int]) -> None:
    """Waiting tickets of today (Asia/Ho_Chi_Minh), `per_service[service_id]` of each, in queue order."""
    from server.services.clock import business_day

    services = dict(_services(engine))
    starts = _series_start(engine)
    now = dt.datetime.now(dt.UTC)
    day = business_day(now, "Asia/Ho_Chi_Minh")
    with engine.connect() as connection:
        numbers = {
            (s, day): last
            for s, last in connection.execute(
                text("SELECT series_id, last FROM daily_number WHERE business_day = :d"), {"d": day}
            )
        }
        next_id = (connection.scalar(text("SELECT max(id) FROM ticket")) or 0) + 1
        next_event = (connection.scalar(text("SELECT max(id) FROM ticket_event")) or 0) + 1
    if numbers:
        raise RuntimeError("fill_waiting_tickets runs on a day without tickets yet")
    tickets, events = [], []
    order = [sid for sid, n in per_service.items() for _ in range(n)]
    random.Random(2).shuffle(order)
    base = now - dt.timedelta(hours=2)
    for i, service_id in enumerate(order):
        series_id = services[service_id]
        seq = numbers.get((series_id, day), starts[series_id] - 1) + 1
        numbers[(series_id, day)] = seq
        at = base + dt.timedelta(milliseconds=i)
        tickets.append(
            {
                "id": next_id + i,
                "site_id": 1,
                "service_id": service_id,
                "series_id": series_id,
                "business_day": day,
                "seq": seq,
                "number": f"W{seq:05d}",
                "state": "waiting",
                "priority_category_id": None,
                "dossier_code": None,
                "tracking_token": _token(i, "wait"),
                "lang": "vi",
                "issued_at": at,
                "queued_at": at,
                "call_count": 0,
                "issued_by_device_id": 1,
                "counter_id": None,
                "target_counter_id": None,
                "transferred_from_id": None,
                "issued_by_user_id": None,
                "called_at": None,
                "started_at": None,
                "finished_at": None,
                "outcome": None,
            }
        )
        events.append(
            {
                "id": next_event + i,
                "ticket_id": next_id + i,
                "site_id": 1,
                "action": "issue",
                "from_state": None,
                "to_state": "waiting",
                "at": at,
                "user_id": None,
                "device_id": 1,
                "counter_id": None,
                "note": None,
            }
        )
    _insert_tickets(engine, tickets, events, numbers)
    _bump_sequences(engine)


def _bump_sequences(engine: Engine) -> None:
    """PostgreSQL: move the id sequences past the ids inserted by hand."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("ticket", "ticket_event"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            )


# --------------------------------------------------------------------------- the client


class Connection:
    """One keep-alive HTTP/1.1 connection, minimal and fast."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, ssl=self.tls)

    @staticmethod
    def build(method: str, path: str, body: object = None, token: str | None = None) -> bytes:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if token:
            lines.append(f"Authorization: Bearer {token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def send(self, request: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                data = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += data[:-2]
        else:
            body = await self.reader.readexactly(length or 0)
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass


# A unit of work: one or more requests on one connection; returns (requests made, ok).
Unit = Callable[[Connection, int, int], Awaitable[tuple[int, bool]]]


@dataclass
class Result:
    label: str
    concurrency: int
    units: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))] * 1000


async def _drive(
    port: int, concurrency: int, total: int, unit: Unit, tls: ssl.SSLContext | None = None
) -> tuple[list[float], int, int, float]:
    connections = [Connection("127.0.0.1", port, tls) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in connections))
    latencies: list[float] = []
    counts = {"requests": 0, "errors": 0}
    per_worker = [
        total // concurrency + (1 if w < total % concurrency else 0) for w in range(concurrency)
    ]

    async def worker(w: int) -> None:
        conn = connections[w]
        for i in range(per_worker[w]):
            started = time.perf_counter()
            made, ok = await unit(conn, w, i)
            latencies.append(time.perf_counter() - started)
            counts["requests"] += made
            if not ok:
                counts["errors"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    seconds = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in connections))
    return latencies, counts["requests"], counts["errors"], seconds


def run(server: Server, label: str, concurrency: int, total: int, unit: Unit) -> Result:
    return measure(server.cpu_seconds, server.port, label, concurrency, total, unit)


def measure(
    server_cpu: Callable[[], float],
    port: int,
    label: str,
    concurrency: int,
    total: int,
    unit: Unit,
    tls: ssl.SSLContext | None = None,
) -> Result:
    """One row: `total` units through `port` at `concurrency`, with the CPU that
    `server_cpu` reads (one process, or several summed) and the client's own."""
    cpu_before, client_before = server_cpu(), time.process_time()
    latencies, made, errors, seconds = asyncio.run(_drive(port, concurrency, total, unit, tls))
    return Result(
        label,
        concurrency,
        len(latencies),
        made,
        errors,
        seconds,
        latencies,
        server_cpu() - cpu_before,
        time.process_time() - client_before,
    )


def simple(request: bytes | Sequence[bytes], expect: int) -> Unit:
    """A unit of one request (cycling through `request` if several), expecting status `expect`."""
    requests = [request] if isinstance(request, bytes) else list(request)

    async def unit(conn: Connection, worker: int, i: int) -> tuple[int, bool]:
        status, _ = await conn.send(requests[(worker * 7919 + i) % len(requests)])
        return 1, status == expect

    return unit


def health_unit() -> Unit:
    return simple(Connection.build("GET", "/api/v1/health"), 200)


# --------------------------------------------------------------------------- output


HEADER = (
    f"{'db':<8} {'old':>7} {'conc':>4} {'route':<22} {'units':>6} {'err':>4} {'units/s':>8} "
    f"{'p50 ms':>7} {'p99 ms':>7} {'srv CPU ms/unit':>15} {'srv CPU ms/req':>14} {'client CPU ms/unit':>18}"
)


def row(db: str, old: int, result: Result) -> str:
    per_unit = 1000 / max(1, result.units)
    per_req = 1000 / max(1, result.requests)
    return (
        f"{db:<8} {old:>7} {result.concurrency:>4} {result.label:<22} {result.units:>6} {result.errors:>4} "
        f"{result.rate:>8.0f} {result.percentile(50):>7.1f} {result.percentile(99):>7.1f} "
        f"{result.server_cpu * per_unit:>15.2f} {result.server_cpu * per_req:>14.2f} "
        f"{result.client_cpu * per_unit:>18.3f}"
    )


def ratio_line(work: Result, baseline: Result) -> str:
    work_cpu = work.server_cpu / max(1, work.requests)
    base_cpu = baseline.server_cpu / max(1, baseline.requests)
    return (
        f"{'':<8} {'':>7} {work.concurrency:>4} {work.label} / {baseline.label}: server CPU per request "
        f"{work_cpu / base_cpu if base_cpu else float('nan'):.1f}x, throughput "
        f"{work.requests / work.seconds / (baseline.requests / baseline.seconds):.2f}x (requests/s)"
    )


def median_line(rounds: Sequence[tuple[Result, Result]]) -> str:
    """The median over rounds of (work, baseline) pairs: units/s, p99 and the CPU ratio."""
    import statistics

    rates = statistics.median(w.rate for w, _ in rounds)
    p99 = statistics.median(w.percentile(99) for w, _ in rounds)
    ratio = statistics.median(
        (w.server_cpu / max(1, w.requests)) / max(1e-9, b.server_cpu / max(1, b.requests))
        for w, b in rounds
    )
    work = rounds[0][0]
    return (
        f"{'':<8} {'':>7} {work.concurrency:>4} median of {len(rounds)} rounds: {work.label} {rates:.0f} units/s, "
        f"p99 {p99:.1f} ms, server CPU per request {ratio:.1f}x the baseline's"
    )


def concurrency_levels(value: str) -> list[int]:
    levels = [int(v) for v in value.split(",") if v.strip()]
    if not levels or min(levels) < 1:
        raise ValueError("concurrency levels are positive integers")
    return levels
