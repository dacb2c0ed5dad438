"""Benchmark of the kiosk: from the touch on the last button to the last byte of the slip
received by the (fake) network printer, and the kiosk's memory.

    QT_QPA_PLATFORM=offscreen python bench/kiosk.py [--tickets 200] [--db sqlite]

Starts the production server on a demo instance and the fake ESC/POS network printer of
the tests (loopback, answering status queries), then runs the kiosk app in this process
(offscreen, portrait 1080×1920, the printer at 576 dots, raster) and, for each ticket,
touches the attract screen, the department, the service, then the last button ("Không
thuộc đối tượng ưu tiên") and waits for the printer to have received the whole job (its
connection closed). The time measured covers the ticket request, the slip's rendering
and encoding, the status query and the transfer. Prints p50/p99/max over the tickets,
and the process's resident memory (RSS now, and its peak) at the end. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import Server  # noqa: E402
from PyQt6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PyQt6.QtTest import QTest  # noqa: E402
from PyQt6.QtWidgets import QApplication, QWidget  # noqa: E402

from desktop import theme  # noqa: E402
from desktop.secrets import TokenStore  # noqa: E402
from desktop.settings import SettingsStore  # noqa: E402
from kiosk import settings  # noqa: E402
from kiosk.app import KioskApp, Screen  # noqa: E402
from tests.printers.fake_printer import FakePrinter  # noqa: E402

SERVICE = "STP-LLTP"  # no daily quota in the demo centre
PROFILE = "TM-T20II"  # 576 dots


def rss_kib() -> tuple[int, int]:
    """(resident now, peak resident) of this process in KiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    now = peak
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1])
    return now, peak


def wait_until(done, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Run the Qt event loop until `done()` (checked every millisecond)."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    if not done():
        loop.exec()
    timer.stop()
    if not done():
        raise TimeoutError("the kiosk did not get there in time")


def tap(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


class LastByte:
    """Stamps the moment each job's connection has closed (its last byte is in)."""

    def __init__(self, printer: FakePrinter, count: int) -> None:
        self.stamps: list[float] = []
        self.thread = threading.Thread(target=self._watch, args=(printer, count), daemon=True)
        self.thread.start()

    def _watch(self, printer: FakePrinter, count: int) -> None:
        for n in range(1, count + 1):
            printer.wait_for_jobs(n, timeout=60)
            self.stamps.append(time.perf_counter())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--server", help="use this running demo server instead of starting one (with --token)"
    )
    parser.add_argument("--token", help="the demo kiosk's token, with --server")
    args = parser.parse_args(argv)

    server = None if args.server else Server(args.db, "hangdoi_bench_kiosk")
    printer = FakePrinter()
    app = QApplication(sys.argv[:1])
    theme.apply(app)
    kiosk = None
    try:
        if server is not None:
            server.prepare_demo()
            server.start()
            url, token = f"http://127.0.0.1:{server.port}", server.kiosk_token
        else:
            url, token = args.server, args.token
        folder = Path(tempfile.mkdtemp(prefix="hangdoi-bench-kiosk-"))
        values = {
            **settings.DEFAULTS,
            "server": url,
            "printer": f"network:{printer.address}",
            "printer_profile": PROFILE,
            "printer_mode": "raster",
            "idle_seconds": 600,
        }
        kiosk = KioskApp(
            SettingsStore(settings.APP, settings.DEFAULTS, folder),
            TokenStore(settings.APP, folder),
            values,
            token=token,
        )
        kiosk.start(size=(1080, 1920), lock_down=False)
        wait_until(lambda: kiosk.screen == Screen.ATTRACT)
        assert kiosk.catalogue is not None
        service = next(s for s in kiosk.catalogue.services if s.code == SERVICE)
        watcher = LastByte(printer, args.tickets)
        latencies = []
        for n in range(1, args.tickets + 1):
            tap(kiosk.window.attract)
            wait_until(lambda: kiosk.screen == Screen.DEPARTMENTS)
            tile = kiosk.window.departments.tiles[
                [d.id for d, _a, _t in kiosk.window.departments.departments].index(
                    service.department.id
                )
            ]
            tap(tile)
            wait_until(lambda: kiosk.screen == Screen.SERVICES)
            tap(kiosk.window.services.tiles[service.id])
            wait_until(lambda: kiosk.screen == Screen.PRIORITY)
            last = kiosk.window.priority.buttons[-1]
            QApplication.processEvents()
            touched = time.perf_counter()
            tap(last)
            wait_until(lambda n=n: len(watcher.stamps) >= n)
            latencies.append(watcher.stamps[n - 1] - touched)
            wait_until(lambda: kiosk.screen == Screen.TICKET)
            tap(kiosk.window.ticket)
            wait_until(lambda: kiosk.screen == Screen.ATTRACT)
        now_kib, peak_kib = rss_kib()
        jobs = printer.jobs
        ms = sorted(x * 1000 for x in latencies)
        p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
        print(
            f"hangdoi kiosk, {len(ms)} tickets, {args.db if server else url}, printer {PROFILE} (576 dots, raster), "
            f"slip {statistics.median(len(j) for j in jobs) / 1024:.0f} KiB"
        )
        print("touch on the last button -> last byte at the printer:")
        print(
            f"  p50 {statistics.median(ms):.0f} ms   p99 {p99:.0f} ms   max {ms[-1]:.0f} ms   "
            f"mean {statistics.fmean(ms):.0f} ms"
        )
        print(f"kiosk process memory: RSS {now_kib / 1024:.0f} MiB, peak {peak_kib / 1024:.0f} MiB")
        return 0
    finally:
        if kiosk is not None:
            kiosk.shutdown()
        printer.close()
        if server is not None:
            server.close()


if __name__ == "__main__":
    sys.exit(main())
