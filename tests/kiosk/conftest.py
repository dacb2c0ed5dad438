"""Fixtures of the kiosk tests: one live server per module (the demo centre), the fake
network printer, and a kiosk paired with them, offscreen, in a window of a given size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.printers.fake_printer import FakePrinter
from tests.server.live import LiveServer

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "kiosk"
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
SMALL = (1366, 768)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The production server on a demo instance (SQLite), shared by a module's tests."""
    live = LiveServer(tmp_path_factory.mktemp("kiosk-server") / "instance")
    try:
        live.prepare_demo()
        live.start()
        yield live
    finally:
        live.kill()


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture(scope="session")
def shots() -> Path:
    """tests/output/kiosk/: a screenshot of every screen, for a person to look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
