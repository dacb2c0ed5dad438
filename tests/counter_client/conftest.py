"""Fixtures of the counter client's tests: one live demo server for the package (the production
server on a temporary instance, SQLite), officers, tickets issued from its kiosk token, and
a client started as ``python -m counter_client`` would start it (offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from counter_client.app import APP, DEFAULTS, FLAGS, CounterApp, parser
from desktop import i18n, theme
from desktop.startup import open_settings
from tests.server.live import OFFICER_PASSWORD, LiveServer, make_server

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "counter"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = make_server(tmp_path_factory.mktemp("counter-live"), "sqlite")
    live.add_officers([f"desk{i}" for i in range(1, 9)])
    try:
        live.start()
        yield live
    finally:
        live.kill()


@pytest.fixture(autouse=True)
def vietnamese() -> Iterator[None]:
    i18n.set_language("vi")
    yield
    i18n.set_language("vi")


@pytest.fixture(scope="session")
def shots() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


def issue(server: LiveServer, service_id: int, **extra: Any) -> dict[str, Any]:
    answer = requests.post(
        server.url + "/api/v1/tickets",
        json={"service_id": service_id, **extra},
        headers={"Authorization": f"Bearer {server.kiosk_token}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def api(server: LiveServer, token: str, method: str, path: str, **body: Any) -> Any:
    answer = requests.request(
        method,
        server.url + "/api/v1" + path,
        json=body if method != "GET" else None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return answer


AppFactory = Callable[..., CounterApp]


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The counter client's theme on the tests' one QApplication, as main() applies it (the
    screenshots show the real look). The application's own look is put back afterwards: the
    hall display runs unthemed, and its tests share this QApplication."""
    saved = (qapp.styleSheet(), qapp.palette(), qapp.font())
    theme.apply(qapp)
    yield qapp
    style_sheet, palette, font = saved
    qapp.setStyleSheet(style_sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


@pytest.fixture
def make_app(qtbot: QtBot, tmp_path: Path, themed: QApplication) -> Iterator[AppFactory]:
    """Start counter clients with their own config folder; closed at teardown."""
    made: list[CounterApp] = []

    def make(*argv: str, config: Path | None = None) -> CounterApp:
        folder = config or tmp_path / f"config{len(made)}"
        args = parser().parse_args(["--config-dir", str(folder), "--no-global-hotkeys", *argv])
        app = CounterApp(args, open_settings(APP, DEFAULTS, args, FLAGS))
        app.live_reconnect_max = 1.0
        app.exit_app = lambda: None  # type: ignore[method-assign] - pytest-qt owns the loop
        made.append(app)
        app.start()
        return app

    yield make
    for app in made:
        app._close_bar()
        app._close_login_and_choice()
        app.calls.shutdown()


def officer_token(server: LiveServer, username: str) -> str:
    return server.login(username, OFFICER_PASSWORD)
