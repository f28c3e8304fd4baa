"""The main window on the real demo environment, at two sizes, light and dark.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_window_screenshots.py

Writes main-window.png (1280x800, light: the README's picture), main-window-dark.png
(1280x800), main-window-1024.png and main-window-1024-dark.png (1024x700): the
videos folder with a video selected and previewed, a finished upload in the
transfer panel, and the status bar's item count. The app follows the system's
colour scheme; a bare X server has none, so the dark shots set the palette a dark
desktop gives Fusion (:func:`dark_palette`). The selected video's first frame is drawn in
from the player (``video_frame.py``): a widget grab leaves the video surface empty.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from video_frame import grab_with_video

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus

HERE = Path(__file__).resolve().parent
SIZES = {"": (1280, 800), "-1024": (1024, 700)}
#: (role, colour) of a dark desktop's palette, as Fusion gets it in dark mode.
DARK = (
    ("Window", "#2d2d2d"), ("WindowText", "#f0f0f0"), ("Base", "#1e1e1e"),
    ("AlternateBase", "#262626"), ("Text", "#f0f0f0"), ("Button", "#3a3a3a"),
    ("ButtonText", "#f0f0f0"), ("BrightText", "#ffffff"), ("Highlight", "#2f6fd0"),
    ("HighlightedText", "#ffffff"), ("ToolTipBase", "#3a3a3a"), ("ToolTipText", "#f0f0f0"),
    ("PlaceholderText", "#9a9a9a"), ("Link", "#6aa5ff"), ("Light", "#505050"),
    ("Midlight", "#404040"), ("Mid", "#2a2a2a"), ("Dark", "#1a1a1a"), ("Shadow", "#000000"),
)  # fmt: skip


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in DARK:
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):
        palette.setColor(
            QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#7a7a7a")
        )
    return palette


def main() -> int:
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    app = create_application([sys.argv[0]])
    bus = MessageBus()
    bridge = Bridge(bus=bus)

    def settle(ms: int = 600) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    with DemoEnvironment() as env:
        window = MainWindow(bridge=bridge, bus=bus)
        window.resize(*SIZES[""])
        window.show()
        connection = env.info.connection()
        window.set_connection(connection)
        controller = window.browser.controller
        settle(1500)
        controller.navigate("videos/")
        settle(1500)
        window.workspace.files.object_list.selectionModel().select(
            controller.model.index(4, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        notes = Path(tempfile.mkdtemp(prefix="coachadmin-files-")) / "session-notes.pdf"
        notes.write_bytes(os.urandom(1_500_000))
        window.transfers.upload(notes, "videos/session-notes.pdf", connection)
        settle(3000)
        for palette, suffix in ((app.palette(), ""), (dark_palette(), "-dark")):
            app.setPalette(palette)  # type: ignore[arg-type]
            for size_suffix, size in SIZES.items():
                window.resize(*size)
                settle()
                path = HERE / f"main-window{size_suffix}{suffix}.png"
                video = window.workspace.files.preview.media.video
                grab_with_video(window, video).save(str(path), "PNG")
                sys.stdout.write(f"{path}\n")
        window.shutdown()
    bridge.shutdown(wait=True)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
