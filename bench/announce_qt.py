"""Benchmark: from an officer's call to the sound starting on the Qt hall display.

    python bench/announce_qt.py              # 200 calls
    python bench/announce_qt.py --calls 20
    python bench/announce_qt.py --smoke

Starts ``hangdoi-server serve`` on a temporary demo instance, fills counter 1's first
service with waiting tickets, and runs the Qt display (``python -m display``, offscreen,
its own process) paired with the demo's tang-1 display token. When PulseAudio is
installed, the display plays into a null sink of a PulseAudio daemon of the benchmark's own
(as tests/display/test_audio.py does), so that it plays for real without a sound card.

For each call: wait until the display is quiet, then time from the start of the
officer's call-next request to the display's player starting the call's audio (the
display's ``--trace`` line; both clocks are this machine's). The display fetches each new
text's WAV once (``audio_url``) and caches it; this row is "call → sound starts", new
numbers each time, so every call includes the fetch. Each call's sound is cut short
after it starts (``--clip-ms``) so that 200 calls do not take 200 announcements' time.
Prints p50, p99 and max, and the display's resident memory (VmRSS, VmHWM) at the end.

:func:`qt_sound_row` is the row itself: ``async (bench, index) -> seconds or None`` with
``bench.post(path)``, as bench/announce.py's rows, to which it can be added.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from _common import Server, fill_waiting_tickets, log
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.display.pulse import PulseAudio  # noqa: E402 - after the repository is on the path

COUNTER = 1
OFFICER, PASSWORD = "canbo01", "canbo123"
CLIP_MS = 300


class Poster(Protocol):
    async def post(self, path: str, body: object | None = None) -> tuple[int, dict[str, Any]]: ...


class QtDisplay:
    """``python -m display`` in a child process, its ``--trace`` lines in a queue."""

    def __init__(self, url: str, token: str, env: dict[str, str]) -> None:
        self.url, self.token, self.env = url, token, env
        self.folder = Path(tempfile.mkdtemp(prefix="hangdoi-bench-display-"))
        self.process: asyncio.subprocess.Process | None = None
        self.lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.quiet = asyncio.Event()
        self.quiet.set()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = dict(self.env)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "display",
            "--windowed",
            "--trace",
            f"--clip-ms={CLIP_MS}",
            f"--server={self.url}",
            f"--token={self.token}",
            f"--config-dir={self.folder / 'config'}",
            f"--cache-dir={self.folder / 'audio'}",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=open(self.folder / "display.log", "wb"),  # noqa: SIM115 - the child keeps it
        )
        self._reader = asyncio.create_task(self._read())
        await self.wait_for(lambda row: row["event"] == "live", 30)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            try:
                row = json.loads(raw)
            except ValueError:
                continue
            if row["event"] == "sound_started":
                self.quiet.clear()
            elif row["event"] == "idle":
                self.quiet.set()
            self.lines.put_nowait(row)

    async def wait_for(self, match: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            row = await asyncio.wait_for(self.lines.get(), max(0.01, deadline - time.monotonic()))
            if match(row):
                return row

    def memory_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM of the display process (Linux)."""
        assert self.process is not None
        values = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
        return values

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
        if self._reader is not None:
            self._reader.cancel()


async def qt_sound_row(bench: Poster, display: QtDisplay, _index: int) -> float | None:
    """Call → the Qt display's player starts the call's audio (seconds), or None."""
    await asyncio.wait_for(display.quiet.wait(), 60)
    while not display.lines.empty():
        display.lines.get_nowait()
    # The counter's current ticket (another row's call) is let go first; none: a 409, ignored.
    await bench.post(f"/api/v1/counters/{COUNTER}/no-show")
    started = time.time()
    status, answer = await bench.post(f"/api/v1/counters/{COUNTER}/call-next")
    if status != 200 or not answer.get("ticket"):
        return None
    ticket_id = answer["ticket"]["id"]
    row = await display.wait_for(
        lambda r: r["event"] == "sound_started" and r.get("ticket_id") == ticket_id, 30
    )
    await bench.post(f"/api/v1/counters/{COUNTER}/no-show")
    return float(row["t"]) - started


class _Officer:
    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http, self.url, self.token = http, url, token

    async def post(self, path: str, body: object | None = None) -> tuple[int, dict[str, Any]]:
        async with self.http.post(
            self.url + path, json=body or {}, headers={"Authorization": f"Bearer {self.token}"}
        ) as answer:
            return answer.status, await answer.json()


def _percentiles(values: list[float]) -> str:
    data = sorted(values)
    if not data:
        return "no successful call"

    def p(q: float) -> float:
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))] * 1000

    return f"{len(data):>5}  {p(50):8.1f}  {p(99):8.1f}  {data[-1] * 1000:8.1f}"


async def _run(server: Server, calls: int, env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{server.port}"
    token = next(
        str(d["token"]) for d in server.devices if d["kind"] == "display" and d["zone"] == "tang-1"
    )
    display = QtDisplay(url, token, env)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url + "/api/v1/auth/token", json={"username": OFFICER, "password": PASSWORD}
        ) as answer:
            officer = _Officer(http, url, (await answer.json())["token"])
        await officer.post(f"/api/v1/counters/{COUNTER}/open")
        await display.start()
        after_start = display.memory_kb()
        results: list[float] = []
        failures = 0
        try:
            for index in range(calls):
                seconds = await qt_sound_row(officer, display, index)
                if seconds is None:
                    failures += 1
                else:
                    results.append(seconds)
            memory = display.memory_kb()
        finally:
            await display.stop()
    print(f"\nQt display benchmark: {calls} calls, sqlite, the display in its own process")
    print(f"{'row':<52} {'calls':>5}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}")
    print(f"{'call -> sound starts on the Qt display':<52} {_percentiles(results)}")
    print(
        f"display memory: RSS {after_start['VmRSS'] / 1024:.0f} MB after start, "
        f"{memory['VmRSS'] / 1024:.0f} MB after the calls (peak {memory['VmHWM'] / 1024:.0f} MB); "
        f"failed calls: {failures}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.calls = 5
    server = Server("sqlite")
    pulse: PulseAudio | None = None
    env = dict(os.environ)
    try:
        try:
            pulse = PulseAudio(server.instance / "pulse")
            env = dict(pulse.env)
        except (OSError, RuntimeError) as exc:
            log(f"no PulseAudio of our own ({exc}): the display uses the machine's sound")
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
        asyncio.run(_run(server, args.calls, env))
    finally:
        tail = server.stop()
        server.close()
        if pulse is not None:
            pulse.stop()
    if "Traceback" in tail:
        log(tail[-3000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
