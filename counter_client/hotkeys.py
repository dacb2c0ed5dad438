"""Hotkeys that work while another program has the focus.

Global hotkeys go through pynput's ``keyboard.GlobalHotKeys`` (X11 and Windows; macOS
once the app has the accessibility permission). Where the platform does not let a
program see the keyboard (Wayland, Qt's offscreen platform, a session without a display)
or pynput cannot start, the same keys become Qt shortcuts of the app's windows, which
work while the bar has the focus; :attr:`Hotkeys.notice` then says why (the bar keeps it in its status strip and the panel).

pynput calls back on its listener thread: :attr:`Hotkeys.triggered` is a signal, queued
to the GUI thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PyQt6.QtWidgets import QWidget

from desktop.i18n import Catalog

log = logging.getLogger(__name__)
_ = Catalog("counter_client").gettext

# Qt platforms on which pynput can see keys pressed in other programs.
GLOBAL_PLATFORMS = frozenset({"xcb", "windows", "cocoa"})

_PYNPUT_NAMES = {
    "ctrl": "<ctrl>",
    "alt": "<alt>",
    "shift": "<shift>",
    "meta": "<cmd>",
    "win": "<cmd>",
    "space": "<space>",
    "enter": "<enter>",
    "return": "<enter>",
    "tab": "<tab>",
    "esc": "<esc>",
    "escape": "<esc>",
    "backspace": "<backspace>",
    "del": "<delete>",
    "delete": "<delete>",
    "home": "<home>",
    "end": "<end>",
    "pgup": "<page_up>",
    "pgdown": "<page_down>",
    "up": "<up>",
    "down": "<down>",
    "left": "<left>",
    "right": "<right>",
    "ins": "<insert>",
    "insert": "<insert>",
}


def to_pynput(sequence: str) -> str:
    """Qt's portable key text (``Ctrl+Alt+N``, ``Ctrl+Shift+F5``) as pynput's hotkey
    format (``<ctrl>+<alt>+n``, ``<ctrl>+<shift>+<f5>``); ValueError if empty."""
    parts = [p.strip() for p in sequence.split("+") if p.strip()]
    if not parts:
        raise ValueError(f"empty hotkey {sequence!r}")
    out = []
    for part in parts:
        low = part.lower()
        if low in _PYNPUT_NAMES:
            out.append(_PYNPUT_NAMES[low])
        elif len(low) > 1 and low[0] == "f" and low[1:].isdigit():
            out.append(f"<{low}>")
        elif len(low) == 1:
            out.append(low)
        else:
            raise ValueError(f"unknown key {part!r} in hotkey {sequence!r}")
    return "+".join(out)


ListenerFactory = Callable[[dict[str, Callable[[], None]]], Any]


def _pynput_listener(mapping: dict[str, Callable[[], None]]) -> Any:
    from pynput import keyboard  # noqa: PLC0415 - imports fail without a display: only here

    return keyboard.GlobalHotKeys(mapping)


class Hotkeys(QObject):
    """The bar's hotkeys: ``{action name: key sequence}``.

    Signals:
        triggered(str): the action whose hotkey was pressed.
    """

    triggered = pyqtSignal(str)

    def __init__(
        self,
        keys: dict[str, str],
        window: QWidget,
        *,
        use_global: bool = True,
        listener_factory: ListenerFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.keys = dict(keys)
        self.window = window
        self.mode = "none"
        self.notice: str | None = None
        self._listener: Any = None
        self._shortcuts: list[QShortcut] = []
        self._listener_factory = listener_factory or _pynput_listener
        self._use_global = use_global

    def start(self) -> str:
        """Install the hotkeys; answers the mode: ``global`` or ``focused``."""
        reason = self._global_refused()
        if reason is None:
            try:
                mapping = {
                    to_pynput(key): self._emitter(action)
                    for action, key in self.keys.items()
                    if key
                }
                self._listener = self._listener_factory(mapping)
                self._listener.start()
                self.mode = "global"
                return self.mode
            except Exception as exc:  # no X display, a refused hook, a bad key...
                log.warning("global hotkeys unavailable: %s", exc)
                reason = str(exc)
                self._listener = None
        self._install_shortcuts()
        self.mode = "focused"
        self.notice = _(
            "Hotkeys work only while the bar has the focus on this system ({reason})."
        ).format(reason=reason)
        return self.mode

    def _global_refused(self) -> str | None:
        if not self._use_global:
            return _("global hotkeys switched off")
        platform = QGuiApplication.platformName()
        if platform not in GLOBAL_PLATFORMS:
            return platform
        if os.environ.get("XDG_SESSION_TYPE") == "wayland" and platform == "xcb":
            # XWayland: pynput would see only the keys typed into X programs.
            return "Wayland"
        return None

    def _emitter(self, action: str) -> Callable[[], None]:
        def emit() -> None:
            self.triggered.emit(action)

        return emit

    def _install_shortcuts(self) -> None:
        for action, key in self.keys.items():
            if not key:
                continue
            shortcut = QShortcut(QKeySequence(key), self.window)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(self._emitter(action))
            self._shortcuts.append(shortcut)

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.stop()
            except Exception:
                log.debug("stopping the hotkey listener failed", exc_info=True)
            self._listener = None
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts.clear()
