"""The browser assembled: controller, commands and uploads, wired to the window's widgets.

The main window makes one :class:`Browser` and talks to it alone: it opens a
connection, and the browser connects the toolbar's actions (back, forward, up,
refresh, upload, new folder), its own object actions and keys, the context
menus and the drops from the file manager.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint

from coachadmin.s3.listing import ObjectInfo
from coachadmin.transfers.events import TransferEvent
from coachadmin.ui.browser.actions import BrowserActions, create_browser_actions
from coachadmin.ui.browser.commands import BrowserCommands
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.browser.grid_mode import GridMode
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.browser.uploads import UploadFlow
from coachadmin.ui.transfers.service import TransferService

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.bridge import Bridge
    from coachadmin.ui.messages import MessageBus
    from coachadmin.ui.toolbar import MainActions
    from coachadmin.ui.workspace import Workspace


class Browser(QObject):
    def __init__(
        self,
        workspace: Workspace,
        bridge: Bridge,
        bus: MessageBus,
        *,
        questions: Callable[[], Questions],
        transfers: TransferService,
        main_actions: MainActions,
    ) -> None:
        super().__init__(workspace)
        page = workspace.files
        self.page = page
        self.main_actions = main_actions
        self.transfers = transfers
        self.controller = BrowserController(page, bridge, bus)
        self.commands = BrowserCommands(self.controller, questions, transfers)
        self.uploads = UploadFlow(self.controller, questions, transfers)
        self.actions: BrowserActions = create_browser_actions(page, page.object_list)
        self.grid_mode = GridMode(workspace, self.controller, bridge)
        self.questions = questions
        self._connect_actions()
        self.controller.object_selected.connect(workspace.object_selected)
        self.controller.preview_requested.connect(workspace.preview_requested)
        self.controller.navigation_changed.connect(self._navigation_changed)
        self.controller.object_selected.connect(lambda _s: self._selection_changed())
        transfers.upload_finished.connect(self._upload_finished)
        page.object_list.files_dropped.connect(self.uploads.upload)
        page.folder_tree.files_dropped.connect(self.uploads.upload)
        page.object_list.customContextMenuRequested.connect(self._list_menu)
        self._selection_changed()

    def _connect_actions(self) -> None:
        main, mine, c = self.main_actions, self.actions, self.commands
        main.back.triggered.connect(self.controller.back)
        main.forward.triggered.connect(self.controller.forward)
        main.up.triggered.connect(self.controller.up)
        main.refresh.triggered.connect(self.controller.refresh)
        main.upload.triggered.connect(self.uploads.choose_and_upload)
        main.new_folder.triggered.connect(c.new_folder)
        mine.open.triggered.connect(
            lambda: self.controller.open_index(self.page.object_list.currentIndex())
        )
        mine.download.triggered.connect(c.download)
        mine.copy_key.triggered.connect(c.copy_key)
        mine.copy_link.triggered.connect(c.copy_link)
        mine.link_lesson.triggered.connect(c.link_lesson)
        mine.rename.triggered.connect(c.rename)
        mine.move.triggered.connect(c.move)
        mine.delete.triggered.connect(c.delete)
        mine.properties.triggered.connect(c.properties)
        mine.focus_filter.triggered.connect(self._focus_filter)
        mine.search.triggered.connect(self._search)
        mine.select_all.triggered.connect(self.page.object_list.selectAll)
        self.page.search_button.setDefaultAction(mine.search)

    # -- connection ----------------------------------------------------------------------
    def open_connection(self, connection: Connection) -> None:
        self.grid_mode.set_connection(connection)
        self.controller.open_connection(connection)
        self._selection_changed()

    # -- reactions -----------------------------------------------------------------------
    def _navigation_changed(self, back: bool, forward: bool, up: bool) -> None:
        connected = self.controller.access is not None
        self.main_actions.back.setEnabled(connected and back)
        self.main_actions.forward.setEnabled(connected and forward)
        self.main_actions.up.setEnabled(connected and up)

    def _selection_changed(self) -> None:
        selected = self.controller.selected_infos()
        one = len(selected) == 1
        some = bool(selected)
        one_object = one and not selected[0].key.endswith("/")
        mine = self.actions
        for action in (mine.download, mine.copy_key, mine.delete):
            action.setEnabled(some)
        for action in (mine.rename, mine.move, mine.open):
            action.setEnabled(one)
        mine.copy_link.setEnabled(one_object)
        mine.link_lesson.setEnabled(one_object and self.commands.link_hook is not None)
        mine.properties.setEnabled(one_object)

    def _list_menu(self, point: QPoint) -> None:
        view = self.page.object_list
        on_object = view.indexAt(point).isValid()
        self._selection_changed()
        menu = self.actions.context_menu(view, on_object=on_object)
        menu.popup(view.viewport().mapToGlobal(point))

    def _focus_filter(self) -> None:
        self.page.filter_box.setFocus()
        self.page.filter_box.selectAll()

    def _search(self) -> None:
        if self.controller.access is None:
            return
        prefix = self.questions().text(
            "Search by Prefix",
            "Show every object in the bucket whose key starts with:",
            self.controller.search_prefix or self.controller.prefix,
        )
        if prefix is not None:
            self.controller.search(prefix.lstrip("/"))

    def _upload_finished(self, event: TransferEvent) -> None:
        if event.bucket != self.controller.bucket:
            return
        info = ObjectInfo(event.key, event.total, datetime.now(UTC), "", "STANDARD")
        self.controller.show_new_object(info)
