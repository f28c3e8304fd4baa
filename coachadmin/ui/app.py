"""The desktop app's entry point: ``run_app`` (called by ``coachadmin`` and ``coachadmin --demo``).

Start-up stays light: nothing here imports boto3 or moto. The saved connection
is read on a worker thread after the window is up, and the demo runs in its own
process. ``COACHADMIN_SMOKE_TEST=1`` makes the app quit as soon as its first
real page is painted, printing ``coachadmin: window shown`` (the start-up
benchmark and the frozen-app smoke test use it).
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from coachadmin import APP_NAME, __version__
from coachadmin.profiles import load_active_connection
from coachadmin.settings import load_settings
from coachadmin.ui import bridge as bridge_module
from coachadmin.ui import messages
from coachadmin.ui.crash import CrashHandler
from coachadmin.ui.icons import app_icon
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.pyside_compat import GuiThreadCollector
from coachadmin.ui.update_notice import UpdateNotice

log = logging.getLogger("coachadmin.ui")

ORGANIZATION = "coachadmin"
SMOKE_TEST_ENV = "COACHADMIN_SMOKE_TEST"
SHOWN_MARKER = "coachadmin: window shown"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's name, icon and style (reuses an existing one)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_NAME)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName(APP_NAME)
    # Fusion follows the OS's light/dark scheme (Qt 6.5+) on Windows and Linux alike;
    # macOS's native style already does, and looks right there.
    if sys.platform != "darwin":
        app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    return app


def run_app(demo: bool) -> int:
    """Open the main window (on the saved connection, the welcome page, or the demo)."""
    app = create_application()
    crash_handler = CrashHandler(app)
    crash_handler.install()
    collector = GuiThreadCollector(app)  # Qt objects in cycles die on the GUI thread
    bridge = bridge_module.bridge()
    settings_notices = load_settings().notices  # a damaged file is set aside by the first load
    window = MainWindow(bridge=bridge, bus=messages.bus())
    app.aboutToQuit.connect(window.shutdown)
    updates = UpdateNotice(bridge, window.transfers)
    window.statusBar().addPermanentWidget(updates)
    window.ready.connect(updates.start)
    if os.environ.get(SMOKE_TEST_ENV) == "1":
        window.ready.connect(lambda: _quit_when_painted(window))
    window.show()
    for notice in settings_notices:
        window.bus.warning(notice)
    if demo:
        window.start_demo()
    else:
        window.load_connection(load_active_connection)
    log.info("coachadmin %s started", __version__)
    try:
        return app.exec()
    finally:
        window.shutdown()
        bridge.shutdown()
        collector.stop()
        crash_handler.uninstall()


def _quit_when_painted(window: MainWindow) -> None:
    window.repaint()  # paints synchronously: what is measured is really on screen
    sys.stdout.write(SHOWN_MARKER + "\n")
    sys.stdout.flush()
    window.close()
    QApplication.quit()
