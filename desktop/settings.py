"""Settings of the desktop apps: one JSON file per app in the user's config folder, and the
command-line flags that every app takes and that override the file.

The folder is platformdirs' ``user_config_dir("hangdoi")`` (``~/.config/hangdoi`` on Linux,
``%APPDATA%\\hangdoi`` on Windows), or ``--config-dir`` (tests, a portable set-up). Each app
has its own file there (``counter_client.json``...), written atomically (a temporary file in
the same folder, then ``os.replace``), so that a crash never leaves half a file. A file that
cannot be read is set aside (``.bad``) and the defaults are used: an app must start.

Tokens are not settings: :mod:`desktop.secrets` keeps them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from desktop.i18n import LANGUAGES

log = logging.getLogger(__name__)

APP_DIR_NAME = "hangdoi"


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the apps' settings (created if missing)."""
    path = Path(override) if override else Path(user_config_dir(APP_DIR_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` by `data` in one step; `mode` (e.g. 0o600) is set before the rename,
    so the content is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None and os.name == "posix":
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SettingsStore:
    """The settings of one app: a dict of JSON values, merged over the app's defaults."""

    def __init__(
        self,
        app: str,
        defaults: dict[str, Any] | None = None,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self.app = app
        self.defaults = dict(defaults or {})
        self.path = config_dir(directory) / f"{app}.json"

    def load(self) -> dict[str, Any]:
        """The defaults, overridden by what the file holds."""
        values = dict(self.defaults)
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return values
        except (OSError, ValueError) as exc:
            log.warning(
                "settings file %s unreadable (%s): set aside, defaults used", self.path, exc
            )
            try:
                os.replace(self.path, self.path.with_suffix(".bad"))
            except OSError:
                pass
            return values
        if isinstance(stored, dict):
            values.update(stored)
        return values

    def save(self, values: dict[str, Any]) -> None:
        text = json.dumps(values, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomically(self.path, text.encode("utf-8"))

    def update(self, **changes: Any) -> dict[str, Any]:
        """Load, change some keys, save; answers the new settings."""
        values = self.load()
        values.update(changes)
        self.save(values)
        return values


def common_parser(
    prog: str,
    description: str,
    languages: Sequence[str] = LANGUAGES,
    lang_help: str = "language of the screens (vi, en)",
) -> argparse.ArgumentParser:
    """The flags every desktop app takes; an app adds its own to the parser it gets
    (`languages` and `lang_help`: what ``--lang`` means for it)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--server", help="address of the hangdoi server, e.g. http://192.168.1.10:8000"
    )
    parser.add_argument(
        "--token",
        help="bearer or device token to use instead of logging in or pairing (kept in the "
        "keyring, or in a file readable only by the user)",
    )
    parser.add_argument("--lang", choices=languages, help=lang_help)
    parser.add_argument(
        "--config-dir",
        help="folder of the settings and the token file instead of the user's config folder",
    )
    return parser


def merge(values: dict[str, Any], args: argparse.Namespace, keys: Sequence[str]) -> dict[str, Any]:
    """`values` with each of `keys` replaced by the command-line flag of the same name when
    that flag was given (``--server`` overrides ``server``...)."""
    merged = dict(values)
    for key in keys:
        given = getattr(args, key, None)
        if given is not None:
            merged[key] = given
    return merged
