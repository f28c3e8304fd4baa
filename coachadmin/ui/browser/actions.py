"""The browser's object actions: one QAction each, for the context menu, toolbar and keys.

Shortcuts work while the focus is in the Files page (``WidgetWithChildrenShortcut``),
so Delete in the filter box still deletes a character, not an object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from coachadmin.ui.icons import icon


@dataclass(frozen=True)
class BrowserActions:
    open: QAction
    download: QAction
    copy_key: QAction
    copy_link: QAction
    link_lesson: QAction
    rename: QAction
    move: QAction
    delete: QAction
    properties: QAction
    focus_filter: QAction
    search: QAction
    select_all: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]

    def context_menu(self, parent: QWidget, *, on_object: bool) -> QMenu:
        menu = QMenu(parent)
        menu.setObjectName("browserMenu")
        if on_object:
            for action in (self.open, self.download):
                menu.addAction(action)
            menu.addSeparator()
            for action in (self.copy_key, self.copy_link, self.link_lesson):
                menu.addAction(action)
            menu.addSeparator()
            for action in (self.rename, self.move, self.delete):
                menu.addAction(action)
            menu.addSeparator()
            menu.addAction(self.properties)
        else:
            menu.addAction(self.select_all)
        return menu


def _make(  # noqa: PLR0917 - one line per action reads best positionally
    owner: QWidget,
    name: str,
    text: str,
    icon_name: str | None,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
    tip: str,
) -> QAction:
    action = QAction(text, owner)
    action.setObjectName(name)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    owner.addAction(action)  # shortcuts need the action on a widget
    return action


def create_browser_actions(owner: QWidget, list_view: QWidget) -> BrowserActions:
    """Actions owned by ``owner`` (the Files page); the list-only keys live on ``list_view``."""
    key = QKeySequence.StandardKey
    return BrowserActions(
        open=_make(list_view, "actionOpen", "Open", None, None, "Open the folder or preview"),
        download=_make(
            owner, "actionDownload", "Download…", "download", "Ctrl+Shift+D",
            "Download the selected objects to a folder on this computer",
        ),
        copy_key=_make(
            list_view, "actionCopyKey", "Copy Key", "copy", key.Copy,
            "Copy the selected objects' S3 keys",
        ),
        copy_link=_make(
            owner, "actionCopyLink", "Copy Link…", "link", "Ctrl+Shift+L",
            "Copy a link that lets anyone download the object for a while",
        ),
        link_lesson=_make(
            owner, "actionLinkLesson", "Link to Lesson…", "lessons", None,
            "Make this video the video of a lesson",
        ),
        rename=_make(owner, "actionRename", "Rename…", "rename", "F2", "Rename the selection"),
        move=_make(
            owner, "actionMove", "Move to…", None, "Ctrl+Shift+M",
            "Move the selection to another folder",
        ),
        delete=_make(
            list_view, "actionDelete", "Delete…", "delete", key.Delete,
            "Delete the selection from the bucket",
        ),
        properties=_make(
            owner, "actionProperties", "Properties", "properties", "Alt+Return",
            "Size, type, ETag, metadata and version of the object",
        ),
        focus_filter=_make(
            owner, "actionFocusFilter", "Filter", None, key.Find, "Filter this folder by name"
        ),
        search=_make(
            owner, "actionSearch", "Search by Prefix…", "search", "Ctrl+Shift+F",
            "Find objects anywhere in the bucket whose key starts with some text",
        ),
        select_all=_make(
            list_view, "actionSelectAll", "Select All", None, key.SelectAll, "Select every row"
        ),
    )  # fmt: skip
