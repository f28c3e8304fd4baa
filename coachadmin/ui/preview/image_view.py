"""An image scaled to fit the pane (never enlarged past its own size), sharp on HiDPI."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from coachadmin.ui.widgets import mix


class ImageView(QWidget):
    """Paints one image centred; the scaled copy is cached per widget size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewImage")
        self.setAccessibleName("Image preview")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(64, 64)
        self._pixmap = QPixmap()
        self._scaled: QPixmap | None = None

    def set_image(self, image: QImage) -> None:
        self._pixmap = QPixmap.fromImage(image)
        self._scaled = None
        self.update()

    def clear(self) -> None:
        self._pixmap = QPixmap()
        self._scaled = None
        self.update()

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def image_rect(self) -> QRect:
        """Where the image is drawn (tests and screenshots look at it)."""
        if self._pixmap.isNull():
            return QRect()
        area = self.rect().adjusted(8, 8, -8, -8)
        size = QSize(self._pixmap.size())
        if size.width() > area.width() or size.height() > area.height():
            size.scale(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(area.center())
        return rect

    def sizeHint(self) -> QSize:
        return QSize(240, 180)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._scaled = None
        super().resizeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if self._pixmap.isNull():
            return
        painter = QPainter(self)
        target = self.image_rect()
        ratio = self.devicePixelRatioF()
        wanted = QSize(round(target.width() * ratio), round(target.height() * ratio))
        if self._scaled is None or self._scaled.size() != wanted:
            self._scaled = self._pixmap.scaled(
                wanted,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled.setDevicePixelRatio(ratio)
        if self._pixmap.hasAlphaChannel():
            self._paint_checkers(painter, target)
        painter.drawPixmap(target.topLeft(), self._scaled)
        painter.end()

    def _paint_checkers(self, painter: QPainter, target: QRect) -> None:
        """Transparent areas show as a quiet checkerboard, as image viewers do."""
        base = self.palette().color(QPalette.ColorRole.Base)
        other = mix(base, self.palette().color(QPalette.ColorRole.Text), 0.08)
        painter.save()
        painter.setClipRect(target)
        step = 8
        for y in range(target.top(), target.bottom() + 1, step):
            for x in range(target.left(), target.right() + 1, step):
                dark = ((x - target.left()) // step + (y - target.top()) // step) % 2
                painter.fillRect(x, y, step, step, other if dark else base)
        painter.restore()
