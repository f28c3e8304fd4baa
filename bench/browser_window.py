"""The main window as the browser benchmarks drive it, and this process's memory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication

from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus


@dataclass
class BrowserWindow:
    """The window shown at 1280 x 800, and the prefixes its browser has finished listing."""

    app: QApplication  # kept: the application lives as long as the window
    bridge: Bridge
    window: MainWindow
    listed: list[str]

    @property
    def controller(self) -> BrowserController:
        return self.window.browser.controller

    def close(self) -> None:
        self.window.shutdown()
        self.bridge.shutdown(wait=True)


def open_browser_window() -> BrowserWindow:
    app = create_application([])
    bus = MessageBus()
    bridge = Bridge(bus=bus)
    window = MainWindow(bridge=bridge, bus=bus)
    window.resize(1280, 800)
    window.show()
    listed: list[str] = []
    window.browser.controller.listed.connect(lambda prefix, _rows: listed.append(prefix))
    return BrowserWindow(app, bridge, window, listed)


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
