"""The folder tree: lazy, a folder's sub-folders are listed when it is opened.

Every folder says it has children until it has been listed (so it shows an
expand arrow); opening it makes the view call :meth:`FolderTreeModel.fetchMore`,
which lists that prefix in the background, page by page, keeping only the
common prefixes. The object list's own listing of the current folder feeds the
tree too (:meth:`add_folders`), so the folder you are in never gets listed twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel

from coachadmin.errors import UserFacingError
from coachadmin.s3.listing import Page
from coachadmin.ui.bridge import Latest
from coachadmin.ui.browser.access import BucketAccess
from coachadmin.ui.icons import icon
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.s3 import operations
else:
    operations = WorkerModule("coachadmin.s3.operations")

log = logging.getLogger("coachadmin.ui.browser")

PREFIX_ROLE = Qt.ItemDataRole.UserRole + 1
AnyIndex = QModelIndex | QPersistentModelIndex


class FolderTreeModel(QStandardItemModel):
    #: Listing a folder's sub-folders failed (UserFacingError).
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: dict[str, QStandardItem] = {}
        self._listed: set[str] = set()
        self._loading: set[str] = set()
        #: What the folders listed before a refresh held: shown again where listing them
        #: again fails (the network is down), so F5 loses no folder from the tree.
        self._known: dict[str, list[str]] = {}
        #: The folder the object list is listing: its pages fill the tree (see :meth:`feed`).
        self.fed: str | None = None
        self._access: BucketAccess | None = None
        self._latest = Latest()
        self._ticket = self._latest.begin()
        self._folder_icon = icon("folder-closed")

    def reset(self, access: BucketAccess | None, *, refresh: bool = False) -> None:
        """Start over on ``access``'s bucket: only the bucket's root, not yet listed
        (``refresh``: the same bucket again; what its folders held is kept for
        :meth:`restore`)."""
        self._known = {p: self.children_of(p) for p in self._listed} if refresh else {}
        self._ticket = self._latest.begin()
        self.clear()
        self._items, self._listed, self._loading = {}, set(), set()
        self.fed = None
        self._access = access
        if access is None:
            return
        root = QStandardItem(icon("folder"), access.bucket)
        root.setData("", PREFIX_ROLE)
        root.setEditable(False)
        root.setToolTip(f"s3://{access.bucket}/")
        root.setDropEnabled(True)
        self._items[""] = root
        self.appendRow(root)

    # -- looking up ------------------------------------------------------------------
    def item_for(self, prefix: str) -> QStandardItem | None:
        return self._items.get(prefix)

    def index_for(self, prefix: str) -> QModelIndex:
        item = self.ensure_path(prefix)
        return item.index() if item is not None else QModelIndex()

    def prefix_of(self, index: AnyIndex) -> str | None:
        value = index.data(PREFIX_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def prefixes(self) -> list[str]:
        """Every folder the tree knows, the bucket's root ("") first."""
        return list(self._items)

    def is_listed(self, prefix: str) -> bool:
        return prefix in self._listed

    def children_of(self, prefix: str) -> list[str]:
        item = self._items.get(prefix)
        if item is None:
            return []
        return [str(item.child(row).data(PREFIX_ROLE)) for row in range(item.rowCount())]

    def ensure_path(self, prefix: str) -> QStandardItem | None:
        """The item of ``prefix``, creating the folders on the way (not listed yet)."""
        if "" not in self._items:
            return None
        so_far = ""
        for part in (p for p in prefix.split("/") if p):
            child = so_far + part + "/"
            if child not in self._items:
                self._add_child(so_far, child)
            so_far = child
        return self._items.get(so_far)

    # -- filling ---------------------------------------------------------------------
    def add_folders(self, parent: str, folders: Iterable[str]) -> None:
        if parent not in self._items:
            self.ensure_path(parent)
        for folder in folders:
            if folder not in self._items and folder.startswith(parent) and folder != parent:
                self._add_child(parent, folder)

    def _add_child(self, parent: str, prefix: str) -> None:
        owner = self._items[parent]
        name = prefix[len(parent) :].rstrip("/")
        item = QStandardItem(self._folder_icon, name)
        item.setData(prefix, PREFIX_ROLE)
        item.setEditable(False)
        item.setDropEnabled(True)
        item.setToolTip(prefix)
        # Keep siblings sorted by name: S3 lists in key order, but ensure_path adds out of order.
        row = owner.rowCount()
        while row > 0 and owner.child(row - 1).text().casefold() > name.casefold():
            row -= 1
        owner.insertRow(row, item)
        self._items[prefix] = item

    def set_listed(self, prefix: str) -> None:
        self._listed.add(prefix)
        self._loading.discard(prefix)
        item = self._items.get(prefix)
        if item is not None and item.rowCount() == 0:
            index = item.index()  # no arrow any more: tell the view
            self.dataChanged.emit(index, index)

    def feed(self, prefix: str | None) -> None:
        """The object list is listing ``prefix`` (None: no folder): its pages come here
        (:meth:`add_folders`, then :meth:`set_listed`), so opening it in the tree meanwhile
        does not list it a second time."""
        self.fed = prefix

    def forget(self, prefix: str) -> None:
        """Drop a folder (deleted or moved) and everything under it."""
        item = self._items.get(prefix)
        if item is None or prefix == "":
            return
        for known in [p for p in self._items if p.startswith(prefix)]:
            del self._items[known]
            self._listed.discard(known)
        parent = item.parent() or self.invisibleRootItem()
        parent.removeRow(item.row())

    # -- lazy listing (Qt's fetchMore protocol) ----------------------------------------
    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        prefix = self.prefix_of(parent)
        if prefix is not None and prefix not in self._listed:
            return True
        return super().hasChildren(parent)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        prefix = self.prefix_of(parent)
        return (
            prefix is not None
            and prefix not in self._listed
            and prefix not in self._loading
            and prefix != self.fed
            and self._access is not None
        )

    def fetchMore(self, parent: AnyIndex) -> None:
        prefix = self.prefix_of(parent)
        if prefix is not None and self.canFetchMore(parent):
            self.load(prefix)

    def load(self, prefix: str, token: str | None = None) -> None:
        """List ``prefix``'s sub-folders (all pages) in the background."""
        if self._access is None:
            return
        self._loading.add(prefix)
        self._access.run(
            operations.list_folder,
            prefix,
            token,
            on_result=self._ticket.only(self._page),
            on_error=self._ticket.only(lambda error: self._failed(prefix, error)),
            owner=self,
        )

    def _page(self, page: Page) -> None:
        self.add_folders(page.prefix, page.folders)
        if page.next_token is not None:
            self.load(page.prefix, page.next_token)
        else:
            self.set_listed(page.prefix)

    def restore(self, prefix: str) -> None:
        """Listing ``prefix`` again failed: show the sub-folders it had before the refresh."""
        self.add_folders(prefix, self._known.pop(prefix, []))

    def _failed(self, prefix: str, error: UserFacingError) -> None:
        log.info("could not list the folders of %s: %s", prefix or "/", error)
        self.restore(prefix)
        self.set_listed(prefix)  # no endless retries; Refresh lists again
        item = self._items.get(prefix)
        if item is not None:
            item.setToolTip(str(error))
        self.failed.emit(error)
