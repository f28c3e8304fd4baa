"""The grid's model: one row per object, its thumbnail asked for when the view paints it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from coachadmin.display import format_size
from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui.icons import icon
from coachadmin.ui.preview.kinds import Kind, classify, describe
from coachadmin.ui.preview.text_format import local_time
from coachadmin.ui.thumbnails.loader import ThumbnailLoader

#: The row's ObjectInfo.
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's S3 key.
KEY_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex

_STANDARD_ICONS = {
    Kind.VIDEO: QStyle.StandardPixmap.SP_MediaPlay,
    Kind.AUDIO: QStyle.StandardPixmap.SP_MediaVolume,
    Kind.TEXT: QStyle.StandardPixmap.SP_FileDialogDetailedView,
}


def kind_icon(kind: Kind) -> QIcon:
    """The generic icon of a tile with no thumbnail (yet)."""
    if kind is Kind.FOLDER:
        return icon("folder")
    pixmap = _STANDARD_ICONS.get(kind)
    if pixmap is not None:
        return QApplication.style().standardIcon(pixmap)
    return icon("file")


class ThumbnailModel(QAbstractListModel):
    def __init__(self, loader: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.bucket = ""
        self._rows: list[ObjectInfo] = []
        self._row_of: dict[str, int] = {}
        self._icons: dict[Kind, QIcon] = {}
        loader.ready.connect(self._thumbnail_ready)

    def set_items(self, bucket: str, items: list[ObjectInfo]) -> None:
        self.beginResetModel()
        self.loader.reset()
        self.bucket = bucket
        self._rows = list(items)
        self._row_of = {info.key: row for row, info in enumerate(self._rows)}
        self.endResetModel()

    def object_at(self, row: int) -> ObjectInfo:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        info = self._rows[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(info)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{info.name}\n{describe(info.key)} \u00b7 {format_size(info.size)}\n"
                f"{local_time(info.last_modified)}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:  # right under the tile, one line or two
            return Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        plain = {Qt.ItemDataRole.DisplayRole: info.name, OBJECT_ROLE: info, KEY_ROLE: info.key}
        return plain.get(role)

    def _decoration(self, info: ObjectInfo) -> Any:
        kind = classify(info.key)
        if kind is Kind.IMAGE:
            thumbnail = self.loader.thumbnail_icon(self.bucket, info)
            if thumbnail is not None:
                return thumbnail
            self.loader.request(self.bucket, info)  # lazily: this tile is being painted
        if kind not in self._icons:
            self._icons[kind] = kind_icon(kind)
        return self._icons[kind]

    def _thumbnail_ready(self, key: str, _loaded: bool) -> None:
        row = self._row_of.get(key)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
