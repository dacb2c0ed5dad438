"""On a real X server (Xvfb, in TEST_SYSTEM_PACKAGES): Qt's xcb platform starts with the
system libraries the Makefile installs, the bar is a real always-on-top window, and the
global hotkeys are pynput's listener (not the focused fallback).

pynput's GlobalHotKeys ignores injected key events (XTest), so a key press cannot be
simulated here: the callback path is tested in test_shift.py with a stand-in listener."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from counter_client.hotkeys import Hotkeys
from counter_client.views.bar import Bar
bar = Bar({"call_next": "Ctrl+Alt+N"})
bar.show()
app.processEvents()
layer = Hotkeys({"call_next": "Ctrl+Alt+N"}, bar)
print(app.platformName(), layer.start(), bool(bar.windowFlags() & Qt.WindowType.WindowStaysOnTopHint), bar.row.height(), bar.height())
layer.stop()
"""


@pytest.fixture
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert xvfb.stdout is not None
        number = xvfb.stdout.readline().strip()
        assert number.isdigit(), "Xvfb did not say its display"
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def test_the_bar_on_x11_has_global_hotkeys(display: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    platform, mode, on_top, row, height = result.stdout.split()[-5:]
    assert (platform, mode, on_top) == ("xcb", "global", "True")
    # The row and the one-line status strip under it.
    assert int(row) == 56 and 56 < int(height) <= 80
