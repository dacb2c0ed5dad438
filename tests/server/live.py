"""The real production server as a subprocess, for the concurrency and durability tests.

``LiveServer`` prepares an instance folder (``hangdoi-server prepare-demo``), starts
``hangdoi-server --instance DIR serve`` on a free loopback port, waits for
``/api/v1/health``, and can SIGKILL and restart it. Its stderr goes to a log file whose
tail is added to failure messages. The fixtures at the bottom always kill it at teardown.

The database is the instance's SQLite file, or a PostgreSQL database of its own
(``hangdoi_live`` by default, dropped and created again for each server) so that these
tests never share the ``test`` database of the unit tests.

This is a helper module, not a conftest: test modules import the fixtures they use.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from tests.conftest import (  # noqa: F401 - re-exported for the tests
    POSTGRES_URL,
    require_postgres,
    require_redis,
)

BIN = Path(sys.executable).parent
SERVER_COMMAND = str(BIN / "hangdoi-server")

LIVE_DATABASE = "hangdoi_live"

# One scrypt hash of OFFICER_PASSWORD, made once: extra officers are inserted with it.
OFFICER_PASSWORD = "secret123"
DEMO_OFFICER_PASSWORD = "canbo123"


# --------------------------------------------------------------------------- services


def fresh_postgres_database(name: str, admin_url: str = POSTGRES_URL) -> str:
    """Drop and create database `name` on the server of `admin_url`; return its URL."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad database name {name!r}")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return urlparse(admin_url)._replace(path=f"/{name}").geturl()


def drop_postgres_database(name: str, admin_url: str = POSTGRES_URL) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the server


class ServerError(RuntimeError):
    pass


class LiveServer:
    """One instance folder and database, and the server process that runs on them."""

    def __init__(
        self, instance: Path, database_url: str | None = None, *, env: dict[str, str] | None = None
    ):
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.instance / 'hangdoi.sqlite3'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.instance / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file = None
        self.env = dict(os.environ)
        self.env.update(
            {
                "HANGDOI_DATABASE_URL": self.database_url,
                "HANGDOI_PUBLIC_URL": self.url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env.setdefault("HANGDOI_SQLITE_SYNCHRONOUS", "FULL")
        # The load tests issue from one kiosk token far faster than a kiosk's visitors can.
        self.env.setdefault("HANGDOI_RATELIMIT_ISSUE_PER_DEVICE", "1000000/minute")
        self.env.update(env or {})
        self.devices: list[dict[str, object]] = []
        self.starts = 0

    # ------------------------------------------------------------------ setting up

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def command(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``hangdoi-server --instance DIR ARGS`` against this server's database."""
        result = subprocess.run(
            [SERVER_COMMAND, "--instance", str(self.instance), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise ServerError(
                f"hangdoi-server {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def prepare_demo(self) -> None:
        self.command("prepare-demo")
        self.devices = json.loads((self.instance / "demo-devices.json").read_text())

    @property
    def kiosk_token(self) -> str:
        return str(next(d["token"] for d in self.devices if d["kind"] == "kiosk"))

    def engine(self) -> Engine:
        """An engine on the server's database, for reading it back (and set-up writes)."""
        if self.is_sqlite:
            return create_engine(self.database_url, connect_args={"timeout": 30})
        return create_engine(self.database_url, pool_size=2)

    def add_officers(self, usernames: list[str], site_id: int = 1) -> None:
        """Insert officers with password OFFICER_PASSWORD straight into the database."""
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(OFFICER_PASSWORD)
        engine = self.engine()
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO user_account (site_id, username, full_name, role, password_hash, active,"
                        " created_at) VALUES (:site, :username, :name, 'officer', :hash, :active, :at)"
                    ),
                    [
                        {
                            "site": site_id,
                            "username": name,
                            "name": f"Cán bộ {name}",
                            "hash": password_hash,
                            "active": True,
                            "at": dt.datetime(2024, 1, 1),
                        }
                        for name in usernames
                    ],
                )
        finally:
            engine.dispose()

    # ------------------------------------------------------------------ running

    def start(self, timeout: float = 30) -> None:
        if self.process is not None and self.process.poll() is None:
            raise ServerError("the server is already running")
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in _reap
        self._log_file.write(f"\n===== start {self.starts + 1} =====\n".encode())
        self._log_file.flush()
        self.process = subprocess.Popen(
            [
                SERVER_COMMAND,
                "--instance",
                str(self.instance),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.starts += 1
        self.wait_ready(timeout)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(
                    f"the server exited with {self.process and self.process.returncode}"
                    f"{self.log_tail()}"
                )
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise ServerError(
            f"the server did not answer /api/v1/health within {timeout} s{self.log_tail()}"
        )

    def kill(self) -> None:
        """SIGKILL the server: no clean-up, no flush, like a crash or a power cut of the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a few seconds."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap()

    def restart(self, timeout: float = 30) -> None:
        self.kill()
        self.start(timeout)

    def _reap(self) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        tail = self.log_text().splitlines()[-lines:]
        return "\n--- server log (tail) ---\n" + "\n".join(tail) if tail else ""

    # ------------------------------------------------------------------ clients

    def session(self, token: str | None = None) -> requests.Session:
        client = requests.Session()
        if token:
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    def login(self, username: str, password: str) -> str:
        answer = requests.post(
            self.url + "/api/v1/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        if answer.status_code != 201:
            raise ServerError(
                f"login {username}: {answer.status_code} {answer.text}{self.log_tail()}"
            )
        return str(answer.json()["token"])


def make_server(tmp_path: Path, backend: str, database: str = LIVE_DATABASE) -> LiveServer:
    """A prepared (demo loaded), not yet started server on `backend` ('sqlite' or 'postgres')."""
    if backend == "postgres":
        require_postgres()
        server = LiveServer(tmp_path / "instance", fresh_postgres_database(database))
    elif backend == "sqlite":
        server = LiveServer(tmp_path / "instance")
    else:
        raise ValueError(backend)
    server.prepare_demo()
    return server


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _module_database(request: pytest.FixtureRequest) -> str:
    # Each test module may name its own PostgreSQL database (LIVE_DATABASE = "...").
    return str(getattr(request.module, "LIVE_DATABASE", LIVE_DATABASE))


@contextmanager
def _running(server: LiveServer, *, start: bool) -> Iterator[LiveServer]:
    try:
        if start:
            server.start()
        yield server
    finally:
        server.kill()
        if not server.is_sqlite:
            drop_postgres_database(urlparse(server.database_url).path.lstrip("/"))


@pytest.fixture
def live_server(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """The production server on a fresh demo instance, started; killed at teardown."""
    with _running(make_server(tmp_path, backend, _module_database(request)), start=True) as server:
        yield server


@pytest.fixture
def prepared_server(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """A fresh demo instance whose server the test starts itself; killed at teardown."""
    with _running(make_server(tmp_path, backend, _module_database(request)), start=False) as server:
        yield server


@contextmanager
def two_live_servers(
    tmp_path: Path, database: str | None = None
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two server processes on one database (a fresh PostgreSQL database of that name, or
    the first one's SQLite file), their events through Redis on a channel of their own; the
    demo prepared by the first, both started; stopped (and the database dropped) after."""
    redis_url = require_redis()
    database_url = None
    if database is not None:
        require_postgres()
        database_url = fresh_postgres_database(database)
    env = {
        "HANGDOI_REDIS_URL": redis_url,
        "HANGDOI_REDIS_CHANNEL": f"hangdoi-test-{uuid.uuid4().hex}",
    }
    first = LiveServer(tmp_path / "a", database_url, env=env)
    second = LiveServer(tmp_path / "b", first.database_url, env=env)
    try:
        first.prepare_demo()
        first.start()
        second.devices = first.devices
        second.start()
        yield first, second
    finally:
        for server in (first, second):
            server.stop()
        if database is not None:
            drop_postgres_database(database)
