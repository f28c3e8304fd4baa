"""The Lessons tab against the demo backend and S3 over HTTP, as a person uses it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

import coachadmin
from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Lesson, StreamUrl
from coachadmin.demo import backend_seed
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.media.probe import IndexPosition, probe_file
from coachadmin.s3.client import make_client
from coachadmin.services.link_check import LinkState
from coachadmin.services.pending_links import PendingLink, PendingLinks
from coachadmin.transfers.journal import Journal, UploadRecord
from coachadmin.ui.browser.question_types import MediaChoice, MediaNotes
from coachadmin.ui.lessons.dialogs import ChooseLessonDialog, ChooseVideoDialog, ReplaceLinkDialog
from coachadmin.ui.lessons.mime import ObjectRef, to_mime_data
from coachadmin.ui.lessons.models import STATE, TITLE, VIDEO, LessonRow
from coachadmin.ui.lessons.panel import REPORT_OUTDATED, LessonsPanel
from coachadmin.ui.lessons.player import StudentPlayer
from coachadmin.ui.lessons.sign_in import SignInDialog
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import Message, MessageBus

WAIT = 20_000

SAMPLES = Path(coachadmin.__file__).parent / "resources" / "sample-media"


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def messages(bus: MessageBus) -> list[Message]:
    posted: list[Message] = []
    bus.posted.connect(posted.append)
    return posted


@pytest.fixture
def panel(qtbot, window: MainWindow, demo: DemoEnvironment) -> LessonsPanel:
    window.set_connection(demo.info.connection())
    window.workspace.tabs.setCurrentWidget(window.lessons)
    return window.lessons


def sign_in(qtbot, panel: LessonsPanel, email: str, password: str) -> SignInDialog:
    qtbot.waitUntil(panel.sign_in_button.isVisible, timeout=WAIT)
    qtbot.mouseClick(panel.sign_in_button, Qt.MouseButton.LeftButton)
    dialog = panel.session.dialog
    assert isinstance(dialog, SignInDialog) and dialog.isVisible()
    assert dialog.url.text() == panel.connection.api_url
    dialog.email.setText(email)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.session.signed_in, timeout=WAIT)
    qtbot.waitUntil(lambda: len(panel.lesson_model.rows) > 0, timeout=WAIT)
    return dialog


@pytest.fixture
def admin(qtbot, panel: LessonsPanel, demo: DemoEnvironment) -> LessonsPanel:
    sign_in(qtbot, panel, demo.info.admin_email, demo.info.admin_password)
    return panel


def show_course(qtbot, panel: LessonsPanel, title: str) -> None:
    row = next(i for i, c in enumerate(panel.course_model.courses) if c.title == title)
    panel.courses.setCurrentIndex(panel.course_model.index(row))
    qtbot.waitUntil(
        lambda: (
            bool(panel.lesson_model.rows)
            and panel.lesson_model.rows[0].course.title == title
            and all(r.state is not None for r in panel.lesson_model.rows)
        ),
        timeout=WAIT,
    )


def select_lesson(qtbot, panel: LessonsPanel, title: str) -> LessonRow:
    for course in panel.course_model.courses:
        show_course(qtbot, panel, course.title)
        row = next((r for r in panel.lesson_model.rows if r.lesson.title == title), None)
        if row is not None:
            panel.select_lesson(row.course.id, row.lesson.id)
            assert panel.selected_row() == row
            return row
    raise AssertionError(title)


def stored_video(demo: DemoEnvironment, lesson_id: str) -> str | None:
    return demo.backend.store.lesson(lesson_id).video_id


def bucket_keys(demo: DemoEnvironment) -> dict[str, int]:
    client = make_client(demo.info.s3_settings())
    items = client.list_objects_v2(Bucket=demo.info.bucket, Prefix="videos/").get("Contents", [])
    return {item["Key"]: item["Size"] for item in items}


def unused_key(demo: DemoEnvironment) -> str:
    used = {
        lesson.video_id
        for course in demo.backend.store.courses()
        for lesson in demo.backend.store.lessons(course.id)
    }
    return next(key for key in sorted(bucket_keys(demo)) if key not in used)


def click_yes(qtbot, box: QMessageBox) -> None:
    button = box.findChild(QPushButton, "yesButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- signing in and what the panel shows -------------------------------------------------


def test_signing_in_shows_courses_lessons_and_their_link_states(qtbot, window, admin, demo):
    panel = admin
    assert window.user_status.text() == "Ada Admin · admin"
    assert [c.title for c in panel.course_model.courses] == [
        c.title for c in demo.backend.store.courses()
    ]
    sizes = bucket_keys(demo)
    show_course(qtbot, panel, "Foundations of Confident Coaching")
    rows = panel.lesson_model.rows
    assert [r.lesson.order for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        video = row.lesson.video_id
        if video is None:
            assert row.state is LinkState.NO_VIDEO
        elif video == backend_seed.LEGACY_VIDEO_ID:
            assert row.state is LinkState.LEGACY
        else:
            assert row.state is LinkState.LINKED and row.size == sizes[video]
    legacy_row = next(i for i, r in enumerate(rows) if r.state is LinkState.LEGACY)
    text = panel.lesson_model.index(legacy_row, STATE).data()
    assert "Legacy" in text and "new upload" in text

    show_course(qtbot, panel, "Building Your Coaching Practice")
    broken = [r for r in panel.lesson_model.rows if r.state is LinkState.BROKEN]
    assert [r.lesson.title for r in broken] == ["Pricing your offer"]
    panel.problems_only.setChecked(True)
    assert panel.lesson_filter.rowCount() == 1
    panel.problems_only.setChecked(False)
    assert panel.lesson_filter.rowCount() == len(panel.lesson_model.rows)


def test_check_links_reports_broken_legacy_and_unused_videos(qtbot, admin, demo, messages):
    panel = admin
    panel.check_action.trigger()
    qtbot.waitUntil(lambda: panel.report is not None and panel.report_box.isVisible(), timeout=WAIT)
    report = panel.report_view
    problems, unused = report.topLevelItem(0), report.topLevelItem(1)
    titles = [problems.child(i).text(1) for i in range(problems.childCount())]
    assert len(titles) == 2
    assert any("Pricing your offer" in t for t in titles)
    assert any("Building trust in the first session" in t for t in titles)
    assert [unused.child(i).text(2) for i in range(unused.childCount())] == [unused_key(demo)]
    orphan = unused.child(0)
    assert orphan.text(1) == "No lesson" and re.fullmatch(r"Unused · [\d.]+ KB", orphan.text(0))
    assert "1 broken, 1 legacy" in panel.summary.text()
    assert any("Links checked" in m.text for m in messages)
    assert sum((panel.course_model.problems or {}).values()) == 2

    # A link changed afterwards: the report says it is of before.
    row = select_lesson(qtbot, panel, "Active listening in practice")
    panel.linker.unlink_action.trigger()
    click_yes(qtbot, panel.linker.dialog)
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.summary.text().endswith(REPORT_OUTDATED), timeout=WAIT)


def test_f5_refreshes_the_tab_that_is_shown(qtbot, window, admin):
    """On the Lessons tab F5 lists the lessons again (the Files actions rest there); on
    the Files tab it lists the folder, and the hidden lessons panel takes no key."""
    panel = admin
    tabs = window.workspace.tabs
    lessons_hits: list[bool] = []
    files_hits: list[bool] = []
    panel.refresh_action.triggered.connect(lambda *_: lessons_hits.append(True))
    window.main_actions.refresh.triggered.connect(lambda *_: files_hits.append(True))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    tabs.tabBar().setFocus()
    qtbot.keyClick(tabs.tabBar(), Qt.Key.Key_F5)
    assert (lessons_hits, files_hits) == ([True], [])
    tabs.setCurrentWidget(window.workspace.files)
    window.workspace.files.object_list.setFocus()
    qtbot.keyClick(window.workspace.files.object_list, Qt.Key.Key_F5)
    assert (lessons_hits, files_hits) == ([True], [True])


def test_lesson_titles_keep_room_in_a_small_window(qtbot, window, admin):
    """At 1024x640 the Video and State columns give way before a title is cut to a word."""
    panel = admin
    for width, height in ((1024, 640), (1600, 1000)):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: abs(window.width() - w) < 50, timeout=WAIT)
        qtbot.wait(50)
        table = panel.lessons
        title = table.columnWidth(TITLE)
        assert title >= (table.viewport().width() - 116) * 0.38, (width, title)
    assert table.columnWidth(VIDEO) == 300 and table.columnWidth(STATE) == 230
    table.horizontalHeader().resizeSection(VIDEO, 420)  # as a drag of its edge does
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: abs(window.width() - 1400) < 50, timeout=WAIT)
    qtbot.wait(50)
    assert table.columnWidth(VIDEO) == 420  # the user's width stays


def test_check_links_names_the_videos_that_may_not_play_with_why(qtbot, admin, demo):
    panel = admin
    panel.check_action.trigger()
    qtbot.waitUntil(lambda: panel.report is not None and panel.report_box.isVisible(), timeout=WAIT)
    media = panel.report_view.topLevelItem(2)
    assert media.text(0) == "Videos that may not play (2)"
    rows = {media.child(i).text(1): media.child(i) for i in range(media.childCount())}
    discovery = next(row for title, row in rows.items() if "Discovery calls" in title)
    packages = next(row for title, row in rows.items() if "Designing packages" in title)
    assert discovery.toolTip(0).startswith("not streamable: moov at the end")
    assert packages.toolTip(0) == "HEVC: does not play on every phone"
    assert discovery.text(0) == "May not play"


def _states_once_media_read(qtbot, panel: LessonsPanel, title: str) -> dict[str, tuple]:
    show_course(qtbot, panel, title)
    model = panel.lesson_model
    qtbot.waitUntil(lambda: any(r.media is not None for r in model.rows), timeout=WAIT)
    tip = Qt.ItemDataRole.ToolTipRole
    return {
        r.lesson.title: (model.index(i, STATE).data(), model.index(i, STATE).data(tip))
        for i, r in enumerate(model.rows)
    }


def test_a_course_s_lessons_say_which_videos_may_not_play(qtbot, admin, demo):
    """Read after the rows show, from each video's first and last bytes."""
    states = _states_once_media_read(qtbot, admin, "Building Your Coaching Practice")
    text, tip = states["Discovery calls that convert"]
    assert text == "Linked · may not play"
    assert "For students: not streamable: moov at the end" in tip
    text, tip = states["Designing packages and programmes"]
    assert text == "Linked · may not play" and "HEVC" in tip
    states = _states_once_media_read(qtbot, admin, "Running Powerful Sessions")
    text, tip = states["Giving feedback that lands"]
    assert text == "Linked" and "For students: Plays everywhere" in tip


# -- linking -----------------------------------------------------------------------------


def test_link_by_dialog_asks_before_replacing_and_shows_both_videos(qtbot, admin, demo):
    panel = admin
    row = select_lesson(qtbot, panel, "Welcome and how this course works")
    old = row.lesson.video_id
    new = unused_key(demo)
    s3 = make_client(demo.info.s3_settings())
    s3.put_object(Bucket=demo.info.bucket, Key="videos/intro.vtt", Body=b"WEBVTT\n")
    panel.linker.link_action.trigger()
    qtbot.waitUntil(lambda: isinstance(panel.linker.dialog, ChooseVideoDialog), timeout=WAIT)
    chooser = panel.linker.dialog
    offered = [chooser.list.item(i).text() for i in range(chooser.list.count())]
    assert len(offered) == len(bucket_keys(demo)) - 1  # the captions are no video to link
    assert not any("intro.vtt" in text for text in offered)
    chooser.select_key(new)
    chooser.accept()
    qtbot.waitUntil(lambda: isinstance(panel.linker.dialog, ReplaceLinkDialog), timeout=WAIT)
    question = panel.linker.dialog
    # The size as the whole app writes it (display.format_size): 72.0 KB on every platform here.
    assert old in question.old_label.text() and re.search(
        r"\n\d+(\.\d)? KB$", question.old_label.text()
    )
    assert new in question.new_label.text()
    assert stored_video(demo, row.lesson.id) == old, "nothing changes before the answer"
    qtbot.mouseClick(question.replace_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) == new, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.selected_row().lesson.video_id == new, timeout=WAIT)
    assert panel.selected_row().state is LinkState.LINKED
    assert old in bucket_keys(demo), "the old video stays in the bucket"


def test_dropping_an_object_on_a_lesson_links_it(qtbot, admin, demo):
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    key = unused_key(demo)
    model = panel.lesson_filter
    index = panel.lessons.currentIndex()
    mime = to_mime_data([ObjectRef(demo.info.bucket, key)])
    assert model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, index)
    assert model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, index)
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) == key, timeout=WAIT)


def test_linking_what_plays_for_no_student_is_refused_with_why(qtbot, admin, demo, messages):
    """As ``coachadmin link`` refuses them: an object that holds no video, and a key outside
    any folder (the platform takes it for a legacy id)."""
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    before = stored_video(demo, row.lesson.id)
    s3 = make_client(demo.info.s3_settings())
    bucket = demo.info.bucket
    s3.put_object(Bucket=bucket, Key="videos/error-page.mp4", Body=b"<html>502 Bad Gateway</html>")
    s3.put_object(Bucket=bucket, Key="intro.mp4", Body=(SAMPLES / "sample-video.mp4").read_bytes())
    for key, said in [
        ("videos/error-page.mp4", "error-page.mp4 is not a video"),
        ("intro.mp4", "intro.mp4 is at the top of the bucket, outside any folder"),
    ]:
        panel.linker.link_key(row, bucket, key)
        qtbot.waitUntil(lambda said=said: any(said in m.text for m in messages), timeout=WAIT)
        assert not isinstance(panel.linker.dialog, ReplaceLinkDialog), "refused before asking"
    assert stored_video(demo, row.lesson.id) == before


def test_linking_a_video_that_may_not_play_says_why(qtbot, admin, demo, messages):
    panel = admin
    slow = next(k for k in sorted(bucket_keys(demo)) if k.startswith("videos/discovery-calls"))
    target = next(r for r in panel.lesson_model.rows if r.lesson.video_id is None)
    panel.linker.link_key(target, demo.info.bucket, slow)
    qtbot.waitUntil(lambda: stored_video(demo, target.lesson.id) == slow, timeout=WAIT)
    qtbot.waitUntil(
        lambda: any("may not play for students: not streamable" in m.text for m in messages),
        timeout=WAIT,
    )


def test_link_to_lesson_from_an_object(qtbot, admin, demo):
    panel = admin
    key = unused_key(demo)
    target = next(r for r in panel.lesson_model.rows if r.lesson.video_id is None)
    panel.linker.link_to_lesson(demo.info.bucket, key)
    qtbot.waitUntil(lambda: isinstance(panel.linker.dialog, ChooseLessonDialog), timeout=WAIT)
    chooser = panel.linker.dialog
    chooser.select_lesson(target.lesson.id)
    chooser.accept()
    qtbot.waitUntil(lambda: stored_video(demo, target.lesson.id) == key, timeout=WAIT)


def test_unlink_keeps_the_object(qtbot, admin, demo):
    panel = admin
    row = select_lesson(qtbot, panel, "Active listening in practice")
    key = row.lesson.video_id
    panel.linker.unlink_action.trigger()
    box = panel.linker.dialog
    assert isinstance(box, QMessageBox) and "stays in the bucket" in box.informativeText()
    click_yes(qtbot, box)
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) is None, timeout=WAIT)
    assert key in bucket_keys(demo)
    qtbot.waitUntil(lambda: panel.selected_row().state is LinkState.NO_VIDEO, timeout=WAIT)


def test_unlink_and_delete_asks_twice(qtbot, admin, demo):
    panel = admin
    row = select_lesson(qtbot, panel, "Asking powerful questions")
    key = row.lesson.video_id
    panel.linker.delete_action.trigger()
    first = panel.linker.dialog
    assert isinstance(first, QMessageBox) and first.objectName() == "deleteQuestion"
    click_yes(qtbot, first)
    qtbot.waitUntil(lambda: panel.linker.dialog is not first, timeout=WAIT)
    second = panel.linker.dialog
    assert second.objectName() == "deleteConfirm" and key in second.text()
    assert key in bucket_keys(demo), "nothing is deleted after the first answer"
    click_yes(qtbot, second)
    qtbot.waitUntil(lambda: key not in bucket_keys(demo), timeout=WAIT)
    assert stored_video(demo, row.lesson.id) is None


# -- who may do what, and what goes wrong ----------------------------------------------


def test_an_author_sees_everything_but_cannot_change_links(qtbot, window, panel, demo, messages):
    sign_in(qtbot, panel, demo.info.author_email, demo.info.author_password)
    assert window.user_status.text() == "Otto Author · author"
    row = select_lesson(qtbot, panel, "Welcome and how this course works")
    linker = panel.linker
    assert not linker.link_action.isEnabled()
    assert linker.link_action.toolTip() == "Only admins can link videos"
    assert not linker.upload_action.isEnabled()
    assert not linker.delete_action.isEnabled()
    assert "Only admins" in linker.delete_action.toolTip()
    assert linker.watch_action.isEnabled(), "authors may preview"
    mime = to_mime_data([ObjectRef(demo.info.bucket, unused_key(demo))])
    panel.lesson_filter.dropMimeData(
        mime, Qt.DropAction.CopyAction, -1, -1, panel.lessons.currentIndex()
    )
    assert any("Only admins can link videos" in m.text for m in messages)
    assert stored_video(demo, row.lesson.id) == row.lesson.video_id


def test_a_token_expiring_mid_session_asks_to_sign_in_then_finishes_the_action(
    qtbot, window, admin, demo
):
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    key = unused_key(demo)
    demo.backend.expire_all_tokens()
    first_dialog = panel.session.dialog
    mime = to_mime_data([ObjectRef(demo.info.bucket, key)])
    panel.lesson_filter.dropMimeData(
        mime, Qt.DropAction.CopyAction, -1, -1, panel.lessons.currentIndex()
    )
    qtbot.waitUntil(
        lambda: panel.session.dialog is not first_dialog and panel.session.dialog.isVisible(),
        timeout=WAIT,
    )
    dialog = panel.session.dialog
    assert "expired" in dialog.message.text()
    assert dialog.email.text() == demo.info.admin_email, "the email is filled in"
    assert window.user_status.text() == ""
    dialog.password.setText(demo.info.admin_password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) == key, timeout=WAIT)
    assert window.user_status.text() == "Ada Admin · admin"


def test_a_refused_token_from_the_environment_is_named_as_such(qtbot, window, monkeypatch, demo):
    """A script's COACHADMIN_API_TOKEN, not the keychain, held the token the backend refused."""
    token = (
        BackendClient(demo.info.api_url)
        .login(demo.info.admin_email, demo.info.admin_password)
        .token
    )
    monkeypatch.setenv("COACHADMIN_API_TOKEN", token)
    window.set_connection(demo.info.connection())
    window.workspace.tabs.setCurrentWidget(window.lessons)
    panel = window.lessons
    qtbot.waitUntil(lambda: panel.session.signed_in, timeout=WAIT)
    qtbot.waitUntil(lambda: len(panel.lesson_model.rows) > 0, timeout=WAIT)
    select_lesson(qtbot, panel, "The coaching mindset")
    demo.backend.expire_all_tokens()
    mime = to_mime_data([ObjectRef(demo.info.bucket, unused_key(demo))])
    panel.lesson_filter.dropMimeData(
        mime, Qt.DropAction.CopyAction, -1, -1, panel.lessons.currentIndex()
    )
    qtbot.waitUntil(
        lambda: panel.session.dialog is not None and panel.session.dialog.isVisible(),
        timeout=WAIT,
    )
    text = panel.session.dialog.message.text()
    assert "refused the token in COACHADMIN_API_TOKEN" in text, text


def test_a_wrong_password_keeps_the_dialog_open_with_the_reason(qtbot, panel, demo):
    qtbot.waitUntil(panel.sign_in_button.isVisible, timeout=WAIT)
    panel.sign_in_action.trigger()
    dialog = panel.session.dialog
    dialog.email.setText(demo.info.admin_email)
    dialog.password.setText("wrong-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong email or password" in dialog.message.text(), timeout=WAIT)
    assert dialog.isVisible() and not panel.session.signed_in
    # Ready for the retype: the password field has the focus, its text selected, and Enter
    # signs in (it does not close the dialog).
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.password, timeout=WAIT)
    assert dialog.password.selectedText() == "wrong-password"
    qtbot.keyClicks(dialog.password, demo.info.admin_password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.session.signed_in, timeout=WAIT)


def test_reopening_the_sign_in_after_a_failure_keeps_the_email(qtbot, panel, demo):
    qtbot.waitUntil(panel.sign_in_button.isVisible, timeout=WAIT)
    panel.sign_in_action.trigger()
    dialog = panel.session.dialog
    dialog.email.setText("someone@demo.test")
    dialog.password.setText("wrong-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong email or password" in dialog.message.text(), timeout=WAIT)
    dialog.reject()
    panel.sign_in_action.trigger()
    again = panel.session.dialog
    assert again is not dialog and again.email.text() == "someone@demo.test"
    assert again.password.text() == ""


def test_the_backend_down_is_a_message_not_a_crash(qtbot, admin, demo, messages, crash_handler):
    panel = admin
    demo.backend.stop()
    panel.refresh_action.trigger()
    qtbot.waitUntil(
        lambda: any("Cannot reach the backend" in m.text for m in messages), timeout=30_000
    )
    assert crash_handler.dialog is None


# -- watching and uploading --------------------------------------------------------------


# QtMultimedia on a machine without sound says so; the offscreen platform's own noise too.
@pytest.mark.qt_log_ignore(r".*(pipewire|HW decoder|audio device|PulseAudio|propagateSizeHints).*")
def test_watch_as_a_student_plays_the_stream_url_and_shows_when_it_expires(qtbot, admin, demo):
    panel = admin
    select_lesson(qtbot, panel, "Welcome and how this course works")
    panel.linker.watch_action.trigger()
    qtbot.waitUntil(lambda: panel.linker.player is not None, timeout=WAIT)
    player = panel.linker.player
    assert re.search(r"expires at \d\d:\d\d \(in 5\d minutes\)", player.expiry.text())
    assert player.player.source().toString().startswith(demo.info.s3_endpoint)
    player.audio.setMuted(True)
    player.player.setPlaybackRate(4.0)
    # Played to its end: the S3 server runs in this process, and stopping a player that is
    # still reading from it would wait for a thread that waits for this one.
    qtbot.waitUntil(
        lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia,
        timeout=30_000,
    )
    assert not player.status.text(), player.status.text()
    assert player.play_button.text() == "Play"  # at its end, a click plays it again
    player.close()


@pytest.mark.qt_log_ignore(r"Could not open media")
def test_the_student_player_offers_play_again_after_an_error(qtbot, s3_server: str):
    lesson = Lesson(id="l1", course_id="c1", title="Gone", order=1, video_id="v1")
    stream = StreamUrl(f"{s3_server}/no-such-bucket/gone.mp4", "l1", "c1", None)
    player = StudentPlayer(lesson, stream, None)
    qtbot.addWidget(player)
    player.audio.setMuted(True)
    player.show()
    assert player.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: player.status.text().startswith("Cannot play"), timeout=WAIT)
    assert player.play_button.text() == "Play"
    player.close()


@pytest.mark.qt_log_ignore(r".*(pipewire|HW decoder|audio device|PulseAudio|propagateSizeHints).*")
def test_the_student_player_s_button_says_what_a_click_does(qtbot):
    lesson = Lesson(id="l1", course_id="c1", title="Local", order=1, video_id="videos/v.mp4")
    url = QUrl.fromLocalFile(str(SAMPLES / "sample-video.mp4")).toString()
    player = StudentPlayer(lesson, StreamUrl(url, "l1", "c1", None), None)
    qtbot.addWidget(player)
    player.audio.setMuted(True)
    player.show()
    playing, paused = (
        QMediaPlayer.PlaybackState.PlayingState,
        QMediaPlayer.PlaybackState.PausedState,
    )
    qtbot.waitUntil(lambda: player.player.playbackState() == playing, timeout=WAIT)
    assert player.play_button.text() == "Pause"
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.player.playbackState() == paused, timeout=WAIT)
    assert player.play_button.text() == "Play"
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.player.playbackState() == playing, timeout=WAIT)
    assert player.play_button.text() == "Pause"
    # Played to its end before it closes, as the test above does: stopping FFmpeg's player
    # mid-play hung a loaded CI host once, in the close's stop().
    player.player.setPlaybackRate(4.0)
    qtbot.waitUntil(
        lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia,
        timeout=30_000,
    )
    assert player.play_button.text() == "Play"
    player.close()


def test_upload_and_link_links_once_the_upload_is_verified(qtbot, admin, demo, tmp_path: Path):
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    video = tmp_path / "My New Lesson.mp4"
    shutil.copy(SAMPLES / "sample-video.mp4", video)  # H.264 and AAC, index first
    panel.linker.choose_file = lambda: video
    asked: list[MediaNotes] = []
    panel.linker.ask_media = lambda notes: asked.append(notes) or MediaChoice.AS_IS
    panel.linker.upload_action.trigger()
    qtbot.waitUntil(lambda: stored_video(demo, row.lesson.id) is not None, timeout=30_000)
    key = stored_video(demo, row.lesson.id)
    assert re.fullmatch(r"videos/my-new-lesson-\d{13}-\d{4}\.mp4", key)
    client = make_client(demo.info.s3_settings())
    assert client.get_object(Bucket=demo.info.bucket, Key=key)["Body"].read() == video.read_bytes()
    qtbot.waitUntil(lambda: panel.selected_row().state is LinkState.LINKED, timeout=WAIT)
    assert asked == []  # a video that plays everywhere: nothing to ask


def test_upload_and_link_refuses_a_file_that_is_no_video(
    qtbot, admin, demo, messages, tmp_path: Path
):
    """As the command line does: a lesson linked to it would play for no student."""
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    before = stored_video(demo, row.lesson.id)
    fake = tmp_path / "notes.mp4"
    fake.write_bytes(b"\x00\x01" * 150_000)
    panel.linker.choose_file = lambda: fake
    asked: list[MediaNotes] = []
    panel.linker.ask_media = lambda notes: asked.append(notes) or MediaChoice.AS_IS
    panel.linker.upload_action.trigger()
    qtbot.waitUntil(lambda: any("holds no video" in m.text for m in messages), timeout=WAIT)
    assert asked == []  # refused before any question
    assert stored_video(demo, row.lesson.id) == before
    listed = make_client(demo.info.s3_settings()).list_objects_v2(
        Bucket=demo.info.bucket, Prefix="videos/notes-"
    )
    assert listed["KeyCount"] == 0


def test_upload_and_link_fixes_a_late_index_when_asked(qtbot, window, admin, demo, tmp_path):
    panel = admin
    row = select_lesson(qtbot, panel, "The coaching mindset")
    video = tmp_path / "Week 2.mp4"
    shutil.copy(SAMPLES / "sample-video-moov-at-end.mp4", video)
    original = video.read_bytes()
    panel.linker.choose_file = lambda: video
    panel.linker.ask_media = lambda notes: MediaChoice.FIX if notes.fixable else None
    panel.linker.upload_action.trigger()
    if row.lesson.video_id:  # the lesson has a video: the replace question comes next
        qtbot.waitUntil(lambda: isinstance(panel.linker.dialog, ReplaceLinkDialog), timeout=WAIT)
        panel.linker.dialog.accept()
    qtbot.waitUntil(
        lambda: stored_video(demo, row.lesson.id) != row.lesson.video_id, timeout=30_000
    )
    key = stored_video(demo, row.lesson.id)
    stored = make_client(demo.info.s3_settings()).get_object(Bucket=demo.info.bucket, Key=key)
    assert stored["ContentType"] == "video/mp4"
    (tmp_path / "stored.mp4").write_bytes(stored["Body"].read())
    assert probe_file(tmp_path / "stored.mp4").index is IndexPosition.FRONT
    assert video.read_bytes() == original
    qtbot.waitUntil(
        lambda: sorted(p.name for p in tmp_path.iterdir()) == ["Week 2.mp4", "stored.mp4"],
        timeout=WAIT,
    )  # the faststart copy is gone once uploaded


def test_deleting_a_linked_object_is_refused_naming_the_lessons(qtbot, admin, demo, messages):
    panel = admin
    row = select_lesson(qtbot, panel, "Welcome and how this course works")
    deleted: list[str] = []
    panel.guard_delete(demo.info.bucket, [row.lesson.video_id], lambda: deleted.append("linked"))
    qtbot.waitUntil(lambda: any("Not deleted" in m.text for m in messages), timeout=WAIT)
    refusal = next(m.text for m in messages if "Not deleted" in m.text)
    assert row.lesson.title in refusal and row.course.title in refusal
    panel.guard_delete(demo.info.bucket, [unused_key(demo)], lambda: deleted.append("free"))
    panel.guard_delete(demo.info.bucket, [], lambda: deleted.append("folder"), ["videos/"])
    qtbot.waitUntil(
        lambda: "free" in deleted and sum("Not deleted" in m.text for m in messages) == 2,
        timeout=WAIT,
    )
    assert deleted == ["free"], "a folder holding linked videos is refused too"


def test_an_upload_finished_elsewhere_is_linked_when_the_panel_loads(qtbot, window, panel, demo):
    """`coachadmin resume` finished an upload-and-link days later: signing in links it."""
    # The window opens the journal on a worker when it connects; two first openings at
    # once would both create its tables.
    qtbot.waitUntil(lambda: window.transfers.started, timeout=WAIT)
    info = demo.info
    lesson = next(
        lesson
        for course in demo.backend.store.courses()
        for lesson in demo.backend.store.lessons(course.id)
        if lesson.video_id is None
    )
    key = "videos/finished-elsewhere-1767434839123-4821.mp4"
    body = b"resumed" * 1000
    client = make_client(info.s3_settings())
    etag = client.put_object(Bucket=info.bucket, Key=key, Body=body)["ETag"].strip('"')
    with Journal() as journal, PendingLinks() as store:
        record = UploadRecord(
            id=journal.new_id(), path="/tmp/v.mp4", size=len(body), mtime_ns=0,
            part_size=len(body), bucket=info.bucket, key=key, state="done", etag=etag,
        )  # fmt: skip
        transfer = journal.create_upload(record).id
        store.add(PendingLink(info.bucket, key, lesson.id, info.api_url, len(body), transfer))
    sign_in(qtbot, panel, info.admin_email, info.admin_password)
    qtbot.waitUntil(lambda: stored_video(demo, lesson.id) == key, timeout=WAIT)


def test_on_the_demo_the_sign_in_comes_filled_in_with_the_demo_account(qtbot, panel, demo):
    assert panel.connection.demo
    qtbot.waitUntil(panel.sign_in_button.isVisible, timeout=WAIT)
    qtbot.mouseClick(panel.sign_in_button, Qt.MouseButton.LeftButton)
    dialog = panel.session.dialog
    assert isinstance(dialog, SignInDialog) and dialog.isVisible()
    assert dialog.email.text() == demo.info.admin_email
    assert dialog.password.text() == demo.info.admin_password
    assert "demo" in dialog.intro.text()
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)  # one click
    qtbot.waitUntil(lambda: panel.session.signed_in, timeout=WAIT)
    assert panel.session.user.email == demo.info.admin_email
