"""The announcements: each call is heard, whole, one after the other.

:class:`AnnouncementQueue` takes the calls the display receives and plays the server's audio
of each (``announcement.audio_url``: a WAV, chime first) with QtMultimedia, ``repeat`` times
(the site's setting), never two at once: a call that arrives while another is being spoken
waits its turn. A recall (a higher ``call_count``) is a new call and is announced again; the
same call received twice (a replay after a reconnect, say) is announced once. A call older
than ``fresh_seconds`` (a catch-up after a reconnect) is shown by the screen but not spoken.

:class:`AudioCache` keeps each audio file on disk, fetched once: the same text (a ticket
number to a counter) is never downloaded twice, and a cached call plays at once.

Signals of :class:`AnnouncementQueue`:
    started(object call)      the call is now being announced (the screen highlights it)
    sound_started(object call) its audio started playing (the first of its repeats)
    finished(object call)     its last repeat ended (or it could not be played)
    announcing(bool)          something is being announced / nothing is
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PyQt6.QtCore import QObject, QUrl, pyqtSignal
from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer

from display.model import Call
from display.timers import timer

log = logging.getLogger(__name__)

FRESH_SECONDS = 8.0  # a call older than this when received is shown, not spoken
REPEAT_GAP_MS = 700  # silence between two repeats of one call
SILENT_MS = 3000  # how long a call without audio stays highlighted
MAX_PLAY_MS = 60_000  # a file that never ends is given up after this long
SEEN = 500  # calls remembered so that a replay does not announce them again


class AudioCache:
    """Audio files by URL in a folder: fetched once with `fetch` (URL → bytes), written
    atomically, the oldest removed beyond `max_files`. Thread-safe enough for one writer
    per URL: two fetches of one URL write the same bytes to the same name."""

    def __init__(self, folder: Path, fetch: Callable[[str], bytes], max_files: int = 2000) -> None:
        self.folder = Path(folder)
        self.fetch = fetch
        self.max_files = max_files
        self.folder.mkdir(parents=True, exist_ok=True)
        self.downloads = 0  # how many files were fetched (the tests and the bench read it)

    def path_for(self, url: str) -> Path:
        name = hashlib.sha256(url.encode()).hexdigest()[:32]
        suffix = Path(url.split("?", 1)[0]).suffix.lower()
        return self.folder / (name + (suffix if suffix in (".wav", ".mp3", ".ogg") else ".wav"))

    def get(self, url: str) -> Path:
        """The file of `url`, fetched now if it is not on disk yet (blocking)."""
        path = self.path_for(url)
        if path.exists():
            return path
        data = self.fetch(url)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self.downloads += 1
        self._prune()
        return path

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.*"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


class ClockOffset:
    """How far the display's clock is ahead of the server's, to tell a fresh call from an
    old one without trusting either clock: the smallest (local − server) time seen, since
    a live event's real delay is close to nothing. A snapshot's time starts it afresh."""

    def __init__(self) -> None:
        self.offset: float | None = None

    def reset(self, server_at: dt.datetime | None, now: dt.datetime | None = None) -> None:
        self.offset = None
        self.observe(server_at, now)

    def observe(self, server_at: dt.datetime | None, now: dt.datetime | None = None) -> None:
        if server_at is None:
            return
        sample = ((now or dt.datetime.now(dt.UTC)) - server_at).total_seconds()
        self.offset = sample if self.offset is None else min(self.offset, sample)

    def age(self, server_at: dt.datetime | None, now: dt.datetime | None = None) -> float:
        """Seconds since `server_at`, in the server's time."""
        if server_at is None:
            return 0.0
        raw = ((now or dt.datetime.now(dt.UTC)) - server_at).total_seconds()
        return raw - (self.offset or 0.0)


class AnnouncementQueue(QObject):
    started = pyqtSignal(object)
    sound_started = pyqtSignal(object)
    finished = pyqtSignal(object)
    announcing = pyqtSignal(bool)
    _audio_ready = pyqtSignal(object, object)  # call, path or None (from the fetch thread)

    def __init__(
        self,
        cache: AudioCache | None,
        *,
        repeat: int = 1,
        fresh_seconds: float = FRESH_SECONDS,
        clip_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.repeat = max(1, repeat)
        self.fresh_seconds = fresh_seconds
        # Benchmarks only: each call's sound is cut after this long (the start is what they time).
        self.clip_ms = clip_ms
        self.clock = ClockOffset()
        self.pending: deque[Call] = deque()
        self.current: Call | None = None
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._remaining = 0
        self._sound_started = False
        # One fetch at a time, in the order of the calls (the cache's fetch need not be
        # thread-safe); a queued call's audio is fetched while the one before it plays.
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio-fetch")
        self.audio = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        self._gap = timer(self, 0, self.on_repeat, single_shot=True)
        self._silent = timer(self, 0, self._done, single_shot=True)
        self._guard = timer(self, 0, self.on_stuck, single_shot=True)
        self._clip = timer(self, 0, self.on_clip, single_shot=True)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._audio_ready.connect(self.on_audio_ready)
        self.player.mediaStatusChanged.connect(self.on_media_status)
        self.player.playbackStateChanged.connect(self.on_playback_state)
        self.player.errorOccurred.connect(self.on_player_error)

    # ------------------------------------------------------------------ taking calls

    def set_repeat(self, repeat: int) -> None:
        self.repeat = max(1, int(repeat))

    def offer(self, call: Call, *, now: dt.datetime | None = None) -> bool:
        """A call the display received: queue it for announcing unless it was announced
        already or is too old (answers whether it was queued)."""
        if call.key in self._seen:
            return False
        self._seen[call.key] = None
        while len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        self.clock.observe(call.at, now)
        if self.clock.age(call.at, now) > self.fresh_seconds:
            log.info(
                "call %s to counter %s is old: shown, not spoken", call.number, call.counter_number
            )
            return False
        self.pending.append(call)
        if self.current is None:
            self._next()
        elif call.audio_url and self.cache is not None:
            self._fetcher.submit(self._prefetch, call.audio_url)
        return True

    def mark_seen(self, call: Call) -> None:
        """A call shown from a snapshot: never announce it later (e.g. replayed again)."""
        self._seen[call.key] = None

    def clear(self) -> None:
        """Forget what waits and stop what plays (unpairing)."""
        self.pending.clear()
        self.player.stop()
        for pending_timer in (self._gap, self._silent, self._guard, self._clip):
            pending_timer.stop()
        if self.current is not None:
            self.current = None
            self.announcing.emit(False)

    def shutdown(self) -> None:
        self.clear()
        self._fetcher.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ playing

    def _next(self) -> None:
        if not self.pending:
            if self.current is not None:
                self.current = None
            self.announcing.emit(False)
            return
        call = self.pending.popleft()
        was_idle = self.current is None
        self.current = call
        self._remaining = max(1, call.repeat or self.repeat)
        self._sound_started = False
        if was_idle:
            self.announcing.emit(True)
        self.started.emit(call)
        if call.audio_url and self.cache is not None:
            self._fetcher.submit(self._fetch, call)
        else:
            self._silent.start(SILENT_MS)

    def _prefetch(self, url: str) -> None:
        assert self.cache is not None
        try:
            self.cache.get(url)
        except Exception as exc:  # noqa: BLE001 - tried again when the call's turn comes
            log.info("audio %s not prefetched: %s", url, exc)

    def _fetch(self, call: Call) -> None:
        # In the fetch thread: the signal brings the answer back to the GUI thread.
        assert self.cache is not None and call.audio_url
        try:
            path: Path | None = self.cache.get(call.audio_url)
        except Exception as exc:  # noqa: BLE001 - any failure: the call is shown, not heard
            log.warning("audio of %s not fetched: %s", call.number, exc)
            path = None
        self._audio_ready.emit(call, path)

    def on_audio_ready(self, call: Call, path: Path | None) -> None:
        if call is not self.current:
            return
        if path is None:
            self._silent.start(SILENT_MS)
            return
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self._play()

    def _play(self) -> None:
        self._guard.start(MAX_PLAY_MS)
        self.player.setPosition(0)
        self.player.play()

    def on_playback_state(self, state: QMediaPlayer.PlaybackState) -> None:
        if (
            state == QMediaPlayer.PlaybackState.PlayingState
            and self.current
            and not self._sound_started
        ):
            self._sound_started = True
            self.sound_started.emit(self.current)
            if self.clip_ms is not None:
                self._clip.start(self.clip_ms)

    def on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self.current is None:
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._guard.stop()
            self._remaining -= 1
            if self._remaining > 0:
                self._gap.start(REPEAT_GAP_MS)
            else:
                self._done()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            log.warning("audio of %s cannot be played", self.current.number)
            self._guard.stop()
            self._silent.start(SILENT_MS)

    def on_player_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if self.current is not None and error != QMediaPlayer.Error.NoError:
            log.warning("audio of %s: %s", self.current.number, message)

    def on_repeat(self) -> None:
        if self.current is not None:
            self._play()

    def on_clip(self) -> None:
        if self.current is not None:
            self._guard.stop()
            self._gap.stop()
            self.player.stop()
            self._done()

    def on_stuck(self) -> None:
        log.warning("audio did not end in %s ms: next call", MAX_PLAY_MS)
        self.player.stop()
        self._done()

    def _done(self) -> None:
        call = self.current
        if call is None:
            return
        self.finished.emit(call)
        self._next()
