"""The hall display's controller and ``main``: pairing, then the hall screen (or the
counter-top screen) kept live over Socket.IO, and the announcements.

:class:`DisplayApp` owns the window (a stack of the pairing, hall and counter-top views),
the :class:`~display.model.HallState`, the :class:`~display.announcer.AnnouncementQueue`
and the :class:`~desktop.live.LiveConnection`, and wires them in :meth:`_connect_live`.
The settings (``display.json`` in the config folder) keep the server, the monitor, the
layout, the media folder and the counter; the device token goes to the keyring or a
private file (:mod:`desktop.secrets`).

Signals:
    paired(dict)       the token was accepted: ``/auth/me`` of the display
    unpaired(str)      back on the pairing screen, with the reason
    call_shown(object) a call was put on screen (a :class:`~display.model.Call`)
    status_changed(str) the connection's state as the screen shows it (views.style)
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_cache_dir
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QStackedWidget

from contract import events as ev
from desktop.api import ApiClient, ApiError, normalize_base_url
from desktop.live import LiveConnection, LiveState
from desktop.secrets import TokenStore
from desktop.settings import SettingsStore, common_parser
from desktop.startup import start_app
from display.announcer import AnnouncementQueue, AudioCache
from display.model import Call, HallState, nfc
from display.timers import timer
from display.views import style
from display.views.clock import VIETNAM
from display.views.counter_top import CounterTopView
from display.views.hall import AUTO, ORIENTATIONS, HallView
from display.views.pairing import PairingView

log = logging.getLogger(__name__)

APP = "display"
DEFAULTS: dict[str, Any] = {
    "server": "",
    "screen": None,
    "counter": None,
    "media": "",
    "orientation": AUTO,
    "lang": style.BILINGUAL,
}
# The settings the command line's flags override.
FLAGS = ("server", "screen", "counter", "media", "orientation", "lang")
RETRY_MS = 5000  # pairing again while the server cannot be reached
# How often a paired display asks the server whether its token still holds: the server does
# not close a connected display's socket when its token is revoked.
CHECK_MS = 60_000
# A hall hears the calls it missed only when they are fresh: reconnect quickly.
RECONNECT_MAX = 2.0

LIVE_STATUS = {
    LiveState.CONNECTING: style.CONNECTING,
    LiveState.CONNECTED: style.LIVE,
    LiveState.DISCONNECTED: style.OFFLINE,
    LiveState.UNAUTHORIZED: style.REFUSED,
    LiveState.STOPPED: style.OFFLINE,
}


def parser() -> argparse.ArgumentParser:
    result = common_parser(
        "hangdoi-display",
        "hangdoi's hall display (and counter-top screen)",
        languages=style.LANGUAGES,
        lang_help="vi+en (default): Vietnamese, then English; vi: Vietnamese only",
    )
    result.add_argument(
        "--screen", type=int, help="monitor to fill (0 = the first; see --list-screens)"
    )
    result.add_argument(
        "--counter",
        type=int,
        help="counter-top mode: show this counter's number only (0: back to the hall screen)",
    )
    result.add_argument("--media", help="folder of images and videos for the media area")
    result.add_argument(
        "--orientation",
        choices=ORIENTATIONS,
        help="layout: landscape, portrait or auto (the screen's)",
    )
    result.add_argument(
        "--windowed", action="store_true", help="a window instead of full screen (set-up, tests)"
    )
    result.add_argument("--list-screens", action="store_true", help="list the monitors and exit")
    result.add_argument("--cache-dir", help="folder of the cached announcement audio")
    result.add_argument(
        "--trace",
        action="store_true",
        help="print a JSON line when a call's sound starts and when the display falls quiet "
        "(bench/announce_qt.py reads them)",
    )
    # Benchmarks: cut each call's sound after this many milliseconds (they time its start).
    result.add_argument("--clip-ms", type=int, help=argparse.SUPPRESS)
    return result


@dataclass(frozen=True)
class Pairing:
    """What the server said of a token that it accepted."""

    server: str
    token: str
    client: ApiClient
    me: dict[str, Any]
    site: dict[str, Any]
    services: list[dict[str, Any]]


class DisplayApp(QObject):
    paired = pyqtSignal(dict)
    unpaired = pyqtSignal(str)
    call_shown = pyqtSignal(object)
    status_changed = pyqtSignal(str)
    _pair_answer = pyqtSignal(int, object)  # from the pairing thread
    _check_answer = pyqtSignal(int, object)  # from the token check's thread: ApiError or None

    def __init__(
        self,
        settings: dict[str, Any],
        *,
        store: SettingsStore | None = None,
        tokens: TokenStore | None = None,
        cache_dir: Path | None = None,
        windowed: bool = False,
        clip_ms: int | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.tokens = tokens
        self.windowed = windowed
        self.client: ApiClient | None = None
        self.audio_client: ApiClient | None = None
        self.token: str | None = None
        self.live: LiveConnection | None = None
        self.me: dict[str, Any] = {}
        self.site: dict[str, Any] = {}
        self.state = HallState()
        counter = settings.get("counter")
        self.counter_number: int | None = (
            counter if isinstance(counter, int) and counter > 0 else None
        )
        self.cache_dir = Path(
            cache_dir or Path(user_cache_dir("hangdoi", appauthor=False)) / "display-audio"
        )
        self.announcer = AnnouncementQueue(None, clip_ms=clip_ms)
        self.window = QStackedWidget()
        self.window.setWindowTitle("hangdoi — màn hình sảnh · hall display")
        self.pairing = PairingView()
        self.window.addWidget(self.pairing)
        self.screen_view: HallView | CounterTopView | None = None
        self._retry = timer(self, 0, self.on_retry, single_shot=True)
        self._check = timer(self, CHECK_MS, self.on_check_token)
        self._last_pair: tuple[str, str] | None = None
        self._pair_attempt = 0
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.pairing.pair_requested.connect(self.pair)
        self._pair_answer.connect(self.on_pair_answer)
        self._check_answer.connect(self.on_check_answer)
        self.announcer.started.connect(self.on_announcing_call)
        self.announcer.finished.connect(self.on_announced)
        self.announcer.announcing.connect(self.on_announcing)

    # ------------------------------------------------------------------ start and pairing

    def start(self, token: str | None = None) -> None:
        """Pair with the stored (or given) token, or show the pairing screen."""
        self.place_window()
        server = self.settings.get("server") or ""
        if server and not token and self.tokens is not None:
            try:
                token = self.tokens.get(normalize_base_url(server))
            except ApiError:
                token = None
        self.pairing.set_values(server, token or "")
        self.window.setCurrentWidget(self.pairing)
        if server and token:
            self.pair(server, token)

    def place_window(self) -> None:
        screens = QGuiApplication.screens()
        index = self.settings.get("screen")
        screen = screens[index] if isinstance(index, int) and 0 <= index < len(screens) else None
        screen = screen or QGuiApplication.primaryScreen()
        if screen is not None:
            self.window.setGeometry(screen.geometry())
        if self.windowed:
            self.window.show()
        else:
            self.window.showFullScreen()

    def pair(self, server: str, token: str) -> None:
        """Check the token with the server (on a worker thread: an unreachable address
        takes its timeout); on success, the hall (or counter) screen."""
        self._retry.stop()
        self.pairing.set_busy(True)
        self._pair_attempt += 1
        self._last_pair = (server, token)
        threading.Thread(
            target=self._check_token,
            args=(self._pair_attempt, server, token),
            name="hangdoi-pair",
            daemon=True,
        ).start()

    def _check_token(self, attempt: int, server: str, token: str) -> None:
        # On the worker thread: the answer goes back to the GUI thread by a signal.
        result: Pairing | ApiError
        try:
            client = ApiClient(server, token)
            me = client.me()
            if me.get("role") != "display" or me.get("site_id") is None:
                raise ApiError(
                    403,
                    "wrong_kind",
                    "Mã này không phải mã thiết bị màn hình (hdd_…).",
                    "This is not a display device token (hdd_…).",
                )
            site_id = int(me["site_id"])
            site = client.get(f"/sites/{site_id}")
            services = client.get(f"/sites/{site_id}/services")
            result = Pairing(server, token, client, me, site, services)
        except ApiError as exc:
            result = exc
        self._pair_answer.emit(attempt, result)

    def on_pair_answer(self, attempt: int, result: Pairing | ApiError) -> None:
        if attempt != self._pair_attempt:
            return  # a later attempt was made meanwhile
        if isinstance(result, ApiError):
            self.pairing.show_error(f"{result.message_vi} · {result.message_en}")
            if result.offline:
                # The server may still be starting (a display powered on with it): retry.
                self._retry.start(RETRY_MS)
            return
        client, token, me, site = result.client, result.token, result.me, result.site
        self._close_connection()
        self.client, self.me, self.site, self.token = client, me, site, token
        self.settings["server"] = client.base_url
        if self.store is not None:
            self.store.update(server=client.base_url)
        if self.tokens is not None:
            self.tokens.set(client.base_url, token)
        self.state = HallState(zone=me.get("zone"))
        self.state.set_services(result.services)
        # A client of its own: the audio is fetched on another thread than the GUI's calls.
        self.audio_client = ApiClient(client.base_url, token)
        self.announcer.cache = AudioCache(self.cache_dir, self.audio_client.download)
        self._apply_site_settings()
        self._show_screen()
        self.live = LiveConnection(client.base_url, token, reconnect_max=RECONNECT_MAX, parent=self)
        self._connect_live(self.live)
        self.live.start()
        self._check.start(CHECK_MS)
        self.paired.emit(me)

    def on_retry(self) -> None:
        if self._last_pair is not None:
            self.pair(*self._last_pair)

    def on_check_token(self) -> None:
        """Ask the server whether the token still holds (on a worker thread)."""
        if self.client is None or self.token is None:
            return
        server, token, attempt = self.client.base_url, self.token, self._pair_attempt

        def check() -> None:
            client = ApiClient(server, token)  # its own: not shared with another thread
            try:
                client.me()
            except ApiError as exc:
                self._check_answer.emit(attempt, exc)
            finally:
                client.close()

        threading.Thread(target=check, name="hangdoi-token-check", daemon=True).start()

    def on_check_answer(self, attempt: int, error: ApiError) -> None:
        if attempt == self._pair_attempt and error.unauthorized:
            self.unpair(f"{error.message_vi} · {error.message_en}")

    def unpair(self, message: str) -> None:
        """Back to the pairing screen (a revoked token), the token forgotten."""
        self._retry.stop()
        self._check.stop()
        self._pair_attempt += 1  # an answer on its way is no longer wanted
        self._close_connection()
        self.announcer.clear()
        if self.tokens is not None and self.client is not None:
            self.tokens.delete(self.client.base_url)
        self.pairing.set_values(self.settings.get("server") or "", "")
        self.pairing.show_error(message)
        self.window.setCurrentWidget(self.pairing)
        if self.screen_view is not None:
            self.window.removeWidget(self.screen_view)
            self.screen_view.deleteLater()
            self.screen_view = None
        self.unpaired.emit(message)

    def _close_connection(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live.deleteLater()
            self.live = None

    def shutdown(self) -> None:
        self._close_connection()
        self.announcer.shutdown()
        for client in (self.client, self.audio_client):
            if client is not None:
                client.close()

    # ------------------------------------------------------------------ the screen

    def _show_screen(self) -> None:
        if self.screen_view is not None:
            self.window.removeWidget(self.screen_view)
            self.screen_view.deleteLater()
        view: HallView | CounterTopView
        english = self.settings.get("lang") != style.VIETNAMESE
        if self.counter_number is not None:
            view = CounterTopView(self.counter_number, english=english)
        else:
            media = self.settings.get("media") or None
            view = HallView(
                orientation=self.settings.get("orientation") or AUTO,
                media_folder=Path(media) if media else None,
                english=english,
            )
            view.set_titles(nfc(self.site.get("name_vi")), nfc(self.me.get("name")))
            view.set_ticker(self.site.get("ticker_text"))
            try:
                view.clock.zone = ZoneInfo(str(self.site.get("timezone") or VIETNAM.key))
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown time zone %r: Vietnam time shown", self.site.get("timezone"))
        self.screen_view = view
        self.window.addWidget(view)
        self.window.setCurrentWidget(view)

    def render(self, *, blink: bool = True) -> None:
        view = self.screen_view
        if isinstance(view, HallView):
            view.show_calls(self.state.calls, self.announcer.current, blink=blink)
            view.show_waiting(self.state.waiting_rows())
        elif isinstance(view, CounterTopView) and self.counter_number is not None:
            view.show_status(self.state.counter(self.counter_number), blink=blink)
            zone = self.state.zone_counters
            if zone is not None and self.counter_number not in zone:
                view.detail.setText(
                    style.both(
                        f"Quầy {self.counter_number} không thuộc khu vực của màn hình này",
                        f"Counter {self.counter_number} is not in this display's zone",
                        view.english,
                    )
                )

    # ------------------------------------------------------------------ live

    def _connect_live(self, live: LiveConnection) -> None:
        live.snapshot_received.connect(self.on_snapshot)
        live.event_received.connect(self.on_event)
        live.other_event.connect(self.on_event)
        live.state_changed.connect(self.on_live_state)
        live.refused.connect(self.on_refused)

    def on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.state.apply_snapshot(snapshot)
        # What a snapshot shows is not announced: it was called before this screen knew.
        self.announcer.clock.reset(Call.from_event({"at": snapshot.get("at")}).at)
        for call in self.state.calls:
            self.announcer.mark_seen(call)
        self.render(blink=False)

    def on_event(self, name: str, envelope: dict[str, Any]) -> None:
        if name == ev.CATALOG_CHANGED:  # the site's set-up (the ticker text among others)
            self.refresh_catalog()
            return
        call = self.state.apply_event(name, envelope)
        if call is not None:
            # Counter-top screens show; the hall speaks.
            if isinstance(self.screen_view, HallView):
                self.announcer.offer(call)
            self.call_shown.emit(call)
        self.render()

    def refresh_catalog(self) -> None:
        if self.client is None or not self.me.get("site_id"):
            return
        site_id = int(self.me["site_id"])
        try:
            self.site = self.client.get(f"/sites/{site_id}")
            self.state.set_services(self.client.get(f"/sites/{site_id}/services"))
        except ApiError as exc:
            log.warning("site set-up not refreshed: %s", exc)
            return
        self._apply_site_settings()
        if isinstance(self.screen_view, HallView):
            self.screen_view.set_titles(nfc(self.site.get("name_vi")), nfc(self.me.get("name")))
            self.screen_view.set_ticker(self.site.get("ticker_text"))
        self.render(blink=False)

    def _apply_site_settings(self) -> None:
        # How many times each call is played (voice settings; a call's own announcement
        # says it too, and wins).
        repeat = (self.site.get("voice") or {}).get("repeat")
        if repeat:
            self.announcer.set_repeat(int(repeat))

    def on_live_state(self, state: str) -> None:
        status = LIVE_STATUS.get(LiveState(state), style.OFFLINE)
        if self.screen_view is not None:
            self.screen_view.set_status(status)
        self.status_changed.emit(status)

    def on_refused(self, code: str, message_vi: str, message_en: str) -> None:
        self.unpair(f"{message_vi} · {message_en}")

    # ------------------------------------------------------------------ announcing

    def on_announcing_call(self, call: Call) -> None:
        self.render()

    def on_announced(self, call: Call) -> None:
        self.render()

    def on_announcing(self, announcing: bool) -> None:
        if isinstance(self.screen_view, HallView):
            self.screen_view.set_announcing(announcing)


def _trace(display: DisplayApp) -> None:
    """JSON lines on stdout: each call's sound starting, and the display falling quiet."""

    def line(event: str, call: Call | None = None) -> None:
        row: dict[str, Any] = {"event": event, "t": time.time()}
        if call is not None:
            row.update(
                ticket_id=call.ticket_id,
                number=call.number,
                call_count=call.call_count,
                audio_url=call.audio_url,
                repeat=call.repeat or display.announcer.repeat,
            )
        print(json.dumps(row, ensure_ascii=False), flush=True)

    display.status_changed.connect(lambda status: line(status))
    display.announcer.sound_started.connect(lambda call: line("sound_started", call))
    display.announcer.finished.connect(lambda call: line("finished", call))
    display.announcer.announcing.connect(lambda on: None if on else line("idle"))


def main(argv: Sequence[str] | None = None) -> int:
    started = start_app(
        APP,
        parser(),
        argv,
        title="hangdoi-display",
        defaults=DEFAULTS,
        flags=FLAGS,
        themed=False,  # the hall screen has the web display's colours (views.style)
        font_size=12,
    )
    args = started.args
    if args.list_screens:
        for index, screen in enumerate(QGuiApplication.screens()):
            size = screen.geometry()
            print(
                f"{index}: {screen.name()} {size.width()}×{size.height()} at {size.x()},{size.y()}"
            )
        return 0
    settings = started.settings
    settings.store.save(settings.values)
    display = DisplayApp(
        settings.values,
        store=settings.store,
        tokens=settings.tokens,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        windowed=args.windowed,
        clip_ms=args.clip_ms,
    )
    if args.trace:
        _trace(display)
    display.start(args.token)
    code = started.qapp.exec()
    display.shutdown()
    return code
