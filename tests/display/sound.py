"""Sound for the audio tests: tones written as WAV, and a recording read back as the
loudness of each short window and the strength of given frequencies in it (Goertzel)."""

from __future__ import annotations

import array
import math
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 22050
WINDOW = 0.02  # seconds per analysis window


def write_tone(path: Path, frequency: float, seconds: float, amplitude: float = 0.5) -> Path:
    frames = int(RATE * seconds)
    fade = int(RATE * 0.01)  # no click at either end
    samples = array.array("h")
    for i in range(frames):
        envelope = min(1.0, i / fade, (frames - 1 - i) / fade)
        samples.append(
            int(32767 * amplitude * envelope * math.sin(2 * math.pi * frequency * i / RATE))
        )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as source:
        return source.getnframes() / source.getframerate()


def read_mono(path: Path) -> tuple[array.array, int]:
    """The samples of a 16-bit WAV (the first channel) and its rate."""
    with wave.open(str(path)) as source:
        channels, rate = source.getnchannels(), source.getframerate()
        assert source.getsampwidth() == 2, "16-bit recordings only"
        data = array.array("h", source.readframes(source.getnframes()))
    return (data[::channels] if channels > 1 else data), rate


def _goertzel(block: array.array, frequency: float, rate: int) -> float:
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = x + coefficient * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return math.sqrt(max(power, 0.0)) / max(1, len(block))


@dataclass
class Window:
    start: float  # seconds from the start of the recording
    rms: float  # 0..32767
    tones: dict[float, float]  # frequency -> amplitude in this window


def analyse(path: Path, frequencies: tuple[float, ...] = ()) -> list[Window]:
    samples, rate = read_mono(path)
    size = int(rate * WINDOW)
    windows = []
    for start in range(0, len(samples) - size + 1, size):
        block = samples[start : start + size]
        rms = math.sqrt(sum(x * x for x in block) / size)
        tones = (
            {f: _goertzel(block, f, rate) for f in frequencies}
            if rms > 50
            else dict.fromkeys(frequencies, 0.0)
        )
        windows.append(Window(start / rate, rms, tones))
    return windows


def sounding(windows: list[Window], threshold: float = 300.0) -> list[Window]:
    return [w for w in windows if w.rms >= threshold]


def sound_span(windows: list[Window], threshold: float = 300.0) -> tuple[float, float]:
    """From the first to the end of the last window louder than `threshold` (seconds)."""
    loud = sounding(windows, threshold)
    assert loud, "the recording is silent"
    return loud[0].start, loud[-1].start + WINDOW
