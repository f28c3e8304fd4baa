"""The grid view mode: ``ThumbnailGrid.set_items(bucket, objects)`` shows a folder as tiles.

A QListView in icon mode over :class:`ThumbnailModel`. Tiles have one size, so the
view lays out 100,000 of them without asking each for its size, and it asks for the
decoration (hence the thumbnail) only of the tiles it paints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui import bridge as bridge_module
from coachadmin.ui.browser.selection import SelectedObject
from coachadmin.ui.panels import name_widget
from coachadmin.ui.preview.access import S3Access
from coachadmin.ui.thumbnails.cache import DiskThumbnails, ThumbnailCache
from coachadmin.ui.thumbnails.loader import EDGE, ThumbnailLoader
from coachadmin.ui.thumbnails.model import OBJECT_ROLE, ThumbnailModel

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.bridge import Bridge

EMPTY_TEXT = "This folder has no objects."


class ThumbnailGrid(QListView):
    """Tiles of a folder's objects. Emits :attr:`object_selected` and :attr:`object_activated`."""

    #: The current tile changed (a SelectedObject, or None when nothing is current).
    object_selected = Signal(object)
    #: A tile was double-clicked or Enter was pressed on it (a SelectedObject).
    object_activated = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        bridge: Bridge | None = None,
        cache: ThumbnailCache | None = None,
        disk: DiskThumbnails | None = None,
        edge: int = EDGE,
    ) -> None:
        super().__init__(parent)
        name_widget(self, "thumbnailGrid", "The current folder's objects as thumbnails")
        self.loader = ThumbnailLoader(
            bridge or bridge_module.bridge(),
            cache,
            disk if disk is not None else DiskThumbnails(),
            self,
            edge=edge,
        )
        self.grid_model = ThumbnailModel(self.loader, self)
        self.setModel(self.grid_model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setIconSize(QSize(edge, edge))
        self.setGridSize(QSize(edge + 36, edge + 44))
        self.setSpacing(6)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.activated.connect(self._activated)
        self._empty_text = ""

    def set_connection(self, connection: Connection | None) -> None:
        """Read thumbnails through ``connection`` (None: no thumbnails, generic icons)."""
        self.loader.set_access(S3Access(connection) if connection is not None else None)

    def set_access(self, access: S3Access | None) -> None:
        """Share the preview pane's client instead of making a second one."""
        self.loader.set_access(access)

    def set_items(self, bucket: str, items: list[ObjectInfo]) -> None:
        """Show ``items`` (one folder's objects) as tiles; thumbnails load as they are painted."""
        self.grid_model.set_items(bucket, items)
        self._empty_text = EMPTY_TEXT
        self.viewport().update()

    def selected_objects(self) -> list[SelectedObject]:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return [self._selected(row) for row in rows]

    def _selected(self, row: int) -> SelectedObject:
        info = self.grid_model.object_at(row)
        return SelectedObject(self.grid_model.bucket, info.key, info)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.object_selected.emit(self._selected(current.row()) if current.isValid() else None)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid() and isinstance(index.data(OBJECT_ROLE), ObjectInfo):
            self.object_activated.emit(self._selected(index.row()))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.grid_model.rowCount() or not self._empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(24, 24, -24, -24)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self._empty_text)
        painter.end()
