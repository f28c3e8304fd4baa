"""The main window: one page at a time, messages floating over it or in the status bar.

Pages: the welcome page (first run), a busy page (starting the demo, opening the
saved connection) and the workspace (browser, lessons, transfers). The window
owns no S3 or HTTP code: it asks through the bridge and shows what comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QActionGroup, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from coachadmin import APP_NAME
from coachadmin.errors import UserFacingError
from coachadmin.profiles import get_profile, list_profiles, resolve, set_active_profile
from coachadmin.ui import messages, ui_state
from coachadmin.ui.about import AboutDialog
from coachadmin.ui.banner import MessageBanner
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.browser.browser import Browser
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.crash import open_log_folder
from coachadmin.ui.demo_launcher import DemoLauncher
from coachadmin.ui.icons import app_icon
from coachadmin.ui.shortcuts import ShortcutsDialog
from coachadmin.ui.status import ConnectionStatus, FolderCount, UserStatus
from coachadmin.ui.toolbar import build_toolbar, create_actions
from coachadmin.ui.transfers.service import TransferService
from coachadmin.ui.welcome import BusyPage, WelcomePage
from coachadmin.ui.workspace import Workspace

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.s3.settings import S3Settings

log = logging.getLogger("coachadmin.ui")

DEFAULT_SIZE = (1280, 800)

ConnectionLoader = Callable[[], "Connection | None"]


class MainWindow(QMainWindow):
    #: The connection the window works on changed (a Connection).
    connection_changed = Signal(object)
    #: The first real page (welcome or workspace) is on screen; emitted once.
    ready = Signal()

    def __init__(
        self,
        *,
        bridge: Bridge,
        bus: messages.MessageBus | None = None,
        demo: DemoLauncher | None = None,
        transfers: TransferService | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self.bridge = bridge
        self.bus = bus or messages.bus()
        self.demo = demo or DemoLauncher(bridge, parent=self)
        self.connection: Connection | None = None
        self._ready_sent = False

        self.main_actions = create_actions(self)
        self.toolbar, self.switcher = build_toolbar(self.main_actions, self)
        self.switcher.profile_chosen.connect(self.switch_profile)
        self.addToolBar(self.toolbar)
        self._build_menus()

        self.banner = MessageBanner(self.bus, status=self.statusBar().showMessage)
        self.welcome = WelcomePage()
        self.busy = BusyPage()
        self.workspace = Workspace()
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        for page in (self.welcome, self.busy, self.workspace):
            self.pages.addWidget(page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.banner.float_over(central)

        #: Every question the browser asks goes through this object (tests replace it).
        self.questions = Questions(self)
        self.transfers = self._attach_transfers(transfers or TransferService(bridge, self))
        self.browser = Browser(
            self.workspace,
            bridge,
            self.bus,
            questions=lambda: self.questions,
            transfers=self.transfers,
            main_actions=self.main_actions,
        )
        self._transfers_restored = False

        preview = self.workspace.files.preview
        preview.use(bridge, self.bus)
        self.connection_changed.connect(preview.set_connection)

        self.folder_count = FolderCount()
        self.statusBar().addWidget(self.folder_count)
        self._count_items()
        self.connection_status = ConnectionStatus()
        self.statusBar().addPermanentWidget(self.connection_status)
        self._attach_lessons()
        # Back, Up, Refresh, Upload, New Folder act on the Files tab's folder: on another
        # tab they rest (a group keeps each action's own state for when they come back).
        self._files_actions = QActionGroup(self)
        self._files_actions.setExclusionPolicy(QActionGroup.ExclusionPolicy.None_)
        for action in self.main_actions.browsing():
            self._files_actions.addAction(action)
        self.workspace.tabs.currentChanged.connect(self._files_tab_shown)

        self._connect_actions()

        self._restore_ui_state()
        self._update_title()
        self.show_busy("Opening coachadmin…")

    def _connect_actions(self) -> None:
        self.welcome.demo_requested.connect(self.start_demo)
        self.welcome.connect_requested.connect(self.show_connect_dialog)
        actions = self.main_actions
        actions.try_demo.triggered.connect(self.start_demo)
        actions.reset_demo.triggered.connect(self.reset_demo)
        actions.reset_demo.setEnabled(False)
        actions.connect.triggered.connect(self.show_connect_dialog)
        actions.quit.triggered.connect(self.close)
        actions.about.triggered.connect(self.show_about)
        actions.shortcuts.triggered.connect(self.show_shortcuts)
        actions.show_logs.triggered.connect(open_log_folder)
        self.demo.started.connect(self.set_connection)
        self.demo.finished.connect(self._after_demo_attempt)

    def _attach_transfers(self, transfers: TransferService) -> TransferService:
        if transfers.demo_settings is None:  # transfers made on the demo resume on ours
            transfers.demo_settings = self._demo_settings
        transfers.notice.connect(self._warn)
        self.workspace.transfers.set_service(transfers)
        return transfers

    def _count_items(self) -> None:
        """The status bar follows the folder's list: its rows, and those the filter shows."""
        model = self.browser.controller.model

        def update(*_args: object) -> None:
            self.folder_count.set_counts(model.rowCount(), model.total())

        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(update)
        update()
        self.workspace.tabs.currentChanged.connect(self._show_folder_count)

    def _show_folder_count(self) -> None:
        """The count belongs to the Files tab's folder: not on the welcome or busy page, nor
        beside the Lessons tab."""
        files_shown = self.workspace.tabs.currentWidget() is self.workspace.files
        self.folder_count.setVisible(self.pages.currentWidget() is self.workspace and files_shown)

    def _files_tab_shown(self) -> None:
        self._files_actions.setEnabled(self.workspace.tabs.currentWidget() is self.workspace.files)

    def _warn(self, text: str) -> None:
        self.bus.warning(text)

    def _attach_lessons(self) -> None:
        """The lessons panel: its sign-in actions in the File menu, the user in the status bar."""
        self.lessons = self.workspace.lessons
        self.lessons.attach(self.bridge, self.bus, self.transfers)
        self.file_menu.insertActions(
            self.main_actions.quit, [self.lessons.sign_in_action, self.lessons.sign_out_action]
        )
        self.file_menu.insertSeparator(self.main_actions.quit)
        self.user_status = UserStatus()
        self.statusBar().addPermanentWidget(self.user_status)
        assert self.lessons.session is not None
        self.lessons.session.user_changed.connect(self.user_status.set_user)
        # The browser asks the lessons before deleting, and links from its context menu.
        self.browser.commands.delete_guard = self.lessons.guard_delete
        self.browser.commands.link_hook = self.lessons.link_to_lesson

    # -- named places (the contract later issues build on) ----------------------------------
    @property
    def folder_tree(self) -> QWidget:
        return self.workspace.files.folder_tree

    @property
    def object_list(self) -> QWidget:
        return self.workspace.files.object_list

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        file_menu.addAction(self.main_actions.connect)
        file_menu.addAction(self.main_actions.try_demo)
        file_menu.addAction(self.main_actions.reset_demo)
        file_menu.addSeparator()
        file_menu.addAction(self.main_actions.upload)
        file_menu.addAction(self.main_actions.new_folder)
        file_menu.addSeparator()
        file_menu.addAction(self.main_actions.quit)
        go_menu = bar.addMenu("&Go")
        for action in (self.main_actions.back, self.main_actions.forward, self.main_actions.up):
            go_menu.addAction(action)
        go_menu.addSeparator()
        go_menu.addAction(self.main_actions.refresh)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.main_actions.shortcuts)
        help_menu.addAction(self.main_actions.about)
        help_menu.addAction(self.main_actions.show_logs)

    # -- pages -------------------------------------------------------------------------------
    def show_welcome(self) -> None:
        self.welcome.set_busy(False)
        self._show_page(self.welcome)

    def show_busy(self, text: str, detail: str = "") -> None:
        self.busy.set_text(text, detail)
        self._show_page(self.busy)

    def _show_page(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        # On the welcome page too when connections are saved: its switcher is the way to
        # another one when the one saved as active could not open (its key gone, say).
        self.toolbar.setVisible(
            page is self.workspace or (page is self.welcome and bool(list_profiles()))
        )
        self._show_folder_count()
        if page is not self.busy and not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def set_connection(self, connection: Connection) -> None:
        """Work on ``connection`` from now on: status bar, toolbar, browser."""
        self.connection = connection
        self.main_actions.reset_demo.setEnabled(connection.demo)
        self.main_actions.try_demo.setEnabled(not connection.demo)
        self.connection_status.set_connection(connection)
        self.switcher.set_name(connection.name)
        for action in self.main_actions.browsing():
            action.setEnabled(action not in (self.main_actions.back, self.main_actions.forward))
        self.browser.open_connection(connection)
        self.lessons.set_connection(connection)
        if not self._transfers_restored:  # unfinished transfers of an earlier run
            self._transfers_restored = True
            self.transfers.restore()
        self._update_title()
        self._show_page(self.workspace)
        log.info("connected: %s", connection.describe())
        self.connection_changed.emit(connection)

    def _update_title(self) -> None:
        name = self.connection.name if self.connection else None
        self.setWindowTitle(f"{name} — {APP_NAME}" if name else APP_NAME)

    def _demo_settings(self) -> S3Settings | None:
        """The S3 settings of this window's demo, if it runs (read from workers)."""
        for connection in (self.connection, self.demo.connection):
            if connection is not None and connection.demo:
                return connection.s3
        return None

    # -- starting points -----------------------------------------------------------------------
    def load_connection(self, loader: ConnectionLoader) -> None:
        """Open the saved connection (``loader`` runs on a worker), or the welcome page."""
        self.show_busy("Opening coachadmin…")
        self.bridge.run(
            loader,
            on_result=self._on_loaded,
            on_finished=self._leave_busy,
            owner=self,
        )

    def _on_loaded(self, connection: Connection | None) -> None:
        if connection is not None:
            self.set_connection(connection)

    def _leave_busy(self) -> None:
        if self.pages.currentWidget() is self.busy and not self.demo.starting:
            if self.connection is None:
                self.show_welcome()
            else:
                self._show_page(self.workspace)

    def start_demo(self) -> None:
        """Start the embedded demo environment and open it (the window stays responsive)."""
        if self.connection is not None and self.connection.demo:
            return
        self.welcome.set_busy(True)
        self.show_busy(
            "Starting the demo…",
            "A sample bucket and backend are starting on this computer. This takes a few seconds.",
        )
        self.demo.start(on_error=self._demo_failed)

    def reset_demo(self) -> None:
        """Start the demo again from its sample data, after asking (transfers to it pause)."""
        if self.connection is None or not self.connection.demo:
            return
        if not self.questions.confirm_reset_demo():
            return
        self.transfers.pause(self.transfers.ids())
        self.show_busy("Resetting the demo…", "The demo starts again from its sample data.")
        self.connection = None
        self.demo.reset(on_error=self._demo_failed)

    def _demo_failed(self, error: UserFacingError) -> None:
        self.bus.error(
            f"The demo could not start: {error}", action_text="Try again", action=self.start_demo
        )

    def _after_demo_attempt(self) -> None:
        self._leave_busy()

    def show_connect_dialog(self) -> Connection | None:
        """Open the connection wizard; on success, work on the new connection."""
        from coachadmin.ui.connect_wizard import run_connect_wizard  # noqa: PLC0415 - imports boto3

        connection = run_connect_wizard(self)
        if connection is not None:
            self.set_connection(connection)
        return connection

    def switch_profile(self, name: str) -> None:
        """Make the saved profile ``name`` active and work on it (keychain read on a worker)."""

        def activate() -> Connection:
            # Made active only once it resolves: a connection whose keychain entry is gone
            # must not become the one the next start opens (and fails on).
            connection = resolve(get_profile(name))
            set_active_profile(name)
            return connection

        self.bridge.run(activate, on_result=self.set_connection, owner=self)

    # -- help --------------------------------------------------------------------------------
    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self)
        dialog.show()
        return dialog

    # -- remembered layout ---------------------------------------------------------------------
    def _restore_ui_state(self) -> None:
        state = ui_state.load()
        geometry = ui_state.decode(state.get("geometry"))
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_geometry()
        window_state = ui_state.decode(state.get("state"))
        if window_state is not None:
            self.restoreState(window_state)
        splitters = state.get("splitters")
        if isinstance(splitters, dict):
            self.workspace.restore_state(splitters)

    def _default_geometry(self) -> None:
        width, height = DEFAULT_SIZE
        available = QGuiApplication.primaryScreen().availableGeometry()
        self.resize(
            min(width, int(available.width() * 0.95)), min(height, int(available.height() * 0.95))
        )
        frame = self.frameGeometry()
        frame.moveCenter(available.center())
        self.move(frame.topLeft())

    def save_ui_state(self) -> None:
        state: dict[str, Any] = {
            "geometry": ui_state.encode(self.saveGeometry()),
            "state": ui_state.encode(self.saveState()),
            "splitters": self.workspace.save_state(),
        }
        ui_state.save(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        running = self.transfers.unfinished()
        if running and not self.questions.confirm_quit(len(running)):
            event.ignore()
            return
        self.save_ui_state()
        if running:
            self.transfers.shutdown(pause=True)  # paused in the journal: resumed next time
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop what the window started (transfers, the demo process). Called at quit."""
        self.transfers.shutdown(pause=True)
        self.lessons.shutdown()
        self.demo.stop()
