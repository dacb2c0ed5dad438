"""The look the desktop apps share: high-contrast colours and a font that has every
Vietnamese glyph.

The font comes from the system, never from the network: Segoe UI on Windows (it covers
Vietnamese), DejaVu Sans on Linux (Debian's ``fonts-dejavu-core``, in the Makefile's
SYSTEM_PACKAGES), then Noto Sans, Arial, Tahoma. A family is taken only if Qt's font
database says it supports the Vietnamese writing system.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PyQt6.QtWidgets import QApplication

FONT_CANDIDATES = ("Segoe UI", "DejaVu Sans", "Noto Sans", "Arial", "Tahoma", "Liberation Sans")


@dataclass(frozen=True)
class Colours:
    """Colours with a contrast ratio of at least 7:1 for text on its background (WCAG AAA)."""

    background: str = "#0b1f33"  # dark navy: the bar, the display's hall screen
    surface: str = "#13314f"  # panels on the background
    text: str = "#ffffff"
    muted: str = "#c9d6e3"
    accent: str = "#ffd23f"  # the current number
    ok: str = "#7ee081"  # connected, completed
    warning: str = "#ffb347"  # paused, reconnecting
    danger: str = "#ff7b7b"  # disconnected, errors
    priority: str = "#ff9ecd"  # priority tickets
    button: str = "#1f4d7a"
    button_text: str = "#ffffff"
    disabled_text: str = "#8298ad"


COLOURS = Colours()


def vietnamese_font_family() -> str:
    """The first installed family of FONT_CANDIDATES that supports Vietnamese, or, failing
    that, any installed family that does, or Qt's default."""
    families = QFontDatabase.families(QFontDatabase.WritingSystem.Vietnamese)
    for candidate in FONT_CANDIDATES:
        if candidate in families:
            return candidate
    if families:
        return families[0]
    return QFont().family()


def font(point_size: float = 11, bold: bool = False) -> QFont:
    result = QFont(vietnamese_font_family())
    result.setPointSizeF(point_size)
    result.setBold(bold)
    return result


def stylesheet(colours: Colours = COLOURS) -> str:
    """The Qt style sheet of the shared widgets (buttons, inputs, lists)."""
    c = colours
    return f"""
    QWidget {{ background-color: {c.background}; color: {c.text}; }}
    QPushButton, QToolButton {{
        background-color: {c.button}; color: {c.button_text};
        border: 1px solid {c.muted}; border-radius: 4px; padding: 4px 10px;
    }}
    QPushButton:disabled, QToolButton:disabled {{
        color: {c.disabled_text}; border-color: {c.disabled_text};
    }}
    QPushButton:focus, QToolButton:focus {{ border: 2px solid {c.accent}; }}
    QLineEdit, QComboBox, QListWidget, QTableWidget, QPlainTextEdit {{
        background-color: {c.surface}; color: {c.text}; border: 1px solid {c.muted};
        selection-background-color: {c.accent}; selection-color: {c.background};
    }}
    QMenu {{ background-color: {c.surface}; border: 1px solid {c.muted}; }}
    QMenu::item {{ padding: 5px 16px 5px 12px; }}
    QMenu::item:selected {{ background-color: {c.accent}; color: {c.background}; }}
    QMenu::item:disabled {{ color: {c.disabled_text}; }}
    QMenu::separator {{ height: 1px; background: {c.muted}; margin: 3px 8px; }}
    QLabel[role="number"] {{ color: {c.accent}; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {c.muted}; }}
    QLabel[role="error"] {{ color: {c.danger}; }}
    QLabel[role="warning"] {{ color: {c.warning}; }}
    """


def palette(colours: Colours = COLOURS) -> QPalette:
    result = QPalette()
    roles = QPalette.ColorRole
    result.setColor(roles.Window, QColor(colours.background))
    result.setColor(roles.WindowText, QColor(colours.text))
    result.setColor(roles.Base, QColor(colours.surface))
    result.setColor(roles.Text, QColor(colours.text))
    result.setColor(roles.Button, QColor(colours.button))
    result.setColor(roles.ButtonText, QColor(colours.button_text))
    result.setColor(roles.Highlight, QColor(colours.accent))
    result.setColor(roles.HighlightedText, QColor(colours.background))
    result.setColor(roles.ToolTipBase, QColor(colours.surface))
    result.setColor(roles.ToolTipText, QColor(colours.text))
    return result


def apply(app: QApplication, point_size: float = 11, colours: Colours = COLOURS) -> None:
    """Give `app` the shared font, palette and style sheet."""
    app.setFont(font(point_size))
    app.setPalette(palette(colours))
    app.setStyleSheet(stylesheet(colours))
