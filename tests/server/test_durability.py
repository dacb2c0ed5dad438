"""Durability: the server is SIGKILLed in the middle of a burst of issues.

After the restart every ticket whose creation was answered 201 is in the database with
the number the kiosk printed, and the numbers go on after the highest one without reuse
(and without gaps: an issue that was not committed gave its number back).
SQLite runs with synchronous=FULL (the default); PostgreSQL with its defaults.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from tests.server.live import LiveServer, backend, prepared_server

pytestmark = pytest.mark.slow

# The fixtures this module uses, imported from the helper (not a conftest).
FIXTURES = (backend, prepared_server)

LIVE_DATABASE = "hangdoi_live_durability"
CLIENTS = 16
KILL_AFTER = 300  # answered issues before the kill
AFTER_RESTART = 200
REQUEST_TIMEOUT = 20


def _services(server: LiveServer) -> list[int]:
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    text("SELECT id FROM service WHERE active AND daily_quota IS NULL ORDER BY id")
                )
            )
    finally:
        engine.dispose()


def _tickets(server: LiveServer) -> dict[int, tuple[str, int, object, int]]:
    """id -> (number, series_id, business_day, seq) of every ticket in the database."""
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return {
                row.id: (row.number, row.series_id, row.business_day, row.seq)
                for row in connection.execute(
                    text("SELECT id, number, series_id, business_day, seq FROM ticket")
                )
            }
    finally:
        engine.dispose()


def _burst(
    server: LiveServer,
    services: list[int],
    stop: threading.Event,
    answered: list[tuple[int, str]],
    lock: threading.Lock,
    limit: int,
    deadline: float,
) -> list[str]:
    """CLIENTS threads issuing until `stop` is set (or `limit` answers); returns unexpected answers."""
    unexpected: list[str] = []

    def client(index: int) -> None:
        rng = random.Random(index)
        with server.session(server.kiosk_token) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    answer = http.post(
                        server.url + "/api/v1/tickets",
                        json={"service_id": rng.choice(services)},
                        timeout=REQUEST_TIMEOUT,
                    )
                except requests.RequestException:
                    # The server died with this request in flight (or refuses connections).
                    if stop.is_set():
                        return
                    time.sleep(0.01)
                    continue
                with lock:
                    if answer.status_code == 201:
                        body = answer.json()
                        answered.append((body["id"], body["number"]))
                        if len(answered) >= limit:
                            stop.set()
                    else:
                        unexpected.append(f"{answer.status_code} {answer.text[:200]}")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return unexpected


def test_answered_tickets_survive_sigkill_and_numbers_go_on(prepared_server: LiveServer) -> None:
    server = prepared_server
    services = _services(server)
    server.start()

    answered: list[tuple[int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    deadline = time.monotonic() + 120

    def killer() -> None:
        # SIGKILL once KILL_AFTER issues were answered, while the clients keep sending.
        while time.monotonic() < deadline:
            with lock:
                if len(answered) >= KILL_AFTER:
                    break
            time.sleep(0.002)
        server.process.kill()  # type: ignore[union-attr]
        stop.set()

    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    unexpected = _burst(server, services, stop, answered, lock, limit=10**9, deadline=deadline)
    kill_thread.join(10)
    server.kill()  # reap it
    assert not unexpected, unexpected[:5]
    assert len(answered) >= KILL_AFTER, (
        f"only {len(answered)} answers before the deadline{server.log_tail()}"
    )
    assert len({i for i, _ in answered}) == len(answered)

    server.start()
    before = _tickets(server)
    lost = [(i, n) for i, n in answered if i not in before]
    assert not lost, f"{len(lost)} answered tickets are gone after the kill: {lost[:10]}"
    changed = [(i, n, before[i][0]) for i, n in answered if before[i][0] != n]
    assert not changed, f"answered tickets whose number changed: {changed[:10]}"
    highest: dict[tuple[int, object], int] = defaultdict(int)
    for _, series_id, day, seq in before.values():
        highest[(series_id, day)] = max(highest[(series_id, day)], seq)

    more: list[tuple[int, str]] = []
    unexpected = _burst(
        server,
        services,
        threading.Event(),
        more,
        threading.Lock(),
        limit=AFTER_RESTART,
        deadline=time.monotonic() + 120,
    )
    assert not unexpected, unexpected[:5]
    assert len(more) >= AFTER_RESTART

    after = _tickets(server)
    numbers = [n for n, *_ in after.values()]
    assert len(set(numbers)) == len(numbers), "a number was issued twice"
    for ticket_id, _ in more:
        _, series_id, day, seq = after[ticket_id]
        assert seq > highest[(series_id, day)], (
            f"ticket {ticket_id} got seq {seq} of series {series_id}, not above {highest[(series_id, day)]}"
        )
    runs: dict[tuple[int, object], list[int]] = defaultdict(list)
    for _, series_id, day, seq in after.values():
        runs[(series_id, day)].append(seq)
    for key, seqs in runs.items():
        seqs.sort()
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (
            f"series/day {key}: gaps in {seqs}"
        )
