"""The what-if page of managers (issue #15) in real headless Chromium against the production
server: log in, pick a day profile, ask for the fewest counters that keep the service
level (a job on the server, its progress shown), and check that suggestion by running the
simulator on it here."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from server.services.simulation import scenarios
from server.services.simulation.model import Staffing
from server.services.simulation.staffing import measure
from tests.web.conftest import OUTPUT, Centre

# The suggestion runs several simulated days on the server: more than the default timeout.
SUGGESTION_MS = 120_000


def test_a_manager_gets_a_staffing_suggestion_that_the_simulator_confirms(
    centre: Centre, visit
) -> None:  # type: ignore[no-untyped-def]
    desk = visit(1280, 900)
    page = desk.page
    page.goto(centre.url + "/whatif")
    expect(page.locator("#login")).to_be_visible()
    page.locator("#username").fill("lanhdao")
    page.locator("#password").fill("wrong-password")
    page.locator("#login-form button").click()
    expect(page.locator("#login-error")).not_to_be_empty()
    page.locator("#password").fill("lanhdao123")
    page.locator("#login-form button").click()
    expect(page.locator("#app")).to_have_attribute("data-profiles", "loaded")
    expect(page.locator("#setup h1")).to_contain_text("Ngày và bố trí quầy")

    page.locator("#profile").select_option("scenario:commune")
    # The roster of the scenario as counters per service per hour, editable.
    assert page.locator("#grid input").count() > 0
    page.locator("#level").select_option("0.8")
    page.locator("#suggest").click()
    # The suggestion runs as a job on the server: the page shows it running, with progress.
    expect(page.locator("#app")).to_have_attribute("data-job", "running", timeout=SUGGESTION_MS)
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#status")).to_contain_text(
        re.compile(r"[1-9]\d* ngày mô phỏng xong"), timeout=SUGGESTION_MS
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "whatif-running.png"), full_page=True)
    expect(page.locator("#app")).to_have_attribute(
        "data-result", "suggested", timeout=SUGGESTION_MS
    )
    expect(page.locator("#app")).to_have_attribute("data-job", "done")
    expect(page.locator("#progress")).to_be_hidden()
    expect(page.locator("#hours")).to_contain_text("Mức phục vụ")
    expect(page.locator("#suggestion-summary")).to_contain_text("Đạt mức 80%")
    page.screenshot(path=str(OUTPUT / "whatif-suggestion.png"), full_page=True)

    # Take the suggestion into the grid (what the manager would publish) and read it back.
    page.locator("#apply").click()
    expect(page.locator("#app")).to_have_attribute(
        "data-result", "simulated", timeout=SUGGESTION_MS
    )
    cells = page.evaluate(
        """() => Array.from(document.querySelectorAll('#grid input')).map(i =>
               [i.dataset.service, i.dataset.hour, parseInt(i.value, 10)])"""
    )
    table: dict[str, dict[int, int]] = {}
    for code, hour, n in cells:
        if n:
            table.setdefault(code, {})[int(hour)] = n
    # The page's plan is now the suggestion: every hour at the level.
    levels = page.locator("#hours td[data-hour]")
    assert levels.count() > 0
    assert page.locator("#hours td.short").count() == 0

    # The simulator, run here on the staffing the page suggested, agrees.
    outcome = measure(scenarios.commune(), Staffing(table))
    assert outcome.short_of(0.8) == []
    assert outcome.overall.service_level >= 0.8
    desk.assert_loopback(centre.url)


def test_an_officer_is_told_the_page_is_for_managers(centre: Centre, visit) -> None:  # type: ignore[no-untyped-def]
    desk = visit(1024, 700)
    page = desk.page
    page.goto(centre.url + "/whatif")
    page.locator("#username").fill("canbo02")
    page.locator("#password").fill("canbo123")
    page.locator("#login-form button").click()
    expect(page.locator("#forbidden")).to_be_visible()
    expect(page.locator("#forbidden")).to_contain_text("Chỉ quản lý")
    # The API refuses too.
    answer = page.request.post(
        centre.url + "/api/v1/sites/1/whatif/jobs", data={"profile": "scenario:commune"}
    )
    assert answer.status == 403
    assert answer.json()["error"] == "forbidden"
