"""coachadmin.ui.pyside_compat: long playback must not kill the app, and Qt objects
are collected on the GUI thread only.

The singleton tests run a child process: the failure is an abort of the interpreter.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import PySide6
import pytest

from coachadmin.ui.pyside_compat import GuiThreadCollector

SCRIPT = """
import {guard}
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

class Ticker(QObject):
    ticked = Signal(int)

app = QApplication([])
widget = QWidget()
ticker = Ticker()
ticker.ticked.connect(lambda n: None)
for n in range(30_000):  # about an hour of a player's position updates
    widget.update()      # returns nothing
    ticker.ticked.emit(n)
print("survived")
"""


def run(guard: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(guard=guard)],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_many_void_calls_and_emits_do_not_abort_the_interpreter():
    result = run("coachadmin.ui")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"


@pytest.mark.skipif(
    sys.version_info >= (3, 12) or PySide6.__version__ != "6.12.0",
    reason="the workaround is for PySide6 6.12.0 on Python 3.11",
)
def test_this_pyside_still_needs_the_workaround():
    """Fails the day the installed PySide6 is fixed: then the workaround can go."""
    result = run("sys")
    assert result.returncode != 0
    assert "deallocating" in result.stderr


def test_the_collector_collects_on_the_gui_thread_only(qtbot):
    collector = GuiThreadCollector()
    try:
        assert not gc.isenabled()  # no collection in whatever thread allocates
        threshold = gc.get_threshold()[0]
        garbage = [[] for _ in range(threshold * 2)]
        for item in garbage:
            item.append(item)  # cycles: only the collector frees them
        del garbage, item
        assert gc.get_count()[0] > threshold
        qtbot.waitUntil(lambda: gc.get_count()[0] < threshold, timeout=5_000)
    finally:
        collector.stop()
    assert gc.isenabled()
