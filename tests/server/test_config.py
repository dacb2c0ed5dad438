"""Configuration as README's table says: defaults, then HANGDOI_* environment variables
(text, except yes/no words), then the mapping given to create_app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server import config


@pytest.fixture(autouse=True)
def _no_hangdoi_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("HANGDOI_")]:
        monkeypatch.delenv(name)


def test_defaults_make_the_sqlite_file_and_the_secret_in_the_instance_folder(tmp_path: Path) -> None:
    loaded = config.load(str(tmp_path / "instance"))
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'hangdoi.sqlite3'}"
    assert loaded["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()
    assert loaded["SQLITE_SYNCHRONOUS"] == "FULL"
    assert loaded["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert loaded["REDIS_URL"] is None


def test_environment_variables_override_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANGDOI_DATABASE_URL", "postgresql+psycopg://hangdoi@db/hangdoi")
    monkeypatch.setenv("HANGDOI_SQLITE_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("HANGDOI_PUBLIC_URL", "https://hangdoi.example.gov.vn")
    monkeypatch.setenv("HANGDOI_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("HANGDOI_SECRET_KEY", "123456")  # text, not the number JSON would make it
    monkeypatch.setenv("HANGDOI_SQL_ECHO", "yes")
    monkeypatch.setenv("HANGDOI_SESSION_COOKIE_HTTPONLY", "off")
    monkeypatch.setenv("HANGDOI_API_VERSION", "null")  # only yes/no words are read; the rest stays text
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


def test_the_mapping_given_to_create_app_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANGDOI_PUBLIC_URL", "https://from-the-environment")
    monkeypatch.setenv("OTHER_PUBLIC_URL", "https://not-ours")
    loaded = config.load(str(tmp_path), {"PUBLIC_URL": "http://hangdoi.test", "testing_flag": 1})
    assert loaded["PUBLIC_URL"] == "http://hangdoi.test"
    assert loaded["testing_flag"] == 1
    assert config.DEFAULTS["PUBLIC_URL"] == "http://127.0.0.1:5000"  # the defaults are not changed
