"""Benchmark: from a counter's call-next to every screen's receipt of ``ticket.called``.

    python bench/call_latency.py --clients 1000,5000 --calls 200 --counters 16 --displays 50
    python bench/call_latency.py --mode threading --clients 1000
    python bench/call_latency.py --smoke

For each N of ``--clients``, on a fresh temporary demo instance:

1. fills today's queue with waiting tickets (straight into the database) in the
   first-choice services of counters 1..M, and adds officers so that M counters open;
2. starts the server in its own process: ``--mode gevent`` is the production server
   (``hangdoi-server serve``: gevent pywsgi, monkey-patched); ``--mode threading`` runs
   the same app with ``HANGDOI_ASYNC_MODE=threading`` under Werkzeug's threaded server
   (``socketio.run(..., allow_unsafe_werkzeug=True)``; websockets through simple-websocket);
3. connects N real Socket.IO clients (python-socketio ``AsyncClient``, websocket transport)
   from ONE separate client process, in batches: N - D phones, each with its own
   ticket's tracking token (ticket room + service room: queue.changed), and D hall displays (device
   tokens of zones tang-1 / tang-2: zone room + queue room);
4. M counters call next through the REST API at ``--rate`` calls per second in all, each
   call followed by a no-show so that the counter is free again. The API request's start
   and every client's receipt of the matching ``ticket.called`` (matched by ticket id; the
   seq is kept too) are stamped with ``clock_gettime(CLOCK_MONOTONIC)``, comparable across
   processes of one machine.

Prints, per N: connect time (total, p50/p99 per client), latency from the call's start
to each receipt (p50/p99/max), receipts seen / expected (the called ticket's own phone
+ the counter's zone displays), the call request's own latency, server RSS per client
(VmRSS after connecting minus before, over N), and the CPU both processes used during
the calls. Measures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter as Tally
from collections import defaultdict
from pathlib import Path

from _common import (
    CLK_TCK,
    OFFICER_PASSWORD,
    Connection,
    Server,
    add_officers,
    fill_waiting_tickets,
    log,
)
from sqlalchemy import text

DEMO_OFFICERS = 8
DEMO_PASSWORD = "canbo123"
MONOTONIC = time.CLOCK_MONOTONIC


def now() -> float:
    return time.clock_gettime(MONOTONIC)


def pct(data: list[float], p: float) -> float:
    if not data:
        return float("nan")
    data = sorted(data)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]


def raise_fd_limit(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, want)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# --------------------------------------------------------------------------- the servers


THREADING_SERVER = """\
import logging, os, sys
logging.basicConfig(level=logging.WARNING)
from server import create_app
from server.realtime import socketio
app = create_app(instance_path=sys.argv[1])
assert socketio.async_mode == "threading", socketio.async_mode
socketio.run(app, host="127.0.0.1", port=int(sys.argv[2]), allow_unsafe_werkzeug=True, log_output=False)
"""


class ThreadingServer(Server):
    """The same app with async_mode "threading" under Werkzeug's threaded server."""

    def command(self) -> tuple[list[str], dict[str, str]]:
        return (
            [sys.executable, "-c", THREADING_SERVER, str(self.instance), str(self.port)],
            dict(self.env, HANGDOI_ASYNC_MODE="threading"),
        )


# --------------------------------------------------------------------------- client process


async def _clients_main(spec_path: str) -> None:
    """The client process: connect every client, record receipts until told to stop."""
    import aiohttp
    import socketio

    spec = json.loads(Path(spec_path).read_text())
    url = f"http://127.0.0.1:{spec['port']}"
    auths: list[dict] = spec["auths"]
    kinds: list[str] = spec["kinds"]
    batch = spec["batch"]
    receipts: list[
        tuple[int, int, int, float]
    ] = []  # (client kind: 0 phone 1 display, ticket id, seq, t)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False))
    clients: list[socketio.AsyncClient] = []
    connect_times: list[float] = []
    failures: Tally[str] = Tally()

    def make(kind: int) -> socketio.AsyncClient:
        sio = socketio.AsyncClient(reconnection=False, http_session=http, handle_sigint=False)

        @sio.on("ticket.called")
        async def called(envelope: dict) -> None:
            t = now()
            receipts.append((kind, envelope["data"]["ticket"]["id"], envelope["seq"], t))

        return sio

    async def connect(i: int) -> None:
        sio = make(0 if kinds[i] == "phone" else 1)
        started = now()
        try:
            await asyncio.wait_for(
                sio.connect(url, auth=auths[i], transports=["websocket"], wait_timeout=60), 90
            )
        except Exception as error:  # noqa: BLE001 - counted and reported
            failures[type(error).__name__ + ": " + str(error)[:80]] += 1
            return
        connect_times.append(now() - started)
        clients.append(sio)

    started = now()
    for first in range(0, len(auths), batch):
        await asyncio.gather(*(connect(i) for i in range(first, min(len(auths), first + batch))))
    total = now() - started
    # The clients' objects live to the end: keep them out of the collector's full passes,
    # which otherwise stop this process for ~0.5 s every few seconds at 5,000 clients.
    gc.collect()
    gc.freeze()
    print(
        json.dumps(
            {
                "connected": len(clients),
                "seconds": total,
                "times": connect_times,
                "failures": dict(failures),
            }
        ),
        flush=True,
    )

    # How late this process's event loop runs a 10 ms timer: when it is in the order of the
    # latencies, the client process, not the server, is what is measured.
    lags: list[float] = []

    async def watch_lag() -> None:
        while True:
            before = now()
            await asyncio.sleep(0.01)
            lags.append(now() - before - 0.01)

    watcher = asyncio.create_task(watch_lag())
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)  # "stop" (or EOF: the parent died)
    watcher.cancel()
    Path(spec["receipts"]).write_text(json.dumps(receipts))
    lag_ms = [x * 1000 for x in lags]
    print(
        json.dumps(
            {
                "done": len(receipts),
                "cpu": time.process_time(),
                "stop": line.strip(),
                "lag_p99": pct(lag_ms, 99),
                "lag_max": max(lag_ms, default=0.0),
            }
        ),
        flush=True,
    )
    try:
        await asyncio.wait_for(
            asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True), 20
        )
    except TimeoutError:
        pass
    await http.close()


def clients_process_main(spec_path: str) -> None:
    raise_fd_limit(len(json.loads(Path(spec_path).read_text())["auths"]) + 200)
    try:
        if json.loads(Path(spec_path).read_text()).get("uvloop"):
            import uvloop

            uvloop.run(_clients_main(spec_path))
        else:
            asyncio.run(_clients_main(spec_path))
    finally:
        sys.stdout.flush()
        os._exit(0)  # do not wait for lingering sockets


class ClientProcess:
    def __init__(self, spec: dict, workdir: Path) -> None:
        self.spec_path = workdir / "clients.json"
        self.receipts_path = workdir / "receipts.json"
        spec = dict(spec, receipts=str(self.receipts_path))
        self.spec_path.write_text(json.dumps(spec))
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--clients-process", str(self.spec_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )

    def read(self, timeout: float) -> dict:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"client process exited with {self.process.returncode}")
            ready, _, _ = select.select([self.process.stdout], [], [], 1.0)
            if ready:
                line = self.process.stdout.readline()
                if line.startswith("{"):
                    return json.loads(line)
        raise TimeoutError("client process did not answer in time")

    def stop(self, timeout: float = 60) -> tuple[list, dict]:
        assert self.process.stdin is not None
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        answer = self.read(timeout)
        return json.loads(self.receipts_path.read_text()), answer

    def close(self) -> None:
        if self.process.poll() is None:
            if self.process.stdin is not None:
                self.process.stdin.close()  # EOF: it stops waiting for "stop"
            try:
                self.process.wait(25)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()


# --------------------------------------------------------------------------- counters


def _post(port: int, path: str, body: object, token: str | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


async def _drive_counters(
    port: int, tokens: list[str], calls: int, rate: float, *, fresh: bool = False
) -> list[tuple[int, int, float, float]]:
    """Each of len(tokens) counters: call-next, then no-show; calls spread at `rate` per second in all.

    Returns (counter, ticket id, request start, request end) per call that called someone.
    `fresh`: a new connection for every request (Werkzeug answers "Connection: close")."""
    counters = len(tokens)
    done: list[tuple[int, int, float, float]] = []
    conns = [Connection("127.0.0.1", port) for _ in range(counters)]
    await asyncio.gather(*(c.open() for c in conns))
    start_at = now() + 0.2

    async def send(k: int, request: bytes) -> tuple[int, bytes]:
        if fresh:
            await conns[k].close()
            await conns[k].open()
        return await asyncio.wait_for(conns[k].send(request), 30)

    async def counter(k: int) -> None:
        call = Connection.build("POST", f"/api/v1/counters/{k + 1}/call-next", {}, tokens[k])
        no_show = Connection.build("POST", f"/api/v1/counters/{k + 1}/no-show", {}, tokens[k])
        for i in range(k, calls, counters):
            delay = start_at + i / rate - now()
            if delay > 0:
                await asyncio.sleep(delay)
            started = now()
            status, body = await send(k, call)
            ended = now()
            answer = json.loads(body) if status == 200 else {}
            if not answer.get("ticket"):
                log(f"  counter {k + 1}: call-next answered {status} {body[:120]!r}")
                continue
            done.append((k + 1, answer["ticket"]["id"], started, ended))
            status, body = await send(k, no_show)
            if status != 200:
                log(f"  counter {k + 1}: no-show answered {status} {body[:120]!r}")

    try:
        await asyncio.gather(*(counter(k) for k in range(counters)))
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    return done


# --------------------------------------------------------------------------- one run


class Profiler:
    """py-spy record on the server process for one phase (collapsed stacks), when asked for."""

    def __init__(self, directory: str | None, pid: int, name: str) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    str(Path(directory) / f"{name}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_one(args: argparse.Namespace, n_clients: int) -> dict:
    displays = min(args.displays, n_clients)
    phones = n_clients - displays
    server_class = ThreadingServer if args.mode == "threading" else Server
    server = server_class(args.db, database_name=f"hangdoi_bench_latency_{os.getpid()}")
    clients: ClientProcess | None = None
    workdir = Path(tempfile.mkdtemp(prefix="hangdoi-latency-"))
    try:
        server.prepare_demo()
        engine = server.engine()
        extra = [f"bench{n:02d}" for n in range(DEMO_OFFICERS + 1, args.counters + 1)]
        if extra:
            add_officers(engine, extra)
        with engine.connect() as connection:
            first_choice = dict(
                connection.execute(
                    text(
                        "SELECT counter_id, service_id FROM counter_service WHERE rank = 0 AND counter_id <= :n"
                    ),
                    {"n": args.counters},
                ).all()
            )
            zone_of = dict(connection.execute(text("SELECT id, zone FROM counter")).all())
        services = sorted(set(first_choice.values()))
        per_service = (
            -(-phones // len(services))
            + -(-(args.calls + 2 * args.counters) // len(services)) * 2
            + 5
        )
        fill_waiting_tickets(engine, {s: per_service for s in services})
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT id, service_id, tracking_token FROM ticket WHERE state = 'waiting' ORDER BY id"
                )
            ).all()
        engine.dispose()
        by_service: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for tid, sid, token in waiting:
            by_service[sid].append((tid, token))
        # Phones spread evenly over the services (round robin), each with its own ticket.
        auths: list[dict] = []
        kinds: list[str] = []
        phones_in: Tally[int] = Tally()
        phone_tickets: set[int] = set()
        cursor = {s: 0 for s in services}
        while len(auths) < phones:
            for sid in services:
                if len(auths) >= phones:
                    break
                tid, token = by_service[sid][cursor[sid]]
                auths.append({"token": token})
                phone_tickets.add(tid)
                cursor[sid] += 1
                phones_in[sid] += 1
                kinds.append("phone")
        zone_displays = [d for d in server.devices if d["kind"] == "display" and d.get("zone")]
        displays_in: Tally[str] = Tally()
        for i in range(displays):
            device = zone_displays[i % len(zone_displays)]
            auths.append({"token": device["token"]})
            kinds.append("display")
            displays_in[str(device["zone"])] += 1

        server.start()
        assert server.process is not None
        pid = server.process.pid
        fresh = args.mode == "threading"
        logins = [
            (f"canbo{n:02d}", DEMO_PASSWORD)
            for n in range(1, min(DEMO_OFFICERS, args.counters) + 1)
        ]
        logins += [(name, OFFICER_PASSWORD) for name in extra]
        tokens = []
        for counter, (username, password) in enumerate(logins, start=1):
            token = _post(
                server.port, "/api/v1/auth/token", {"username": username, "password": password}
            )["token"]
            _post(server.port, f"/api/v1/counters/{counter}/open", {}, token)
            tokens.append(token)
        # Warm the call path (imports, caches, pools) with one call per counter, before any client.
        asyncio.run(_drive_counters(server.port, tokens, args.counters, 50.0, fresh=fresh))
        time.sleep(0.5)
        rss_before = vm_rss_kib(pid)

        log(
            f"[{args.mode} N={n_clients}] connecting {phones} phones + {displays} displays "
            f"in batches of {args.batch} ..."
        )
        profiler = Profiler(args.py_spy, pid, f"{args.mode}-{n_clients}-connect")
        clients = ClientProcess(
            {
                "port": server.port,
                "auths": auths,
                "kinds": kinds,
                "batch": args.batch,
                "uvloop": args.uvloop,
            },
            workdir,
        )
        connected = clients.read(timeout=120 + n_clients * 0.1)
        if connected["failures"]:
            log(f"  connect failures: {connected['failures']}")
        profiler.stop()
        time.sleep(1.0)  # let the server settle (writer greenlets / threads, ping timers)
        rss_after = vm_rss_kib(pid)
        server_threads = threads_of(pid)
        log(
            f"  {connected['connected']} connected in {connected['seconds']:.1f} s; server RSS "
            f"{rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB, {server_threads} threads"
        )

        log(
            f"[{args.mode} N={n_clients}] {args.calls} calls at {args.counters} counters, {args.rate}/s ..."
        )
        profiler = Profiler(args.py_spy, pid, f"{args.mode}-{n_clients}-calls")
        client_profiler = Profiler(
            args.py_spy, clients.process.pid, f"{args.mode}-{n_clients}-calls-client"
        )
        cpu_server, cpu_clients = cpu_of(pid), cpu_of(clients.process.pid)
        calls = asyncio.run(
            _drive_counters(server.port, tokens, args.calls, args.rate, fresh=fresh)
        )
        time.sleep(1.0 + args.settle)  # the last receipts
        profiler.stop()
        client_profiler.stop()
        cpu_server, cpu_clients = (
            cpu_of(pid) - cpu_server,
            cpu_of(clients.process.pid) - cpu_clients,
        )
        receipts, stopped = clients.stop()
    finally:
        if clients is not None:
            clients.close()
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)

    started = {tid: t for _c, tid, t, _e in calls}
    latencies: list[float] = []
    by_kind: dict[int, list[float]] = {0: [], 1: []}
    seqs = set()
    for kind, tid, seq, t in receipts:
        if tid in started:
            latency = (t - started[tid]) * 1000
            latencies.append(latency)
            by_kind[kind].append(latency)
            seqs.add(seq)
    # A call reaches the called ticket's own phone and the displays of the counter's zone
    # (phones of the same service hear queue.changed, not the call itself).
    expected = sum(
        (tid in phone_tickets) + displays_in[str(zone_of[c])] for c, tid, _t, _e in calls
    )
    api = [(e - t) * 1000 for _c, _tid, t, e in calls]
    connect_ms = [t * 1000 for t in connected["times"]]
    return {
        "mode": args.mode,
        "db": args.db,
        "clients": n_clients,
        "connected": connected["connected"],
        "connect_s": connected["seconds"],
        "connect_p50": pct(connect_ms, 50),
        "connect_p99": pct(connect_ms, 99),
        "calls": len(calls),
        "receipts": len(latencies),
        "expected": expected,
        "events": len(seqs),
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "phone_p99": pct(by_kind[0], 99),
        "display_p99": pct(by_kind[1], 99),
        "api_p50": pct(api, 50),
        "api_p99": pct(api, 99),
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_after / 1024,
        "kib_per_client": (rss_after - rss_before) / max(1, connected["connected"]),
        "threads": server_threads,
        "lag_p99": stopped["lag_p99"],
        "lag_max": stopped["lag_max"],
        "cpu_server": cpu_server,
        "cpu_clients": cpu_clients,
        "seconds": (max(e for *_, e in calls) - min(t for *_, t, _e in calls)) if calls else 0.0,
    }


HEADER = (
    f"{'mode':<9} {'db':<6} {'clients':>7} {'conn':>5} {'conn s':>6} {'c p50':>6} {'c p99':>6} "
    f"{'calls':>5} {'receipts':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'disp p99':>8} {'api p50':>7} {'api p99':>7} {'RSS MiB':>13} {'KiB/cl':>6} {'thr':>5} "
    f"{'srv CPU%':>8} {'cli CPU%':>8} {'cli lag p99/max ms':>18}"
)


def row(r: dict) -> str:
    span = max(r["seconds"], 1e-9)
    return (
        f"{r['mode']:<9} {r['db']:<6} {r['clients']:>7} {r['connected']:>5} {r['connect_s']:>6.1f} "
        f"{r['connect_p50']:>6.0f} {r['connect_p99']:>6.0f} {r['calls']:>5} "
        f"{r['receipts']:>4}/{r['expected']:<4} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['max']:>7.1f} "
        f"{r['display_p99']:>8.1f} {r['api_p50']:>7.1f} {r['api_p99']:>7.1f} "
        f"{r['rss_before_mib']:>5.0f}->{r['rss_after_mib']:<5.0f} {r['kib_per_client']:>6.1f} "
        f"{r['threads']:>5} {100 * r['cpu_server'] / span:>8.0f} {100 * r['cpu_clients'] / span:>8.0f} "
        f"{r['lag_p99']:>9.0f}/{r['lag_max']:<8.0f}"
    )


def levels(value: str) -> list[int]:
    out = [int(v) for v in value.split(",") if v.strip()]
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError("client counts are positive integers")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--clients-process"]:
        clients_process_main(argv[1])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", type=levels, default=[1000, 5000], help="N connected clients, one run each"
    )
    parser.add_argument("--calls", type=int, default=200, help="measured calls per run")
    parser.add_argument("--counters", type=int, default=16, help="M counters calling (at most 20)")
    parser.add_argument(
        "--displays", type=int, default=50, help="D of the N clients are hall displays"
    )
    parser.add_argument(
        "--rate", type=float, default=5.0, help="calls per second, all counters together"
    )
    parser.add_argument("--batch", type=int, default=100, help="clients connecting at once")
    parser.add_argument("--mode", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--asyncio-loop",
        dest="uvloop",
        action="store_false",
        help="run the client process on asyncio's own loop, not uvloop (more client CPU)",
    )
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds to wait for late receipts"
    )
    parser.add_argument(
        "--py-spy",
        metavar="DIR",
        default=None,
        help="profile with py-spy into DIR (collapsed stacks): the server's connect and call"
        " phases, the client process's call phase",
    )
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--smoke", action="store_true", help="a tiny run of a few seconds (CI)")
    args = parser.parse_args(argv)
    if args.uvloop:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            args.uvloop = False
    if args.smoke:
        args.clients, args.calls, args.counters, args.displays, args.rate = [40], 12, 4, 4, 20.0
    if not 1 <= args.counters <= 20:
        parser.error("1 to 20 counters")
    # SIGTERM (timeout(1), CI) unwinds too, so that the server and client processes are ended.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The server process and the client process inherit this limit.
    limit = raise_fd_limit(max(args.clients) + 500)
    if limit < max(args.clients) + 200:
        log(f"warning: the open-file limit is {limit}, below {max(args.clients)} clients")

    results = []
    for n in args.clients:
        results.append(run_one(args, n))
        print(
            f"\ncall latency: {args.mode}, {args.db}, {args.counters} counters, {args.rate:g} calls/s,"
            f" client loop {'uvloop' if args.uvloop else 'asyncio'};"
            f" latency = API call start -> ticket.called receipt (ms); RSS = server VmRSS before -> after"
            f" connecting; CPU% over the call phase; cli lag = client event-loop lag in the call phase"
        )
        print(HEADER)
        for r in results:
            print(row(r), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
