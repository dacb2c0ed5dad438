"""The web hall display plays the server's announcement (announcement.audio_url), in real
headless Chromium with autoplay allowed (``--autoplay-policy=no-user-gesture-required``,
as a TV set up for the hall would be): the page requests the WAV from the server, plays it
to its end, and two calls in a row are played one after the other, never at once. No
browser voice (speechSynthesis) is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Centre, Visit

OFFICER, PASSWORD, COUNTER, SERVICE = "loa01", "loa-secret-1", 4, "STP-LLTP"


@pytest.fixture(scope="module")
def autoplay_browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        yield chromium
    finally:
        chromium.close()


def test_the_display_plays_the_servers_audio_one_call_after_another(
    centre: Centre, autoplay_browser: Any
) -> None:
    centre.server.command(
        "create-user", "--username", OFFICER, "--full-name", "Loa thử", "--role", "officer",
        "--site", "HCC-BN", "--password", PASSWORD,
    )  # fmt: skip
    centre.officers[OFFICER] = centre.server.login(OFFICER, PASSWORD)
    tickets = [centre.issue(SERVICE) for _ in range(2)]

    context = autoplay_browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(TIMEOUT_MS)
    tv = Visit(context, context.new_page())
    page = tv.page
    page.on("request", lambda request: tv.urls.append(request.url))
    page.on("pageerror", lambda error: tv.errors.append(str(error)))
    try:
        page.goto(f"{centre.url}/display?token={centre.device_token('display', 'tang-1')}")
        expect(page.locator("#live")).to_have_attribute("data-status", "live")

        centre.open_counter(OFFICER, COUNTER)
        first = centre.call_next(OFFICER, COUNTER)
        centre.no_show(OFFICER, COUNTER)
        second = centre.call_next(OFFICER, COUNTER)  # while the first is still being said
        assert [first["number"], second["number"]] == [t["number"] for t in tickets]
        expect(page.locator("#now-number")).to_have_text(second["number"])

        page.wait_for_function("() => window.hangdoiDisplay.played().length >= 2", timeout=60_000)
        played = page.evaluate("window.hangdoiDisplay.played()")
        assert page.evaluate("window.hangdoiDisplay.announcing()") is False
        expect(page.locator("#sound")).to_be_hidden()  # it played: no "tap to enable sound"
        tv.screenshot("display-voice-played")
    finally:
        context.close()

    audio = [u for u in tv.urls if "/api/v1/voice/" in u]
    assert len(audio) >= 2, tv.urls
    assert [p["url"] for p in played] == [u.removeprefix(centre.url) for u in dict.fromkeys(audio)][
        :2
    ]
    for item in played:
        # Played to its end: the audio element's played range covers the whole file.
        assert item["duration"] > 3
        assert item["heard"] == pytest.approx(item["duration"], abs=0.1)
        answer = requests.get(centre.url + item["url"], timeout=30)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "audio/wav"
    # One after the other: the second started once the first had ended.
    assert played[1]["startedAt"] >= played[0]["endedAt"]
    assert played[0]["url"] != played[1]["url"]
    tv.assert_loopback(centre.url)
