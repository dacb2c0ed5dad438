"""The kiosk app: the visitor's path over the screens of :mod:`kiosk.views`, the server
through :mod:`desktop` (HTTP calls in a worker, live counts over Socket.IO), the printer
through :class:`kiosk.printing.PrintService`, and the kiosk's health reports.

The rules it keeps:
- Never two tickets: the last button is off while a ticket is issued, and every retry of
  one visitor's request carries the same ``Idempotency-Key``.
- Never nothing: a ticket issued is shown (number and QR) whatever the printer does; a
  print that fails leaves it on screen until touched. A printer known not to be ready is
  said before the visitor chooses (or issuing stops, for printed-only sites).
- No offline numbering: when the server cannot be reached the kiosk says "Tạm ngừng cấp
  số" and recovers by itself; a revoked token goes back to pairing.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
import uuid
from collections.abc import Sequence
from enum import StrEnum
from importlib import metadata
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal
from PyQt6.QtWidgets import QApplication, QWidget

from contract import events as ev
from contract.events import PrinterState
from desktop import i18n
from desktop.api import ApiClient, ApiError
from desktop.health import HealthReporter
from desktop.live import LiveConnection, LiveState
from desktop.secrets import TokenStore
from desktop.settings import SettingsStore
from desktop.startup import start_app
from desktop.tasks import Runner
from kiosk import settings
from kiosk.model import Catalogue, catalogue_from_api, queue_rows, slip_from_ticket
from kiosk.printing import PrintService
from kiosk.views.common import _
from kiosk.views.ticket import PrintState
from kiosk.views.window import KioskWindow
from printers import ConfigError, PrintResult, SlipLayout, sample_slip

log = logging.getLogger(__name__)

# A ticket request: how long one try may take, and how many tries (same key each time).
ISSUE_TIMEOUT = 6.0
ISSUE_TRIES = 3
# While the server is unreachable: how often the kiosk tries again (seconds).
RETRY_SECONDS = 3.0
# Waiting counts that may have used up a daily quota: the services are read again after
# this quiet time (one read for a burst of issues).
REFRESH_DEBOUNCE_MS = 1000
# Refusals of an issue that say the service takes no ticket now (issuing's own codes).
UNAVAILABLE_CODES = frozenset({"quota_reached", "site_closed", "service_inactive"})


def app_version() -> str:
    try:
        return metadata.version("hangdoi")
    except metadata.PackageNotFoundError:
        return "0.1.0"


class Screen(StrEnum):
    ATTRACT = "attract"
    DEPARTMENTS = "departments"
    SERVICES = "services"
    PRIORITY = "priority"
    DOSSIER = "dossier"
    TICKET = "ticket"
    ISSUING = "issuing"
    UNREACHABLE = "unreachable"
    PAUSED = "paused"
    REFUSED = "refused"
    SETTINGS = "settings"
    PIN = "pin"


class KioskApp(QObject):
    """The kiosk's controller.

    Signals (for the window's owner and the tests):
        screen_changed(str): the :class:`Screen` now shown.
        catalogue_loaded(): the site's services were (re)read.
        ticket_issued(dict): POST /tickets' answer.
        ticket_printed(object): the :class:`printers.PrintResult` of the visitor's slip.
        test_printed(object): the PrintResult of a test slip.
    """

    screen_changed = pyqtSignal(str)
    catalogue_loaded = pyqtSignal()
    ticket_issued = pyqtSignal(dict)
    ticket_printed = pyqtSignal(object)
    test_printed = pyqtSignal(object)

    def __init__(
        self,
        store: SettingsStore,
        tokens: TokenStore,
        values: dict[str, Any],
        *,
        token: str | None = None,
        preview: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tokens = tokens
        self.values = dict(values)
        self.token = token or (tokens.get(values["server"]) if values.get("server") else None)
        self.preview = preview
        self.window = KioskWindow(int(self.values["idle_seconds"]))
        self.printer = PrintService(
            self._printer_config(self.values),
            preview_dir=store.path.parent if preview else None,
            parent=self,
        )
        self.calls = Runner(serial=True)
        self.api: ApiClient | None = None
        self.health: HealthReporter | None = None
        self.live: LiveConnection | None = None
        self.catalogue: Catalogue | None = None
        self.screen = Screen.SETTINGS
        self.server_up = False
        self.lang = self.values.get("lang") or "vi"
        self.department_id: int | None = None
        self.service_id: int | None = None
        self.priority_code: str | None = None
        self.issuing = False
        self.ticket: dict[str, Any] | None = None
        self.print_job = 0
        self.test_job = 0
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(int(RETRY_SECONDS * 1000))
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_DEBOUNCE_MS)
        self._hours = QTimer(self)
        self._hours.setSingleShot(True)
        self._ticket_timer = QTimer(self)
        self._ticket_timer.setSingleShot(True)
        self._connect_signals()

    # ------------------------------------------------------------------ wiring

    def _connect_signals(self) -> None:
        w = self.window
        w.attract.touched.connect(self.on_attract_touched)
        w.attract.language.connect(self.on_language)
        for view in (w.departments, w.services, w.priority, w.dossier):
            view.language.connect(self.on_language)
            view.back.connect(self.on_back)
        w.departments.chosen.connect(self.on_department_chosen)
        w.services.chosen.connect(self.on_service_chosen)
        w.priority.chosen.connect(self.on_priority_chosen)
        w.dossier.entered.connect(self.on_dossier_entered)
        w.dossier.skipped.connect(lambda: self.on_dossier_entered(""))
        w.ticket.dismissed.connect(self.on_ticket_dismissed)
        w.notice.touched.connect(self.on_notice_touched)
        w.settings.save_requested.connect(self.on_settings_saved)
        w.settings.test_print_requested.connect(self.on_test_print)
        w.settings.exit_requested.connect(self.on_exit)
        w.settings.closed.connect(self.go_attract)
        w.pin.entered.connect(self.on_pin_entered)
        w.pin.cancelled.connect(self.go_attract)
        w.secret_gesture.connect(self.on_secret_gesture)
        w.idle_timeout.connect(self.on_idle)
        self.printer.state_changed.connect(self.on_printer_state)
        self.printer.printed.connect(self.on_printed)
        self._retry.timeout.connect(self._on_retry)
        self._refresh.timeout.connect(self.load_catalogue)
        self._hours.timeout.connect(self.load_catalogue)
        self._ticket_timer.timeout.connect(self.go_attract)

    # ------------------------------------------------------------------ start and pairing

    def start(self, size: tuple[int, int] | None = None, lock_down: bool = True) -> None:
        """Show the window (full screen and locked down, or a window of `size`), then pair
        with the saved or given server and token, or ask for them."""
        i18n.set_language(self.lang)
        self.window.retranslate()
        if size is not None or not lock_down:
            self.window.resize(*(size or (1080, 1920)))
            self.window.show()
        else:
            self.window.lock_down(hide_cursor=bool(self.values.get("hide_cursor", True)))
        self.printer.start()
        if self.values.get("server") and self.token:
            self.pair(self.values, self.token, from_form=False)
        else:
            self.show_settings(_("Enter the server address and this kiosk's device token."))

    def pair(self, values: dict[str, Any], token: str, *, from_form: bool) -> None:
        """Check `token` against the server of `values`; when it is a kiosk's, keep both."""
        try:
            client = ApiClient(values["server"], token, timeout=ISSUE_TIMEOUT)
        except ApiError as error:
            self.show_settings(error.message(), role="error")
            return
        self.window.settings.set_busy(True)

        def check() -> dict[str, Any]:
            me = dict(client.me())
            if me.get("role") != "kiosk":
                raise ApiError(
                    403,
                    "not_a_kiosk",
                    "Mã này không phải mã thiết bị của một kiosk.",
                    "This token is not a kiosk's device token.",
                )
            return me

        self.calls.run(
            check,
            lambda me: self._on_paired(client, values, token, me),
            lambda error: self._on_pair_failed(error, values, token, from_form),
        )

    def _on_paired(
        self, client: ApiClient, values: dict[str, Any], token: str, me: dict[str, Any]
    ) -> None:
        self.window.settings.set_busy(False)
        if self.api is not None:
            self.api.close()
        self.api = client
        self.token = token
        self.values = {**self.values, **values, "server": client.base_url}
        self.values["site_id"] = me.get("site_id")
        self.store.save({k: v for k, v in self.values.items() if k != "token"})
        self.tokens.set(client.base_url, token)
        self.window.set_idle_seconds(int(self.values["idle_seconds"]))
        self._start_health()
        self._start_live()
        self.load_catalogue()

    def _on_pair_failed(
        self, error: Exception, values: dict[str, Any], token: str, from_form: bool
    ) -> None:
        self.window.settings.set_busy(False)
        if not isinstance(error, ApiError):
            log.error("pairing failed: %r", error)
            self.show_settings(str(error), role="error")
            return
        if error.offline and not from_form:
            # A paired kiosk starting while the server is down: wait for it, do not unpair.
            self.values = {**self.values, **values}
            self.token = token
            self.show_unreachable()
            self._retry.start()
            return
        if error.unauthorized:
            self.unpair(_("This kiosk's token was refused (revoked or unknown). Pair it again."))
            return
        self.show_settings(error.message(), role="error")

    def _on_retry(self) -> None:
        """The server was unreachable: try again (pairing, if it never answered yet)."""
        if self.api is None:
            if self.values.get("server") and self.token:
                self.pair(self.values, self.token, from_form=False)
        else:
            self.load_catalogue()

    def unpair(self, message: str) -> None:
        """Back to pairing: the token is no longer valid (revoked)."""
        self._stop_live()
        if self.health is not None:
            self.health.stop()
            self.health = None
        if self.values.get("server"):
            self.tokens.delete(self.values["server"])
        self.token = None
        self.api = None
        self.server_up = False
        self.catalogue = None
        self.show_settings(message, role="error")

    def _start_health(self) -> None:
        if self.health is not None:
            self.health.stop()
        assert self.api is not None and self.token is not None
        self.health = HealthReporter(ApiClient(self.api.base_url, self.token), app_version(), self)
        self.health.refused.connect(lambda: self.on_live_refused("", "", ""))
        self._report_printer()
        self.health.start()

    def _start_live(self) -> None:
        self._stop_live()
        assert self.api is not None
        self.live = LiveConnection(self.api.base_url, self.token, parent=self)
        self.live.event_received.connect(self.on_live_event)
        self.live.snapshot_received.connect(self.on_snapshot)
        self.live.other_event.connect(self.on_live_event)
        self.live.state_changed.connect(self.on_live_state)
        self.live.refused.connect(self.on_live_refused)
        self.live.start()

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live.deleteLater()
            self.live = None

    def shutdown(self) -> None:
        """Stop every worker (the tests and the app's exit)."""
        self._stop_live()
        for timer in (self._retry, self._refresh, self._hours, self._ticket_timer):
            timer.stop()
        self.window.idle.stop()
        if self.health is not None:
            self.health.stop()
            self.health.runner.close()
        self.printer.stop()
        self.printer.runner.close()
        self.calls.close()
        if self.api is not None:
            self.api.close()

    # ------------------------------------------------------------------ the catalogue

    def load_catalogue(self) -> None:
        api, dossier = self.api, frozenset(self.values.get("dossier_services") or ())
        if api is None:
            return
        site_id = self.values.get("site_id")

        def fetch() -> Catalogue:
            base = f"/sites/{site_id}"
            return catalogue_from_api(
                api.get(base),
                api.get(base + "/services"),
                api.get(base + "/priority-categories"),
                api.get(base + "/queue"),
                dossier,
            )

        self.calls.run(fetch, self._on_catalogue, self.on_api_error)

    def _on_catalogue(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        was_up, self.server_up = self.server_up, True
        if self.health is not None:
            self.health.update(online=True)
        self.window.attract.set_centre(catalogue.name(self.lang), catalogue.address)
        if catalogue.changes_at is not None:
            wait = (catalogue.changes_at - dt.datetime.now(dt.UTC)).total_seconds()
            self._hours.start(int(max(1.0, wait + 1) * 1000))
        self.catalogue_loaded.emit()
        if not was_up or self.screen in (Screen.UNREACHABLE, Screen.SETTINGS, Screen.PAUSED):
            self.go_attract()
        else:
            self._redraw_lists()

    def on_api_error(self, error: Exception) -> None:
        if not isinstance(error, ApiError):
            log.error("server call failed: %r", error)
            return
        if error.unauthorized:
            self.unpair(_("This kiosk's token was refused (revoked or unknown). Pair it again."))
        elif error.offline or error.status >= 500:
            self.server_down()
        else:
            log.warning("server refused a call: %r", error)

    def server_down(self) -> None:
        self.server_up = False
        if self.health is not None:
            self.health.update(online=False)
        if self.screen not in (Screen.TICKET, Screen.SETTINGS, Screen.PIN) and not self.issuing:
            self.show_unreachable()
        if not self._retry.isActive():
            self._retry.start()

    # ------------------------------------------------------------------ live events

    def on_live_event(self, name: str, envelope: dict[str, Any]) -> None:
        if self.catalogue is None:
            return
        if name in (ev.CATALOG_CHANGED, ev.COUNTER_CHANGED):
            # The services, or the counters that set each one's pace: read them again.
            self._refresh.start()
            return
        changed = self.catalogue.apply_queues(queue_rows(name, envelope))
        for service_id in changed:
            service = self.catalogue.service(service_id)
            if service is None:
                continue
            self.window.services.update_service(service)
            if service.daily_quota is not None:
                self._refresh.start()  # the quota may be reached: read availability again

    def on_snapshot(self, snapshot: dict[str, Any]) -> None:
        if self.catalogue is not None:
            for service_id in self.catalogue.apply_queues(list(snapshot.get("queues") or [])):
                service = self.catalogue.service(service_id)
                if service is not None:
                    self.window.services.update_service(service)

    def on_live_state(self, state: str) -> None:
        if state == LiveState.CONNECTED and not self.server_up:
            self.load_catalogue()
        elif state == LiveState.CONNECTED:
            self._refresh.start()  # catch up on what changed while connecting
        elif state == LiveState.DISCONNECTED and self.server_up:
            # The live connection dropped: ask the server over HTTP whether it is there
            # (a failure says "Tạm ngừng cấp số"; an answer keeps the kiosk issuing).
            self.load_catalogue()

    def on_live_refused(self, code: str, message_vi: str, message_en: str) -> None:
        self.unpair(_("This kiosk's token was refused (revoked or unknown). Pair it again."))

    # ------------------------------------------------------------------ the visitor's path

    def set_screen(self, screen: Screen, view: QWidget) -> None:
        self.screen = screen
        self.window.show_view(view)
        self.screen_changed.emit(screen.value)

    def go_attract(self) -> None:
        self._ticket_timer.stop()
        self.ticket = None
        self.department_id = self.service_id = self.priority_code = None
        if self.lang != (self.values.get("lang") or "vi"):
            self.lang = self.values.get("lang") or "vi"
            i18n.set_language(self.lang)
            self.window.retranslate()
        if self.api is None:
            self.show_settings(_("Enter the server address and this kiosk's device token."))
        elif not self.server_up or self.catalogue is None:
            self.show_unreachable()
        elif self.values.get("printed_only") and self.printer.known_not_ready:
            self.show_paused()
        else:
            self.window.attract.set_centre(self.catalogue.name(self.lang), self.catalogue.address)
            self._update_banner()
            self.set_screen(Screen.ATTRACT, self.window.attract)

    def on_attract_touched(self) -> None:
        if self.catalogue is None or not self.server_up:
            return
        departments = self.catalogue.departments
        if self.values.get("skip_departments") or len(departments) <= 1:
            self.show_services(None)
        else:
            self.show_departments()

    def show_departments(self) -> None:
        assert self.catalogue is not None
        rows = []
        for department in self.catalogue.departments:
            services = self.catalogue.services_of(department.id)
            rows.append((department, sum(s.available for s in services), len(services)))
        self.window.departments.show_departments(rows, self.lang)
        self.set_screen(Screen.DEPARTMENTS, self.window.departments)

    def show_services(self, department_id: int | None) -> None:
        assert self.catalogue is not None
        self.department_id = department_id
        department = next((d for d in self.catalogue.departments if d.id == department_id), None)
        self.window.services.show_services(
            self.catalogue.services_of(department_id),
            department.name(self.lang) if department else "",
            self.lang,
        )
        self._note_printer(self.window.services)
        self.set_screen(Screen.SERVICES, self.window.services)

    def on_department_chosen(self, department_id: int) -> None:
        self.show_services(department_id)

    def on_service_chosen(self, service_id: int) -> None:
        service = self.catalogue.service(service_id) if self.catalogue else None
        if service is None or not service.available or self.issuing:
            return
        self.service_id = service_id
        self.priority_code = None
        if self.catalogue and self.catalogue.categories:
            self.window.priority.show_categories(self.catalogue.categories, self.lang)
            self.window.priority.set_enabled(True)
            self.set_screen(Screen.PRIORITY, self.window.priority)
        else:
            self._after_priority()

    def on_priority_chosen(self, code: str) -> None:
        if self.issuing:
            return
        self.priority_code = code or None
        self._after_priority()

    def _after_priority(self) -> None:
        service = (
            self.catalogue.service(self.service_id) if self.catalogue and self.service_id else None
        )
        if service is not None and service.wants_dossier:
            self.window.dossier.start()
            self.window.dossier.set_enabled(True)
            self.set_screen(Screen.DOSSIER, self.window.dossier)
        else:
            self.issue(None)

    def on_dossier_entered(self, code: str) -> None:
        if not self.issuing:
            self.issue(code or None)

    def on_back(self) -> None:
        if self.issuing:
            return
        if self.screen == Screen.DOSSIER and self.catalogue and self.catalogue.categories:
            self.set_screen(Screen.PRIORITY, self.window.priority)
        elif self.screen in (Screen.PRIORITY, Screen.DOSSIER):
            self.show_services(self.department_id)
        elif self.screen == Screen.SERVICES and self.department_id is not None:
            self.show_departments()
        else:
            self.go_attract()

    def on_language(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        i18n.set_language(self.lang)
        self.window.retranslate()
        self._redraw_lists()
        if self.catalogue is not None:
            self.window.attract.set_centre(self.catalogue.name(self.lang), self.catalogue.address)
        self._update_banner()

    def _redraw_lists(self) -> None:
        if self.catalogue is None:
            return
        if self.screen == Screen.DEPARTMENTS:
            self.show_departments()
        elif self.screen == Screen.SERVICES:
            self.show_services(self.department_id)
        elif self.screen == Screen.PRIORITY:
            self.window.priority.show_categories(self.catalogue.categories, self.lang)
        elif self.screen == Screen.TICKET and self.ticket is not None:
            self.window.ticket.lang = self.lang
            self.window.ticket.retranslate()

    # ------------------------------------------------------------------ issuing

    def issue(self, dossier_code: str | None) -> None:
        """Ask the server for the visitor's ticket, once: the buttons are off until the
        answer, and every retry carries the same Idempotency-Key."""
        if self.issuing or self.api is None or self.service_id is None:
            return
        self.issuing = True
        self.window.priority.set_enabled(False)
        self.window.dossier.set_enabled(False)
        api = self.api
        key = uuid.uuid4().hex
        body: dict[str, Any] = {
            "service_id": self.service_id,
            "priority_category": self.priority_code,
            "dossier_code": dossier_code,
            "lang": self.lang,
        }

        def post() -> dict[str, Any]:
            for attempt in range(ISSUE_TRIES):
                try:
                    return dict(
                        api.request(
                            "POST",
                            "/tickets",
                            json=body,
                            headers={"Idempotency-Key": key},
                            timeout=ISSUE_TIMEOUT,
                        )
                    )
                except ApiError as error:
                    if not error.offline or attempt == ISSUE_TRIES - 1:
                        raise
                    time.sleep(0.5 * (attempt + 1))
            raise AssertionError("unreachable")

        self.calls.run(post, self.on_issued, self.on_issue_failed)

    def _issued_done(self) -> None:
        self.issuing = False
        self.window.priority.set_enabled(True)
        self.window.dossier.set_enabled(True)

    def on_issued(self, ticket: dict[str, Any]) -> None:
        self._issued_done()
        assert self.catalogue is not None
        self.ticket = ticket
        self.ticket_issued.emit(ticket)
        if self.printer.has_printer and not self.printer.known_not_ready:
            state = PrintState.PRINTING
            layout = SlipLayout(language="vi" if self.lang == "vi" else "vi+en")
            self.print_job = self.printer.print_slip(
                slip_from_ticket(ticket, self.catalogue), layout=layout
            )
        else:
            state = PrintState.SCREEN_ONLY
            self.print_job = 0
        self.window.ticket.set_metrics(self.window.metrics)
        self.window.ticket.show_ticket(ticket, self.lang, state)
        self.set_screen(Screen.TICKET, self.window.ticket)

    def on_issue_failed(self, error: Exception) -> None:
        self._issued_done()
        if not isinstance(error, ApiError):
            log.error("issuing failed: %r", error)
            error = ApiError(0, "error", str(error), str(error))
        if error.unauthorized or error.offline or error.status >= 500:
            self.on_api_error(error)
            return
        # Refused by the queue rules (quota reached, closed): say why, grey it out. Any
        # other refusal (too many requests...) is said, and the service left as it is.
        if (
            error.code in UNAVAILABLE_CODES
            and self.catalogue is not None
            and self.service_id is not None
        ):
            self.catalogue.mark_unavailable(
                self.service_id, error.code, error.message_vi, error.message_en
            )
            self._refresh.start()
        self.window.notice.show_notice(
            Screen.REFUSED.value,
            _("No number could be issued"),
            error.message(self.lang),
            _("Touch the screen to choose again."),
        )
        self.set_screen(Screen.REFUSED, self.window.notice)

    def on_printed(self, job: int, result: PrintResult) -> None:
        if job == self.test_job:
            self.test_printed.emit(result)
            if result.printed:
                self.window.settings.set_message(_("Test slip printed."), "ok")
            else:
                error = result.error
                text = (
                    error.message_en
                    if error and self.lang == "en"
                    else (error.message_vi if error else "")
                )
                self.window.settings.set_message(text, "error")
            return
        if job != self.print_job:
            return
        self.ticket_printed.emit(result)
        if self.screen != Screen.TICKET:
            return
        if result.printed:
            self.window.ticket.set_state(PrintState.PRINTED)
            self._ticket_timer.start(int(self.values.get("ticket_seconds") or 8) * 1000)
        else:
            error = result.error
            self.window.ticket.set_state(
                PrintState.FAILED,
                error.message_vi if error else "",
                error.message_en if error else "",
            )

    def on_ticket_dismissed(self) -> None:
        self.go_attract()

    def on_notice_touched(self) -> None:
        if self.screen == Screen.REFUSED:
            self.show_services(self.department_id)

    def on_idle(self) -> None:
        if self.issuing:
            return
        if self.screen in (
            Screen.DEPARTMENTS,
            Screen.SERVICES,
            Screen.PRIORITY,
            Screen.DOSSIER,
            Screen.REFUSED,
            Screen.PIN,
        ) or (self.screen == Screen.SETTINGS and self.api is not None):
            self.go_attract()
        elif self.screen == Screen.TICKET and self.window.ticket.state == PrintState.PRINTED:
            self.go_attract()
        elif self.screen == Screen.ATTRACT and self.lang != (self.values.get("lang") or "vi"):
            self.go_attract()

    # ------------------------------------------------------------------ printer state

    def on_printer_state(self, state: str) -> None:
        self._report_printer()
        if self.screen in (Screen.ATTRACT, Screen.PAUSED):
            self.go_attract()
        elif self.screen == Screen.SERVICES:
            self._note_printer(self.window.services)

    def _report_printer(self) -> None:
        if self.health is None:
            return
        error = self.printer.error
        self.health.update(
            printer_state=self.printer.state,
            paper_low=self.printer.state == PrinterState.PAPER_LOW,
            paper_out=self.printer.state == PrinterState.PAPER_OUT,
            last_error=error.message_vi if error else None,
        )

    def _printer_warning(self) -> str:
        if not self.printer.has_printer or not self.printer.known_not_ready:
            return ""
        return _("The printer is not available: your number will be shown on the screen.")

    def _update_banner(self) -> None:
        self.window.attract.set_banner(self._printer_warning())

    def _note_printer(self, view: Any) -> None:
        view.set_note(self._printer_warning())

    # ------------------------------------------------------------------ notices

    def show_unreachable(self) -> None:
        self.window.notice.show_notice(
            Screen.UNREACHABLE.value,
            "Tạm ngừng cấp số, vui lòng chờ trong giây lát",
            "Issuing is paused, please wait a moment",
            _("The kiosk is reconnecting to the server by itself."),
        )
        self.set_screen(Screen.UNREACHABLE, self.window.notice)

    def show_paused(self) -> None:
        error = self.printer.error
        detail = (error.message_vi + "\n" + error.message_en) if error else ""
        self.window.notice.show_notice(
            Screen.PAUSED.value,
            "Tạm ngừng cấp số",
            "Issuing is paused: the ticket printer is not ready",
            detail,
        )
        self.set_screen(Screen.PAUSED, self.window.notice)

    # ------------------------------------------------------------------ settings

    def show_settings(self, message: str = "", role: str = "") -> None:
        self.window.settings.load(
            {**self.values, "token": self.token or ""}, paired=self.api is not None
        )
        self.window.settings.set_message(message, role)
        self.set_screen(Screen.SETTINGS, self.window.settings)

    def on_secret_gesture(self) -> None:
        if self.issuing or self.screen in (Screen.SETTINGS, Screen.PIN):
            return
        self.window.pin.start()
        self.set_screen(Screen.PIN, self.window.pin)

    def on_pin_entered(self, pin: str) -> None:
        if pin == str(self.values.get("pin") or settings.DEFAULT_PIN):
            warning = ""
            if pin == settings.DEFAULT_PIN:
                warning = _("The PIN is still the default one: set another.")
            self.show_settings(warning, "warning" if warning else "")
        else:
            self.window.pin.start(_("Wrong PIN."))

    def on_settings_saved(self, values: dict[str, Any]) -> None:
        token = values.pop("token", "") or ""
        if not values.get("server") or not token:
            self.window.settings.set_message(
                _("Enter the server address and this kiosk's device token."), "error"
            )
            return
        try:
            config = self._printer_config(values)
        except ConfigError as error:
            self.window.settings.set_message(
                error.message_en if self.lang == "en" else error.message_vi, "error"
            )
            return
        self.values.update(values)
        if not self.preview:
            self.printer.set_config(config)
        self.window.settings.set_message(_("Connecting…"))
        self.pair({**self.values}, token, from_form=True)

    def on_test_print(self, values: dict[str, Any]) -> None:
        try:
            config = self._printer_config(values)
        except ConfigError as error:
            self.window.settings.set_message(
                error.message_en if self.lang == "en" else error.message_vi, "error"
            )
            return
        if config is None:
            self.window.settings.set_message(_("No printer is set."), "error")
            return
        self.window.settings.set_message(_("Printing a test slip…"))
        self.test_job = self.printer.print_slip(sample_slip(), config)

    def on_exit(self) -> None:
        self.window.allow_close = True
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _printer_config(self, values: dict[str, Any]) -> Any:
        return settings.printer_config(values, preview=self.preview)


def main(argv: Sequence[str] | None = None) -> int:
    started = start_app(
        settings.APP, settings.parser(), argv, title="hangdoi-kiosk", defaults=settings.DEFAULTS
    )
    args = started.args
    values = settings.from_args(started.settings.values, args)
    try:
        settings.printer_config(values, preview=args.preview)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    kiosk = KioskApp(
        started.settings.store,
        started.settings.tokens,
        values,
        token=args.token,
        preview=args.preview,
    )
    size = settings.window_size(args.windowed)
    kiosk.start(size=size, lock_down=size is None)
    if size is not None and not values.get("hide_cursor", True):
        QApplication.restoreOverrideCursor()
    started.qapp.aboutToQuit.connect(kiosk.shutdown)
    return started.qapp.exec()
