"""Fixtures of the desktop package's tests: one live server (the production server on a
demo instance, SQLite) shared by the package's tests, and a clean language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop import i18n
from tests.server.live import LiveServer, make_server


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A started demo server for the package's tests; killed at teardown."""
    live = make_server(tmp_path_factory.mktemp("desk-live"), "sqlite")
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
