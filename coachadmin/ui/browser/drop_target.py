"""Where files dragged in from the file manager would land, outlined on the view.

As in Finder and Explorer: over a folder (a folder row in the list, a folder in
the tree) that folder is highlighted; over the rest of the list the whole list is
outlined, for the folder it shows. The outline goes when the drag leaves or drops.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView

#: The fill's opacity over the highlighted rows (the outline is opaque).
FILL_ALPHA = 60


class DropHighlight:
    def __init__(self, view: QAbstractItemView) -> None:
        self.view = view
        #: The outlined area, in viewport coordinates; None when nothing is dragged over.
        self.rect: QRect | None = None

    def show(self, rect: QRect | None) -> None:
        if rect != self.rect:
            self.rect = rect
            self.view.viewport().update()

    def clear(self) -> None:
        self.show(None)

    def paint(self) -> None:
        """Draw the outline over what the view painted (call at the end of paintEvent)."""
        if self.rect is None:
            return
        colour = self.view.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(colour)
        fill.setAlpha(FILL_ALPHA)
        painter = QPainter(self.view.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2))
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect.adjusted(1, 1, -2, -2), 4, 4)
        painter.end()
