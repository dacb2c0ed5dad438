"""bench/print.py runs and reports every mode (one iteration: a smoke test, not a measure)."""

from __future__ import annotations

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "print.py"


def test_bench_prints_render_encode_and_bytes(capsys):
    module = runpy.run_path(str(BENCH))
    assert module["main"](["--iterations", "1"]) == 0
    out = capsys.readouterr().out
    assert "render ms" in out and "encode ms" in out and "bytes" in out
    for name in ("raster, QR in image", "raster, native QR", "graphics", "text TCVN-3"):
        assert name in out
