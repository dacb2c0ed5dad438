"""The counter client's controller and ``main``: log in, choose the counter, then the bar.

:class:`CounterApp` owns the windows (``views``), the officer's :class:`CounterSession`,
the hotkeys and the tray, and wires them in :meth:`CounterApp._connect_session`. The
settings (``counter_client.json`` in the config folder) keep the server, the username, the
last counter, the bar's place per screen, the hotkeys and the notification threshold;
the token goes to the keyring or a private file (:mod:`desktop.secrets`).
"""

from __future__ import annotations

import argparse
import logging
import platform
from collections.abc import Sequence
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal
from PyQt6.QtWidgets import QApplication, QDialog

from counter_client import actions as act
from counter_client.hotkeys import Hotkeys
from counter_client.session import (
    RECALL_COOLDOWN,
    RESUME_HELD,
    RETURN_HELD,
    UNDO_CALL,
    Calls,
    CounterSession,
)
from counter_client.views.bar import Bar
from counter_client.views.dialogs import (
    CallNumberDialog,
    FinishDialog,
    HeldDialog,
    LeaveDialog,
    PauseDialog,
    TransferDialog,
)
from counter_client.views.login import CounterChoiceDialog, LoginDialog
from counter_client.views.tray import Tray
from desktop.api import ApiClient, ApiError, normalize_base_url
from desktop.i18n import Catalog
from desktop.live import LiveState, state_label
from desktop.settings import common_parser
from desktop.startup import AppSettings, start_app

log = logging.getLogger(__name__)
_ = Catalog("counter_client").gettext

APP = "counter_client"
DEFAULTS: dict[str, Any] = {
    "server": "",
    "username": "",
    "lang": "vi",
    "last_counter": None,
    "threshold": 15,
    "global_hotkeys": True,
    "hotkeys": {name: a.hotkey for name, a in act.ACTIONS.items()},
    "positions": {},
}
# The settings the command line's flags override.
FLAGS = ("server", "lang", "threshold", "global_hotkeys")


def parser() -> argparse.ArgumentParser:
    result = common_parser("hangdoi-counter", "hangdoi's counter bar for officers")
    result.add_argument("--counter", type=int, help="id of the counter to open (skips the choice)")
    result.add_argument(
        "--threshold", type=int, help="notify when more than this many wait (0: never)"
    )
    result.add_argument(
        "--no-global-hotkeys",
        dest="global_hotkeys",
        action="store_false",
        default=None,
        help="hotkeys only while the bar has the focus",
    )
    return result


class CounterApp(QObject):
    """The counter client.

    Signals:
        stage_changed(str): "login", "choose", "bar" or "quit".
    """

    stage_changed = pyqtSignal(str)

    def __init__(
        self, args: argparse.Namespace, settings: AppSettings, parent: QObject | None = None
    ) -> None:
        """`settings`: :func:`desktop.startup.open_settings` of APP with FLAGS."""
        super().__init__(parent)
        self.store = settings.store
        self.settings = settings.values
        self.settings["hotkeys"] = {**DEFAULTS["hotkeys"], **(self.settings.get("hotkeys") or {})}
        self.tokens = settings.tokens
        self.args = args
        self.calls = Calls(self)
        self.api: ApiClient | None = None
        self.me: dict[str, Any] = {}
        self.stage = ""
        self.login: LoginDialog | None = None
        self.choice: CounterChoiceDialog | None = None
        self.dialog: QDialog | None = None
        self.bar: Bar | None = None
        self.session: CounterSession | None = None
        self.hotkeys: Hotkeys | None = None
        self.tray: Tray | None = None
        self._leaving: str | None = None
        self._was_connected = False
        self.live_reconnect_max: float | None = None  # tests shorten the back-off

    # ------------------------------------------------------------------ stages

    def start(self) -> None:
        server = self.settings.get("server") or ""
        token = self.args.token
        if server and token:
            try:
                server = normalize_base_url(server)
            except ApiError as error:
                self.show_login(error.message())
                return
            self.tokens.set(server, token)  # a PC set up by script: kept like a log-in's
        elif server:
            try:
                token = self.tokens.get(normalize_base_url(server))
            except ApiError:
                token = None
        if server and token:
            self.api = ApiClient(server, token)
            self._who_am_i()
        else:
            self.show_login()

    def _set_stage(self, stage: str) -> None:
        self.stage = stage
        self.stage_changed.emit(stage)

    def show_login(self, message: str | None = None) -> None:
        self._close_login_and_choice()
        self.login = LoginDialog(
            self.settings.get("server") or "", self.settings.get("username") or ""
        )
        self.login.submitted.connect(self.on_login_submitted)
        self.login.quit_requested.connect(self.quit)
        if message:
            self.login.message.setText(message)
        self.login.show()
        self._set_stage("login")

    def on_login_submitted(self, server: str, username: str, password: str) -> None:
        def job() -> tuple[ApiClient, dict[str, Any]]:
            api = ApiClient(server)
            api.login(username, password, label=f"hangdoi-counter {platform.node()}"[:100])
            return api, api.me()

        def done(result: Any, error: ApiError | None) -> None:
            if self.login is None:
                return
            if error is not None:
                self.login.show_error(error.message())
                return
            self.api, self.me = result
            assert self.api is not None and self.api.token
            self.tokens.set(self.api.base_url, self.api.token)
            self.settings.update(server=self.api.base_url, username=username)
            self.store.update(server=self.api.base_url, username=username)
            self._load_counters()

        self.calls.run(job, done)

    def _who_am_i(self) -> None:
        api = self.api
        assert api is not None

        def done(result: Any, error: ApiError | None) -> None:
            if error is not None:
                if error.unauthorized:
                    self.tokens.delete(api.base_url)
                    self.show_login(
                        _("Your log-in has ended: log in again.") + "\n" + error.message()
                    )
                else:
                    self.show_login(error.message())
                return
            self.me = result
            self._load_counters()

        self.calls.run(api.me, done)

    def _load_counters(self) -> None:
        api = self.api
        assert api is not None
        if self.me.get("role") != "officer":
            self.tokens.delete(api.base_url)
            self.show_login(_("Only officers open counters. Log in with an officer's account."))
            return
        site_id = self.me.get("site_id")

        def done(result: Any, error: ApiError | None) -> None:
            if error is not None:
                self.show_login(error.message())
                return
            counters = list(result)
            wanted = self.args.counter
            if wanted is not None and any(c["id"] == wanted for c in counters):
                self.on_counter_chosen(wanted)
                return
            self.show_choice(counters)

        self.calls.run(lambda: api.get(f"/sites/{site_id}/counters"), done)

    def show_choice(self, counters: list[dict[str, Any]]) -> None:
        self._close_login_and_choice()
        self.choice = CounterChoiceDialog(
            counters, self.me.get("user_id"), self.settings.get("last_counter")
        )
        self.choice.chosen.connect(self.on_counter_chosen)
        self.choice.logout_requested.connect(self.logout)
        self.choice.show()
        self._set_stage("choose")

    def on_counter_chosen(self, counter_id: int) -> None:
        api = self.api
        assert api is not None

        def done(result: Any, error: ApiError | None) -> None:
            if error is not None:
                if error.unauthorized:
                    self.on_unauthorized(error.message())
                elif self.choice is not None:
                    self.choice.show_error(error.message())
                else:
                    self.show_login(error.message())
                return
            self.settings["last_counter"] = counter_id
            self.store.update(last_counter=counter_id)
            self.show_bar(result)

        self.calls.run(lambda: api.post(f"/counters/{counter_id}/open"), done)

    def show_bar(self, counter: dict[str, Any]) -> None:
        assert self.api is not None
        self._close_login_and_choice()
        site_id = int(self.me["site_id"])
        self.session = CounterSession(
            self.api,
            int(counter["id"]),
            site_id,
            threshold=int(self.settings.get("threshold") or 0),
        )
        # A settings file written before an action had a hotkey keeps its own keys and
        # gets the new action's default.
        keys = {**DEFAULTS["hotkeys"], **(self.settings.get("hotkeys") or {})}
        self.bar = Bar(keys)
        self.tray = Tray()
        self.hotkeys = Hotkeys(keys, self.bar, use_global=bool(self.settings.get("global_hotkeys")))
        self._connect_session()
        self.session.apply(counter, None)
        self._place_bar()
        self.bar.show()
        mode = self.hotkeys.start()
        self.bar.show_hotkeys(self.hotkeys.notice)
        log.info("hotkeys: %s", mode)
        self.session.load()
        self.session.start_live(self.live_reconnect_max)
        self._load_priority_names(site_id)
        self._set_stage("bar")

    def _connect_session(self) -> None:
        """All the wiring of the bar's stage."""
        assert self.session and self.bar and self.tray and self.hotkeys
        self.session.changed.connect(self.on_session_changed)
        self.session.failed.connect(self.on_failed)
        self.session.info.connect(self.on_info)
        self.session.unauthorized.connect(self.on_unauthorized)
        self.session.connection_changed.connect(self.on_connection_changed)
        self.session.waiting_changed.connect(self.tray.set_count)
        self.session.threshold_passed.connect(self.on_threshold_passed)
        self.bar.action_requested.connect(self.on_action)
        self.bar.held_move_requested.connect(self.on_held_move)
        self.bar.undo_requested.connect(self.on_undo)
        self.bar.moved.connect(self.on_bar_moved)
        self.bar.close_requested.connect(self.quit)
        self.hotkeys.triggered.connect(self.on_hotkey)
        self.tray.show_requested.connect(self.on_show_bar)
        self.tray.quit_requested.connect(self.quit)

    def _load_priority_names(self, site_id: int) -> None:
        assert self.session is not None
        api = self.api
        assert api is not None

        def done(result: Any, error: ApiError | None) -> None:
            if error is None and self.bar is not None:
                self.bar.priority_names = {
                    row["code"]: (row.get("name_vi", row["code"]), row.get("name_en", row["code"]))
                    for row in result
                }
                self.on_session_changed()

        self.session.reads.run(lambda: api.get(f"/sites/{site_id}/priority-categories"), done)

    def _place_bar(self) -> None:
        assert self.bar is not None
        self.bar.adjustSize()
        screen = self.bar.screen()
        saved = (self.settings.get("positions") or {}).get(screen.name() if screen else "")
        if saved:
            self.bar.move(int(saved[0]), int(saved[1]))
        elif screen is not None:
            area = screen.availableGeometry()
            self.bar.move(area.left() + max(0, (area.width() - self.bar.width()) // 2), area.top())

    # ------------------------------------------------------------------ the bar's slots

    def on_session_changed(self) -> None:
        session, bar = self.session, self.bar
        if session is None or bar is None:
            return
        view = session.view
        bar.show_counter(view.counter, session.enabled(), view.waiting_count, view.pause_reason)
        current = view.current
        bar.panel.show_day(
            view.waiting,
            view.held,
            view.served_today,
            view.mean_service_seconds,
            list(view.history),
            current is None and view.state == "open",
            session.undo_ticket(),
        )

    def on_hotkey(self, name: str) -> None:
        if name == act.PANEL and self.bar is not None:
            self.bar.toggle_panel()
            return
        if name == act.MORE and self.bar is not None:
            self.bar.open_more()
            return
        self.on_action(name)

    def on_action(self, name: str) -> None:
        session = self.session
        if session is None or self.bar is None:
            return
        if name not in session.enabled():
            return  # a hotkey for a move the state does not allow: nothing is sent
        current = session.view.current or {}
        number = str(current.get("number", ""))
        dialog: QDialog
        if name == act.FINISH:
            finish = dialog = FinishDialog(number, self.bar)
            finish.chosen.connect(
                lambda outcome, dossier, note: session.press(
                    act.FINISH, outcome=outcome, dossier_code=dossier, note=note
                )
            )
        elif name == act.TRANSFER:
            dialog = TransferDialog(
                number, session.services, session.counters, session.counter_id, self.bar
            )
            dialog.chosen.connect(lambda choice: session.press(act.TRANSFER, **choice))
        elif name == act.CALL_NUMBER:
            call = dialog = CallNumberDialog(session.view.waiting, self.bar)
            call.chosen.connect(lambda number: session.press(act.CALL_NUMBER, number=number))
        elif name == act.PAUSE:
            pause = dialog = PauseDialog(self.bar)
            pause.chosen.connect(lambda reason: session.press(act.PAUSE, reason=reason))
        elif name == act.HELD:
            free = session.view.current is None and session.view.state == "open"
            held = dialog = HeldDialog(session.view.held, free, self.bar)
            held.chosen.connect(self.on_held_move)
        else:
            session.press(name)
            if name == act.RECALL:
                QTimer.singleShot(int(RECALL_COOLDOWN * 1000) + 50, self.on_session_changed)
            return
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        dialog.open()
        dialog.activateWindow()

    def _forget_dialog(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def on_held_move(self, move: str, ticket_id: int) -> None:
        if self.session is not None:
            self.session.press(
                RESUME_HELD if move == "resume" else RETURN_HELD, ticket_id=ticket_id
            )

    def on_undo(self, ticket_id: int) -> None:
        if self.session is not None:
            self.session.press(UNDO_CALL, ticket_id=ticket_id)

    def on_failed(self, error: ApiError) -> None:
        if self.bar is not None:
            self.bar.show_message(error.message(), error=True)
        if self._leaving is not None:
            self._leaving = None  # the counter could not be paused or closed: stay

    def on_info(self, text: str) -> None:
        if self.bar is not None:
            self.bar.show_message(text)

    def on_connection_changed(self, state: str) -> None:
        if self.bar is None:
            return
        self.bar.show_connection(state_label(state), state == LiveState.CONNECTED)
        if state == LiveState.CONNECTED:
            if self._was_connected:
                self.bar.show_message(_("Connected again: the counter is up to date."))
            self._was_connected = True

    def on_threshold_passed(self, count: int) -> None:
        text = _("{count} people are waiting for this counter's services.").format(count=count)
        if self.tray is None or not self.tray.notify(_("Queue growing"), text):
            if self.bar is not None:
                self.bar.show_message(text)

    def on_bar_moved(self, screen: str, x: int, y: int) -> None:
        positions = dict(self.settings.get("positions") or {})
        positions[screen] = [x, y]
        self.settings["positions"] = positions
        self.store.update(positions=positions)

    def on_show_bar(self) -> None:
        if self.bar is not None:
            self.bar.showNormal()
            self.bar.raise_()

    def on_unauthorized(self, message: str) -> None:
        """The token was revoked or expired: back to the log-in, with the server's words."""
        if self.api is not None:
            self.tokens.delete(self.api.base_url)
        self._close_bar()
        self.show_login(_("Your log-in has ended: log in again.") + "\n" + message)

    # ------------------------------------------------------------------ leaving

    def logout(self) -> None:
        self._leave("logout")

    def quit(self) -> None:
        self._leave("quit")

    def _leave(self, how: str) -> None:
        session = self.session
        if session is None or session.view.state in (None, "closed"):
            self._finish_leaving(how)
            return
        dialog = LeaveDialog(
            _("Counter {number}").format(number=session.view.counter.get("number")), self.bar
        )
        dialog.chosen.connect(lambda choice: self.on_leave_chosen(how, choice))
        self._open_dialog(dialog)

    def on_leave_chosen(self, how: str, choice: str) -> None:
        session = self.session
        assert session is not None
        self._leaving = how
        action = act.PAUSE if choice == "pause" else act.CLOSE
        if session.view.state == "paused" and action == act.PAUSE:
            self._finish_leaving(how)
            return

        def after_change() -> None:
            if self._leaving == how and session.view.state in ("paused", "closed"):
                session.changed.disconnect(after_change)
                self._finish_leaving(how)

        session.changed.connect(after_change)
        if not session.press(action, reason=_("Officer away")):
            session.changed.disconnect(after_change)
            self._leaving = None

    def _finish_leaving(self, how: str) -> None:
        api = self.api
        self._close_bar()
        if how == "logout" and api is not None:
            self.tokens.delete(api.base_url)

            def done(_result: Any, error: ApiError | None) -> None:
                self.show_login(error.message() if error else None)

            self.calls.run(api.logout, done)
            return
        self._close_login_and_choice()
        self.calls.shutdown()
        self._set_stage("quit")
        self.exit_app()

    def exit_app(self) -> None:
        """End the event loop (tests replace it: their loop is pytest-qt's)."""
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _close_bar(self) -> None:
        if self.hotkeys is not None:
            self.hotkeys.stop()
            self.hotkeys = None
        if self.session is not None:
            self.session.stop()
            self.session = None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
        if self.tray is not None:
            self.tray.icon.hide()
            self.tray.deleteLater()
            self.tray = None
        if self.bar is not None:
            self.bar.hide()
            self.bar.deleteLater()
            self.bar = None
        self._was_connected = False
        self._leaving = None

    def _close_login_and_choice(self) -> None:
        for window in (self.login, self.choice):
            if window is not None:
                window.hide()
                window.deleteLater()
        self.login = None
        self.choice = None


def main(argv: Sequence[str] | None = None) -> int:
    started = start_app(
        APP,
        parser(),
        argv,
        title="hangdoi-counter",
        defaults=DEFAULTS,
        flags=FLAGS,
        quit_on_last_window_closed=False,  # windows come and go between the stages
    )
    app = CounterApp(started.args, started.settings)
    app.start()
    return started.qapp.exec()
