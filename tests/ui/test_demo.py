"""“Try the demo” against the real demo environment (a `coachadmin demo-server` subprocess)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import Qt

from coachadmin.ui.main_window import MainWindow

pytest.importorskip("coachadmin.demo.process", reason="DemoProcess is not in the tree yet")


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_try_the_demo_opens_the_main_window_on_the_demo(qtbot, window: MainWindow):
    window.show_welcome()
    with qtbot.waitSignal(window.connection_changed, timeout=30_000) as changed:
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
        # Starting takes seconds: the window shows a busy page meanwhile, it does not freeze.
        assert window.pages.currentWidget() is window.busy
        assert window.busy.label.text() == "Starting the demo…"
    connection = changed.args[0]
    assert connection.demo
    assert window.pages.currentWidget() is window.workspace
    assert window.connection_status.demo_badge.isVisible()
    assert window.connection_status.label.text() == connection.describe()
    assert connection.s3.endpoint_url
    assert _port_open(connection.s3.endpoint_url)

    window.shutdown()  # what quitting the app does: the demo process goes away
    assert not _port_open(connection.s3.endpoint_url)
