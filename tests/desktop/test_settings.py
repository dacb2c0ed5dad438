"""desktop.settings and desktop.secrets: files in the config folder, flags over them, the
token in a private file when no keyring is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.secrets import TokenStore, file_mode
from desktop.settings import SettingsStore, common_parser, merge


def test_settings_round_trip_and_defaults(tmp_path: Path) -> None:
    store = SettingsStore("counter_client", {"lang": "vi", "threshold": 10}, tmp_path)
    assert store.load() == {"lang": "vi", "threshold": 10}
    store.update(server="http://127.0.0.1:8000", threshold=5)
    again = SettingsStore("counter_client", {"lang": "vi", "threshold": 10}, tmp_path)
    assert again.load() == {"lang": "vi", "threshold": 5, "server": "http://127.0.0.1:8000"}
    assert [p.name for p in tmp_path.iterdir()] == ["counter_client.json"]  # no temp file left


def test_a_broken_settings_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "kiosk.json").write_text("{not json")
    assert SettingsStore("kiosk", {"lang": "en"}, tmp_path).load() == {"lang": "en"}
    assert (tmp_path / "kiosk.bad").exists()


def test_flags_override_the_file(tmp_path: Path) -> None:
    parser = common_parser("hangdoi-counter", "test")
    args = parser.parse_args(
        ["--server", "http://s:1", "--lang", "en", "--config-dir", str(tmp_path)]
    )
    merged = merge(
        {"server": "http://old", "lang": "vi", "x": 1}, args, ["server", "lang", "token"]
    )
    assert merged == {"server": "http://s:1", "lang": "en", "x": 1}
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang", "fr"])


def test_the_token_file_is_private_and_per_server(tmp_path: Path) -> None:
    store = TokenStore("counter_client", tmp_path)
    assert not store.use_keyring and store.get("http://a") is None
    store.set("http://a", "hdu_1")
    store.set("http://b", "hdu_2")
    assert TokenStore("counter_client", tmp_path).get("http://a") == "hdu_1"
    if os.name == "posix":
        assert file_mode(store.path) == 0o600
    store.delete("http://a")
    assert store.get("http://a") is None and store.get("http://b") == "hdu_2"
    assert "password" not in store.path.read_text()
