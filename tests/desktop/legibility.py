"""Is every word on a Qt screen readable? :func:`unreadable` walks the visible labels and
buttons of a window and says which ones do not show their whole text.

A label is unreadable when its text needs more room than its contents rectangle (measured
with the label's own font: ``QFontMetrics.boundingRect`` with the word-wrap flag for a
wrapping label, a ``QTextDocument`` of the label's width for rich text), when a parent cuts
it (its rectangle goes out of an ancestor's), or when it was shortened with "…" (the code's
habit: the whole text in the tooltip). A button is unreadable when it is narrower or lower
than its size hint (Qt would clip its text).
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtGui import QFontMetrics, QTextDocument
from PyQt6.QtWidgets import (
    QAbstractScrollArea,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

BIG = 100_000
# Rounding of fonts and layouts: a pixel of slack.
SLACK = 1


def _text_size(label: QLabel, width: int) -> tuple[int, int]:
    """The width and height the label's text needs within `width` pixels (if it wraps)."""
    text = label.text()
    font = label.font()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    if rich:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        doc.setHtml(text)
        if label.wordWrap():
            doc.setTextWidth(width)
            return int(doc.idealWidth() + 0.999), int(doc.size().height() + 0.999)
        return int(doc.idealWidth() + 0.999), int(doc.size().height() + 0.999)
    metrics = QFontMetrics(font)
    flags = int(label.alignment().value)
    if label.wordWrap():
        flags |= Qt.TextFlag.TextWordWrap.value
        rect = metrics.boundingRect(QRect(0, 0, max(1, width), BIG), flags, text)
    else:
        rect = metrics.boundingRect(QRect(0, 0, BIG, BIG), flags, text)
    return rect.width(), rect.height()


def _cut_by_parent(widget: QWidget, window: QWidget) -> str | None:
    """The name of the first ancestor (up to `window`, or a scroll area's viewport) whose
    rectangle does not hold the whole of `widget`."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent.parentWidget(), QAbstractScrollArea):
            return None  # a scroll area's content is read by scrolling
        own = QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        if not own.contains(rect):
            return f"{type(parent).__name__}#{parent.objectName()}"
        if parent is window:
            return None
        parent = parent.parentWidget()
    return None


def _describe(widget: QWidget) -> str:
    name = widget.objectName()
    return f"{type(widget).__name__}{'#' + name if name else ''}"


def unreadable(window: QWidget, buttons: bool = True) -> list[str]:
    """What is not wholly readable in `window` (as shown now): one line per widget
    (`buttons`: the buttons' size hints too)."""
    problems: list[str] = []
    for label in [*window.findChildren(QLabel), *([window] if isinstance(window, QLabel) else [])]:
        text = label.text()
        if not text.strip() or not label.isVisibleTo(window) or not label.pixmap().isNull():
            continue
        if not label.isVisible() and window.isVisible():
            continue
        area = label.contentsRect()
        indent = max(0, label.margin())
        width = area.width() - 2 * indent
        height = area.height() - 2 * indent
        need_w, need_h = _text_size(label, width)
        where = f"{_describe(label)} {text!r}"
        if need_w > width + SLACK or need_h > height + SLACK:
            problems.append(f"{where}: needs {need_w}×{need_h}, has {width}×{height}")
            continue
        if "…" in text and label.toolTip() and label.toolTip() != text:
            problems.append(f"{where}: shortened with '…' (whole: {label.toolTip()!r})")
            continue
        cut = _cut_by_parent(label, window)
        if cut:
            problems.append(f"{where}: cut by {cut}")
    found = (
        [*window.findChildren(QToolButton), *window.findChildren(QPushButton)] if buttons else []
    )
    for button in found:
        if not button.text().strip() or not button.isVisibleTo(window):
            continue
        hint = button.sizeHint()
        where = f"{_describe(button)} {button.text()!r}"
        if button.width() + SLACK < hint.width() or button.height() + SLACK < hint.height():
            problems.append(
                f"{where}: {button.width()}×{button.height()}, needs {hint.width()}×{hint.height()}"
            )
            continue
        cut = _cut_by_parent(button, window)
        if cut:
            problems.append(f"{where}: cut by {cut}")
    return problems
