"""Benchmark of slip printing: render time, encode time and bytes per slip, per mode.

    .venv/bin/python bench/print.py [--iterations 20]

Render = drawing the slip with Pillow (the preview image); encode = building the ESC/POS
job with python-escpos. No printer is involved: transport time depends on the link
(about 1 s per 100 KB on a 1 Mbit/s serial line, negligible on a LAN).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printers import PrinterConfig, build_job, render_preview, sample_slip  # noqa: E402

PROFILES = {384: "ZJ-5870", 512: "TM-T88V", 576: "TM-T20II"}
MODES = {
    "raster, QR in image": {"mode": "raster", "qr": "image"},
    "raster, native QR": {"mode": "raster", "qr": "native"},
    "graphics, QR in image": {"mode": "graphics", "qr": "image"},
    "text TCVN-3, native QR": {"mode": "text", "qr": "native"},
}


def _median_ms(fn, iterations: int) -> tuple[float, object]:
    times = []
    value = None
    for _ in range(iterations):
        started = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args(argv)
    slip = sample_slip()
    render_preview(slip, PrinterConfig())  # font discovery and caches, not measured

    print(
        f"hangdoi slip printing, median of {args.iterations} runs, sample slip "
        "(long service name, priority, QR)"
    )
    header = (
        f"{'width':>5}  {'profile':<9} {'mode':<24} {'render ms':>9} {'encode ms':>9} {'bytes':>7}"
    )
    print(header)
    print("-" * len(header))
    for width, profile in PROFILES.items():
        for name, options in MODES.items():
            if options["mode"] == "text" and profile == "ZJ-5870":
                continue  # no TCVN-3 code page on that profile
            config = PrinterConfig(profile=profile, **options)
            render_ms, rendered = _median_ms(
                lambda c=config: render_preview(slip, c), args.iterations
            )
            encode_ms, job = _median_ms(
                lambda c=config, r=rendered: build_job(slip, r, c), args.iterations
            )
            print(
                f"{width:>5}  {profile:<9} {name:<24} {render_ms:>9.1f} {encode_ms:>9.1f} "
                f"{len(job):>7}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
