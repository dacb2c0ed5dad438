"""The command line: ``hangdoi-server backup FILE`` copies a live SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask

from server import create_app


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Flask:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'hangdoi.sqlite3'}"},
                     instance_path=str(tmp_path / "instance"))
    for command in ("upgrade", "load-demo"):
        result = app.test_cli_runner().invoke(args=[command])
        assert result.exit_code == 0, result.output
    return app


def _rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}
    finally:
        connection.close()


def test_backup_copies_the_committed_state_while_a_writer_holds_the_lock(sqlite_app: Flask, tmp_path: Path) -> None:
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
    app = create_app({"DATABASE_URL": "postgresql+psycopg://hangdoi@127.0.0.1:1/hangdoi"},
                     instance_path=str(tmp_path / "instance"))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "x.sqlite3").exists()
