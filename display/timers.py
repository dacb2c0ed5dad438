"""One way to make a QTimer (PyQt's keyword properties are invisible to the type checker)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer


def timer(
    parent: QObject, interval_ms: int, slot: Callable[[], None], *, single_shot: bool = False
) -> QTimer:
    result = QTimer(parent)
    result.setInterval(interval_ms)
    result.setSingleShot(single_shot)
    result.timeout.connect(slot)
    return result
