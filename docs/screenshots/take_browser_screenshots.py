"""Screenshots of the browser and the transfer panel on the real demo environment.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_browser_screenshots.py

Writes conflict-dialog.png, delete-folder.png, properties.png, properties-versions.png
(an object's versions in a bucket that keeps them) and update-available.png (the
status bar when a newer release is out). The main window's pictures are
take_window_screenshots.py's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.properties import object_properties
from coachadmin.services.updates import Update
from coachadmin.settings import Settings
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.browser.dialogs import ConflictDialog, DeleteDialog
from coachadmin.ui.browser.properties_dialog import PropertiesDialog
from coachadmin.ui.browser.question_types import Conflict, DeletePlan
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus
from coachadmin.ui.update_notice import UpdateNotice

HERE = Path(__file__).resolve().parent
MiB = 1024 * 1024


def main() -> int:  # noqa: PLR0915 - a script: one screen after the other
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    create_application([sys.argv[0]])
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
        big = work / "module-3-coaching-session.mp4"
        with big.open("wb") as handle:
            handle.truncate(400 * MiB)

        conflict = ConflictDialog(
            Conflict(
                f"videos/{big.name}",
                big,
                big.stat().st_size,
                remaining=4,
                existing_size=383 * MiB,
                existing_modified=datetime(2026, 11, 2, 9, 14, tzinfo=UTC),
                local_modified=datetime.fromtimestamp(big.stat().st_mtime, UTC),
            ),
            window,
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

        # A video replaced twice in a bucket that keeps versions: Properties lists them.
        client = window.browser.controller.access.client()
        client.put_bucket_versioning(
            Bucket=connection.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        for size in (38 * MiB // 10, 41 * MiB // 10, 40 * MiB // 10):
            client.put_object(
                Bucket=connection.bucket,
                Key="videos/welcome-to-the-course.mp4",
                Body=os.urandom(size),
                ContentType="video/mp4",
            )
            time.sleep(1.1)  # versions a second apart, as the list shows them
        props = object_properties(client, connection.bucket, "videos/welcome-to-the-course.mp4")
        dialog = PropertiesDialog(props, window, restore=lambda _version: None)
        dialog.show()
        dialog.versions.selectRow(1)
        shot(dialog, "properties-versions")
        dialog.close()

        # The status bar when a newer release is out.
        notice = UpdateNotice(bridge, window.transfers, settings=Settings)
        window.statusBar().addPermanentWidget(notice)
        notice._found(
            Update("0.3.0", "Folder uploads; media checks.", "x", "https://x", "0" * 64, None)
        )
        settle()
        bar = window.statusBar()
        bar.grab().save(str(HERE / "update-available.png"), "PNG")
        sys.stdout.write(f"{HERE / 'update-available.png'}\n")
        window.shutdown()
    bridge.shutdown(wait=True)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
