"""The database connection: engine set-up per backend, the request-scoped session, and
write transactions that take their lock up front.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue on the lock instead
of failing half-way. PostgreSQL (production) uses ordinary transactions with row locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from server import fastjson

WRITE_OPTION = "hangdoi_write"


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", echo: bool = False) -> Engine:
    """An engine for `url`, with the SQLite pragmas and begin hooks when it is SQLite."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=fastjson.dumps,
            json_deserializer=fastjson.loads,
            # The driver's own transaction handling is switched off; the hooks below
            # emit BEGIN themselves.
            connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=32,
        )
        _install_sqlite_hooks(engine, sqlite_synchronous)
        return engine
    # Few connections per process: under gevent, many concurrent transactions holding the
    # ticket-number and event-sequence row locks while other greenlets run make a convoy
    # (bench/issue.py on PostgreSQL, concurrency 32: p99 2 s with 40 connections, 0.26 s
    # with 4). Requests beyond that wait for a connection before taking any lock.
    return create_engine(
        url,
        echo=echo,
        pool_size=4,
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=True,
        json_serializer=fastjson.dumps,
        json_deserializer=fastjson.loads,
    )


def _install_sqlite_hooks(engine: Engine, synchronous: str) -> None:
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(
            f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}"
        )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a ticket the kiosk was told about survives a power cut, not only a crash.
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """The Flask extension that owns the engine and the request-scoped session.

    ``db.session`` stands for this request's (this greenlet's) :class:`Session` and is
    typed as one, so that the services take a plain Session; it is the registry's proxy,
    which makes the session only when first used (a cached credential or a kiosk's issue
    make none). ``db.scoped`` is the same registry typed as what it is, for what only the
    registry does: ``remove()`` at the end of a request or task, ``registry.has()``.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.scoped: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))
        # scoped_session proxies every Session method to the request's session: the one
        # place where it is typed as the Session it stands for.
        self.session: Session = cast(Session, self.scoped)

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(
            app.config["DATABASE_URL"],
            sqlite_synchronous=app.config.get("SQLITE_SYNCHRONOUS", "FULL"),
            echo=app.config.get("SQL_ECHO", False),
        )
        self.scoped.configure(bind=self.engine)
        app.extensions["hangdoi_db"] = self

        @app.teardown_appcontext
        def remove_session(_exc: BaseException | None) -> None:
            self.scoped.remove()

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run a block as one write transaction: committed at the end, rolled back on error.

    A read transaction already open on the session (an auth lookup, say) is ended first,
    so that the write transaction takes the SQLite write lock at its BEGIN.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
