"""First run: the welcome page, the saved connection, "Try the demo" and "Connect…"."""

from __future__ import annotations

import types

from PySide6.QtCore import Qt

from coachadmin.errors import UserFacingError
from coachadmin.profiles import CredentialSource, Profile, load_active_connection
from coachadmin.settings import update_settings
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.demo_launcher import DemoLauncher
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import Level, MessageBus
from coachadmin.ui.welcome import WelcomePage


def test_welcome_page_when_no_connection_is_saved(qtbot, window: MainWindow):
    with qtbot.waitSignal(window.ready):
        window.load_connection(load_active_connection)
    assert window.pages.currentWidget() is window.welcome
    assert window.welcome.demo_button.text() == "Try the demo"
    assert window.welcome.connect_button.text() == "Connect…"
    assert window.welcome.demo_button.isVisible()
    assert window.connection_status.label.text() == "Not connected"
    assert window.folder_count.isHidden()  # no folder: no "0 items"


def test_the_saved_connection_opens_the_browser(qtbot, window: MainWindow):
    profile = Profile(
        name="Production",
        bucket="coach-media-prod",
        region="eu-north-1",
        credentials=CredentialSource.ENVIRONMENT,
        production=True,
    )

    def save(settings) -> None:
        settings.profiles[profile.name] = profile.to_dict()
        settings.active_profile = profile.name

    update_settings(save)
    with qtbot.waitSignal(window.ready):
        window.load_connection(load_active_connection)
    assert window.pages.currentWidget() is window.workspace
    assert (
        window.connection_status.label.text() == "Production · s3://coach-media-prod (eu-north-1)"
    )
    assert window.connection_status.production_badge.isVisible()


def test_connect_button_asks_for_the_wizard(qtbot):
    page = WelcomePage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.connect_requested):
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)


def test_show_connect_dialog_uses_the_wizard_module(
    qtbot, window: MainWindow, monkeypatch, make_connection
):
    connection = make_connection(name="From the wizard")
    parents: list[object] = []

    def run_connect_wizard(parent):
        parents.append(parent)
        return connection

    fake = types.ModuleType("coachadmin.ui.connect_wizard")
    fake.run_connect_wizard = run_connect_wizard  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "coachadmin.ui.connect_wizard", fake)
    window.show_welcome()
    qtbot.mouseClick(window.welcome.connect_button, Qt.MouseButton.LeftButton)
    assert parents == [window]
    assert window.connection is connection
    assert window.pages.currentWidget() is window.workspace


class _BrokenDemo:
    def start(self):
        raise UserFacingError("port 9000 is taken")

    def stop(self) -> None:
        pass


def test_a_demo_that_cannot_start_says_so_and_returns_to_welcome(
    qtbot, bus: MessageBus, bridge: Bridge
):
    win = MainWindow(bridge=bridge, bus=bus, demo=DemoLauncher(bridge, factory=_BrokenDemo))
    qtbot.addWidget(win)
    win.show()
    win.show_welcome()
    with qtbot.waitSignal(bus.posted) as posted:
        qtbot.mouseClick(win.welcome.demo_button, Qt.MouseButton.LeftButton)
        assert win.pages.currentWidget() is win.busy
        assert win.busy.label.text() == "Starting the demo…"
        assert not win.welcome.demo_button.isEnabled()
    message = posted.args[0]
    assert message.level is Level.ERROR
    assert "port 9000 is taken" in message.text
    assert message.action_text == "Try again"
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.welcome)
    assert win.welcome.demo_button.isEnabled()
    assert [item.message.text for item in win.banner.items()] == [message.text]
