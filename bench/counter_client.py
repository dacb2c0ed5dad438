"""Benchmark: the counter client, from the call-next hotkey to the new ticket on the bar.

    python bench/counter_client.py                  # 300 calls, SQLite
    python bench/counter_client.py --calls 50 --db postgres

On a fresh temporary demo instance (the production server in its own process), with
``--calls`` waiting tickets put in the queue of counter 4's first service:

1. a child process runs the counter client as ``python -m counter_client`` does (Qt's
   offscreen platform, the officer's token on the command line, counter 4), and nothing
   else: its memory is the app's;
2. it presses Ctrl+Alt+N at the hotkey layer (Qt's key event to the bar, whose focused
   shortcut is the hotkey where global ones are not available) and stamps the time until
   the bar shows the new ticket's number: the press, the server's answer, the counter's
   refresh and the repaint in one figure; then it marks the ticket a no-show (not timed),
   so that the counter is free for the next call;
3. it reports p50 / p99 / max over the calls, and its VmRSS (and peak VmHWM) at the end.

Measures only; asserts nothing. Run it under ``flock /tmp/hangdoi-bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTER_ID = 4  # the demo's counter 4: services 1 and 3


def _status(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(server: str, token: str, calls: int) -> None:
    """The counter client and the timed presses, in this process only."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import Qt
    from PyQt6.QtTest import QTest

    from contract.tickets import TicketState
    from counter_client.app import APP, DEFAULTS, FLAGS, CounterApp, parser
    from desktop.startup import start_app

    config = tempfile.mkdtemp(prefix="hangdoi-bench-counter-")
    started = start_app(
        APP,
        parser(),
        [
            "--server",
            server,
            "--token",
            token,
            "--counter",
            str(COUNTER_ID),
            "--config-dir",
            config,
        ],
        title="hangdoi-counter",
        defaults=DEFAULTS,
        flags=FLAGS,
        quit_on_last_window_closed=False,
    )
    qapp = started.qapp
    app = CounterApp(started.args, started.settings)
    app.exit_app = lambda: None  # type: ignore[method-assign]
    app.start()

    def spin_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the counter client did not get there")
            qapp.processEvents()
            time.sleep(0.0005)

    spin_until(lambda: app.session is not None and app.session.connection == "connected")
    session, bar = app.session, app.bar
    assert session is not None and bar is not None
    spin_until(lambda: not session.busy and session.view.waiting_count >= calls)
    bar.activateWindow()
    spin_until(bar.isActiveWindow)
    latencies = []
    for _ in range(calls):
        before = bar.number_label.text()
        started = time.perf_counter()
        QTest.keyClick(
            bar, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        )
        spin_until(lambda before=before: bar.number_label.text() not in (before, "—"))
        latencies.append(time.perf_counter() - started)
        spin_until(lambda: not session.busy)
        current = session.view.current
        assert current is not None and current["state"] == TicketState.CALLED
        session.press("no_show")
        spin_until(lambda: not session.busy and session.view.current is None)
    print(
        json.dumps(
            {
                "latencies": latencies,
                "rss_kb": _status("VmRSS"),
                "hwm_kb": _status("VmHWM"),
                "hotkeys": app.hotkeys.mode if app.hotkeys else None,
            }
        )
    )
    app._close_bar()


def main() -> None:
    # Run as a script, bench/ is first on the path, and this file would hide the package
    # of the same name: the repository's root instead.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path[0] = str(ROOT)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--child", nargs=2, metavar=("SERVER", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.calls)
        return

    import requests

    from bench._common import Server, fill_waiting_tickets, log

    server = Server(args.db, "hangdoi_bench_counter")
    try:
        server.prepare_demo()
        engine = server.engine()
        try:
            fill_waiting_tickets(engine, {1: args.calls + 10})
        finally:
            engine.dispose()
        server.start()
        url = f"http://127.0.0.1:{server.port}"
        answer = requests.post(
            url + "/api/v1/auth/token",
            json={"username": "canbo01", "password": "canbo123"},
            timeout=30,
        )
        answer.raise_for_status()
        token = answer.json()["token"]
        log(f"counter client: {args.calls} calls on {args.db} ...")
        result = subprocess.run(
            [sys.executable, __file__, "--calls", str(args.calls), "--child", url, token],
            env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if result.returncode != 0:
            raise SystemExit(f"the client failed:\n{result.stderr[-4000:]}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        server.close()
    ms = sorted(x * 1000 for x in data["latencies"])
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"counter client, {args.db}, {len(ms)} calls (hotkeys: {data['hotkeys']})")
    print(
        f"  hotkey -> server -> new ticket on the bar: p50 {statistics.median(ms):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )
    print(f"  client RSS {data['rss_kb'] / 1024:.0f} MB (peak {data['hwm_kb'] / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
