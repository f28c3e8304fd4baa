"""The browser's navigation: which folder is shown, how it gets there, what is selected.

:class:`BrowserController` ties the Files page's widgets (tree, path bar, filter,
list) to the models and the background listing. Going to a folder lists it page
by page into :class:`ObjectListModel`; back, forward, up and refresh move through
:class:`History`. The commands on objects (new folder, rename, delete, ...) are
in :mod:`coachadmin.ui.browser.commands`, uploads in :mod:`.uploads`.
"""

from __future__ import annotations

import logging
import posixpath
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence

from coachadmin.errors import UserFacingError
from coachadmin.s3.listing import ObjectInfo, Page
from coachadmin.ui.browser.access import BucketAccess
from coachadmin.ui.browser.formatting import count
from coachadmin.ui.browser.history import History
from coachadmin.ui.browser.loader import PagedListing
from coachadmin.ui.browser.object_model import INFO_ROLE, ObjectListModel, is_folder
from coachadmin.ui.browser.selection import SelectedObject
from coachadmin.ui.browser.tree_model import FolderTreeModel
from coachadmin.ui.messages import MessageBus

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.bridge import Bridge
    from coachadmin.ui.workspace import FilesPage

log = logging.getLogger("coachadmin.ui.browser")

FILTER_DELAY_MS = 120


def parent_prefix(key: str) -> str:
    """``a/b/c.txt`` → ``a/b/``; ``a/b/`` → ``a/``; top level → ``""``."""
    parent = posixpath.dirname(key.rstrip("/"))
    return f"{parent}/" if parent else ""


class BrowserController(QObject):
    #: The current object changed (SelectedObject, or None when nothing is selected).
    object_selected = Signal(object)
    #: Enter or double-click on an object: preview it (SelectedObject).
    preview_requested = Signal(object)
    #: The folder shown changed (prefix; "" is the bucket's top).
    location_changed = Signal(str)
    #: Navigation possibilities changed: (can go back, can go forward, can go up).
    navigation_changed = Signal(bool, bool, bool)
    #: A listing finished: (prefix, rows).
    listed = Signal(str, int)

    def __init__(self, page: FilesPage, bridge: Bridge, bus: MessageBus) -> None:
        super().__init__(page)
        self.page = page
        self.bridge = bridge
        self.bus = bus
        self.access: BucketAccess | None = None
        self.history = History()
        self.prefix = ""
        self.search_prefix: str | None = None
        self.model = ObjectListModel(self)
        self.tree = FolderTreeModel(self)
        self.listing = PagedListing(self)
        self._filter_timer = QTimer(self)
        self._empty_text = "This folder is empty."
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._last_selected: SelectedObject | None = None
        #: Folders open in the tree before a refresh, opened again as they come back.
        self._reopen: set[str] = set()
        #: (folder, its rows) while a refresh of it has delivered no page yet.
        self._kept_rows: tuple[str, list[ObjectInfo]] | None = None

        view = page.object_list
        view.setModel(self.model)
        view.apply_default_widths()
        view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        page.folder_tree.setModel(self.tree)
        self.tree.rowsInserted.connect(self._reopen_folders)
        self.listing.page.connect(self._on_page)
        self.listing.finished.connect(self._on_listed)
        self.listing.failed.connect(self._on_list_failed)
        self.tree.failed.connect(self._on_tree_failed)
        page.path_bar.prefix_clicked.connect(self.navigate)
        page.folder_tree.clicked.connect(self._on_tree_clicked)
        page.folder_tree.activated.connect(self._on_tree_clicked)
        page.filter_box.textChanged.connect(lambda _text: self._filter_timer.start())
        self._filter_timer.timeout.connect(self._apply_filter)
        clear = QAction("Clear the filter", page.filter_box)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(page.filter_box.clear)
        page.filter_box.addAction(clear)
        view.doubleClicked.connect(self.open_index)
        view.open_requested.connect(self.open_index)
        view.up_requested.connect(self.up)
        view.selectionModel().selectionChanged.connect(self._on_selection)
        view.selectionModel().currentChanged.connect(self._on_selection)

    # -- connection --------------------------------------------------------------------
    @property
    def bucket(self) -> str:
        return self.access.bucket if self.access is not None else ""

    def open_connection(self, connection: Connection) -> None:
        """Browse ``connection``'s bucket from its top."""
        self.access = BucketAccess(self.bridge, connection)
        self.model.bucket = connection.bucket
        self.history.clear()
        self.tree.reset(self.access)
        self.navigate("")  # first: the list's pages fill the root's folders in the tree
        self.page.folder_tree.expand(self.tree.index_for(""))

    def close_connection(self) -> None:
        self.listing.stop()
        self.access = None
        self.tree.reset(None)
        self.model.clear("")
        self.history.clear()
        self._emit_selected(None)

    # -- navigation --------------------------------------------------------------------
    def navigate(self, prefix: str, *, record: bool = True) -> None:
        """Show the folder ``prefix`` ("" for the top of the bucket)."""
        if self.access is None:
            return
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if record:
            self.history.visit(prefix)
        self.prefix = prefix
        self.search_prefix = None
        self._list(prefix, search=False)
        self.page.path_bar.set_path(self.bucket, prefix)
        self._select_in_tree(prefix)
        self.location_changed.emit(prefix)
        self._navigation_changed()

    def search(self, prefix: str) -> None:
        """List every object whose key starts with ``prefix``, at any depth."""
        if self.access is None:
            return
        self.search_prefix = prefix
        self._list(prefix, search=True)
        self.page.path_bar.set_path(self.bucket, self.prefix)
        self.page.object_list.set_placeholder_text(f"No object's key starts with “{prefix}”.")
        self._navigation_changed()

    def _list(self, prefix: str, *, search: bool) -> None:
        assert self.access is not None
        base = "" if search else prefix
        self.model.clear(base)
        self.page.object_list.set_placeholder_text("Listing…")
        if search or prefix != self.tree.fed:
            self._stop_feeding_tree()
        self.listing.start(self.access, prefix, search=search)
        if not search:
            self.tree.feed(prefix)
        self._emit_selected(None)

    def _stop_feeding_tree(self) -> None:
        """The folder listed so far will not finish: if the tree has it open, the tree
        lists it itself."""
        fed = self.tree.fed
        self.tree.feed(None)
        item = self.tree.item_for(fed) if fed is not None else None
        if item is None:
            return
        index = item.index()
        if self.page.folder_tree.isExpanded(index) and self.tree.canFetchMore(index):
            self.tree.fetchMore(index)

    def back(self) -> None:
        if self.search_prefix is not None:
            self.navigate(self.prefix, record=False)
            return
        prefix = self.history.back()
        if prefix is not None:
            self.navigate(prefix, record=False)

    def forward(self) -> None:
        prefix = self.history.forward()
        if prefix is not None:
            self.navigate(prefix, record=False)

    def up(self) -> None:
        if self.search_prefix is not None:
            self.navigate(self.prefix, record=False)
        elif self.prefix:
            self.navigate(parent_prefix(self.prefix))

    def refresh(self) -> None:
        """List the current folder again (F5), and the tree's folders: those that were
        open open again as they are listed, the current one stays selected."""
        if self.access is None:
            return
        if self.search_prefix is not None:
            self.search(self.search_prefix)
            return
        tree_view = self.page.folder_tree
        self._reopen = {
            p for p in self.tree.prefixes() if tree_view.isExpanded(self.tree.index_for(p))
        }
        # What the folder showed comes back if the listing fails before its first page
        # (the network is down): F5 then leaves the view as it was, with the reason.
        kept = (self.prefix, self.model.listed())
        self.tree.reset(self.access, refresh=True)
        self.navigate(self.prefix, record=False)
        self._kept_rows = kept
        tree_view.expand(self.tree.index_for(""))

    def _reopen_folders(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            index = self.tree.index(row, 0, parent)
            prefix = self.tree.prefix_of(index)
            if prefix is not None and prefix in self._reopen:
                self._reopen.discard(prefix)
                self.page.folder_tree.expand(index)

    def _navigation_changed(self) -> None:
        searching = self.search_prefix is not None
        self.navigation_changed.emit(
            self.history.can_go_back() or searching,
            self.history.can_go_forward(),
            bool(self.prefix) or searching,
        )

    def open_index(self, index: QModelIndex) -> None:
        """Enter/double-click: open a folder, preview an object."""
        info = index.data(INFO_ROLE) if index.isValid() else None
        if not isinstance(info, ObjectInfo):
            return
        if is_folder(info):
            self.navigate(info.key)
        else:
            self.preview_requested.emit(SelectedObject(self.bucket, info.key, info))

    def _on_tree_clicked(self, index: QModelIndex) -> None:
        prefix = self.tree.prefix_of(index)
        if prefix is not None and (prefix != self.prefix or self.search_prefix is not None):
            self.navigate(prefix)

    def _select_in_tree(self, prefix: str) -> None:
        tree_view = self.page.folder_tree
        index = self.tree.index_for(prefix)
        if index.isValid():
            parent = index.parent()
            while parent.isValid():
                tree_view.expand(parent)
                parent = parent.parent()
            tree_view.setCurrentIndex(index)
            tree_view.scrollTo(index)

    # -- pages ---------------------------------------------------------------------------
    def _on_page(self, page: Page) -> None:
        self._kept_rows = None
        self.model.add(page.folders, page.objects)
        if self.search_prefix is None:
            self.tree.add_folders(page.prefix, page.folders)

    def _on_listed(self, prefix: str, rows: int) -> None:
        if self.search_prefix is None:
            self.tree.set_listed(prefix)
            self.tree.feed(None)
            self._empty_text = "This folder is empty. Drop files here to upload them."
            self._show_empty_text()
        self.listed.emit(prefix, rows)
        log.debug("%s: %s", prefix or "/", count(rows, "row"))

    def _on_list_failed(self, error: UserFacingError) -> None:
        kept, self._kept_rows = self._kept_rows, None
        if kept is not None and kept[0] == self.prefix and self.search_prefix is None:
            folders = [i.key for i in kept[1] if is_folder(i)]
            self.model.add(folders, [i for i in kept[1] if not is_folder(i)])
            self.tree.add_folders(self.prefix, folders)
        if self.tree.fed is not None:  # as when the tree fails to list it: Refresh retries
            self.tree.restore(self.tree.fed)
            self.tree.set_listed(self.tree.fed)
            self.tree.feed(None)
        self.page.object_list.set_placeholder_text(str(error))
        self.bus.error(str(error), action_text="Try Again", action=self.refresh)

    def _on_tree_failed(self, error: UserFacingError) -> None:
        self.bus.error(str(error))

    def _apply_filter(self) -> None:
        """Filter the list; what was selected and is still shown stays selected, and the
        preview follows: it never shows an object the list no longer shows."""
        view = self.page.object_list
        current = self.current_info()
        kept = [info.key for info in self.selected_infos()]
        self.model.set_filter(self.page.filter_box.text())  # a reset: the selection goes
        still = QItemSelection()
        for key in kept:
            row = self.model.row_of(key)
            if row is not None:
                still.select(self.model.index(row, 0), self.model.index(row, 0))
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection = view.selectionModel()
        selection.select(still, flags)  # at once: one selectionChanged, however many rows
        row = self.model.row_of(current.key) if current is not None else None
        if row is not None:
            selection.setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            view.scrollTo(self.model.index(row, 0))
        self._on_selection()
        self._show_empty_text()

    def _show_empty_text(self) -> None:
        """What an empty list says: the folder is empty, or no name matches the filter."""
        text = self.page.filter_box.text().strip()
        self.page.object_list.set_placeholder_text(
            f"No names match “{text}”. Esc clears the filter." if text else self._empty_text
        )

    # -- selection ---------------------------------------------------------------------
    def selected_infos(self) -> list[ObjectInfo]:
        rows = sorted({i.row() for i in self.page.object_list.selectionModel().selectedRows()})
        infos = [self.model.info(row) for row in rows]
        return [i for i in infos if i is not None]

    def current_info(self) -> ObjectInfo | None:
        index = self.page.object_list.currentIndex()
        return self.model.info(index.row()) if index.isValid() else None

    def _on_selection(self, *_args: QItemSelection | QModelIndex) -> None:
        selected = self.selected_infos()
        info = selected[0] if len(selected) == 1 else None
        if info is None and not selected:
            self._emit_selected(None)
            return
        if info is not None:
            self._emit_selected(SelectedObject(self.bucket, info.key, info))

    def _emit_selected(self, selection: SelectedObject | None) -> None:
        if selection != self._last_selected:
            self._last_selected = selection
            self.object_selected.emit(selection)

    def select_key(self, key: str) -> None:
        row = self.model.row_of(key)
        if row is not None:
            view = self.page.object_list
            view.selectRow(row)
            view.scrollTo(self.model.index(row, 0))

    # -- after changes ---------------------------------------------------------------------
    def show_new_object(self, info: ObjectInfo) -> None:
        """A new or changed object (a finished upload): into the list if it belongs here."""
        if self.search_prefix is not None:
            if info.key.startswith(self.search_prefix):
                self.model.upsert(info)
            return
        if not info.key.startswith(self.prefix):
            return
        rest = info.key[len(self.prefix) :]
        if "/" in rest.rstrip("/"):
            folder = self.prefix + rest.split("/", 1)[0] + "/"
            self.model.add(folders=[folder])
            self.tree.add_folders(self.prefix, [folder])
        else:
            self.model.upsert(info)
            if is_folder(info):
                self.tree.add_folders(self.prefix, [info.key])
