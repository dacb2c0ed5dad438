"""The command line as cron runs it: a fresh process with only the environment it is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.db import make_engine
from server.migrate import upgrade

COMMAND = str(Path(sys.executable).parent / "hangdoi-server")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # cron's environment: no HANGDOI_* settings unless given.
    base = {k: v for k, v in os.environ.items() if not k.startswith("HANGDOI_")}
    return subprocess.run([COMMAND, *args], env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("existing", [False, True])
def test_close_out_without_the_servers_settings_refuses_and_leaves_nothing(tmp_path: Path, existing: bool) -> None:
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
    result = run("--instance", str(tmp_path / "instance"), "close-out",
                 env={"HANGDOI_DATABASE_URL": f"sqlite:///{empty}", "HANGDOI_SECRET_KEY": "k"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has no hangdoi schema" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


def test_close_out_runs_on_the_servers_database(tmp_path: Path) -> None:
    database = tmp_path / "hangdoi.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    result = run("close-out", env={"HANGDOI_DATABASE_URL": f"sqlite:///{database}", "HANGDOI_SECRET_KEY": "k",
                                   "HANGDOI_INSTANCE": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Closed out: 0 tickets expired")
