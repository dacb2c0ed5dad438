"""Configuration: defaults, then HANGDOI_* environment variables (text, except yes/no
words), then the mapping given to create_app, as README's table says; each install's Redis
channel, the allowed browser origins, and the instance secret that processes started
together agree on."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from pathlib import Path

import pytest

from server import config
from server.config import _instance_secret, allowed_origins, load, redis_channel

PG = "postgresql+psycopg://hangdoi:secret@DB.example:5432/hangdoi"


def test_each_database_has_its_own_channel() -> None:
    channel = redis_channel(PG)
    assert channel.startswith("hangdoi-")
    # The same database however the process spells its driver and password ...
    assert redis_channel("postgresql://hangdoi:other@db.example:5432/hangdoi") == channel
    # ... and another database, server or install: another channel.
    assert (
        redis_channel("postgresql+psycopg://hangdoi:secret@db.example:5432/hangdoi_test") != channel
    )
    assert redis_channel("postgresql+psycopg://hangdoi:secret@db2.example:5432/hangdoi") != channel
    assert redis_channel("sqlite:////srv/a/hangdoi.sqlite3") != redis_channel(
        "sqlite:////srv/b/hangdoi.sqlite3"
    )
    assert "secret" not in channel


def test_the_channel_setting_wins(tmp_path: Path) -> None:
    assert load(str(tmp_path), {"DATABASE_URL": PG, "SECRET_KEY": "x"})[
        "REDIS_CHANNEL"
    ] == redis_channel(PG)
    assert (
        load(str(tmp_path), {"DATABASE_URL": PG, "SECRET_KEY": "x", "REDIS_CHANNEL": "centre-a"})[
            "REDIS_CHANNEL"
        ]
        == "centre-a"
    )


def test_allowed_origins_are_the_public_one_and_the_listed_ones() -> None:
    assert allowed_origins("https://Hangdoi.example.gov.vn/", None) == [
        "https://hangdoi.example.gov.vn"
    ]
    assert allowed_origins(
        "http://10.0.0.2:5000/path", "https://a.example, http://b.example:8080\nhttps://a.example"
    ) == ["http://10.0.0.2:5000", "https://a.example", "http://b.example:8080"]
    with pytest.raises(ValueError, match="not an origin"):
        allowed_origins("http://a.example", "b.example")


def _race(
    folder: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue
) -> None:
    start.wait()
    results.put(_instance_secret(Path(folder)))


def test_processes_started_together_agree_on_one_secret(tmp_path: Path) -> None:
    for attempt in range(5):
        folder = tmp_path / f"instance{attempt}"  # empty: not even created yet
        context = multiprocessing.get_context("fork")
        start, results = context.Barrier(8), context.Queue()
        processes = [
            context.Process(target=_race, args=(str(folder), start, results)) for _ in range(8)
        ]
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


@pytest.fixture(autouse=True)
def _no_hangdoi_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("HANGDOI_")]:
        monkeypatch.delenv(name)


def test_defaults_make_the_sqlite_file_and_the_secret_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    loaded = config.load(str(tmp_path / "instance"))
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'hangdoi.sqlite3'}"
    assert loaded["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()
    assert loaded["SQLITE_SYNCHRONOUS"] == "FULL"
    assert loaded["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert loaded["REDIS_URL"] is None


def test_environment_variables_override_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANGDOI_DATABASE_URL", "postgresql+psycopg://hangdoi@db/hangdoi")
    monkeypatch.setenv("HANGDOI_SQLITE_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("HANGDOI_PUBLIC_URL", "https://hangdoi.example.gov.vn")
    monkeypatch.setenv("HANGDOI_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("HANGDOI_SECRET_KEY", "123456")  # text, not the number JSON would make it
    monkeypatch.setenv("HANGDOI_SQL_ECHO", "yes")
    monkeypatch.setenv("HANGDOI_SESSION_COOKIE_HTTPONLY", "off")
    monkeypatch.setenv(
        "HANGDOI_API_VERSION", "null"
    )  # only yes/no words are read; the rest stays text
    loaded = config.load(str(tmp_path / "instance"))
    assert loaded["DATABASE_URL"] == "postgresql+psycopg://hangdoi@db/hangdoi"
    assert loaded["SQLITE_SYNCHRONOUS"] == "NORMAL"
    assert loaded["PUBLIC_URL"] == "https://hangdoi.example.gov.vn"
    assert loaded["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert loaded["SECRET_KEY"] == "123456"
    assert loaded["SQL_ECHO"] is True
    assert loaded["SESSION_COOKIE_HTTPONLY"] is False
    assert loaded["API_VERSION"] == "null"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_mapping_given_to_create_app_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANGDOI_PUBLIC_URL", "https://from-the-environment")
    monkeypatch.setenv("OTHER_PUBLIC_URL", "https://not-ours")
    loaded = config.load(str(tmp_path), {"PUBLIC_URL": "http://hangdoi.test", "testing_flag": 1})
    assert loaded["PUBLIC_URL"] == "http://hangdoi.test"
    assert loaded["testing_flag"] == 1
    assert config.DEFAULTS["PUBLIC_URL"] == "http://127.0.0.1:5000"  # the defaults are not changed
