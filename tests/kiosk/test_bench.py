"""bench/kiosk.py runs and reports its figures (two tickets: a smoke test, not a measure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_reports_latency_and_memory() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kiosk.py"), "--tickets", "2"],
        capture_output=True,
        text=True,
        timeout=240,
        env={"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "PATH": ""},
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 tickets" in result.stdout and "p99" in result.stdout and "RSS" in result.stdout
