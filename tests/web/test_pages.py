"""The phone tracking page and the web hall display in real headless Chromium, against the
production server: calls made through the REST API appear on the pages, live and after a
lost connection, and nothing is requested from outside the server.

Each test uses its own services and counters of the demo centre, so they share one server.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import requests
from playwright.sync_api import expect

from server import demo_data
from tests.web.conftest import Centre, copy_to_docs

STATIC = Path(__file__).resolve().parents[2] / "server"


def _wait_live(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("#live")).to_have_attribute("data-status", "live")


# --------------------------------------------------------------------------- phone page


def test_phone_page_follows_the_ticket_until_it_is_called(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    first = centre.issue("SXD-GPXD")
    mine = centre.issue("SXD-GPXD")
    phone = visit(360, 740, scale=2, mobile=True)
    page = phone.page
    page.goto(mine["tracking_url"])
    expect(page.locator("#number")).to_have_text(mine["number"])
    expect(page.locator("#service")).to_have_text(mine["service"]["name_vi"])
    expect(page.locator("#status-waiting")).to_contain_text("1 người đang chờ trước bạn")
    # The wait as the range the server sent (contract/waits.py), never a bare figure.
    expect(page.locator("#wait")).to_have_text(
        re.compile(r"^Thời gian chờ dự kiến: (khoảng \d+–\d+|dưới \d+) phút$")
    )
    _wait_live(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    # A ticket ahead is called: the count drops without a reload.
    centre.open_counter("canbo01", 14)
    assert centre.call_next("canbo01", 14)["number"] == first["number"]
    expect(page.locator("#status-waiting")).to_contain_text("Bạn là người tiếp theo")
    phone.screenshot("phone-next")

    # This ticket is called: shown from the pushed event, with a chime.
    centre.no_show("canbo01", 14)
    assert centre.call_next("canbo01", 14)["number"] == mine["number"]
    expect(page.locator("#status-called")).to_have_text(re.compile(r"Mời bạn đến quầy số 14"))
    expect(page.locator("#app")).to_have_attribute("data-state", "called")
    assert page.evaluate("window.hangdoiChimes") >= 1
    assert page.locator("#cancel").is_hidden()
    phone.screenshot("phone-called")

    # A no-show is said clearly.
    centre.no_show("canbo01", 14)
    expect(page.locator("#status-other")).to_contain_text("Bạn đã vắng mặt khi được gọi")
    phone.assert_loopback(centre.url)


def test_phone_page_cancel_with_confirmation_and_english(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    ticket = centre.issue("SXD-CCHN")
    phone = visit(360, 740, scale=2, mobile=True)
    page = phone.page
    page.goto(ticket["tracking_url"])
    _wait_live(page)

    page.locator("#lang").click()
    expect(page.locator("#status-waiting")).to_contain_text(
        re.compile(r"You are next|people ahead|person ahead")
    )
    expect(page.locator("#cancel")).to_have_text("Cancel ticket")
    page.locator("#lang").click()
    expect(page.locator("#cancel")).to_have_text("Huỷ số")

    page.locator("#cancel").click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text(f"huỷ số {ticket['number']}")
    page.locator("#confirm-no").click()  # changed their mind
    expect(page.locator("#confirm")).to_be_hidden()
    expect(page.locator("#app")).to_have_attribute("data-state", "waiting")

    page.locator("#cancel").click()
    page.locator("#confirm-yes").click()
    expect(page.locator("#status-other")).to_contain_text("Số này đã được huỷ")
    answer = requests.get(
        f"{centre.url}/api/v1/track/{ticket['tracking_url'].rsplit('/', 1)[1]}", timeout=30
    )
    assert answer.json()["state"] == "cancelled"
    phone.screenshot("phone-cancelled")
    phone.assert_loopback(centre.url)


def test_unknown_token_is_a_friendly_404_page(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    phone = visit(360, 740, scale=2, mobile=True)
    response = phone.page.goto(centre.url + "/t/no-such-ticket")
    assert response is not None and response.status == 404
    assert "text/html" in response.headers["content-type"]
    expect(phone.page.locator("h1")).to_have_text("Không tìm thấy số thứ tự này")
    expect(phone.page.locator("main")).to_contain_text("We could not find this ticket.")
    phone.screenshot("phone-not-found")
    phone.assert_loopback(centre.url)


def test_phone_page_reconnects_and_shows_the_call_it_missed(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    first = centre.issue("SYT-GPHN")
    mine = centre.issue("SYT-GPHN")
    phone = visit(360, 740, scale=2, mobile=True)
    page = phone.page
    page.goto(mine["tracking_url"])
    _wait_live(page)

    phone.context.set_offline(True)
    page.evaluate(
        "window.hangdoiTrack.connection.socket.io.engine.close()"
    )  # the network drops the socket
    expect(page.locator("#live")).to_have_attribute("data-status", "offline")
    centre.open_counter("canbo03", 19)
    assert centre.call_next("canbo03", 19)["number"] == first["number"]
    centre.no_show("canbo03", 19)
    assert centre.call_next("canbo03", 19)["number"] == mine["number"]
    expect(page.locator("#app")).to_have_attribute("data-state", "waiting")  # it cannot know yet

    phone.context.set_offline(False)
    expect(page.locator("#status-called")).to_contain_text("Mời bạn đến quầy số 19")
    _wait_live(page)
    assert page.evaluate("window.hangdoiChimes") >= 1  # rung once the missed events arrived
    phone.screenshot("phone-reconnected")
    phone.assert_loopback(centre.url)


# --------------------------------------------------------------------------- hall display


def test_display_shows_a_call_big_with_its_counter_and_the_waiting_counts(
    centre: Centre, visit
) -> None:  # type: ignore[no-untyped-def]
    service = centre.services["BHXH-THE"]
    tickets = [centre.issue("BHXH-THE") for _ in range(3)]
    tv = visit(1920, 1080)
    page = tv.page
    page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-1')}")
    _wait_live(page)
    count = page.locator(f'#waiting li[data-service-id="{service["id"]}"] .waiting-count')
    expect(count).to_have_text("3")
    expect(page.locator(f'#waiting li[data-service-id="{service["id"]}"]')).to_contain_text(
        service["name_vi"]
    )
    # What a newcomer to that queue would wait (queue.changed / the snapshot's queues).
    expect(
        page.locator(f'#waiting li[data-service-id="{service["id"]}"] .waiting-eta')
    ).to_have_text(re.compile(r"^Chờ (khoảng \d+–\d+|dưới \d+) phút$"))
    expect(page.locator("#clock-time")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))

    centre.open_counter("canbo02", 8)
    called = centre.call_next("canbo02", 8)
    assert called["number"] == tickets[0]["number"]
    expect(page.locator("#now-number")).to_have_text(called["number"])
    expect(page.locator("#now-counter")).to_have_text("8")
    expect(page.locator("#now")).to_have_class(re.compile(r"\bblink\b"))
    expect(count).to_have_text("2")
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('now-number')).fontSize)"
    )
    assert size >= 180, f"the newest number is {size}px high"
    # The call sounds: the server's announcement plays, or (the browser refusing sound
    # before a tap) the page's chime rings (tests/web/test_display_voice.py hears it play).
    page.wait_for_function(
        "() => window.hangdoiChimes >= 1 || window.hangdoiDisplay.announcing()"
        " || window.hangdoiDisplay.played().length > 0"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    tv.screenshot("display-call")

    # The next call takes the big place; the previous one goes to the recent list.
    centre.no_show("canbo02", 8)
    second = centre.call_next("canbo02", 8)
    expect(page.locator("#now-number")).to_have_text(second["number"])
    expect(page.locator("#recent li").first).to_contain_text(called["number"])
    expect(count).to_have_text("1")
    tv.assert_loopback(centre.url)


def test_display_reconnects_and_shows_the_latest_call(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    tickets = [centre.issue("SNNMT-DKDD") for _ in range(3)]
    tv = visit(1920, 1080)
    page = tv.page
    page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-1')}")
    _wait_live(page)

    tv.context.set_offline(True)
    page.evaluate("window.hangdoiDisplay.connection.socket.io.engine.close()")
    expect(page.locator("#live")).to_have_attribute("data-status", "offline")
    centre.open_counter("canbo04", 6)
    for index, ticket in enumerate(tickets):
        if index:
            centre.no_show("canbo04", 6)
        assert centre.call_next("canbo04", 6)["number"] == ticket["number"]

    tv.context.set_offline(False)
    expect(page.locator("#now-number")).to_have_text(tickets[2]["number"])
    expect(page.locator("#now-counter")).to_have_text("6")
    _wait_live(page)
    recent = page.locator("#recent li .recent-number")
    expect(recent.nth(0)).to_have_text(tickets[1]["number"])
    expect(recent.nth(1)).to_have_text(tickets[0]["number"])
    tv.screenshot("display-reconnected")
    tv.assert_loopback(centre.url)


def test_display_without_a_valid_token_shows_the_pairing_form(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    tv = visit(1280, 720)
    page = tv.page
    response = page.goto(centre.url + "/display")
    assert response is not None and response.status == 200
    expect(page.locator("form input[name=token]")).to_be_visible()
    response = page.goto(
        f"{centre.url}/display?token={centre.device_token('kiosk')}"
    )  # not a display's
    assert response is not None and response.status == 403
    expect(page.locator(".error")).to_contain_text("không hợp lệ")
    page.locator("#token").fill(centre.device_token("display", "tang-2"))
    page.locator("form button").click()
    _wait_live(page)
    expect(page.locator(".hall-zone")).to_have_text("Màn hình sảnh tầng 2")
    tv.screenshot("display-paired")
    tv.assert_loopback(centre.url)


# Each page of the waiting list stays 6 s (display.js PAGE_MS): wait for two turns at most.
PAGE_TURN_MS = 2 * 6_000 + 3_000
# Every row's box, and whether it shows whole inside the window and the list's own box.
_ROWS_ON_SCREEN = """() => {
  const list = document.getElementById("waiting").getBoundingClientRect();
  return Array.from(document.querySelectorAll("#waiting li")).filter((li) => {
    if (li.hidden || li.offsetParent === null) return false;
    const box = li.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
      && box.right <= window.innerWidth && box.top >= list.top - 0.5 && box.bottom <= list.bottom + 0.5;
  }).map((li) => li.getAttribute("data-service-id"));
}"""


def test_display_pages_through_every_waiting_service(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    """The demo's second floor has more services than a 1080p column holds: every one of
    them comes on screen, whole, a page at a time, with the page shown."""
    zone_counters = {row["number"] for row in demo_data.COUNTERS if row["zone"] == "tang-2"}
    expected = {
        str(row["id"]) for row in centre.services.values() if zone_counters & set(row["counters"])
    }
    tv = visit(1920, 1080)
    page = tv.page
    page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-2')}")
    _wait_live(page)
    rows = page.locator("#waiting li")
    expect(rows).to_have_count(len(expected))
    assert {rows.nth(i).get_attribute("data-service-id") for i in range(len(expected))} == expected

    waiting = page.locator("#waiting")
    pages = int(waiting.get_attribute("data-pages") or 0)
    assert pages >= 2, f"{len(expected)} services fit on one page: this test needs more"
    seen: set[str] = set()
    for number in range(1, pages + 1):
        expect(waiting).to_have_attribute("data-page", str(number), timeout=PAGE_TURN_MS)
        expect(page.locator("#waiting-page")).to_be_visible()
        expect(page.locator("#waiting-page")).to_have_text(
            f"Trang {number}/{pages} · Page {number}/{pages}"
        )
        on_screen = page.evaluate(_ROWS_ON_SCREEN)
        assert on_screen, f"page {number} shows no row"
        seen.update(on_screen)
        tv.screenshot(f"display-waiting-page-{number}")
    assert seen == expected, f"never shown: {sorted(expected - seen)}"
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    tv.assert_loopback(centre.url)


def test_display_shows_one_page_without_a_page_number_when_all_fit(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    tv = visit(1920, 1080)
    page = tv.page
    page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-1')}")
    _wait_live(page)
    expect(page.locator("#waiting li").first).to_be_visible()
    tv.screenshot("display-waiting-one-page")
    expect(page.locator("#waiting")).to_have_attribute("data-pages", "1")
    expect(page.locator("#waiting-page")).to_be_hidden()
    assert len(page.evaluate(_ROWS_ON_SCREEN)) == page.locator("#waiting li").count()


# --------------------------------------------------------------------------- both


def test_no_request_leaves_the_loopback_server(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    ticket = centre.issue("STC-DKDN")
    phone = visit(390, 844, scale=1, mobile=True)
    phone.page.goto(ticket["tracking_url"])
    _wait_live(phone.page)
    tv = visit(1920, 1080)
    tv.page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-2')}")
    _wait_live(tv.page)
    centre.open_counter("canbo05", 11)
    centre.call_next("canbo05", 11)
    expect(tv.page.locator("#now-number")).to_have_text(ticket["number"])
    expect(phone.page.locator("#status-called")).to_contain_text("quầy số 11")
    for item in (phone, tv):
        assert all(url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")) for url in item.urls), (
            item.urls
        )
        assert any("/socket.io/" in url for url in item.urls)
        item.assert_loopback(centre.url)


def test_page_text_is_nfc() -> None:
    for path in [
        *STATIC.glob("templates/*.html"),
        *STATIC.glob("static/*.js"),
        *STATIC.glob("static/*.css"),
    ]:
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), f"{path} is not NFC"


def test_readme_screenshots(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    """The pictures of README: a phone with people ahead, and a busy hall display."""
    for code, count in (
        ("STP-HT", 2),
        ("STP-QT", 1),
        ("CA-HC", 4),
        ("CA-GPLX", 3),
        ("BHXH-SO", 2),
        ("TTPV-TKQ", 5),
        ("THUE-TB", 1),
    ):
        for _ in range(count):
            centre.issue(code)
    mine = centre.issue("CA-HC")
    tv = visit(1920, 1080)
    tv.page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-1')}")
    _wait_live(tv.page)
    tv.page.locator("#sound").click()  # a person taps once so the TV may play sound
    expect(tv.page.locator("#sound")).to_be_hidden()
    for username, counter in (("canbo06", 1), ("canbo07", 9), ("canbo08", 5)):
        centre.open_counter(username, counter)
    busy: set[int] = set()
    for username, counter in (
        ("canbo07", 9),
        ("canbo06", 1),
        ("canbo07", 9),
        ("canbo06", 1),
        ("canbo08", 5),
    ):
        if counter in busy:
            centre.no_show(username, counter)  # the previous visitor did not come: call on
        busy.add(counter)
        called = centre.call_next(username, counter)
        expect(tv.page.locator("#now-number")).to_have_text(called["number"])
    expect(tv.page.locator("#now-number")).to_have_text(called["number"])
    tv.page.evaluate("document.getElementById('now').classList.remove('blink')")  # a still picture
    copy_to_docs(tv.screenshot("hall-display"), "hall-display.png")

    phone = visit(390, 844, scale=1, mobile=True)
    phone.page.goto(mine["tracking_url"])
    _wait_live(phone.page)
    token = mine["tracking_url"].rsplit("/", 1)[1]
    ahead = requests.get(f"{centre.url}/api/v1/track/{token}", timeout=30).json()["people_ahead"]
    assert ahead > 0
    expect(phone.page.locator("#ahead")).to_have_text(str(ahead))
    copy_to_docs(phone.screenshot("phone-tracking"), "phone-tracking.png")
    tv.assert_loopback(centre.url)
    phone.assert_loopback(centre.url)
