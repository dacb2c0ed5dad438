"""Fixtures of the server tests: an app on a fresh database (SQLite, and PostgreSQL when
reachable), its session, a recording event publisher and a small test centre."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from server import create_app
from server.db import make_engine
from server.events import PUBLISHER, CredentialEnded, DomainEvent
from server.extensions import db
from server.migrate import upgrade
from server.models import Base
from server.services.simulation import jobs as whatif_jobs
from tests.conftest import require_postgres
from tests.server.factory import World, build_world

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


_pg_migrated = False


def _postgres_url() -> str:
    global _pg_migrated
    url = require_postgres()
    if not _pg_migrated:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        _pg_migrated = True
    return url


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, sqlite_template: Path, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "hangdoi.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = _postgres_url()
    _truncate(url)
    return url


class RecordingPublisher:
    """Keeps every published event in memory: the fake publisher of the tests."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.ended: list[CredentialEnded] = []

    def publish(self, events: list[DomainEvent]) -> None:
        self.events.extend(events)

    def credential_ended(self, ended: CredentialEnded) -> None:
        self.ended.append(ended)

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


def make_app(database_url: str, tmp_path: Path, **config: object) -> Flask:
    return create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test",
            "PUBLIC_URL": "http://hangdoi.test",
            "ASYNC_MODE": "threading",
            **config,
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path, publisher: RecordingPublisher | None) -> Iterator[Flask]:
    """The app, its events recorded instead of sent; a module whose `publisher` fixture
    gives None keeps the real Socket.IO publisher (the realtime tests)."""
    app = make_app(database_url, tmp_path)
    if publisher is not None:
        app.extensions[PUBLISHER] = publisher
    with app.app_context():
        yield app
        db.scoped.remove()
    # A what-if job started by a test (the fuzz's, say) does not outlive it.
    whatif_jobs.runner(app).stop()
    assert db.engine is not None
    db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Session:
    return db.session


@pytest.fixture
def world(session: Session, publisher: RecordingPublisher) -> World:
    built = build_world(session)
    publisher.clear()
    return built


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()
