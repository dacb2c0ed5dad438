"""A PulseAudio daemon of the test's own, with a null sink whose monitor a test records.

It runs in user mode with its own runtime folder, so its socket is
``<tmp>/pulse/native`` and it never meets another PulseAudio (the desktop's, another
test's): the processes that play or record get ``PULSE_SERVER`` pointing at that socket.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

SINK = "hangdoi_test"


def require_pulseaudio() -> None:
    missing = [tool for tool in ("pulseaudio", "parecord", "pactl") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (Debian: pulseaudio pulseaudio-utils)"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and HANGDOI_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


class PulseAudio:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        runtime = folder / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "DBUS_SESSION"))
        }
        self.env.update(
            {
                "XDG_RUNTIME_DIR": str(runtime),
                "HOME": str(folder),  # its cookie and state files, not the user's
                "PULSE_SERVER": f"unix:{runtime}/pulse/native",
                "PULSE_SINK": SINK,
            }
        )
        self.log = open(folder / "pulseaudio.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--disallow-module-loading",
                "--use-pid-file=no",
                "--system=no",
                "-n",  # no default.pa: only the modules below
                "--load=module-native-protocol-unix",
                f"--load=module-null-sink sink_name={SINK} rate=44100",
                "--log-target=stderr",
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited: {(folder / 'pulseaudio.log').read_text()}")
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("pulseaudio did not start within 15 s")

    def record(self, path: Path, rate: int = 22050) -> subprocess.Popen[bytes]:
        """parecord of the null sink's monitor into a WAV until :func:`stop_recording`."""
        return subprocess.Popen(
            [
                "parecord",
                f"--device={SINK}.monitor",
                "--file-format=wav",
                "--format=s16le",
                f"--rate={rate}",
                "--channels=1",
                "--latency-msec=20",
                str(path),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def stop_recording(recorder: subprocess.Popen[bytes]) -> None:
    recorder.send_signal(signal.SIGINT)  # parecord closes the WAV properly on SIGINT
    try:
        recorder.wait(10)
    except subprocess.TimeoutExpired:
        recorder.kill()
        recorder.wait()
