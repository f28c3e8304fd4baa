"""The folder as thumbnails: the list's rows shown by the preview's ThumbnailGrid.

The grid is built the first time it is asked for (its loader needs the bridge and
a disk cache) and follows the object list's model, so paging, filtering and
sorting apply to both. Updates are coalesced: a page of 1,000 rows arriving
refreshes the grid once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from coachadmin.ui.browser.object_model import is_folder
from coachadmin.ui.thumbnails.grid import ThumbnailGrid

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.bridge import Bridge
    from coachadmin.ui.browser.controller import BrowserController
    from coachadmin.ui.workspace import Workspace

SYNC_DELAY_MS = 150


class GridMode(QObject):
    def __init__(self, workspace: Workspace, controller: BrowserController, bridge: Bridge) -> None:
        super().__init__(controller)
        self.workspace = workspace
        self.page = workspace.files
        self.controller = controller
        self.bridge = bridge
        self.grid: ThumbnailGrid | None = None
        self.connection: Connection | None = None
        self._sync = QTimer(self)
        self._sync.setSingleShot(True)
        self._sync.setInterval(SYNC_DELAY_MS)
        self._sync.timeout.connect(self.sync)
        model = controller.model
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self._schedule)
        self.page.grid_button.toggled.connect(self.show_grid)

    @property
    def active(self) -> bool:
        return self.grid is not None and self.page.views.currentWidget() is self.grid

    def set_connection(self, connection: Connection) -> None:
        self.connection = connection
        if self.grid is not None:
            self.grid.set_connection(connection)

    def show_grid(self, on: bool) -> None:
        if not on:
            self.page.views.setCurrentWidget(self.page.object_list)
            return
        if self.grid is None:
            self.grid = ThumbnailGrid(bridge=self.bridge)
            self.grid.set_connection(self.connection)
            self.grid.object_selected.connect(self.workspace.object_selected)
            self.grid.object_activated.connect(self.workspace.preview_requested)
            self.page.views.addWidget(self.grid)
        self.sync()
        self.page.views.setCurrentWidget(self.grid)

    def _schedule(self) -> None:
        if self.active and not self._sync.isActive():
            self._sync.start()

    def sync(self) -> None:
        """Show the list's objects (folders are navigated in the tree) in the grid."""
        if self.grid is None:
            return
        objects = [info for info in self.controller.model.infos() if not is_folder(info)]
        self.grid.set_items(self.controller.bucket, objects)
