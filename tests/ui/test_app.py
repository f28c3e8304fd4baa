"""``run_app``: the real entry point, up to its first painted page and back."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtWidgets import QLabel, QToolButton

from coachadmin import __version__
from coachadmin.ui import app as app_module
from coachadmin.ui.path_bar import PathBar


def test_coachadmin_opens_its_window_and_quits_cleanly(tmp_path):
    """The real entry point in its own process (an in-process app.exec() would end the
    test session's event loop): first run, welcome page painted, exit code 0."""
    env = dict(os.environ, COACHADMIN_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    env[app_module.SMOKE_TEST_ENV] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "coachadmin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert app_module.SHOWN_MARKER in result.stdout
    assert (tmp_path / "config" / "ui_state.json").is_file()  # the layout was saved on quit
    assert f"coachadmin {__version__} started" in (tmp_path / "logs" / "coachadmin.log").read_text()


def test_start_up_does_not_import_boto3():
    """The GUI modules reach the window without boto3 or moto (they load in the background)."""
    code = (
        "import sys, coachadmin.ui.app, coachadmin.ui.main_window;"
        "print(sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_path_bar_breadcrumbs(qtbot):
    bar = PathBar()
    qtbot.addWidget(bar)
    bar.set_path("coach-media", "videos/2025/")
    assert bar.parts() == ["coach-media", "videos", "2025"]
    buttons = bar.findChildren(QToolButton)
    # Parent folders are links; the current folder is bold text.
    assert [b.text() for b in buttons] == ["coach-media", "videos"]
    assert bar.findChild(QLabel, "currentFolder").text() == "2025"
    with qtbot.waitSignal(bar.prefix_clicked) as clicked:
        buttons[1].click()
    assert clicked.args == ["videos/"]
