"""The live connection of a desktop app: the server's Socket.IO events as Qt signals.

python-socketio's synchronous client runs in a worker thread of its own, over the
websocket transport only (a multi-process server is websocket-only, and engine.io's
client refuses long-polling payloads of more than 16 packets). It connects with the
app's token and the last ``seq`` it has seen (``contract.events.ConnectAuth``); the
server then replays what the client's rooms missed, or sends a ``snapshot``, and
``ready`` (see ``server/realtime.py``).

python-socketio calls its handlers on threads of its own, one per message, so they can
run out of order. :class:`SeqOrder` puts the events back in ``seq`` order, and drops a
``seq`` already passed on (a replay that crossed a live event, a duplicate). A client
whose rooms see only part of a site's events (a display of one zone) has gaps in the
numbers: a gap is waited for :data:`GAP_WAIT` seconds, then what follows it is passed
on. The signals are emitted from those threads; Qt queues them to the receivers' thread
(the GUI thread), so slots never run concurrently with the GUI.

When the connection drops, the worker reconnects (backing off up to
:data:`RECONNECT_MAX` seconds), sending the remembered ``last_seq``. The connection
only listens: it never sends anything on the officer's behalf, so a reconnection never
repeats an action. A refused credential (revoked or expired token) stops it with the
state ``unauthorized``: the app goes back to its log-in or pairing screen.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import socketio
from PyQt6.QtCore import QObject, pyqtSignal

from contract import events as ev
from desktop.i18n import N_, Catalog

log = logging.getLogger(__name__)

# How long an event after a gap in the sequence waits for the missing one.
GAP_WAIT = 0.15
# Reconnection: first delay, doubled each failed attempt up to the maximum (seconds).
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 4.0
# How long a connection attempt may take before it is given up and retried.
CONNECT_TIMEOUT = 10.0
# Error codes of a refused connect that no retry can cure.
REFUSED_CODES = frozenset({"invalid_token", "unauthorized", "not_found", "site_required"})


class LiveState(StrEnum):
    CONNECTING = "connecting"  # first connection, or reconnecting after a drop
    CONNECTED = "connected"  # ``ready`` received: caught up, live events follow
    DISCONNECTED = "disconnected"  # dropped; a reconnection is scheduled
    UNAUTHORIZED = "unauthorized"  # the server refused the token: no more attempts
    STOPPED = "stopped"  # stop() was called


_ = Catalog("desktop").gettext

STATE_LABELS = {
    LiveState.CONNECTING: N_("Connecting…"),
    LiveState.CONNECTED: N_("Connected"),
    LiveState.DISCONNECTED: N_("Connection lost"),
    LiveState.UNAUTHORIZED: N_("Access refused: log in again"),
    LiveState.STOPPED: N_("Offline"),
}


def state_label(state: str) -> str:
    """What a connection state reads to a person, in the current language."""
    return _(STATE_LABELS[LiveState(state)])


class SeqOrder:
    """Passes events on in ``seq`` order, each once.

    ``floor``: every seq up to it has been passed on or is covered by a snapshot.
    ``deliver(name, envelope)`` is called under the lock, in order. :meth:`when_reached`
    runs an action once the floor reaches a seq (the server's ``ready`` comes after the
    snapshot and the replay on the wire, but its handler may run before theirs)."""

    def __init__(
        self,
        deliver: Callable[[str, dict[str, Any]], None],
        gap_wait: float = GAP_WAIT,
        timer: Callable[[float, Callable[[], None]], Any] | None = None,
    ) -> None:
        self._deliver = deliver
        self._gap_wait = gap_wait
        self._timer = timer or _start_timer
        self.lock = threading.RLock()
        self.floor: int | None = None
        self._pending: dict[int, tuple[str, dict[str, Any]]] = {}
        self._waiters: list[tuple[int, Callable[[], None]]] = []
        self._gap_timer: Any = None

    def reset(self, seq: int) -> None:
        """A snapshot at `seq`: what it covers is known; only later events follow."""
        with self.lock:
            self.floor = seq if self.floor is None else max(self.floor, seq)
            for old in [s for s in self._pending if s <= self.floor]:
                del self._pending[old]
            self._drain()

    def push(self, name: str, envelope: dict[str, Any]) -> None:
        seq = envelope.get("seq")
        if not isinstance(seq, int):
            return
        with self.lock:
            if (self.floor is not None and seq <= self.floor) or seq in self._pending:
                return  # already passed on (or known from the snapshot)
            self._pending[seq] = (name, envelope)
            self._drain()

    def when_reached(self, seq: int, action: Callable[[], None]) -> None:
        """Run `action` once every event up to `seq` has been passed on (or, after
        the gap wait, has not come: it went to rooms this client is not in)."""
        with self.lock:
            self._waiters.append((seq, action))
            self._drain()

    def flush(self) -> None:
        """Pass on what waits after a gap: the missing events are not coming."""
        with self.lock:
            self._gap_timer = None
            for seq in sorted(self._pending):
                name, envelope = self._pending.pop(seq)
                self.floor = seq
                self._deliver(name, envelope)
            if self._waiters:
                reached = max(seq for seq, _action in self._waiters)
                self.floor = reached if self.floor is None else max(self.floor, reached)
            self._drain()

    def _drain(self) -> None:
        # With no floor yet (no snapshot, no ready), events wait for the snapshot that
        # comes before them on the wire, or for the gap wait.
        if self.floor is not None:
            while self.floor + 1 in self._pending:
                self.floor += 1
                name, envelope = self._pending.pop(self.floor)
                self._deliver(name, envelope)
            due = [item for item in self._waiters if item[0] <= self.floor]
            if due:
                self._waiters = [item for item in self._waiters if item[0] > self.floor]
                for _seq, action in due:
                    action()
        if (self._pending or self._waiters) and self._gap_timer is None:
            self._gap_timer = self._timer(self._gap_wait, self.flush)
        elif not (self._pending or self._waiters) and self._gap_timer is not None:
            cancel = getattr(self._gap_timer, "cancel", None)
            if cancel is not None:
                cancel()
            self._gap_timer = None


def _start_timer(delay: float, action: Callable[[], None]) -> threading.Timer:
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer


class LiveConnection(QObject):
    """The Socket.IO connection of one app to one server.

    Signals:
        event_received(str, dict): a numbered event (``ticket.called``...), its name and
            its envelope (``{"seq", "site_id", "at", "name", "data"}``), in ``seq`` order.
        snapshot_received(dict): the state of the client's rooms (``contract.events.Snapshot``):
            on a first connection, or when the server could not replay what was missed.
        ready(dict): the server's ``ready`` (``seq``, ``rooms``, ``role``...): caught up.
        state_changed(str): a :class:`LiveState` value.
        refused(str, str, str): ``code, message_vi, message_en`` of a refused connection
            (the token is no longer valid); ``state_changed("unauthorized")`` follows.
        other_event(str, dict): events outside the numbered stream (``ticket.standing``).
    """

    event_received = pyqtSignal(str, dict)
    snapshot_received = pyqtSignal(dict)
    ready = pyqtSignal(dict)
    state_changed = pyqtSignal(str)
    refused = pyqtSignal(str, str, str)
    other_event = pyqtSignal(str, dict)

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        last_seq: int | None = None,
        site_id: int | None = None,
        reconnect_max: float = RECONNECT_MAX,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.reconnect_max = reconnect_max
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.site_id = site_id
        self.state = LiveState.DISCONNECTED
        self.order = SeqOrder(self._pass_on)
        if last_seq is not None:
            self.order.floor = last_seq
        self._stop = threading.Event()
        self._dropped = threading.Event()
        self._joined = threading.Event()
        self._refusal: tuple[str, str, str] | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control

    @property
    def last_seq(self) -> int | None:
        """The last seq passed on (or covered by a snapshot): sent on every reconnection."""
        return self.order.floor

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hangdoi-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """End the connection; no signal is emitted after this returns but
        ``state_changed("stopped")``. The worker thread disconnects: engine.io's disconnect
        waits for its read loop, which can take a ping interval, so the caller (the GUI
        thread) waits for it at most `timeout` seconds."""
        self._stop.set()
        self._dropped.set()
        self._joined.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set_state(LiveState.STOPPED)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ the worker

    def _auth(self) -> dict[str, Any]:
        # Called by python-socketio at each connection attempt: the seq of this moment.
        auth: dict[str, Any] = {}
        if self.token:
            auth["token"] = self.token
        if self.order.floor is not None:
            auth["last_seq"] = self.order.floor
        if self.site_id is not None:
            auth["site_id"] = self.site_id
        return auth

    def _new_client(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.on("connect", self._on_connect)
        client.on("connect_error", self._on_connect_error)
        client.on("disconnect", self._on_disconnect)
        client.on("*", self._on_any)
        return client

    def _run(self) -> None:
        delay = RECONNECT_FIRST
        while not self._stop.is_set():
            self._set_state(LiveState.CONNECTING)
            client = self._new_client()
            self._dropped.clear()
            self._joined.clear()
            self._refusal = None
            if self._stop.is_set():
                return  # stop() came between the loop's test and the clears
            try:
                # wait=False: back once the websocket is open; the namespace's answer
                # (connect or connect_error) is waited for here, where stop() can end it.
                client.connect(self.base_url, auth=self._auth, transports=["websocket"], wait=False)
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                log.info("live connection to %s failed: %s", self.base_url, exc)
            else:
                if self._joined.wait(CONNECT_TIMEOUT) and not self._dropped.is_set():
                    delay = RECONNECT_FIRST
                    self._dropped.wait()
            try:
                client.disconnect()
            except Exception:
                log.debug("disconnect after a drop failed", exc_info=True)
            if self._stop.is_set():
                return
            if self._refusal is not None and self._refusal[0] in REFUSED_CODES:
                self.refused.emit(*self._refusal)
                self._set_state(LiveState.UNAUTHORIZED)
                return
            self._set_state(LiveState.DISCONNECTED)
            wait = delay * (0.8 + 0.4 * random.random())
            delay = min(delay * 2, self.reconnect_max)
            self._stop.wait(wait)

    # ------------------------------------------------------------------ python-socketio's handlers

    def _on_connect(self) -> None:
        log.info("live connection to %s open", self.base_url)
        self._joined.set()

    def _on_connect_error(self, data: Any = None) -> None:
        # The server refuses with {"message": ..., "data": <the API's error body>}.
        body = data.get("data") if isinstance(data, dict) else None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            code = body["error"]
            self._refusal = (
                code,
                str(body.get("message") or code),
                str(body.get("message_en") or body.get("message") or code),
            )
        log.info("live connection refused: %s", data)
        self._dropped.set()
        self._joined.set()

    def _on_disconnect(self, reason: Any = None) -> None:
        log.info("live connection dropped: %s", reason)
        self._dropped.set()

    def _on_any(self, name: str, data: Any = None) -> None:
        if self._stop.is_set() or not isinstance(data, dict):
            return
        if name == ev.SNAPSHOT:
            with self.order.lock:
                seq = data.get("seq")
                self.snapshot_received.emit(data)
                if isinstance(seq, int):
                    self.order.reset(seq)
        elif name == ev.READY:
            seq = data.get("seq")
            self.order.when_reached(
                seq if isinstance(seq, int) else 0, lambda: self._on_ready(data)
            )
        elif name in ev.ALL_EVENTS:
            self.order.push(name, data)
        else:
            self.other_event.emit(name, data)

    def _on_ready(self, data: dict[str, Any]) -> None:
        # Under the order's lock, after the snapshot and the replay were passed on.
        if not self._stop.is_set():
            self._set_state(LiveState.CONNECTED)
            self.ready.emit(data)

    def _pass_on(self, name: str, envelope: dict[str, Any]) -> None:
        if not self._stop.is_set():
            self.event_received.emit(name, envelope)

    def _set_state(self, state: LiveState) -> None:
        if self._stop.is_set() and state != LiveState.STOPPED:
            return  # after stop(): no more signals from the worker
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)
