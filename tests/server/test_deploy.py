"""The shipped deployment, end to end: nginx run with deploy/nginx/ in front of three
server processes on one PostgreSQL database and the running Redis.

Kiosks issue through nginx (distinct, gap-free numbers, no 5xx, no hang) while the access
log shows one address's clients spread over the processes, each client keeping its own
process; hall displays connect through nginx (websocket, long-polling) and straight to
each process; officers call through different processes and every display gets every
event of its rooms once, in seq order. One process is SIGKILLed during a burst and
started again (as systemd's Restart=always does): no answered ticket is lost, and its
displays reconnect and are replayed what they missed, checked event by event against
the event log. A second install (its own database and Redis channel) runs beside the
first all along, and neither sees the other's events.

Apart from that (not slow): deploy/postgres-setup.sh, run against the test PostgreSQL
server, makes a role and a database that the servers' migrations run on.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engineio
import pytest
import requests
import socketio
from sqlalchemy import create_engine, make_url, text

from contract import events as ev
from server.db import make_engine
from server.migrate import upgrade
from tests.conftest import REQUIRE_SERVICES, require_redis
from tests.server.live import (
    DEMO_OFFICER_PASSWORD,
    LiveServer,
    drop_postgres_database,
    fresh_postgres_database,
    require_postgres,
)
from tests.server.nginx import Nginx, nginx_binary

DATABASE_A = "hangdoi_deploy_a"
DATABASE_B = "hangdoi_deploy_b"
PROCESSES = 3
KILLED = 1  # index of the process SIGKILLed in the burst
KIOSKS = 12  # kiosks issuing at once through nginx, each with its own cookie jar
ISSUES_PER_KIOSK = 5
CALLS = 6
BURST_KIOSKS = 8
KILL_AFTER = 40  # answered issues of the burst before the kill
BURST_ISSUES = 120
B_ISSUES = 10
REQUEST_TIMEOUT = 15  # a request that takes longer is a hang
DEBUG_CLIENTS = bool(os.environ.get("HANGDOI_TEST_DEBUG_CLIENTS"))  # python-socketio's own logs
# Counters 1-3 (zone tang-1) serve these services.
SERVICE_CODES = ("CA-HC", "CA-GPLX", "CA-DKX")


# --------------------------------------------------------------------------- clients


def _session(verify: str | bool) -> requests.Session:
    """A requests session that checks certificates against `verify` (the test's own
    certificate for nginx): not against a CA bundle named in the environment, which
    requests would otherwise prefer."""
    session = requests.Session()
    session.trust_env = False
    session.verify = verify
    return session


class _OrderedEngineIO(engineio.Client):
    """engine.io's client hands each message to its handler in a new thread, which can
    reorder them; here they are handled in arrival order, so that the order the server
    sent is the order recorded."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _OrderedClient(socketio.Client):
    def _engineio_client_class(self) -> type[engineio.Client]:
        return _OrderedEngineIO


@dataclass
class Display:
    """A hall display: records every numbered event in arrival order and, reconnecting,
    says the last seq it saw (so that it is replayed what it missed)."""

    name: str
    url: str
    token: str
    transports: list[str]
    verify: str | bool = True
    route: str | None = None
    events: list[tuple[int, str, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None
    connects: int = 0
    disconnects: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.ready = threading.Event()
        http = _session(self.verify)
        if self.route:
            http.cookies.set("hangdoi_route", self.route)
        self.client = _OrderedClient(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1,
            randomization_factor=0.2,
            http_session=http,
            logger=DEBUG_CLIENTS,
            engineio_logger=DEBUG_CLIENTS,
        )
        for name in ev.ALL_EVENTS:
            self.client.on(name, lambda envelope, name=name: self._event(name, envelope))
        self.client.on(ev.SNAPSHOT, self._snapshot)
        self.client.on(ev.READY, self._ready)
        self.client.on("disconnect", self._disconnected)

    def auth(self) -> dict[str, Any]:
        with self.lock:
            return (
                {"token": self.token}
                if self.last_seq is None
                else {"token": self.token, "last_seq": self.last_seq}
            )

    def connect(self) -> None:
        self.client.connect(self.url, auth=self.auth, transports=self.transports, wait_timeout=15)
        if not self.ready.wait(15):
            raise AssertionError(f"{self.name}: no ready after connecting")

    def _event(self, name: str, envelope: dict) -> None:
        with self.lock:
            self.events.append((envelope["seq"], name, envelope["data"]))
            self.last_seq = envelope["seq"]

    def _snapshot(self, state: dict) -> None:
        with self.lock:
            if self.first_seq is not None:
                self.problems.append(
                    f"a snapshot (seq {state.get('seq')}) instead of a replay after {self.last_seq}"
                )

    def _ready(self, data: dict) -> None:
        with self.lock:
            self.connects += 1
            if self.first_seq is None:
                self.first_seq = data["seq"]
                self.rooms = list(data["rooms"])
            # Ready tells the site's seq, which may be past the last event of our rooms.
            if self.last_seq is None or data["seq"] > self.last_seq:
                self.last_seq = data["seq"]
        self.ready.set()

    def _disconnected(self, *_: Any) -> None:
        with self.lock:
            self.disconnects += 1

    def state(self) -> str:
        return (
            f"{self.name}: {len(self.events)} events, last seq {self.last_seq}, {self.connects} connects, "
            f"{self.disconnects} disconnects, transport {self.client.transport() if self.client.connected else '-'}"
        )

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - tearing down whatever state it is in
            pass


# --------------------------------------------------------------------------- the installs


@dataclass
class Install:
    servers: list[LiveServer]
    database: str
    services: list[int]

    @property
    def kiosk_token(self) -> str:
        return self.servers[0].kiosk_token

    def display_token(self, zone: str) -> str:
        return str(
            next(
                d["token"]
                for d in self.servers[0].devices
                if d["kind"] == "display" and d["zone"] == zone
            )
        )

    def query(self, sql: str) -> list[Any]:
        engine = self.servers[0].engine()
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(sql)))
        finally:
            engine.dispose()

    def event_log(self) -> list[tuple[int, str, list[str], dict]]:
        return [
            (r.seq, r.name, list(r.rooms), dict(r.data))
            for r in self.query(
                "SELECT seq, name, rooms, data FROM event_log WHERE site_id = 1 ORDER BY seq"
            )
        ]


def _install(folder: Path, database: str, processes: int, env: dict[str, str]) -> Install:
    url = fresh_postgres_database(database)
    servers = [LiveServer(folder / f"p{i + 1}", url, env=env) for i in range(processes)]
    servers[0].prepare_demo()
    for server in servers[1:]:
        server.devices = servers[0].devices
    codes = ", ".join(f"'{c}'" for c in SERVICE_CODES)
    engine = servers[0].engine()
    try:
        with engine.connect() as connection:
            services = list(
                connection.scalars(
                    text(f"SELECT id FROM service WHERE code IN ({codes}) ORDER BY id")
                )
            )
    finally:
        engine.dispose()
    assert len(services) == len(SERVICE_CODES)
    return Install(servers, database, services)


@dataclass
class Deployment:
    a: Install
    b: Install
    nginx: Nginx
    displays: list[Display] = field(default_factory=list)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    require_postgres()
    redis_url = require_redis()
    if nginx_binary() is None:
        message = "nginx is not installed (make test installs Debian's)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    tag = secrets.token_hex(4)
    common = {
        "HANGDOI_REDIS_URL": redis_url,
        "HANGDOI_SECRET_KEY": secrets.token_hex(32),
        "HANGDOI_TRUSTED_PROXIES": "1",
    }  # as the environment file says
    # Set up and started in parallel: each process takes seconds to import and start.
    with ThreadPoolExecutor(2) as pool:
        making_a = pool.submit(
            _install,
            tmp_path / "a",
            DATABASE_A,
            PROCESSES,
            {**common, "HANGDOI_REDIS_CHANNEL": f"hangdoi-test-a-{tag}"},
        )
        making_b = pool.submit(
            _install,
            tmp_path / "b",
            DATABASE_B,
            1,
            {**common, "HANGDOI_REDIS_CHANNEL": f"hangdoi-test-b-{tag}"},
        )
        a, b = making_a.result(), making_b.result()
    nginx = Nginx(tmp_path / "nginx", [s.port for s in a.servers])
    for server in a.servers:
        # As the environment file says: the public address is nginx's. The displays that
        # connect straight to a process come from its own origin.
        server.env["HANGDOI_PUBLIC_URL"] = nginx.url
        server.env["HANGDOI_ALLOWED_ORIGINS"] = ",".join(s.url for s in a.servers)
    deployment = Deployment(a, b, nginx)
    try:
        with ThreadPoolExecutor(len(a.servers) + len(b.servers)) as pool:
            list(pool.map(lambda server: server.start(timeout=60), (*a.servers, *b.servers)))
        nginx.start()
        yield deployment
    finally:
        # nginx and the servers first: a long-polling client's disconnect would otherwise
        # wait for its pending poll to end.
        nginx.stop()
        for server in (*a.servers, *b.servers):
            server.kill()
        for display in deployment.displays:
            display.close()
        drop_postgres_database(DATABASE_A)
        drop_postgres_database(DATABASE_B)


# --------------------------------------------------------------------------- helpers


@dataclass
class Answer:
    kiosk: int
    status: int  # 0: no HTTP answer
    body: dict
    started: float
    ended: float


def _issue(session: requests.Session, url: str, service_id: int, kiosk: int) -> Answer:
    started = time.monotonic()
    try:
        answer = session.post(
            url + "/api/v1/tickets", json={"service_id": service_id}, timeout=REQUEST_TIMEOUT
        )
    except requests.Timeout:
        raise AssertionError(f"issuing hung for more than {REQUEST_TIMEOUT} s") from None
    except requests.RequestException as error:
        return Answer(kiosk, 0, {"exception": repr(error)}, started, time.monotonic())
    try:
        body = answer.json()
    except ValueError:
        body = {"text": answer.text[:200]}
    return Answer(kiosk, answer.status_code, body, started, time.monotonic())


def _kiosk_session(token: str, verify: str, kiosk: int) -> requests.Session:
    session = _session(verify)
    session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": f"kiosk-{kiosk}"})
    return session


def _login(url: str, verify: str | bool, username: str) -> requests.Session:
    answer = _session(verify).post(
        url + "/api/v1/auth/token",
        json={"username": username, "password": DEMO_OFFICER_PASSWORD},
        timeout=REQUEST_TIMEOUT,
    )
    assert answer.status_code == 201, answer.text
    session = _session(verify)
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return session


def _call(officer: requests.Session, url: str, counter: int) -> str:
    """Call the next ticket at `counter` through `url` and mark it a no-show; its number."""
    called = officer.post(
        f"{url}/api/v1/counters/{counter}/call-next", json={}, timeout=REQUEST_TIMEOUT
    )
    assert called.status_code == 200, called.text
    ticket = called.json()["ticket"]
    assert ticket is not None, "nobody waiting for the call"
    ended = officer.post(
        f"{url}/api/v1/counters/{counter}/no-show", json={}, timeout=REQUEST_TIMEOUT
    )
    assert ended.status_code == 200, ended.text
    return str(ticket["number"])


def _routes(nginx: Nginx, wanted: int) -> dict[str, list[str]]:
    """Route cookies sorted by the process nginx sends them to (probed through the access log)."""
    probes = [secrets.token_hex(16) for _ in range(wanted)]
    for route in probes:
        answer = _session(str(nginx.certificate)).get(
            nginx.url + "/api/v1/health",
            cookies={"hangdoi_route": route},
            headers={"User-Agent": f"probe-{route}"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert "hangdoi_route" not in answer.cookies, "nginx replaced a valid route cookie"
    deadline = time.monotonic() + 5
    while True:
        found = {
            e["agent"][len("probe-") :]: e["upstream"]
            for e in nginx.access_entries()
            if e["agent"].startswith("probe-")
        }
        if len(found) == len(probes) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    by_process: dict[str, list[str]] = defaultdict(list)
    for route, upstream in found.items():
        by_process[upstream].append(route)
    return by_process


def _expected(
    log: list[tuple[int, str, list[str], dict]], display: Display
) -> list[tuple[int, str, dict]]:
    rooms = set(display.rooms)
    assert display.first_seq is not None
    return [
        (seq, name, data)
        for seq, name, event_rooms, data in log
        if seq > display.first_seq and rooms.intersection(event_rooms)
    ]


def _wait_caught_up(install: Install, displays: list[Display], timeout: float = 30) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        log = install.event_log()
        behind = [d.name for d in displays if len(d.events) < len(_expected(log, d))]
        if not behind or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def _assert_every_event_once_in_order(
    log: list[tuple], displays: list[Display], install: Install
) -> None:
    for display in displays:
        assert not display.problems, f"{display.name}: {display.problems}"
        received = [(seq, name) for seq, name, _ in display.events]
        expected = [(seq, name) for seq, name, _ in _expected(log, display)]
        if received != expected:
            missing = sorted(set(expected) - set(received))[:10]
            extra = sorted(set(received) - set(expected))[:10]
            dupes = [k for k, n in Tally(received).items() if n > 1][:10]
            raise AssertionError(
                f"{display.name}: {len(received)} events received, {len(expected)} in the log for its rooms; "
                f"missing {missing}, not in the log {extra}, twice {dupes}, in order: {received == sorted(received)}\n"
                + "\n".join(d.state() for d in displays)
                + "".join(s.log_tail(20) for s in install.servers)
            )
        for (seq, name, data), (_, _, logged) in zip(
            display.events, _expected(log, display), strict=True
        ):
            assert data == logged, (
                f"{display.name}: event {seq} {name} is not the logged one: {data} != {logged}"
            )


def _assert_numbers_gap_free(install: Install) -> None:
    runs: dict[tuple, list[int]] = defaultdict(list)
    numbers = []
    for row in install.query("SELECT number, series_id, business_day, seq FROM ticket"):
        runs[(row.series_id, row.business_day)].append(row.seq)
        numbers.append(row.number)
    assert len(numbers) == len(set(numbers)), "a number was issued twice"
    for key, seqs in runs.items():
        seqs.sort()
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (
            f"series/day {key}: gaps in {seqs}"
        )


# --------------------------------------------------------------------------- the test


@pytest.mark.slow
def test_the_shipped_deployment_end_to_end(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, nginx = deployment.a, deployment.b, deployment.nginx
    # The long-polling display stands for a browser, whose engine.io client takes a poll
    # answer of any number of packets. python-engineio's refuses more than 16 (a guard
    # against floods), so a replay of more than 16 events over long-polling would fail
    # and be tried again for ever.
    monkeypatch.setattr(engineio.payload.Payload, "max_decode_packets", 10_000)
    ca = str(nginx.certificate)
    killed = a.servers[KILLED]
    killed_upstream = f"127.0.0.1:{killed.port}"
    began = time.monotonic()

    def phase(name: str) -> None:
        print(f"{time.monotonic() - began:6.1f} s  {name}")

    # Plain HTTP is sent to HTTPS.
    redirect = _session(True).get(
        nginx.http_url + "/display?x=1", allow_redirects=False, timeout=10
    )
    assert (
        redirect.status_code == 301
        and redirect.headers["Location"] == "https://127.0.0.1/display?x=1"
    )

    # ---- displays: through nginx (two on the process that will be killed, over a
    # websocket and over long-polling, which needs its process to stay the same) and
    # straight to each process; one on the second install.
    routes = _routes(nginx, 40)
    assert killed_upstream in routes and len(routes[killed_upstream]) >= 2, routes
    other_route = next(
        r for upstream, rs in routes.items() if upstream != killed_upstream for r in rs
    )
    tang1, tang2 = a.display_token("tang-1"), a.display_token("tang-2")
    displays = [
        Display(
            "nginx websocket (killed process)",
            nginx.url,
            tang1,
            ["websocket"],
            ca,
            routes[killed_upstream][0],
        ),
        Display(
            "nginx long-polling (killed process)",
            nginx.url,
            tang1,
            ["polling"],
            ca,
            routes[killed_upstream][1],
        ),
        Display(
            "nginx polling+upgrade", nginx.url, tang1, ["polling", "websocket"], ca, other_route
        ),
        Display("nginx websocket, zone tang-2", nginx.url, tang2, ["websocket"], ca),
        *(
            Display(f"straight to process {i + 1}", s.url, tang1, ["websocket"])
            for i, s in enumerate(a.servers)
        ),
    ]
    b_display = Display(
        "second install", b.servers[0].url, b.display_token("tang-1"), ["websocket"]
    )
    deployment.displays.extend([*displays, b_display])
    for display in deployment.displays:
        display.connect()
    phase("displays connected")

    # ---- kiosks issue at once through nginx, all from one address.
    def kiosk(index: int) -> list[Answer]:
        with _kiosk_session(a.kiosk_token, ca, index) as session:
            return [
                _issue(session, nginx.url, a.services[(index + i) % len(a.services)], index)
                for i in range(ISSUES_PER_KIOSK)
            ]

    with ThreadPoolExecutor(KIOSKS) as pool:
        answers = [answer for batch in pool.map(kiosk, range(KIOSKS)) for answer in batch]
    assert [x.status for x in answers] == [201] * len(answers), [
        (x.status, x.body) for x in answers if x.status != 201
    ]
    assert len({x.body["number"] for x in answers}) == len(answers)
    _assert_numbers_gap_free(a)
    # The balancing, measured from nginx's access log: every kiosk kept one process (its
    # route cookie), and the kiosks of one address spread over the processes (ip_hash
    # would have put them all on one).
    per_kiosk: dict[str, set[str]] = defaultdict(set)
    for entry in nginx.access_entries():
        if entry["agent"].startswith("kiosk-") and entry["uri"] == "/api/v1/tickets":
            per_kiosk[entry["agent"]].add(entry["upstream"])
    assert len(per_kiosk) == KIOSKS and all(len(u) == 1 for u in per_kiosk.values()), per_kiosk
    spread = Tally(next(iter(u)) for u in per_kiosk.values())
    print(f"\n{KIOSKS} kiosks from one address, kiosks per process: {dict(spread)}")
    assert len(spread) >= 2, f"every kiosk of one address went to one process: {spread}"

    phase("kiosks issued")
    # ---- officers call through different processes.
    officers = [_login(nginx.url, ca, f"canbo0{i + 1}") for i in range(PROCESSES)]
    for counter, officer in enumerate(officers, start=1):
        assert (
            officer.post(f"{nginx.url}/api/v1/counters/{counter}/open", json={}).status_code == 200
        )
    for i in range(CALLS):
        _call(officers[i % PROCESSES], a.servers[i % PROCESSES].url, i % PROCESSES + 1)
    log = _wait_caught_up(a, displays)
    _assert_every_event_once_in_order(log, displays, a)
    called = [seq for seq, name, *_ in log if name == ev.TICKET_CALLED]
    assert len(called) == CALLS
    for display in displays[:3] + displays[4:]:  # the tang-1 displays: every call once, in order
        assert [seq for seq, name, _ in display.events if name == ev.TICKET_CALLED] == called, (
            display.name
        )

    phase("calls seen by every display")
    # ---- a burst through nginx; one process is SIGKILLed in it and started again.
    burst: list[Answer] = []
    lock = threading.Lock()
    stop = threading.Event()
    kill_at: list[float] = []
    burst_calls: list[str] = []

    def burst_kiosk(index: int) -> None:
        with _kiosk_session(a.kiosk_token, ca, 100 + index) as session:
            i = 0
            while not stop.is_set():
                answer = _issue(
                    session, nginx.url, a.services[(index + i) % len(a.services)], 100 + index
                )
                i += 1
                with lock:
                    burst.append(answer)
                    if sum(x.status == 201 for x in burst) >= BURST_ISSUES:
                        stop.set()

    def caller() -> None:
        # Officers keep calling, straight to the processes that stay up.
        i = 0
        while not stop.is_set():
            index = [p for p in range(PROCESSES) if p != KILLED][i % (PROCESSES - 1)]
            burst_calls.append(_call(officers[index], a.servers[index].url, index + 1))
            i += 1
            time.sleep(0.05)

    def killer() -> None:
        while not stop.is_set():
            with lock:
                if sum(x.status == 201 for x in burst) >= KILL_AFTER:
                    break
            time.sleep(0.005)
        killed.kill()
        kill_at.append(time.monotonic())
        time.sleep(1)  # RestartSec=1
        killed.start()

    b_kiosk = _kiosk_session(b.kiosk_token, True, 999)
    b_officer = _login(b.servers[0].url, True, "canbo01")
    assert b_officer.post(f"{b.servers[0].url}/api/v1/counters/1/open", json={}).status_code == 200
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    with ThreadPoolExecutor(BURST_KIOSKS) as pool:
        running = [pool.submit(burst_kiosk, i) for i in range(BURST_KIOSKS - 1)]
        running.append(pool.submit(caller))
        # Meanwhile the second install works too, on the same Redis.
        b_answers = [
            _issue(b_kiosk, b.servers[0].url, b.services[i % len(b.services)], 999)
            for i in range(B_ISSUES)
        ]
        b_calls = [_call(b_officer, b.servers[0].url, 1) for _ in range(2)]
        for future in running:
            future.result(timeout=120)
    kill_thread.join(60)
    assert kill_at, "the process was not killed"
    assert killed.process is not None and killed.process.poll() is None, (
        "the killed process did not start again"
    )
    assert [x.status for x in b_answers] == [201] * B_ISSUES

    phase("burst over")
    # Only requests in flight at the kill may have failed, and with the API's JSON error.
    failed = [x for x in burst if x.status != 201]
    late = [x for x in failed if x.started > kill_at[0]]
    assert not late, (
        f"requests sent after the kill failed: {[(x.status, x.body) for x in late][:5]}"
    )
    assert len(failed) <= BURST_KIOSKS, [(x.status, x.body) for x in failed]
    assert all(x.status in (0, 503) for x in failed), [(x.status, x.body) for x in failed]
    assert all(x.body.get("error") == "unavailable" for x in failed if x.status == 503)
    # No answered ticket is lost, and it keeps the number the kiosk printed.
    answered = {x.body["id"]: x.body["number"] for x in (*answers, *burst) if x.status == 201}
    stored = {row.id: row.number for row in a.query("SELECT id, number FROM ticket")}
    lost = {i: n for i, n in answered.items() if stored.get(i) != n}
    assert not lost, f"{len(lost)} answered tickets lost or renumbered: {list(lost.items())[:10]}"
    _assert_numbers_gap_free(a)

    # Calls go on through nginx after the restart; then every display, the ones whose
    # process was killed included, has every event of its rooms once, in order.
    for i in range(CALLS):
        _call(officers[i % PROCESSES], nginx.url, i % PROCESSES + 1)
    log = _wait_caught_up(a, displays)
    _assert_every_event_once_in_order(log, displays, a)
    for display in displays[:2]:
        assert display.disconnects >= 1 and display.connects >= 2, (
            f"{display.name} was on the killed process but never reconnected"
        )
    straight = displays[4 + KILLED]
    assert straight.disconnects >= 1 and straight.connects >= 2, (
        "the killed process's own display did not come back"
    )
    survivors = [d for i, d in enumerate(displays[4:]) if i != KILLED]
    assert all(d.disconnects == 0 for d in survivors), (
        "a display of a process that ran on was disconnected"
    )

    phase("every display replayed")
    # ---- the second install saw its own events only, and the first none of them.
    b_log = _wait_caught_up(b, [b_display])
    _assert_every_event_once_in_order(b_log, [b_display], b)
    b_numbers = {x.body["number"] for x in b_answers}
    assert [
        d["ticket"]["number"] for _, name, d in b_display.events if name == ev.TICKET_CALLED
    ] == b_calls
    assert b_numbers <= {row.number for row in b.query("SELECT number FROM ticket")}
    print(
        f"events: first install {len(log)} ({len(burst_calls)} calls in the burst), second {len(b_log)}; "
        + ", ".join(f"{d.name}: {len(d.events)} events, {d.connects} connects" for d in displays)
    )


# --------------------------------------------------------------------------- PostgreSQL set-up


def test_the_postgres_setup_script_makes_a_database_the_servers_can_migrate() -> None:
    admin_url = make_url(require_postgres())
    if shutil.which("psql") is None:
        pytest.skip("psql (postgresql-client) is not installed")
    name = f"hangdoi_setup_{secrets.token_hex(3)}"
    password = secrets.token_hex(12)
    env = {
        **os.environ,
        "PGHOST": admin_url.host or "127.0.0.1",
        "PGPORT": str(admin_url.port or 5432),
        "PGUSER": admin_url.username or "postgres",
        "HANGDOI_DB_PASSWORD": password,
        "HANGDOI_DB_NAME": name,
        "HANGDOI_DB_USER": name,
        "HANGDOI_PROCESSES": "2",
    }
    if admin_url.password:
        env["PGPASSWORD"] = admin_url.password
    script = str(Path(__file__).resolve().parents[2] / "deploy" / "postgres-setup.sh")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        for _ in range(2):  # safe to run again
            result = subprocess.run(
                ["sh", script], env=env, capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert (
                "2 server processes x 4 connections + 10 spare = 18 connections" in result.stdout
            ), result.stdout
        # The role owns its database: the servers' migrations run as it.
        engine = make_engine(
            admin_url.set(username=name, password=password, database=name).render_as_string(
                hide_password=False
            )
        )
        try:
            upgrade(engine)
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM site")) == 0
                assert connection.scalar(text("SHOW server_encoding")) == "UTF8"
        finally:
            engine.dispose()
        with admin.connect() as connection:
            superuser = connection.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": name}
            )
            assert superuser is False
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()
