"""A window's picture with the video the preview shows drawn in.

A widget grab does not capture the video surface, which Qt Multimedia draws on its own:
the frame the player shows is taken from its video sink and drawn in the widget's place,
letterboxed on black as the player draws it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QWidget


def grab_with_video(window: QWidget, video: QVideoWidget) -> QPixmap:
    """``window`` grabbed, with ``video``'s current frame (if it has one) drawn in."""
    pixmap = window.grab()
    frame = video.videoSink().videoFrame().toImage()
    if frame.isNull() or not video.isVisible():
        return pixmap
    area = QRect(video.mapTo(window, QPoint(0, 0)), video.size())
    painter = QPainter(pixmap)
    painter.fillRect(area, QColor("black"))
    size = frame.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(QPoint(0, 0), size)
    target.moveCenter(area.center())
    painter.drawImage(target, frame)
    painter.end()
    return pixmap
