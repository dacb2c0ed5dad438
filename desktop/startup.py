"""How each desktop app starts: :func:`start_app` reads the command line, sets up logging
and the ``QApplication`` (name, look), and opens the app's settings (the file, the
command-line flags over it, the token store, the language). ``main`` of the kiosk, the
hall display and the counter client is this, then the app's own window.

:func:`open_settings` is the settings half alone, for the tests that build an app
without a ``QApplication`` of their own.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PyQt6.QtWidgets import QApplication

from desktop import i18n, theme
from desktop.secrets import TokenStore
from desktop.settings import SettingsStore, merge

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass
class AppSettings:
    """An app's settings file, its token store, and the values in force (the file's, the
    command line's flags over them)."""

    store: SettingsStore
    tokens: TokenStore
    values: dict[str, Any]


@dataclass
class Started:
    args: argparse.Namespace
    qapp: QApplication
    settings: AppSettings


def open_settings(
    app: str, defaults: dict[str, Any], args: argparse.Namespace, flags: Sequence[str]
) -> AppSettings:
    """The settings of `app` (``<app>.json`` in ``--config-dir`` or the user's config
    folder) with the command line's `flags` over them; the language of the catalogues is
    their ``lang`` when it is one of :data:`desktop.i18n.LANGUAGES`."""
    store = SettingsStore(app, defaults, args.config_dir)
    values = merge(store.load(), args, flags)
    if values.get("lang") in i18n.LANGUAGES:
        i18n.set_language(values["lang"])
    return AppSettings(store, TokenStore(app, args.config_dir), values)


def start_app(
    app: str,
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    *,
    title: str,
    defaults: dict[str, Any],
    flags: Sequence[str] = ("server", "lang"),
    themed: bool = True,
    font_size: float = 11,
    quit_on_last_window_closed: bool = True,
) -> Started:
    """Parse `argv`, log to stderr, make (or take) the ``QApplication`` named `title`
    with the shared look (`themed`: the dark theme of :mod:`desktop.theme`; otherwise only
    its Vietnamese font, for a screen with colours of its own), and open the settings."""
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName(title)
    qapp.setQuitOnLastWindowClosed(quit_on_last_window_closed)
    if themed:
        theme.apply(qapp, font_size)
    else:
        qapp.setFont(theme.font(font_size))
    return Started(args, qapp, open_settings(app, defaults, args, flags))
