"""Screenshots of the browser and the transfer panel on the real demo environment.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_browser_screenshots.py

Writes main-window.png (the browser on the demo bucket, uploads in the
transfer panel), conflict-dialog.png, delete-folder.png and properties.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import S3Settings
from coachadmin.s3.properties import object_properties
from coachadmin.transfers.events import TransferState
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.browser.dialogs import ConflictDialog, DeleteDialog
from coachadmin.ui.browser.properties_dialog import PropertiesDialog
from coachadmin.ui.browser.questions import Conflict, DeletePlan
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus

HERE = Path(__file__).resolve().parent
MiB = 1024 * 1024


def main() -> int:  # noqa: PLR0915 - a script: one screen after the other
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    app = create_application([sys.argv[0]])
    bus = MessageBus()
    bridge = Bridge(bus=bus)
    work = Path(tempfile.mkdtemp(prefix="coachadmin-files-"))

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shot(widget: QWidget, name: str) -> None:
        settle()
        path = HERE / f"{name}.png"
        widget.grab().save(str(path), "PNG")
        sys.stdout.write(f"{path}\n")

    with DemoEnvironment() as env:
        window = MainWindow(bridge=bridge, bus=bus)
        window.resize(1280, 800)
        window.show()
        connection = env.info.connection()
        window.set_connection(connection)
        controller = window.browser.controller
        settle(1500)
        controller.navigate("uploads/2025/07/")
        settle(1500)
        view = window.workspace.files.object_list
        view.selectionModel().select(
            controller.model.index(3, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        # A finished upload, a failed one and one under way, as a content manager sees them.
        done = work / "session-plan.pdf"
        done.write_bytes(os.urandom(2 * MiB))
        big = work / "module-3-coaching-session.mp4"
        with big.open("wb") as handle:
            handle.truncate(400 * MiB)
        settings = connection.s3
        window.transfers.upload(
            done, connection.bucket, "uploads/2025/07/session-plan.pdf", settings
        )
        missing = S3Settings(
            endpoint_url=settings.endpoint_url,
            region=settings.region,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
        )
        window.transfers.upload(done, "no-such-bucket-demo", "videos/intro.mp4", missing)
        window.transfers.upload(big, connection.bucket, "videos/module-3.mp4", settings)
        panel = window.workspace.transfers
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            app.processEvents()
            events = {e.key: e for e in panel.model.events()}
            running = events.get("videos/module-3.mp4")
            if (
                running is not None
                and running.state is TransferState.UPLOADING
                and 0.35 < running.fraction < 0.8
                and len(events) == 3
            ):
                break
            time.sleep(0.01)
        window.grab().save(str(HERE / "main-window.png"), "PNG")
        sys.stdout.write(f"{HERE / 'main-window.png'}\n")
        window.transfers.pause(window.transfers.ids())

        conflict = ConflictDialog(
            Conflict("videos/module-3.mp4", big, big.stat().st_size, remaining=4), window
        )
        conflict.show()
        shot(conflict, "conflict-dialog")
        conflict.close()

        plan = DeletePlan(
            connection.bucket, folders=("uploads/2025/",), objects=216, bytes=15_400,
            names=("2025",),
        )  # fmt: skip
        delete = DeleteDialog(plan, window)
        delete.show()
        shot(delete, "delete-folder")
        delete.close()

        info = controller.model.info(3)
        assert info is not None
        props = object_properties(
            window.browser.controller.access.client(),
            connection.bucket,
            info.key,  # type: ignore[union-attr]
        )
        dialog = PropertiesDialog(props, window)
        dialog.show()
        shot(dialog, "properties")
        dialog.close()
        window.shutdown()
    bridge.shutdown(wait=True)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
