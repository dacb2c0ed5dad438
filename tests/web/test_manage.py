"""The managers' pages in headless Chromium against the production server: the log-in, the
live dashboard updated over Socket.IO when a ticket is called, two report pages with their
tables and charts, an officer turned away, and nothing requested from outside the server.

Uses the demo centre's service SNV-VL and counter 17, and officers of its own (the demo's
are the other web tests').
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from playwright.sync_api import expect

from tests.server.live import OFFICER_PASSWORD
from tests.web.conftest import HTTP_TIMEOUT, Centre

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERVICE = "SNV-VL"
COUNTER = 17
OFFICER = "bc-canbo"
REFUSED = "bc-canbo2"


def _log_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    expect(page.locator("#login")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login button[type=submit]")


def _officer(centre: Centre, username: str) -> str:
    """A bearer token of one of this module's officers (added on first use)."""
    if username not in centre.officers:
        centre.server.add_officers([username])
        centre.officers[username] = centre.server.login(username, OFFICER_PASSWORD)
    return centre.officers[username]


def _post(centre: Centre, path: str) -> dict[str, Any]:
    answer = requests.post(
        centre.url + path,
        json={},
        headers={"Authorization": f"Bearer {_officer(centre, OFFICER)}"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _small_copy(source: Path, name: str) -> None:
    """A README screenshot in docs/screenshots, kept small (64 colours), when
    HANGDOI_UPDATE_SCREENSHOTS=1 (as conftest.copy_to_docs)."""
    if os.environ.get("HANGDOI_UPDATE_SCREENSHOTS") != "1":
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=64).save(DOCS / name, optimize=True)


def test_dashboard_updates_live_and_reports_show(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    manager = visit(1280, 900)
    page = manager.page
    _log_in(page, centre.url + "/manage", "lanhdao", "lanhdao123")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    row = page.locator(f"#counters tr[data-counter='{COUNTER}']")
    expect(row).to_be_visible()

    # A ticket is issued, its counter opens and calls it: the page follows without a reload.
    ticket = centre.issue(SERVICE)
    service_id = centre.services[SERVICE]["id"]
    waiting = page.locator(f"#services tr[data-service-id='{service_id}'] .waiting")
    expect(waiting).to_have_text("1")
    _officer(centre, OFFICER)
    centre.open_counter(OFFICER, COUNTER)
    expect(row.locator("td").nth(1)).to_have_text("Đang mở")
    updates = page.evaluate("window.hangdoiDashboardUpdates")
    called = centre.call_next(OFFICER, COUNTER)
    assert called["number"] == ticket["number"]
    expect(row.locator(".current")).to_have_text(ticket["number"])
    expect(waiting).to_have_text("0")
    assert page.evaluate("window.hangdoiDashboardUpdates") > updates
    shot = manager.screenshot("manage-dashboard")
    _small_copy(shot, "manage-dashboard.png")

    # Served: the summary of today counts it, and the hours page shows its slot.
    _post(centre, f"/api/v1/counters/{COUNTER}/start")
    _post(centre, f"/api/v1/counters/{COUNTER}/finish")
    expect(page.locator(f"#services tr[data-service-id='{service_id}'] .served")).to_have_text("1")

    page.goto(centre.url + "/manage/reports/summary")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    summary = page.locator("table[data-sheet='summary']")
    expect(summary.locator("tbody tr").first).to_contain_text("Tất cả")
    done = summary.locator("tbody tr").first.locator("td[data-key='done']")
    assert int(done.inner_text()) >= 1
    page.select_option("#f-service", str(service_id))
    page.click("#filters button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-loaded", "2")
    expect(summary.locator("tbody tr").first.locator("td[data-key='done']")).to_have_text("1")
    expect(page.locator("#chart")).to_be_visible()
    xlsx = page.locator("#export-xlsx").get_attribute("href")
    assert xlsx is not None and "format=xlsx" in xlsx and f"service_id={service_id}" in xlsx
    shot = manager.screenshot("manage-report-summary")
    _small_copy(shot, "manage-report-summary.png")

    page.goto(centre.url + "/manage/reports/hours")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    expect(page.locator("table[data-sheet='slots'] tbody tr").first).to_be_visible()
    expect(page.locator("table[data-sheet='heatmap'] tbody tr").first).to_be_visible()
    manager.screenshot("manage-report-hours")
    manager.assert_loopback(centre.url)
    _post(centre, f"/api/v1/counters/{COUNTER}/close")


def test_officer_is_turned_away(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    token = _officer(centre, REFUSED)
    officer = visit(900, 600)
    _log_in(officer.page, centre.url + "/manage", REFUSED, OFFICER_PASSWORD)
    expect(officer.page.locator("h1")).to_contain_text("Không được phép")
    answer = requests.get(
        centre.url + "/api/v1/reports/summary",
        headers={"Authorization": f"Bearer {token}"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 403
    officer.screenshot("manage-officer-refused")


def test_province_manager_sees_every_site_then_one(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    centre.server.command(
        "create-user",
        "--username",
        "tinh",
        "--full-name",
        "Lãnh đạo tỉnh",
        "--role",
        "manager",
        "--password",
        "tinh12345",
    )
    province = visit(1280, 700)
    page = province.page
    _log_in(page, centre.url + "/manage", "tinh", "tinh12345")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    expect(page.locator("#site-name")).to_contain_text("Bắc Ninh")
    page.select_option("#site", "all")
    expect(page.locator("#all-sites")).to_be_visible()
    expect(page.locator("#sites tbody tr").first).to_contain_text("Bắc Ninh")
    province.screenshot("manage-province-all-sites")
    page.select_option("#site", "1")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    expect(page.locator("#one-site")).to_be_visible()
    province.assert_loopback(centre.url)
