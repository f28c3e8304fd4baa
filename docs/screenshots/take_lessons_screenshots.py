"""Regenerate the Lessons screenshots (lessons-*.png) against a real demo environment.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_lessons_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.lessons.dialogs import ReplaceLinkDialog
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import MessageBus

HERE = Path(__file__).resolve().parent


def main() -> int:  # noqa: PLR0915 - one scripted walk through the panel
    os.environ.setdefault("COACHADMIN_HOME", tempfile.mkdtemp(prefix="coachadmin-shots-"))

    app = create_application([sys.argv[0]])
    bus = MessageBus()
    bridge = Bridge(bus=bus)
    env = DemoEnvironment()
    info = env.start()
    window = MainWindow(bridge=bridge, bus=bus)
    window.resize(1280, 800)
    window.show()

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait(until: Callable[[], bool]) -> None:
        for _ in range(200):
            if until():
                return
            settle(50)
        raise RuntimeError("the demo did not answer in time")

    def shot(name: str, widget: QWidget | None = None) -> None:
        settle()
        path = HERE / f"lessons-{name}.png"
        (widget or window).grab().save(str(path), "PNG")
        sys.stdout.write(f"{path}\n")

    try:
        window.set_connection(info.connection())
        panel = window.lessons
        window.workspace.tabs.setCurrentWidget(panel)
        wait(panel.sign_in_button.isVisible)
        panel.sign_in_action.trigger()
        dialog = panel.session.dialog
        dialog.email.setText(info.admin_email)
        dialog.password.setText(info.admin_password)
        shot("sign-in", dialog)
        dialog.submit()
        wait(lambda: bool(panel.lesson_model.rows) and panel.lesson_model.rows[0].state is not None)

        def loaded(title: str) -> bool:
            rows = panel.lesson_model.rows
            return bool(rows) and rows[0].course.title.startswith(title) and bool(rows[0].state)

        panel.courses.setCurrentIndex(panel.course_model.index(2))
        wait(lambda: loaded("Building"))
        panel.courses.setCurrentIndex(panel.course_model.index(0))
        wait(lambda: loaded("Foundations"))
        panel.select_lesson(
            panel.lesson_model.rows[0].course.id, panel.lesson_model.rows[2].lesson.id
        )
        shot("panel")
        panel.check_action.trigger()
        wait(lambda: panel.report is not None)
        shot("report")
        row = panel.lesson_model.rows[0]
        question = ReplaceLinkDialog(
            row.lesson,
            old=f"{row.lesson.video_id}\n70.3 KiB",
            new="videos/welcome-v2-1767434839123-4821.mp4\n84.1 MiB",
            parent=window,
        )
        question.show()
        shot("replace", question)
        question.close()
    finally:
        bridge.shutdown()
        window.shutdown()
        window.close()
        QApplication.processEvents()
        env.stop()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
