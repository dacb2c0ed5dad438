"""Where a desktop app keeps its bearer or device token (never a password).

In the OS keyring (Windows Credential Locker, macOS Keychain, the Secret Service of a
Linux desktop) through the ``keyring`` package, under the service ``hangdoi-<app>`` and
the server's address as user name: one token per app and server. Where no keyring backend
works (a headless Linux box, a kiosk without a desktop session, the tests) or when the
app was given ``--config-dir``, in ``<config dir>/<app>.token``: created readable by the
user only (0600 on POSIX; on Windows the config folder is in the user's own profile,
which other users cannot read).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import keyring
from keyring.backends import fail
from keyring.errors import KeyringError

from desktop.settings import config_dir, write_atomically

log = logging.getLogger(__name__)


def keyring_usable() -> bool:
    """True when the keyring package found a real backend (not its "fail" one)."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration must not stop the app
        return False
    return not isinstance(backend, fail.Keyring) and backend.priority > 0


class TokenStore:
    """The token of one app, per server address."""

    def __init__(
        self,
        app: str,
        directory: str | os.PathLike[str] | None = None,
        *,
        use_keyring: bool | None = None,
    ) -> None:
        self.app = app
        self.service = f"hangdoi-{app}"
        self.path = config_dir(directory) / f"{app}.token"
        if use_keyring is None:
            use_keyring = directory is None and keyring_usable()
        self.use_keyring = use_keyring

    @property
    def where(self) -> str:
        """Where the token goes, for the log and the settings screen."""
        return "keyring" if self.use_keyring else str(self.path)

    def get(self, server: str) -> str | None:
        if self.use_keyring:
            try:
                return keyring.get_password(self.service, server)
            except KeyringError as exc:
                log.warning("keyring unreadable (%s); using %s", exc, self.path)
                self.use_keyring = False
        return self._read_file().get(server)

    def set(self, server: str, token: str) -> None:
        if self.use_keyring:
            try:
                keyring.set_password(self.service, server, token)
                return
            except KeyringError as exc:
                log.warning("keyring refused the token (%s); using %s", exc, self.path)
                self.use_keyring = False
        tokens = self._read_file()
        tokens[server] = token
        self._write_file(tokens)

    def delete(self, server: str) -> None:
        if self.use_keyring:
            try:
                keyring.delete_password(self.service, server)
            except KeyringError:
                pass  # nothing stored: nothing to forget
            return
        tokens = self._read_file()
        if tokens.pop(server, None) is not None:
            self._write_file(tokens)

    def _read_file(self) -> dict[str, str]:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    def _write_file(self, tokens: dict[str, str]) -> None:
        write_atomically(self.path, json.dumps(tokens).encode("utf-8"), mode=0o600)


def file_mode(path: Path) -> int:
    """The permission bits of `path` (for the tests and a settings screen)."""
    return path.stat().st_mode & 0o777
