"""The optional media area: the images and videos of a local folder, in name order, looping.

Images stay :data:`IMAGE_MS` each, videos play to their end. The videos' sound is muted
while a call is announced (:meth:`MediaArea.set_announcing`). Nothing is fetched: the
folder is on the display's own disk (``--media DIR``).
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, QTimer, QUrl
from PyQt6.QtGui import QPixmap, QResizeEvent
from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer
from PyQt6.QtMultimediaWidgets import QVideoWidget
from PyQt6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QWidget

from display.timers import timer

IMAGE_MS = 10_000
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".webm", ".mkv", ".avi", ".mov", ".m4v"}


def media_files(folder: Path) -> list[Path]:
    """The images and videos of `folder`, by name (not recursive)."""
    if not folder.is_dir():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES
        ),
        key=lambda p: p.name.lower(),
    )


class MediaArea(QStackedWidget):
    """Shows the folder's files one after the other, for ever."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("media")
        self.files = media_files(folder)
        self.index = -1
        self.announcing = False
        self.volume = 0.6
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.video = QVideoWidget()
        self.addWidget(self.image)
        self.addWidget(self.video)
        self.audio = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        self.player.mediaStatusChanged.connect(self.on_media_status)
        self.player.errorOccurred.connect(lambda *_: self.on_next())
        self._pixmap = QPixmap()
        self._timer = timer(self, 0, self.on_next, single_shot=True)
        self._apply_volume()
        if self.files:
            QTimer.singleShot(0, self.on_next)

    def current(self) -> Path | None:
        return self.files[self.index] if 0 <= self.index < len(self.files) else None

    def set_announcing(self, announcing: bool) -> None:
        self.announcing = announcing
        self._apply_volume()

    def _apply_volume(self) -> None:
        self.audio.setMuted(self.announcing)
        self.audio.setVolume(self.volume)

    def on_next(self) -> None:
        if not self.files:
            return
        self.index = (self.index + 1) % len(self.files)
        path = self.files[self.index]
        if path.suffix.lower() in VIDEO_SUFFIXES:
            self._timer.stop()
            self.setCurrentWidget(self.video)
            self.player.setSource(QUrl.fromLocalFile(str(path)))
            self.player.play()
        else:
            self.player.stop()
            self._pixmap = QPixmap(str(path))
            self.setCurrentWidget(self.image)
            self._show_pixmap()
            self._timer.start(IMAGE_MS)

    def on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            # One video alone loops; otherwise the next file.
            QTimer.singleShot(0, self.on_next)

    def _show_pixmap(self) -> None:
        if self._pixmap.isNull():
            self.image.clear()
            return
        self.image.setPixmap(
            self._pixmap.scaled(
                self.image.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_pixmap()
