"""Benchmark: from an officer's call to the announcement's sound being ready.

    python bench/announce.py                 # 200 calls per row
    python bench/announce.py --calls 50 --rows new,cached
    python bench/announce.py --smoke
    python bench/announce.py --qt            # and the Qt display's row (bench/announce_qt.py)

Starts ``hangdoi-server serve`` on a temporary demo instance (``prepare-demo`` makes the
default voice pack with espeak-ng first, as ``make run`` does), fills counter 1's first
service with waiting tickets, and connects one hall display (Socket.IO, the display's
device token, websocket transport) as the web display and the Qt display do. Each row
times, for ``--calls`` calls, from the start of the officer's request to the moment the
row's sound is ready, and prints p50, p99 and max:

- ``new``: call-next (a number never said before) -> the display receives
  ``ticket.called`` -> GET of its ``announcement.audio_url`` has the whole WAV (the
  server builds it on this first request);
- ``cached``: recall of the same ticket (the same words) -> ``ticket.recalled`` -> GET of
  the WAV, now served from the instance folder's cache.

A row is a function ``async (bench, index) -> seconds or None`` in :data:`ROWS`; a row
that plays the sound on a display adds itself there, with what it needs in :class:`Bench`.
``--qt`` then runs "call -> sound starts on the Qt display" (bench/announce_qt.py: the
display in a process of its own, playing into a PulseAudio null sink) against a server of
its own, so that the display's fetches do not weigh on the rows above. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import announce_qt
import socketio
from _common import Server, fill_waiting_tickets, log
from sqlalchemy import text

COUNTER = 1
OFFICER, PASSWORD = "canbo01", "canbo123"


@dataclass
class Bench:
    """What a row needs: the server, the officer's token, the display's events."""

    server: Server
    url: str
    token: str
    http: aiohttp.ClientSession
    display: socketio.AsyncClient
    events: asyncio.Queue[tuple[str, dict[str, Any], float]] = field(default_factory=asyncio.Queue)
    speech: list[str] = field(default_factory=list)  # X-Hangdoi-Speech of each file fetched

    async def post(self, path: str, body: object | None = None) -> tuple[int, dict[str, Any]]:
        async with self.http.post(
            self.url + path, json=body or {}, headers={"Authorization": f"Bearer {self.token}"}
        ) as answer:
            return answer.status, await answer.json()

    async def announcement(self, name: str, timeout: float = 10) -> dict[str, Any]:
        while True:
            event, envelope, _ = await asyncio.wait_for(self.events.get(), timeout)
            if event == name:
                return envelope["data"]["announcement"]  # type: ignore[no-any-return]

    async def fetch_audio(self, audio_url: str) -> int:
        async with self.http.get(self.url + audio_url) as answer:
            body = await answer.read()
            self.speech.append(answer.headers.get("X-Hangdoi-Speech", "?"))
            if answer.status != 200 or not body.startswith(b"RIFF"):
                raise RuntimeError(f"GET {audio_url}: {answer.status}")
            return len(body)


async def _new(bench: Bench, _index: int) -> float | None:
    started = time.perf_counter()
    status, _ = await bench.post(f"/api/v1/counters/{COUNTER}/call-next")
    if status != 200:
        return None
    said = await bench.announcement("ticket.called")
    await bench.fetch_audio(said["audio_url"])
    return time.perf_counter() - started


async def _cached(bench: Bench, _index: int) -> float | None:
    started = time.perf_counter()
    status, _ = await bench.post(f"/api/v1/counters/{COUNTER}/recall")
    if status != 200:
        return None
    said = await bench.announcement("ticket.recalled")
    await bench.fetch_audio(said["audio_url"])
    return time.perf_counter() - started


Row = Callable[[Bench, int], Awaitable[float | None]]
ROWS: dict[str, tuple[str, Row]] = {
    "new": ("call -> audio ready on the server, new text", _new),
    "cached": ("recall -> audio ready on the server, cached text", _cached),
}


async def _between(bench: Bench) -> None:
    """After a call and its recall: free the counter for the next call."""
    await bench.post(f"/api/v1/counters/{COUNTER}/no-show")
    while not bench.events.empty():
        bench.events.get_nowait()


def _percentiles(values: list[float]) -> str:
    data = sorted(values)
    if not data:
        return "no successful call"

    def p(q: float) -> float:
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))] * 1000

    return f"{len(data):>5}  {p(50):8.1f}  {p(99):8.1f}  {data[-1] * 1000:8.1f}"


async def _run(server: Server, calls: int, rows: list[str]) -> None:
    url = f"http://127.0.0.1:{server.port}"
    display_token = next(
        str(d["token"]) for d in server.devices if d["kind"] == "display" and d["zone"] == "tang-1"
    )
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url + "/api/v1/auth/token", json={"username": OFFICER, "password": PASSWORD}
        ) as answer:
            token = (await answer.json())["token"]
        display = socketio.AsyncClient(reconnection=False, http_session=http, handle_sigint=False)
        bench = Bench(server, url, token, http, display)

        @display.on("*")
        async def any_event(event: str, envelope: Any) -> None:
            if event in ("ticket.called", "ticket.recalled"):
                bench.events.put_nowait((event, envelope, time.perf_counter()))

        await display.connect(url, auth={"token": display_token}, transports=["websocket"])
        await bench.post(f"/api/v1/counters/{COUNTER}/open")
        results: dict[str, list[float]] = {name: [] for name in rows}
        failures = 0
        # Rows alternate call by call (a call, then its recall), so that both see the
        # machine in the same state.
        for index in range(calls):
            for name in rows:
                seconds = await ROWS[name][1](bench, index)
                if seconds is None:
                    failures += 1
                else:
                    results[name].append(seconds)
            await _between(bench)
        await display.disconnect()

    print(f"\nannouncement benchmark: {calls} calls per row, sqlite, one display connected")
    print(f"{'row':<52} {'calls':>5}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}")
    for name in rows:
        print(f"{ROWS[name][0]:<52} {_percentiles(results[name])}")
    kinds = {kind: bench.speech.count(kind) for kind in sorted(set(bench.speech))}
    print(f"files fetched by how they were made: {kinds}; failed calls: {failures}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200, help="calls per row")
    parser.add_argument(
        "--rows", default=",".join(ROWS), help=f"comma-separated, of: {', '.join(ROWS)}"
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny run of a few seconds (CI)")
    parser.add_argument(
        "--qt", action="store_true", help="then call -> sound starts on the Qt display"
    )
    args = parser.parse_args(argv)
    rows = [r for r in args.rows.split(",") if r]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows: {unknown}")
    if args.smoke:
        args.calls = 5
    server = Server("sqlite")
    try:
        server.prepare_demo()
        engine = server.engine()
        with engine.connect() as connection:
            service = connection.scalar(
                text("SELECT service_id FROM counter_service WHERE counter_id = :c AND rank = 0"),
                {"c": COUNTER},
            )
        fill_waiting_tickets(engine, {service: args.calls + 10})
        engine.dispose()
        server.start()
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/v1/health", timeout=5):
            pass
        asyncio.run(_run(server, args.calls, rows))
    finally:
        tail = server.stop()
        server.close()
    if "Traceback" in tail:
        log(tail[-3000:])
        return 1
    if args.qt:
        return announce_qt.main(["--calls", str(args.calls)] + (["--smoke"] if args.smoke else []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
