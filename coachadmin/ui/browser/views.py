"""The object list and the folder tree as views: keyboard, drops from the file manager.

Both accept files and folders dragged from the OS file manager: onto the list
(the current folder, or the folder row under the pointer) or onto a folder in
the tree, which is highlighted while the drag is over it. They only say what was
dropped where (:attr:`files_dropped`); the browser controller plans and queues
the uploads.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from coachadmin.ui.browser.dnd import local_paths
from coachadmin.ui.browser.drop_target import DropHighlight
from coachadmin.ui.browser.object_model import IS_FOLDER_ROLE, KEY_ROLE
from coachadmin.ui.browser.tree_model import PREFIX_ROLE
from coachadmin.ui.widgets import PlaceholderTableView, PlaceholderTreeView

#: Default widths of Name, Size, Last modified, Type, Storage class.
COLUMN_WIDTHS = (320, 80, 128, 110, 104)
#: Name takes the room the other columns leave, never less than this: in a narrow
#: window the list scrolls sideways (as Explorer's details view does) instead.
NAME_MIN_WIDTH = 220


def _accepts(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
    return bool(local_paths(event.mimeData()))


def _answer(event: QDragEnterEvent | QDragMoveEvent | QDropEvent, welcome: bool) -> bool:
    """Take the drag or drop as a copy when ``welcome``, else refuse it; returns ``welcome``."""
    if welcome:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
    else:
        event.ignore()
    return welcome


class ObjectListView(PlaceholderTableView):
    #: Files dropped: (paths, target folder prefix or None for the current folder).
    files_dropped = Signal(list, object)
    #: Enter on a row (open a folder, preview an object).
    open_requested = Signal(QModelIndex)
    #: Backspace: the parent folder.
    up_requested = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # as Finder and Explorer
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAcceptDrops(True)
        # Files come in from the file manager; objects go out to a lesson (Lessons tab).
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.hide()
        # Fixed row heights: no per-row size hints over 100,000 rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.drop_highlight = DropHighlight(self)

    def apply_default_widths(self) -> None:
        """Name takes the room left; the other columns keep their (remembered) widths."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.setColumnWidth(column, width)
        header.setMinimumSectionSize(60)
        header.sectionResized.connect(self._section_resized)
        self.fit_name_column()

    def fit_name_column(self) -> None:
        """Name gets the room the other columns leave, at least :data:`NAME_MIN_WIDTH`."""
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        others = sum(
            header.sectionSize(c) for c in range(1, header.count()) if not header.isSectionHidden(c)
        )
        header.resizeSection(0, max(NAME_MIN_WIDTH, self.viewport().width() - others))

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != 0:  # another column took or gave room: Name follows
            self.fit_name_column()

    def resizeEvent(self, event: QResizeEvent) -> None:  # the viewport's size
        super().resizeEvent(event)
        if self.model() is not None:
            self.fit_name_column()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            return
        if key == Qt.Key.Key_Backspace and not event.modifiers():
            self.up_requested.emit()
            return
        super().keyPressEvent(event)

    # -- drops from the file manager ----------------------------------------------------
    def _folder_at(self, event: QDragMoveEvent | QDropEvent) -> str | None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and index.data(IS_FOLDER_ROLE):
            key = index.data(KEY_ROLE)
            return key if isinstance(key, str) else None
        return None

    def _drop_area(self, event: QDragMoveEvent) -> QRect:
        """The folder row under the pointer, else the whole list (the folder it shows)."""
        if self._folder_at(event) is None:
            return self.viewport().rect()
        row = self.indexAt(event.position().toPoint()).row()
        return QRect(0, self.rowViewportPosition(row), self.viewport().width(), self.rowHeight(row))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        _answer(event, _accepts(event))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        welcome = _answer(event, _accepts(event))
        self.drop_highlight.show(self._drop_area(event) if welcome else None)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_highlight.clear()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_highlight.clear()
        paths = local_paths(event.mimeData())
        if _answer(event, bool(paths)):
            self.files_dropped.emit(paths, self._folder_at(event))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.drop_highlight.paint()


class FolderTreeView(PlaceholderTreeView):
    #: Files dropped on a folder: (paths, its prefix).
    files_dropped = Signal(list, object)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setAnimated(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.drop_highlight = DropHighlight(self)

    def _prefix_at(self, event: QDragMoveEvent | QDropEvent) -> str | None:
        index = self.indexAt(event.position().toPoint())
        value = index.data(PREFIX_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        _answer(event, _accepts(event))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        welcome = _answer(event, _accepts(event) and self._prefix_at(event) is not None)
        row = self.visualRect(index)
        self.drop_highlight.show(
            QRect(0, row.top(), self.viewport().width(), row.height()) if welcome else None
        )

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_highlight.clear()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_highlight.clear()
        paths = local_paths(event.mimeData())
        prefix = self._prefix_at(event)
        if _answer(event, bool(paths) and prefix is not None):
            self.files_dropped.emit(paths, prefix)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.drop_highlight.paint()


def paths_of(values: list[object]) -> list[Path]:
    return [v for v in values if isinstance(v, Path)]
