"""The crash handler: an unexpected error shows a dialog, is logged redacted, the app goes on."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from coachadmin import paths
from coachadmin.log import setup_logging
from coachadmin.ui.crash import CrashHandler
from coachadmin.ui.main_window import MainWindow


def _boom() -> None:
    raise RuntimeError("listing failed, token=abcdef0123456789")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_the_dialog_and_the_app_goes_on(
    qtbot, window: MainWindow, crash_handler: CrashHandler
):
    setup_logging()
    with qtbot.waitSignal(crash_handler.crashed) as crashed:
        QTimer.singleShot(0, _boom)
    summary, details = crashed.args
    assert summary.startswith("RuntimeError: listing failed")
    assert "abcdef0123456789" not in summary + details  # redacted
    dialog = crash_handler.dialog
    assert isinstance(dialog, QMessageBox)
    assert dialog.isVisible()
    assert str(paths.log_path()) in dialog.informativeText()
    assert "RuntimeError" in dialog.detailedText()
    # The app goes on: the window is still there and still works.
    assert window.isVisible()
    window.show_welcome()
    assert window.pages.currentWidget() is window.welcome
    log_text = paths.log_path().read_text(encoding="utf-8")
    assert "Unexpected error" in log_text
    assert "RuntimeError: listing failed" in log_text
    assert "abcdef0123456789" not in log_text


def test_exception_in_a_thread_shows_the_dialog(qtbot, crash_handler: CrashHandler):
    with qtbot.waitSignal(crash_handler.crashed) as crashed:
        thread = threading.Thread(target=_boom, name="lister")
        thread.start()
        thread.join()
    assert "RuntimeError" in crashed.args[0]
    assert crash_handler.dialog is not None
    assert crash_handler.dialog.isVisible()


def test_more_crashes_update_the_one_dialog(qtbot, crash_handler: CrashHandler):
    with qtbot.waitSignal(crash_handler.crashed):
        crash_handler.report(ValueError("first"))
    first = crash_handler.dialog
    with qtbot.waitSignal(crash_handler.crashed):
        crash_handler.report(KeyError("second"))
    assert crash_handler.dialog is first
    assert crash_handler.count == 2
    assert "2 unexpected errors" in first.informativeText()
    assert "KeyError" in first.informativeText()
