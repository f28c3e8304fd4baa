"""The browser's actions against the demo S3 server: folders, rename, move, delete, links."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from support.browser import ScriptedQuestions, client, keys, put, unique_bucket_connection

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.transfers.events import TransferState
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.browser.dialogs import DeleteDialog
from coachadmin.ui.browser.question_types import DeletePlan
from coachadmin.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=20) as env:
        yield env


@pytest.fixture
def questions(window: MainWindow) -> ScriptedQuestions:
    window.questions = ScriptedQuestions()
    return window.questions


@pytest.fixture
def connection(demo):
    conn = unique_bucket_connection(demo.info.connection())
    put(conn, "notes.txt", b"hello notes", ContentType="text/plain")
    put(conn, "movie.bin", b"m" * 3000, Metadata={"course": "intro"})
    put(conn, "lessons/one.txt", b"1")
    put(conn, "lessons/two.txt", b"22")
    put(conn, "lessons/deep/three.txt", b"333")
    return conn


def open_at(qtbot, window: MainWindow, conn, prefix: str = "") -> BrowserController:
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=15000):
        window.set_connection(conn)
    if prefix:
        with qtbot.waitSignal(controller.listed, timeout=15000):
            controller.navigate(prefix)
    return controller


def shown(controller: BrowserController) -> list[str]:
    return [info.key for info in controller.model.infos()]


def select(controller: BrowserController, *selected: str) -> None:
    view = controller.page.object_list
    view.clearSelection()
    flags = view.selectionModel().SelectionFlag
    for key in selected:
        row = controller.model.row_of(key)
        assert row is not None, key
        view.selectionModel().select(controller.model.index(row, 0), flags.Select | flags.Rows)
    first = controller.model.index(controller.model.row_of(selected[0]), 0)
    view.selectionModel().setCurrentIndex(first, flags.NoUpdate)
    view.setFocus()


def test_new_folder(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    questions.texts = ["course media"]
    window.main_actions.new_folder.trigger()
    qtbot.waitUntil(lambda: "course media/" in shown(controller), timeout=10000)
    assert "course media/" in keys(connection)
    assert controller.tree.children_of("")[0] == "course media/"


def test_rename_an_object_with_f2(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    select(controller, "notes.txt")
    questions.texts = ["renamed.txt"]
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "renamed.txt" in shown(controller), timeout=10000)
    assert "notes.txt" not in shown(controller)
    assert "renamed.txt" in keys(connection) and "notes.txt" not in keys(connection)
    body = client(connection).get_object(Bucket=connection.bucket, Key="renamed.txt")
    assert body["Body"].read() == b"hello notes"
    assert body["ContentType"] == "text/plain"


def test_move_a_folder_with_everything_in_it(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    select(controller, "lessons/")
    questions.texts = ["archive/2024"]
    window.browser.actions.move.trigger()
    qtbot.waitUntil(lambda: "lessons/" not in shown(controller), timeout=10000)
    assert keys(connection, "archive/") == [
        "archive/2024/lessons/deep/three.txt",
        "archive/2024/lessons/one.txt",
        "archive/2024/lessons/two.txt",
    ]
    assert keys(connection, "lessons/") == []
    assert "archive/" in shown(controller)


def test_delete_asks_and_names_what_goes(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    select(controller, "notes.txt", "movie.bin")
    questions.delete_answer = False
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: questions.kinds() == ["delete"], timeout=10000)
    plan = questions.asked[0][1]
    assert set(plan.keys) == {"notes.txt", "movie.bin"}
    assert not plan.has_folders
    assert plan.objects == 2 and plan.bytes == len(b"hello notes") + 3000
    assert {"notes.txt", "movie.bin"} <= set(keys(connection))  # "no" deleted nothing

    questions.delete_answer = True
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "notes.txt" not in shown(controller), timeout=10000)
    assert "movie.bin" not in shown(controller)
    assert not {"notes.txt", "movie.bin"} & set(keys(connection))
    assert keys(connection, "lessons/")  # untouched


def test_deleting_a_folder_counts_everything_under_it(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    select(controller, "lessons/")
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "lessons/" not in shown(controller), timeout=10000)
    plan = questions.asked[0][1]
    assert plan.has_folders and plan.folders == ("lessons/",)
    assert plan.objects == 3 and plan.bytes == 6
    assert keys(connection, "lessons/") == []
    assert "lessons/" not in controller.tree.children_of("")


def test_deleting_in_a_versioned_bucket_says_a_delete_marker_stays(
    qtbot, window, questions, connection
):
    client(connection).put_bucket_versioning(
        Bucket=connection.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    controller = open_at(qtbot, window, connection)
    select(controller, "notes.txt")
    questions.delete_answer = False
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: questions.kinds() == ["delete"], timeout=10000)
    plan = questions.asked[0][1]
    assert plan.keeps_versions
    dialog = DeleteDialog(plan)
    qtbot.addWidget(dialog)
    consequence = dialog.findChild(QLabel, "deleteConsequence").text()
    assert "leaves a delete marker" in consequence and "cannot be undone" not in consequence
    unversioned = DeleteDialog(DeletePlan("media", keys=("a.txt",), objects=1, names=("a.txt",)))
    qtbot.addWidget(unversioned)
    assert "cannot be undone" in unversioned.findChild(QLabel, "deleteConsequence").text()


def test_delete_dialog_is_louder_for_a_folder(qtbot):
    plan = DeletePlan(
        "media", folders=("videos/",), objects=1234, bytes=5_000_000, names=("videos",)
    )
    dialog = DeleteDialog(plan)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Delete the folder “videos” and everything in it?" in texts
    assert "1,234 objects (5.0 MB)" in texts
    assert not dialog.delete_button.isEnabled()  # a tick first
    assert dialog.understood is not None
    dialog.understood.setChecked(True)
    assert dialog.delete_button.isEnabled()

    plain = DeleteDialog(DeletePlan("media", keys=("a.txt",), objects=1, bytes=3, names=("a.txt",)))
    qtbot.addWidget(plain)
    assert plain.delete_button.isEnabled() and plain.understood is None


def test_properties_show_metadata_and_version(qtbot, window, questions, connection):
    client(connection).put_bucket_versioning(
        Bucket=connection.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    put(
        connection, "versioned.dat", b"v" * 10, Metadata={"lesson": "42"}, ContentType="x-demo/data"
    )
    version = client(connection).head_object(Bucket=connection.bucket, Key="versioned.dat")[
        "VersionId"
    ]
    controller = open_at(qtbot, window, connection)
    select(controller, "versioned.dat")
    window.browser.actions.properties.trigger()
    commands = window.browser.commands
    qtbot.waitUntil(lambda: getattr(commands, "last_dialog", None) is not None, timeout=10000)
    dialog = commands.last_dialog
    text = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
    assert text["propSize"] == "10 bytes"
    assert text["propContentType"].startswith("x-demo/data")
    assert version in text["propVersion"] and "versioning on" in text["propVersion"]
    assert text["propStorage"] == "Standard"
    table = dialog.metadata
    assert (table.item(0, 0).text(), table.item(0, 1).text()) == ("lesson", "42")
    dialog.close()


def test_an_earlier_version_is_restored_from_properties(qtbot, window, questions, connection):
    """A file replaced by mistake is one click (and one question) from coming back."""
    client(connection).put_bucket_versioning(
        Bucket=connection.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    put(connection, "handout.pdf", b"the good take", ContentType="application/pdf")
    put(connection, "handout.pdf", b"replaced by mistake!")
    controller = open_at(qtbot, window, connection)
    select(controller, "handout.pdf")
    window.browser.actions.properties.trigger()
    commands = window.browser.commands
    qtbot.waitUntil(lambda: getattr(commands, "last_dialog", None) is not None, timeout=10000)
    dialog = commands.last_dialog
    table = dialog.versions
    assert table.isVisibleTo(dialog) and table.rowCount() == 2
    assert [table.item(r, 1).text() for r in range(2)] == ["20 bytes", "13 bytes"]
    assert table.item(0, 2).text() == "current"
    assert not dialog.restore_button.isEnabled()
    table.selectRow(0)
    assert not dialog.restore_button.isEnabled()  # the current one is already current
    table.selectRow(1)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert questions.asked[-1] == ("restore", "handout.pdf")
    qtbot.waitUntil(lambda: commands.last_dialog is not dialog, timeout=10000)
    body = client(connection).get_object(Bucket=connection.bucket, Key="handout.pdf")["Body"]
    assert body.read() == b"the good take"
    reopened = commands.last_dialog
    assert reopened.versions.rowCount() == 3
    assert reopened.versions.item(0, 1).text() == "13 bytes"
    assert controller.model.infos()[controller.model.row_of("handout.pdf")].size == 13
    reopened.close()


def test_copy_key_and_presigned_link(qtbot, window, questions, connection):
    controller = open_at(qtbot, window, connection)
    select(controller, "movie.bin")
    qtbot.keyClick(controller.page.object_list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "movie.bin"

    window.browser.actions.copy_link.trigger()
    qtbot.waitUntil(
        lambda: "X-Amz-Expires=3600" in QGuiApplication.clipboard().text(), timeout=10000
    )
    url = QGuiApplication.clipboard().text()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"m" * 3000


def test_download_to_disk(qtbot, window, questions, connection, tmp_path):
    controller = open_at(qtbot, window, connection)
    select(controller, "movie.bin", "lessons/")
    questions.folder = tmp_path
    window.browser.actions.download.trigger()
    wanted = {
        tmp_path / "movie.bin": b"m" * 3000,
        tmp_path / "lessons" / "one.txt": b"1",
        tmp_path / "lessons" / "deep" / "three.txt": b"333",
    }
    qtbot.waitUntil(
        lambda: all(p.is_file() and p.read_bytes() == b for p, b in wanted.items()), timeout=20000
    )
    panel = window.workspace.transfers
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4, timeout=10000)


def test_a_folder_download_never_writes_outside_the_chosen_folder(
    qtbot, window, questions, connection, tmp_path
):
    """Keys planted by anyone who can write to the bucket (`..` segments, control
    characters): the folder's honest files arrive, the planted ones stay out and the user
    is told; nothing is written above the chosen folder."""
    put(connection, "lessons/../../ESCAPED.txt", b"planted")
    put(connection, "lessons/../../../ESCAPED2.txt", b"planted")
    put(connection, "lessons/esc\x1b]0;PWNED\x07.txt", b"odd name")
    chosen = tmp_path / "chosen" / "here"
    chosen.mkdir(parents=True)
    controller = open_at(qtbot, window, connection)
    select(controller, "lessons/")
    questions.folder = chosen
    window.browser.actions.download.trigger()
    wanted = {
        chosen / "lessons" / "one.txt": b"1",
        chosen / "lessons" / "deep" / "three.txt": b"333",
        chosen / "lessons" / "esc_]0;PWNED_.txt": b"odd name",
    }
    qtbot.waitUntil(
        lambda: all(p.is_file() and p.read_bytes() == b for p, b in wanted.items()), timeout=20000
    )
    texts = [item.message.text for item in window.banner.items()]
    assert any("2 objects not downloaded" in text and "climbs out" in text for text in texts)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.is_relative_to(chosen) for p in written), written
    assert not list(tmp_path.rglob("ESCAPED*"))


def test_keys_that_would_be_one_file_on_disk_are_saved_under_distinct_names(
    qtbot, window, questions, connection, tmp_path
):
    """S3 keeps these apart; a disk does not (a character no file name may hold, letter
    case on Windows and macOS, Unicode normalisation on macOS). Each object arrives whole
    in a file of its own, and the user is told which were renamed."""
    objects = {
        "clash/a:b.txt": b"colon",
        "clash/a_b.txt": b"underscore",
        "clash/Video.MP4": b"upper",
        "clash/video.mp4": b"lower",
        "clash/caf\u00e9.txt": b"composed",
        "clash/cafe\u0301.txt": b"decomposed",
    }
    for key, body in objects.items():
        put(connection, key, body)
    controller = open_at(qtbot, window, connection)
    select(controller, "clash/")
    questions.folder = tmp_path
    said: list[str] = []
    window.bus.posted.connect(lambda message: said.append(message.text))
    window.browser.actions.download.trigger()
    folder = tmp_path / "clash"
    qtbot.waitUntil(lambda: len(list(folder.glob("*"))) == 6, timeout=20000)
    panel = window.workspace.transfers
    qtbot.waitUntil(
        lambda: sum(e.state is TransferState.DONE for e in panel.model.events()) == 6,
        timeout=20000,
    )
    contents = sorted(p.read_bytes() for p in folder.iterdir())
    assert contents == sorted(objects.values())
    assert not list(folder.glob("*.coachadmin-part"))
    names = {p.name for p in folder.iterdir()}
    assert {"a_b (2).txt", "video (2).mp4"} <= names
    assert any("3 files saved under another name" in text for text in said), said


def test_an_object_named_like_a_folder_beside_it_gets_a_file_of_its_own(
    qtbot, window, questions, connection, tmp_path
):
    """Object ``notes`` and folder ``notes/`` selected together: the folder's files go into
    ``notes/`` and the object is saved as ``notes (2)``, never into the folder. A key that
    ends in ``..`` names no file: refused, saying how to save it."""
    put(connection, "pair/notes", b"object")
    put(connection, "pair/notes/inside.txt", b"inside")
    put(connection, "pair/..", b"dots")
    controller = open_at(qtbot, window, connection, "pair/")
    select(controller, "pair/notes", "pair/notes/", "pair/..")
    questions.folder = tmp_path
    said: list[str] = []
    window.bus.posted.connect(lambda message: said.append(message.text))
    window.browser.actions.download.trigger()
    wanted = {tmp_path / "notes (2)": b"object", tmp_path / "notes" / "inside.txt": b"inside"}
    qtbot.waitUntil(
        lambda: all(p.is_file() and p.read_bytes() == b for p, b in wanted.items()), timeout=20000
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "notes (2)"]
    qtbot.waitUntil(lambda: any("ends in no name a file can have" in t for t in said), timeout=5000)
