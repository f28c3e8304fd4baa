"""Drops, uploads and the transfer panel against moto's S3 server over HTTP."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent
from PySide6.QtWidgets import QApplication, QWidget
from support.browser import ScriptedQuestions, StallMeter, client, drop_files, keys, put
from support.faultproxy import Fault, FaultProxy
from support.transfers import SMALL

import coachadmin
from coachadmin.connection import Connection
from coachadmin.media.probe import IndexPosition, probe_file
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.settings import load_settings, save_settings
from coachadmin.transfers.config import MiB
from coachadmin.transfers.events import TransferEvent, TransferKind, TransferState
from coachadmin.transfers.journal import Journal
from coachadmin.ui.browser.question_types import MediaChoice
from coachadmin.ui.browser.questions import upload_dialog
from coachadmin.ui.demo_launcher import DemoLauncher
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.transfers.model import (
    BUSY_ROLE,
    COMPLETING,
    ETA,
    LAST_PARTS,
    NETWORK_LOST,
    PAUSING,
    PROGRESS,
    SPEED,
    STATE,
)
from coachadmin.ui.transfers.panel import TransferQueuePanel
from coachadmin.ui.transfers.service import TransferService

#: One part at a time: a pause stops after at most one more part.
SERIAL = dataclasses.replace(SMALL, concurrency=1)
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@pytest.fixture
def connection(s3_server: str) -> Connection:
    bucket = f"tp-{uuid.uuid4().hex[:12]}"
    settings = S3Settings(endpoint_url=s3_server, region="us-east-1")
    make_client(settings).create_bucket(Bucket=bucket)
    return Connection(name="Test", bucket=bucket, s3=settings)


@pytest.fixture
def panel(qtbot, bridge) -> Iterator[TransferQueuePanel]:
    service = TransferService(bridge, config=SMALL, max_files=2)
    widget = TransferQueuePanel(service)
    qtbot.addWidget(widget)
    widget.resize(900, 240)
    widget.show()
    yield widget
    service.shutdown(pause=True)


def states(panel: TransferQueuePanel) -> list[TransferState]:
    return [e.state for e in panel.model.events()]


def select_row(panel: TransferQueuePanel, row: int) -> None:
    flags = QItemSelectionModel.SelectionFlag
    panel.queue.selectionModel().select(
        panel.model.index(row, 0), flags.ClearAndSelect | flags.Rows
    )


def big_file(tmp_path: Path, size: int = 24 * MiB) -> Path:
    path = tmp_path / "lecture.mp4"
    path.write_bytes(os.urandom(size))
    return path


def test_a_drop_uploads_files_and_folders_and_the_list_shows_them(
    qtbot, window: MainWindow, connection, tmp_path
):
    window.questions = ScriptedQuestions()
    put(connection, "existing/readme.txt")
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=10000):
        window.set_connection(connection)
    (tmp_path / "hello.txt").write_bytes(b"hello")
    course = tmp_path / "course"
    (course / "intro").mkdir(parents=True)
    (course / "intro" / "a.vtt").write_bytes(b"WEBVTT\n")
    (course / "b.txt").write_bytes(b"bee")

    view = window.workspace.files.object_list
    below_rows = view.visualRect(controller.model.index(0, 0)).bottomLeft() + QPoint(10, 40)
    accepted = drop_files(view, [tmp_path / "hello.txt", course], point=below_rows).isAccepted()
    assert accepted
    wanted = ["course/b.txt", "course/intro/a.vtt", "existing/readme.txt", "hello.txt"]
    qtbot.waitUntil(lambda: keys(connection) == wanted, timeout=20000)
    panel = window.workspace.transfers
    qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE] * 3, timeout=10000)
    # No refresh: the finished uploads are in the list (the folder as a folder row).
    qtbot.waitUntil(lambda: controller.model.row_of("hello.txt") is not None, timeout=5000)
    assert controller.model.row_of("course/") is not None
    assert panel.model.index(0, STATE).data() == "Done"

    # A drop on a folder in the tree goes into that folder.
    tree = window.workspace.files.folder_tree
    target = controller.tree.index_for("existing/")
    tree.scrollTo(target)
    (tmp_path / "into-folder.txt").write_bytes(b"in")
    drop_files(tree, [tmp_path / "into-folder.txt"], point=tree.visualRect(target).center())
    qtbot.waitUntil(lambda: "existing/into-folder.txt" in keys(connection), timeout=20000)


def test_pause_and_resume(qtbot, panel: TransferQueuePanel, connection, tmp_path):
    path = big_file(tmp_path)
    s3 = make_client(connection.s3)  # made before measuring: making a client takes a while
    with FaultProxy(connection.s3.endpoint_url, rate=6 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        meter = StallMeter().start()
        panel.service.upload(
            path, "videos/lecture.mp4", dataclasses.replace(connection, s3=settings)
        )
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: panel.model.transfer(0).bytes_done >= 5 * MiB, timeout=20000)
        select_row(panel, 0)
        assert panel.pause_action.isEnabled()
        panel.pause_action.trigger()
        # At once, before the parts under way have finished: the row says it is pausing.
        assert panel.model.index(0, STATE).data() == PAUSING
        assert not panel.pause_action.isEnabled() and not panel.pause_all_action.isEnabled()
        qtbot.waitUntil(lambda: states(panel) == [TransferState.PAUSED], timeout=20000)
        paused_at = panel.model.transfer(0).bytes_done
        assert 0 < paused_at < path.stat().st_size
        assert panel.model.index(0, STATE).data() == "Paused"
        assert s3.list_objects_v2(Bucket=connection.bucket)["KeyCount"] == 0
        assert panel.resume_action.isEnabled()
        panel.resume_action.trigger()
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=60000)
        worst = meter.stop()
    body = s3.get_object(Bucket=connection.bucket, Key="videos/lecture.mp4")
    assert body["Body"].read() == path.read_bytes()
    # The window kept answering (moto shares this process and its GIL; bench/bench_ui_upload.py
    # measures the stalls with the server in its own process).
    assert meter.never_stuck_for(0.25), (worst, meter.elapsed)


def test_a_row_says_it_waits_for_the_network_and_goes_on_when_it_is_back(
    qtbot, panel: TransferQueuePanel, connection, tmp_path
):
    """Wi-Fi gone mid-upload: the row waits (no speed, no time left, why in its tooltip)
    instead of failing, and finishes by itself once the network is back."""
    path = big_file(tmp_path)
    with FaultProxy(connection.s3.endpoint_url, rate=6 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        panel.service.upload(
            path, "videos/lecture.mp4", dataclasses.replace(connection, s3=settings)
        )
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: panel.model.transfer(0).bytes_done >= 5 * MiB, timeout=20000)
        proxy.cut()
        qtbot.waitUntil(lambda: panel.model.index(0, STATE).data() == NETWORK_LOST, timeout=20000)
        assert panel.model.index(0, SPEED).data() == ""
        assert panel.model.index(0, ETA).data() == ""
        tooltip = panel.model.index(0, STATE).data(Qt.ItemDataRole.ToolTipRole)
        assert "No connection to the server: waiting for the network (since " in tooltip
        assert "for up to 5 min)" in tooltip
        proxy.restore()
        qtbot.waitUntil(lambda: panel.model.index(0, STATE).data() != NETWORK_LOST, timeout=20000)
        assert panel.model.transfer(0).state in (
            TransferState.UPLOADING,
            TransferState.VERIFYING,
            TransferState.DONE,
        )
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=60000)
    body = make_client(connection.s3).get_object(Bucket=connection.bucket, Key="videos/lecture.mp4")
    assert body["Body"].read() == path.read_bytes()


def test_the_same_file_dropped_again_goes_on_with_its_paused_upload(
    qtbot, panel: TransferQueuePanel, connection, tmp_path
):
    path = big_file(tmp_path)
    s3 = make_client(connection.s3)
    with FaultProxy(connection.s3.endpoint_url, rate=6 * MiB) as proxy:
        through = dataclasses.replace(
            connection, s3=S3Settings(endpoint_url=proxy.url, region="us-east-1")
        )
        panel.service.upload(path, "videos/lecture.mp4", through)
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: panel.model.transfer(0).bytes_done >= 5 * MiB, timeout=20000)
        select_row(panel, 0)
        panel.pause_action.trigger()
        qtbot.waitUntil(lambda: states(panel) == [TransferState.PAUSED], timeout=20000)
        first = panel.model.transfer(0).transfer_id
        sent_before = {r.part_number for r in proxy.stats.upload_parts()}

        panel.service.upload(path, "videos/lecture.mp4", through)  # dropped again
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=60000)
        assert panel.model.rowCount() == 1 and panel.model.transfer(0).transfer_id == first
        parts = [r.part_number for r in proxy.stats.upload_parts()]
    assert sorted(parts) == sorted(set(parts))  # no part sent twice
    assert sent_before < set(parts)
    body = s3.get_object(Bucket=connection.bucket, Key="videos/lecture.mp4")
    assert body["Body"].read() == path.read_bytes()


def test_cancel_leaves_nothing_behind(qtbot, panel: TransferQueuePanel, connection, tmp_path):
    path = big_file(tmp_path)
    with FaultProxy(connection.s3.endpoint_url, rate=4 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        panel.service.upload(path, "cancel-me.mp4", dataclasses.replace(connection, s3=settings))
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: panel.model.transfer(0).bytes_done > 0, timeout=20000)
        select_row(panel, 0)
        panel.cancel_action.trigger()
        qtbot.waitUntil(lambda: states(panel) == [TransferState.CANCELLED], timeout=20000)
    client = make_client(connection.s3)
    assert client.list_multipart_uploads(Bucket=connection.bucket).get("Uploads", []) == []
    assert keys(connection) == []
    panel.clear_action.trigger()
    assert panel.model.rowCount() == 0


def test_a_failed_row_says_why_and_retry_finishes_it(
    qtbot, panel: TransferQueuePanel, connection, tmp_path
):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"some notes")
    with FaultProxy(connection.s3.endpoint_url) as proxy:
        proxy.add_fault(
            lambda r: r.method == "PUT", Fault("status", code=403, body=ACCESS_DENIED), times=1
        )
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        panel.service.upload(path, "notes.txt", dataclasses.replace(connection, s3=settings))
        qtbot.waitUntil(lambda: states(panel) == [TransferState.FAILED], timeout=20000)
        status = panel.model.index(0, STATE).data()
        assert status.startswith("Failed: ")
        assert "access denied" in status.lower()
        assert "credentials" in status
        assert "coachadmin " not in status and "--" not in status  # no command-line advice
        assert "access denied" in panel.model.index(0, 0).data(3).lower()  # the tooltip
        assert panel.retry_all_action.isEnabled()
        panel.retry_all_action.trigger()
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=20000)
    assert keys(connection) == ["notes.txt"]


def test_unfinished_uploads_come_back_at_start(qtbot, bridge, connection, tmp_path):
    path = big_file(tmp_path, 16 * MiB)
    first = TransferService(bridge, config=SERIAL)
    panel = TransferQueuePanel(first)
    qtbot.addWidget(panel)
    with FaultProxy(connection.s3.endpoint_url, rate=4 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        first.upload(path, "resumed.mp4", dataclasses.replace(connection, s3=settings))
        qtbot.waitUntil(
            lambda: panel.model.rowCount() == 1 and panel.model.transfer(0).bytes_done > 0,
            timeout=20000,
        )
        first.shutdown(pause=True)  # as when the app quits: paused in the journal
        assert keys(connection) == []

        # The next run, with "resume at start" off: the upload waits for the user.
        second = TransferService(bridge, config=SERIAL)
        again = TransferQueuePanel(second)
        qtbot.addWidget(again)
        second.restore(run=False)
        qtbot.waitUntil(lambda: states(again) == [TransferState.PAUSED], timeout=10000)
        assert again.model.transfer(0).key == "resumed.mp4"
        assert again.model.transfer(0).bytes_done > 0  # the parts already sent count
        again.resume_all_action.trigger()
        qtbot.waitUntil(lambda: states(again) == [TransferState.DONE], timeout=30000)
        second.shutdown()
    body = make_client(connection.s3).get_object(Bucket=connection.bucket, Key="resumed.mp4")
    assert body["Body"].read() == path.read_bytes()


def test_restore_honours_the_setting(qtbot, bridge, connection, tmp_path):
    settings = load_settings()
    settings.resume_uploads_at_start = True
    save_settings(settings)
    path = big_file(tmp_path, 12 * MiB)
    first = TransferService(bridge, config=SERIAL)
    with FaultProxy(connection.s3.endpoint_url, rate=4 * MiB) as proxy:
        s3 = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        first.upload(path, "auto.mp4", dataclasses.replace(connection, s3=s3))
        qtbot.waitUntil(lambda: first.unfinished() != [], timeout=10000)
        first.shutdown(pause=True)
        assert keys(connection) == []
        second = TransferService(bridge, config=SERIAL)
        panel = TransferQueuePanel(second)
        qtbot.addWidget(panel)
        second.restore()  # the setting says: continue by itself
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=30000)
        second.shutdown()
    assert "auto.mp4" in keys(connection)


def test_quitting_with_transfers_running_asks_first(qtbot, bridge, bus, connection, tmp_path):
    window = MainWindow(
        bridge=bridge, bus=bus, demo=DemoLauncher(bridge),
        transfers=TransferService(bridge, config=SERIAL),
    )  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    questions = window.questions = ScriptedQuestions()
    path = big_file(tmp_path, 16 * MiB)
    with FaultProxy(connection.s3.endpoint_url, rate=4 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        window.transfers.upload(path, "long.mp4", dataclasses.replace(connection, s3=settings))
        qtbot.waitUntil(lambda: window.transfers.unfinished() != [], timeout=10000)
        questions.quit_answer = False
        window.close()
        assert questions.asked == [("quit", 1)]
        assert window.isVisible()  # "keep working"
        questions.quit_answer = True
        window.close()
        assert not window.isVisible()
    window.shutdown()

    with Journal() as journal:
        uploads = journal.list_uploads()
    assert [(u.key, u.state) for u in uploads] == [("long.mp4", "paused")]
    assert keys(connection) == []


def test_rows_show_the_destination_key_so_two_files_of_one_name_stay_apart(
    qtbot, panel: TransferQueuePanel, connection, tmp_path
):
    for folder in ("images", "videos"):
        path = tmp_path / folder / "cover.png"
        path.parent.mkdir()
        path.write_bytes(os.urandom(1000))
        panel.service.upload(path, f"{folder}/cover.png", connection)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=20000)
    names = [panel.model.index(row, 0).data() for row in range(2)]
    assert names == ["images/cover.png", "videos/cover.png"]


def test_rows_come_in_the_order_the_files_were_given(
    qtbot, panel: TransferQueuePanel, connection, tmp_path
):
    """A drop of many files lists (and starts) them in the drop's order, though each is
    checked and journaled on a worker of its own."""
    keys_given = [f"lesson-{n:02d}.mp4" for n in range(12)]
    for key in keys_given:
        path = tmp_path / key
        path.write_bytes(os.urandom(2000))
        panel.service.upload(path, key, connection)
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(keys_given), timeout=20000)
    assert [panel.model.index(row, 0).data() for row in range(len(keys_given))] == keys_given


def test_a_row_completing_on_the_server_says_so_with_a_busy_bar_and_no_stale_speed(
    qtbot, bridge, connection, tmp_path
):
    service = TransferService(bridge, config=dataclasses.replace(SMALL, read_timeout=4))
    panel = TransferQueuePanel(service)
    qtbot.addWidget(panel)
    panel.show()
    panel.model.slow_after = 1.5
    path = big_file(tmp_path, 12 * MiB)
    with FaultProxy(connection.s3.endpoint_url) as proxy:
        # The first CompleteMultipartUpload hangs for 3 s, then its connection closes.
        proxy.add_fault(
            lambda r: r.method == "POST" and "uploadId=" in r.target, Fault("stall", seconds=3)
        )
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        service.upload(path, "videos/slow.mp4", dataclasses.replace(connection, s3=settings))
        qtbot.waitUntil(lambda: states(panel) == [TransferState.VERIFYING], timeout=20000)
        row = panel.model.index(0, STATE)
        assert row.data() == COMPLETING
        assert panel.model.index(0, SPEED).data() == ""
        assert panel.model.index(0, ETA).data() == ""
        assert panel.model.index(0, PROGRESS).data(BUSY_ROLE) is True
        assert panel._busy_timer.isActive()  # the busy bar moves
        qtbot.waitUntil(lambda: "slow" in panel.model.index(0, STATE).data(), timeout=5000)
        assert states(panel) == [TransferState.VERIFYING]
        qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=30000)
    assert panel.model.index(0, STATE).data() == "Done"
    assert panel.model.index(0, PROGRESS).data(BUSY_ROLE) is False
    assert not panel._busy_timer.isActive()
    service.shutdown()


def test_notices_never_move_what_the_user_is_about_to_click(
    qtbot, window: MainWindow, connection, tmp_path
):
    window.questions = ScriptedQuestions()
    window.resize(1024, 700)
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=10000):
        window.set_connection(connection)
    tabs = window.workspace.tabs.tabBar()
    tree = window.workspace.files.folder_tree

    def where(widget: QWidget) -> tuple[QPoint, QPoint]:
        return widget.mapTo(window, QPoint(0, 0)), widget.mapTo(window, widget.rect().bottomRight())

    before = [where(tabs), where(tree)]
    (tmp_path / "hello.txt").write_bytes(b"hello")
    drop_files(window.workspace.files.object_list, [tmp_path / "hello.txt"])
    # "Uploading 1 file": in the status bar, as a file manager says what it does.
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Uploading 1 file"))
    assert [where(tabs), where(tree)] == before
    assert window.banner.items() == []

    # A warning stays until dismissed: a card floating over the bottom right corner.
    window.bus.warning("The demo's disk is nearly full.")
    qtbot.waitUntil(window.banner.isVisible)
    qtbot.wait(50)
    assert [where(tabs), where(tree)] == before
    card = window.banner.geometry()
    central = window.centralWidget().rect()
    assert central.contains(card) and card.right() > central.width() * 0.6
    assert card.bottom() > central.height() * 0.8
    window.banner.items()[0].dismiss()
    qtbot.waitUntil(lambda: not window.banner.isVisible())
    assert [where(tabs), where(tree)] == before


def test_the_upload_dialog_names_the_destination_folder(
    qtbot, window: MainWindow, connection, tmp_path
):
    questions = window.questions = ScriptedQuestions()
    put(connection, "videos/intro.mp4")
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=10000):
        window.set_connection(connection)
    with qtbot.waitSignal(controller.listed, timeout=10000):
        controller.navigate("videos/")
    path = tmp_path / "lecture.mp4"
    path.write_bytes(b"a video")
    questions.files = [path]
    window.main_actions.upload.trigger()
    destination = f"s3://{connection.bucket}/videos/"
    assert questions.asked == [("upload", destination)]
    qtbot.waitUntil(lambda: "videos/lecture.mp4" in keys(connection), timeout=20000)
    dialog = upload_dialog(window, destination)  # what Questions.upload_files shows
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"Upload to {destination}"


def test_a_drag_over_the_browser_highlights_the_folder_it_would_land_in(
    qtbot, window: MainWindow, connection, tmp_path
):
    put(connection, "images/cover.png")
    put(connection, "videos/intro.mp4")
    put(connection, "readme.txt")
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=10000):
        window.set_connection(connection)
    (tmp_path / "clip.mp4").write_bytes(b"clip")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "clip.mp4"))])

    def drag_to(view: QWidget, point: QPoint) -> None:
        """The drag enters ``view`` (Qt delivers moves only after that) and moves to ``point``."""
        args = (
            QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(view.viewport(), QDragEnterEvent(*args))
        QApplication.sendEvent(view.viewport(), QDragMoveEvent(*args))
        view.viewport().repaint()

    def highlighted(view: QWidget, point: QPoint) -> bool:
        """The outline's colour (the palette's highlight) is painted at ``point``."""
        colour = view.viewport().grab().toImage().pixelColor(point)
        wanted = view.palette().color(view.palette().ColorRole.Highlight)
        return max(abs(colour.red() - wanted.red()), abs(colour.blue() - wanted.blue())) < 40

    view = window.workspace.files.object_list
    folder = view.visualRect(controller.model.index(controller.model.row_of("videos/"), 0))
    file_row = view.visualRect(controller.model.index(controller.model.row_of("readme.txt"), 0))
    edge = QPoint(1, folder.center().y())  # the outline's left edge, on the folder's row
    assert not highlighted(view, edge)
    drag_to(view, folder.center())
    assert view.drop_highlight.rect is not None
    assert view.drop_highlight.rect.contains(folder.center())
    assert not view.drop_highlight.rect.contains(file_row.center())
    assert highlighted(view, edge)
    # Over a file: the drop goes into the folder shown, and the whole list is outlined.
    drag_to(view, file_row.center())
    assert view.drop_highlight.rect == view.viewport().rect()
    QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
    view.viewport().repaint()
    assert view.drop_highlight.rect is None
    assert not highlighted(view, edge)

    tree = window.workspace.files.folder_tree
    target = tree.visualRect(controller.tree.index_for("images/"))
    drag_to(tree, target.center())
    assert tree.drop_highlight.rect is not None
    assert tree.drop_highlight.rect.contains(target.center())
    assert highlighted(tree, QPoint(1, target.center().y()))
    drop_files(tree, [tmp_path / "clip.mp4"], point=target.center())
    assert tree.drop_highlight.rect is None
    qtbot.waitUntil(lambda: "images/clip.mp4" in keys(connection), timeout=20000)


SAMPLES = Path(coachadmin.__file__).parent / "resources" / "sample-media"


@pytest.mark.parametrize("answer", [MediaChoice.FIX, MediaChoice.AS_IS, None])
def test_a_dropped_video_that_streams_late_is_fixed_only_when_the_user_says_so(
    qtbot, window: MainWindow, connection, tmp_path, answer
):
    """moov at the end: the window names it before anything is sent, and fixes it losslessly
    (a copy, removed once uploaded) only on "Fix and Upload"."""
    questions = window.questions = ScriptedQuestions()
    questions.media_answer = answer
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=10000):
        window.set_connection(connection)
    video = tmp_path / "week-1-intro.mp4"
    shutil.copy(SAMPLES / "sample-video-moov-at-end.mp4", video)
    original = video.read_bytes()
    drop_files(window.workspace.files.object_list, [video])
    qtbot.waitUntil(lambda: questions.kinds() == ["media"], timeout=10000)
    notes = questions.asked[0][1]
    assert notes.fixable == 1 and notes.files[0][0] == "week-1-intro.mp4"
    assert "moov" in " ".join(notes.files[0][1])
    if answer is None:
        qtbot.wait(500)
        assert keys(connection) == [] and window.transfers.ids() == []
        return
    qtbot.waitUntil(lambda: keys(connection) == ["week-1-intro.mp4"], timeout=20000)
    panel = window.workspace.transfers
    qtbot.waitUntil(lambda: states(panel) == [TransferState.DONE], timeout=10000)
    tip = panel.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "H.264" in tip and "0:05" in tip  # what the video is, in its row
    if answer is MediaChoice.FIX:
        assert "streams at once" in tip and "index moved to the front" in tip
    else:
        assert "index at the end" in tip and "moov at the end" in tip
    stored = client(connection).get_object(Bucket=connection.bucket, Key="week-1-intro.mp4")
    assert stored["ContentType"] == "video/mp4"
    assert stored["Metadata"].get("duration")
    body = stored["Body"].read()
    (tmp_path / "stored.mp4").write_bytes(body)
    index = probe_file(tmp_path / "stored.mp4").index
    if answer is MediaChoice.FIX:
        assert index is IndexPosition.FRONT and len(body) == len(original)
    else:
        assert index is IndexPosition.END and body == original
    assert video.read_bytes() == original  # the user's file is never changed
    qtbot.waitUntil(lambda: sorted(p.name for p in tmp_path.iterdir()) == [
        "stored.mp4", "week-1-intro.mp4"
    ], timeout=5000)  # fmt: skip


def test_a_transfer_added_below_the_visible_rows_is_scrolled_into_view(qtbot, panel):
    panel.resize(700, 160)
    panel.show()
    for number in range(12):
        event = TransferEvent(
            f"t{number}", TransferKind.UPLOAD, TransferState.QUEUED, 0, 100, key=f"f{number}.mp4"
        )
        panel.model.update([event])
        last = panel.model.index(number, 0)
        assert panel.queue.viewport().rect().intersects(panel.queue.visualRect(last)), number
    # Scrolled up to look at a row: a new one does not pull the list away from it.
    panel.queue.scrollToTop()
    first = panel.queue.visualRect(panel.model.index(0, 0))
    panel.model.update(
        [TransferEvent("t99", TransferKind.UPLOAD, TransferState.QUEUED, 0, 100, key="late.mp4")]
    )
    assert panel.queue.visualRect(panel.model.index(0, 0)) == first


def test_an_upload_whose_bytes_have_all_left_says_the_server_is_receiving_them(qtbot, panel):
    """On a slow link the connections' buffers hold seconds of bytes: 100% handed over is
    not 0 s left. The row says what is going on and shows no time left."""
    sending = TransferEvent(
        "t1", TransferKind.UPLOAD, TransferState.UPLOADING, 60, 100, speed=10.0, eta_seconds=4.0
    )
    panel.model.update([sending])
    assert panel.model.index(0, STATE).data() == "Uploading"
    assert panel.model.index(0, ETA).data() == "4 s"
    handed = dataclasses.replace(sending, bytes_done=100, eta_seconds=0.0)
    panel.model.update([handed])
    assert panel.model.index(0, STATE).data() == LAST_PARTS
    assert panel.model.index(0, ETA).data() == ""


def test_a_cancel_that_left_parts_on_the_server_says_so_in_its_row(qtbot, panel):
    said = "cancelled; its unfinished upload stays on the server (the network is down): ..."
    panel.model.update(
        [TransferEvent("t1", TransferKind.UPLOAD, TransferState.CANCELLED, 5, 100, message=said)]
    )
    assert (
        panel.model.index(0, STATE)
        .data()
        .startswith("Cancelled: Its unfinished upload stays on the server (the network is down)")
    )
    plain = TransferEvent(
        "t2", TransferKind.UPLOAD, TransferState.CANCELLED, 5, 100, message="cancelled"
    )
    panel.model.update([plain])
    assert panel.model.index(1, STATE).data() == "Cancelled"
