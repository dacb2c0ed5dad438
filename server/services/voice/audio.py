"""Sound for announcements, with the standard library only (``wave``, ``array``): reading
and writing 16-bit mono WAV at :data:`RATE`, trimming silence, loudness normalisation, the
synthesised chime, joining clips with short gaps, and espeak-ng run as a separate process.

Samples are ``array('h')``. Every clip is brought to one format (mono, :data:`RATE`,
16-bit) when it is prepared, so that building a call is a concatenation.
"""

from __future__ import annotations

import functools
import io
import math
import os
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

RATE = 22050
GAP_SECONDS = 0.08  # between two clips
AFTER_CHIME_SECONDS = 0.25
BEFORE_ENGLISH_SECONDS = 0.6
TAIL_SECONDS = 0.2
TARGET_RMS = 0.1  # -20 dBFS: every clip equally loud
PEAK = 0.89  # -1 dBFS at most
TRIM_BELOW_DB = -40.0  # relative to the clip's peak
TRIM_PAD_SECONDS = 0.015
ESPEAK_TIMEOUT = 10.0
FULL = 32767


class AudioError(ValueError):
    """A file that is not a WAV this module can read."""


def silence(seconds: float) -> array:
    return array("h", bytes(2 * round(seconds * RATE)))


def duration(samples: Sequence[int]) -> float:
    return len(samples) / RATE


# --------------------------------------------------------------------------- WAV I/O


def _pcm_to_floats(frames: bytes, width: int) -> list[float]:
    if width == 1:  # unsigned 8-bit
        return [(b - 128) / 128 for b in frames]
    if width == 2:
        samples = array("h")
        samples.frombytes(frames)
        if sys.byteorder == "big":
            samples.byteswap()
        return [s / 32768 for s in samples]
    if width == 3:
        return [
            int.from_bytes(frames[i : i + 3], "little", signed=True) / 8388608
            for i in range(0, len(frames) - 2, 3)
        ]
    if width == 4:
        samples32 = array("i")
        samples32.frombytes(frames)
        if sys.byteorder == "big":
            samples32.byteswap()
        return [s / 2147483648 for s in samples32]
    raise AudioError(f"unsupported sample width {width}")


def _resample(values: list[float], rate: int) -> list[float]:
    """To :data:`RATE`: a box filter as wide as the step when going down (so that what is
    above the new Nyquist frequency mostly goes), then linear interpolation."""
    if rate == RATE or not values:
        return values
    step = rate / RATE
    if step > 1:
        width = int(step)
        if width > 1:
            running, smoothed = 0.0, []
            for i, v in enumerate(values):
                running += v
                if i >= width:
                    running -= values[i - width]
                smoothed.append(running / min(i + 1, width))
            values = smoothed
    count = int(len(values) / step)
    last = len(values) - 1
    out = []
    for i in range(count):
        x = i * step
        j = int(x)
        frac = x - j
        a = values[j]
        b = values[j + 1] if j < last else a
        out.append(a + (b - a) * frac)
    return out


def read_wav(source: Path | bytes) -> array:
    """Any PCM WAV (8/16/24/32-bit, mono or more channels, any rate) as mono :data:`RATE`."""
    try:
        with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as error:
        raise AudioError(f"not a PCM WAV file: {error}") from error
    if (channels, width, rate) == (1, 2, RATE):  # the pack's own format: as it is
        samples = array("h")
        samples.frombytes(frames[: len(frames) // 2 * 2])
        if sys.byteorder == "big":
            samples.byteswap()
        return samples
    values = _pcm_to_floats(frames, width)
    if channels > 1:
        values = [
            sum(values[i : i + channels]) / channels
            for i in range(0, len(values) - channels + 1, channels)
        ]
    values = _resample(values, rate)
    return array("h", (max(-FULL, min(FULL, round(v * FULL))) for v in values))


def wav_bytes(samples: array) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        data = samples
        if sys.byteorder == "big":
            data = array("h", samples)
            data.byteswap()
        w.writeframes(data.tobytes())
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Written beside `path`, then renamed: a reader never sees half a file, and processes
    that build the same file at once each rename a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- preparing clips


def trim(samples: array) -> array:
    """Without the silence before and after: what stays under TRIM_BELOW_DB of the peak."""
    if not samples:
        return samples
    peak = max(max(samples), -min(samples))
    if peak == 0:
        return array("h")
    threshold = max(peak * 10 ** (TRIM_BELOW_DB / 20), 64)
    first = next(i for i, s in enumerate(samples) if abs(s) >= threshold)
    last = len(samples) - next(i for i, s in enumerate(reversed(samples)) if abs(s) >= threshold)
    pad = round(TRIM_PAD_SECONDS * RATE)
    return samples[max(0, first - pad) : min(len(samples), last + pad)]


def normalise(samples: array) -> array:
    """To :data:`TARGET_RMS`, but never louder than :data:`PEAK` at its peak."""
    if not samples:
        return samples
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    peak = max(max(samples), -min(samples))
    if rms == 0 or peak == 0:
        return samples
    gain = min(TARGET_RMS * FULL / rms, PEAK * FULL / peak)
    return array("h", (max(-FULL, min(FULL, round(s * gain))) for s in samples))


def prepare(samples: array) -> array:
    return normalise(trim(samples))


# --------------------------------------------------------------------------- chime


@functools.cache
def chime() -> array:
    """Three falling bell tones (E5, C5, G4), as the web pages' chime: each a struck
    fundamental with two quieter inharmonic partials, decaying; about 1.7 s."""
    notes = ((659.25, 0.0), (523.25, 0.35), (392.0, 0.7))
    partials = ((1.0, 0.5), (2.76, 0.08), (5.4, 0.03))
    decay = 1.0  # seconds from the strike to silence
    length = round((notes[-1][1] + decay) * RATE)
    out = [0.0] * length
    for frequency, start in notes:
        first = round(start * RATE)
        count = min(length - first, round(decay * RATE))
        for k in range(count):
            t = k / RATE
            # 15 ms attack, then an exponential decay to -60 dB over `decay`.
            envelope = min(1.0, t / 0.015) * math.exp(-6.9 * t / decay)
            value = sum(
                amplitude * math.sin(2 * math.pi * frequency * ratio * t)
                for ratio, amplitude in partials
            )
            out[first + k] += envelope * value
    peak = max(abs(v) for v in out)
    # Under the words' loudness: a bell carries without being louder than the voice.
    return array("h", (round(v / peak * PEAK * FULL * 0.5) for v in out))


# --------------------------------------------------------------------------- joining


def join(clips: Iterable[array], *, english: array | None = None) -> array:
    """The call: the chime, a short pause, the clips with :data:`GAP_SECONDS` between them,
    then (when given) a pause and the English announcement, and a short tail."""
    out = array("h", chime())
    out += silence(AFTER_CHIME_SECONDS)
    gap = silence(GAP_SECONDS)
    for index, clip in enumerate(clips):
        if index:
            out += gap
        out += clip
    if english is not None and len(english):
        out += silence(BEFORE_ENGLISH_SECONDS)
        out += english
    out += silence(TAIL_SECONDS)
    return out


# --------------------------------------------------------------------------- espeak-ng


def espeak(executable: str, voice: str, text: str, *, speed: int = 150) -> array:
    """`text` said by espeak-ng (a separate process), trimmed and normalised.
    Raises OSError or subprocess.SubprocessError when espeak-ng fails."""
    with tempfile.TemporaryDirectory(prefix="hangdoi-espeak-") as folder:
        target = Path(folder) / "said.wav"
        subprocess.run(
            [executable, "-v", voice, "-s", str(speed), "-w", str(target), "--", text],
            check=True,
            capture_output=True,
            timeout=ESPEAK_TIMEOUT,
        )
        return prepare(read_wav(target))
