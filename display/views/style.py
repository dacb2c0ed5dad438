"""Colours of the hall display (the web display's, ``server/static/hangdoi.css``), the
one status line every screen shows (connecting, live, offline, refused), and the two
languages: Vietnamese always, English after it unless the site chose Vietnamese only
(``--lang vi``)."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QLabel, QWidget

NAVY = "#0b3d91"
NAVY_DARK = "#072a66"
RED = "#b4141f"
GREEN = "#0b6e35"
YELLOW = "#ffd72e"
INK = "#14213d"
MUTED = "#4a5568"
PAPER = "#ffffff"
GROUND = "#eef2f7"
LINE = "#d5dce6"

# The font families tried in order: system fonts with every Vietnamese glyph (nothing is
# downloaded); DejaVu Sans is installed by the Makefile on Linux, Segoe UI is Windows'.
FONT_FAMILIES = ["Segoe UI", "Noto Sans", "DejaVu Sans", "Arial"]

# Connection states (the controller's) and what the footer says of them.
CONNECTING = "connecting"
LIVE = "live"
OFFLINE = "offline"
REFUSED = "refused"

STATUS_TEXT = {
    CONNECTING: ("Đang kết nối…", "Connecting…"),
    LIVE: ("Trực tuyến", "Live"),
    OFFLINE: ("Mất kết nối, đang kết nối lại…", "Reconnecting…"),
    REFUSED: ("Mã thiết bị không hợp lệ hoặc đã bị thu hồi", "Device token refused"),
}
# The display's languages (``--lang``): Vietnamese then English, or Vietnamese only.
BILINGUAL = "vi+en"
VIETNAMESE = "vi"
LANGUAGES = (BILINGUAL, VIETNAMESE)


def both(vi: str, en: str, english: bool = True, separator: str = " · ") -> str:
    """`vi`, followed by `en` when the screen shows English too."""
    return f"{vi}{separator}{en}" if english else vi


def status_text(status: str, english: bool = True) -> str:
    vi, en = STATUS_TEXT.get(status, (status, status))
    return both(vi, en, english)


STATUS_COLOUR = {CONNECTING: YELLOW, LIVE: "#2ecc71", OFFLINE: RED, REFUSED: RED}


def px(size: float, scale: float) -> int:
    """A size designed for 1080p, at the screen's scale (never below 1)."""
    return max(1, round(size * scale))


def label(text: str = "", name: str = "") -> QLabel:
    """A label the style sheet finds by `name` (its objectName)."""
    result = QLabel(text)
    result.setObjectName(name)
    return result


def panel(name: str) -> QWidget:
    """A plain widget with a style-sheet background, found by `name`."""
    result = QWidget()
    result.setObjectName(name)
    result.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    return result


def fit_text(widget: QLabel, text: str, width: int, smallest: float = 0.75) -> None:
    """Show the whole of `text` in `width` pixels: set smaller (down to `smallest` of the
    style sheet's size) and, if it still does not fit on one line, on two."""
    widget.setStyleSheet("")
    widget.ensurePolished()
    font = widget.font()
    size = font.pixelSize()
    width = max(10, width)
    if size > 0 and QFontMetrics(font).horizontalAdvance(text) > width:
        for smaller in range(size - 1, int(size * smallest) - 1, -1):
            font.setPixelSize(smaller)
            if QFontMetrics(font).horizontalAdvance(text) <= width:
                break
        widget.setStyleSheet(f"font-size: {font.pixelSize()}px;")
    widget.setWordWrap(QFontMetrics(font).horizontalAdvance(text) > width)
    widget.setText(text)
