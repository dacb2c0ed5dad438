"""One officer's shift at one counter: the counter's state as the server last said it, and
every call to the server, made off the GUI thread. No widgets here.

Calls run one at a time on a worker thread (:class:`Calls`); their answers come back to
the GUI thread as a queued signal. An action is sent once per press: while it is on its
way the bar's buttons are disabled (``busy``), and nothing is ever sent again on the
officer's behalf (not after an error, not after a reconnection): pressing again is theirs.

The state follows the live connection: a numbered event of the site, a snapshot or a
reconnection schedules one refresh of the counter and of its queue (two GETs), a moment
later so that a burst of events costs one refresh. Never a poll.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from contract import events as ev
from counter_client import actions as act
from desktop.api import ApiClient, ApiError
from desktop.i18n import Catalog, language
from desktop.live import RECONNECT_MAX, LiveConnection, LiveState

_ = Catalog("counter_client").gettext

# A second recall this soon after one is refused (a double press of the hotkey).
RECALL_COOLDOWN = 3.0
# How long after an event the counter and its queue are read again.
REFRESH_DELAY_MS = 150
HISTORY = 6
# Moves of a held ticket or of the ticket just called, pressed in the panel or a dialog.
RESUME_HELD = "resume_held"
RETURN_HELD = "return_held"
UNDO_CALL = "undo_call"
HELD_MOVES = (RESUME_HELD, RETURN_HELD, UNDO_CALL)


@dataclass
class Done:
    """One past action, for the panel's "last actions" and its undo hint."""

    at: dt.datetime
    action: str
    number: str | None
    ticket_id: int | None = None
    undo: str | None = None  # "return": the ticket can go back to the queue


@dataclass
class CounterView:
    """What the views show, as plain data."""

    counter: dict[str, Any] = field(default_factory=dict)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    served_today: int = 0
    mean_service_seconds: int | None = None
    history: deque[Done] = field(default_factory=lambda: deque(maxlen=HISTORY))

    @property
    def current(self) -> dict[str, Any] | None:
        return self.counter.get("current_ticket")

    @property
    def pause_reason(self) -> str | None:
        return self.counter.get("pause_reason")

    @property
    def held(self) -> list[dict[str, Any]]:
        return list(self.counter.get("held_tickets") or [])

    @property
    def state(self) -> str | None:
        return self.counter.get("state")

    @property
    def waiting_count(self) -> int:
        return sum(int(row.get("waiting", 0)) for row in self.counter.get("waiting") or [])


class Calls(QObject):
    """Runs blocking calls on one worker thread; each answer reaches its callback on the
    GUI thread (``(result, None)`` or ``(None, ApiError)``)."""

    _finished = pyqtSignal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hangdoi-calls")
        self._closed = False
        self._finished.connect(self._deliver)

    def run(
        self,
        job: Callable[[], Any],
        done: Callable[[Any, ApiError | None], None],
    ) -> None:
        if self._closed:
            return  # the shift is over (log-out, a refused token): nothing more is sent
        future = self._pool.submit(job)
        future.add_done_callback(lambda f: self._finished.emit(f, done, None))

    def _deliver(
        self, future: Future[Any], done: Callable[[Any, ApiError | None], None], _: object
    ) -> None:
        try:
            result = future.result()
        except ApiError as error:
            done(None, error)
            return
        except Exception as exc:  # a bug in a job: said, not a crash of the GUI thread
            done(
                None,
                ApiError(0, "client_error", f"Lỗi trong ứng dụng: {exc}", f"Client error: {exc}"),
            )
            return
        done(result, None)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


class CounterSession(QObject):
    """The counter's state and the officer's actions.

    Signals:
        changed(): the state (``view``) changed; the views render it again.
        failed(object): an ApiError of an action or a read (409: the server's message).
        info(str): a short message for the bar (in the current language).
        unauthorized(str): the token is no longer accepted; the message to show.
        connection_changed(str): the live connection's state (desktop.live.LiveState).
        waiting_changed(int): the waiting count of the counter's services.
        threshold_passed(int): that count went above the notification threshold.
    """

    changed = pyqtSignal()
    failed = pyqtSignal(object)
    info = pyqtSignal(str)
    unauthorized = pyqtSignal(str)
    connection_changed = pyqtSignal(str)
    waiting_changed = pyqtSignal(int)
    threshold_passed = pyqtSignal(int)

    def __init__(
        self,
        api: ApiClient,
        counter_id: int,
        site_id: int,
        *,
        threshold: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.api = api
        self.counter_id = counter_id
        self.site_id = site_id
        self.threshold = threshold
        self.view = CounterView()
        self.busy = False
        self.connection = LiveState.DISCONNECTED.value
        self.services: list[dict[str, Any]] = []
        self.counters: list[dict[str, Any]] = []
        self._last_recall = 0.0
        self._last_waiting = -1
        # Two lanes, each one thread with its own HTTP connection: the officer's actions
        # never wait behind a refresh that a live event started.
        self.calls = Calls(self)
        self.reads = Calls(self)
        self.reader = ApiClient(api.base_url, api.token, api.timeout)
        self._generation = 0  # actions answered so far: a read begun before one is stale
        self.live: LiveConnection | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refreshing = False
        self._refresh_again = False
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._refresh_timer.timeout.connect(self.refresh)

    # ------------------------------------------------------------------ lifecycle

    def start_live(self, reconnect_max: float | None = None) -> None:
        """Follow the site's events (the officer's token joins ``site:`` and ``queue:``)."""
        self.live = LiveConnection(
            self.api.base_url,
            self.api.token,
            reconnect_max=reconnect_max or RECONNECT_MAX,
            parent=self,
        )
        self.live.event_received.connect(self.on_live_event)
        self.live.snapshot_received.connect(self.on_live_snapshot)
        self.live.ready.connect(self.on_live_ready)
        self.live.state_changed.connect(self.on_live_state)
        self.live.refused.connect(self.on_live_refused)
        self.live.start()

    def stop(self) -> None:
        self._refresh_timer.stop()
        if self.live is not None:
            self.live.stop()
            self.live = None
        self.calls.shutdown()
        self.reads.shutdown()
        self.reader.close()

    # ------------------------------------------------------------------ reading

    def load(self, done: Callable[[bool], None] | None = None) -> None:
        """Read the counter, its queue and the site's services and counters (for transfer)."""

        generation = self._generation

        def job() -> tuple[Any, Any, Any, Any]:
            return (
                *self._read(),
                self.reader.get(f"/sites/{self.site_id}/services"),
                self.reader.get(f"/sites/{self.site_id}/counters"),
            )

        def answered(result: Any, error: ApiError | None) -> None:
            if error is None:
                counter, queue, self.services, self.counters = result
                if generation == self._generation:
                    self.apply(counter, queue)
                else:
                    self.refresh()
            else:
                self._failed(error)
            if done is not None:
                done(error is None)

        self.reads.run(job, answered)

    def refresh_soon(self) -> None:
        self._refresh_timer.start()

    def refresh(self, done: Callable[[], None] | None = None) -> None:
        """Read the counter and its queue again. A read begun before an action was answered
        is not shown (it may predate the action): it is read again."""
        if self._refreshing and done is None:
            self._refresh_again = True
            return
        self._refreshing = True
        generation = self._generation

        def answered(result: Any, error: ApiError | None) -> None:
            self._refreshing = False
            if error is None and generation == self._generation:
                self.apply(*result)
            elif error is None:
                self._refresh_again = True
            elif error.unauthorized:
                self._failed(error)
            if done is not None:
                done()
            if self._refresh_again:
                self._refresh_again = False
                self.refresh()

        self.reads.run(self._read, answered)

    def _read(self) -> tuple[Any, Any]:
        """The counter and its queue (on the reads' thread)."""
        return (
            self.reader.get(f"/counters/{self.counter_id}"),
            self.reader.get(f"/counters/{self.counter_id}/queue"),
        )

    def apply(self, counter: dict[str, Any], queue: dict[str, Any] | None) -> None:
        self.view.counter = counter
        if queue is not None:
            self.view.waiting = list(queue.get("waiting") or [])
            self.view.served_today = int(queue.get("served_today") or 0)
            self.view.mean_service_seconds = queue.get("mean_service_seconds")
        self.changed.emit()
        count = self.view.waiting_count
        if count != self._last_waiting:
            before, self._last_waiting = self._last_waiting, count
            self.waiting_changed.emit(count)
            if self.threshold and before <= self.threshold < count:
                self.threshold_passed.emit(count)

    # ------------------------------------------------------------------ acting

    def enabled(self) -> set[str]:
        current = self.view.current
        allowed = act.enabled_actions(
            self.view.state, current["state"] if current else None, len(self.view.held), self.busy
        )
        if act.RECALL in allowed and time.monotonic() - self._last_recall < RECALL_COOLDOWN:
            allowed.discard(act.RECALL)
        return allowed

    def press(self, action: str, **params: Any) -> bool:
        """Send one action to the server. False (and nothing sent) when it is not allowed
        now, or while the previous one is on its way."""
        if action not in self.enabled() and action not in HELD_MOVES:
            return False
        if self.busy:
            return False
        requests = self._requests(action, params)
        if not requests:
            return False
        if action == act.RECALL:
            self._last_recall = time.monotonic()
        self.busy = True
        self._refresh_timer.stop()  # the read after the answer covers the events until then
        self.changed.emit()

        def job() -> Any:
            result = None
            for path, body in requests:
                result = self.api.post(path, body)
            return result

        def answered(result: Any, error: ApiError | None) -> None:
            self._generation += 1
            if error is not None:
                self.busy = False
                self._failed(error)
                if not error.unauthorized:
                    self.refresh()  # the server said no: show what is true now
                else:
                    self.changed.emit()
                return
            # The answer on the bar at once; the buttons stay off until the counter and
            # its queue have been read again.
            self._answered(action, params, result)
            self.refresh(done=self._unbusy)

        self.calls.run(job, answered)
        return True

    def _unbusy(self) -> None:
        self.busy = False
        self.changed.emit()

    def _requests(self, action: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        if action == UNDO_CALL:
            # called -> held -> waiting: the table's way back to the queue, at its place.
            ticket_id = int(params["ticket_id"])
            return [
                (f"/counters/{self.counter_id}/hold", {"note": None}),
                (f"/tickets/{ticket_id}/return", {"note": None}),
            ]
        request = self._request(action, params)
        return [request] if request is not None else []

    def _request(self, action: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        base = f"/counters/{self.counter_id}"
        if action == act.CALL_NEXT:
            return f"{base}/call-next", {}
        if action in (act.RECALL, act.START, act.NO_SHOW):
            return f"{base}/{action.replace('_', '-')}", {}
        if action == act.FINISH:
            body = {"outcome": params.get("outcome", "completed")}
            if params.get("note"):
                body["note"] = params["note"]
            if params.get("dossier_code"):
                body["dossier_code"] = params["dossier_code"]
            return f"{base}/finish", body
        if action == act.HOLD:
            return f"{base}/hold", {"note": params.get("note") or None}
        if action == act.TRANSFER:
            return f"{base}/transfer", {
                "service_id": params.get("service_id"),
                "counter_id": params.get("counter_id"),
                "keep_position": bool(params.get("keep_position", True)),
                "note": params.get("note") or None,
            }
        if action == act.CALL_NUMBER:
            return f"{base}/call", {"number": str(params["number"])}
        if action == act.PAUSE:
            return f"{base}/pause", {"reason": (params.get("reason") or "")[:100] or None}
        if action == act.RESUME_COUNTER:
            return f"{base}/open", {}
        if action == act.CLOSE:
            return f"{base}/close", {}
        if action == "resume_held":
            return f"{base}/resume", {"ticket_id": int(params["ticket_id"])}
        if action == "return_held":
            return f"/tickets/{int(params['ticket_id'])}/return", {
                "note": params.get("note") or None
            }
        return None

    def _answered(self, action: str, params: dict[str, Any], result: Any) -> None:
        ticket: dict[str, Any] | None = None
        if action == act.CALL_NEXT:
            ticket = result.get("ticket") if isinstance(result, dict) else None
            if ticket is None:
                self.info.emit(_("Nobody is waiting for this counter's services."))
        elif isinstance(result, dict) and "number" in result:
            ticket = result
            if action == UNDO_CALL:
                self.view.counter = {**self.view.counter, "current_ticket": None}
        elif isinstance(result, dict) and "state" in result and "current_ticket" in result:
            self.apply(result, None)  # a counter's answer (pause, open, close)
        if ticket is not None:
            self._show_ticket(action, ticket)
            undo = "return" if action in (act.CALL_NEXT, act.CALL_NUMBER) else None
            self.view.history.appendleft(
                Done(dt.datetime.now(dt.UTC), action, ticket.get("number"), ticket.get("id"), undo)
            )
        else:
            self.view.history.appendleft(Done(dt.datetime.now(dt.UTC), action, None))
        self.changed.emit()

    def _show_ticket(self, action: str, ticket: dict[str, Any]) -> None:
        """The answer's ticket on the bar at once, before the refresh confirms the rest."""
        if action in (act.CALL_NEXT, act.CALL_NUMBER, act.RECALL, act.START, "resume_held"):
            self.view.counter = {**self.view.counter, "current_ticket": ticket}
        elif action in (act.FINISH, act.NO_SHOW, act.HOLD, act.TRANSFER, UNDO_CALL):
            self.view.counter = {**self.view.counter, "current_ticket": None}

    def undo_ticket(self) -> int | None:
        """The ticket just called that may go back to the queue (a wrong call), if any."""
        current = self.view.current
        last = self.view.history[0] if self.view.history else None
        if (
            current
            and last is not None
            and last.undo == "return"
            and last.ticket_id == current.get("id")
            and current.get("state") == "called"
        ):
            return int(current["id"])
        return None

    def _failed(self, error: ApiError) -> None:
        if error.unauthorized:
            self.unauthorized.emit(error.message())
            return
        self.failed.emit(error)

    # ------------------------------------------------------------------ live

    def on_live_event(self, name: str, envelope: dict[str, Any]) -> None:
        if envelope.get("site_id") == self.site_id and name in ev.ALL_EVENTS:
            self.refresh_soon()

    def on_live_snapshot(self, _snapshot: dict[str, Any]) -> None:
        self.refresh_soon()

    def on_live_ready(self, _ready: dict[str, Any]) -> None:
        self.refresh_soon()  # after a reconnection: what happened meanwhile

    def on_live_state(self, state: str) -> None:
        self.connection = state
        self.connection_changed.emit(state)

    def on_live_refused(self, _code: str, message_vi: str, message_en: str) -> None:
        self.unauthorized.emit(message_en if language() == "en" else message_vi)
