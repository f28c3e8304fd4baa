"""Small reusable widgets: views that explain themselves when empty, and a badge.

Every colour comes from the widget's palette at paint time, so light and dark
mode (and a switch between them while the app runs) need no extra code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSizePolicy,
    QTableView,
    QTreeView,
    QWidget,
)


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
        1.0,
    )


if TYPE_CHECKING:
    _ItemView = QAbstractItemView
else:  # a plain mixin at run time: two Qt bases sharing QAbstractItemView would crash
    _ItemView = object


class _PlaceholderMixin(_ItemView):
    """Shows a helpful sentence instead of an empty grey area while the view has no rows."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = placeholder

    def placeholder_text(self) -> str:
        return self._placeholder

    def set_placeholder_text(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self._placeholder or (model is not None and model.rowCount(self.rootIndex()) > 0):
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        margin = 24
        area = self.viewport().rect().adjusted(margin, margin, -margin, -margin)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self._placeholder)
        painter.end()


class PlaceholderTableView(_PlaceholderMixin, QTableView):
    """A table that shows a helpful sentence instead of an empty grey area."""


class PlaceholderTreeView(_PlaceholderMixin, QTreeView):
    """A tree that shows a helpful sentence instead of an empty grey area."""


class PlaceholderLabel(QLabel):
    """A centred, muted, wrapping sentence for a pane that has nothing to show yet."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.setContentsMargins(16, 16, 16, 16)


class Badge(QLabel):
    """A small rounded label: "Production" in a warning colour, "Demo" in the accent colour."""

    def __init__(
        self, text: str, colour: QColor | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(text, parent)
        self._colour = colour
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.font()
        font.setBold(True)
        self.setFont(font)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() + 16, hint.height() + 4)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        background = self._colour or palette.color(QPalette.ColorRole.Highlight)
        # Readable text on any background: white on dark colours, black on light ones.
        foreground = QColor("#ffffff") if background.lightnessF() < 0.6 else QColor("#000000")
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        box = QRect(self.rect()).adjusted(0, 1, 0, -1)
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        painter.setPen(foreground)
        painter.setFont(self.font())
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), self.text())
        painter.end()


class ElidedLabel(QLabel):
    """One line of text elided in the middle when it does not fit (long S3 keys)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(40, hint.height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, rect.width()
        )
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text
        )
