"""The browser and the lessons panel together: drag a video onto a lesson, Link to Lesson…,
and a Delete that a lesson's link refuses. Against the demo backend and S3 over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from support.browser import ScriptedQuestions
from support.preview import MEDIA_NOISE

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.ui.lessons.dialogs import ChooseLessonDialog
from coachadmin.ui.lessons.mime import S3_KEYS_MIME, from_mime_data
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import Message, MessageBus

WAIT = 20_000

# Selecting a video loads it in the preview; deleting it meanwhile makes the player say
# it could not open it, which is not what these tests are about.
pytestmark = pytest.mark.qt_log_ignore(*MEDIA_NOISE)


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def signed_in(qtbot, window: MainWindow, demo: DemoEnvironment) -> MainWindow:
    window.questions = ScriptedQuestions()
    window.set_connection(demo.info.connection())
    session = window.lessons.session
    assert session is not None
    _sign_in_through_dialog(qtbot, window, demo)
    qtbot.waitUntil(lambda: session.signed_in, timeout=WAIT)
    qtbot.waitUntil(lambda: len(window.lessons.lesson_model.rows) > 0, timeout=WAIT)
    return window


def _sign_in_through_dialog(qtbot, window: MainWindow, demo: DemoEnvironment) -> None:
    panel = window.lessons
    window.workspace.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(panel.sign_in_button.isVisible, timeout=WAIT)
    qtbot.mouseClick(panel.sign_in_button, Qt.MouseButton.LeftButton)
    dialog = panel.session.dialog
    dialog.email.setText(demo.info.admin_email)
    dialog.password.setText(demo.info.admin_password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def show_videos(qtbot, window: MainWindow) -> None:
    window.workspace.tabs.setCurrentWidget(window.workspace.files)
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=WAIT):
        controller.navigate("videos/")


def linked_and_unused(demo: DemoEnvironment) -> tuple[str, str, str]:
    """(a linked key, the title of a lesson linking it, a key no lesson links)."""
    store = demo.backend.store
    lessons = [lesson for course in store.courses() for lesson in store.lessons(course.id)]
    client = make_client(demo.info.s3_settings())
    keys = [
        o["Key"]
        for o in client.list_objects_v2(Bucket=demo.info.bucket, Prefix="videos/")["Contents"]
    ]
    by_key = {lesson.video_id: lesson for lesson in lessons if lesson.video_id}
    linked = next(k for k in keys if k in by_key)
    unused = next(k for k in keys if k not in by_key)
    return linked, by_key[linked].title, unused


def test_delete_of_a_linked_video_is_refused_naming_the_lesson(
    qtbot, signed_in: MainWindow, demo: DemoEnvironment, bus: MessageBus
) -> None:
    window = signed_in
    posted: list[Message] = []
    bus.posted.connect(posted.append)
    linked, title, _unused = linked_and_unused(demo)
    show_videos(qtbot, window)
    window.browser.controller.select_key(linked)

    window.browser.actions.delete.trigger()

    qtbot.waitUntil(lambda: any("Not deleted" in m.text for m in posted), timeout=WAIT)
    assert any(title in m.text for m in posted)
    assert "delete" not in window.questions.kinds(), "no confirmation for what cannot go"
    client = make_client(demo.info.s3_settings())
    assert client.head_object(Bucket=demo.info.bucket, Key=linked)["ContentLength"] > 0


def test_delete_of_an_unused_video_asks_then_deletes(
    qtbot, signed_in: MainWindow, demo: DemoEnvironment
) -> None:
    window = signed_in
    _linked, _title, unused = linked_and_unused(demo)
    show_videos(qtbot, window)
    window.browser.controller.select_key(unused)

    window.browser.actions.delete.trigger()

    qtbot.waitUntil(lambda: "delete" in window.questions.kinds(), timeout=WAIT)
    client = make_client(demo.info.s3_settings())
    qtbot.waitUntil(
        lambda: (
            unused
            not in [
                o["Key"]
                for o in client.list_objects_v2(Bucket=demo.info.bucket, Prefix="videos/").get(
                    "Contents", []
                )
            ]
        ),
        timeout=WAIT,
    )


def test_dragging_a_video_row_onto_a_lesson_links_it(
    qtbot, signed_in: MainWindow, demo: DemoEnvironment
) -> None:
    window = signed_in
    _linked, _title, unused = linked_and_unused(demo)
    show_videos(qtbot, window)
    controller = window.browser.controller
    controller.select_key(unused)
    view = window.workspace.files.object_list
    rows = view.selectionModel().selectedRows()
    mime = view.model().mimeData(rows)
    assert mime.hasFormat(S3_KEYS_MIME)
    assert [(r.bucket, r.key) for r in from_mime_data(mime)] == [(demo.info.bucket, unused)]

    panel = window.lessons
    window.workspace.tabs.setCurrentWidget(panel)
    target = next(r for r in panel.lesson_model.rows if r.lesson.video_id is None)
    panel.select_lesson(target.course.id, target.lesson.id)
    index = panel.lessons.currentIndex()
    assert panel.lesson_filter.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, index)
    qtbot.waitUntil(
        lambda: demo.backend.store.lesson(target.lesson.id).video_id == unused, timeout=WAIT
    )


def test_link_to_lesson_from_the_object_menu(
    qtbot, signed_in: MainWindow, demo: DemoEnvironment
) -> None:
    window = signed_in
    _linked, _title, unused = linked_and_unused(demo)
    show_videos(qtbot, window)
    window.browser.controller.select_key(unused)
    action = window.browser.actions.link_lesson
    assert action.isEnabled()

    action.trigger()

    linker = window.lessons.linker
    qtbot.waitUntil(lambda: isinstance(linker.dialog, ChooseLessonDialog), timeout=WAIT)
    target = next(r for r in window.lessons.lesson_model.rows if r.lesson.video_id is None)
    linker.dialog.select_lesson(target.lesson.id)
    linker.dialog.accept()
    qtbot.waitUntil(
        lambda: demo.backend.store.lesson(target.lesson.id).video_id == unused, timeout=WAIT
    )
