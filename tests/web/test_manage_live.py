"""The live dashboard's devices and the province table in headless Chromium against the
production server: a kiosk's health report (through the REST route) changes its row at
once, without a refetch; a province-wide manager's table of every site moves when a
ticket is issued in a site, through site.today, with no polling."""

from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import expect

from tests.web.conftest import HTTP_TIMEOUT, OUTPUT, Centre
from tests.web.test_manage import _log_in, _small_copy

SERVICE = "SCT-RUOU"  # a service no other web test counts


def _report(centre: Centre, **state: Any) -> dict[str, Any]:
    answer = requests.post(
        centre.url + "/api/v1/devices/health",
        json={"app_version": "2.1.0", **state},
        headers={"Authorization": f"Bearer {centre.device_token('kiosk')}"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_kiosks_health_report_changes_its_row_live(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    kiosk = _report(centre, printer_state="ready")
    manager = visit(1280, 1300)
    page = manager.page
    _log_in(page, centre.url + "/manage", "lanhdao", "lanhdao123")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    row = page.locator(f"#devices tr[data-device-id='{kiosk['device_id']}']")
    expect(row).to_have_attribute("data-status", "online")
    expect(row.locator(".printer")).to_have_text("Sẵn sàng")
    expect(row.locator(".reported")).not_to_have_text("–")
    # The page reads the figures once as it opens and once more when its connection is
    # ready (what happened between the two is not missed): both are done before counting.
    # (wait_for_function would poll by eval, which the page's CSP refuses.)
    for _ in range(200):
        if page.evaluate("window.hangdoiDashboardUpdates") >= 2:
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError("the dashboard did not read its figures again once connected")
    refetches = page.evaluate("window.hangdoiDashboardUpdates")

    _report(
        centre,
        printer_state="paper_out",
        paper_low=True,
        paper_out=True,
        last_error="Máy in hết giấy",
    )
    expect(row.locator(".printer")).to_have_text("Hết giấy")
    expect(row.locator(".error-text")).to_have_text("Máy in hết giấy")
    expect(row).to_have_attribute("data-status", "online")
    assert page.evaluate("window.hangdoiDeviceUpdates") >= 1
    # The event's own data changed the row: the figures were not read again for it.
    assert page.evaluate("window.hangdoiDashboardUpdates") == refetches
    row.scroll_into_view_if_needed()
    manager.screenshot("manage-device-paper-out")
    card = OUTPUT / "manage-devices.png"  # the devices' card alone, for README
    page.locator("section.m-card", has=page.locator("#devices")).screenshot(path=str(card))
    _small_copy(card, "manage-devices.png")

    # The kiosk says it cannot serve: offline at once.
    _report(centre, printer_state="paper_out", paper_out=True, online=False)
    expect(row).to_have_attribute("data-status", "offline")
    expect(row.locator(".device-status")).to_contain_text("Ngoại tuyến")
    _report(centre, printer_state="ready")
    expect(row).to_have_attribute("data-status", "online")
    manager.screenshot("manage-device-back-online")
    manager.assert_loopback(centre.url)


def test_the_province_table_moves_when_a_site_issues_a_ticket(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    centre.server.command(
        "create-user",
        "--username",
        "tinh-truc-tiep",
        "--full-name",
        "Lãnh đạo tỉnh (trực tiếp)",
        "--role",
        "manager",
        "--password",
        "tinh12345",
    )
    province = visit(1280, 700)
    page = province.page
    _log_in(page, centre.url + "/manage", "tinh-truc-tiep", "tinh12345")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    page.select_option("#site", "all")
    expect(page.locator("#live")).to_have_attribute("data-status", "live")
    row = page.locator("#sites tr[data-site-id='1']")
    expect(row).to_be_visible()
    issued = int(row.locator(".issued").inner_text())
    waiting = int(row.locator(".waiting").inner_text())
    requests_before = len(province.urls)

    centre.issue(SERVICE)
    expect(row.locator(".issued")).to_have_text(str(issued + 1))
    expect(row.locator(".waiting")).to_have_text(str(waiting + 1))
    assert page.evaluate("window.hangdoiSiteUpdates") >= 1
    # Pushed, not fetched: the page asked the server for nothing meanwhile.
    assert [u for u in province.urls[requests_before:] if "/api/" in u] == []

    # A burst: five tickets in a row reach the table as one or two rows, not five.
    seen = page.evaluate("window.hangdoiSiteUpdates")
    for _ in range(5):
        centre.issue(SERVICE)
    expect(row.locator(".issued")).to_have_text(str(issued + 6))
    page.wait_for_timeout(1500)  # any row still due would have come by now
    assert page.evaluate("window.hangdoiSiteUpdates") - seen <= 3
    shot = province.screenshot("manage-province-live")
    _small_copy(shot, "manage-province.png")
    province.assert_loopback(centre.url)
