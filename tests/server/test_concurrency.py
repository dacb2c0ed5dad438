"""Concurrency through the real server: many kiosks issuing, many counters calling.

The production server command runs as a subprocess on SQLite and on PostgreSQL; client
threads talk HTTP to it; the database is read back directly to check the outcome.
Every loop is bounded and every request has a timeout, so a bug fails instead of hanging.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from tests.server.live import (
    DEMO_OFFICER_PASSWORD,
    OFFICER_PASSWORD,
    LiveServer,
    backend,
    live_server,
)

# The fixtures this module uses, imported from the helper (not a conftest).
FIXTURES = (backend, live_server)

pytestmark = pytest.mark.slow

LIVE_DATABASE = "hangdoi_live_concurrency"
REQUEST_TIMEOUT = 30
CLIENTS = 32
TICKETS_PER_CLIENT = 100
WAITING_TICKETS = 2000
COUNTERS = 16


def _open_services(server: LiveServer) -> list[int]:
    """Active services without a daily quota (a quota would turn issues into 409s)."""
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    text(
                        "SELECT id FROM service WHERE site_id = 1 AND active AND daily_quota IS NULL ORDER BY id"
                    )
                )
            )
    finally:
        engine.dispose()


def _issue_all(
    server: LiveServer, clients: int, per_client: int, services: list[int], deadline: float
) -> list[tuple[int, requests.Response | BaseException]]:
    """`clients` threads, each with its own keep-alive session, issuing `per_client` tickets."""
    start = threading.Barrier(clients, timeout=REQUEST_TIMEOUT)

    def client(index: int) -> list[tuple[int, requests.Response | BaseException]]:
        rng = random.Random(index)
        answers: list[tuple[int, requests.Response | BaseException]] = []
        with server.session(server.kiosk_token) as http:
            start.wait()
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    answers.append((index, TimeoutError("deadline passed")))
                    break
                try:
                    answers.append(
                        (
                            index,
                            http.post(
                                server.url + "/api/v1/tickets",
                                json={"service_id": rng.choice(services)},
                                timeout=REQUEST_TIMEOUT,
                            ),
                        )
                    )
                except requests.RequestException as error:
                    answers.append((index, error))
        return answers

    with ThreadPoolExecutor(clients) as pool:
        return [answer for answers in pool.map(client, range(clients)) for answer in answers]


def _describe_failures(answers: list[tuple[int, requests.Response | BaseException]]) -> str:
    failures = [
        a for _, a in answers if not isinstance(a, requests.Response) or a.status_code != 201
    ]
    kinds = Counter(
        f"{a.status_code} {a.text[:200]}" if isinstance(a, requests.Response) else repr(a)
        for a in failures
    )
    return f"{len(failures)} of {len(answers)} issues failed: {kinds.most_common(5)}"


def test_32_kiosks_issue_3200_distinct_gap_free_numbers(live_server: LiveServer) -> None:
    server = live_server
    services = _open_services(server)
    answers = _issue_all(server, CLIENTS, TICKETS_PER_CLIENT, services, time.monotonic() + 150)

    assert len(answers) == CLIENTS * TICKETS_PER_CLIENT, (
        _describe_failures(answers) + server.log_tail()
    )
    assert all(isinstance(a, requests.Response) and a.status_code == 201 for _, a in answers), (
        _describe_failures(answers) + server.log_tail()
    )
    bodies = [a.json() for _, a in answers]  # type: ignore[union-attr]
    numbers = [b["number"] for b in bodies]
    assert len(set(numbers)) == len(numbers), Counter(numbers).most_common(5)
    assert len({b["id"] for b in bodies}) == len(bodies)

    engine = server.engine()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT t.id, t.number, t.series_id, t.business_day, t.seq, s.start"
                    " FROM ticket t JOIN number_series s ON s.id = t.series_id"
                )
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == len(bodies)
    by_id = {row.id: row for row in rows}
    # What the kiosks were told is what the database holds.
    assert all(by_id[b["id"]].number == b["number"] for b in bodies)
    runs: dict[tuple[int, object], list[int]] = defaultdict(list)
    starts = {}
    for row in rows:
        runs[(row.series_id, row.business_day)].append(row.seq)
        starts[row.series_id] = row.start
    for (series_id, day), seqs in runs.items():
        first = starts[series_id]
        assert sorted(seqs) == list(range(first, first + len(seqs))), (
            f"series {series_id} on {day}: numbers are not exactly {first}..{first + len(seqs) - 1}"
        )


def _counter_services(server: LiveServer, counters: list[int]) -> set[int]:
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return set(
                connection.scalars(
                    text(
                        "SELECT cs.service_id FROM counter_service cs JOIN service s ON s.id = cs.service_id"
                        " WHERE cs.counter_id IN ({}) AND s.active AND s.daily_quota IS NULL".format(
                            ",".join(str(int(c)) for c in counters)
                        )
                    )
                )
            )
    finally:
        engine.dispose()


def test_16_counters_call_each_of_2000_tickets_exactly_once(live_server: LiveServer) -> None:
    server = live_server
    extra = [f"canbo{n:02d}" for n in range(9, COUNTERS + 1)]
    server.add_officers(extra)
    officers = [(f"canbo{n:02d}", DEMO_OFFICER_PASSWORD) for n in range(1, 9)] + [
        (name, OFFICER_PASSWORD) for name in extra
    ]
    counters = list(range(1, COUNTERS + 1))
    # Only services these counters serve, so that every ticket can be called.
    services = sorted(_counter_services(server, counters))
    assert services
    issued = _issue_all(server, 8, WAITING_TICKETS // 8, services, time.monotonic() + 120)
    assert all(isinstance(a, requests.Response) and a.status_code == 201 for _, a in issued), (
        _describe_failures(issued) + server.log_tail()
    )
    ticket_ids = {a.json()["id"] for _, a in issued}  # type: ignore[union-attr]
    assert len(ticket_ids) == WAITING_TICKETS

    sessions = []
    for (username, password), counter in zip(officers, counters, strict=True):
        http = server.session(server.login(username, password))
        answer = http.post(f"{server.url}/api/v1/counters/{counter}/open", timeout=REQUEST_TIMEOUT)
        assert answer.status_code == 200, answer.text + server.log_tail()
        sessions.append(http)

    deadline = time.monotonic() + 150
    start = threading.Barrier(COUNTERS, timeout=REQUEST_TIMEOUT)

    def officer(index: int) -> tuple[list[int], list[str]]:
        http, counter = sessions[index], counters[index]
        base = f"{server.url}/api/v1/counters/{counter}"
        called: list[int] = []
        errors: list[str] = []
        start.wait()
        # Bounded: no counter can call more tickets than there are.
        for _ in range(WAITING_TICKETS + 1):
            if time.monotonic() > deadline:
                errors.append(f"counter {counter}: deadline passed")
                break
            try:
                answer = http.post(base + "/call-next", timeout=REQUEST_TIMEOUT)
                if answer.status_code != 200:
                    errors.append(
                        f"counter {counter} call-next: {answer.status_code} {answer.text[:300]}"
                    )
                    break
                ticket = answer.json()["ticket"]
                if ticket is None:
                    break
                called.append(ticket["id"])
                for step, body in (("start", None), ("finish", {"outcome": "completed"})):
                    answer = http.post(f"{base}/{step}", json=body, timeout=REQUEST_TIMEOUT)
                    if answer.status_code != 200:
                        errors.append(
                            f"counter {counter} {step}: {answer.status_code} {answer.text[:300]}"
                        )
                        return called, errors
            except requests.RequestException as error:
                errors.append(f"counter {counter}: {error!r}")
                break
        return called, errors

    with ThreadPoolExecutor(COUNTERS) as pool:
        results = list(pool.map(officer, range(COUNTERS)))
    for http in sessions:
        http.close()

    errors = [e for _, errs in results for e in errs]
    assert not errors, "\n".join(errors[:10]) + server.log_tail()
    called = Counter(t for ids, _ in results for t in ids)
    assert set(called) == ticket_ids
    assert max(called.values()) == 1, [t for t, n in called.items() if n > 1][:10]

    engine = server.engine()
    try:
        with engine.connect() as connection:
            calls = dict(
                connection.execute(
                    text(
                        "SELECT ticket_id, count(*) FROM ticket_event WHERE action = 'call' GROUP BY ticket_id"
                    )
                ).all()
            )
            states = Counter(
                dict(
                    connection.execute(
                        text("SELECT state, count(*) FROM ticket GROUP BY state")
                    ).all()
                )
            )
    finally:
        engine.dispose()
    assert set(calls) == ticket_ids
    assert {n for n in calls.values()} == {1}, {t: n for t, n in calls.items() if n != 1}
    assert states == Counter({"done": WAITING_TICKETS})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_production_server_reads_headers_and_refuses_malformed_ones(
    live_server: LiveServer,
) -> None:
    import socket

    def raw(request: bytes) -> bytes:
        with socket.create_connection(
            ("127.0.0.1", live_server.port), timeout=REQUEST_TIMEOUT
        ) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    body = b'{"service_id": %d}' % _open_services(live_server)[0]
    good = raw(
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + live_server.kiosk_token.encode() + b"\r\nX-Folded: a\r\n b\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    )
    assert good.startswith(b"HTTP/1.1 201 "), good[:200]
    head, _, body = good.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    assert length == len(body) and json.loads(body)["state"] == "waiting"
    bad = raw(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nthis line has no colon\r\n\r\n")
    assert bad.startswith(b"HTTP/1.1 400 "), bad[:200]
