"""Every word of the hall screen is readable, on every page of the waiting list, in both
layouts and for both zones of the demo centre (their services have the centre's longest
names): nothing shortened with "…", nothing cut; and a page holds as many rows as the
list's height has room for. Screenshots: tests/output/display/legible-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from display.views.hall import HallView
from display.views.waiting import WaitingRow
from tests.desktop.legibility import unreadable

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    ("size", "zone", "lang"),
    [
        ((1920, 1080), "tang-1", "vi+en"),
        ((1080, 1920), "tang-1", "vi+en"),
        ((1920, 1080), "tang-2", "vi+en"),
        ((1080, 1920), "tang-2", "vi"),
        ((1280, 720), "tang-2", "vi"),
    ],
)
def test_every_word_is_readable_and_each_page_is_full(
    make_display, qtbot, screenshots: Path, size: tuple[int, int], zone: str, lang: str
) -> None:
    app = make_display(size, zone=zone, lang=lang)
    view = app.screen_view
    assert isinstance(view, HallView)
    panel = view.waiting
    qtbot.waitUntil(lambda: len(panel.visible_rows()) > 0, timeout=5000)
    qtbot.wait(100)
    names = {row.name_vi for row in panel.rows}
    shown: set[str] = set()
    tag = f"{size[0]}x{size[1]}-{zone}-{lang.replace('+', '')}"
    for page in range(panel.pages):
        qtbot.wait(50)
        view.grab().save(str(screenshots / f"legible-{tag}-page{page + 1}.png"))
        assert unreadable(view) == [], f"page {page + 1}"
        rows = [w for w in panel.list.findChildren(WaitingRow) if w.isVisible()]
        shown |= {w.name.text().replace("\n", " ") for w in rows}
        spacing = panel.list_layout.spacing()
        used = sum(w.height() for w in rows) + spacing * (len(rows) - 1)
        assert used <= panel.list.height()
        following = panel.page_start(page + 1) if page + 1 < panel.pages else None
        if following is not None:  # the next page's first row would not have fitted
            assert used + spacing + panel.row_heights[following] > panel.list.height()
        panel.on_next_page()
    assert shown == names, "every service's whole name on a page"
    if lang == "vi":
        texts = [label.text() for label in view.findChildren(type(view.hint)) if label.text()]
        assert not any("Waiting" in t or "Recent" in t or "Page" in t for t in texts), texts
