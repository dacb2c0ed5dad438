"""The display's announcements as heard: a PulseAudio null sink of the test's own is
recorded (parecord of its monitor) while the Qt announcement queue plays.

A call is heard whole (the recording is not silent and its sound lasts as long as the
audio); two calls in a row are heard one after the other, never mixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.display.pulse import PulseAudio, require_pulseaudio, stop_recording
from tests.display.sound import WINDOW, analyse, sound_span, sounding, write_tone

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseAudio]:
    require_pulseaudio()
    daemon = PulseAudio(tmp_path / "pulse")
    yield daemon
    daemon.stop()


def _qt_env(pulse: PulseAudio) -> dict[str, str]:
    env = dict(pulse.env)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def test_two_calls_are_heard_whole_one_after_the_other(pulse: PulseAudio, tmp_path: Path) -> None:
    low = write_tone(tmp_path / "low.wav", 440, 1.0)
    high = write_tone(tmp_path / "high.wav", 1320, 1.0)
    recording = tmp_path / "recording.wav"
    recorder = pulse.record(recording)
    time.sleep(0.5)  # parecord is attached before anything plays
    driver = subprocess.run(
        [sys.executable, "-m", "tests.display.announce_driver", str(low), str(high)],
        env=_qt_env(pulse),
        capture_output=True,
        text=True,
        timeout=60,
    )
    time.sleep(0.5)
    stop_recording(recorder)
    assert driver.returncode == 0, driver.stderr
    events = [json.loads(line) for line in driver.stdout.splitlines() if line.startswith("{")]
    assert [(e["event"], e["number"]) for e in events] == [
        ("started", "T1"),
        ("sound_started", "T1"),
        ("finished", "T1"),
        ("started", "T2"),
        ("sound_started", "T2"),
        ("finished", "T2"),
    ], driver.stdout + driver.stderr

    windows = analyse(recording, (440.0, 1320.0))
    start, end = sound_span(windows)
    loud = sounding(windows)
    heard = len(loud) * WINDOW
    # Both files are heard whole: about 2 s of sound (a window or two lost at each edge).
    assert 1.8 <= heard <= 2.2, f"{heard:.2f} s of sound"
    # The low tone, then the high one, each in one stretch and never both at once.
    labels = ["low" if w.tones[440.0] > w.tones[1320.0] else "high" for w in loud]
    mixed = [w for w in loud if min(w.tones.values()) > 0.25 * max(w.tones.values())]
    assert len(mixed) <= 2, f"{len(mixed)} windows hold both tones"
    first_high = labels.index("high")
    assert set(labels[:first_high]) == {"low"} and set(labels[first_high:]) == {"high"}
    assert 0.9 <= first_high * WINDOW <= 1.1
    assert end - start >= heard - 0.05
