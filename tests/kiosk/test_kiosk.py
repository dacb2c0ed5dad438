"""The kiosk against the real server and the fake network printer, offscreen: the whole
path to a printed slip (decoded: its number and QR are the server's ticket), the printer
out of paper or unreachable, quota and closing, a double touch and a retried request,
the idle timeout, both orientations and both languages. Screenshots of every screen go
to tests/output/kiosk/.

One live server for the module; the tests that stop it or revoke a token come last."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QApplication, QPushButton, QWidget
from sqlalchemy import text

from contract import events as ev
from contract.events import PrinterState
from desktop import i18n
from desktop.api import ApiClient, ApiError
from desktop.secrets import TokenStore
from desktop.settings import SettingsStore
from kiosk import settings
from kiosk.app import KioskApp, Screen
from kiosk.model import slip_from_ticket
from kiosk.views.common import MIN_TOUCH, Tile, WrapButton
from kiosk.views.ticket import PrintState
from printers import SlipLayout, build_job, render_preview
from tests.desktop.legibility import unreadable
from tests.kiosk.conftest import LANDSCAPE, PORTRAIT, SMALL
from tests.printers.escpos_decoder import decode
from tests.printers.fake_printer import FakePrinter, closed_port
from tests.printers.test_render import read_qr
from tests.server.live import LiveServer

PROFILE = "TM-T20II"  # 576 dots
ROOT = Path(__file__).resolve().parents[2]
WAIT = 15_000

MakeKiosk = Callable[..., KioskApp]


@pytest.fixture
def make_kiosk(
    qtbot, server: LiveServer, printer: FakePrinter, tmp_path: Path
) -> Iterator[MakeKiosk]:
    made: list[KioskApp] = []

    def make(size: tuple[int, int] = PORTRAIT, wait: bool = True, **values: Any) -> KioskApp:
        folder = tmp_path / f"config-{len(made)}"
        store = SettingsStore(settings.APP, settings.DEFAULTS, folder)
        tokens = TokenStore(settings.APP, folder)
        token = values.pop("token", server.kiosk_token)
        preview = values.pop("preview", False)
        merged = {
            **store.load(),
            "server": server.url,
            "printer": f"network:{printer.address}",
            "printer_profile": PROFILE,
            "printer_timeout": 2.0,
            **values,
        }
        kiosk = KioskApp(store, tokens, merged, token=token, preview=preview)
        made.append(kiosk)
        qtbot.addWidget(kiosk.window)
        if wait:
            with qtbot.waitSignal(kiosk.catalogue_loaded, timeout=WAIT):
                kiosk.start(size=size, lock_down=False)
            qtbot.waitUntil(lambda: kiosk.printer.state != PrinterState.UNKNOWN, timeout=WAIT)
        else:
            kiosk.start(size=size, lock_down=False)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.shutdown()
    i18n.set_language("vi")


def shot(kiosk: KioskApp, shots: Path, name: str, size: tuple[int, int] | None = None) -> None:
    """Save the window as a PNG; with `size`, check first that the screen fits it (the
    window did not have to grow) and that every word on it is whole."""
    QApplication.processEvents()
    if size is not None:
        assert (kiosk.window.width(), kiosk.window.height()) == size, (
            name,
            [(type(v).__name__, v.minimumSizeHint().height()) for v in kiosk.window.views()],
        )
        assert unreadable(kiosk.window) == [], name
    kiosk.window.grab().save(str(shots / f"{name}.png"))


def tap(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tiles(view: QWidget) -> list[Tile]:
    """The tiles the view shows now (once its layout has shown them)."""
    shown = list(getattr(view, "tiles", []))
    shown = list(view.tiles.values()) if isinstance(view.tiles, dict) else shown  # type: ignore[attr-defined]
    for tile in shown:
        if not tile.isVisible():
            QApplication.processEvents()
    return shown


def tile_titled(view: QWidget, title: str) -> Tile:
    found = [t for t in tiles(view) if t.title.text() == title]
    assert found, (title, [t.title.text() for t in tiles(view)])
    return found[0]


def choose_service(qtbot, kiosk: KioskApp, code: str) -> None:
    """From the attract screen to the service's next step, touching the screens."""
    assert kiosk.catalogue is not None
    service = next(s for s in kiosk.catalogue.services if s.code == code)
    tap(qtbot, kiosk.window.attract)
    assert kiosk.screen == Screen.DEPARTMENTS
    tap(qtbot, tile_titled(kiosk.window.departments, service.department.name(kiosk.lang)))
    assert kiosk.screen == Screen.SERVICES
    tap(qtbot, tile_titled(kiosk.window.services, service.name(kiosk.lang)))


def priority_button(kiosk: KioskApp, text: str) -> WrapButton:
    return next(b for b in kiosk.window.priority.buttons if b.caption() == text)


def take_ticket(qtbot, kiosk: KioskApp, code: str, priority: str | None = None) -> dict:
    choose_service(qtbot, kiosk, code)
    assert kiosk.screen == Screen.PRIORITY
    label = kiosk.catalogue.category(priority).name(kiosk.lang) if priority else None  # type: ignore[union-attr]
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=WAIT) as issued:
        tap(qtbot, priority_button(kiosk, label or "Không thuộc đối tượng ưu tiên"))
    return issued.args[0]


def db_ticket(server: LiveServer, ticket_id: int) -> dict:
    engine = server.engine()
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT t.number, t.tracking_token, p.code AS priority FROM ticket t "
                    "LEFT JOIN priority_category p ON p.id = t.priority_category_id WHERE t.id = :id"
                ),
                {"id": ticket_id},
            ).one()
            return dict(row._mapping)
    finally:
        engine.dispose()


def tickets_in_db(server: LiveServer) -> int:
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM ticket")) or 0)
    finally:
        engine.dispose()


def sql(server: LiveServer, statement: str, **params: Any) -> None:
    engine = server.engine()
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def assert_touch_targets(kiosk: KioskApp) -> None:
    view = kiosk.window.current()
    assert view is not None
    for widget in view.findChildren(QPushButton) + view.findChildren(Tile):
        if widget.isVisible():
            assert widget.height() >= MIN_TOUCH, (widget, widget.height())
            assert widget.width() >= MIN_TOUCH * 0.6, (widget, widget.width())


# ---------------------------------------------------------------------------- the path


@pytest.mark.parametrize("priority", [None, "elderly"], ids=["normal", "priority"])
def test_a_ticket_through_the_whole_path_is_printed_as_the_server_holds_it(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, printer: FakePrinter, shots: Path, priority
) -> None:
    kiosk = make_kiosk()
    name = "priority" if priority else "normal"
    shot(kiosk, shots, f"attract-portrait-vi-{name}")
    choose_service(qtbot, kiosk, "STP-LLTP")
    shot(kiosk, shots, f"priority-portrait-vi-{name}")
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=WAIT) as printed:
        ticket = take_ticket_from_priority(qtbot, kiosk, priority)
    assert printed.args[0].printed, printed.args[0].error
    assert kiosk.screen == Screen.TICKET and kiosk.window.ticket.state == PrintState.PRINTED
    assert kiosk.window.ticket.number.text() == ticket["number"]
    shot(kiosk, shots, f"ticket-portrait-vi-{name}")
    held = db_ticket(server, ticket["id"])
    assert held["number"] == ticket["number"] and held["priority"] == priority
    # The slip: decoded back from the bytes the printer received.
    [job] = printer.wait_for_jobs(1)
    decoded = decode(job, PROFILE)
    assert all(image.width == 576 for image in decoded.image_runs())
    printed_qr = [q.payload for q in decoded.qr_codes] + [
        text for image in decoded.image_runs() for text in read_qr(image)
    ]
    assert printed_qr == [f"{server.url}/t/{held['tracking_token']}"]
    # Byte for byte the job of the server's ticket: the number printed is the server's.
    expected = slip_from_ticket({**ticket, "number": held["number"]}, kiosk.catalogue)  # type: ignore[arg-type]
    config = kiosk.printer.config
    assert config is not None
    assert job == build_job(expected, render_preview(expected, config, SlipLayout()), config)
    # Back to the start after a touch.
    tap(qtbot, kiosk.window.ticket)
    assert kiosk.screen == Screen.ATTRACT


def take_ticket_from_priority(qtbot, kiosk: KioskApp, priority: str | None) -> dict:
    label = kiosk.catalogue.category(priority).name(kiosk.lang) if priority else None  # type: ignore[union-attr]
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=WAIT) as issued:
        tap(qtbot, priority_button(kiosk, label or "Không thuộc đối tượng ưu tiên"))
    return issued.args[0]


@pytest.mark.parametrize(
    ("size", "lang"),
    [(PORTRAIT, "en"), (LANDSCAPE, "vi"), (LANDSCAPE, "en"), (SMALL, "vi")],
    ids=["portrait-en", "landscape-vi", "landscape-en", "small-vi"],
)
def test_every_screen_in_each_orientation_and_language(
    qtbot, make_kiosk: MakeKiosk, shots: Path, size, lang
) -> None:
    kiosk = make_kiosk(size=size, dossier_services=["STP-CT"])
    tag = f"{'portrait' if size[1] > size[0] else 'landscape'}-{size[0]}x{size[1]}-{lang}"
    if lang == "en":
        tap(qtbot, kiosk.window.attract.language_button)
        assert i18n.language() == "en"
        assert kiosk.window.attract.prompt.text() == "Touch the screen to take a number"
    else:
        assert kiosk.window.attract.prompt.text() == "Chạm vào màn hình để lấy số thứ tự"
    shot(kiosk, shots, f"attract-{tag}", size)
    assert_touch_targets(kiosk)
    tap(qtbot, kiosk.window.attract)
    shot(kiosk, shots, f"departments-{tag}", size)
    assert_touch_targets(kiosk)
    service = next(s for s in kiosk.catalogue.services if s.code == "STP-CT")  # type: ignore[union-attr]
    tap(qtbot, tile_titled(kiosk.window.departments, service.department.name(lang)))
    shot(kiosk, shots, f"services-{tag}", size)
    assert_touch_targets(kiosk)
    # Names wrap: every tile shows its whole title.
    for tile in tiles(kiosk.window.services):
        assert (
            tile.title.wordWrap()
            and tile.title.height() >= tile.title.heightForWidth(tile.title.width()) - 1
        )
    tap(qtbot, tile_titled(kiosk.window.services, service.name(lang)))
    shot(kiosk, shots, f"priority-{tag}", size)
    assert_touch_targets(kiosk)
    tap(qtbot, kiosk.window.priority.buttons[-1])
    assert kiosk.screen == Screen.DOSSIER
    shot(kiosk, shots, f"dossier-{tag}", size)
    for key in "HS-01":
        tap(qtbot, kiosk.window.dossier.keys[key])
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=WAIT) as issued:
        tap(qtbot, kiosk.window.dossier.ok_button)
    assert issued.args[0]["dossier_code"] == "HS-01"
    qtbot.waitUntil(lambda: kiosk.window.ticket.state == PrintState.PRINTED, timeout=WAIT)
    shot(kiosk, shots, f"ticket-{tag}", size)
    expected = "Your number" if lang == "en" else "Số thứ tự của bạn"
    assert kiosk.window.ticket.heading.text() == expected
    # The hidden gesture and the PIN, then the settings screen.
    for _ in range(5):
        qtbot.mouseClick(kiosk.window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert kiosk.screen == Screen.PIN
    shot(kiosk, shots, f"pin-{tag}", size)
    kiosk.window.pin.field.setText("0000")
    tap(qtbot, kiosk.window.pin.ok_button)
    assert kiosk.screen == Screen.SETTINGS
    shot(kiosk, shots, f"settings-{tag}", size)


def test_a_scanner_types_the_dossier_code_like_a_keyboard(qtbot, make_kiosk: MakeKiosk) -> None:
    kiosk = make_kiosk(dossier_services=["STP-CT"])
    choose_service(qtbot, kiosk, "STP-CT")
    tap(qtbot, kiosk.window.priority.buttons[-1])
    assert kiosk.screen == Screen.DOSSIER
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=WAIT) as issued:
        qtbot.keyClicks(kiosk.window.dossier.field, "000.30.11.H01-241206-0001")
        qtbot.keyClick(kiosk.window.dossier.field, Qt.Key.Key_Return)
    assert issued.args[0]["dossier_code"] == "000.30.11.H01-241206-0001"


# ---------------------------------------------------------------------------- never two


def test_a_double_touch_gives_one_ticket(qtbot, make_kiosk: MakeKiosk, server: LiveServer) -> None:
    kiosk = make_kiosk()
    choose_service(qtbot, kiosk, "STP-HT")
    before = tickets_in_db(server)
    last = kiosk.window.priority.buttons[-1]
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=WAIT):
        last.click()
        assert not last.isEnabled()  # off at once: the second touch does nothing
        last.click()
        kiosk.on_priority_chosen("")
    qtbot.wait(300)
    assert tickets_in_db(server) == before + 1


def test_a_retried_request_gives_one_ticket(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, monkeypatch
) -> None:
    # The first answer is lost on the way back (a network timeout): the kiosk asks again
    # with the same Idempotency-Key and gets the same ticket.
    kiosk = make_kiosk()
    real = ApiClient.request
    seen: list[str] = []

    def lose_first_answer(self, method, path, **kwargs):  # type: ignore[no-untyped-def]
        answer = real(self, method, path, **kwargs)
        if method == "POST" and path == "/tickets":
            seen.append((kwargs.get("headers") or {}).get("Idempotency-Key", ""))
            if len(seen) == 1:
                raise ApiError(0, "timeout", "Hết giờ.", "Timed out.")
        return answer

    monkeypatch.setattr(ApiClient, "request", lose_first_answer)
    before = tickets_in_db(server)
    ticket = take_ticket(qtbot, kiosk, "STP-HT")
    assert len(seen) == 2 and seen[0] == seen[1] and re.fullmatch(r"[0-9a-f]{32}", seen[0])
    assert tickets_in_db(server) == before + 1
    assert db_ticket(server, ticket["id"])["number"] == ticket["number"]


# ---------------------------------------------------------------------------- the printer


def test_out_of_paper_before_issuing_shows_the_ticket_on_screen(
    qtbot, make_kiosk: MakeKiosk, printer: FakePrinter, shots: Path
) -> None:
    printer.paper = "out"
    kiosk = make_kiosk()
    assert kiosk.printer.state == PrinterState.PAPER_OUT
    assert kiosk.window.attract.banner.isVisible()
    shot(kiosk, shots, "attract-printer-out-of-paper")
    ticket = take_ticket(qtbot, kiosk, "STP-LLTP")
    assert kiosk.window.ticket.state == PrintState.SCREEN_ONLY
    assert kiosk.window.ticket.qr.pixmap() is not None and ticket["tracking_url"]
    shot(kiosk, shots, "ticket-screen-only")
    assert printer.jobs == []
    # It stays until touched: the idle timer does not take the number away.
    kiosk.on_idle()
    assert kiosk.screen == Screen.TICKET
    # Paper back: the next check clears the banner.
    printer.paper = "ok"
    with qtbot.waitSignal(kiosk.printer.state_changed, timeout=WAIT):
        kiosk.printer.check()
    tap(qtbot, kiosk.window.ticket)
    assert kiosk.screen == Screen.ATTRACT and not kiosk.window.attract.banner.isVisible()


def test_a_site_that_wants_printed_slips_pauses_when_the_printer_is_out(
    qtbot, make_kiosk: MakeKiosk, printer: FakePrinter, shots: Path
) -> None:
    printer.paper = "out"
    kiosk = make_kiosk(printed_only=True)
    assert kiosk.screen == Screen.PAUSED
    assert kiosk.window.notice.title.text() == "Tạm ngừng cấp số"
    shot(kiosk, shots, "paused-printer")
    printer.paper = "ok"
    with qtbot.waitSignal(kiosk.printer.state_changed, timeout=WAIT):
        kiosk.printer.check()
    assert kiosk.screen == Screen.ATTRACT


def test_out_of_paper_after_issuing_keeps_the_number_on_screen(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, printer: FakePrinter, shots: Path
) -> None:
    kiosk = make_kiosk()
    choose_service(qtbot, kiosk, "STP-LLTP")
    printer.paper = "out"  # runs out between the last check and the print
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=WAIT) as printed:
        take_ticket_from_priority(qtbot, kiosk, None)
    assert not printed.args[0].printed and printed.args[0].error.code == "paper_out"
    assert kiosk.window.ticket.state == PrintState.FAILED
    assert "Không in được phiếu" in kiosk.window.ticket.status.text()
    shot(kiosk, shots, "ticket-print-failed")
    kiosk.on_idle()
    assert kiosk.screen == Screen.TICKET  # until touched
    assert kiosk.health is not None
    qtbot.waitUntil(
        lambda: (kiosk.health.sent or {}).get("printer_state") == "paper_out", timeout=WAIT
    )
    # The manager's device list shows it.
    manager = server.login("lanhdao", "lanhdao123")
    with server.session(manager) as http:
        listed = http.get(server.url + "/api/v1/sites/1/devices", timeout=10).json()
    [device] = [d for d in listed if d["kind"] == "kiosk" and d["printer_state"] == "paper_out"]
    assert device["online"] and device["paper_out"] and "hết giấy" in device["last_error"]


def test_an_unreachable_printer_is_said_before_the_visitor_chooses(
    qtbot, make_kiosk: MakeKiosk
) -> None:
    kiosk = make_kiosk(printer=f"network:127.0.0.1:{closed_port()}")
    assert kiosk.printer.state == PrinterState.OFFLINE
    assert kiosk.window.attract.banner.isVisible()
    take_ticket(qtbot, kiosk, "STP-LLTP")
    assert kiosk.window.ticket.state == PrintState.SCREEN_ONLY


def test_a_test_slip_from_the_settings(qtbot, make_kiosk: MakeKiosk, printer: FakePrinter) -> None:
    kiosk = make_kiosk()
    kiosk.show_settings()
    with qtbot.waitSignal(kiosk.test_printed, timeout=WAIT) as printed:
        tap(qtbot, kiosk.window.settings.test_button)
    assert printed.args[0].printed
    assert kiosk.window.settings.message.text() == "Đã in phiếu thử."
    assert len(printer.wait_for_jobs(1)) == 1


def test_preview_mode_renders_the_slip_without_a_printer(qtbot, make_kiosk: MakeKiosk) -> None:
    kiosk = make_kiosk(wait=False, preview=True)
    qtbot.waitUntil(lambda: kiosk.screen == Screen.ATTRACT, timeout=WAIT)
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=WAIT) as printed:
        take_ticket(qtbot, kiosk, "STP-LLTP")
    assert printed.args[0].printed and kiosk.window.ticket.state == PrintState.PRINTED
    assert (kiosk.store.path.parent / "last-slip.png").stat().st_size > 0


# ---------------------------------------------------------------------------- live, idle


def test_counts_follow_the_server_live_and_the_idle_timer_goes_home(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer
) -> None:
    kiosk = make_kiosk(idle_seconds=1)
    tap(qtbot, kiosk.window.attract)
    service = next(s for s in kiosk.catalogue.services if s.code == "STC-HKD")  # type: ignore[union-attr]
    tap(qtbot, tile_titled(kiosk.window.departments, service.department.name("vi")))
    before = kiosk.catalogue.service(service.id).waiting  # type: ignore[union-attr]
    # Another kiosk issues: this one hears it over Socket.IO, without asking.
    with server.session(server.kiosk_token) as http:
        assert http.post(
            server.url + "/api/v1/tickets", json={"service_id": service.id}, timeout=10
        ).ok
    qtbot.waitUntil(
        lambda: kiosk.catalogue.service(service.id).waiting == before + 1,  # type: ignore[union-attr]
        timeout=WAIT,
    )
    assert f"{before + 1} người đang chờ" in kiosk.window.services.tiles[service.id].detail.text()
    # Nobody touches anything: back to the start.
    with qtbot.waitSignal(kiosk.screen_changed, timeout=5000) as changed:
        pass
    assert changed.args == [Screen.ATTRACT.value]


def test_quota_reached_and_closed_services_are_greyed_with_the_reason(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, shots: Path
) -> None:
    kiosk = make_kiosk()
    service = next(s for s in kiosk.catalogue.services if s.code == "STP-QT")  # type: ignore[union-attr]
    sql(
        server,
        "UPDATE service SET daily_quota = (SELECT count(*) FROM ticket WHERE service_id = :id) + 1 "
        "WHERE id = :id",
        id=service.id,
    )
    with qtbot.waitSignal(kiosk.catalogue_loaded, timeout=WAIT):
        kiosk.on_live_event(ev.CATALOG_CHANGED, {"data": {}})
    take_ticket(qtbot, kiosk, "STP-QT")
    # Its quota is used up: the kiosk reads availability again after the queue moved.
    qtbot.waitUntil(lambda: not kiosk.catalogue.service(service.id).available, timeout=WAIT)  # type: ignore[union-attr]
    tap(qtbot, kiosk.window.ticket)
    tap(qtbot, kiosk.window.attract)
    tap(qtbot, tile_titled(kiosk.window.departments, service.department.name("vi")))
    tile = kiosk.window.services.tiles[service.id]
    assert not tile.available and "đã hết" in tile.reason.text()
    shot(kiosk, shots, "services-quota-reached")
    tap(qtbot, tile)
    assert kiosk.screen == Screen.SERVICES  # not selectable
    # A quota reached that this kiosk has not heard of: the issue is refused with the
    # reason, nothing is issued, and the service is greyed.
    other = next(s for s in kiosk.catalogue.services if s.code == "STP-HT")  # type: ignore[union-attr]
    sql(
        server,
        "UPDATE service SET daily_quota = (SELECT count(*) FROM ticket WHERE service_id = :id) "
        "WHERE id = :id",
        id=other.id,
    )
    before = tickets_in_db(server)
    tap(qtbot, kiosk.window.services.tiles[other.id])
    tap(qtbot, kiosk.window.priority.buttons[-1])
    qtbot.waitUntil(lambda: kiosk.screen == Screen.REFUSED, timeout=WAIT)
    assert "đã hết" in kiosk.window.notice.text.text()
    assert tickets_in_db(server) == before
    shot(kiosk, shots, "refused-quota")
    tap(qtbot, kiosk.window.notice)
    assert kiosk.screen == Screen.SERVICES
    assert not kiosk.window.services.tiles[other.id].available
    # The centre closes: every service greyed, with the opening hours.
    sql(server, "UPDATE site SET opening_hours = :hours", hours='{"mon": [["07:30", "07:31"]]}')
    try:
        with qtbot.waitSignal(kiosk.catalogue_loaded, timeout=WAIT):
            kiosk.on_live_event(ev.CATALOG_CHANGED, {"data": {}})
        assert all(not s.available for s in kiosk.catalogue.services)  # type: ignore[union-attr]
        assert {s.reason_code for s in kiosk.catalogue.services} == {"site_closed"}  # type: ignore[union-attr]
        kiosk.show_services(None)
        shot(kiosk, shots, "services-closed")
        assert (
            "ngoài giờ làm việc" in next(iter(kiosk.window.services.tiles.values())).reason.text()
        )
    finally:
        sql(server, "UPDATE site SET opening_hours = NULL")
        sql(
            server,
            "UPDATE service SET daily_quota = NULL WHERE id IN (:a, :b)",
            a=service.id,
            b=other.id,
        )


# ---------------------------------------------------------------------------- command line


def test_python_m_kiosk_pairs_from_the_command_line(server: LiveServer, tmp_path: Path) -> None:
    # As an installer's script would: the settings and the token given as flags are
    # checked against the server, then kept (the token in a file readable by the user only).
    folder = tmp_path / "config"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "kiosk", "--config-dir", str(folder)]
    process = subprocess.Popen(
        [
            *command,
            *("--server", server.url, "--token", server.kiosk_token, "--preview"),
            *("--windowed", "1366x768", "--pin", "2468", "--idle-seconds", "45"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        saved: dict = {}
        while time.monotonic() < deadline and not saved.get("site_id"):
            time.sleep(0.2)
            if (folder / "kiosk.json").exists():
                saved = json.loads((folder / "kiosk.json").read_text())
        assert saved.get("site_id") == 1, process.stdout.read1().decode() if process.stdout else ""
        assert saved["server"] == server.url and saved["pin"] == "2468"
        assert saved["idle_seconds"] == 45
        assert server.kiosk_token in (folder / "kiosk.token").read_text()
    finally:
        process.terminate()
        process.wait(10)
    wrong = subprocess.run(
        [*command, "--printer", "bluetooth:somewhere"], env=env, capture_output=True, timeout=60
    )
    assert wrong.returncode == 2 and "bluetooth" in wrong.stderr.decode()


def test_the_kiosk_benchmark_runs(server: LiveServer) -> None:
    # bench/kiosk.py on this module's server, two tickets: a smoke test, not a measure.
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kiosk.py"), "--tickets", "2"]
        + ["--server", server.url, "--token", server.kiosk_token],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 tickets" in result.stdout and "p99" in result.stdout and "RSS" in result.stdout


# ---------------------------------------------------------------------------- server, token


def test_the_server_down_and_back(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, shots: Path
) -> None:
    kiosk = make_kiosk()
    server.kill()
    qtbot.waitUntil(lambda: kiosk.screen == Screen.UNREACHABLE, timeout=WAIT)
    assert kiosk.window.notice.title.text() == "Tạm ngừng cấp số, vui lòng chờ trong giây lát"
    shot(kiosk, shots, "unreachable")
    tap(qtbot, kiosk.window.notice)
    assert kiosk.screen == Screen.UNREACHABLE  # nothing to choose, no offline numbers
    server.start()
    qtbot.waitUntil(lambda: kiosk.screen == Screen.ATTRACT, timeout=30_000)
    take_ticket(qtbot, kiosk, "STP-LLTP")


def test_a_revoked_token_returns_to_pairing(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, shots: Path
) -> None:
    output = server.command("register-device", "--site", "HCC-BN", "--kind", "kiosk", "--name", "K")
    device_id = re.search(r"Device (\d+)", output.stdout).group(1)  # type: ignore[union-attr]
    token = output.stdout.strip().splitlines()[-1]
    kiosk = make_kiosk(token=token)
    assert kiosk.tokens.get(server.url) == token
    server.command("revoke-device", device_id)
    # The minute's health report (here every half second) meets the refusal once the
    # server's credential cache has expired.
    assert kiosk.health is not None
    kiosk.health.start(every_ms=500)
    qtbot.waitUntil(lambda: kiosk.screen == Screen.SETTINGS, timeout=30_000)
    assert "thu hồi" in kiosk.window.settings.message.text()
    assert kiosk.tokens.get(server.url) is None
    shot(kiosk, shots, "pairing-revoked")


def test_pairing_from_the_settings_screen(
    qtbot, make_kiosk: MakeKiosk, server: LiveServer, shots: Path
) -> None:
    kiosk = make_kiosk(wait=False, token=None, server="")
    assert kiosk.screen == Screen.SETTINGS
    shot(kiosk, shots, "pairing-first-start")
    form = kiosk.window.settings
    form.server.setText(server.url)
    form.token.setText("hdd_not-a-real-token")
    tap(qtbot, form.save_button)
    qtbot.waitUntil(lambda: form.message.property("role") == "error", timeout=WAIT)
    form.token.setText(server.kiosk_token)
    with qtbot.waitSignal(kiosk.catalogue_loaded, timeout=WAIT):
        tap(qtbot, form.save_button)
    assert kiosk.screen == Screen.ATTRACT
    assert kiosk.store.load()["server"] == server.url
    assert kiosk.tokens.get(server.url) == server.kiosk_token
    requests.get(server.url + "/api/v1/health", timeout=5).raise_for_status()
