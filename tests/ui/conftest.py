"""Fixtures for the Qt tests: a bridge, a message bus, a main window, a crash handler."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import ScriptedQuestions

from coachadmin.connection import Connection
from coachadmin.s3.settings import S3Settings
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.crash import CrashHandler
from coachadmin.ui.demo_launcher import DemoLauncher
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus

# The offscreen platform says this about every top-level window; it means nothing here.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints"
# Qt Multimedia on a machine with no sound server and no GPU (CI): the preview's player
# works without them, as a test that selects a video shows.
# Without VA-API (no GPU, or libva not installed) Qt decodes video in software, and says so.
MEDIA_NOISE = (
    r"pipewire",
    r"PulseAudioService",
    r"No audio device detected",
    r"No RHI backend",
    r"(?i)couldn.t load va",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            # pytest-qt reads only the closest mark: this one, first, with the test's own.
            own = item.get_closest_marker("qt_log_ignore")
            extra = own.args if own is not None else ()
            marker = pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, *MEDIA_NOISE, *extra)
            item.add_marker(marker, append=False)


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """As the app does (pyside_compat.GuiThreadCollector): no automatic collection, which
    could destroy a test's widgets on a worker thread (a hang or a segfault); they are
    collected here, on the GUI thread, once pytest-qt has closed them."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def bus() -> MessageBus:
    return MessageBus()


@pytest.fixture
def bridge(bus: MessageBus) -> Iterator[Bridge]:
    bridge = Bridge(bus=bus, max_workers=2)
    yield bridge
    bridge.shutdown(wait=True)


@pytest.fixture
def crash_handler() -> Iterator[CrashHandler]:
    handler = CrashHandler()
    handler.install()
    yield handler
    handler.uninstall()
    if handler.dialog is not None:
        handler.dialog.close()


@pytest.fixture
def window(qtbot, bridge: Bridge, bus: MessageBus) -> Iterator[MainWindow]:
    win = MainWindow(bridge=bridge, bus=bus, demo=DemoLauncher(bridge))
    # A real question would wait for a click that never comes (and a modal loop keeps
    # pytest's timeout from firing): every test answers from a script unless it says otherwise.
    win.questions = ScriptedQuestions()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def _make_connection(**overrides: object) -> Connection:
    values: dict[str, object] = {
        "name": "Staging",
        "bucket": "coach-media-staging",
        "s3": S3Settings(region="eu-north-1"),
        "api_url": "https://api.staging.example.com",
    }
    values.update(overrides)
    return Connection(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_connection() -> object:
    """``make_connection(production=True, ...)``: a Connection with staging-like defaults."""
    return _make_connection
