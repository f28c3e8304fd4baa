"""Uploading onto keys that exist: replace, keep both, skip, apply to all, cancel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton
from support.browser import ScriptedQuestions, drop_files, keys

from coachadmin.connection import Connection
from coachadmin.display import format_size
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.events import TransferState
from coachadmin.ui.browser.dialogs import ConflictDialog
from coachadmin.ui.browser.question_types import (
    Conflict,
    ConflictAnswer,
    ConflictChoice,
    MediaNotes,
)
from coachadmin.ui.browser.questions import media_question
from coachadmin.ui.main_window import MainWindow

REPLACE, KEEP_BOTH, SKIP = ConflictChoice.REPLACE, ConflictChoice.KEEP_BOTH, ConflictChoice.SKIP


@pytest.fixture
def connection(s3_server: str) -> Connection:
    bucket = f"cf-{uuid.uuid4().hex[:12]}"
    settings = S3Settings(endpoint_url=s3_server, region="us-east-1")
    client = make_client(settings)
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="a.txt", Body=b"old a")
    client.put_object(Bucket=bucket, Key="b.txt", Body=b"old b")
    return Connection(name="Test", bucket=bucket, s3=settings)


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for name in ("a.txt", "b.txt", "c.txt"):
        path = tmp_path / name
        path.write_bytes(f"new {name[0]}".encode())
        paths.append(path)
    return paths


@pytest.fixture
def questions(qtbot, window: MainWindow, connection) -> ScriptedQuestions:
    window.questions = ScriptedQuestions()
    with qtbot.waitSignal(window.browser.controller.listed, timeout=10000):
        window.set_connection(connection)
    return window.questions


def body(connection: Connection, key: str) -> bytes:
    client = make_client(connection.s3)
    return client.get_object(Bucket=connection.bucket, Key=key)["Body"].read()


def drop_and_wait(qtbot, window: MainWindow, files: list[Path], expected: int) -> None:
    drop_files(window.workspace.files.object_list, files, point=None)
    panel = window.workspace.transfers
    qtbot.waitUntil(
        lambda: [e.state for e in panel.model.events()] == [TransferState.DONE] * expected,
        timeout=20000,
    )


def conflicts_asked(questions: ScriptedQuestions) -> list[Conflict]:
    return [c for kind, c in questions.asked if kind == "conflict"]


def test_replace(qtbot, window, questions, connection, files):
    questions.conflict_answers = [ConflictAnswer(REPLACE), ConflictAnswer(REPLACE)]
    stored = make_client(connection.s3).head_object(Bucket=connection.bucket, Key="a.txt")
    drop_and_wait(qtbot, window, files, 3)
    asked = conflicts_asked(questions)
    assert [c.key for c in asked] == ["a.txt", "b.txt"]
    assert [c.remaining for c in asked] == [1, 0]
    assert asked[0].local_size == len(b"new a")
    # What the dialog compares: the object in the bucket and the file, sizes and dates.
    assert asked[0].existing_size == len(b"old a")
    assert asked[0].existing_modified == stored["LastModified"]
    assert asked[0].local_modified == datetime.fromtimestamp(files[0].stat().st_mtime, UTC)
    assert keys(connection) == ["a.txt", "b.txt", "c.txt"]
    assert (body(connection, "a.txt"), body(connection, "b.txt")) == (b"new a", b"new b")


def test_keep_both(qtbot, window, questions, connection, files):
    questions.conflict_answers = [ConflictAnswer(KEEP_BOTH), ConflictAnswer(KEEP_BOTH)]
    drop_and_wait(qtbot, window, files, 3)
    assert keys(connection) == ["a (1).txt", "a.txt", "b (1).txt", "b.txt", "c.txt"]
    assert body(connection, "a.txt") == b"old a"
    assert body(connection, "a (1).txt") == b"new a"
    controller = window.browser.controller
    qtbot.waitUntil(lambda: controller.model.row_of("a (1).txt") is not None, timeout=5000)


def test_skip(qtbot, window, questions, connection, files):
    questions.conflict_answers = [ConflictAnswer(SKIP), ConflictAnswer(REPLACE)]
    drop_and_wait(qtbot, window, files, 2)
    assert body(connection, "a.txt") == b"old a"
    assert body(connection, "b.txt") == b"new b"
    assert keys(connection) == ["a.txt", "b.txt", "c.txt"]


def test_apply_to_all_asks_once(qtbot, window, questions, connection, files):
    questions.conflict_answers = [ConflictAnswer(SKIP, apply_to_all=True)]
    drop_and_wait(qtbot, window, files, 1)
    assert len(conflicts_asked(questions)) == 1
    assert (body(connection, "a.txt"), body(connection, "b.txt")) == (b"old a", b"old b")
    assert body(connection, "c.txt") == b"new c"


def test_cancel_uploads_nothing(qtbot, window, questions, connection, files):
    questions.conflict_answers = [None]
    drop_files(window.workspace.files.object_list, files)
    qtbot.waitUntil(lambda: len(conflicts_asked(questions)) == 1, timeout=10000)
    assert window.workspace.transfers.model.rowCount() == 0
    assert keys(connection) == ["a.txt", "b.txt"]


def test_conflict_dialog_buttons(qtbot, tmp_path):
    conflict = Conflict("videos/intro.mp4", tmp_path / "intro.mp4", 2_500_000, remaining=2)
    for button_name, choice in (
        ("conflictReplace", REPLACE),
        ("conflictKeepBoth", KEEP_BOTH),
        ("conflictSkip", SKIP),
    ):
        dialog = ConflictDialog(conflict)
        qtbot.addWidget(dialog)
        dialog.show()
        apply_all = dialog.findChild(QCheckBox, "applyToAll")
        assert apply_all.isVisible() and "2 conflicts" in apply_all.text()
        apply_all.setChecked(choice is REPLACE)
        dialog.findChild(QPushButton, button_name).click()
        assert dialog.answer() == ConflictAnswer(choice, apply_to_all=choice is REPLACE)
    last = ConflictDialog(Conflict("a.txt", tmp_path / "a.txt", 1))
    assert last.findChild(QLabel, "existingObject") is None  # not known: not shown
    qtbot.addWidget(last)
    assert last.findChild(QCheckBox, "applyToAll").isHidden()  # nothing left to apply to
    last.reject()  # Escape never replaces
    assert last.answer().choice is SKIP


def test_the_dialog_compares_the_object_and_the_file(qtbot, tmp_path):
    saved = datetime(2026, 11, 2, 9, 14, tzinfo=UTC)
    modified = datetime(2026, 12, 7, 8, 26, tzinfo=UTC)
    conflict = Conflict(
        "videos/intro.mp4",
        tmp_path / "intro.mp4",
        419_430_400,
        existing_size=401_604_608,
        existing_modified=saved,
        local_modified=modified,
    )
    dialog = ConflictDialog(conflict)
    qtbot.addWidget(dialog)
    dialog.show()
    stored = dialog.findChild(QLabel, "existingObject")
    yours = dialog.findChild(QLabel, "uploadedFile")
    local = "%Y-%m-%d %H:%M"
    assert stored.text() == f"{format_size(401_604_608)}, saved {saved.astimezone():{local}}"
    assert yours.text() == f"{format_size(419_430_400)}, modified {modified.astimezone():{local}}"
    assert yours.toolTip() == str(tmp_path / "intro.mp4")
    assert stored.isVisible() and yours.isVisible()


def test_a_file_whose_name_no_key_can_hold_is_left_out_saying_why(
    qtbot, window, questions, connection, files
):
    odd = files[0].parent / "notes\x01.txt"
    odd.write_bytes(b"odd")
    said: list[str] = []
    window.bus.posted.connect(lambda message: said.append(message.text))
    drop_and_wait(qtbot, window, [files[2], odd], expected=1)
    assert body(connection, "c.txt") == b"new c"
    assert "notes\x01.txt" not in keys(connection)
    assert any("left out" in text and "(U+0001, a control character)" in text for text in said), (
        said
    )


def test_the_media_question_speaks_of_what_was_dropped(qtbot):
    one = MediaNotes(files=(("big-masterclass.mov", ("not a video",)),), fixable=0)
    box, fix, as_is = media_question(one, None)
    qtbot.addWidget(box)
    assert box.text() == "1 file may not play well for students."
    assert fix is None and as_is.text() == "Upload As It Is"
    assert "Fix and Upload" not in box.informativeText()

    two = MediaNotes(
        files=(("late.mp4", ("index at the end",)), ("notes.mov", ("not a video",))), fixable=1
    )
    box, fix, as_is = media_question(two, None)
    qtbot.addWidget(box)
    assert box.text() == "2 files may not play well for students."
    assert fix is not None and as_is.text() == "Upload As They Are"
    assert "for the 1 it can help; the others go as they are" in box.informativeText()
