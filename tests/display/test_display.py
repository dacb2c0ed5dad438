"""The Qt hall display against a live demo server (pytest-qt, offscreen): both layouts,
paging, counter-top mode, a lost connection and the catch-up after it, a revoked token.

Screenshots go to tests/output/display/.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest

from display.model import Call, CounterStatus
from display.views import style
from display.views.counter_top import CounterTopView
from display.views.hall import HallView
from tests.desktop.legibility import unreadable
from tests.display.hall import Officer, display_token
from tests.display.proxy import TcpProxy
from tests.server.live import LiveServer

# The thread method: a test stuck in Qt's native code (the media player, a socket) never
# returns to Python, so the default SIGALRM one would wait for ever; this one prints every
# thread's stack and ends the run.
pytestmark = pytest.mark.timeout(180, method="thread")


def hall(app) -> HallView:
    assert isinstance(app.screen_view, HallView)
    return app.screen_view


def test_landscape_shows_the_newest_call_big_and_the_recent_ones(
    make_display, server: LiveServer, qtbot, screenshots: Path
) -> None:
    officer = Officer(server, "canbo01", 1)
    officer.open()
    officer.issue(4)
    app = make_display((1920, 1080))
    view = hall(app)
    assert view.orientation == "landscape"
    assert view.site_label.text().startswith("Trung tâm")
    called = [officer.call_next()["ticket"]["number"] for _ in range(3)]
    qtbot.waitUntil(lambda: view.now_number.text() == called[-1], timeout=10_000)
    assert "quầy số 1" in view.now_counter.text()
    assert view.blinking, "a new call blinks"
    # The two earlier calls of counter 1 are gone from it (finished), not from the list.
    assert [row.number.text() for row in view.recent_rows[:2]] == called[-2::-1]
    assert view.status == style.LIVE
    assert view.waiting.rows, "the zone's services are listed"
    view.grab().save(str(screenshots / "hall-landscape.png"))


def test_portrait_pages_the_waiting_list_without_cutting_a_row(
    make_display, server: LiveServer, qtbot, screenshots: Path
) -> None:
    app = make_display((1080, 1920), orientation="portrait")
    view = hall(app)
    assert view.orientation == "portrait"
    panel = view.waiting
    qtbot.waitUntil(lambda: panel.pages >= 2, timeout=5000)
    all_ids = [row.service_id for row in app.state.waiting_rows()]
    seen: list[int] = []
    for page in range(panel.pages):
        qtbot.wait(50)
        widgets = panel.list.findChildren(type(panel.list_layout.itemAt(0).widget()))
        shown = [w for w in widgets if w.isVisible()]
        for widget in shown:  # every row of the page is whole inside the list
            assert widget.geometry().bottom() <= panel.list.height()
        seen += [row.service_id for row in panel.visible_rows()]
        assert (
            panel.page_label.text()
            == f"Trang {page + 1}/{panel.pages} · Page {page + 1}/{panel.pages}"
        )
        view.grab().save(str(screenshots / f"hall-portrait-page{page + 1}.png"))
        panel.on_next_page()
    assert seen == all_ids, "each service on exactly one page, in order"
    assert panel.page == 0, "the pages turn round"


def test_counter_top_mode_shows_the_counter_number_and_state(
    make_display, server: LiveServer, qtbot, screenshots: Path
) -> None:
    officer = Officer(server, "canbo04", 4)
    officer.open()
    officer.issue(1)
    app = make_display((1280, 720), counter=4)
    view = app.screen_view
    assert isinstance(view, CounterTopView)
    number = officer.call_next()["ticket"]["number"]
    qtbot.waitUntil(lambda: view.text() == f"Quầy 4 · {number}", timeout=10_000)
    view.grab().save(str(screenshots / "counter-top-calling.png"))
    officer.finish_current()
    officer.pause()
    qtbot.waitUntil(lambda: view.text() == "Quầy 4 · Tạm nghỉ", timeout=10_000)
    assert view.detail.text() == "Quầy tạm nghỉ · Counter paused"  # Vietnamese first
    assert unreadable(view) == []  # "Tạm nghỉ" at 300 px was wider than the screen
    view.grab().save(str(screenshots / "counter-top-paused.png"))
    officer.close()
    qtbot.waitUntil(lambda: view.text() == "Quầy 4 · Đóng", timeout=10_000)
    assert view.detail.text() == "Quầy đóng · Counter closed"
    assert unreadable(view) == []
    view.grab().save(str(screenshots / "counter-top-closed.png"))


@pytest.mark.parametrize(
    ("state", "english", "detail"),
    [
        ("closed", False, "Quầy đóng"),
        ("paused", False, "Quầy tạm nghỉ"),
        ("closed", True, "Quầy đóng · Counter closed"),
    ],
)
def test_counter_top_says_the_state_in_vietnamese_first(
    qtbot, screenshots: Path, state: str, english: bool, detail: str
) -> None:
    view = CounterTopView(4, english=english)
    qtbot.addWidget(view)
    view.resize(640, 360)
    view.show_status(CounterStatus(4, state=state))
    view.show()
    qtbot.waitExposed(view)
    assert view.detail.text() == detail
    assert unicodedata.is_normalized("NFC", view.detail.text())
    assert unreadable(view) == []
    lang = "vien" if english else "vi"
    view.grab().save(str(screenshots / f"counter-top-{state}-{lang}.png"))


def test_connection_lost_and_back_catches_up_but_speaks_only_fresh_calls(
    make_display, server: LiveServer, proxy: TcpProxy, qtbot, screenshots: Path
) -> None:
    officer = Officer(server, "canbo05", 5)
    officer.open()
    officer.issue(3)
    app = make_display((1920, 1080))
    view = hall(app)
    app.announcer.fresh_seconds = 4.0
    spoken: list[Call] = []
    app.announcer.started.connect(spoken.append)

    proxy.cut()
    qtbot.waitUntil(lambda: view.status == style.OFFLINE, timeout=10_000)
    view.grab().save(str(screenshots / "hall-connection-lost.png"))
    old = officer.call_next()["ticket"]["number"]
    time.sleep(5)  # older than fresh_seconds by the time the display hears of it
    fresh = officer.call_next()["ticket"]["number"]
    proxy.restore()
    qtbot.waitUntil(lambda: view.status == style.LIVE, timeout=20_000)
    qtbot.waitUntil(lambda: {old, fresh} <= {c.number for c in app.state.calls}, timeout=10_000)
    qtbot.waitUntil(lambda: any(c.number == fresh for c in spoken), timeout=10_000)
    assert old not in [c.number for c in spoken], "a missed call that is old is shown, not spoken"
    assert view.now_number.text() == fresh
    # Caught up live again: the next call is shown and spoken.
    officer.issue(1)
    newest = officer.call_next()["ticket"]["number"]
    qtbot.waitUntil(lambda: any(c.number == newest for c in spoken), timeout=20_000)


def test_a_revoked_token_goes_back_to_pairing(
    make_display, server: LiveServer, proxy: TcpProxy, qtbot, screenshots: Path
) -> None:
    admin = server.session(server.login("admin", "admin123"))
    created = admin.post(
        server.url + "/api/v1/admin/devices",
        json={"site_id": 1, "kind": "display", "name": "Màn hình thử", "zone": "tang-1"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    device = created.json()
    app = make_display((1920, 1080), pair=False)
    with qtbot.waitSignal(app.paired, timeout=20_000):
        app.pairing.set_values(proxy.url, device["token"])
        app.pairing.on_submit()
    qtbot.waitUntil(lambda: hall(app).status == style.LIVE, timeout=20_000)
    assert app.tokens is not None and app.tokens.get(proxy.url) == device["token"]

    answer = admin.post(
        f"{server.url}/api/v1/admin/devices/{device['id']}/revoke", json={}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    time.sleep(0.2)
    with qtbot.waitSignal(app.unpaired, timeout=30_000) as unpaired:
        proxy.cut()  # the next connection presents the revoked token
        qtbot.wait(300)
        proxy.restore()
    assert app.window.currentWidget() is app.pairing
    assert app.pairing.error.isVisible() and unpaired.args[0]
    assert app.tokens.get(proxy.url) is None, "the revoked token is forgotten"
    app.window.grab().save(str(screenshots / "pairing-revoked.png"))

    # A wrong token is refused on the pairing screen itself.
    app.pairing.set_values(proxy.url, "hdd_not-a-token")
    app.pairing.on_submit()
    qtbot.waitUntil(lambda: app.pairing.error.isVisible(), timeout=10_000)
    assert app.window.currentWidget() is app.pairing
    assert "·" in app.pairing.error.text(), "in both languages"
    assert app.pairing.connect_button.isEnabled()


def _poster(path: Path, colour: str, text: str) -> None:
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    painter = QPainter(image)
    painter.setPen(QColor("white"))
    painter.setFont(QFont("DejaVu Sans", 40))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    assert image.save(str(path))


def test_media_area_loops_the_folder_and_is_muted_while_announcing(
    make_display, server: LiveServer, qtbot, tmp_path: Path, screenshots: Path
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    _poster(folder / "01.png", "#0b6e35", "Dịch vụ công trực tuyến")
    _poster(folder / "02.png", "#b4141f", "Cải cách hành chính")
    (folder / "notes.txt").write_text("not media")
    officer = Officer(server, "canbo06", 6)
    officer.open()
    officer.issue(1)
    app = make_display((1920, 1080), media=str(folder))
    view = hall(app)
    assert view.media is not None
    assert [p.name for p in view.media.files] == ["01.png", "02.png"]
    qtbot.waitUntil(lambda: view.media.current() is not None, timeout=5000)
    first = view.media.current()
    view.media.on_next()
    assert view.media.current() != first
    view.media.on_next()
    assert view.media.current() == first, "the folder loops"
    view.set_ticker("Trung tâm làm việc từ 7 giờ 30 đến 17 giờ, thứ Hai đến thứ Sáu.")
    assert view.ticker.isVisible()
    assert not view.media.audio.isMuted()
    number = officer.call_next()["ticket"]["number"]
    qtbot.waitUntil(lambda: app.announcer.current is not None, timeout=10_000)
    assert app.announcer.current.number == number
    assert view.media.audio.isMuted(), "the videos' sound is muted while a call is announced"
    assert view.now.property("speaking"), "the call being spoken is the one highlighted"
    qtbot.wait(1500)  # the ticker has moved in
    view.grab().save(str(screenshots / "hall-landscape-media.png"))
    qtbot.waitUntil(lambda: app.announcer.current is None, timeout=70_000)
    assert not view.media.audio.isMuted()


def test_counter_top_mode_says_when_the_counter_is_not_in_the_tokens_zone(
    make_display, qtbot
) -> None:
    app = make_display((1280, 720), counter=15)  # a tang-2 counter, a tang-1 token
    view = app.screen_view
    assert isinstance(view, CounterTopView)
    qtbot.waitUntil(lambda: "không thuộc khu vực" in view.detail.text(), timeout=10_000)


def test_a_token_revoked_while_connected_is_noticed_without_a_reconnection(
    make_display, server: LiveServer, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from display import app as app_module

    monkeypatch.setattr(app_module, "CHECK_MS", 300)
    admin = server.session(server.login("admin", "admin123"))
    device = admin.post(
        server.url + "/api/v1/admin/devices",
        json={"site_id": 1, "kind": "display", "name": "Màn hình thử 2", "zone": "tang-1"},
        timeout=30,
    ).json()
    app = make_display((1920, 1080), pair=False)
    with qtbot.waitSignal(app.paired, timeout=20_000):
        app.start(device["token"])
    admin.post(f"{server.url}/api/v1/admin/devices/{device['id']}/revoke", json={}, timeout=30)
    with qtbot.waitSignal(app.unpaired, timeout=20_000):
        pass
    assert app.live is None and app.window.currentWidget() is app.pairing


def test_a_display_that_starts_before_the_server_pairs_when_it_answers(
    make_display, server: LiveServer, proxy: TcpProxy, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from display import app as app_module

    monkeypatch.setattr(app_module, "RETRY_MS", 300)
    proxy.cut()
    app = make_display((1920, 1080), pair=False)
    app.start(display_token(server))
    qtbot.waitUntil(lambda: app.pairing.error.isVisible(), timeout=20_000)
    assert "Không kết nối được" in app.pairing.error.text()
    with qtbot.waitSignal(app.paired, timeout=20_000):
        proxy.restore()
    qtbot.waitUntil(lambda: hall(app).status == style.LIVE, timeout=20_000)


def test_the_administrators_ticker_text_runs_along_the_bottom(
    make_display, server: LiveServer, qtbot, screenshots: Path
) -> None:
    app = make_display((1920, 1080))
    view = hall(app)
    admin = server.session(server.login("admin", "admin123"))
    text = "Trung tâm làm việc từ 7 giờ 30 đến 17 giờ, từ thứ Hai đến thứ Sáu."
    answer = admin.patch(
        f"{server.url}/api/v1/admin/sites/1", json={"ticker_text": text}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    qtbot.waitUntil(lambda: view.ticker.text() == text, timeout=10_000)
    assert view.ticker.isVisible()
    qtbot.wait(2500)  # the text has come in from the right
    view.grab().save(str(screenshots / "hall-ticker.png"))
    answer = admin.patch(f"{server.url}/api/v1/admin/sites/1", json={"ticker_text": ""}, timeout=30)
    assert answer.status_code == 200, answer.text
    qtbot.waitUntil(lambda: not view.ticker.isVisible(), timeout=10_000)


def _call(ticket_id: int, number: str, counter: int) -> Call:
    return Call(ticket_id, number, counter, f"Quầy {counter}", "Hộ tịch", "Civil status", 1, None)


@pytest.mark.parametrize("english", [True, False], ids=["vien", "vi"])
def test_the_recent_calls_column_is_quiet_before_the_first_call(
    qtbot, screenshots: Path, english: bool
) -> None:
    view = HallView(english=english)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(100)  # the layout after the scale's style sheet
    # No call yet: one quiet line, no empty boxes, no column heads over nothing.
    assert view.recent_empty.isVisible()
    assert view.recent_empty.text() == (
        "Chưa có lượt gọi · No calls yet" if english else "Chưa có lượt gọi"
    )
    assert not any(row.isVisible() for row in view.recent_rows)
    assert not view.recent_head.isVisible()
    assert unreadable(view) == []
    view.grab().save(str(screenshots / f"hall-no-calls-{'vien' if english else 'vi'}.png"))
    # The first call takes the big card: the column stays empty, without the line.
    first = _call(1, "A001", 3)
    view.show_calls([first])
    assert not view.recent_empty.isVisible()
    assert not any(row.isVisible() for row in view.recent_rows)
    # The second: the first goes to the column, one row, under its heads.
    view.show_calls([_call(2, "A002", 4), first])
    qtbot.wait(50)
    assert [row.isVisible() for row in view.recent_rows][:2] == [True, False]
    assert view.recent_rows[0].number.text() == "A001" and view.recent_head.isVisible()
    assert unreadable(view) == []
