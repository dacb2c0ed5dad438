"""What the kiosk's screens share: sizes from the window's size, the style sheet, touch
tiles and buttons (never under :data:`MIN_TOUCH` pixels), the header, the QR image."""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QMouseEvent, QPixmap
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from qrcode.image.pil import PilImage

from desktop.i18n import Catalog
from desktop.theme import COLOURS

_ = Catalog("kiosk").gettext

# About 15 mm on a 1080p kiosk screen: the smallest thing a finger is asked to hit.
MIN_TOUCH = 96


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for a window of `width` × `height` (portrait 1080×1920, landscape
    1920×1080, down to 1366×768)."""

    width: int
    height: int

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def unit(self) -> float:
        """1.0 on a 1080-pixel short side."""
        return max(0.6, min(self.width, self.height) / 1080)

    @property
    def text(self) -> int:
        return round(34 * self.unit)

    @property
    def small(self) -> int:
        return round(26 * self.unit)

    @property
    def title(self) -> int:
        return round(52 * self.unit)

    @property
    def number(self) -> int:
        return round(260 * self.unit)

    @property
    def touch(self) -> int:
        return max(MIN_TOUCH, round(120 * self.unit))

    @property
    def columns(self) -> int:
        """Columns of tiles: one in portrait, two in landscape."""
        return 1 if self.portrait else 2

    @property
    def qr(self) -> int:
        return round(300 * self.unit)


def stylesheet(m: Metrics) -> str:
    """The kiosk's style sheet at these sizes. A button's min-height is its content's: with
    its 2-pixel border, the button is `touch` pixels high."""
    c = COLOURS
    return f"""
    QWidget {{ background-color: {c.background}; color: {c.text}; font-size: {m.text}px; }}
    QLabel[role="title"] {{ font-size: {m.title}px; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {c.muted}; font-size: {m.small}px; }}
    QLabel[role="number"] {{ color: {c.accent}; font-size: {m.number}px; font-weight: bold; }}
    QLabel[role="error"] {{ color: {c.danger}; font-weight: bold; }}
    QLabel[role="ok"] {{ color: {c.ok}; font-weight: bold; }}
    QLabel[role="warning"] {{ color: {c.warning}; font-weight: bold; }}
    QPushButton {{
        background-color: {c.button}; color: {c.button_text}; border: 2px solid {c.muted};
        border-radius: 12px; padding: 0 20px; font-size: {m.text}px; font-weight: bold;
        min-height: {m.touch - 4}px; min-width: {m.touch - 44}px;
    }}
    QPushButton:disabled {{ color: {c.disabled_text}; border-color: {c.disabled_text}; }}
    QPushButton[role="primary"] {{ background-color: {c.accent}; color: {c.background}; }}
    QPushButton QLabel {{
        background-color: transparent; color: {c.button_text}; font-weight: bold;
    }}
    QPushButton[role="primary"] QLabel {{ color: {c.background}; }}
    QPushButton QLabel:disabled {{ color: {c.disabled_text}; }}
    QFrame[role="tile"] {{
        background-color: {c.surface}; border: 2px solid {c.muted}; border-radius: 16px;
    }}
    QFrame[role="tile"][available="false"] {{ border-color: {c.disabled_text}; }}
    QFrame[role="tile"] QLabel {{ background-color: transparent; }}
    QFrame[role="tile"][available="false"] QLabel {{ color: {c.disabled_text}; }}
    QFrame[role="tile"][available="false"] QLabel[role="reason"] {{ color: {c.warning}; }}
    QLineEdit {{
        background-color: {c.surface}; color: {c.text}; border: 2px solid {c.muted};
        font-size: {m.title}px; min-height: {m.touch - 4}px; padding: 0 12px;
    }}
    QCheckBox {{ min-height: {m.touch}px; }}
    QCheckBox::indicator {{ width: {m.touch // 2}px; height: {m.touch // 2}px; }}
    QComboBox {{ min-height: {m.touch}px; font-size: {m.text}px; }}
    QScrollBar:vertical {{ width: {m.touch // 3}px; }}
    """


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a property it selects on changed."""
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)


def label(text: str = "", role: str = "", wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    return widget


def button(text: str = "", role: str = "") -> QPushButton:
    widget = QPushButton(text)
    _touch(widget, role)
    return widget


def _touch(widget: QPushButton, role: str) -> None:
    widget.setMinimumSize(QSize(MIN_TOUCH, MIN_TOUCH))
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        widget.setProperty("role", role)


class WrapButton(QPushButton):
    """A touch button whose text wraps onto more lines when the button is narrow (a
    QPushButton draws one line and clips it): the text is :attr:`label`, a word-wrapped
    label inside the button (the button's own ``text()`` stays empty; its accessible
    name is the text). For texts that come from the server (a priority category) or
    that a narrow column must hold."""

    # The style sheet's border (2) and a padding narrower than its 20 pixels: a wrapped
    # text needs the room more than the margin.
    MARGIN_X = 10
    MARGIN_Y = 6

    def __init__(self, text: str = "", role: str = "") -> None:
        super().__init__()
        _touch(self, role)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(self.MARGIN_X, self.MARGIN_Y, self.MARGIN_X, self.MARGIN_Y)
        layout.addWidget(self.label)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.updateGeometry()

    def caption(self) -> str:
        return self.label.text()

    def _inner(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else QSize()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # The button's own hint is its style's (min-height of the style sheet) for no text.
        own, inner = super().sizeHint(), self._inner()
        return QSize(max(own.width(), inner.width()), max(own.height(), inner.height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        layout = self.layout()
        inner = layout.minimumSize() if layout is not None else QSize()
        own = super().minimumSizeHint()
        return QSize(max(own.width(), inner.width()), max(own.height(), inner.height()))

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        layout = self.layout()
        inner = layout.totalHeightForWidth(width) if layout is not None else 0
        return max(super().sizeHint().height(), self.minimumHeight(), inner)


class Tile(QFrame):
    """A large touch area with a title and lines of detail, all wrapped (never cut off).

    Signals:
        clicked(): touched and released on the tile while it is available.
    """

    clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "tile")
        self.setMinimumHeight(MIN_TOUCH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.title = label()
        self.title.setStyleSheet("font-weight: bold;")
        self.detail = label(role="muted")
        self.reason = label(role="reason")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.reason)
        self.reason.hide()
        self.available = True

    def set_available(self, available: bool, reason: str = "") -> None:
        self.available = available
        self.setProperty("available", "true" if available else "false")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason) and not available)
        repolish(self)
        for child in self.findChildren(QLabel):
            repolish(child)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 - Qt's name
        if (
            event is not None
            and self.available
            and event.button() == Qt.MouseButton.LeftButton
            and self.rect().contains(event.position().toPoint())
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


def scroll_area(content: QWidget) -> QScrollArea:
    """A scrolling area a finger can drag (kinetic scrolling), for long lists."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    viewport = area.viewport()
    if viewport is not None:
        QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    return area


class Header(QWidget):
    """The top bar of the visitor's screens: back, the step's title, language.

    Signals:
        back(): the visitor wants the previous step.
        language(): the visitor switches between Vietnamese and English.
    """

    back = pyqtSignal()
    language = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.back_button = button()
        self.back_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.title = label(role="title")
        self.language_button = button()
        self.language_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.back_button)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.language_button)
        self.back_button.clicked.connect(self.back)
        self.language_button.clicked.connect(self.language)
        self.retranslate()

    def retranslate(self) -> None:
        self.back_button.setText(_("◀ Back"))
        self.language_button.setText(_("English"))


def qr_pixmap(text: str, size: int) -> QPixmap:
    """`text` as a QR code of about `size` pixels (black on white, with its quiet zone)."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage, fill_color="black", back_color="white").save(
        buffer, format="PNG"
    )
    image = QImage.fromData(buffer.getvalue())
    return QPixmap.fromImage(image).scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
