"""Regenerate the GUI screenshots in this folder.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_screenshots.py

(``QT_QPA_PLATFORM=offscreen`` works too, with the offscreen platform's fonts.)
The main window is shown on a demo-like connection; no server is started.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from coachadmin.connection import Connection
from coachadmin.s3.settings import S3Settings
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus

HERE = Path(__file__).resolve().parent


def main() -> int:
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    app = create_application([sys.argv[0]])
    bus = MessageBus()
    bridge = Bridge(bus=bus)
    window = MainWindow(bridge=bridge, bus=bus)
    window.resize(1280, 800)
    window.show()

    def settle() -> None:
        loop = QEventLoop()
        QTimer.singleShot(300, loop.quit)
        loop.exec()

    def shot(name: str) -> None:
        settle()
        path = HERE / f"{name}.png"
        window.grab().save(str(path), "PNG")
        sys.stdout.write(f"{path}\n")

    window.show_welcome()
    shot("welcome")
    window.show_busy(
        "Starting the demo…",
        "A sample bucket and backend are starting on this computer. This takes a few seconds.",
    )
    shot("starting-demo")
    demo = Connection(
        name="Demo",
        bucket="coachadmin-demo",
        s3=S3Settings(endpoint_url="http://127.0.0.1:9000", region="eu-north-1"),
        demo=True,
    )
    window.set_connection(demo)
    window.workspace.files.path_bar.set_path("coachadmin-demo", "videos/")
    shot("main-window")
    bus.error(
        "Access denied to s3://coachadmin-demo/videos/: your credentials may not list this "
        "bucket. Check the connection's access key.",
        action_text="Edit connection…",
        action=lambda: None,
    )
    bus.info("3 files uploaded to videos/.")
    shot("messages")
    bridge.shutdown()
    window.close()
    QApplication.processEvents()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
