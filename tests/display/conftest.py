"""Fixtures of the hall display's tests: one live demo server for the package (each test
module uses counters of its own), reached through a proxy that can be cut, and the display
app paired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.secrets import TokenStore
from desktop.settings import SettingsStore
from display.app import DEFAULTS, DisplayApp
from tests.display.hall import display_token
from tests.display.proxy import TcpProxy
from tests.server.live import LiveServer

SCREENSHOTS = Path(__file__).resolve().parents[1] / "output" / "display"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("display") / "instance")
    live.prepare_demo()
    live.start()
    try:
        yield live
    finally:
        live.kill()


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[TcpProxy]:
    link = TcpProxy(server.port)
    yield link
    link.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def make_display(
    qtbot, tmp_path: Path, proxy: TcpProxy, server: LiveServer
) -> Iterator[Callable[..., DisplayApp]]:
    """A display app in a window of `size`, paired over the proxy with the zone's token.

    Each announcement's sound is cut 300 ms after it starts (``clip_ms``): these tests are
    about the screen and the order of the calls; test_audio.py hears whole announcements."""
    made: list[DisplayApp] = []

    def make(
        size: tuple[int, int] = (1920, 1080),
        *,
        zone: str = "tang-1",
        pair: bool = True,
        **settings: object,
    ) -> DisplayApp:
        config = tmp_path / f"config{len(made)}"
        values = dict(DEFAULTS, server=proxy.url, **settings)
        app = DisplayApp(
            values,
            store=SettingsStore("display", DEFAULTS, config),
            tokens=TokenStore("display", config),
            cache_dir=tmp_path / "audio",
            windowed=True,
            clip_ms=300,
        )
        made.append(app)
        qtbot.addWidget(app.window)
        app.window.setFixedSize(*size)
        if pair:
            with qtbot.waitSignal(app.paired, timeout=20_000):
                app.start(display_token(server, zone))
            qtbot.waitUntil(
                lambda: app.live is not None and app.live.state == "connected", timeout=20_000
            )
        else:
            app.start()
        return app

    yield make
    for app in made:
        app.shutdown()
