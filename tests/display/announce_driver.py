"""A process that announces given WAV files with the display's AnnouncementQueue, one call
each, offered at once (as a burst of calls arrives), and prints when each started and
ended as JSON lines: run by tests/display/test_audio.py under its own PulseAudio.

    python -m tests.display.announce_driver A.wav B.wav [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from display.announcer import AnnouncementQueue, AudioCache
from display.model import Call


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    cache = AudioCache(
        Path(tempfile.mkdtemp(prefix="hangdoi-audio-")), lambda url: Path(url).read_bytes()
    )
    queue = AnnouncementQueue(cache, repeat=args.repeat)
    t0 = time.monotonic()

    def report(kind: str):
        return lambda call: print(
            json.dumps({"event": kind, "number": call.number, "t": time.monotonic() - t0}),
            flush=True,
        )

    queue.started.connect(report("started"))
    queue.sound_started.connect(report("sound_started"))
    queue.finished.connect(report("finished"))
    queue.announcing.connect(lambda on: on or QTimer.singleShot(200, app.quit))
    now = dt.datetime.now(dt.UTC)
    for index, file in enumerate(args.files):
        queue.offer(
            Call(
                index + 1,
                f"T{index + 1}",
                index + 1,
                "",
                "",
                "",
                1,
                now,
                audio_url=str(Path(file).resolve()),
            )
        )
    QTimer.singleShot(60_000, app.quit)  # never hang a test
    app.exec()
    queue.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
