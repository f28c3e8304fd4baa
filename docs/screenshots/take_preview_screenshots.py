"""Regenerate the preview screenshots in this folder (preview-*.png) on the demo environment.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_preview_screenshots.py

(``QT_QPA_PLATFORM=offscreen`` works too.) The demo environment runs in-process; the
main window browses it as a user would: the image, the video (paused after a second),
a JSON file, and the grid mode on the images folder with a few more sample images.
The video's frame is drawn in from the player's sink (``video_frame.py``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication
from video_frame import grab_with_video

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.s3.listing import iter_objects
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus
from coachadmin.ui.pyside_compat import GuiThreadCollector
from coachadmin.ui.thumbnails import ThumbnailGrid

HERE = Path(__file__).resolve().parent


def main() -> int:  # noqa: PLR0915 - one script, one screen after another
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    app = create_application([sys.argv[0]])
    GuiThreadCollector(app)
    env = DemoEnvironment()
    env.start()
    client = make_client(env.info.s3_settings())
    bucket = env.info.bucket

    def gallery_image(n: int) -> bytes:
        """A few more course images, so the grid has something to show."""
        hues = ("#2f80ed", "#27ae60", "#e0a100", "#d93025", "#8e44ad", "#16a085")
        image = QImage(640, 400, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        gradient = QLinearGradient(0, 0, 640, 400)
        gradient.setColorAt(0, QColor(hues[n % len(hues)]))
        gradient.setColorAt(1, QColor(hues[(n + 2) % len(hues)]).darker(160))
        painter.fillRect(image.rect(), gradient)
        painter.setPen(QColor("white"))
        font = QFont()
        font.setPointSize(34)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), f"Module {n + 1}")
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "JPG", 85)
        return bytes(buffer.data().data())

    for n in range(6):
        client.put_object(
            Bucket=bucket, Key=f"images/module-{n + 1}-cover.jpg", Body=gallery_image(n)
        )
    keys = sorted(info.key for info in iter_objects(client, bucket))

    bus = MessageBus()
    bridge = Bridge(bus=bus)
    window = MainWindow(bridge=bridge, bus=bus)
    window.resize(1280, 800)
    window.show()
    window.set_connection(env.info.connection())
    files = window.workspace.files
    files.splitter.setSizes([200, 620, 460])
    pane = files.preview
    controller = window.browser.controller

    def wait(condition: Callable[[], bool], timeout: float = 15) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the screen did not get ready")
            app.processEvents()
            time.sleep(0.01)

    def settle(seconds: float = 0.4) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def show(key: str, view: str) -> None:
        folder = key.rsplit("/", 1)[0] + "/"
        controller.navigate(folder)
        settle(0.8)  # the folder's first page arrives
        controller.select_key(key)
        wait(lambda: pane.current_view() == view)
        settle()

    def shot(name: str, video_frame: bool = False) -> None:
        settle()
        pixmap = grab_with_video(window, pane.media.video) if video_frame else window.grab()
        path = HERE / f"{name}.png"
        pixmap.save(str(path), "PNG")
        sys.stdout.write(f"{path}\n")

    try:
        show(next(k for k in keys if "course-cover" in k), "image")
        shot("preview-image")

        video = next(k for k in keys if k.startswith("videos/") and "welcome" in k)
        show(video, "media")
        pane.media.session.play()
        wait(lambda: pane.media.player.position() > 1500)
        pane.media.session.pause()
        shot("preview-video", video_frame=True)

        show(next(k for k in keys if k.endswith(".json")), "text")
        shot("preview-text")

        controller.navigate("images/")
        settle(0.8)
        grid = ThumbnailGrid(bridge=bridge)
        grid.set_connection(env.info.connection())
        images = list(iter_objects(client, bucket, "images/"))
        centre_layout = files.object_list.parentWidget().layout()
        centre_layout.replaceWidget(files.object_list, grid)
        files.object_list.hide()
        grid.set_items(bucket, images)
        wait(lambda: grid.loader.loaded >= len(images))
        grid.setCurrentIndex(grid.model().index(3, 0))
        grid.object_selected.connect(pane.show_object)
        pane.show_object(None)
        grid.object_selected.emit(grid.selected_objects()[0])
        wait(lambda: pane.current_view() == "image")
        shot("preview-grid")
    finally:
        window.close()
        bridge.shutdown(wait=True)
        env.stop()
        QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
