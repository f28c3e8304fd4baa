"""The current folder's rows: a table model fed page by page, sorted and filtered in Python.

Rows are the listing's :class:`ObjectInfo` values themselves (slots dataclasses;
a folder is an ObjectInfo whose key ends in ``/``), so memory grows with the
rows and nothing else. Folders come first in either sort direction.

Why no QSortFilterProxyModel: a proxy asks the model for ``data()`` on every
comparison, a few million Python calls to sort 100,000 rows. Here each group
(folders, objects) is kept sorted ascending by a key computed in Python, a
descending view reads it backwards, and an arriving page is merged in with
``bisect``: one ``beginInsertRows`` per contiguous run (usually a single run,
since S3 lists keys in order).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QIcon

from coachadmin.display import format_size
from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui.browser import formatting
from coachadmin.ui.icons import icon
from coachadmin.ui.lessons.mime import S3_KEYS_MIME, ObjectRef, to_mime_data

NAME, SIZE, MODIFIED, KIND, STORAGE = range(5)
HEADERS = ("Name", "Size", "Last modified", "Type", "Storage class")

INFO_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's ObjectInfo
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # its full key
IS_FOLDER_ROLE = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex
SortKey = Callable[[ObjectInfo], Any]
#: More separate insertion points than this in one page: reset instead of inserting.
MAX_RUNS = 64
_EPOCH = datetime.fromtimestamp(0).astimezone()
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def folder_info(prefix: str) -> ObjectInfo:
    return ObjectInfo(key=prefix, size=0, last_modified=None, etag="", storage_class="")


def is_folder(info: ObjectInfo) -> bool:
    return info.key.endswith("/")


def _name_key(info: ObjectInfo) -> str:
    # Every row of a listing shares its prefix, so the whole key sorts like the name.
    return info.key.casefold()


def _sort_key(column: int) -> SortKey:
    """Cheap keys (each is computed once per row when sorting 100,000 rows)."""
    keys: dict[int, SortKey] = {
        NAME: _name_key,
        SIZE: lambda i: (i.size, i.key),
        MODIFIED: lambda i: (i.last_modified or _EPOCH, i.key),
        KIND: lambda i: (formatting.kind_and_icon(i.key)[0], i.key),
        STORAGE: lambda i: (i.storage_class, i.key),
    }
    return keys.get(column, _name_key)


def _merged(rows: list[ObjectInfo], new: list[ObjectInfo], key: SortKey) -> list[ObjectInfo]:
    """``rows`` and the sorted ``new`` as one sorted list: O(n) copying done in C, instead of
    one ``list.insert`` (a memmove of the whole list) per new row."""
    if not rows or key(new[0]) >= key(rows[-1]):
        return rows + new  # the usual case: S3 lists in key order
    merged: list[ObjectInfo] = []
    start = 0
    for item in new:
        at = bisect.bisect_right(rows, key(item), lo=start, key=key)
        merged.extend(rows[start:at])
        merged.append(item)
        start = at
    merged.extend(rows[start:])
    return merged


class _Group:
    """Folders or objects: every row (``all``) and the ones the filter lets through (``shown``),
    both sorted ascending by ``key``."""

    def __init__(self) -> None:
        self.all: list[ObjectInfo] = []
        self.shown: list[ObjectInfo] = []

    def find(self, items: list[ObjectInfo], info: ObjectInfo, key: SortKey) -> int | None:
        wanted = key(info)
        at = bisect.bisect_left(items, wanted, key=key)
        while at < len(items) and key(items[at]) == wanted:  # equal keys ("A" and "a")
            if items[at].key == info.key:
                return at
            at += 1
        return None


class ObjectListModel(QAbstractTableModel):
    """Folders first, then objects; see the module docstring for how sorting works."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._folders = _Group()
        self._objects = _Group()
        self._by_key: dict[str, ObjectInfo] = {}
        self._base = ""  # the listed prefix: names are keys without it
        self._filter = ""
        self._column = NAME
        self._descending = False
        self._key = _sort_key(NAME)
        self._icons: dict[str, QIcon] = {}
        #: The bucket listed, for the objects dragged out of the list (set by the controller).
        self.bucket = ""

    # -- what is listed --------------------------------------------------------------
    @property
    def base(self) -> str:
        return self._base

    def total(self) -> int:
        """Rows listed, whatever the filter."""
        return len(self._by_key)

    def listed(self) -> list[ObjectInfo]:
        """Every row listed, whatever the filter (folders first)."""
        return [*self._folders.all, *self._objects.all]

    def clear(self, base: str = "") -> None:
        self.beginResetModel()
        self._folders, self._objects = _Group(), _Group()
        self._by_key = {}
        self._base = base
        self._key = _sort_key(self._column)
        self.endResetModel()

    def add(self, folders: Iterable[str] = (), objects: Iterable[ObjectInfo] = ()) -> int:
        """Merge a page in (keys already listed are replaced); returns how many rows are new."""
        incoming = [folder_info(p) for p in folders if p != self._base]
        incoming += [o for o in objects if o.key != self._base]
        replaced = [i for i in incoming if i.key in self._by_key]
        if replaced:
            self.remove(i.key for i in replaced)
        fresh: dict[str, ObjectInfo] = {i.key: i for i in incoming}
        self._by_key.update(fresh)
        new_folders = [i for i in fresh.values() if is_folder(i)]
        new_objects = [i for i in fresh.values() if not is_folder(i)]
        self._merge(self._folders, new_folders, offset=0)
        self._merge(self._objects, new_objects, offset=len(self._folders.shown))
        return len(fresh) - len(replaced)

    def _merge(self, group: _Group, items: list[ObjectInfo], offset: int) -> None:
        if not items:
            return
        key = self._key
        items.sort(key=key)
        group.all = _merged(group.all, items, key)
        visible = [i for i in items if self._passes(i)]
        runs: list[tuple[int, list[ObjectInfo]]] = []
        for item in visible:
            gap = bisect.bisect_right(group.shown, key(item), key=key)
            if runs and runs[-1][0] == gap:
                runs[-1][1].append(item)
            else:
                runs.append((gap, [item]))
        if len(runs) > MAX_RUNS:  # scattered over a big list: one reset is cheaper
            self.beginResetModel()
            group.shown = _merged(group.shown, visible, key)
            self.endResetModel()
            return
        for gap, run in reversed(runs):  # last first: earlier gaps keep their meaning
            size = len(group.shown)
            start = size - gap if self._descending else gap
            self.beginInsertRows(QModelIndex(), offset + start, offset + start + len(run) - 1)
            group.shown[gap:gap] = run
            self.endInsertRows()

    def remove(self, keys: Iterable[str]) -> None:
        """Take rows out (after a delete or a move)."""
        for full_key in keys:
            info = self._by_key.pop(full_key, None)
            if info is None:
                continue
            group = self._folders if is_folder(info) else self._objects
            at = group.find(group.all, info, self._key)
            if at is not None:
                del group.all[at]
            at = group.find(group.shown, info, self._key)
            if at is not None:
                row = self._view_row(group, at)
                self.beginRemoveRows(QModelIndex(), row, row)
                del group.shown[at]
                self.endRemoveRows()

    def upsert(self, info: ObjectInfo) -> None:
        """Show ``info`` (a finished upload), replacing the row of the same key."""
        self.add(objects=[info]) if not is_folder(info) else self.add(folders=[info.key])

    # -- filter and sort ---------------------------------------------------------------
    def _passes(self, info: ObjectInfo) -> bool:
        return not self._filter or self._filter in info.key[len(self._base) :].casefold()

    @property
    def filter_text(self) -> str:
        return self._filter

    def set_filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        if wanted == self._filter:
            return
        self.beginResetModel()
        self._filter = wanted
        for group in (self._folders, self._objects):
            group.shown = self._visible(group.all)
        self.endResetModel()

    def _visible(self, rows: list[ObjectInfo]) -> list[ObjectInfo]:
        wanted, base = self._filter, len(self._base)
        if not wanted:
            return list(rows)
        return [i for i in rows if wanted in i.key[base:].casefold()]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        before = [(index, self.info(index.row())) for index in self.persistentIndexList()]
        self._column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._key = _sort_key(column)
        for group in (self._folders, self._objects):
            group.all.sort(key=self._key)
            group.shown = self._visible(group.all)
        old, new = [], []
        for index, info in before:
            row = self.row_of(info.key) if info is not None else None
            old.append(index)
            new.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    @property
    def sort_column(self) -> int:
        return self._column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    # -- reading -----------------------------------------------------------------------
    def _view_row(self, group: _Group, at: int) -> int:
        position = len(group.shown) - 1 - at if self._descending else at
        return position + (len(self._folders.shown) if group is self._objects else 0)

    def info(self, row: int) -> ObjectInfo | None:
        folders = len(self._folders.shown)
        group, at = (self._folders, row) if row < folders else (self._objects, row - folders)
        if not 0 <= at < len(group.shown):
            return None
        return group.shown[len(group.shown) - 1 - at if self._descending else at]

    def infos(self) -> list[ObjectInfo]:
        """Rows in view order (tests and "select all" use this)."""
        return [i for i in (self.info(r) for r in range(self.rowCount())) if i is not None]

    def row_of(self, full_key: str) -> int | None:
        info = self._by_key.get(full_key)
        if info is None:
            return None
        group = self._folders if is_folder(info) else self._objects
        at = group.find(group.shown, info, self._key)
        return None if at is None else self._view_row(group, at)

    def display_name(self, info: ObjectInfo) -> str:
        return info.key[len(self._base) :].rstrip("/") or info.name

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._folders.shown) + len(self._objects.shown)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.TextAlignmentRole and section == SIZE:
            return _RIGHT
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        info = self.info(index.row()) if index.isValid() else None
        if info is not None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
            if is_folder(info):
                flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [S3_KEYS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged objects (folders left out), for dropping onto a lesson."""
        rows = sorted({index.row() for index in indexes if index.isValid()})
        infos = [self.info(row) for row in rows]
        refs = [ObjectRef(self.bucket, i.key) for i in infos if i is not None and not is_folder(i)]
        return to_mime_data(refs)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        info = self.info(index.row()) if index.isValid() else None
        if info is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(info, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(formatting.kind_and_icon(info.key)[1]) if column == NAME else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column == SIZE else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return info.key if column == NAME else None
        return {INFO_ROLE: info, KEY_ROLE: info.key, IS_FOLDER_ROLE: is_folder(info)}.get(role)

    def _text(self, info: ObjectInfo, column: int) -> str:
        folder = is_folder(info)
        if column == NAME:
            return self.display_name(info)
        if column == SIZE:
            return "" if folder else format_size(info.size)
        if column == MODIFIED:
            return formatting.local_time(info.last_modified)
        if column == KIND:
            return formatting.kind_and_icon(info.key)[0]
        if column == STORAGE:
            return "" if folder else formatting.storage_class(info.storage_class)
        return ""

    def _icon(self, name: str) -> QIcon:
        cached = self._icons.get(name)
        if cached is None:
            cached = self._icons[name] = icon(name)
        return cached
