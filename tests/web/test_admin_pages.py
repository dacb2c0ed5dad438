"""The administration pages in real headless Chromium, against the production server
started on an empty database: a province-wide administrator signs in, creates a site, a
department, a number series, two services, a counter, an officer and a kiosk through the
pages; the kiosk's credential then issues a ticket for a new service and the officer
calls it at the new counter, without a restart of the server; a kiosk that stays connected
hears each change (catalog.changed). Then the audit log page, the import page and a
password change; nothing is requested from outside the server.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from playwright.sync_api import expect

from contract import events as ev
from tests.server.live import LiveServer
from tests.web.conftest import HTTP_TIMEOUT, OUTPUT

ADMIN_PASSWORD = "quan-tri-123"
SHOTS = OUTPUT / "admin"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The production server on a migrated, empty database with one province-wide admin."""
    server = LiveServer(tmp_path_factory.mktemp("admin-web") / "instance")
    server.command("upgrade")
    server.command(
        "create-user",
        "--username",
        "quantri",
        "--full-name",
        "Quản trị tỉnh",
        "--role",
        "admin",
        "--password",
        ADMIN_PASSWORD,
    )
    try:
        server.start()
        yield server
    finally:
        server.kill()


def _shot(visit: Any, name: str, docs: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if docs and os.environ.get("HANGDOI_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(DOCS / f"admin-{name}.png"))


def _sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url + "/admin/sites")
    expect(page).to_have_url(f"{url}/admin/login?next=/admin/sites")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    expect(page.locator("h1")).to_contain_text("Điểm phục vụ")


def _ok(page: Any) -> None:
    expect(page.locator("#ok")).to_be_visible()
    expect(page.locator("#error")).to_be_hidden()


class KioskListener:
    """A kiosk's Socket.IO connection that records the catalog.changed it hears."""

    def __init__(self, url: str, token: str) -> None:
        self.changes: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on(ev.CATALOG_CHANGED, lambda envelope: self.changes.append(envelope["data"]))
        self.client.on(ev.READY, lambda data: self.ready.set())
        self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
        assert self.ready.wait(10)


def test_a_centre_is_set_up_in_the_browser_and_serves_at_once(
    empty_server: LiveServer, visit: Any
) -> None:
    url = empty_server.url
    admin = visit(1280, 900)
    page = admin.page
    _sign_in(page, url, "quantri", ADMIN_PASSWORD)
    expect(page.locator("#content")).to_contain_text("Danh sách")

    # A site, with opening hours that have a lunch break.
    page.fill("#f-code", "XA-HOA-AN")
    page.fill("#f-name_vi", "Trung tâm Phục vụ hành chính công xã Hoà An")
    page.fill("#f-address", "Thôn 1, xã Hoà An")
    page.uncheck("#f-hours-always")
    for day in ("mon", "tue", "wed", "thu", "fri"):
        for span, (start, end) in enumerate([("07:00", "11:30"), ("13:30", "17:00")]):
            page.fill(f'input[data-day="{day}"][data-span="{span}"][data-end="0"]', start)
            page.fill(f'input[data-day="{day}"][data-span="{span}"][data-end="1"]', end)
    page.fill("#f-ticker_text", "Chào mừng công dân đến Trung tâm")
    _shot(admin, "site-form")
    page.click("#create")
    expect(page).to_have_url(f"{url}/admin/departments?site=1")  # on to the new site's departments
    site = requests.get(
        url + "/api/v1/admin/sites/1", cookies=_cookies(admin), timeout=HTTP_TIMEOUT
    ).json()
    # The site is open around the clock for the test: its hours were checked as saved.
    assert site["opening_hours"]["mon"] == [["07:00", "11:30"], ["13:30", "17:00"]]
    _patch(admin, url, "/api/v1/admin/sites/1", {"opening_hours": None})

    # A department: a wrong form is refused naming the field, in both languages.
    page.fill("#f-code", "tư pháp")
    page.fill("#f-name_vi", "Tư pháp – Hộ tịch")
    page.click("#create")
    expect(page.locator("#error")).to_contain_text("code")
    expect(page.locator('.field[data-name="code"]')).to_have_class("field field-text invalid")
    page.fill("#f-code", "TP")
    page.fill("#f-name_en", "Justice")
    page.click("#create")
    _ok(page)
    expect(page.locator("#list tbody tr")).to_have_count(1)

    # A number series.
    page.click("#nav-series")
    page.fill("#f-code", "A")
    page.fill("#f-format", "A{n:03d}")
    page.click("#create")
    _ok(page)
    expect(page.locator("#list")).to_contain_text("A001")

    # A kiosk registered through the pages: its token shown once; it connects and listens.
    page.click("#nav-devices")
    page.select_option("#f-kind", "kiosk")
    page.fill("#f-name", "Kiosk sảnh chính")
    page.click("#create")
    token = page.locator("#device-token").inner_text().strip()
    assert token.startswith("hdd_")
    _shot(admin, "device-token")
    kiosk = KioskListener(url, token)
    try:
        # Two services.
        page.click("#nav-services")
        for count, (code, name) in enumerate(
            [("KS", "Đăng ký khai sinh"), ("KH", "Đăng ký kết hôn")], 1
        ):
            page.fill("#f-code", code)
            page.fill("#f-name_vi", name)
            page.select_option("#f-department_id", label="TP · Tư pháp – Hộ tịch")
            page.select_option("#f-series_id", label="A (A001)")
            page.click("#create")
            _ok(page)
            expect(page.locator("#list tbody tr")).to_have_count(count)
        _shot(admin, "services", docs=True)

        # A counter serving both, the second service first.
        page.click("#nav-counters")
        page.fill("#f-number", "1")
        page.fill("#f-name_vi", "Quầy số 1")
        page.select_option("#f-service_ids-add", label="KH · Đăng ký kết hôn")
        page.click("#f-service_ids-add-button")
        page.select_option("#f-service_ids-add", label="KS · Đăng ký khai sinh")
        page.click("#f-service_ids-add-button")
        page.click("#create")
        _ok(page)
        expect(page.locator('#list td[data-column="service_ids"]')).to_have_text("KH, KS")
        _shot(admin, "counters", docs=True)

        # An officer who may open that counter.
        page.click("#nav-users")
        page.fill("#f-username", "canbo-hoaan")
        page.fill("#f-password", "can-bo-123")
        page.fill("#f-full_name", "Trần Thị Bình")
        page.select_option("#f-role", "officer")
        page.select_option("#f-site_id", "1")
        page.check('#f-counter_ids input[value="1"]')
        page.click("#create")
        _ok(page)

        # The kiosk heard every change, and sees the new services without a restart.
        _wait_for(lambda: {"service", "counter"} <= {k for c in kiosk.changes for k in c["kinds"]})
        assert len(kiosk.changes) == 3, kiosk.changes  # KS, KH, the counter
        auth = {"Authorization": f"Bearer {token}"}
        offered = requests.get(
            url + "/api/v1/sites/1/services", headers=auth, timeout=HTTP_TIMEOUT
        ).json()
        assert [s["code"] for s in offered] == ["KS", "KH"]
        ticket = requests.post(
            url + "/api/v1/tickets",
            headers=auth,
            json={"service_id": offered[0]["id"]},
            timeout=HTTP_TIMEOUT,
        ).json()
        assert ticket["number"] == "A001" and ticket["serving_counters"] == [1]
    finally:
        kiosk.client.disconnect()

    officer = empty_server.login("canbo-hoaan", "can-bo-123")
    headers = {"Authorization": f"Bearer {officer}"}
    assert (
        requests.post(
            url + "/api/v1/counters/1/open", headers=headers, timeout=HTTP_TIMEOUT
        ).status_code
        == 200
    )
    called = requests.post(
        url + "/api/v1/counters/1/call-next", headers=headers, timeout=HTTP_TIMEOUT
    ).json()
    assert called["ticket"]["id"] == ticket["id"] and called["ticket"]["counter"]["number"] == 1

    # An open counter cannot be deactivated: said in both languages.
    page.click("#nav-counters")
    page.click('#list button[data-action="deactivate"]')
    expect(page.locator("#error")).to_contain_text("Quầy số 1 đang mở")
    expect(page.locator("#error")).to_contain_text("Counter 1 is open")

    # The audit log: every change, filtered by object.
    page.click("#nav-audit")
    # The admin (made on the command line), the site and its edit, TP, A, the kiosk, KS,
    # KH, the counter, the officer.
    expect(page.locator("#audit-rows tbody tr")).to_have_count(10)
    _shot(admin, "audit", docs=True)
    page.select_option("#f-object_type", "service")
    page.click("#audit-apply")
    expect(page.locator("#audit-rows tbody tr")).to_have_count(2)
    expect(page.locator("#audit-rows")).to_contain_text("Quản trị tỉnh")
    page.select_option("#f-object_type", "site")
    page.click("#audit-apply")
    expect(page.locator("#audit-rows")).to_contain_text("opening_hours")
    _shot(admin, "audit-site")
    admin.assert_loopback(url)


def test_the_import_page_previews_and_writes_all_or_nothing(
    empty_server: LiveServer, visit: Any, tmp_path: Path
) -> None:
    admin = visit(1280, 900)
    page = admin.page
    _sign_in(page, empty_server.url, "quantri", ADMIN_PASSWORD)
    page.goto(empty_server.url + "/admin/import?site=1")
    with page.expect_download() as download:
        page.click("#template-csv")
    template = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert template.startswith("kind,code,name_vi")
    bad = tmp_path / "sai.csv"
    bad.write_text(
        "kind,code,name_vi,department,series\nservice,CT,Chứng thực,TP,A\nservice,,Không mã,TP,ZZ\n",
        encoding="utf-8",
    )
    page.set_input_files("#import-file", str(bad))
    page.click("#import-apply")
    expect(page.locator("#error")).to_contain_text("chưa ghi gì")
    expect(page.locator("#import-rows tr.bad")).to_have_count(1)
    expect(page.locator("#import-rows tr.bad")).to_contain_text("series")
    _shot(admin, "import-errors")
    good = tmp_path / "dung.csv"
    good.write_text(
        "kind,code,name_vi,department,series,number,services\nservice,CT,Chứng thực,TP,A,,\ncounter,,Quầy số 2,,,2,CT\n",
        encoding="utf-8",
    )
    page.set_input_files("#import-file", str(good))
    page.click("#import-preview")
    expect(page.locator("#ok")).to_contain_text("Tệp hợp lệ")
    page.click("#import-apply")
    expect(page.locator("#ok")).to_contain_text("1 dịch vụ, 1 quầy mới")
    admin.assert_loopback(empty_server.url)


def test_the_announcement_is_edited_in_the_site_page(empty_server: LiveServer, visit: Any) -> None:
    """The site's wording and dialect (the voice's settings) through the edit form: a wrong
    wording is refused naming its field, in both languages; a right one is saved, audited."""
    url = empty_server.url
    admin = visit(1280, 900)
    page = admin.page
    _sign_in(page, url, "quantri", ADMIN_PASSWORD)
    page.click('#list tr[data-id="1"] button[data-action="edit"]')
    edit = page.locator("#edit-form")  # the province's page also has the form of a new site
    template = edit.locator("#f-voice-template_vi")
    expect(template).to_have_value("Mời công dân có số thứ tự {number} đến quầy số {counter}")
    expect(edit.locator("#f-voice-dialect")).to_have_value("north")
    template.fill("Mời quầy {counter}")
    page.click("#save")
    expect(page.locator("#error")).to_contain_text("voice.template_vi: Câu thông báo phải có")
    expect(page.locator("#error")).to_contain_text("must contain {number}")
    expect(edit.locator('.field[data-name="voice.template_vi"]')).to_have_class(
        "field field-text invalid"
    )
    _shot(admin, "site-voice-refused")
    template.fill("Xin mời số {number} tới quầy {counter}")
    edit.locator("#f-voice-dialect").select_option("south")
    page.click("#save")
    _ok(page)
    voice = requests.get(
        url + "/api/v1/admin/sites/1", cookies=_cookies(admin), timeout=HTTP_TIMEOUT
    ).json()["voice"]
    assert (voice["template_vi"], voice["dialect"], voice["repeat"]) == (
        "Xin mời số {number} tới quầy {counter}",
        "south",
        1,
    )
    page.click("#nav-audit")
    page.select_option("#f-object_type", "site")
    page.click("#audit-apply")
    expect(page.locator("#audit-rows")).to_contain_text("voice_dialect")
    _shot(admin, "site-voice-audit")
    admin.assert_loopback(url)


def test_an_officer_changes_their_own_password_and_signs_out(
    empty_server: LiveServer, visit: Any
) -> None:
    empty_server.add_officers(["canbo-doimk"])
    user = visit(1000, 700)
    page = user.page
    page.goto(empty_server.url + "/admin/password")
    page.fill("#username", "canbo-doimk")
    page.fill("#password", "secret123")
    page.click("#login-submit")
    expect(page).to_have_url(empty_server.url + "/admin/password")
    page.goto(empty_server.url + "/admin/services")
    expect(page.locator("#content")).to_contain_text("Chỉ quản trị viên")  # not an admin's pages
    page.goto(empty_server.url + "/admin/password")
    page.fill("#f-old_password", "wrong-one")
    page.fill("#f-new_password", "mat-khau-moi")
    page.fill("#f-confirm", "mat-khau-moi")
    page.click("#password-submit")
    expect(page.locator("#error")).to_contain_text("The current password is wrong")
    page.fill("#f-old_password", "secret123")
    page.click("#password-submit")
    expect(page).to_have_url(empty_server.url + "/admin/login?ended=1")
    # The old session is over; the new password signs in, and sign-out ends it.
    page.goto(empty_server.url + "/admin/password")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", "canbo-doimk")
    page.fill("#password", "mat-khau-moi")
    page.click("#login-submit")
    expect(page).to_have_url(empty_server.url + "/admin/password")
    page.click("#logout")
    expect(page).to_have_url(empty_server.url + "/admin/login?ended=1")
    page.goto(empty_server.url + "/admin/password")
    expect(page.locator("#login-form")).to_be_visible()
    user.assert_loopback(empty_server.url)


# --------------------------------------------------------------------------- helpers


def _cookies(visit: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in visit.context.cookies()}


def _patch(visit: Any, url: str, path: str, body: dict[str, Any]) -> None:
    answer = requests.patch(url + path, json=body, cookies=_cookies(visit), timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def _wait_for(condition: Any, timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    assert condition()
