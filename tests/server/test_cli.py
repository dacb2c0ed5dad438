"""The command line: as cron runs it (a fresh process with only the environment it is given),
and ``hangdoi-server backup FILE`` copying a live SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from server import create_app
from server.db import make_engine
from server.migrate import upgrade

COMMAND = str(Path(sys.executable).parent / "hangdoi-server")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # cron's environment: no HANGDOI_* settings unless given.
    base = {k: v for k, v in os.environ.items() if not k.startswith("HANGDOI_")}
    return subprocess.run(
        [COMMAND, *args], env={**base, **(env or {})}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("existing", [False, True])
def test_close_out_without_the_servers_settings_refuses_and_leaves_nothing(
    tmp_path: Path, existing: bool
) -> None:
    instance = tmp_path / "srv-hangdoi"
    if existing:  # a server's instance folder whose database lives elsewhere (PostgreSQL)
        instance.mkdir()
        (instance / "secret_key").write_text("kept")
    before = sorted(p.name for p in instance.iterdir()) if existing else None
    result = run("--instance", str(instance), "close-out")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no database at" in result.stderr and "HANGDOI_DATABASE_URL" in result.stderr
    if existing:
        assert sorted(p.name for p in instance.iterdir()) == before
    else:
        assert not instance.exists()


def test_close_out_refuses_a_database_without_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()  # what the README's old cron line left behind
    result = run(
        "--instance",
        str(tmp_path / "instance"),
        "close-out",
        env={"HANGDOI_DATABASE_URL": f"sqlite:///{empty}", "HANGDOI_SECRET_KEY": "k"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has no hangdoi schema" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


def test_close_out_runs_on_the_servers_database(tmp_path: Path) -> None:
    database = tmp_path / "hangdoi.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    result = run(
        "close-out",
        env={
            "HANGDOI_DATABASE_URL": f"sqlite:///{database}",
            "HANGDOI_SECRET_KEY": "k",
            "HANGDOI_INSTANCE": str(tmp_path / "instance"),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Closed out: 0 tickets expired")


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Flask:
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'hangdoi.sqlite3'}"},
        instance_path=str(tmp_path / "instance"),
    )
    for command in ("upgrade", "load-demo"):
        result = app.test_cli_runner().invoke(args=[command])
        assert result.exit_code == 0, result.output
    return app


def _rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in tables
        }
    finally:
        connection.close()


def test_backup_copies_the_committed_state_while_a_writer_holds_the_lock(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    source = Path(sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    runner = sqlite_app.test_cli_runner()
    committed = _rows(source)
    assert committed["service"], "the demo centre has services"
    # A server's write transaction is open (the write lock taken, a change not committed)
    # while the backup runs: the backup neither waits for it nor copies its change.
    writer = sqlite3.connect(source, isolation_level=None, timeout=0.1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE not_committed (x INTEGER)")
        writer.execute("UPDATE service SET name_vi = 'đổi' WHERE id = 1")
        target = tmp_path / "backups" / "hangdoi.sqlite3"
        target.parent.mkdir()
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert "Backed up" in result.output
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _rows(target) == committed
    # One self-contained file: no WAL beside it, nothing half-written left behind.
    assert sorted(p.name for p in target.parent.iterdir()) == ["hangdoi.sqlite3"]
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()


def test_backup_keeps_an_existing_file_unless_forced(sqlite_app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "old-backup.sqlite3"
    target.write_bytes(b"an older backup")
    runner = sqlite_app.test_cli_runner()
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0
    assert "exists" in refused.output
    assert target.read_bytes() == b"an older backup"
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert _rows(target)["site"]


def test_backup_refuses_the_database_itself(sqlite_app: Flask) -> None:
    source = sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", "--force", source])
    assert result.exit_code != 0
    assert "the database itself" in result.output


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    # Nothing listens on port 1: the command must answer without connecting.
    app = create_app(
        {"DATABASE_URL": "postgresql+psycopg://hangdoi@127.0.0.1:1/hangdoi"},
        instance_path=str(tmp_path / "instance"),
    )
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "x.sqlite3").exists()
