"""The tray icon: the waiting count drawn on it, a menu, and desktop notifications."""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PyQt6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from desktop import theme
from desktop.i18n import Catalog

_ = Catalog("counter_client").gettext


def count_icon(count: int, size: int = 64) -> QIcon:
    """A square with the waiting count in it (99+ past 99)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(theme.COLOURS.background))
    painter = QPainter(pixmap)
    painter.setPen(QColor(theme.COLOURS.accent))
    font = QFont(theme.vietnamese_font_family())
    font.setBold(True)
    font.setPixelSize(int(size * (0.6 if count < 100 else 0.4)))
    painter.setFont(font)
    painter.drawText(
        QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+"
    )
    painter.end()
    return QIcon(pixmap)


class Tray(QWidget):
    """The tray icon (where the desktop has a tray).

    Signals:
        show_requested(): bring the bar back.
        quit_requested(): quit (asks pause or close first).
    """

    show_requested = pyqtSignal()
    quit_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = 0
        self.icon = QSystemTrayIcon(count_icon(0), self)
        self.menu = QMenu(self)
        self.show_action = QAction(_("Show the bar"), self)
        self.quit_action = QAction(_("Quit"), self)
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self._connect_signals()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def _connect_signals(self) -> None:
        self.show_action.triggered.connect(self.show_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon.activated.connect(lambda _reason: self.show_requested.emit())

    def set_count(self, count: int) -> None:
        self.count = count
        self.icon.setIcon(count_icon(count))
        self.icon.setToolTip(_("Waiting: {count}").format(count=count))

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and self.icon.isVisible()

    def notify(self, title: str, text: str) -> bool:
        """A desktop notification; False where there is no tray to show it."""
        if not self.available or not QSystemTrayIcon.supportsMessages():
            return False
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)
        return True
