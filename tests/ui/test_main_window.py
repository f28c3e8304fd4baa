"""The main window: its named places, the status bar, About, remembered layout."""

from __future__ import annotations

import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QMessageBox,
    QTableView,
    QTreeView,
    QWidget,
)

from coachadmin import __version__, paths
from coachadmin.ui.about import AboutDialog
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.path_bar import PathBar

NAMED_PLACES = {
    "folderTree": QTreeView,
    "objectList": QTableView,
    "pathBar": PathBar,
    "filterBox": QLineEdit,
    "transferQueue": QTableView,
    "previewPane": QWidget,
    "lessonsPanel": QWidget,
}


def test_every_named_place_is_findable(window: MainWindow):
    for name, kind in NAMED_PLACES.items():
        widget = window.findChild(kind, name)
        assert widget is not None, name
        assert widget.accessibleName() == name
    filter_box = window.findChild(QLineEdit, "filterBox")
    assert filter_box.placeholderText() == "Filter this folder"


def test_empty_places_explain_themselves(window: MainWindow, make_connection):
    window.set_connection(make_connection())
    preview = window.findChild(QWidget, "previewPane")
    assert any(
        "Select an object to preview it" in label.text()
        for label in preview.findChildren(QWidget)
        if hasattr(label, "text") and callable(label.text)
    )
    for name in ("objectList", "transferQueue", "folderTree"):
        assert window.findChild(QWidget, name).placeholder_text()


def test_welcome_first_then_workspace_on_connection(qtbot, window: MainWindow, make_connection):
    window.show_welcome()
    assert window.pages.currentWidget() is window.welcome
    assert not window.toolbar.isVisible()
    connection = make_connection()
    with qtbot.waitSignal(window.connection_changed) as changed:
        window.set_connection(connection)
    assert changed.args == [connection]
    assert window.pages.currentWidget() is window.workspace
    assert window.toolbar.isVisible()
    assert window.main_actions.upload.isEnabled()
    assert window.findChild(PathBar, "pathBar").parts() == ["coach-media-staging"]
    assert window.switcher.text() == "Staging"
    assert "Staging" in window.windowTitle()


def test_status_bar_shows_the_connection(window: MainWindow, make_connection):
    status = window.connection_status
    assert status.label.text() == "Not connected"
    connection = make_connection()
    window.set_connection(connection)
    assert status.label.text() == connection.describe()
    assert "s3://coach-media-staging (eu-north-1)" in status.label.text()
    assert status.production_badge.isHidden()
    assert status.demo_badge.isHidden()


def test_production_and_demo_badges(window: MainWindow, make_connection):
    status = window.connection_status
    window.set_connection(make_connection(name="Production", production=True))
    assert status.production_badge.isVisible()
    assert status.demo_badge.isHidden()
    assert "production" in status.accessibleName()
    window.set_connection(make_connection(name="Demo", demo=True))
    assert status.demo_badge.isVisible()
    assert status.production_badge.isHidden()


def test_about_shows_the_version(qtbot, window: MainWindow):
    dialog = window.show_about()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, AboutDialog)
    assert dialog.isVisible()
    assert f"coachadmin {__version__}" in dialog.text.text()
    assert "MIT" in dialog.text.text()
    dialog.reject()
    assert not dialog.isVisible()


def test_geometry_is_remembered(qtbot, window: MainWindow, bridge, bus):
    window.resize(760, 560)  # the offscreen screen is 800x800
    splitter = window.workspace.files.splitter
    default_sizes = splitter.sizes()
    splitter.setSizes([300, 240, 200])
    chosen = splitter.sizes()
    assert chosen != default_sizes
    window.close()
    saved = json.loads((paths.config_dir() / "ui_state.json").read_text())
    assert {"geometry", "state", "splitters"} <= saved.keys()

    again = MainWindow(bridge=bridge, bus=bus)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (760, 560)
    assert again.workspace.files.splitter.sizes() == chosen


def test_broken_state_file_opens_at_default_size(qtbot, bridge, bus):
    (paths.config_dir() / "ui_state.json").write_text("{not json")
    win = MainWindow(bridge=bridge, bus=bus)
    qtbot.addWidget(win)
    assert win.width() > 400
    assert win.height() > 300


def test_the_quit_question_fits_its_title_and_speaks_of_one_transfer_in_the_singular(qtbot, window):
    seen: dict[str, str] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["title"] = box.windowTitle()
        seen["text"] = f"{box.text()} {box.informativeText()}"
        next(b for b in box.buttons() if b.text() == "Keep Working").click()

    QTimer.singleShot(0, answer)
    assert not Questions(window).confirm_quit(1)
    assert seen["title"] == "Quit"
    assert seen["text"] == (
        "1 transfer is still running. If you quit now it is paused, and continues the next "
        "time you open coachadmin."
    )


def test_the_files_actions_rest_while_the_lessons_tab_is_shown(window: MainWindow, make_connection):
    """Upload, New Folder, Refresh and the rest act on the Files tab's folder: on the Lessons
    tab they would act on a folder out of sight. F5 there refreshes the lessons."""
    window.set_connection(make_connection())
    actions = window.main_actions
    tabs = window.workspace.tabs
    assert actions.upload.isEnabled() and actions.new_folder.isEnabled()
    tabs.setCurrentWidget(window.workspace.lessons)
    assert not any(a.isEnabled() for a in actions.browsing())
    assert window.lessons.refresh_action.shortcut() == actions.refresh.shortcut()
    tabs.setCurrentWidget(window.workspace.files)
    assert actions.upload.isEnabled() and actions.new_folder.isEnabled()
    assert actions.refresh.isEnabled() and not actions.back.isEnabled()  # their own states
