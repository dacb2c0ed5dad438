"""The announcement queue's rules without a server or a sound card: each call once, a
recall again, one at a time, old calls shown but not spoken, audio fetched once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from display import announcer as announcer_module
from display.announcer import AnnouncementQueue, AudioCache, ClockOffset
from display.model import Call

NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


def call(ticket: int, count: int = 1, at: dt.datetime | None = None) -> Call:
    return Call(ticket, f"A{ticket:03d}", 5, "Quầy 5", "", "", count, at or dt.datetime.now(dt.UTC))


@pytest.fixture
def queue(qtbot, monkeypatch: pytest.MonkeyPatch) -> AnnouncementQueue:
    monkeypatch.setattr(announcer_module, "SILENT_MS", 30)  # calls without audio: short
    result = AnnouncementQueue(None)
    yield result
    result.shutdown()


def test_each_call_once_a_recall_again_and_never_two_at_once(
    qtbot, queue: AnnouncementQueue
) -> None:
    log: list[tuple[str, tuple[int, int]]] = []
    queue.started.connect(lambda c: log.append(("start", c.key)))
    queue.finished.connect(lambda c: log.append(("end", c.key)))
    assert queue.offer(call(1))
    assert not queue.offer(call(1)), "the same call (a replay) is announced once"
    assert queue.offer(call(2))
    assert queue.offer(call(1, count=2)), "a recall is announced again"
    qtbot.waitUntil(lambda: queue.current is None and len(log) == 6, timeout=5000)
    assert log == [
        ("start", (1, 1)),
        ("end", (1, 1)),
        ("start", (2, 1)),
        ("end", (2, 1)),
        ("start", (1, 2)),
        ("end", (1, 2)),
    ]


def test_calls_from_before_are_shown_not_spoken(qtbot, queue: AnnouncementQueue) -> None:
    queue.clock.reset(NOW, now=NOW)
    assert not queue.offer(call(1, at=NOW - dt.timedelta(seconds=30)), now=NOW)
    assert queue.offer(call(2, at=NOW - dt.timedelta(seconds=1)), now=NOW)
    snapshot_call = call(3, at=NOW)
    queue.mark_seen(snapshot_call)
    assert not queue.offer(snapshot_call, now=NOW), "a call the snapshot showed is not spoken"


def test_a_display_clock_ahead_of_the_server_still_speaks_fresh_calls() -> None:
    clock = ClockOffset()
    server_now = NOW - dt.timedelta(seconds=90)  # the display's clock is 90 s ahead
    clock.reset(server_now, now=NOW)
    assert clock.age(server_now - dt.timedelta(seconds=2), now=NOW) == pytest.approx(2)
    later = NOW + dt.timedelta(seconds=10)
    assert clock.age(server_now + dt.timedelta(seconds=9.5), now=later) == pytest.approx(0.5)


def test_audio_is_fetched_once_and_kept_on_disk(tmp_path: Path) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return b"RIFF" + url.encode()

    cache = AudioCache(tmp_path / "audio", fetch)
    first = cache.get("/api/v1/sites/1/voice/abc.wav")
    second = cache.get("/api/v1/sites/1/voice/abc.wav")
    assert first == second and first.read_bytes() == b"RIFF/api/v1/sites/1/voice/abc.wav"
    assert fetched == ["/api/v1/sites/1/voice/abc.wav"] and cache.downloads == 1
    again = AudioCache(tmp_path / "audio", fetch)  # the next start of the display
    again.get("/api/v1/sites/1/voice/abc.wav")
    assert len(fetched) == 1, "kept across restarts"
