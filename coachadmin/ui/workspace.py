"""The connected page: Files and Lessons tabs above the transfers panel.

Files is a three-pane browser (folder tree | path bar, filter, object list |
preview). Splitters rather than docks keep the layout simple and the welcome
page free of empty docks; their sizes are remembered with the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.ui import ui_state
from coachadmin.ui.browser.views import FolderTreeView, ObjectListView
from coachadmin.ui.icons import icon
from coachadmin.ui.lessons.panel import LessonsPanel
from coachadmin.ui.panels import name_widget
from coachadmin.ui.path_bar import PathBar
from coachadmin.ui.preview import PreviewPane
from coachadmin.ui.transfers.panel import TransferQueuePanel


def _grid_button() -> QToolButton:
    """List or thumbnails: a checkable action (Ctrl+G), so Keyboard Shortcuts lists it."""
    button = QToolButton()
    action = QAction(icon("grid"), "Thumbnails", button)
    action.setObjectName("actionGrid")
    action.setCheckable(True)
    action.setShortcut("Ctrl+G")
    action.setToolTip("Show the folder as thumbnails (Ctrl+G)")
    button.setDefaultAction(action)
    name_widget(button, "gridButton", "Show the folder as thumbnails")
    button.setAutoRaise(True)
    return button


class FilesPage(QWidget):
    """Folder tree, the current folder's objects, and the preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filesPage")
        self.folder_tree = FolderTreeView("Folders of the bucket appear here.")
        name_widget(self.folder_tree, "folderTree", "The bucket's folders")
        self.folder_tree.setMinimumWidth(180)

        self.path_bar = PathBar()
        name_widget(self.path_bar, "pathBar", "Where you are in the bucket")
        self.filter_box = QLineEdit()
        name_widget(self.filter_box, "filterBox", "Show only the objects whose name contains this")
        self.filter_box.setPlaceholderText("Filter this folder")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setMinimumWidth(220)
        self.filter_box.setMaximumWidth(320)
        self.search_button = QToolButton()
        self.search_button.setObjectName("searchButton")
        self.search_button.setAutoRaise(True)
        #: List or thumbnails: the browser builds the grid the first time it is asked for.
        self.grid_button = _grid_button()

        self.object_list = ObjectListView("This folder is empty.")
        name_widget(self.object_list, "objectList", "The objects in the current folder")

        self.preview = PreviewPane()

        bar = QWidget()
        bar.setObjectName("locationBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.setSpacing(8)
        bar_layout.addWidget(self.path_bar, 1)
        bar_layout.addWidget(self.filter_box)
        bar_layout.addWidget(self.search_button)
        bar_layout.addWidget(self.grid_button)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(6)
        centre_layout.addWidget(bar)
        self.views = QStackedWidget()
        self.views.setObjectName("folderViews")
        self.views.addWidget(self.object_list)
        centre_layout.addWidget(self.views, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("browserSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.folder_tree)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 760, 280])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.splitter)


class Workspace(QWidget):
    """Everything shown once the app has a connection."""

    #: The current object in the browser changed: a
    #: :class:`~coachadmin.ui.browser.selection.SelectedObject`, or None (nothing selected).
    object_selected = Signal(object)
    #: Enter or double-click on an object: show its preview (SelectedObject).
    preview_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.files = FilesPage()
        self.lessons = LessonsPanel()
        self.transfers = TransferQueuePanel()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.files, icon("folder"), "Files")
        self.tabs.addTab(self.lessons, icon("lessons"), "Lessons")
        # Dragging an object from the Files tab onto the Lessons tab opens it, to drop on a lesson.
        self.tabs.tabBar().setChangeCurrentOnDrag(True)
        self.tabs.tabBar().setAcceptDrops(True)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("workspaceSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.transfers)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([560, 170])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.object_selected.connect(self.files.preview.show_object)
        self.preview_requested.connect(self.files.preview.request_preview)

    def splitters(self) -> dict[str, QSplitter]:
        return {"workspace": self.splitter, "browser": self.files.splitter}

    def headers(self) -> dict[str, QHeaderView]:
        """Column widths (and the sort column) that are remembered with the window."""
        return {
            "objectListColumns": self.files.object_list.horizontalHeader(),
            "transferQueueColumns": self.transfers.queue.horizontalHeader(),
        }

    def save_state(self) -> dict[str, Any]:
        state = {name: ui_state.encode(s.saveState()) for name, s in self.splitters().items()}
        state.update({name: ui_state.encode(h.saveState()) for name, h in self.headers().items()})
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        for name, splitter in self.splitters().items():
            blob = ui_state.decode(state.get(name))
            if blob is not None:
                splitter.restoreState(blob)
        for name, header in self.headers().items():
            blob = ui_state.decode(state.get(name))
            if blob is not None:
                header.restoreState(blob)
