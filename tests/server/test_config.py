"""Configuration: each install's Redis channel, the allowed browser origins, and the
instance secret that processes started together agree on."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from pathlib import Path

import pytest

from server.config import _instance_secret, allowed_origins, load, redis_channel

PG = "postgresql+psycopg://hangdoi:secret@DB.example:5432/hangdoi"


def test_each_database_has_its_own_channel() -> None:
    channel = redis_channel(PG)
    assert channel.startswith("hangdoi-")
    # The same database however the process spells its driver and password ...
    assert redis_channel("postgresql://hangdoi:other@db.example:5432/hangdoi") == channel
    # ... and another database, server or install: another channel.
    assert redis_channel("postgresql+psycopg://hangdoi:secret@db.example:5432/hangdoi_test") != channel
    assert redis_channel("postgresql+psycopg://hangdoi:secret@db2.example:5432/hangdoi") != channel
    assert redis_channel("sqlite:////srv/a/hangdoi.sqlite3") != redis_channel("sqlite:////srv/b/hangdoi.sqlite3")
    assert "secret" not in channel


def test_the_channel_setting_wins(tmp_path: Path) -> None:
    assert load(str(tmp_path), {"DATABASE_URL": PG, "SECRET_KEY": "x"})["REDIS_CHANNEL"] == redis_channel(PG)
    assert load(str(tmp_path), {"DATABASE_URL": PG, "SECRET_KEY": "x", "REDIS_CHANNEL": "centre-a"})[
        "REDIS_CHANNEL"] == "centre-a"


def test_allowed_origins_are_the_public_one_and_the_listed_ones() -> None:
    assert allowed_origins("https://Hangdoi.example.gov.vn/", None) == ["https://hangdoi.example.gov.vn"]
    assert allowed_origins("http://10.0.0.2:5000/path", "https://a.example, http://b.example:8080\nhttps://a.example") == [
        "http://10.0.0.2:5000", "https://a.example", "http://b.example:8080"]
    with pytest.raises(ValueError, match="not an origin"):
        allowed_origins("http://a.example", "b.example")


def _race(folder: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    start.wait()
    results.put(_instance_secret(Path(folder)))


def test_processes_started_together_agree_on_one_secret(tmp_path: Path) -> None:
    for attempt in range(5):
        folder = tmp_path / f"instance{attempt}"  # empty: not even created yet
        context = multiprocessing.get_context("fork")
        start, results = context.Barrier(8), context.Queue()
        processes = [context.Process(target=_race, args=(str(folder), start, results)) for _ in range(8)]
        for process in processes:
            process.start()
        secrets = [results.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert len(set(secrets)) == 1 and len(secrets[0]) >= 48
        assert (folder / "secret_key").read_text() == secrets[0]
        assert stat.S_IMODE(os.stat(folder / "secret_key").st_mode) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == ["secret_key"]  # no candidate left


def test_threads_started_together_agree_on_one_secret(tmp_path: Path) -> None:
    start = threading.Barrier(16)
    secrets: list[str] = []

    def run() -> None:
        start.wait()
        secrets.append(_instance_secret(tmp_path / "instance"))

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(secrets) == 16 and len(set(secrets)) == 1 and secrets[0]


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        _instance_secret(tmp_path)
