"""The bucket browser against the demo environment over HTTP: folders, paging, filter, errors."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget
from support.browser import (
    ScriptedQuestions,
    StallMeter,
    client,
    put,
    unique_bucket_connection,
    with_endpoint,
)
from support.faultproxy import Fault, FaultProxy

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.browser.object_model import SIZE
from coachadmin.ui.browser.selection import SelectedObject
from coachadmin.ui.browser.views import COLUMN_WIDTHS, NAME_MIN_WIDTH
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import Level

ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment() as env:
        yield env


@pytest.fixture
def browse(window: MainWindow) -> BrowserController:
    window.questions = ScriptedQuestions()
    return window.browser.controller


def open_and_wait(qtbot, window: MainWindow, connection) -> BrowserController:
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=15000):
        window.set_connection(connection)
    return controller


def go(qtbot, controller: BrowserController, action) -> None:
    with qtbot.waitSignal(controller.listed, timeout=15000):
        action()


def bucket_rows(connection, prefix: str) -> list[str]:
    """The folder as S3 itself lists it: sub-folders, then objects (all pages)."""
    paginator = client(connection).get_paginator("list_objects_v2")
    folders: list[str] = []
    objects: list[str] = []
    for page in paginator.paginate(Bucket=connection.bucket, Prefix=prefix, Delimiter="/"):
        folders += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        objects += [o["Key"] for o in page.get("Contents", []) if o["Key"] != prefix]
    return sorted(folders, key=str.casefold) + sorted(objects, key=str.casefold)


def shown(controller: BrowserController) -> list[str]:
    return [info.key for info in controller.model.infos()]


def test_navigating_folders_shows_exactly_the_buckets_rows(qtbot, window, browse, demo):
    connection = demo.info.connection()
    controller = open_and_wait(qtbot, window, connection)
    assert shown(controller) == bucket_rows(connection, "")
    assert window.workspace.files.path_bar.parts() == [connection.bucket]

    # Enter on a folder opens it.
    view = window.workspace.files.object_list
    view.setFocus()
    view.setCurrentIndex(controller.model.index(controller.model.row_of("uploads/"), 0))
    go(qtbot, controller, lambda: qtbot.keyClick(view, Qt.Key.Key_Return))
    assert controller.prefix == "uploads/"
    assert shown(controller) == bucket_rows(connection, "uploads/")
    go(qtbot, controller, lambda: controller.navigate("uploads/2025/07/"))
    expected = bucket_rows(connection, "uploads/2025/07/")
    assert len(expected) > 10
    assert shown(controller) == expected
    assert window.workspace.files.path_bar.parts() == [connection.bucket, "uploads", "2025", "07"]
    # Sizes in human units, the name without the folder.
    first = controller.model.index(0, 0)
    assert first.data() == expected[0].rsplit("/", 1)[-1]
    assert controller.model.index(0, SIZE).data().endswith("bytes")

    # Backspace goes up; Back and Forward retrace.
    go(qtbot, controller, lambda: qtbot.keyClick(view, Qt.Key.Key_Backspace))
    assert controller.prefix == "uploads/2025/"
    assert window.main_actions.back.isEnabled()
    go(qtbot, controller, window.main_actions.back.trigger)
    assert controller.prefix == "uploads/2025/07/"
    go(qtbot, controller, window.main_actions.back.trigger)
    assert controller.prefix == "uploads/"
    assert window.main_actions.forward.isEnabled()
    go(qtbot, controller, window.main_actions.forward.trigger)
    assert controller.prefix == "uploads/2025/07/"
    go(qtbot, controller, window.main_actions.up.trigger)
    assert controller.prefix == "uploads/2025/"

    # The tree opened along the way and shows the bucket's real sub-folders.
    tree = controller.tree
    assert tree.children_of("uploads/2025/") == [
        p for p in bucket_rows(connection, "uploads/2025/") if p.endswith("/")
    ]
    assert window.workspace.files.folder_tree.currentIndex().data() == "2025"


def test_tree_is_lazy_and_clicking_a_folder_opens_it(qtbot, window, browse, demo):
    connection = demo.info.connection()
    controller = open_and_wait(qtbot, window, connection)
    tree, tree_view = controller.tree, window.workspace.files.folder_tree
    assert not tree.is_listed("videos/")  # not listed until opened
    index = tree.index_for("videos/")
    assert tree.hasChildren(index)
    tree_view.expand(index)
    qtbot.waitUntil(lambda: tree.is_listed("videos/"), timeout=10000)
    assert not tree.hasChildren(tree.index_for("videos/"))  # videos/ has no sub-folders
    go(qtbot, controller, lambda: tree_view.clicked.emit(tree.index_for("videos/")))
    assert controller.prefix == "videos/"
    assert shown(controller) == bucket_rows(connection, "videos/")


def test_selection_is_announced_for_the_preview(qtbot, window, browse, demo):
    connection = demo.info.connection()
    controller = open_and_wait(qtbot, window, connection)
    go(qtbot, controller, lambda: controller.navigate("images/"))
    key = shown(controller)[0]
    with qtbot.waitSignal(window.workspace.object_selected) as selected:
        controller.select_key(key)
    chosen = selected.args[0]
    assert isinstance(chosen, SelectedObject)
    assert (chosen.bucket, chosen.key) == (connection.bucket, key)
    assert chosen.info is not None and chosen.info.size > 0
    view = window.workspace.files.object_list
    with qtbot.waitSignal(window.workspace.preview_requested):
        qtbot.keyClick(view, Qt.Key.Key_Return)


def test_filter_narrows_and_sort_keeps_folders_first(qtbot, window, browse, demo):
    connection = unique_bucket_connection(demo.info.connection())
    for key, size in (("b-big.mp4", 5000), ("a-small.txt", 10), ("c-mid.txt", 700)):
        put(connection, key, b"x" * size)
    put(connection, "zeta/inner.txt")
    put(connection, "alpha/inner.txt")
    controller = open_and_wait(qtbot, window, connection)
    assert shown(controller) == ["alpha/", "zeta/", "a-small.txt", "b-big.mp4", "c-mid.txt"]

    view = window.workspace.files.object_list
    view.sortByColumn(SIZE, Qt.SortOrder.DescendingOrder)
    assert shown(controller) == ["zeta/", "alpha/", "b-big.mp4", "c-mid.txt", "a-small.txt"]
    view.sortByColumn(SIZE, Qt.SortOrder.AscendingOrder)
    assert shown(controller)[2:] == ["a-small.txt", "c-mid.txt", "b-big.mp4"]

    # Ctrl+F focuses the filter; typing narrows the folder.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    box = window.workspace.files.filter_box
    assert QApplication.focusWidget() is box
    qtbot.keyClicks(box, "TXT")
    qtbot.waitUntil(lambda: shown(controller) == ["a-small.txt", "c-mid.txt"], timeout=3000)
    box.clear()
    qtbot.waitUntil(lambda: len(shown(controller)) == 5, timeout=3000)

    # A filter that matches nothing says so (not "the folder is empty"), and Esc clears it.
    qtbot.keyClicks(box, "xyz")
    qtbot.waitUntil(lambda: shown(controller) == [], timeout=3000)
    assert view.placeholder_text() == "No names match “xyz”. Esc clears the filter."
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == ""
    qtbot.waitUntil(lambda: len(shown(controller)) == 5, timeout=3000)
    assert view.placeholder_text().startswith("This folder is empty")


def test_the_preview_never_shows_what_the_filter_hides(qtbot, window, browse, demo):
    """A selected object the filter hides leaves the preview; one it keeps stays selected
    and previewed when the filter changes or is cleared."""
    connection = unique_bucket_connection(demo.info.connection())
    for key in ("notes-01.txt", "notes-02.txt", "cover-01.txt"):
        put(connection, key, b"x" * 100)
    controller = open_and_wait(qtbot, window, connection)
    selections: list[SelectedObject | None] = []
    controller.object_selected.connect(selections.append)
    controller.select_key("notes-02.txt")
    assert selections[-1] is not None and selections[-1].key == "notes-02.txt"
    box = window.workspace.files.filter_box

    box.setText("notes")  # still shown: still selected, nothing changes for the preview
    qtbot.waitUntil(lambda: shown(controller) == ["notes-01.txt", "notes-02.txt"], timeout=3000)
    assert [i.key for i in controller.selected_infos()] == ["notes-02.txt"]
    assert selections[-1] is not None and selections[-1].key == "notes-02.txt"

    box.setText("cover")  # hidden: the preview lets it go
    qtbot.waitUntil(lambda: shown(controller) == ["cover-01.txt"], timeout=3000)
    qtbot.waitUntil(lambda: selections[-1] is None, timeout=3000)
    assert controller.selected_infos() == []


def test_search_by_prefix_across_the_bucket(qtbot, window, browse, demo):
    connection = demo.info.connection()
    controller = open_and_wait(qtbot, window, connection)
    window.questions.texts = ["uploads/captions/"]
    go(qtbot, controller, window.browser.actions.search.trigger)
    expected = sorted(
        (o["Key"] for o in client(connection).list_objects_v2(
            Bucket=connection.bucket, Prefix="uploads/captions/"
        )["Contents"]),
        key=str.casefold,
    )  # fmt: skip
    assert shown(controller) == expected
    assert controller.model.index(0, 0).data() == expected[0]  # full keys in a search
    go(qtbot, controller, window.main_actions.back.trigger)
    assert controller.search_prefix is None
    assert shown(controller) == bucket_rows(connection, "")


def test_refresh_lists_again(qtbot, window, browse, demo):
    connection = unique_bucket_connection(demo.info.connection())
    put(connection, "one.txt")
    controller = open_and_wait(qtbot, window, connection)
    assert shown(controller) == ["one.txt"]
    put(connection, "two.txt")
    go(qtbot, controller, lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    assert shown(controller) == ["one.txt", "two.txt"]


def test_access_denied_folder_shows_the_banner(qtbot, window, browse, demo, bus):
    base = unique_bucket_connection(demo.info.connection())
    put(base, "private/secret.txt")
    put(base, "public/hello.txt")
    with FaultProxy(base.s3.endpoint_url) as proxy:
        proxy.add_fault(
            lambda r: r.method == "GET" and "prefix=private" in r.target,
            Fault("status", code=403, body=ACCESS_DENIED),
            times=20,
        )
        connection = with_endpoint(base, proxy.url)
        controller = open_and_wait(qtbot, window, connection)
        assert shown(controller) == ["private/", "public/"]
        with qtbot.waitSignal(bus.posted, timeout=15000) as posted:
            controller.navigate("private/")
        message = posted.args[0]
    assert message.level is Level.ERROR
    assert "permission" in message.text
    assert "private/" in message.text
    assert "Traceback" not in message.text
    banner_texts = [item.message.text for item in window.banner.items()]
    assert message.text in banner_texts
    assert window.banner.isVisible()
    assert "permission" in window.workspace.files.object_list.placeholder_text()


def test_a_refresh_that_fails_leaves_the_folder_as_it_was(qtbot, window, browse, demo, bus):
    """F5 while the server cannot be reached: the rows stay (not "0 items"), with why, and
    the tree keeps every folder it showed, those beside the current one too."""
    base = unique_bucket_connection(demo.info.connection())
    for key in ("images/x.png", "videos/a.mp4", "videos/b.mp4", "videos/sub/c.mp4"):
        put(base, key)
    with FaultProxy(base.s3.endpoint_url) as proxy:
        controller = open_and_wait(qtbot, window, with_endpoint(base, proxy.url))
        with qtbot.waitSignal(controller.listed, timeout=10000):
            controller.navigate("videos/")
        before = shown(controller)
        assert before == ["videos/sub/", "videos/a.mp4", "videos/b.mp4"]
        qtbot.waitUntil(lambda: controller.tree.is_listed(""), timeout=5000)
        assert controller.tree.children_of("") == ["images/", "videos/"]
        proxy.add_fault(
            lambda r: r.method == "GET", Fault("status", code=403, body=ACCESS_DENIED), times=50
        )
        with qtbot.waitSignal(bus.posted, timeout=15000):
            controller.refresh()
        qtbot.waitUntil(lambda: shown(controller) == before, timeout=5000)
        qtbot.waitUntil(lambda: controller.tree.is_listed(""), timeout=5000)
        assert controller.tree.children_of("") == ["images/", "videos/"]
        assert controller.tree.children_of("videos/") == ["videos/sub/"]
        assert window.folder_count.text() == "3 items"


@pytest.mark.slow
def test_a_100000_object_folder_pages_in_without_blocking(qtbot, window, browse, demo, request):
    connection = unique_bucket_connection(demo.info.connection(), "big")
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    total = 100_000
    for number in range(total):  # straight into moto's store: seconds, not minutes
        backend.put_object(connection.bucket, f"many/file-{number:06d}.txt", b"x")
    put(connection, "many/")  # the folder's marker is not a row
    # moto's 100,000 keys live in this process (the app's demo runs in its own): keep the
    # garbage collector from walking them while the window is measured.
    gc.collect()
    gc.freeze()
    request.addfinalizer(gc.unfreeze)
    controller = open_and_wait(qtbot, window, connection)
    assert shown(controller) == ["many/"]

    meter = StallMeter().start()
    with qtbot.waitSignal(controller.listed, timeout=400_000):
        controller.navigate("many/")
        qtbot.waitUntil(lambda: controller.model.rowCount() > 0, timeout=10_000)
        first_rows = controller.model.rowCount()
        qtbot.waitUntil(lambda: controller.model.rowCount() >= 5000, timeout=60_000)
        # The window answers while pages arrive: sorting and filtering stay usable.
        window.workspace.files.object_list.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        window.workspace.files.object_list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    worst = meter.stop()
    assert controller.model.rowCount() == total
    infos = controller.model.infos()
    assert infos[0].key == "many/file-000000.txt"
    assert infos[-1].key == f"many/file-{total - 1:06d}.txt"
    print(f"first rows: {first_rows}, worst stall {worst * 1000:.0f} ms of {meter.elapsed:.1f} s")
    assert first_rows < total  # rows were shown while the rest were still being listed
    # bench/bench_ui_listing.py measures the stalls with the server in its own process.
    assert meter.never_stuck_for(0.25)


def first_pages(proxy: FaultProxy) -> Counter[str]:
    """The folders the app listed, by prefix: one per listing started (its first page);
    every ListObjectsV2 it sent must be a folder's (with the delimiter)."""
    started: Counter[str] = Counter()
    for request in proxy.stats.requests:
        query = parse_qs(urlsplit(request.target).query, keep_blank_values=True)
        if request.method != "GET" or query.get("list-type") != ["2"]:
            continue
        assert query.get("delimiter") == ["/"], request.target  # never the whole bucket
        if "continuation-token" not in query:
            started[query.get("prefix", [""])[0]] += 1
    return started


def test_what_the_app_lists_depends_on_the_folders_opened_not_the_bucket(
    qtbot, window, browse, demo
):
    """bench/bench_ui_bucket_scale.py: 1,000,000 objects browse as fast as 1,000 because
    opening a folder lists that folder (and the tree its parents), once, never the bucket."""
    base = unique_bucket_connection(demo.info.connection(), "scale")
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    for number in range(3000):  # the bulk of the bucket, in folders nobody opens
        backend.put_object(base.bucket, f"archive/f-{number // 100:02d}/{number}.dat", b"x")
    opened = "videos/course/"
    for number in range(150):
        backend.put_object(base.bucket, f"{opened}lesson-{number:03d}.mp4", b"x")
    for part in range(3):
        backend.put_object(base.bucket, f"{opened}part-{part}/clip.mp4", b"x")
    backend.put_object(base.bucket, "README.txt", b"x")
    with FaultProxy(base.s3.endpoint_url) as proxy:
        connection = with_endpoint(base, proxy.url)
        controller = open_and_wait(qtbot, window, connection)
        assert shown(controller) == ["archive/", "videos/", "README.txt"]
        go(qtbot, controller, lambda: controller.navigate(opened))
        assert controller.model.rowCount() == 153
        qtbot.waitUntil(lambda: controller.tree.is_listed("videos/"), timeout=15000)
        qtbot.wait(300)  # anything else the window would ask for
        # The root once (the list's pages fill the tree's root), the way to the folder
        # for the tree, the folder itself: nothing under archive/, nothing twice.
        assert first_pages(proxy) == Counter({"": 1, "videos/": 1, opened: 1})


def test_a_folder_left_while_listing_is_listed_by_the_tree_where_open(qtbot, window, browse, demo):
    base = unique_bucket_connection(demo.info.connection())
    opened = "videos/course/"
    for number in range(150):
        put(base, f"{opened}lesson-{number:03d}.mp4")
    put(base, f"{opened}part-1/clip.mp4")
    with FaultProxy(base.s3.endpoint_url) as proxy:
        proxy.add_fault(  # the list's second page never comes
            lambda r: "prefix=videos%2Fcourse%2F" in r.target and "continuation-token" in r.target,
            Fault("stall", seconds=3),
        )
        controller = open_and_wait(qtbot, window, with_endpoint(base, proxy.url))
        controller.navigate(opened)
        qtbot.waitUntil(lambda: controller.model.rowCount() > 0, timeout=15000)
        tree_view = window.workspace.files.folder_tree
        tree_view.expand(controller.tree.index_for(opened))
        assert not controller.tree.is_listed(opened)  # the list's pages will fill it
        assert first_pages(proxy)[opened] == 1
        go(qtbot, controller, lambda: controller.navigate(""))
        qtbot.waitUntil(lambda: controller.tree.is_listed(opened), timeout=15000)
        assert controller.tree.children_of(opened) == [f"{opened}part-1/"]
        assert first_pages(proxy)[opened] == 2


def test_the_status_bar_counts_the_folder_and_what_the_filter_shows(qtbot, window, browse, demo):
    connection = unique_bucket_connection(demo.info.connection())
    for key in ("videos/", "intro.mp4", "outro.mp4", "notes.txt", "cover.png"):
        put(connection, key)
    open_and_wait(qtbot, window, connection)
    count = window.folder_count
    assert count.text() == "5 items"
    assert count.isVisible()
    window.workspace.files.filter_box.setText(".mp4")
    qtbot.waitUntil(lambda: count.text() == "2 of 5 shown")
    window.workspace.files.filter_box.clear()
    qtbot.waitUntil(lambda: count.text() == "5 items")
    window.workspace.tabs.setCurrentWidget(window.workspace.lessons)
    assert count.isHidden()  # the Lessons tab has no folder
    window.workspace.tabs.setCurrentWidget(window.workspace.files)
    assert count.isVisible()


def test_f5_keeps_the_folder_tree_open_where_it_was(qtbot, window, browse, demo):
    connection = unique_bucket_connection(demo.info.connection())
    for key in ("courses/a/b/lesson.mp4", "courses/c/intro.mp4", "images/cover.png"):
        put(connection, key)
    controller = open_and_wait(qtbot, window, connection)
    tree = window.workspace.files.folder_tree
    model = controller.tree

    def open_folder(prefix: str) -> None:
        tree.expand(model.index_for(prefix))
        qtbot.waitUntil(lambda: model.is_listed(prefix), timeout=10000)

    open_folder("courses/")
    open_folder("courses/a/")
    go(qtbot, controller, lambda: controller.navigate("courses/c/"))
    put(connection, "courses/a/new/clip.mp4")
    go(qtbot, controller, lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    qtbot.waitUntil(lambda: model.is_listed("courses/a/"), timeout=10000)
    assert tree.isExpanded(model.index_for("courses/"))
    assert tree.isExpanded(model.index_for("courses/a/"))
    assert not tree.isExpanded(model.index_for("images/"))
    assert model.children_of("courses/a/") == ["courses/a/b/", "courses/a/new/"]  # listed again
    assert model.prefix_of(tree.currentIndex()) == "courses/c/"


def test_names_are_whole_when_the_column_has_room_and_cut_at_the_end_otherwise(
    qtbot, window, browse, demo
):
    connection = unique_bucket_connection(demo.info.connection())
    name = "week-03-interview-practice-final-cut.mp4"
    put(connection, name)
    window.resize(1280, 800)
    controller = open_and_wait(qtbot, window, connection)
    view = window.workspace.files.object_list
    assert view.textElideMode() == Qt.TextElideMode.ElideRight
    index = controller.model.index(0, 0)
    needed = view.fontMetrics().horizontalAdvance(name) + view.iconSize().width() + 24
    assert view.columnWidth(0) >= needed, (view.columnWidth(0), needed)
    assert index.data() == name
    # A narrow window: Name keeps a readable width, the list scrolls sideways instead.
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: view.viewport().width() < NAME_MIN_WIDTH + sum(COLUMN_WIDTHS[1:]))
    assert view.columnWidth(0) >= NAME_MIN_WIDTH
    assert view.horizontalScrollBar().maximum() > 0


def test_help_lists_the_keyboard_shortcuts_of_the_window_s_actions(qtbot, window, browse, demo):
    open_and_wait(qtbot, window, unique_bucket_connection(demo.info.connection()))
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    item = next(a for a in help_menu.actions() if a.text() == "Keyboard Shortcuts")
    item.trigger()
    dialog = window.findChild(QWidget, "shortcutsDialog")
    assert dialog is not None and dialog.isVisible()
    rows = dict(dialog.rows())
    native = QKeySequence.SequenceFormat.NativeText
    assert rows["Refresh"] == QKeySequence(QKeySequence.StandardKey.Refresh).toString(native)
    assert rows["Upload"] == QKeySequence("Ctrl+U").toString(native)
    assert rows["Clear the filter"] == QKeySequence("Esc").toString(native)
    assert rows["Thumbnails"] == QKeySequence("Ctrl+G").toString(native)
    # Generated from the actions: every action with a key is there.
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty():
            assert action.text().replace("&", "").rstrip("…").strip() in rows
    dialog.close()
