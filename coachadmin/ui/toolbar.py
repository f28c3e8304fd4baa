"""The main window's actions, toolbar and connection switcher.

The navigation and file actions exist from the start so that later issues only
connect them (``window.actions.upload.triggered.connect(...)``); until then they
are enabled only while a connection is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from coachadmin.errors import UserFacingError
from coachadmin.profiles import list_profiles
from coachadmin.ui.icons import icon


@dataclass(frozen=True)
class MainActions:
    back: QAction
    forward: QAction
    up: QAction
    refresh: QAction
    upload: QAction
    new_folder: QAction
    connect: QAction
    try_demo: QAction
    reset_demo: QAction
    quit: QAction
    about: QAction
    show_logs: QAction
    shortcuts: QAction

    def browsing(self) -> tuple[QAction, ...]:
        """The actions that need an open connection."""
        return (self.back, self.forward, self.up, self.refresh, self.upload, self.new_folder)


def _action(
    parent: QObject,
    name: str,
    text: str,
    *,
    icon_name: str | None = None,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    return action


def create_actions(parent: QObject) -> MainActions:
    key = QKeySequence.StandardKey
    actions = MainActions(
        back=_action(
            parent, "actionBack", "Back", icon_name="back", shortcut=key.Back, tip="Go back"
        ),
        forward=_action(
            parent,
            "actionForward",
            "Forward",
            icon_name="forward",
            shortcut=key.Forward,
            tip="Go forward",
        ),
        up=_action(
            parent,
            "actionUp",
            "Up",
            icon_name="up",
            shortcut="Alt+Up",
            tip="Go to the parent folder",
        ),
        refresh=_action(
            parent,
            "actionRefresh",
            "Refresh",
            icon_name="refresh",
            shortcut=key.Refresh,
            tip="List this folder again",
        ),
        upload=_action(
            parent,
            "actionUpload",
            "Upload…",
            icon_name="upload",
            shortcut="Ctrl+U",
            tip="Upload files into this folder",
        ),
        new_folder=_action(
            parent,
            "actionNewFolder",
            "New Folder",
            icon_name="new-folder",
            shortcut="Ctrl+Shift+N",
            tip="Create a folder here",
        ),
        connect=_action(
            parent, "actionConnect", "Connect…", icon_name="connection", tip="Connect to a bucket"
        ),
        try_demo=_action(
            parent,
            "actionTryDemo",
            "Try the Demo",
            tip="Open the sample bucket and backend on this computer",
        ),
        reset_demo=_action(
            parent,
            "actionResetDemo",
            "Reset the Demo…",
            tip="Delete what you put in the demo and start again from the sample data",
        ),
        quit=_action(parent, "actionQuit", "Quit", shortcut=key.Quit),
        about=_action(parent, "actionAbout", "About coachadmin"),
        show_logs=_action(
            parent, "actionShowLogs", "Show Logs", tip="Open the folder with coachadmin's log files"
        ),
        shortcuts=_action(
            parent,
            "actionShortcuts",
            "Keyboard Shortcuts",
            shortcut="Ctrl+/",
            tip="Every key the window answers to",
        ),
    )
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    actions.about.setMenuRole(QAction.MenuRole.AboutRole)
    for action in actions.browsing():
        action.setEnabled(False)
    return actions


class ConnectionSwitcher(QToolButton):
    """The toolbar's connection area: the active connection's name; its menu switches.

    The menu lists the saved profiles (read when it opens, so a profile saved by the
    wizard or `coachadmin connection add` shows at once), production ones marked.
    """

    #: A saved profile was chosen: its name.
    profile_chosen = Signal(str)

    def __init__(self, actions: MainActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._active: str | None = None
        self.setObjectName("connectionSwitcher")
        self.setAccessibleName("Connection")
        self.setIcon(icon("connection"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("connectionMenu")
        self.menu_.aboutToShow.connect(self.rebuild_menu)
        self.setMenu(self.menu_)
        self.rebuild_menu()
        self.set_name(None)

    def set_name(self, name: str | None) -> None:
        self._active = name
        self.setText(name or "Not connected")
        self.setToolTip(f"Connection: {name}" if name else "Connect to a bucket")

    def rebuild_menu(self) -> None:
        self.menu_.clear()
        try:
            profiles = list_profiles()
        except UserFacingError:  # a damaged settings file: the app says so at start
            profiles = []
        for profile in profiles:
            text = f"{profile.name}  ·  PRODUCTION" if profile.production else profile.name
            action = self.menu_.addAction(text)
            action.setObjectName(f"profile:{profile.name}")
            action.setCheckable(True)
            action.setChecked(profile.name == self._active)
            action.setToolTip(
                f"s3://{profile.bucket}" + (f" ({profile.region})" if profile.region else "")
            )
            action.triggered.connect(
                lambda _on=False, name=profile.name: self.profile_chosen.emit(name)
            )
        if profiles:
            self.menu_.addSeparator()
        self.menu_.addAction(self._actions.connect)
        self.menu_.addAction(self._actions.try_demo)


def build_toolbar(actions: MainActions, parent: QWidget) -> tuple[QToolBar, ConnectionSwitcher]:
    toolbar = QToolBar("Main toolbar", parent)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(20, 20))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    for action in (actions.back, actions.forward, actions.up, actions.refresh):
        toolbar.addAction(action)
    toolbar.addSeparator()
    toolbar.addAction(actions.upload)
    toolbar.addAction(actions.new_folder)
    for action in (actions.upload, actions.new_folder):
        button = toolbar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    switcher = ConnectionSwitcher(actions)
    toolbar.addWidget(switcher)
    return toolbar, switcher
